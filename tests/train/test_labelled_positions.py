"""On a CPU the real trainer's loss projects only the answer's positions through the LM head, and the loss is
the one TRL computes over every position."""

import pytest
import torch
import trl.trainer.utils as trl_trainer_utils

from tests.train.tiny_recipe import tiny_training_argv
from train.cli import parse_training_args
from train.labelled_positions import scores_compact_on
from train.sft import prepare_run


@pytest.fixture
def cpu_run(tiny_base_dir, qa_dataset_dir, tmp_path):
    args = parse_training_args(
        tiny_training_argv(tiny_base_dir, qa_dataset_dir, tmp_path / "adapter", "--retrieved_fraction", "1")
    )
    return prepare_run(*args)


def scored_rows_and_loss(trainer, batch, monkeypatch) -> tuple[int, float]:
    """How many positions the LM head scored for `batch`, and the trainer's loss on it."""
    scored = []
    chunked = trl_trainer_utils._ChunkedLogProbFunction

    class Counting(chunked):
        @staticmethod
        def forward(ctx, hidden, *rest):
            scored.append(hidden.shape[0])
            return chunked.forward(ctx, hidden, *rest)

    monkeypatch.setattr(trl_trainer_utils, "_ChunkedLogProbFunction", Counting)
    trainer.model.eval()  # no dropout: the two losses are comparable
    with torch.no_grad():
        loss = trainer.compute_loss(trainer.model, dict(batch)).item()
    return sum(scored), loss


def test_cpu_training_scores_only_the_answer_positions_with_the_same_loss(cpu_run, monkeypatch):
    trainer = cpu_run.trainer
    batch = next(iter(trainer.get_train_dataloader()))
    labelled = int((batch["labels"][:, 1:] != -100).sum())
    assert labelled < batch["labels"][:, 1:].numel() // 2, "the fixture's prompts are longer than their answers"

    assert scores_compact_on(torch.device("cpu"))
    compact_rows, compact_loss = scored_rows_and_loss(trainer, batch, monkeypatch)
    assert compact_rows == labelled

    monkeypatch.setattr(trl_trainer_utils, "_use_triton", lambda device: False)  # TRL's own CPU behaviour
    all_rows, full_loss = scored_rows_and_loss(trainer, batch, monkeypatch)
    assert all_rows == batch["labels"][:, 1:].numel()
    assert compact_loss == pytest.approx(full_loss, rel=1e-5)
