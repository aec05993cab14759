"""LoRA/QLoRA supervised finetuning with TRL's SFTTrainer: dataset → adapter folder laid out
like the Hub model repo (adapter, tokenizer with our chat template, model card, loss plot)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from cazton_llm.atomic import atomic_dir
from cazton_llm.cards import write_card
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.errors import UserError
from cazton_llm.hub import check_repo_id, is_local, upload_folder
from cazton_llm.model_loading import ModelRef, ModelSpec, load_model
from cazton_llm.packaged_models import imported_from
from cazton_llm.prompt_format import has_own_chat_template, prepare_tokenizer, system_prompt
from cazton_llm.retrieval import load_knowledge
from train.card import TRAINING_SUMMARY_FILE, adapter_card, card_data, training_summary
from train.config import ScriptArguments
from train.examples import ExampleMix, example_messages, unanswerable_examples
from train.plots import plot_losses

CPU_NOTICE = "notice: no CUDA GPU found: training plain LoRA in fp32 on the CPU (4-bit QLoRA needs CUDA)"


def checkpoints_dir(adapter_dir: Path) -> Path:
    """Checkpoints and TensorBoard logs live beside the adapter, so they are never pushed with it."""
    return adapter_dir.with_name(adapter_dir.name + "-checkpoints")


def validate(script_args: ScriptArguments, training_args, model_args) -> None:
    if not script_args.dataset_name:
        raise UserError("no dataset: set dataset_name in the recipe or pass --dataset_name DIR_OR_HUB_ID")
    if not model_args.model_name_or_path:
        raise UserError("no base model: set model_name_or_path in the recipe or pass --model_name_or_path")
    ModelSpec(ModelRef(model_args.model_name_or_path, model_args.model_revision)).check()  # a local folder's files
    if training_args.hub_model_id:
        check_repo_id(training_args.hub_model_id)


def chat_shaped(split, mix: ExampleMix, knowledge, system: str | None, unanswerable: list[dict]):
    """The split's rows as the chat would prompt them (`train.examples`), plus the unanswerable examples."""
    from datasets import Dataset

    rows = list(split)
    examples = [example_messages(row, mix, knowledge, rows, system) for row in rows] + unanswerable
    return Dataset.from_list(examples)


def within_length(split, tokenizer, max_length: int | None, name: str):
    """The examples whose whole conversation fits `max_length` tokens: TRL would cut the others short, and an
    answer cut before its end-of-turn token teaches the model not to stop. Says how many were left out. Without
    a `max_length` (padding-free batches: TRL cuts nothing) every example is kept."""
    if max_length is None:
        return split
    # return_dict=False: transformers 5 returns a BatchEncoding (len 2, input_ids and attention_mask) by default.
    lengths = [
        len(tokenizer.apply_chat_template(example["messages"], tokenize=True, return_dict=False)) for example in split
    ]
    kept = [index for index, length in enumerate(lengths) if length <= max_length]
    if len(kept) < len(lengths):
        print(
            f"notice: {len(lengths) - len(kept)} of {len(lengths)} {name} examples are longer than max_length "
            f"{max_length} (longest {max(lengths)} tokens) and are left out: raise max_length to keep them"
        )
    return split.select(kept)


def to_prompt_completion(row: dict) -> dict:
    """For models whose own chat template has no generation markers: loss on the completion only."""
    return {"prompt": row["messages"][:-1], "completion": row["messages"][-1:]}


def load_base(model_args, tokenizer, cuda: bool):
    """The base to train: quantised as the recipe says (load_in_4bit …) on CUDA, each process on its own GPU."""
    from accelerate import PartialState
    from peft import prepare_model_for_kbit_training
    from trl import get_quantization_config

    quantization = get_quantization_config(model_args) if cuda else None
    model = load_model(
        model_args.model_name_or_path,
        model_args.model_revision,
        tokenizer,
        cuda,
        quantization=quantization,
        device_map={"": PartialState().local_process_index} if quantization else None,
    )
    if quantization:
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False}
        )
    return model, quantization is not None


def lora_config(model_args, model, top_layers: int | None = None):
    from trl import get_peft_config

    config = get_peft_config(model_args)
    layers = model.config.get_text_config().num_hidden_layers
    if top_layers:
        if not 0 < top_layers <= layers:
            raise UserError(f"lora_top_layers must be between 1 and the model's {layers} layers, got {top_layers}")
        config.layers_to_transform = list(range(layers - top_layers, layers))
    return config


def lora_targets(model) -> list[str]:
    """The kinds of module LoRA was put on, as peft resolved the recipe's choice ("all-linear" names each one)."""
    return sorted({name.split(".")[-1] for name in model.peft_config["default"].target_modules})


@dataclass
class PreparedRun:
    trainer: object
    tokenizer: object
    adapter_dir: Path
    quantized: bool
    has_eval: bool


