"""Streaming generation: `generate` in a thread feeding a `TextIteratorStreamer`, stopped early by
a stop string or a cancellation (Gradio's stop button), then finished by `cazton_llm.stopping`."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator

from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

from cazton_llm.decoding import Decoding, earlier_answer_ids
from cazton_llm.stopping import STOP_REASONS, STOP_STRINGS, FinishedAnswer, cut_at_stop_string, finish_answer

logger = logging.getLogger(__name__)
STOP_REASON_COUNTS: Counter[str] = Counter({reason: 0 for reason in STOP_REASONS})
STREAM_TIMEOUT_S = 120.0


class StopOnEvent(StoppingCriteria):
    """Ends `generate` at the next token once `event` is set; counts the steps it saw."""

    def __init__(self, event: threading.Event):
        self.event = event
        self.steps = 0

    def __call__(self, input_ids, scores, **kwargs):
        self.steps += 1
        return self.event.is_set()


class AnswerStream:
    """Iterate to get the answer so far after each new token; `finished` holds the final answer.

    Closing the iterator early (Gradio does so when the user presses stop) cancels generation:
    the generate thread ends at its next step.
    """

    def __init__(
        self, model, tokenizer, prompt: str, decoding: Decoding, stop_strings=STOP_STRINGS, turns: list[dict] = ()
    ):
        self.model = model
        self.turns = list(turns)  # the history the prompt was built with: its answers are not to be repeated
        self.stop_strings = stop_strings
        self.tokenizer = tokenizer
        self.prompt = prompt
        self.decoding = decoding
        self.cancelled = threading.Event()
        self.stop_criteria = StopOnEvent(self.cancelled)
        self.thread: threading.Thread | None = None
        self.finished: FinishedAnswer | None = None
        self._output_ids = None
        self._error: BaseException | None = None

    @property
    def tokens_generated(self) -> int:
        return self.stop_criteria.steps

    def _generate(self, streamer: TextIteratorStreamer, **kwargs) -> None:
        try:
            self._output_ids = self.model.generate(streamer=streamer, **kwargs)
        except BaseException as error:  # handed to the consuming thread, which re-raises it
            self._error = error
            streamer.end()

    def __iter__(self) -> Iterator[str]:
        inputs = self.tokenizer(self.prompt, return_tensors="pt").to(self.model.device)
        streamer = TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=STREAM_TIMEOUT_S
        )
        self.thread = threading.Thread(
            target=self._generate,
            name="space-generate",
            daemon=True,
            kwargs=dict(
                **inputs,
                **self.decoding.generate_kwargs(
                    self.tokenizer,
                    inputs["input_ids"].shape[1],
                    self.stop_strings,
                    earlier_answers=[earlier_answer_ids(self.tokenizer, self.turns)],
                ),
                streamer=streamer,
                stopping_criteria=StoppingCriteriaList([self.stop_criteria]),
            ),
        )
        self.thread.start()
        generated = ""
        try:
            for piece in streamer:
                generated += piece
                shown, hit_stop = cut_at_stop_string(generated, self.stop_strings)
                if hit_stop:
                    self.cancelled.set()
                    break
                yield shown.strip()
        finally:
            self.cancelled.set()
            self.thread.join()
        if self._error is not None:
            raise self._error
        ended_by_eos = int(self._output_ids[0, -1]) == self.tokenizer.eos_token_id
        self.finished = finish_answer(generated, ended_by_eos=ended_by_eos, stop_strings=self.stop_strings)
        STOP_REASON_COUNTS[self.finished.stop_reason] += 1
        logger.info("answer ended by %s; stop reasons so far: %s", self.finished.stop_reason, dict(STOP_REASON_COUNTS))
