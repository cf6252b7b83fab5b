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
from dataclasses import dataclass

import numpy as np

from bot.answering.dates import Period, format_date, mentioned_dates, period_of, starts_after
from bot.answering.types import Citation
from bot.retrieval.embeddings import SentenceEmbeddings
from bot.retrieval.hybrid import Hit
from bot.retrieval.lexical import tokenize

MAX_SENTENCES = 5
MIN_SENTENCE_CHARS = 25
SCORE_MARGIN = 0.2
DUPLICATE_SIMILARITY = 0.85
WHEN = re.compile(r"\b(when|date|day|since|until)\b|いつ|언제", re.IGNORECASE)
HOW_MANY = re.compile(r"\b(how (many|much|long)|number|count|share|percent|figure)\b", re.I)
NUMBER = re.compile(r"\d")
STATE_QUESTION = re.compile(r"^\s*(is|are|was|were|does|do|can|may)\b", re.IGNORECASE)
NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
# Sentences that only point elsewhere ("see the document on ...") are navigation, not facts.
POINTER = re.compile(
    r"\b(see the documents? on|explained in the document|in the documents? on"
    r"|has its own document)\b",
    re.IGNORECASE,
)
# A sentence that leans on the one before it reads badly when quoted alone.
ANAPHORA = re.compile(r"^(This|That|These|Those|It|They|So|Also|On the same day|The same)\b")
LEXICAL_WEIGHT = 0.4
# Retrieval ranks documents better than sentence similarity ranks sentences, so sentences of
# the best-ranked documents get a head start, and an answer draws on few documents.
DOC_PRIOR = 0.2
MAX_DOCS = 1  # per period: one document for the state on the date, one for its history
# A document written to describe the state during a period is the best evidence for a
# question about the state ("Is South Korea in Group A?") on a date inside that period.
STATE_BONUS = 0.2
NEXT_SENTENCE_BONUS = 0.15
FOCUS_POWER = 1.0


@dataclass
class Candidate:
    hit: Hit
    text: str
    start: int  # offset in the chunk
    end: int
    period: Period
    similarity: float = 0.0
    score: float = 0.0
    vector: np.ndarray | None = None


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    refused: bool
    best_similarity: float
    coverage: float = 0.0


class SentenceCache:
    """Sentence vectors by text: the corpus repeats, so warm questions embed almost nothing."""

    def __init__(self, embeddings: SentenceEmbeddings, size: int = 50_000) -> None:
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


def score(
    cands: list[Candidate],
    question: str,
    query_vector: np.ndarray,
    cache: SentenceCache,
    idf: Callable[[str], float],
) -> None:
    """Similarity to the question, nudged by rare shared terms, dates for 'when', numbers."""
    if not cands:
        return
    vectors = cache.vectors([c.text for c in cands])
    sims = vectors @ query_vector
    terms = key_terms(question)
    identifiers = {t for t in terms if NUMBER.search(t)}
    doc_rank: dict[str, int] = {}
    for cand in sorted(cands, key=lambda c: c.hit.rank):
        doc_rank.setdefault(cand.hit.doc_id, len(doc_rank) + 1)
    wants_date, wants_number = bool(WHEN.search(question)), bool(HOW_MANY.search(question))
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
        if wants_date and mentioned_dates(cand.text):
            bonus += 0.05
        is_state = cand.hit.metadata.get("valid_from") or cand.hit.metadata.get("valid_to")
        if not wants_date and is_state and cand.period is Period.CURRENT:
            bonus += STATE_BONUS
        if wants_number and NUMBER.search(cand.text):
            bonus += 0.03
        cand.score = cand.similarity + bonus


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
    if not any(c.hit.metadata.get("valid_from") for c in chosen):
        return []
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


def compose(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    as_of: dt.date,
    cache: SentenceCache,
    threshold: float,
    idf: Callable[[str], float],
    min_coverage: float,
    knows: Callable[[str], bool],
    coverage_terms: set[str],
) -> Composition:
    """Current state first, then history with the date it ended; every sentence cited.

    Refuses when no sentence is close enough to the question, or when the passages it would
    quote leave the question's telling terms (`coverage_terms`) unanswered.
    """
    cands = candidates(hits, as_of)
    score(cands, question, query_vector, cache, idf)
    best = max((c.similarity for c in cands), default=0.0)
    chosen = select(cands, threshold)
    if not chosen:
        return Composition("", [], True, best)
    chosen += _earlier_state(question, cands, chosen, threshold)
    evidence = set()
    for cand in chosen:
        meta = cand.hit.metadata
        evidence |= set(tokenize(f"{meta['title']} {meta['section']} {cand.hit.text}"))
    # Terms the course never uses are judged by the tutor's unknown-term rule, not here.
    known = {t for t in coverage_terms if knows(t)}
    coverage = weighted_overlap(known, evidence, idf)
    if coverage < min_coverage:
        return Composition("", [], True, best, coverage)
    current = [c for c in chosen if c.period is Period.CURRENT]
    history = sorted(
        (c for c in chosen if c.period is Period.HISTORY),
        key=lambda c: c.hit.metadata.get("valid_to", ""),
        reverse=True,
    )
    citations: list[Citation] = []
    lines = [f"As of {format_date(as_of)}:"]
    for cand in current:
        citations.append(citation_from(len(citations) + 1, cand))
        lines.append(f"{cand.text} [{len(citations)}]")
    for cand in history:
        citations.append(citation_from(len(citations) + 1, cand))
        until = dt.date.fromisoformat(cand.hit.metadata["valid_to"])
        lines.append(f"Earlier (until {format_date(until)}): {cand.text} [{len(citations)}]")
    return Composition("\n".join(lines), citations, False, best, coverage)
