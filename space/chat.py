"""Streaming generation, stopped early by a stop string or a cancellation (Gradio's stop button), then finished by
`cazton_llm.stopping`: the CPU runtime (cazton_llm.cpu_runtime) generates in the answering thread itself, token by
token; transformers' `generate` (CUDA) runs in a thread feeding a `TextIteratorStreamer`."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator

from transformers import StoppingCriteria, TextIteratorStreamer, TextStreamer

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


class TextPieces(TextStreamer):
    """A streamer that keeps the decoded text pieces for `take`, in the generating thread."""

    def __init__(self, tokenizer):
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self.pieces: list[str] = []

    def on_finalized_text(self, text: str, stream_end: bool = False):
        self.pieces.append(text)

    def take(self) -> list[str]:
        taken, self.pieces = self.pieces, []
        return taken


class AnswerStream:
    """Iterate to get the answer so far after each new token; `finished` holds the final answer.

    Closing the iterator early (Gradio does so when the user presses stop) cancels generation: it ends at its
    next step.
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

    def _pieces_in_thread(self, inputs, kwargs: dict) -> Iterator[str]:
        streamer = TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=STREAM_TIMEOUT_S
        )
        kwargs = dict(**inputs, **kwargs, streamer=streamer)
        self.thread = threading.Thread(target=self._generate, name="space-generate", daemon=True, kwargs=kwargs)
        self.thread.start()
        try:
            yield from streamer
        finally:
            self.cancelled.set()
            self.thread.join()
        if self._error is not None:
            raise self._error

    def _pieces_here(self, inputs, kwargs: dict) -> Iterator[str]:
        """The CPU runtime's tokens, generated in this thread: no thread to start (0.17 s before the first token on
        a busy machine, perf/app_overhead.py) and none to stop; closing this iterator ends generation."""
        pieces = TextPieces(self.tokenizer)
        for output_ids in self.model.stream(**inputs, **kwargs, streamer=pieces):
            self._output_ids = output_ids
            yield from pieces.take()

    def __iter__(self) -> Iterator[str]:
        inputs = self.tokenizer(self.prompt, return_tensors="pt").to(self.model.device)
        kwargs = self.decoding.generate_kwargs(
            self.tokenizer,
            inputs["input_ids"].shape[1],
            self.stop_strings,
            earlier_answers=[earlier_answer_ids(self.tokenizer, self.turns)],
        )
        kwargs["stopping_criteria"].append(self.stop_criteria)
        in_place = hasattr(self.model, "stream")
        pieces = self._pieces_here(inputs, kwargs) if in_place else self._pieces_in_thread(inputs, kwargs)
        generated = ""
        try:
            for piece in pieces:
                generated += piece
                shown, hit_stop = cut_at_stop_string(generated, self.stop_strings)
                if hit_stop:
                    break
                yield shown.strip()
        finally:
            pieces.close()
        ended_by_eos = int(self._output_ids[0, -1]) == self.tokenizer.eos_token_id
        self.finished = finish_answer(generated, ended_by_eos, self.stop_strings, self.decoding.loop_window_words)
        STOP_REASON_COUNTS[self.finished.stop_reason] += 1
        logger.info("answer ended by %s; stop reasons so far: %s", self.finished.stop_reason, dict(STOP_REASON_COUNTS))
