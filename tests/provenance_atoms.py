"""Read the "atoms" a provenance lint compares: dates, months, years, numbers, row or article
references and entry codes, each normalised so that different spellings of one fact match.

"28 August 2019", "28 Aug 2019" and "2019-08-28" are one date; "1,120" is 1120; "3(1)" is a row
reference; "3C002" and "WT/DS590/1" are codes. The same reader runs over the fact sheet and over
the corpus, so both sides are normalised alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
YEAR = r"(?:19|20)\d\d"
DASH = r"\s*(?:–|-|to|and)\s*"

# Order matters: each pattern consumes its span, so "28 August 2019" is never also read as the
# numbers 28 and 2019, nor "3C002" as 3 and 002.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("day_range", re.compile(rf"\b(\d{{1,2}}){DASH}(\d{{1,2}})\s+({MONTH})\.?,?\s+({YEAR})\b")),
    ("date", re.compile(rf"\b(\d{{1,2}})\s+({MONTH})\.?,?\s+({YEAR})\b")),
    ("iso", re.compile(rf"\b({YEAR})-(\d\d)-(\d\d)\b")),
    ("day_month", re.compile(rf"\b(\d{{1,2}})\s+({MONTH})\b\.?(?!\s*,?\s*{YEAR})")),
    ("month_range", re.compile(rf"\b({MONTH}){DASH}({MONTH})\.?\s+({YEAR})\b")),
    ("month", re.compile(rf"\b({MONTH})\.?,?\s+({YEAR})\b")),
    ("code", re.compile(r"\b(?:WT/)?DS\d+(?:/\d+)?\b|\b\d[A-E]\d{3}(?:\.[a-z])?\b"
                        r"|\b\d{2,7}-\d\d-\d\b")),
    ("ref", re.compile(r"\b\d+(?:-\d+)?(?:\([0-9a-z]+\))+")),
    ("number", re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")),
    ("year", re.compile(rf"(?<![\d.,]){YEAR}(?![\d.,]\d)")),
    ("number", re.compile(r"\d+")),
]
_BARE_MONTH = re.compile(rf"\b({MONTH})\b")


@dataclass(frozen=True)
class Atom:
    """One checkable fact-bearing token: kind is date, month, year, number, ref or code."""

    kind: str
    text: str
    date: dt.date | None = None


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), _month(month) if not month.isdigit() else int(month), int(day))
    except ValueError:
        return None


def clean(text: str) -> str:
    """Markdown emphasis and URLs out (URLs are checked separately, as source metadata)."""
    text = re.sub(r"https?://\S+", " ", text)
    return text.replace("**", "").replace("\u2212", "-")


def atoms(text: str) -> list[Atom]:
    """Every atom of `text`; a day without a year takes the next year the text gives."""
    text = clean(text)
    taken = [False] * len(text)
    found: list[tuple[int, Atom]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(taken[m.start() : m.end()])

    def take(m: re.Match[str]) -> None:
        for i in range(m.start(), m.end()):
            taken[i] = True

    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if not free(m):
                continue
            new = _read(kind, m, text)
            if new is None:
                continue
            take(m)
            found += [(m.start(), a) for a in new]
    return [a for _, a in sorted(found, key=lambda pair: pair[0])]


def _read(kind: str, m: re.Match[str], text: str) -> list[Atom] | None:
    g = m.groups()
    if kind == "day_range":
        days = [_date(g[3], g[2], g[0]), _date(g[3], g[2], g[1])]
        return [_date_atom(d) for d in days if d] or None
    if kind == "date":
        d = _date(g[2], g[1], g[0])
        return [_date_atom(d)] if d else None
    if kind == "iso":
        d = _date(g[0], g[1], g[2])
        return [_date_atom(d)] if d else None
    if kind == "day_month":  # the year of the same statement: the next one, else the last
        after = re.search(YEAR, text[m.end() :])
        before = re.findall(rf"(?<!\d){YEAR}(?!\d)", text[: m.start()])
        year = after.group(0) if after else (before[-1] if before else None)
        d = _date(year, g[1], g[0]) if year else None
        return [_date_atom(d)] if d else None
    if kind == "month_range":
        return [Atom("month", f"{g[2]}-{_month(name):02d}") for name in (g[0], g[1])]
    if kind == "month":
        return [Atom("month", f"{g[1]}-{_month(g[0]):02d}")]
    if kind == "number":
        value = m.group(0).replace(",", "")
        return [Atom("number", value.rstrip("0").rstrip(".") if "." in value else value)]
    return [Atom(kind, m.group(0))]


def _date_atom(day: dt.date) -> Atom:
    return Atom("date", day.isoformat(), day)


@dataclass
class SheetIndex:
    """What the fact sheet supports, by kind."""

    by_kind: dict[str, set[str]] = field(default_factory=dict)

    def supports(self, atom: Atom) -> bool:
        return atom.text in self.by_kind.get(atom.kind, set())


def sheet_index(sheet: str) -> SheetIndex:
    """Index the fact sheet line by line (one fact per line), so a bare "in September" takes
    the years of its own fact, and a date's month and year count as mentioned."""
    index = SheetIndex()

    def add(kind: str, text: str) -> None:
        index.by_kind.setdefault(kind, set()).add(text)

    for line in sheet.splitlines():
        line_atoms = atoms(line)
        years = {a.text for a in line_atoms if a.kind == "year"}
        for atom in line_atoms:
            add(atom.kind, atom.text)
            if atom.kind == "date" and atom.date:
                add("month", atom.text[:7])
                years.add(atom.text[:4])
            if atom.kind == "month":
                years.add(atom.text[:4])
        for year in years:
            add("year", year)
        for m in _BARE_MONTH.finditer(clean(line)):
            for year in years:
                add("month", f"{year}-{_month(m.group(1)):02d}")
    return index
