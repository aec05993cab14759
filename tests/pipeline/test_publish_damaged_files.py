"""`python -m pipeline publish` reads back the cards and summaries the run wrote: one cut at any byte either
still publishes or is one `error:` line naming the file, before any request to the Hub; never a traceback."""

import random

import pytest

from pipeline.cli import main
from tests.pipeline.test_publish import finished_run, write_config  # noqa: F401 (finished_run is a fixture)
from train.card import TRAINING_SUMMARY_FILE

SEED = 20


@pytest.mark.parametrize(
    "damaged",
    ["dataset/README.md", "dataset/build_summary.json", "adapter/README.md", f"adapter/{TRAINING_SUMMARY_FILE}"],
)
def test_a_cut_card_or_summary_publishes_or_is_one_line(hub, finished_run, tmp_path, capsys, damaged):  # noqa: F811
    path = finished_run / damaged
    whole = path.read_bytes()
    rng = random.Random(SEED)
    for offset in [0, *rng.sample(range(1, len(whole)), 2)]:
        path.write_bytes(whole[:offset])
        ids = {kind: hub.new_repo_id(f"acme-{kind}") for kind in ("dataset", "adapter", "space")}
        requests_before = len(hub.requests)
        try:
            code = main(["publish", "--config", write_config(tmp_path, finished_run, ids)])
        except SystemExit as exited:
            code = exited.code
        printed = capsys.readouterr()
        if code == 0:
            continue
        assert code == 2, (offset, printed.err[-3000:])
        error = printed.err.strip()
        assert error.startswith("error: ") and "\n" not in error, (offset, error[-3000:])
        assert str(finished_run) in error, (offset, error)
        assert len(hub.requests) == requests_before, (offset, "the Hub was asked before the files were checked")
