"""The offline generator: deterministic question/answer pairs from headings and sentences,
no network and no key. A question the page asks itself (an FAQ) gets the sentences that follow it as its
answer; every other sentence gets a question written from its subject and verb ("We offer X" → "What do you
offer?", "X is in Portland" → "Where is X?", "Maya Lindqvist is the chief executive officer" → "Who is Maya
Lindqvist?"), or the passage's topic question where it has none. Sentences that get the same question answer it
together: one question never has two answers."""

from __future__ import annotations

import re

from cazton_llm.page_schema import is_home_page
from dataset_builder.passages import Passage

# Letters of Latin names, accented ones included ("Tomás", "Łukasz", "Ødegaard"). Ā-Ž holds both cases in turn,
# so each class has all of it: a lower-case letter of that block starts no sentence or name in practice.
UPPER, LOWER = "A-ZÀ-ÖØ-ÞĀ-Ž", "a-zß-öø-ÿā-ž"
_SENTENCE_SPLIT = re.compile(rf"(?<=[.!?])\s+(?=[{UPPER}0-9])")
_COPULA = re.compile(rf"^(?P<subject>[{UPPER}][^,;:]{{2,70}}?) (?P<verb>is|are|was|has been) (?P<rest>.+)$")
_WE_VERB = re.compile(
    r"^(?:We|Our (?:team|teams|trainers)) (?:also |usually |can |will )?"
    r"(?P<verb>[a-z]{3,}(?:-[a-z]+)?)\b(?P<with> with)?"
)
# Verbs a sentence may answer a "what does it do" question with, in their base form; third_person() gives "costs".
_VERB_WORDS = (
    "cost take cover include offer run teach last get come end start build perform move serve lead oversee "
    "provide help handle support use focus deliver manage design develop create deploy find fix set learn "
    "receive need require host own sell make give write know join attend choose review train keep have monitor "
    "report work protect test audit modernise modernize integrate automate migrate maintain"
)
VERBS = tuple(_VERB_WORDS.split())
MODALS = "can|should|must|will|may"
ADVERBS = "(?:usually |often |also |typically |now |already |only )?"
PARTICLE = r"(?P<with> (?:with|on|up)(?= ))?"  # "starts with", "focuses on", "set up"


