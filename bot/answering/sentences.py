"""Candidate sentences and their scores: how close each retrieved sentence is to the question.

Similarity to the question, nudged by rare shared terms, the kind of fact the question asks
for, the day it names, the retrieval rank of its document and whether that document describes
the state on the date. Selection (`selection.py`) then picks among them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from bot.answering.question import AnswerKind, QuestionType, classify, contains_kind
from bot.answering.question_cues import QuestionCues
from bot.dates import (
    Period,
    mentioned_dates,
    names_a_day,
    opens_after,
    period_of,
    starts_after,
)
from bot.retrieval.disk_cache import load_vectors, save_vectors, vectors_file
from bot.retrieval.embedder import Embedder
from bot.retrieval.hybrid import Hit
from bot.retrieval.lexical import tokenize

MIN_SENTENCE_CHARS = 25

NUMBER = re.compile(r"\d")

# Sentences that only point elsewhere ("see the document on ...") or talk about answering
# ("the short answer to ... was") are navigation, not facts: never quoted.
POINTER = re.compile(
    r"\b(see the documents? on|explained in the document|in the documents? on"
    r"|has its own document|documents? on\b|this document|separate document"
    r"|(?:short|good|accurate) answer|when a question)",
    re.IGNORECASE,
)

# A sentence that leans on the one before it reads badly when quoted alone.
ANAPHORA = re.compile(r"^(This|That|These|Those|It|They|So|Also|On the same day|The same)\b")

# "..., exports to South Korea also became subject to catch-all control": an additive word leans
# on the sentence before, as an opening "This" or "At the same time" does.
ADDITIVE = re.compile(r"\b(?:also|too|as well)\b", re.IGNORECASE)

LEXICAL_WEIGHT = 0.4

# Retrieval ranks documents better than sentence similarity ranks sentences, so sentences of
# the best-ranked documents get a head start, and an answer draws on few documents.
DOC_PRIOR = 0.2

# A document written to describe the state during a period is the best evidence for a
# question about the state ("Is South Korea in Group A?") on a date inside that period.
STATE_BONUS = 0.2

FOCUS_POWER = 1.0

# In a follow-up ("so when did the panel get set up?"), the share of the shared-term bonus that
# goes to the follow-up's own words; the rest goes to all terms, the carried topic included.
# The query vector weighs the two the same way (`Tutor._query_vector`).
OWN_WORDS_SHARE = 0.5

# A sentence holding the kind of fact the question asks for (a date for "when", a number for
# "how many", an identifier for "which row") is the likelier answer.
KIND_BONUS = 0.15

# ... but a "when" question is after a day: a sentence dated only by month or year ("CISTEC said in
# 2019 that ...") gets this share of it.
COARSE_DATE_SHARE = 0.5

# "What happened on 22 November 2019?" is answered by sentences that name that day.
EVENT_DATE_BONUS = 0.15

# A term this rare (BM25 idf; the rarest course words score about 5.1) is a name or a code.
# A sentence holding two or more such terms of the question, all of them, names what is asked
# ("who is yasutoshi nishimura"), however far a name-only question's vector is from it.
RARE_IDF = 4.5

# A question in the past tense ("did ...", "was ...") asks what happened: STATE_BONUS is for
# questions about a state, and a dated state question ("was korea in group a in 2020") is one.
PAST_QUESTION = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+)?(?:did|didn'?t|was|were|wasn'?t|weren'?t|had)\b", re.I
)

# Sentence vectors written to disk: the most recent ones, at most this often.
MAX_STORED_SENTENCES = 20_000
FLUSH_SECONDS = 30.0


@dataclass(eq=False)  # compared by identity: sentences of different passages may read alike
class Candidate:
    hit: Hit
    text: str
    start: int  # offset in the chunk
    end: int
    period: Period
    similarity: float = 0.0
    score: float = 0.0
    vector: np.ndarray | None = None
    names_day: bool = False  # names the day the question asks about: evidence in itself
    names_subject: bool = False  # holds every rare term of the question ("yasutoshi nishimura")

    @cached_property
    def doc_id(self) -> str:
        return self.hit.doc_id

    @cached_property
    def doc_start(self) -> int:
        """Where the sentence starts in its document. Cached: choosing an answer compares
        every candidate's place with every chosen sentence's, several times over."""
        return int(self.hit.metadata["start"]) + self.start

    @cached_property
    def leans_back(self) -> bool:
        """Leans on the sentence before it ("This ...", "... also ...")."""
        return bool(ANAPHORA.match(self.text) or ADDITIVE.search(self.text))


class SentenceCache:
    """Sentence vectors by text: the corpus repeats, so warm questions embed almost nothing.

    With a `folder`, the vectors also outlive the process (`bot.retrieval.disk_cache`): a new
    `bot ask` or app starts with the sentences earlier processes embedded. Only an encoder that
    names itself (a `fingerprint`) is persisted; a test's fake encoder is not.
    """

    def __init__(
        self, embeddings: Embedder, size: int = 50_000, folder: Path | None = None
    ) -> None:
        self.embeddings = embeddings
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the app answers several questions at once
        self._write_lock = threading.Lock()
        self._dirty = False
        self._flushed = 0.0  # monotonic time of the last write; 0 before the first
        self._encoder: str = getattr(embeddings, "fingerprint", "")
        self._file = (
            vectors_file(folder, self._encoder) if folder is not None and self._encoder else None
        )
        if self._file is not None:
            stored = load_vectors(self._file, self._encoder)
            self._vectors.update(list(stored.items())[-size:])

    def vectors(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1))
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            encoded = dict(zip(missing, self.embeddings.encode(missing), strict=True))
            found.update(encoded)
            with self._lock:
                self._vectors.update(encoded)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
            self._dirty = True
        return np.stack([found[t] for t in texts])

    def flush(self) -> None:
        """Write new vectors out: the first time at once (a `bot ask` answers one question),
        then at most every FLUSH_SECONDS, so a server meeting new sentences under load does
        not rewrite the file after every answer. A file that cannot be written stops further
        attempts."""
        if self._file is None or not self._dirty:
            return
        if self._flushed and time.monotonic() - self._flushed < FLUSH_SECONDS:
            return
        with self._write_lock:
            with self._lock:
                snapshot = dict(list(self._vectors.items())[-MAX_STORED_SENTENCES:])
                self._dirty = False
            self._flushed = time.monotonic()
            if not save_vectors(self._file, self._encoder, snapshot):
                self._file = None


def candidates(
    hits: list[Hit], as_of: dt.date, asked_dates: tuple[dt.date, ...] = ()
) -> list[Candidate]:
    """Sentences of the retrieved chunks that may speak for the as-of date.

    A sentence opening on a later day ("From 23 March 2023, exporters who since 4 July 2019
    ...") tells of that later time, unless it names the period the question asks about ("In
    August 2019, ... against 3,378 t in August 2018" answers a question on August 2018).
    """
    found: list[Candidate] = []
    seen: set[str] = set()
    for hit in hits:
        period = period_of(hit.metadata, as_of)
        if period is Period.FUTURE:
            continue
        for start, end, sentence in _quotable(hit.text, hit.metadata["sentences"]):
            if sentence in seen or starts_after(sentence, as_of):
                continue
            if opens_after(sentence, as_of) and not _names_event_date(sentence, asked_dates):
                continue
            seen.add(sentence)
            found.append(Candidate(hit, sentence, start, end, period))
    return found


@lru_cache(maxsize=8192)
def _quotable(text: str, spans: str) -> tuple[tuple[int, int, str], ...]:
    """A chunk's sentences that may be quoted at all (long enough, not navigation), with their
    offsets. Cached per chunk: every question parsed the same chunks' sentence offsets and ran
    the same checks on them again (bench/README.md, "Warm answer")."""
    out = []
    for start, end in json.loads(spans):
        sentence = text[start:end]
        if len(sentence) >= MIN_SENTENCE_CHARS and not POINTER.search(sentence):
            out.append((start, end, sentence))
    return tuple(out)


def key_terms(question: str) -> set[str]:
    """Search terms of the question, leaving out Japanese/Korean runs (they were translated)."""
    return {t for t in tokenize(question) if t.isascii()}


def weighted_overlap(
    terms: set[str], tokens: set[str], idf: Callable[[str], float], power: float = 1.0
) -> float:
    """Share of the terms found, each weighted by idf**power (power > 1 favours rare terms)."""
    total = sum(idf(t) ** power for t in terms)
    return sum(idf(t) ** power for t in terms & tokens) / total if total else 0.0


def _overlap_with(terms: set[str], idf: Callable[[str], float], power: float):  # noqa: ANN202
    """`weighted_overlap(terms, tokens, idf, power)` as a function of tokens alone, the terms'
    weights summed once (the same floats in the same order, so the same result) instead of once
    per candidate sentence."""
    weights = {t: idf(t) ** power for t in terms}
    total = sum(weights[t] for t in terms)
    return lambda tokens: sum(weights[t] for t in terms & tokens) / total if total else 0.0


def _names_event_date(sentence: str, event_dates: tuple[dt.date, ...]) -> bool:
    """The sentence mentions a day (or month) the question names as its subject."""
    if not event_dates:
        return False
    found = mentioned_dates(sentence)
    return any(
        d == e or (e.day == 1 and (d.year, d.month) == (e.year, e.month))
        for d in found
        for e in event_dates
    )


def score(
    cands: list[Candidate],
    question: str,
    query_vector: np.ndarray,
    cache: SentenceCache,
    idf: Callable[[str], float],
    qtype: QuestionType | None = None,
    focus: str = "",
    typed: str = "",
    earlier: Sequence[str] = (),
) -> None:
    """Similarity to the question, nudged by rare shared terms, the kind of fact the question
    asks for (a date for 'when', a number for 'how many'), and the day it names.

    The cues (whose list, which move, the subject, the verb) are read from what the user typed
    (the glossary adds "Group A" to every "whitelist"); a follow-up's from `earlier` too."""
    if not cands:
        return
    qtype = qtype or classify(question)
    texts = [c.text for c in cands]
    vectors = cache.vectors(texts)
    sims = vectors @ query_vector
    terms = key_terms(question)
    own = key_terms(focus) & terms if focus else set()
    identifiers = {t for t in terms if NUMBER.search(t)} - set(COUNTED.findall(typed or question))
    doc_rank: dict[str, int] = {}
    for cand in sorted(cands, key=lambda c: c.hit.rank):
        doc_rank.setdefault(cand.hit.doc_id, len(doc_rank) + 1)
    wants_date = qtype.wants is AnswerKind.DATE
    cues = QuestionCues.of(typed or focus or question, idf, texts).following(earlier)
    rare = {t for t in terms if idf(t) >= RARE_IDF}
    # "did japan ban hf?" asks what happened, not the state today
    past = bool(PAST_QUESTION.search(focus or question))
    state_bonus = not wants_date and (qtype.asks_state or not past)
    overlap_of, own_overlap_of = (_overlap_with(t, idf, FOCUS_POWER) for t in (terms, own))
    for cand, vector, sim in zip(cands, vectors, sims, strict=True):
        cand.vector = vector
        cand.similarity = float(sim)
        tokens = set(tokenize(cand.text))
        overlap = overlap_of(tokens)
        if own:  # a follow-up: its own words weigh as much as the carried topic
            overlap = (1 - OWN_WORDS_SHARE) * overlap + OWN_WORDS_SHARE * own_overlap_of(tokens)
        bonus = LEXICAL_WEIGHT * overlap + DOC_PRIOR / doc_rank[cand.hit.doc_id]
        if ANAPHORA.match(cand.text):
            bonus -= 0.05
        if identifiers & tokens:
            bonus += 0.08
        if state_bonus and is_state(cand) and cand.period is Period.CURRENT:
            bonus += STATE_BONUS
        bonus += _kind_bonus(cand.text, qtype.wants)
        # a sentence holding every rare term of the question, or its subject's name, names
        # what is asked: evidence however far its vector is ("why did the eu care")
        cand.names_subject = (len(rare) >= 2 and rare <= tokens) or (
            bool(cues.subject) and cues.subject in tokens
        )
        bonus += cues.adjustment(cand.text, tokens)
        if _names_event_date(cand.text, qtype.event_dates):
            cand.names_day = True
            bonus += EVENT_DATE_BONUS
        cand.score = cand.similarity + bonus


# "row 3(1)", "3C002" are identifiers to match; "what 3 chemicals" counts what it asks for.
COUNTED = re.compile(r"\b(\d+)\s+(?!(?:and|or|to|of|in|on|at|by)\b)[a-z]+s\b", re.IGNORECASE)


def _kind_bonus(text: str, wants: AnswerKind) -> float:
    """KIND_BONUS for a sentence holding the kind of fact asked for; for a "when" question, a
    day in full, and a share of it for a bare month or year ("CISTEC said in 2019 that ...")."""
    if wants in (AnswerKind.ANY, AnswerKind.OVERVIEW, AnswerKind.STATE):
        return 0.0
    if not contains_kind(text, wants):
        return 0.0
    if wants is AnswerKind.DATE and not names_a_day(text):
        return KIND_BONUS * COARSE_DATE_SHARE
    return KIND_BONUS


def is_state(cand: Candidate) -> bool:
    """From a document that describes the state during a period (it has a validity)."""
    return bool(cand.hit.metadata.get("valid_from") or cand.hit.metadata.get("valid_to"))
