"""The default answer: sentences quoted from the course material, each with its [n] source.

It needs no language model and cannot invent a fact: every sentence of the answer is a sentence
of a cited passage. When the best evidence is too weak, it refuses instead of guessing.
Scoring lives in `sentences.py`, choosing in `selection.py`; this module composes the answer
lines and their citations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from bot.answering.question import QuestionType
from bot.answering.selection import (
    SCORE_MARGIN,
    compared_sides,
    current_states,
    earlier_state,
    filled,
    select,
    select_overview,
    with_both_sides,
)
from bot.answering.sentences import (
    Candidate,
    SentenceCache,
    candidates,
    key_terms,
    score,
    weighted_overlap,
)
from bot.answering.types import AnswerLine, Citation
from bot.dates import Period, format_date, states_on
from bot.retrieval.hybrid import Hit
from bot.retrieval.lexical import tokenize

__all__ = [
    "Candidate", "ComposeRequest", "Composition", "SentenceCache", "answer_text", "candidates",
    "citation_from", "cite_span", "compose", "key_terms", "score",
]  # fmt: skip


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    refused: bool
    best_similarity: float
    coverage: float = 0.0
    lines: list[AnswerLine] = field(default_factory=list)


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
    focus: str = ""  # a follow-up's own words, without the topic carried from earlier turns
    typed: str = ""  # the words the user typed (corrected), without translations or synonyms
    earlier: tuple[str, ...] = ()  # a follow-up's earlier turns as typed (corrected), oldest first


# "is south korea on the white list?", "are we in group a now": how things stand on the date.
# A sentence stating that state over a period ("Since 21 July 2023 ...") leads the answer when
# it is about as close to the question as the closest line.
COPULA = re.compile(r"^\W*(?:(?:so|and|ok|but)\s+)?(?:is|are|was|were|isn't|aren't)\b", re.I)
STATE_LEAD_MARGIN = 0.1

# "what types of bulk licence are there", "the different kinds of resist": the list, whole.
KINDS = re.compile(r"\b(?:types?|kinds?|sorts?|categor(?:y|ies))\s+of\b", re.IGNORECASE)


def compose(hits: list[Hit], request: ComposeRequest, cache: SentenceCache) -> Composition:
    """Current state first, then history with the date it ended; every sentence cited.

    Refuses when no sentence is close enough to the question, or when the passages it would
    quote leave the question's telling terms unanswered.
    """
    cands = candidates(hits, request.as_of, request.qtype.event_dates)
    score(
        cands, request.question, request.query_vector, cache, request.idf, request.qtype,
        request.focus, request.typed, request.earlier,
    )
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
        states = current_states(current, request.threshold) if request.qtype.asks_state else []
        if _about_the_past(cands, current):
            current = []
        lists = request.qtype.broad or request.qtype.name == "list"
        lists = lists or bool(KINDS.search(request.question))
        chosen = (
            select(states, request.threshold, lists)
            or select(current, request.threshold, lists)
            or select(cands, request.threshold, lists)
        )
    if not chosen:
        return Composition("", [], True, best)
    sides = compared_sides(request.question)
    if sides:
        chosen = with_both_sides(chosen, cands, sides, request.threshold)
    # The fill rounds off what is quoted; whether the question is answered is judged without it.
    extra: list[Candidate] = []
    earlier: list[Candidate] = []
    if not overview:
        extra = filled(chosen, cands, request.threshold)
        earlier = earlier_state(request.question, cands, chosen + extra, request.threshold)
    evidence = set()
    for cand in chosen + earlier:
        meta = cand.hit.metadata
        evidence |= set(tokenize(f"{meta['title']} {meta['section']} {cand.hit.text}"))
    known = {t for t in request.coverage_terms if request.knows(t)}
    coverage = weighted_overlap(known, evidence, request.idf)
    if coverage < request.min_coverage:
        return Composition("", [], True, best, coverage)
    stands = request.qtype.asks_state and COPULA.match(request.typed or request.question)
    state_day = request.as_of if stands else None
    lines, citations = _lines(chosen + extra + earlier, overview, request.qtype.broad, state_day)
    text = answer_text(lines, request.as_of)
    return Composition(text, citations, False, best, coverage, lines)


def _about_the_past(cands: list[Candidate], current: list[Candidate]) -> bool:
    """A question about something that has ended ("the December 2019 resist change: based on
    what?") is answered from its history when that outscores every current sentence by more
    than the margin that bounds an answer."""
    ended = [c.score for c in cands if c.period is Period.HISTORY]
    return bool(ended and current) and max(ended) > max(c.score for c in current) + SCORE_MARGIN


def _lines(
    chosen: list[Candidate], overview: bool, broad: bool = False, state_day: dt.date | None = None
) -> tuple[list[AnswerLine], list[Citation]]:
    """Answer lines, each citing its passage; one citation per passage.

    A broad question answered from one document ("how did korea respond?") reads its
    sentences in the document's own order, which tells the story from its start; a precise
    question leads with its best sentence. A question about the state on `state_day` ("is
    South Korea on the white list?") leads with a sentence stating the state over a period
    that includes the day ("Since 21 July 2023 ..."), not with the event that began it.
    """
    if overview:
        ordered = [("overview", c) for c in chosen]
    else:
        current_cands = [c for c in chosen if c.period is Period.CURRENT]
        if broad:
            docs = list(dict.fromkeys(c.hit.doc_id for c in current_cands))
            current_cands.sort(key=lambda c: (docs.index(c.hit.doc_id), c.doc_start))
        elif (day := state_day) is not None and current_cands:
            near = max(c.similarity for c in current_cands) - STATE_LEAD_MARGIN
            current_cands.sort(key=lambda c: c.similarity < near or not states_on(c.text, day))
        current = [("current", c) for c in current_cands]
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
