"""How answers are decoded, for the Space and the benchmark alike: the benchmark measures what the Space serves.

Greedy (reproducible, and what small models answer best with), stopped by EOS, by a stop string (the model
starting the next turn) or by the token budget. One rule on n-grams (`banned_next_tokens`, applied to
transformers' generation by `NoRepeatNGrams`; another runtime applies the same function):

- a greedy small model can fall into a loop ("how to build a team, how to build a team, …") that runs to the
  budget: no n-gram may repeat within the answer;
- asked a follow-up, a small finetuned model tends to say its previous answer again: the answer may not repeat a
  long run of an earlier answer of the conversation either (the assistant turns the chat sends as history).

The prompt is left out of both, so a grounded answer can still quote its passage. Kept from repeating itself
exactly, a greedy small model can still loop with variations ("did it did it did it done it …"): generation
stops there (`stops_loops`, `cazton_llm.stopping.loop_span`), and `finish_answer` cuts the loop off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cazton_llm.abstention import is_abstention
from cazton_llm.errors import UserError
from cazton_llm.prompt_format import STOP_STRINGS
from cazton_llm.stopping import LOOP_WINDOW_WORDS, loop_span

DEFAULT_MAX_NEW_TOKENS = 200
# 1.0 is off. A penalty also lowers the odds of every token of the prompt, so in grounded mode it pushes the
# model away from the passage's own words; docs/train.md has the measurements behind this choice.
REPETITION_PENALTY = 1.0
# Long enough for names and phrases to recur ("Northwind Forge" is 3 tokens), short enough to stop a loop early.
ANSWER_NO_REPEAT_NGRAM_SIZE = 6
# No run this long of an earlier answer in the conversation (measured on the demo's follow-ups: docs/train.md).
HISTORY_NO_REPEAT_NGRAM_SIZE = 6


def ngram_continuations(token_ids: Sequence[int], ngram_size: int) -> dict[tuple[int, ...], set[int]]:
    """Every (n-1)-token prefix of `token_ids`' n-grams, with the tokens that followed it."""
    continuations: dict[tuple[int, ...], set[int]] = {}
    for start in range(len(token_ids) - ngram_size + 1):
        prefix = tuple(token_ids[start : start + ngram_size - 1])
        continuations.setdefault(prefix, set()).add(token_ids[start + ngram_size - 1])
    return continuations


def history_continuations(earlier_answers: Sequence[Sequence[int]], ngram_size: int) -> dict[tuple[int, ...], set[int]]:
    """`ngram_continuations` of every earlier answer, merged (computed once per prompt)."""
    merged: dict[tuple[int, ...], set[int]] = {}
    for answer in earlier_answers:
        for prefix, tokens in ngram_continuations(answer, ngram_size).items():
            merged.setdefault(prefix, set()).update(tokens)
    return merged


def banned_next_tokens(
    answer_ids: Sequence[int],
    answer_ngram_size: int | None,
    history: dict[tuple[int, ...], set[int]] | None = None,
    history_ngram_size: int | None = None,
) -> set[int]:
    """The tokens that may not follow `answer_ids` (the answer so far, without its prompt): those that would
    repeat an n-gram of the answer itself, or (`history`, from `history_continuations`) one of an earlier answer."""
    banned: set[int] = set()
    if answer_ngram_size and len(answer_ids) >= answer_ngram_size:
        tail = tuple(answer_ids[len(answer_ids) - answer_ngram_size + 1 :])
        banned |= ngram_continuations(answer_ids, answer_ngram_size).get(tail, set())
    if history and history_ngram_size and len(answer_ids) >= history_ngram_size - 1:
        banned |= history.get(tuple(answer_ids[len(answer_ids) - history_ngram_size + 1 :]), set())
    return banned


def no_repeat_ngrams(decoding: Decoding, prompt_length: int, earlier_answers: Sequence[Sequence[Sequence[int]]] = ()):
    """`banned_next_tokens` as a transformers logits processor for a batch of prompts `prompt_length` tokens long
    (left-padded batches share it); `earlier_answers[row]`: the token ids of that row's earlier answers."""
    from transformers import LogitsProcessor

    history_size = decoding.history_no_repeat_ngram_size
    histories = [history_continuations(answers, history_size) if history_size else {} for answers in earlier_answers]

    class NoRepeatNGrams(LogitsProcessor):
        def __call__(self, input_ids, scores):
            for row, ids in enumerate(input_ids[:, prompt_length:].tolist()):
                history = histories[row] if row < len(histories) else None
                banned = banned_next_tokens(ids, decoding.answer_no_repeat_ngram_size, history, history_size)
                if banned:
                    scores[row, sorted(banned)] = -float("inf")
            return scores

    return NoRepeatNGrams()


