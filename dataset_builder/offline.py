"""The offline generator: deterministic question/answer pairs from headings and sentences,
no network and no key. A question the page asks itself (an FAQ) gets the sentences that follow it as its
answer; every other answer is one sentence of the passage, its question written from the sentence's subject
and verb ("We offer X" → "What do you offer?", "X is in Portland" → "Where is X?", "Maya Lindqvist is the chief
executive officer" → "Who is Maya Lindqvist?")."""

from __future__ import annotations

import re

from dataset_builder.passages import Passage

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_COPULA = re.compile(r"^(?P<subject>[A-Z][^,;:]{2,70}?) (?P<verb>is|are|was|has been) (?P<rest>.+)$")
_WE_VERB = re.compile(
    r"^(?:We|Our (?:team|teams|trainers)) (?:also |usually |can |will )?"
    r"(?P<verb>[a-z]{3,}(?:-[a-z]+)?)\b(?P<with> with)?"
)
DESCRIPTIVE_VERBS = (
    "costs|takes|covers|includes|offers|runs|teaches|lasts|gets|comes|ends|starts|builds|performs|moves|serves"
)
_THIRD_PERSON = re.compile(
    rf"^(?P<subject>(?:The|Each|Every|Our|This|It)\b[^,;:]{{0,60}}?) (?P<verb>{DESCRIPTIVE_VERBS})\b(?P<with> with)?"
)
DURATION_VERBS = {"lasts", "runs", "takes"}  # "runs for three days": asked "How long does it run?"
_DURATION = re.compile(
    r" (?:for )?(?:about |around )?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|several)\b"
)
NOT_VERBS = {"are", "were", "and", "the", "for", "with"}
PAST_FORMS = {"built", "made", "won", "ran", "taught", "led", "began", "grew", "wrote", "gave", "took", "sold", "held"}
PARTICIPLES = PAST_FORMS | {"known", "given", "done", "written", "kept", "paid", "run", "taken"}
PRONOUNS = {"i", "you", "we", "they", "he", "she", "it", "us", "them"}
ROLE_WORDS = re.compile(
    r"\b(?:officer|founder|co-founder|director|head|lead|leads|manager|president|chair|engineer|"
    r"architect|instructor|trainer|ceo|cto|cfo|coo)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(r"^[A-Z][a-z'-]+(?: (?:(?:de|van|von|der|da|del|di|le|la|bin|al) )*[A-Z][a-z'-]+){1,3}$")
_PLACE = re.compile(r"^(?:in|at|on|based in|located in|headquartered in) ")
FALLBACK_QUESTIONS = (
    "What can you tell me about {topic}?",
    "What else should I know about {topic}?",
    "Can you give me more details on {topic}?",
)
_PRONOUNS = {"Our ": "your ", "our ": "your ", "We ": "you ", "we ": "you "}
MIN_SENTENCE_WORDS = 5
MAX_FAQ_ANSWER_SENTENCES = 3
IRREGULAR = {"has": "have", "does": "do", "is": "is"}


def sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_SPLIT.split(text) if len(sentence.split()) >= MIN_SENTENCE_WORDS]


def second_person(phrase: str) -> str:
    for ours, yours in _PRONOUNS.items():
        if phrase.startswith(ours):
            return yours + phrase[len(ours) :]
    return (
        phrase[0].lower() + phrase[1:]
        if phrase.split()[0].lower() in {"the", "each", "every", "all", "this"}
        else phrase
    )


def base_form(verb: str) -> str:
    if verb in IRREGULAR:
        return IRREGULAR[verb]
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes")):
        return verb[:-2]
    return verb[:-1]


def asked_subject(subject: str, topic: str) -> str:
    """A sentence's subject as a visitor asks about it: "Our team" → "your team", "It" → "the {topic}"."""
    subject = second_person(subject)
    return f"the {topic.lower()}" if subject.lower() in {"it", "this", "they"} else subject


