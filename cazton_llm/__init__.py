"""Knowledge shared by every stage: file layout, record schema, prompt format, stopping rules."""

import warnings

# peft 0.21 reads transformers 5's deprecated `is_gradient_checkpointing` alias whenever it wraps a model: the
# FutureWarning concerns peft's code, and would otherwise be printed by every stage that loads an adapter.
warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
