"""The adapter's model card (README.md), built with huggingface_hub's `ModelCard`: front matter from
`ModelCardData`, a body that says what the adapter is, how to load it (by its Hub id, or by its folder
while it has none), how it was trained and its losses. Never contains a token.

What the body needs besides the front matter is kept in the adapter folder as `training_summary.json`,
so `python -m pipeline publish` can build the card again with the Hub ids it publishes to.
"""

from __future__ import annotations

from huggingface_hub import ModelCard, ModelCardData

from cazton_llm.hub import is_local

TRAINING_SUMMARY_FILE = "training_summary.json"
TAGS = ["lora", "sft", "trl", "peft", "cazton-llm", "website-chatbot"]
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
TEMPLATE = """---
{{ card_data }}
---

# {{ title }}

A LoRA adapter for {{ base_link }} that answers visitors' questions about a company, finetuned with TRL's \
`SFTTrainer` on {{ dataset_link }}.

Prompt format: `{{ prompt_format }}`{% if system %}, with the base's own chat template and the system line \
below{% endif %}. The tokenizer in this {{ place }} carries the chat template used in \
training; every answer in training ended with the end-of-sequence token and was part of the loss, so the model \
stops after its answer.

## Use it

```python
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("{{ adapter_ref }}")
model = AutoModelForCausalLM.from_pretrained("{{ base_model }}")
model = PeftModel.from_pretrained(model, "{{ adapter_ref }}")
messages = [{% if system %}{"role": "system", "content": {{ system_literal }}}, {% endif %}\
{"role": "user", "content": "What services do you offer?"}]
inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
output = model.generate(**inputs, max_new_tokens=200)
print(tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True))
```
{% if space_id %}
## Try it

Chat with it in the Space [{{ space_id }}](https://huggingface.co/spaces/{{ space_id }}).
{% endif %}
## Training

LoRA target modules: {{ target_modules | join(", ") }}.

| hyperparameter | value |
|---|---|
{% for name, value in hyperparameters.items() %}| {{ name }} | {{ value }} |
{% endfor %}
## Results

{% if metrics.eval_loss is not none %}- Eval loss on the held-out test split: {{ "%.4f" | format(metrics.eval_loss) }}
{% else %}- No eval split.
{% endif %}- Final train loss: {{ "%.4f" | format(metrics.train_loss) }}

The loss curves are in `loss.png`.
"""


def training_summary(
    training_args, model_args, quantized: bool, target_modules, metrics: dict, prompt_format: str, system: str | None
) -> dict:
    """What the card's body says about training (a fixed allow-list of settings, so no token can slip in)."""
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
    return {
        "hyperparameters": facts,
        "target_modules": target_modules,
        "metrics": {"train_loss": metrics["train_loss"], "eval_loss": metrics.get("eval_loss")},
        "prompt_format": prompt_format,
        "system": system,
    }


def link(repo_id: str, kind: str = "") -> str:
    """A Hub link for a repo id; a local folder is named as a path (there is nothing to link to)."""
    return f"`{repo_id}`" if is_local(repo_id) else f"[{repo_id}](https://huggingface.co/{kind}{repo_id})"


def adapter_card(
    card_data: ModelCardData, summary: dict, repo_id: str | None, folder: str, space_id: str | None = None
) -> ModelCard:
    """The adapter's card: loaded by its Hub id `repo_id` when it has one, else by its `folder`."""
    dataset_id = (card_data.datasets or [None])[0]
    return ModelCard.from_template(
        card_data,
        template_str=TEMPLATE,
        title=repo_id.split("/")[-1] if repo_id else f"LoRA adapter in {folder}",
        place="repo" if repo_id else "folder",
        adapter_ref=repo_id or folder,
        base_link=link(card_data.base_model),
        dataset_link=link(dataset_id, "datasets/") if dataset_id else "a website QA dataset",
        system_literal=repr(summary["system"]),
        space_id=space_id,
        **summary,
    )


def card_data(base_model: str, dataset_id: str | None, license_id: str) -> ModelCardData:
    return ModelCardData(
        base_model=base_model,
        library_name="peft",
        license=license_id,
        pipeline_tag="text-generation",
        tags=TAGS,
        datasets=[dataset_id] if dataset_id else None,
    )
