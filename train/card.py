"""The adapter's model card (README.md): Hub YAML front matter and a body with what it is, how
it was trained, its eval loss and how to use it with peft. Never contains a token."""

from __future__ import annotations

import yaml

from cazton_llm.hub import is_local

HYPERPARAMETERS = (
    "learning_rate",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "max_length",
    "lr_scheduler_type",
    "warmup_steps",
    "seed",
    "assistant_only_loss",
    "completion_only_loss",
    "packing",
)


def training_facts(training_args, model_args, quantized: bool) -> dict:
    """The settings worth publishing (a fixed allow-list, so no token can slip in)."""
    facts = {name: getattr(training_args, name) for name in HYPERPARAMETERS}
    facts = {name: getattr(value, "value", value) for name, value in facts.items() if value is not None}
    if training_args.max_steps and training_args.max_steps > 0:
        facts.pop("num_train_epochs")
    facts.update(
        lora_r=model_args.lora_r,
        lora_alpha=model_args.lora_alpha,
        lora_dropout=model_args.lora_dropout,
        quantization="4-bit NF4 (QLoRA)" if quantized else "none (LoRA)",
    )
    return facts


def base_link(base_model: str) -> str:
    return f"`{base_model}`" if is_local(base_model) else f"[{base_model}](https://huggingface.co/{base_model})"


def render_card(
    base_model: str,
    dataset_id: str | None,
    repo_id: str | None,
    license_id: str,
    facts: dict,
    target_modules,
    metrics: dict,
    prompt_format: str,
    system: str | None = None,
) -> str:
    front_matter = {
        "base_model": base_model,
        "library_name": "peft",
        "license": license_id,
        "pipeline_tag": "text-generation",
        "tags": ["lora", "sft", "trl", "peft", "cazton-llm", "website-chatbot"],
    }
    if dataset_id:
        front_matter["datasets"] = [dataset_id]
    repo = repo_id or "OWNER/ADAPTER"
    rows = "\n".join(f"| {name} | {value} |" for name, value in facts.items())
    eval_loss = metrics.get("eval_loss")
    lines = [
        "---",
        yaml.safe_dump(front_matter, sort_keys=False).strip(),
        "---",
        "",
        f"# {repo.split('/')[-1]}",
        "",
        f"A LoRA adapter for {base_link(base_model)} that answers visitors' questions "
        f"about a company, finetuned with TRL's `SFTTrainer` on "
        + (f"[{dataset_id}](https://huggingface.co/datasets/{dataset_id})" if dataset_id else "a website QA dataset")
        + " made by [cazton-llm](https://github.com/cazton-llm/cazton-llm).",
        "",
        f"Prompt format: `{prompt_format}`"
        + (", with the base's own chat template and the system line below" if system else "")
        + ". The tokenizer in this repo carries the chat template used in training; "
        "every answer in training ended with the end-of-sequence token and was part of the loss, so the model stops "
        "after its answer.",
        "",
        "## Use it",
        "",
        "```python",
        "from peft import PeftModel",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        f'tokenizer = AutoTokenizer.from_pretrained("{repo}")',
        f'model = AutoModelForCausalLM.from_pretrained("{base_model}")',
        f'model = PeftModel.from_pretrained(model, "{repo}")',
        "messages = ["
        + (f'{{"role": "system", "content": {system!r}}}, ' if system else "")
        + '{"role": "user", "content": "What services do you offer?"}]',
        "inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors='pt', "
        "return_dict=True)",
        "output = model.generate(**inputs, max_new_tokens=200)",
        "print(tokenizer.decode(output[0, inputs['input_ids'].shape[1]:], skip_special_tokens=True))",
        "```",
        "",
        "## Training",
        "",
        f"LoRA target modules: {target_modules}.",
        "",
        "| hyperparameter | value |",
        "|---|---|",
        rows,
        "",
        "## Results",
        "",
        f"- Eval loss on the held-out test split: {eval_loss:.4f}" if eval_loss is not None else "- No eval split.",
        f"- Final train loss: {metrics['train_loss']:.4f}",
        "",
        "The loss curves are in `loss.png`.",
        "",
    ]
    return "\n".join(lines)
