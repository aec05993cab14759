"""Finetune a base model on the site dataset with TRL SFTTrainer + peft LoRA (QLoRA on CUDA)."""