def is_noun_phrase(subject: str) -> bool:
    """False for what a regex took for a subject but is not one: "Send a short note about a project you" (an
    order, cut before its verb), "The Lisbon office opened in 2019 and" (a clause cut at its second verb)."""
    words = subject.lower().split()
    return len(words) == 1 or words[-1] not in PRONOUNS | {"and", "or", "but"}


def participle(rest: str) -> str | None:
    """The passive participle `rest` starts with, after an adverb ("privately held", "rehosted"), if any."""
    words = rest.split()
    if len(words) > 1 and words[0].endswith("ly"):
        words = words[1:]
    word = words[0].strip(".,") if words else ""
    return word if word.endswith("ed") or word in PARTICIPLES else None


def copula_question(subject: str, verb: str, rest: str, topic: str) -> str:
    """The question whose answer is "SUBJECT is REST": who for a person with a role, where for a place, how for
    what is done to it, what otherwise."""
    subject = asked_subject(subject, topic)
    verb = verb.split()[0]
    if _PLACE.match(rest):
        return f"Where {verb} {subject}?"
    if _PERSON.match(subject) and ROLE_WORDS.search(" ".join(rest.split()[:6])):
        return f"Who {verb} {subject}?"
    if done := participle(rest):
        if re.search(rf"{re.escape(done)} (?:in|since) \d{{4}}\b", rest):  # "was started in 2009"
            return f"When {verb} {subject} {done}?"
        if subject.startswith("No "):  # "No programming experience is required."
            return f"{verb.capitalize()} {subject[3:]} {done}?"
        return f"How {verb} {subject} {done}?"
    return f"What {verb} {subject}?"


def question_for(sentence: str, topic: str) -> str:
    """A visitor's question whose answer is `sentence`."""
    if (match := _WE_VERB.match(sentence)) and match["verb"] not in NOT_VERBS:
        if match["verb"].endswith("ed") or match["verb"] in PAST_FORMS:
            return f"What did you do for {topic.lower()}?"
        return f"What do you {match['verb']}{match['with'] or ''} for {topic.lower()}?"
    if (match := _COPULA.match(sentence)) and is_noun_phrase(match["subject"]):
        return copula_question(match["subject"], match["verb"], match["rest"], topic)
    if (match := _THIRD_PERSON.match(sentence)) and is_noun_phrase(match["subject"]):
        subject = asked_subject(match["subject"], topic)
        if match["verb"] in DURATION_VERBS and _DURATION.match(sentence[match.end("verb") :]):
            return f"How long does {subject} {base_form(match['verb'])}?"
        return f"What does {subject} {base_form(match['verb'])}{match['with'] or ''}?"
    return f"What can you tell me about {topic.lower()}?"


def faq_pairs(text: str) -> tuple[list[dict], str]:
    """A page's own questions with the sentences that follow each, up to the next question ("Do you work with
    small companies? Yes. About a third…"), and the text left once they are taken out."""
    pairs, rest, question, answer = [], [], None, []

    def close() -> None:
        if question and answer:
            pairs.append({"question": question, "answer": " ".join(answer)})
        elif question:
            rest.append(question)

    for sentence in (part.strip() for part in _SENTENCE_SPLIT.split(text) if part.strip()):
        if sentence.endswith("?"):
            close()
            question, answer = sentence, []
        elif question and len(answer) < MAX_FAQ_ANSWER_SENTENCES:
            answer.append(sentence)
        else:
            rest.append(sentence)
    close()
    return pairs, " ".join(rest)


def offline_pairs(passage: Passage) -> list[dict]:
    """Question/answer pairs for one passage, in sentence order: the page's own questions with their answers,
    then one question per other sentence."""
    topic = passage.heading or passage.source_title or "your company"
    pairs, text = faq_pairs(passage.text)
    asked = {pair["question"].lower() for pair in pairs}
    for sentence in sentences(text):
        candidates = [question_for(sentence, topic), *(q.format(topic=topic.lower()) for q in FALLBACK_QUESTIONS)]
        question = next((q for q in candidates if q.lower() not in asked), None)
        if question is None:
            continue
        asked.add(question.lower())
        pairs.append({"question": question, "answer": sentence})
    return pairs
