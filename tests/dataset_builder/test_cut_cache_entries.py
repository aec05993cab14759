"""A generate cache entry cut short (a full disk, a cache copied in part) is treated as missing with one notice
line: only those passages are asked again, and the output is what an undamaged cache gives."""

import os
import random

SEED = 20


def test_cut_cache_entries_are_asked_again(llm, pages_path, tmp_path, run_cli):
    out = tmp_path / "qa.jsonl"
    command = ["generate", "--pages", str(pages_path), "--out", str(out), "--base-url", llm.url, "--concurrency", "4"]
    env = {**os.environ, "OPENAI_API_KEY": "sk-test"}
    assert run_cli(*command, env=env).returncode == 0
    first_output, first_calls = out.read_bytes(), llm.calls

    rng = random.Random(SEED)
    entries = sorted((tmp_path / "cache").rglob("*.json"))
    cut = rng.sample(entries, 4)
    for entry in cut:
        data = entry.read_bytes()
        entry.write_bytes(data[: rng.randrange(0, len(data) - 1)])  # anywhere, the empty file included
    result = run_cli(*command, env=env)

    assert result.returncode == 0, result.stderr[-3000:]
    notices = [line for line in result.stdout.splitlines() if "cut short or damaged" in line]
    assert sorted(line.split(":")[0] for line in notices) == sorted(map(str, cut)), result.stdout
    assert llm.calls - first_calls == len(cut)
    assert out.read_bytes() == first_output
    rerun = run_cli(*command, env=env)  # the entries were rewritten whole
    assert "cut short" not in rerun.stdout and llm.calls - first_calls == len(cut)
