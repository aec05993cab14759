"""Streaming with the tiny model: growing partial answers, stop strings cut generation short,
the token budget holds, stop reasons are counted, and closing the stream really stops generating."""

from __future__ import annotations

import itertools
import time

from cazton_llm.decoding import Decoding
from cazton_llm.prompt_format import render_prompt
from space.chat import STOP_REASON_COUNTS, AnswerStream
from tests.space.conftest import generate_threads, wait_until


def test_partials_grow_and_the_answer_is_finished(loaded_model):
    model, tokenizer = loaded_model
    before = sum(STOP_REASON_COUNTS.values())
    stream = AnswerStream(
        model, tokenizer, render_prompt(tokenizer, "What does the company do?"), Decoding(max_new_tokens=24)
    )
    partials = list(stream)
    assert len(partials) >= 2
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(partials))
    assert stream.finished.stop_reason in ("eos", "max_tokens")
    assert stream.tokens_generated <= 24
    assert sum(STOP_REASON_COUNTS.values()) == before + 1
    assert not generate_threads()


def test_a_stop_string_ends_generation_early(never_stopping_model):
    model, tokenizer = never_stopping_model  # the free run must be long, whatever the tiny adapter learned
    prompt = render_prompt(tokenizer, "Who are your technology partners?")
    free_run = AnswerStream(model, tokenizer, prompt, Decoding(max_new_tokens=40), stop_strings=("\x00",))
    full_text = list(free_run)[-1]
    words = full_text.split()
    assert len(words) >= 6, full_text
    stop_word = next(word for word in words[3:] if full_text.find(word) > 0)
    stopped = AnswerStream(model, tokenizer, prompt, Decoding(max_new_tokens=40), stop_strings=(stop_word,))
    before = STOP_REASON_COUNTS["stop_string"]
    partials = list(stopped)
    assert stopped.finished.stop_reason == "stop_string"
    assert stop_word not in stopped.finished.text
    assert " ".join(full_text.split()).startswith(" ".join(stopped.finished.text.split()))
    assert all(stop_word not in partial for partial in partials)
    assert stopped.tokens_generated < free_run.tokens_generated
    assert STOP_REASON_COUNTS["stop_string"] == before + 1


def test_closing_the_stream_stops_the_generate_thread(loaded_model):
    model, tokenizer = loaded_model
    stream = AnswerStream(
        model, tokenizer, render_prompt(tokenizer, "Tell me everything."), Decoding(max_new_tokens=2000)
    )
    iterator = iter(stream)
    next(iterator)
    next(iterator)
    iterator.close()  # what Gradio does when the user presses stop
    # Generous: a thread that ran on would write far more than the 50 tokens checked below.
    assert wait_until(lambda: not generate_threads(), timeout_s=30)
    steps_at_close = stream.tokens_generated
    time.sleep(0.3)
    assert stream.tokens_generated == steps_at_close < 50
    assert stream.finished is None


def shared_runs(first: list[int], second: list[int], size: int) -> set[tuple[int, ...]]:
    def runs(ids):
        return {tuple(ids[start : start + size]) for start in range(len(ids) - size + 1)}

    return runs(first) & runs(second)


def test_an_answer_does_not_repeat_an_earlier_answer_of_the_conversation(never_stopping_model):
    """Greedy decoding of the same prompt says the same thing again; given that answer as the conversation's
    earlier answer, the stream may not repeat any HISTORY_NO_REPEAT_NGRAM_SIZE tokens of it."""
    from cazton_llm.decoding import HISTORY_NO_REPEAT_NGRAM_SIZE

    model, tokenizer = never_stopping_model  # answers of the full budget: long enough to be copied
    question = "What does the company do?"
    prompt = render_prompt(tokenizer, question)

    def answer(turns: list[dict]) -> str:
        stream = AnswerStream(model, tokenizer, prompt, Decoding(max_new_tokens=24), turns=turns)
        list(stream)
        return stream.finished.text

    previous = answer([])
    assert answer([]) == previous, "without an earlier answer it says the same again"
    turns = [{"role": "user", "content": question}, {"role": "assistant", "content": previous}]
    ids = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in (previous, answer(turns))]
    assert len(ids[0]) >= 2 * HISTORY_NO_REPEAT_NGRAM_SIZE
    assert not shared_runs(*ids, HISTORY_NO_REPEAT_NGRAM_SIZE)


def test_a_loop_ends_generation_and_the_answer_is_cut_where_it_starts(loaded_model, monkeypatch):
    """A loop with variations, which the no-repeat rule lets through (the demo's adapter wrote this one): generation
    stops once it loops, long before the budget, and the answer shown ends where the loop starts."""
    from tests.forced_answer import make_say

    model, tokenizer = loaded_model
    looping = "Yes, it did it did it did it done it did it did it didn't do it did it did she did she did he " * 4
    make_say(model, tokenizer, looping, monkeypatch)
    before = STOP_REASON_COUNTS["loop"]
    stream = AnswerStream(model, tokenizer, render_prompt(tokenizer, "did it actually help"), Decoding())
    partials = list(stream)
    assert (stream.finished.text, stream.finished.stop_reason) == ("Yes", "loop")
    assert stream.tokens_generated < len(tokenizer(looping)["input_ids"]) / 2
    assert len(partials[-1].split()) < 25, "what streamed before the stop: the loop's first window"
    assert STOP_REASON_COUNTS["loop"] == before + 1