def third_person(verb: str) -> str:
    """ "cost" → "costs", "focus" → "focuses", "have" → "has"."""
    if verb == "have":
        return "has"
    if verb.endswith(("s", "sh", "ch", "x", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


BASE_FORMS = {third_person(verb): verb for verb in VERBS}
_NAME = rf"[{UPPER}][{LOWER}]+(?: [{UPPER}][{UPPER}{LOWER}]+){{0,3}}"
_THIRD_PERSON = re.compile(
    rf"^(?P<subject>(?:(?:The|Each|Every|Our|This|It|A|An)\b[^,;:]{{0,60}}?|{_NAME})) {ADVERBS}"
    rf"(?P<verb>{'|'.join(third_person(verb) for verb in VERBS)})\b{PARTICLE}"
)
# "Our data engineers design …", "Most engagements start with …": a plural subject of at most four words.
_PLURAL = re.compile(
    r"^(?P<subject>(?:(?:Our|All|Most|Many|Some|The|These|Both|New) )?[A-Za-z-]+(?: [A-Za-z-]+){0,2}?) "
    rf"{ADVERBS}(?P<verb>{'|'.join(VERBS)})\b{PARTICLE}"
)
_MODAL = re.compile(
    rf"^(?P<subject>[A-Z][^,;:]{{0,50}}?) (?P<modal>{MODALS}) (?P<adverb>{ADVERBS})(?P<verb>[a-z]{{2,}})\b(?P<rest>.*)$"
)
_YOU_CAN = re.compile(r"^You can (?P<verb>[a-z]{2,})\b(?P<object>.*?)(?: (?:by|through|via|using|from|at|in)\b.*)?\.?$")
_WHERE = re.compile(r"^ (?:in|at|on|from|online|on-site|onsite|remotely)\b")
DURATION_VERBS = {"last", "run", "take"}  # "runs for three days": asked "How long does it run?"
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
_PERSON = re.compile(
    rf"^[{UPPER}][{LOWER}'-]+(?: (?:(?:de|van|von|der|da|del|di|le|la|bin|al) )*[{UPPER}][{LOWER}'-]+){{1,3}}$"
)
_PLACE = re.compile(r"^(?:in|at|on|based in|located in|headquartered in) ")
_PRONOUNS = {"Our ": "your ", "our ": "your ", "We ": "you ", "we ": "you "}
_OURS = {"we": "you", "our": "your", "us": "you"}
_INNER_OURS = re.compile(r" (we|our|us) ")  # inside a subject: "every model we deliver" (not "our US clients")
# A heading's label before the thing it names ("Case study: A hospital network"): the question asks about the thing.
# Only a label of one or two words before "a", "an" or "the": "Kubernetes: running containers at scale" names its
# subject before the colon.
_LABEL = re.compile(r"^[A-Z]\w*(?: \w+)?: (?=(?:[Aa]n?|[Tt]he) )")
# A heading that is a clause about the company ("What we do", "Who we are", "How we work"): a question in itself.
_CLAUSE_TOPIC = re.compile(r"^(?P<wh>what|who|how|where|when|why) we (?P<verb>[a-z]+)(?P<rest>(?: [a-z]+)*)$", re.I)
# "We hire software engineers, …": asked who, not "What do you hire for careers?".
PEOPLE_VERBS = {"hire", "employ", "recruit", "serve", "help", "train", "coach", "mentor"}
# "We also have offices in Toronto …": a short object, then a named place.
_WHERE_OBJECT = re.compile(rf"^ (?P<object>[a-z-]+(?: [a-z-]+){{0,2}}) (?:in|at) [{UPPER}]")
# "We answer every application within ten working days": how quickly.
_WITHIN = re.compile(
    r"^ (?P<object>[a-z-]+(?: [a-z-]+){0,3}) within (?:\d|one|two|three|four|five|six|seven|eight|nine|ten|a)\b"
)
# A heading that asks the visitor to do something ("Contact us", "Visit us"): how.
_INVITATION = re.compile(r"^(?P<verb>contact|visit|call|email|join|reach|find|follow|write to) us$", re.IGNORECASE)
_ALSO = re.compile(r"\balso\b")  # a sentence that adds to the one before it ("We also have offices in …")
MIN_SENTENCE_WORDS = 5
MAX_ANSWER_SENTENCES = 3
MAX_OBJECT_WORDS = 8  # "You can reach our sales team by …": a longer object is a clause, not a thing to ask about
CONTINUING_PRONOUNS = {"He", "She", "His", "Her"}
# "Before joining in 2016 she built …": a person the sentence before names, after an opening phrase.
_LATER_PRONOUN = re.compile(
    r"^[^.;:]{0,60}?, (?:he|she) "  # "In 2019, he …"
    r"|^(?:Before|After|Since|Until|In|At|From|Outside)\b[^,]{0,40} (?:he|she) "  # "Before joining in 2016 she …"
)


def sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_SPLIT.split(text) if len(sentence.split()) >= MIN_SENTENCE_WORDS]


def second_person(phrase: str) -> str:
    for ours, yours in _PRONOUNS.items():
        if phrase.startswith(ours):
            return yours + phrase[len(ours) :]
    return (
        phrase[0].lower() + phrase[1:]
        if phrase.split()[0].lower()
        in {"the", "a", "an", "each", "every", "all", "this", "these", "most", "many", "some", "both"}
        else phrase
    )


def asked_subject(subject: str, topic: str) -> str:
    """A sentence's subject as a visitor asks about it: "Our team" → "your team", "every model we deliver" →
    "every model you deliver", "It" → "the {topic}", and "The course" under "Azure fundamentals course" → "the
    azure fundamentals course" (which course a visitor asks about)."""
    subject = _INNER_OURS.sub(lambda found: f" {_OURS[found[1]]} ", second_person(subject))
    words, topic_words = subject.lower().split(), topic.lower().split()
    pronoun = words in (["it"], ["this"], ["they"])
    topic_noun = len(words) == 2 and words[0] == "the" and len(topic_words) > 1 and topic_words[-1] == words[1]
    return f"the {topic.lower()}" if pronoun or topic_noun else subject


def plural_subject(subject: str) -> str:
    """A plural subject as asked mid-question, without the capital it had at the start of its sentence:
    "Participants" → "participants", "Simple applications" → "simple applications"; names keep theirs ("Maya
    Lindqvist and Daniel Okafor", "NATO members"). Only for a subject a plural verb follows: "Kubernetes in
    production is …" keeps its capital."""
    words = subject.split()
    acronym = len(words[0]) > 1 and words[0].isupper()
    if not acronym and (len(words) == 1 or words[1].islower()) and any(is_plural(word) for word in words[:3]):
        return subject[0].lower() + subject[1:]
    return subject


def is_noun_phrase(subject: str) -> bool:
    """False for what a regex took for a subject but is not one: "Send a short note about a project you" (an
    order, cut before its verb), "The Lisbon office opened in 2019 and" (a clause cut at its second verb), "She"
    (a person the sentence before names)."""
    words = subject.lower().split()
    if len(words) == 1:
        return words[0] not in PRONOUNS - {"it", "they"}
    return words[-1] not in PRONOUNS | {"and", "or", "but"}


def is_plural(word: str) -> bool:
    """ "engineers", "classes"; not "class", "bus" or "analysis"."""
    word = word.lower()
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


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
    subject = plural_subject(subject) if verb in {"are", "were"} else subject
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


def modal_question(subject: str, modal: str, adverb: str, verb: str, rest: str) -> str | None:
    """ "Visitors can park in the garage" → "Where can visitors park?", "Attendees should already know how to build"
    → "What should attendees already know?", "All roles can be done remotely" → "Can all roles be done remotely?",
    "The course can be taught for Java teams" → "Who can the course be taught for?"."""
    if verb == "be":
        done = participle(rest)
        if done is None:
            return None
        after = rest.split()[1:2]
        if after == ["for"]:  # "The course can be taught for Java teams"
            return f"Who {modal} {subject} be {done} for?"
        manner = f" {after[0].strip('.,')}" if after and after[0].strip(".,").endswith("ly") else ""
        return f"{modal.capitalize()} {subject} be {done}{manner}?"
    if _WHERE.match(rest):
        return f"Where {modal} {subject} {adverb}{verb}?"
    return f"What {modal} {subject} {adverb}{verb}?"


def verb_question(subject: str, does: str, verb: str, particle: str, rest: str) -> str:
    """The question a subject and its verb answer: how long for a duration, how much for a cost, where for a place,
    what otherwise ("What does the course cover?", "What do most engagements start with?")."""
    if verb in DURATION_VERBS and _DURATION.match(rest):
        return f"How long {does} {subject} {verb}?"
    if verb == "cost":
        return f"How much {does} {subject} cost?"
    if not particle and _WHERE.match(rest):
        return f"Where {does} {subject} {verb}?"
    return f"What {does} {subject} {verb}{particle}?"


def we_verb_question(verb: str, particle: str, rest: str, about: str) -> str:
    """The question "We VERB REST" answers: who for people ("Who do you hire?"), where for a short object in a
    named place ("Where do you have offices?"), how quickly for a time limit ("How quickly do you answer every
    application?"), else what, about the passage's topic ("What do you offer for cloud migration?")."""
    if particle:  # "We start with …"
        return f"What do you {verb}{particle}{about}?"
    if verb in PEOPLE_VERBS:
        return f"Who do you {verb}?"
    if place := _WHERE_OBJECT.match(rest):
        return f"Where do you {verb} {place['object']}?"
    if limit := _WITHIN.match(rest):
        return f"How quickly do you {verb} {limit['object']}?"
    return f"What do you {verb}{about}?"


def question_for(sentence: str, topic: str) -> str | None:
    """A visitor's question whose answer is `sentence`, or None where the sentence has no subject and verb to ask
    about (an order, a clause that leans on the sentence before)."""
    if (match := _WE_VERB.match(sentence)) and match["verb"] not in NOT_VERBS:
        perfect = match["verb"] == "have" and participle(sentence[match.end("verb") :])  # "Our trainers have taught"
        about = "" if _CLAUSE_TOPIC.match(topic) else f" for {second_person(topic.lower())}"  # not "for what we do"
        if match["verb"].endswith("ed") or match["verb"] in PAST_FORMS or perfect:
            return f"What did you do{about}?"
        return we_verb_question(match["verb"], match["with"] or "", sentence[match.end() :], about)
    if (match := _YOU_CAN.match(sentence)) and len(match["object"].split()) <= MAX_OBJECT_WORDS:
        thing = match["object"].strip()
        return f"How can I {' '.join([match['verb'], *([second_person(thing)] if thing else [])])}?"
    if (match := _COPULA.match(sentence)) and is_noun_phrase(match["subject"]):
        return copula_question(match["subject"], match["verb"], match["rest"], topic)
    if (match := _MODAL.match(sentence)) and is_noun_phrase(match["subject"]):
        subject = plural_subject(asked_subject(match["subject"], topic))
        return modal_question(subject, match["modal"], match["adverb"], match["verb"], match["rest"])
    if (match := _THIRD_PERSON.match(sentence)) and is_noun_phrase(match["subject"]):
        verb = BASE_FORMS[match["verb"]]
        rest = sentence[match.end() :]
        return verb_question(asked_subject(match["subject"], topic), "does", verb, match["with"] or "", rest)
    if (match := _PLURAL.match(sentence)) and is_plural_noun_phrase(match["subject"]):
        return verb_question(
            plural_subject(asked_subject(match["subject"], topic)),
            "do",
            match["verb"],
            match["with"] or "",
            sentence[match.end() :],
        )
    return None


def is_plural_noun_phrase(subject: str) -> bool:
    """ "Our data engineers", "Participants"; not "Send a short note" or "All interfaces we"."""
    return is_noun_phrase(subject) and is_plural(subject.split()[-1])


def heading_topic(heading: str) -> str:
    """What a passage is about, from its heading: without a label ("Case study: A hospital network" → "A hospital
    network") or an "About" ("About Acme" → "Acme"); "About us" is "Who we are"."""
    topic = _LABEL.sub("", heading)
    if topic.lower() == "about us":
        return "Who we are"
    return re.sub(r"^about (?=\S)", "", topic, flags=re.IGNORECASE)


def topic_question(topic: str) -> str:
    """The question for a passage as a whole: "How do I apply?" under "How to apply", "How can I contact you?"
    under "Contact us", "What do you do?" under "What we do", else "What can you tell me about …?" ("… about
    your values?" under "Our values")."""
    if topic.lower().startswith("how to "):
        return f"How do I {topic[len('how to ') :]}?"
    if invitation := _INVITATION.match(topic):
        return f"How can I {invitation['verb'].lower()} you?"
    if (clause := _CLAUSE_TOPIC.match(topic)) and not (clause["verb"].endswith("ed") or clause["verb"] in PAST_FORMS):
        wh, verb = clause["wh"].capitalize(), clause["verb"].lower()
        return (
            f"{wh} {verb} you{clause['rest']}?" if verb in {"are", "were"} else f"{wh} do you {verb}{clause['rest']}?"
        )
    return f"What can you tell me about {second_person(topic.lower())}?"


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
        elif question and len(answer) < MAX_ANSWER_SENTENCES:
            answer.append(sentence)
        else:
            rest.append(sentence)
    close()
    return pairs, " ".join(rest)


def said_of_the_company(sentence: str, company: str | None) -> bool:
    """Whether `sentence` is said of the company by its name ("Northwind Forge has three offices …"), not of a
    longer name ("Northwind Forge Consulting was started …") or of its parts ("Northwind Forge's team …")."""
    if not company:
        return False
    named, after = sentence[: len(company)], sentence[len(company) :]
    return named.lower() == company.lower() and re.match(r" [a-z]", after) is not None


def offline_pairs(passage: Passage, company: str | None = None) -> list[dict]:
    """Question/answer pairs for one passage: the page's own questions with their answers, then one question per
    other sentence, in sentence order. A sentence whose question the passage already asks (two "What do you build
    …?" sentences, or two with no question of their own, which share the topic question) adds to that question's
    answer, up to three sentences, and so does one that goes on about the person the sentence before names ("Maya
    Lindqvist is the chief executive officer. She leads …"). A sentence that adds to the one before ("Our
    headquarters is in Portland. We also have offices in Toronto …") gets it as the start of its own answer. One
    question is never paired with two answers, and no vaguer rewording ("What else should I know about …?") is
    made up for the second.

    A sentence said of the `company` by its name is asked as its passage's topic ("Northwind Forge has three
    offices …" under "Locations": "What can you tell me about locations?"), except on the home page: "What is
    Northwind Forge?" and "What does Northwind Forge have?" ask about the company itself, which the chat answers
    from its home page (`cazton_llm.retrieval.Knowledge.names_only_the_company`)."""
    topic = heading_topic(passage.heading or passage.source_title or "your company")
    pairs, text = faq_pairs(passage.text)
    asked = {pair["question"].lower() for pair in pairs}
    answers: dict[str, list[str]] = {}
    question, before = None, None
    off_home_page = not is_home_page(passage.source_url)
    for sentence in sentences(text):
        goes_on = sentence.split()[0] in CONTINUING_PRONOUNS or _LATER_PRONOUN.match(sentence)
        if not (question and goes_on):  # "She leads …" goes on about Maya
            by_name = off_home_page and said_of_the_company(sentence, company)
            question = (None if by_name else question_for(sentence, topic)) or topic_question(topic)
        if question.lower() in asked:
            continue
        answer = answers.setdefault(question, [])
        if before and not answer and _ALSO.search(sentence):  # "We also have offices in …" leans on the one before
            answer.append(before)
        if len(answer) < MAX_ANSWER_SENTENCES:
            answer.append(sentence)
        before = sentence
    return pairs + [{"question": question, "answer": " ".join(answer)} for question, answer in answers.items()]
