"""What an answer is, independent of how it was made (extractive, checker or language model)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """One claim's source: a sentence (`quote`) inside a chunk of a course document."""

    n: int
    doc_id: str
    title: str
    section: str
    source_url: str
    quote: str
    score: float
    chunk_id: str = ""
    chunk_text: str = ""
    issuer: str = ""
    published: str = ""
    published_note: str = ""
    valid_from: str = ""
    valid_to: str = ""
    doc_start: int = 0  # offsets of the quote in the document body
    doc_end: int = 0
    historical: bool = False
    # Further sentences of the same passage cited by other answer lines (one card per passage).
    more_quotes: tuple[str, ...] = ()

    @property
    def quotes(self) -> tuple[str, ...]:
        return (self.quote, *self.more_quotes)


@dataclass(frozen=True)
class AnswerLine:
    """One sentence of an answer, with what it is for, so renderers never parse text back.

    role: "current" (the state on the as-of date, or a plain fact), "history" (a state that
    ended on `until`), "overview" (the lead fact of one document in a broad answer), "note".
    """

    role: str
    text: str
    citations: tuple[int, ...] = ()
    until: str = ""  # ISO date a historical state ended


@dataclass
class Answer:
    question: str
    as_of: dt.date
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    search_query: str = ""
    mode: str = "extractive"  # extractive | checker | llm | refusal | error
    notes: list[str] = field(default_factory=list)
    check: dict[str, Any] | None = None
    # Why it answered or refused: best sentence similarity and term coverage of the evidence.
    evidence: dict[str, float] = field(default_factory=dict)
    lines: list[AnswerLine] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["citations"] = [
            {k: c[k] for k in ("n", "doc_id", "title", "section", "source_url", "quote", "score")}
            | {
                "issuer": c["issuer"],
                "published": c["published"],
                "published_note": c["published_note"],
                "chunk_id": c["chunk_id"],
                "historical": c["historical"],
                "more_quotes": list(c["more_quotes"]),
            }
            for c in data["citations"]
        ]
        return data
