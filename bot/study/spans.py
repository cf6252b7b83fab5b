"""Typed answers inside course sentences: dates, numbers with their unit, and identifiers.

A quiz question blanks one of these out of a sentence, so the answer is always a value the
course states, and a distractor can be taken from another document with the same type (a date
for a date, a count of days for a count of days, a row for a row).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.dates import DAY_MONTH_YEAR, MONTHS

NUMBER = re.compile(
    r"\b(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(%|\s(?:countries|days|hours|years|months|"
    r"transactions|submissions|items|entities|types|rows|partners|submissions))\b"
)
IDENTIFIERS = {
    "row": re.compile(r"\brow \d+\(\d+\)"),
    "control-list entry": re.compile(r"\b\d[A-E]\d{3}(?:\.[a-z])?\b"),
    "WTO document": re.compile(r"\bWT/DS\d+/\d+\b"),
    "article": re.compile(r"\bArt(?:icle|\.) \d+(?:-\d+)?\(\d+\)"),
}
# People: a Korean name (given name hyphenated: "Sung Yun-mo") or a name after an office
# ("Chief Cabinet Secretary Yoshihide Suga", "Minister Hiroshige Seko").
NAMES = (
    re.compile(r"\b([A-Z][a-z]{1,4} [A-Z][a-z]+-[a-z]+)\b"),
    re.compile(r"\b(?:Minister|Secretary|President) ((?:[A-Z][a-z]+ ){1,2}[A-Z][a-z]+)(?![-\w])"),
)
SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Span:
    """One typed value in a sentence: `kind` is date, number or identifier; `unit` its subtype."""

    kind: str
    unit: str
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """The value compared across documents (a date's ISO form, a number without commas)."""
        if self.kind == "date":
            return date_of(self.text).isoformat()
        if self.kind == "number":
            return self.text.replace(",", "")
        return self.text


def date_of(text: str) -> dt.date:
    """The date of a "28 August 2019" span (the corpus writes dates this way)."""
    match = DAY_MONTH_YEAR.search(text)
    if not match:
        raise ValueError(f"not a day-month-year date: {text!r}")
    return dt.date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))


def long_date(day: dt.date) -> str:
    """The corpus's own date style: 28 August 2019."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def find_spans(sentence: str) -> list[Span]:
    """Every typed value in a sentence; a number that is part of a date is not a number."""
    spans = [
        Span("date", "date", m.group(0), m.start(), m.end())
        for m in DAY_MONTH_YEAR.finditer(sentence)
    ]
    taken = [(s.start, s.end) for s in spans]
    for m in NUMBER.finditer(sentence):
        if not any(a <= m.start() < b for a, b in taken):
            unit = m.group(2).strip()
            spans.append(Span("number", unit, m.group(0), m.start(), m.end()))
    for unit, pattern in IDENTIFIERS.items():
        spans += [
            Span("identifier", unit, m.group(0), m.start(), m.end())
            for m in pattern.finditer(sentence)
        ]
    for pattern in NAMES:
        for m in pattern.finditer(sentence):
            if not any(s.start < m.end(1) and m.start(1) < s.end for s in spans):
                spans.append(Span("name", "person", m.group(1), m.start(1), m.end(1)))
    return sorted(spans, key=lambda s: s.start)


def body_sentences(text: str) -> list[str]:
    """Plain sentences of a document body: headings, tables and empty lines left out."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "|", ">")):
            continue
        line = line.removeprefix("- ").strip()
        out += [s.strip() for s in SENTENCE_END.split(line) if len(s.split()) >= 6]
    return out