def prepare_run(script_args: ScriptArguments, training_args, model_args) -> PreparedRun:
    """Everything up to `trainer.train()`: data, tokenizer with our template, model, LoRA, trainer."""
    import torch
    from transformers import AutoTokenizer, EarlyStoppingCallback
    from trl import SFTTrainer
    from trl.chat_template_utils import has_generation_markers

    from train.labelled_positions import score_labelled_positions_only

    validate(script_args, training_args, model_args)
    adapter_dir = Path(training_args.output_dir)
    dataset = load_qa_dataset(script_args.dataset_name, script_args.dataset_config)
    if script_args.dataset_train_split not in dataset:
        raise UserError(f"dataset {script_args.dataset_name!r} has no split {script_args.dataset_train_split!r}")
    cuda = torch.cuda.is_available()
    if not cuda:
        print(CPU_NOTICE)
        training_args.bf16, training_args.use_cpu = False, True
        score_labelled_positions_only()
    tokenizer = AutoTokenizer.from_pretrained(model_args.model_name_or_path, revision=model_args.model_revision)
    prepare_tokenizer(tokenizer, script_args.prompt_format, force=script_args.prompt_format == "legacy")
    # A model's own template (ChatML: SmolLM2, Qwen2.5) rarely marks the assistant turn for TRL's assistant-only
    # loss: its rows become prompt/completion pairs, and the loss covers the completion, which ends with the
    # template's end-of-turn token.
    own_template = has_own_chat_template(tokenizer) and not has_generation_markers(tokenizer.chat_template)
    system = system_prompt(tokenizer, script_args.company)
    model, quantized = load_base(model_args, tokenizer, cuda)
    peft_config = lora_config(model_args, model, script_args.lora_top_layers)

    columns = ["messages"]
    mix = script_args.example_mix
    needs_passages = mix.retrieved or mix.distractors or mix.follow_up or mix.unanswerable
    if needs_passages and "passage" not in dataset[script_args.dataset_train_split].column_names:
        raise UserError(f"the example mix needs a 'passage' column and {script_args.dataset_name!r} has none")
    knowledge = load_knowledge(script_args.dataset_name, company=script_args.company) if needs_passages else None
    train_rows = len(dataset[script_args.dataset_train_split])
    unanswerable = (
        unanswerable_examples(
            knowledge, round(mix.unanswerable * train_rows), script_args.company, system, training_args.seed
        )
        if mix.unanswerable
        else []
    )
    splits = {
        name: chat_shaped(
            split, mix, knowledge, system, unanswerable if name == script_args.dataset_train_split else []
        ).select_columns(columns)
        for name, split in dataset.items()
    }
    splits = {name: within_length(split, tokenizer, training_args.max_length, name) for name, split in splits.items()}
    if own_template:
        splits = {name: split.map(to_prompt_completion, remove_columns=columns) for name, split in splits.items()}
        training_args.assistant_only_loss, training_args.completion_only_loss = False, True
    else:
        training_args.assistant_only_loss = True
    eval_split = splits.get(script_args.dataset_test_split)
    if eval_split is None or len(eval_split) == 0:
        eval_split, training_args.eval_strategy = None, "no"
    callbacks = []
    if script_args.early_stopping_patience and eval_split is not None:
        training_args.load_best_model_at_end, training_args.metric_for_best_model = True, "eval_loss"
        callbacks.append(EarlyStoppingCallback(script_args.early_stopping_patience))

    training_args.output_dir = str(checkpoints_dir(adapter_dir))
    try:
        trainer = SFTTrainer(
            model=model,
            args=training_args,
            train_dataset=splits[script_args.dataset_train_split],
            eval_dataset=eval_split,
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=callbacks,
        )
    except ValueError as error:
        # SFTTrainer raises ValueError only for settings that do not fit together or with the model.
        reason = str(error).splitlines()[0]
        if "Target modules" in reason or "target_modules" in reason:
            raise UserError(
                f"lora_target_modules {model_args.lora_target_modules} do not fit "
                f"{model_args.model_name_or_path}: {reason}"
            ) from None
        raise UserError(f"training settings do not fit together: {reason}") from None
    return PreparedRun(trainer, tokenizer, adapter_dir, quantized, eval_split is not None)


def train_adapter(script_args: ScriptArguments, training_args, model_args) -> dict:
    """Finetune and write the adapter folder (and push it when hub_model_id is set)."""
    from transformers.trainer_utils import get_last_checkpoint

    started = time.monotonic()
    run = prepare_run(script_args, training_args, model_args)
    trainer, tokenizer, adapter_dir = run.trainer, run.tokenizer, run.adapter_dir
    last = get_last_checkpoint(training_args.output_dir) if Path(training_args.output_dir).is_dir() else None
    result = trainer.train(resume_from_checkpoint=last if script_args.resume else None)
    metrics = {"train_loss": result.training_loss}
    if run.has_eval:
        metrics.update(trainer.evaluate())

    dataset_id = script_args.dataset_hub_id or (
        None if is_local(script_args.dataset_name) else script_args.dataset_name
    )
    base_model = model_args.model_name_or_path
    if is_local(base_model):  # a base imported from GGUF is named by the Hub model it came from
        base_model = imported_from(base_model) or base_model
    training = training_summary(
        training_args,
        model_args,
        run.quantized,
        lora_targets(trainer.model),
        metrics,
        script_args.prompt_format,
        system_prompt(tokenizer, script_args.company),
    )
    data = card_data(base_model, dataset_id, script_args.license)
    with atomic_dir(adapter_dir) as folder:
        trainer.model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        plot_losses(trainer.state.log_history, folder / "loss.png")
        card = adapter_card(data, training, training_args.hub_model_id, str(adapter_dir))
        write_card(folder, card, TRAINING_SUMMARY_FILE, training)
    summary = {
        "adapter_dir": str(adapter_dir),
        "train_loss": round(result.training_loss, 4),
        "eval_loss": round(metrics["eval_loss"], 4) if "eval_loss" in metrics else None,
        "steps": result.global_step,
        "resumed_from": last if script_args.resume else None,
        "seconds": round(time.monotonic() - started, 1),
    }
    if training_args.hub_model_id:
        summary["url"] = upload_folder(
            adapter_dir, training_args.hub_model_id, "model", private=training_args.hub_private_repo or False
        )
    return summary
