"""The CPU runtime on the packaged SmolLM2: the greedy answer transformers gives, Decoding's rules (stop strings, the
answer-only no-repeat rule, EOS), streaming, left-padded batches like the benchmark's, a conversion made once and
kept, and transformers for a model the runtime cannot run."""

from __future__ import annotations

import itertools
import os

import pytest
import torch

from benchmark.generation import generate_batch
from cazton_llm.cpu_runtime import OnnxCausalLM, load_cpu_runtime, load_for_generation, runtime_dir
from cazton_llm.decoding import Decoding
from cazton_llm.model_loading import ModelSpec, load_for_inference
from cazton_llm.prompt_format import render_prompt
from space.chat import AnswerStream

# int8 weights move logits a little: where two tokens nearly tie, the runtime may pick the other one (SmolLM2 asked for
# France's capital starts "L'Étoile…" instead of "The capital…"); on these the model is decisive.
QUESTION = "What is 2 + 2?"


@pytest.fixture(scope="module")
def runtime(smollm2_dir):
    return load_cpu_runtime(str(smollm2_dir))


def answer(model, tokenizer, prompt: str, decoding: Decoding) -> str:
    return generate_batch(model, tokenizer, [prompt], decoding)[0][0]


def test_it_answers_what_transformers_answers(runtime, smollm2_dir):
    model, tokenizer = runtime
    assert isinstance(model, OnnxCausalLM)
    reference, _ = load_for_inference(str(smollm2_dir), device="cpu")
    prompt = render_prompt(tokenizer, QUESTION)
    decoding = Decoding(max_new_tokens=16)
    assert answer(model, tokenizer, prompt, decoding) == answer(reference, tokenizer, prompt, decoding)
    assert "4" in answer(model, tokenizer, prompt, decoding)
    week = render_prompt(tokenizer, "How many days are in a week?")
    assert answer(model, tokenizer, week, decoding) == answer(reference, tokenizer, week, decoding)


def test_a_batch_answers_as_each_prompt_alone(runtime):
    model, tokenizer = runtime
    # Different lengths, so the first is left-padded (near ties can tip either way with padding too, as in fp32).
    prompts = [render_prompt(tokenizer, QUESTION), render_prompt(tokenizer, "How many days are there in one week?")]
    decoding = Decoding(max_new_tokens=20)
    alone = [generate_batch(model, tokenizer, [prompt], decoding)[0] for prompt in prompts]
    assert generate_batch(model, tokenizer, prompts, decoding) == alone
    # Each prompt keeps its own history: the second may not repeat its earlier answer, the first has none.
    earlier = [[], [{"role": "user", "content": "?"}, {"role": "assistant", "content": alone[1][0]}]]
    own = [
        generate_batch(model, tokenizer, [prompt], decoding, [turns])[0]
        for prompt, turns in zip(prompts, earlier, strict=True)
    ]
    assert own[1] != alone[1] and own[0] == alone[0]
    assert generate_batch(model, tokenizer, prompts, decoding, earlier) == own


def test_the_stream_grows_token_by_token_and_a_stop_string_cuts_it(runtime):
    model, tokenizer = runtime
    prompt = render_prompt(tokenizer, "Describe a sunny day at the beach in a few sentences.")
    free = AnswerStream(model, tokenizer, prompt, Decoding(max_new_tokens=40))
    partials = list(free)
    assert len(partials) >= 10
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(partials))
    stop_word = partials[-1].split()[5]
    stopped = AnswerStream(model, tokenizer, prompt, Decoding(max_new_tokens=40), stop_strings=(stop_word,))
    shown = list(stopped)
    assert stopped.finished.stop_reason == "stop_string"
    assert stop_word not in stopped.finished.text and all(stop_word not in partial for partial in shown)
    assert partials[-1].startswith(stopped.finished.text)
    assert stopped.tokens_generated < free.tokens_generated


def test_the_answer_may_not_repeat_itself_but_may_quote_its_prompt(runtime):
    model, tokenizer = runtime
    prompt = render_prompt(tokenizer, "What does a bespoke software consultancy do?")  # the base loops on this
    encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)

    def new_ids(decoding: Decoding) -> list[int]:
        output = model.generate(**encoded, **decoding.generate_kwargs(tokenizer, encoded["input_ids"].shape[1]))
        return output[0, encoded["input_ids"].shape[1] :].tolist()

    def repeated_ngrams(ids: list[int], size: int) -> int:
        ngrams = [tuple(ids[index : index + size]) for index in range(len(ids) - size + 1)]
        return len(ngrams) - len(set(ngrams))

    free = new_ids(Decoding(max_new_tokens=40, answer_no_repeat_ngram_size=None))
    ruled = new_ids(Decoding(max_new_tokens=40, answer_no_repeat_ngram_size=3))
    assert repeated_ngrams(free, 3) > 0
    assert repeated_ngrams(ruled, 3) == 0
    assert "bespoke software consultancy" in tokenizer.decode(ruled)  # the prompt's own words stay quotable


def test_the_conversion_is_made_once_and_kept(runtime, smollm2_dir, capsys):
    folder = runtime_dir(ModelSpec.parse(str(smollm2_dir.resolve())))
    written = (folder / "model.onnx").stat().st_mtime_ns
    load_cpu_runtime(str(smollm2_dir))
    assert (folder / "model.onnx").stat().st_mtime_ns == written
    assert "Converting" not in capsys.readouterr().out
    assert [path.name for path in folder.parent.iterdir() if path.name.startswith(".")] == []
    config = smollm2_dir / "config.json"
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 1))  # the base changed
    assert runtime_dir(ModelSpec.parse(str(smollm2_dir.resolve()))) != folder


def test_a_model_the_runtime_cannot_run_answers_with_transformers(pages_path, tmp_path, capsys):
    from cazton_llm.prompt_format import prepare_tokenizer
    from train.tiny_base import TinyBaseConfig, make_model, page_texts, train_tokenizer

    # A tiny phi whose rotary dimension (4) ONNX Runtime's attention kernel refuses when it runs.
    sizes = TinyBaseConfig(vocab_size=512, hidden_size=32, intermediate_size=64, num_hidden_layers=1)
    tokenizer = prepare_tokenizer(train_tokenizer(page_texts(pages_path), sizes.vocab_size))
    model = make_model(tokenizer, sizes)
    model.save_pretrained(tmp_path / "base")
    tokenizer.save_pretrained(tmp_path / "base")
    loaded, _ = load_for_generation(str(tmp_path / "base"), device="cpu")
    assert not isinstance(loaded, OnnxCausalLM)
    assert "answering with transformers" in capsys.readouterr().out
    loaded, _ = load_for_generation(str(tmp_path / "base"), device="cpu")  # the verdict is kept too
    assert "Converting" not in capsys.readouterr().out
    with torch.no_grad():
        assert loaded.generate(torch.tensor([[1, 2]]), max_new_tokens=2).shape == (1, 4)