TOKENS_PER_LOOP_WORD = 4  # a loop's window is looked for in its last 4 tokens per word


def stops_loops(tokenizer, prompt_length: int, window: int):
    """A transformers stopping criterion that ends each row of a batch of prompts `prompt_length` tokens long once
    its answer loops (`loop_span` over `window` words); the other rows go on."""
    import torch
    from transformers import StoppingCriteria

    class StopLoops(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            # Each step looks at the answer's last words only (a word is at least one token), so a step costs the
            # same however long the answer: earlier windows were looked at by earlier steps.
            tail_start = max(prompt_length, input_ids.shape[1] - TOKENS_PER_LOOP_WORD * window)
            answers = tokenizer.batch_decode(input_ids[:, tail_start:], skip_special_tokens=True)
            looping = [loop_span(answer, window) is not None for answer in answers]
            return torch.tensor(looping, dtype=torch.bool, device=input_ids.device)

    return StopLoops()


def earlier_answer_ids(tokenizer, turns: Sequence[dict]) -> list[list[int]]:
    """The token ids of the assistant turns of a conversation's history, as the model would write them: with and
    without a leading space (a template that ends its prompt with "Assistant:" has answers start with one).
    "The website does not say" is a fixed answer that may be given again: kept out, it is not garbled into a
    paraphrase with a wrong contact address (measured on the demo's follow-ups)."""
    return [
        tokenizer(text, add_special_tokens=False)["input_ids"]
        for turn in turns
        if turn["role"] == "assistant" and turn["content"].strip() and not is_abstention(turn["content"])
        for text in (turn["content"].strip(), " " + turn["content"].strip())
    ]


@dataclass(frozen=True)
class Decoding:
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    repetition_penalty: float = REPETITION_PENALTY
    answer_no_repeat_ngram_size: int | None = ANSWER_NO_REPEAT_NGRAM_SIZE  # None: no rule
    history_no_repeat_ngram_size: int | None = HISTORY_NO_REPEAT_NGRAM_SIZE  # None: earlier answers may be repeated
    loop_window_words: int | None = LOOP_WINDOW_WORDS  # None: a loop runs on to the token budget

    def __post_init__(self):
        if self.max_new_tokens < 1:
            raise UserError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if self.repetition_penalty <= 0:
            raise UserError(f"repetition_penalty must be positive, got {self.repetition_penalty}")
        for name, least in (
            ("answer_no_repeat_ngram_size", 1),
            ("history_no_repeat_ngram_size", 1),
            ("loop_window_words", 3),
        ):
            if getattr(self, name) is not None and getattr(self, name) < least:
                raise UserError(f"{name} must be at least {least}, got {getattr(self, name)}")

    def generate_kwargs(
        self,
        tokenizer,
        prompt_length: int,
        stop_strings=STOP_STRINGS,
        earlier_answers: Sequence[Sequence[Sequence[int]]] = (),
    ) -> dict:
        """Keyword arguments for `model.generate` on prompts `prompt_length` tokens long (left-padded batches
        share it), `earlier_answers[row]` the token ids of each prompt's earlier answers (`earlier_answer_ids`
        of the turns it was built with; none: no history); add the inputs and a streamer, and add any stopping
        criterion of the caller's to the list under "stopping_criteria"."""
        from transformers import LogitsProcessorList, StoppingCriteriaList

        processors = []
        if self.answer_no_repeat_ngram_size or (self.history_no_repeat_ngram_size and any(earlier_answers)):
            processors.append(no_repeat_ngrams(self, prompt_length, earlier_answers))
        return {
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "repetition_penalty": self.repetition_penalty,
            "logits_processor": LogitsProcessorList(processors),
            "stopping_criteria": StoppingCriteriaList(
                [stops_loops(tokenizer, prompt_length, self.loop_window_words)] if self.loop_window_words else []
            ),
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
            "stop_strings": list(stop_strings),
            "tokenizer": tokenizer,
        }
