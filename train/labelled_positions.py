"""TRL's fused LM head scores only the labelled positions (the answer) on every device, the CPU included.

TRL 1.16's `add_fused_lm_head` projects through the LM head only the positions whose label is not -100 on
CUDA/XPU (Triton), but every position of the batch elsewhere: the prompt, the passages, the earlier turns and
the padding, then zeroes them. With the chat's long prompts (about 250 tokens before an answer of 30) that
projection over a 49k-token vocabulary was 43 % of a CPU training step of the demo's recipe
(docs/train.md#training-time-only-the-answer-goes-through-the-lm-head). The loss is the same either way; TRL
scores every position off Triton only to keep tile shapes fixed for compiled backends (Neuron), which an eager
CPU step does not have.
"""

from __future__ import annotations

import trl.trainer.utils as trl_trainer_utils

_scores_compact_on = trl_trainer_utils._use_triton  # TRL's own rule: Triton devices


def scores_compact_on(device) -> bool:
    """Whether TRL's fused LM head scores only the labelled positions on `device`: on a CPU too."""
    return device.type == "cpu" or _scores_compact_on(device)


def score_labelled_positions_only() -> None:
    """Make the fused LM head score only the labelled positions on a CPU as it does on CUDA (idempotent)."""
    trl_trainer_utils._use_triton = scores_compact_on
