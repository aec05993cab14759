"""Knowledge shared by every stage: file layout, record schema, prompt format, stopping rules."""

import os
import warnings

# PyTorch's CPU threads (OpenMP) spin while they wait for work. When another process competes for the cores (a
# second run, a test suite, a training job), the spinning threads take each other's time slices: generating a
# grounded answer batch took 183 s instead of 17 s (docs/train.md, "CPU threads"). Waiting threads sleep instead,
# unless the user chose a policy. OpenMP reads it when torch is first imported, which every stage does after
# importing this package.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# peft 0.21 reads transformers 5's deprecated `is_gradient_checkpointing` alias whenever it wraps a model: the
# FutureWarning concerns peft's code, and would otherwise be printed by every stage that loads an adapter.
warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
