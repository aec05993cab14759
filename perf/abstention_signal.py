"""Can anything the chat has tell a question the site does not answer from one it does, before it answers?
For each visitor question, on the chat's own path (its retrieval and prompt; a follow-up after the question it
follows), four signals:

- `model`: the finetuned model's own belief: the mean log-probability per token it gives the abstention
  answer ("The … website does not say. You can ask …") right after the chat's prompt;
- `gate`: the relevance gate's signal (`Knowledge.relevance`): the closest passage's MiniLM cosine;
- `sentence`: the closest sentence of the prompt's passages, MiniLM cosine (a missing fact may hide in a page
  that is on the question's topic);
- `reader`: the base model (the adapter off) asked whether the prompt's passages answer the question (the
  earlier question before a follow-up): log-probability of "No" over "Yes".

For each: its AUC (the chance that a question the site does not answer scores as more likely unanswered than
one it answers: 0.5 is chance, 1.0 a perfect split), the most unanswered questions any threshold turns away
while turning away at most 10 % of the answered ones, and the answered ones it turns away to reach 80 % of the
unanswered (issue 19's targets). The thresholds are picked on the same questions: these are bounds, not what
a chat would get.

    python perf/abstention_signal.py [--run outputs/demo] [--visitor-questions FILE]

`--run` is a pipeline run folder (`make demo SERVE=0` writes outputs/demo): its base model, adapter, dataset and
manifest (the company's name).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from itertools import product
from pathlib import Path

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.retrieval_scores import read_visitor_questions, visitor_rows
from cazton_llm.abstention import abstention_answer
from cazton_llm.chat_prompt import ChatTurn, chat_prompt, context_text, prompt_budget
from cazton_llm.errors import UserError, exit_on_user_error
from cazton_llm.retrieval import embed, load_knowledge

REPO = Path(__file__).resolve().parents[1]
MAX_FALSE = 0.10  # issue 19: at most 10 % of the answered questions get the abstention
MIN_ABSTENTION = 0.80  # and at least 80 % of the unanswered ones
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def answer_log_probability(model, tokenizer, prompt: str, answer: str) -> float:
    """Mean log-probability per token of `answer` right after `prompt`."""
    prompt_ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(torch.cat([prompt_ids, answer_ids], dim=1)).logits[0, prompt_ids.shape[1] - 1 : -1]
    return logits.log_softmax(-1).gather(1, answer_ids[0][:, None]).mean().item()


def reader_doubt(model, tokenizer, question: str, passages: str) -> float:
    """log P(No) - log P(Yes) of the next word after asking `model` whether `passages` answer `question`."""
    ask = f'Text:\n{passages}\n\nDoes the text above answer this question: "{question}"? Answer Yes or No.'
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": ask}], tokenize=False, add_generation_prompt=True
    )
    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        next_word = model(ids).logits[0, -1].log_softmax(-1)
    first = {
        word: [tokenizer(form, add_special_tokens=False)["input_ids"][0] for form in (word, " " + word)]
        for word in ("No", "Yes")
    }
    return (torch.logsumexp(next_word[first["No"]], 0) - torch.logsumexp(next_word[first["Yes"]], 0)).item()


def closest_sentence(question: str, context) -> float:
    """MiniLM cosine of the question and the closest sentence of the passages (0 without passages)."""
    sentences = [sentence for source in context for sentence in SENTENCE_END.split(source.passage) if sentence]
    if not sentences:
        return 0.0
    return float((embed(sentences) @ embed([question])[0]).max())


def auc(unanswered: list[float], answered: list[float]) -> float:
    """The chance that an unanswered question scores above an answered one (ties count half)."""
    pairs = list(product(unanswered, answered))
    return sum((low > high) + 0.5 * (low == high) for low, high in pairs) / len(pairs)


def operating_points(unanswered: list[float], answered: list[float]) -> tuple[float, float | None]:
    """The most unanswered questions turned away while at most MAX_FALSE of the answered ones are, and the
    share of answered ones turned away at the first threshold that turns away MIN_ABSTENTION of the
    unanswered (None: none does). A question is turned away when its score reaches the threshold."""
    best_abstention, false_at_target = 0.0, None
    for threshold in sorted(set(unanswered) | set(answered), reverse=True):
        abstention = sum(value >= threshold for value in unanswered) / len(unanswered)
        false = sum(value >= threshold for value in answered) / len(answered)
        if false <= MAX_FALSE:
            best_abstention = max(best_abstention, abstention)
        if false_at_target is None and abstention >= MIN_ABSTENTION:
            false_at_target = false
    return best_abstention, false_at_target


def run_company(run: Path) -> str:
    """The company's name from a finished run's manifest; a UserError when `run` holds none."""
    try:
        manifest = json.loads((run / "manifest.json").read_text())
        company = manifest["config"]["company"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(
            f"{run} holds no finished run ({error}): run `make demo SERVE=0` first, or pass --run"
        ) from None
    if not (run / "adapter").is_dir():
        raise UserError(f"{run} has no adapter: run `make demo SERVE=0` first, or pass --run")
    return company


@exit_on_user_error
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, default=REPO / "outputs" / "demo")
    parser.add_argument(
        "--visitor-questions", type=Path, default=REPO / "tests" / "fixtures" / "data" / "visitor_questions.jsonl"
    )
    args = parser.parse_args(argv)
    company = run_company(args.run)
    rows = visitor_rows(read_visitor_questions(args.visitor_questions))
    tokenizer = AutoTokenizer.from_pretrained(args.run / "base_model")
    base = AutoModelForCausalLM.from_pretrained(args.run / "base_model")
    model = PeftModel.from_pretrained(base, args.run / "adapter").eval()
    knowledge = load_knowledge(str(args.run / "dataset"), company=company)
    contact = knowledge.contact
    abstention = abstention_answer(company, contact.url if contact else "")
    budget = prompt_budget(model, 96)

    def base_reader(row: dict, turn: ChatTurn) -> float:
        asked = " / ".join(
            [*(earlier["content"] for earlier in row["turns"] if earlier["role"] == "user"), row["question"]]
        )
        with model.disable_adapter():
            return reader_doubt(model, tokenizer, asked, context_text(turn.context) or "")

    # Each signal, from the row and the chat's turn for it: higher is more likely unanswered.
    signals: dict[str, Callable[[dict, ChatTurn], float]] = {
        "model": lambda row, turn: answer_log_probability(model, tokenizer, turn.prompt, abstention),
        "gate": lambda row, turn: -(knowledge.relevance(row["question"], row["turns"]) or 0.0),
        "sentence": lambda row, turn: -closest_sentence(row["question"], turn.context),
        "reader": base_reader,
    }
    turns = [
        chat_prompt(tokenizer, knowledge, row["question"], row["turns"], company=company, max_prompt_tokens=budget)
        for row in rows
    ]
    unanswered = sum(not row["answerable"] for row in rows)
    print(f"{len(rows)} visitor questions, {unanswered} the site does not answer; {args.run}")
    print(f"| signal | AUC | abstention at ≤ {MAX_FALSE:.0%} false | false abstention at ≥ {MIN_ABSTENTION:.0%} |")
    print("|---|---|---|---|")
    for name, signal in signals.items():
        scores = [(row["answerable"], signal(row, turn)) for row, turn in zip(rows, turns, strict=True)]
        low = [value for answerable, value in scores if not answerable]
        high = [value for answerable, value in scores if answerable]
        best, false = operating_points(low, high)
        false_text = "never reached" if false is None else f"{false:.2f}"
        print(f"| {name} | {auc(low, high):.2f} | {best:.2f} | {false_text} |")


if __name__ == "__main__":
    main()
