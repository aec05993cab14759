"""The saved state of a submitted batch, cut at any byte, makes `--batch collect` one error line that names the
file and what to do, not a traceback; whole again, the batch is collected."""

import random

import pytest

from cazton_llm.errors import UserError
from dataset_builder.batch import collect_batch, state_path, submit_batch
from dataset_builder.config import GenerateConfig

SEED = 20


def test_a_cut_batch_state_is_one_error_line(llm, pages_path, tmp_path):
    config = GenerateConfig(pages=pages_path, generator="openai", base_url=llm.url, out=tmp_path / "qa.jsonl")
    submit_batch(config)
    state = state_path(config.out)
    whole = state.read_bytes()
    for offset in [0, *random.Random(SEED).sample(range(1, len(whole)), 5)]:
        state.write_bytes(whole[:offset])
        with pytest.raises(UserError) as refused:
            collect_batch(config)
        message = str(refused.value)
        assert message.startswith(f"{state} is cut short or damaged") and "\n" not in message
        assert "--batch submit" in message
    state.write_bytes(whole)
    assert collect_batch(config) == "completed"
