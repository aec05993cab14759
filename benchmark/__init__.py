"""Benchmark the finetuned model against its base and general chat models (e.g. Zephyr) on held-out questions."""
