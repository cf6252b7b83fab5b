"""The default answer: sentences quoted from the course material, each with its [n] source.

It needs no language model and cannot invent a fact: every sentence of the answer is a sentence
of a cited passage. When the best evidence is too weak, it refuses instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from bot.answering.dates import Period, format_date, mentioned_dates, period_of, starts_after
from bot.answering.question import AnswerKind, QuestionType, classify, contains_kind
from bot.answering.types import AnswerLine, Citation
from bot.retrieval.embedder import Embedder
from bot.retrieval.hybrid import Hit
from bot.retrieval.lexical import tokenize

MAX_SENTENCES = 5
MIN_SENTENCE_CHARS = 25
SCORE_MARGIN = 0.2
DUPLICATE_SIMILARITY = 0.85
NUMBER = re.compile(r"\d")
STATE_QUESTION = re.compile(r"^\s*(is|are|was|were|does|do|can|may)\b", re.IGNORECASE)
NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
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
LEXICAL_WEIGHT = 0.4
# Retrieval ranks documents better than sentence similarity ranks sentences, so sentences of
# the best-ranked documents get a head start, and an answer draws on few documents.
DOC_PRIOR = 0.2
EVENT_KINDS = ("event", "timeline")  # front-matter kinds of documents that tell what happened
MAX_DOCS = 1  # per period: one document for the state on the date, one for its history
# A document written to describe the state during a period is the best evidence for a
# question about the state ("Is South Korea in Group A?") on a date inside that period.
STATE_BONUS = 0.2
NEXT_SENTENCE_BONUS = 0.15
FOCUS_POWER = 1.0
# A sentence holding the kind of fact the question asks for (a date for "when", a number for
# "how many", an identifier for "which row") is the likelier answer.
KIND_BONUS = 0.08
# "What happened on 22 November 2019?" is answered by sentences that name that day.
EVENT_DATE_BONUS = 0.15
# Broad questions ("explain ...", "what happened ...") get the lead fact of a few documents.
OVERVIEW_DOCS = 4
OVERVIEW_MARGIN = 0.1

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


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    refused: bool
    best_similarity: float
    coverage: float = 0.0
    lines: list[AnswerLine] = field(default_factory=list)


class SentenceCache:
    """Sentence vectors by text: the corpus repeats, so warm questions embed almost nothing."""

    def __init__(self, embeddings: Embedder, size: int = 50_000) -> None:
        self.embeddings = embeddings
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the app answers several questions at once

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
        return np.stack([found[t] for t in texts])


def candidates(hits: list[Hit], as_of: dt.date) -> list[Candidate]:
    """Sentences of the retrieved chunks that may speak for the as-of date."""
    found: list[Candidate] = []
    seen: set[str] = set()
    for hit in hits:
        period = period_of(hit.metadata, as_of)
        if period is Period.FUTURE:
            continue
        text = hit.text
        for start, end in json.loads(hit.metadata["sentences"]):
            sentence = text[start:end]
            if len(sentence) < MIN_SENTENCE_CHARS or sentence in seen or POINTER.search(sentence):
                continue
            if starts_after(sentence, as_of):
                continue
            seen.add(sentence)
            found.append(Candidate(hit, sentence, start, end, period))
    return found


def key_terms(question: str) -> set[str]:
    """Search terms of the question, leaving out Japanese/Korean runs (they were translated)."""
    return {t for t in tokenize(question) if t.isascii()}


def weighted_overlap(
    terms: set[str], tokens: set[str], idf: Callable[[str], float], power: float = 1.0
) -> float:
    """Share of the terms found, each weighted by idf**power (power > 1 favours rare terms)."""
    total = sum(idf(t) ** power for t in terms)
    return sum(idf(t) ** power for t in terms & tokens) / total if total else 0.0


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
) -> None:
    """Similarity to the question, nudged by rare shared terms, the kind of fact the question
    asks for (a date for 'when', a number for 'how many'), and the day it names."""
    if not cands:
        return
    qtype = qtype or classify(question)
    vectors = cache.vectors([c.text for c in cands])
    sims = vectors @ query_vector
    terms = key_terms(question)
    identifiers = {t for t in terms if NUMBER.search(t)}
    doc_rank: dict[str, int] = {}
    for cand in sorted(cands, key=lambda c: c.hit.rank):
        doc_rank.setdefault(cand.hit.doc_id, len(doc_rank) + 1)
    wants_date = qtype.wants is AnswerKind.DATE
    for cand, vector, sim in zip(cands, vectors, sims, strict=True):
        cand.vector = vector
        cand.similarity = float(sim)
        tokens = set(tokenize(cand.text))
        overlap = weighted_overlap(terms, tokens, idf, FOCUS_POWER)
        bonus = LEXICAL_WEIGHT * overlap + DOC_PRIOR / doc_rank[cand.hit.doc_id]
        if ANAPHORA.match(cand.text):
            bonus -= 0.05
        if identifiers & tokens:
            bonus += 0.08
        if not wants_date and _is_state(cand) and cand.period is Period.CURRENT:
            bonus += STATE_BONUS
        if qtype.wants not in (AnswerKind.ANY, AnswerKind.OVERVIEW, AnswerKind.STATE) and (
            contains_kind(cand.text, qtype.wants)
        ):
            bonus += KIND_BONUS
        if _names_event_date(cand.text, qtype.event_dates):
            cand.names_day = True
            bonus += EVENT_DATE_BONUS
        cand.score = cand.similarity + bonus


def _is_state(cand: Candidate) -> bool:
    """From a document that describes the state during a period (it has a validity)."""
    return bool(cand.hit.metadata.get("valid_from") or cand.hit.metadata.get("valid_to"))


def _current_states(current: list[Candidate], request: ComposeRequest) -> list[Candidate]:
    """For a question about the state today: the state documents, when an event would lead.

    The removal of 2019 is a true event, but on a date in 2024 "Is South Korea on the white
    list?" is answered by the document that describes the state then. A timeless background
    fact ("Is fluorinated polyimide entry 1C009.b?") is not displaced.
    """
    usable = [c for c in current if c.similarity >= request.threshold]
    if not usable:
        return []
    lead = max(usable, key=lambda c: c.score)
    if str(lead.hit.metadata.get("kind", "")) not in EVENT_KINDS:
        return []
    return [c for c in current if _is_state(c)]


def _repeats(cand: Candidate, other: Candidate) -> bool:
    """Says the same thing: close in meaning and no number or date the other lacks."""
    if float(cand.vector @ other.vector) <= DUPLICATE_SIMILARITY:
        return False
    return set(NUMBERS.findall(cand.text)) <= set(NUMBERS.findall(other.text))


def _doc_offset(cand: Candidate) -> int:
    return int(cand.hit.metadata["start"]) + cand.start


def _follows(cand: Candidate, chosen: list[Candidate]) -> bool:
    """True for the sentence right after a chosen one (same document, only whitespace between)."""
    start = _doc_offset(cand)
    return any(
        c.hit.doc_id == cand.hit.doc_id and 0 <= start - (_doc_offset(c) + len(c.text)) <= 3
        for c in chosen
    )


def select(cands: list[Candidate], threshold: float) -> list[Candidate]:
    """The best sentence and a few more close to it, skipping near-repeats.

    The sentence right after a chosen one is exempt from the margin and goes first: "Japan
    named three conditions." is usually followed by the conditions.
    """
    if not cands or max(c.similarity for c in cands) < threshold:
        return []
    cands = [_as_evidence(c, threshold) for c in cands]
    chosen: list[Candidate] = []
    best = max(c.score for c in cands)
    while len(chosen) < MAX_SENTENCES:
        ranked = sorted(
            (c for c in cands if c not in chosen),
            key=lambda c: -(c.score + (NEXT_SENTENCE_BONUS if _follows(c, chosen) else 0.0)),
        )
        picked = _first_acceptable(ranked, chosen, best, threshold)
        if picked is None:
            break
        chosen.append(picked)
    return chosen


def _as_evidence(cand: Candidate, threshold: float) -> Candidate:
    """A sentence naming the asked-about day counts as close enough, whatever its wording."""
    if cand.names_day and cand.similarity < threshold:
        return replace(cand, similarity=threshold)
    return cand


def _first_acceptable(
    ranked: list[Candidate], chosen: list[Candidate], best: float, threshold: float
) -> Candidate | None:
    for cand in ranked:
        follows = _follows(cand, chosen)
        if cand.similarity < threshold * (0.5 if follows else 0.8):
            continue
        if not follows and cand.score < best - SCORE_MARGIN:
            continue
        if any(_repeats(cand, c) for c in chosen):
            continue
        docs = {c.hit.doc_id for c in chosen if c.period is cand.period}
        if cand.hit.doc_id not in docs and len(docs) >= MAX_DOCS:
            continue
        return cand
    return None


def _earlier_state(
    question: str, cands: list[Candidate], chosen: list[Candidate], threshold: float
) -> list[Candidate]:
    """The state that held before, when the answer speaks of a state that changed.

    A student asking "Is South Korea in Group A?" in 2024 should also read that it was not,
    until 20 July 2023: one sentence from a document whose period has ended.
    """
    if not STATE_QUESTION.match(question) or any(c.period is Period.HISTORY for c in chosen):
        return []
    starts = [str(c.hit.metadata["valid_from"]) for c in chosen if c.hit.metadata.get("valid_from")]
    if not starts:
        return []
    if any(d.isoformat() < max(starts) for c in chosen for d in mentioned_dates(c.text)):
        return []  # the answer already tells what held before its period began
    ended = [
        c
        for c in cands
        if c.period is Period.HISTORY
        and c.hit.metadata.get("valid_to")
        and c.similarity >= threshold
    ]
    return [max(ended, key=lambda c: c.score)] if ended else []


def cite_span(n: int, hit: Hit, start: int, end: int, score: float, historical: bool) -> Citation:
    """The citation of hit.text[start:end]: one place that turns a passage into a source card,
    for extractive and language-model answers alike."""
    meta = hit.metadata
    return Citation(
        n=n,
        doc_id=hit.doc_id,
        title=str(meta["title"]),
        section=str(meta.get("section", "")),
        source_url=str(meta["source_url"]),
        quote=hit.text[start:end],
        score=round(score, 4),
        chunk_id=hit.chunk_id,
        chunk_text=hit.text,
        issuer=str(meta.get("issuer", "")),
        published=str(meta.get("published", "")),
        published_note=str(meta.get("published_note", "")),
        valid_from=str(meta.get("valid_from", "")),
        valid_to=str(meta.get("valid_to", "")),
        doc_start=int(meta.get("start", 0)) + start,
        doc_end=int(meta.get("start", 0)) + end,
        historical=historical,
    )


def citation_from(n: int, cand: Candidate) -> Citation:
    return cite_span(n, cand.hit, cand.start, cand.end, cand.score, cand.period is Period.HISTORY)


@dataclass(frozen=True)
class ComposeRequest:
    """What composing an answer needs besides the retrieved passages, by name."""

    question: str  # the question's own words (with translations, corrections, synonyms)
    query_vector: np.ndarray
    as_of: dt.date
    threshold: float
    idf: Callable[[str], float]
    knows: Callable[[str], bool]
    coverage_terms: frozenset[str]
    min_coverage: float
    qtype: QuestionType


def select_overview(cands: list[Candidate], threshold: float) -> list[Candidate]:
    """The lead fact of each of the few best documents, in time order when they are events.

    "How did Korea respond?" is answered by several documents (the WTO complaint, Korea's own
    whitelist change, the GSOMIA notice), not by the best sentences of one of them.
    """
    best_by_doc: dict[str, Candidate] = {}
    for cand in cands:
        if cand.period is not Period.CURRENT:
            continue
        if cand.similarity < threshold * 0.8 and not cand.names_day:
            continue
        held = best_by_doc.get(cand.hit.doc_id)
        if held is None or cand.score > held.score:
            best_by_doc[cand.hit.doc_id] = cand
    if not best_by_doc:
        return []
    ranked = sorted(best_by_doc.values(), key=lambda c: -c.score)
    top = ranked[0].score
    chosen: list[Candidate] = []
    for cand in ranked:
        if len(chosen) >= OVERVIEW_DOCS or cand.score < top - OVERVIEW_MARGIN:
            break
        if any(_repeats(cand, c) for c in chosen):
            continue
        chosen.append(cand)
    return sorted(chosen, key=_event_order)


def _event_order(cand: Candidate) -> tuple[int, dt.date, float]:
    """Dated facts first, oldest first; undated ones after, best first."""
    dates = mentioned_dates(cand.text)
    return (0, min(dates), -cand.score) if dates else (1, dt.date.max, -cand.score)


def compose(hits: list[Hit], request: ComposeRequest, cache: SentenceCache) -> Composition:
    """Current state first, then history with the date it ended; every sentence cited.

    Refuses when no sentence is close enough to the question, or when the passages it would
    quote leave the question's telling terms unanswered.
    """
    cands = candidates(hits, request.as_of)
    score(cands, request.question, request.query_vector, cache, request.idf, request.qtype)
    best = max((c.similarity for c in cands), default=0.0)
    chosen: list[Candidate] = []
    overview = request.qtype.broad and best >= request.threshold
    if overview:
        chosen = select_overview(cands, request.threshold)
        overview = len(chosen) > 1
    if not overview:
        # The answer speaks for the as-of date: a state that has ended is shown only as the
        # earlier state, unless nothing current answers at all.
        # A question that names its own day ("on 4 July 2019") asks about that day.
        current = [c for c in cands if c.period is Period.CURRENT]
        if request.qtype.event_dates:
            current = []
        states = _current_states(current, request) if request.qtype.asks_state else []
        chosen = (
            select(states, request.threshold)
            or select(current, request.threshold)
            or select(cands, request.threshold)
        )
    if not chosen:
        return Composition("", [], True, best)
    if not overview:
        chosen += _earlier_state(request.question, cands, chosen, request.threshold)
    evidence = set()
    for cand in chosen:
        meta = cand.hit.metadata
        evidence |= set(tokenize(f"{meta['title']} {meta['section']} {cand.hit.text}"))
    known = {t for t in request.coverage_terms if request.knows(t)}
    coverage = weighted_overlap(known, evidence, request.idf)
    if coverage < request.min_coverage:
        return Composition("", [], True, best, coverage)
    lines, citations = _lines(chosen, overview)
    text = answer_text(lines, request.as_of)
    return Composition(text, citations, False, best, coverage, lines)


def _lines(chosen: list[Candidate], overview: bool) -> tuple[list[AnswerLine], list[Citation]]:
    """Answer lines in reading order, each citing its passage; one citation per passage."""
    if overview:
        ordered = [("overview", c) for c in chosen]
    else:
        current = [("current", c) for c in chosen if c.period is Period.CURRENT]
        history = sorted(
            (c for c in chosen if c.period is Period.HISTORY),
            key=lambda c: c.hit.metadata.get("valid_to", ""),
            reverse=True,
        )
        ordered = current + [("history", c) for c in history]
    citations: list[Citation] = []
    by_chunk: dict[str, int] = {}
    lines: list[AnswerLine] = []
    for role, cand in ordered:
        n = by_chunk.get(cand.hit.chunk_id)
        if n is None:
            citations.append(citation_from(len(citations) + 1, cand))
            n = by_chunk[cand.hit.chunk_id] = len(citations)
        else:
            held = citations[n - 1]
            citations[n - 1] = replace(held, more_quotes=(*held.more_quotes, cand.text))
        until = cand.hit.metadata.get("valid_to", "") if role == "history" else ""
        lines.append(AnswerLine(role, cand.text, (n,), str(until)))
    return lines, citations


def answer_text(lines: list[AnswerLine], as_of: dt.date) -> str:
    """The plain-text answer (CLI, JSON, evaluation): written from the lines, never parsed."""
    out = [f"As of {format_date(as_of)}:"]
    for line in lines:
        marks = "".join(f" [{n}]" for n in line.citations)
        if line.role == "history" and line.until:
            until = format_date(dt.date.fromisoformat(line.until))
            out.append(f"Earlier (until {until}): {line.text}{marks}")
        elif line.role == "note":
            out.append(f"Note: {line.text}")
        else:
            out.append(f"{line.text}{marks}")
    return "\n".join(out)
