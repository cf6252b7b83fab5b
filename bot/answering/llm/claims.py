"""Reading a model's reply: sentences, [n] markers, dates, numbers and key words.

Pure text functions, kept apart from the verifier so each can be tested (and reused) alone.
Dates are compared by meaning, whatever their format: "28 Aug 2019", "August 28, 2019",
"28th August 2019" and "2019-08-28" are one date (bot/dates.py parses them all).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from bot.dates import DAY_MONTH_YEAR, ISO, MONTH_YEAR, YEAR, mentioned_dates, normalise_dates
from bot.retrieval.lexical import tokenize

_MARKER = r"\[\s*(?:sources?\s*|no\.?\s*)?(\d{1,3}(?:\s*(?:,|;|-|–|and)\s*\d{1,3})*)\s*\]"
MARKER = re.compile(_MARKER, re.IGNORECASE)  # [1], [2, 3], [1-3], [source 4]
MARKER_AFTER_STOP = re.compile(rf"([.!?])((?:\s*{_MARKER})+)", re.IGNORECASE)  # "x. [1]"
LIST_PREFIX = re.compile(r"^\s*(?:[-*+•]\s+|\d+[.)]\s+|#{1,6}\s+)")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
# Identifiers ("3(1)", "7664-39-3", "DS590", "3C002") and percentages compare whole, so "row 30(1)"
# is not supported by "30%", nor "39%" by a CAS number that contains 39.
NUMERIC_TOKEN = re.compile(
    r"(?P<id>\d+(?:\(\w{1,4}\))+|\d+(?:-\d+){2,}|\b[a-z]+\d+[a-z0-9]*|\b\d+[a-z]+\d+[a-z0-9]*)"
    r"|(?P<pct>\d+(?:\.\d+)?)\s*(?:%|per ?cent\b)"
    r"|(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)",
    re.IGNORECASE,
)
NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "million": "1000000",
}  # fmt: skip
NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
GENERIC_TERMS = frozenset(
    {"sourc", "passa", "accor", "also", "howev", "there", "answe", "quest", "state", "says"}
)


@dataclass(frozen=True)
class DateMention:
    day: dt.date
    precision: int  # 0 = year, 1 = month, 2 = day


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def date_mentions(text: str) -> tuple[list[DateMention], list[tuple[int, int]]]:
    """Dates with their precision, and their spans in `normalise_dates(text)`."""
    text = normalise_dates(text)
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern, precision in ((DAY_MONTH_YEAR, 2), (ISO, 2), (MONTH_YEAR, 1), (YEAR, 0)):
        for m in pattern.finditer(text):
            if any(m.start() < e and m.end() > s for s, e in taken):
                continue
            days = mentioned_dates(m.group(0))
            if days:
                found.append(DateMention(days[0], precision))
                taken.append(m.span())
    return found, taken


def _truncate(day: dt.date, precision: int) -> tuple[int, ...]:
    return (day.year, day.month, day.day)[: precision + 1]


def date_supported(claim: DateMention, evidence: list[DateMention]) -> bool:
    """The passage names the same date at least as precisely as the sentence does."""
    key = _truncate(claim.day, claim.precision)
    return any(
        e.precision >= claim.precision and _truncate(e.day, claim.precision) == key
        for e in evidence
    )


def _canonical(number: str) -> str:
    value = number.replace(",", "")
    return value.rstrip("0").rstrip(".") if "." in value else value.lstrip("0") or "0"


def numbers_in(
    text: str, skip: list[tuple[int, int]] | None = None, evidence: bool = False
) -> set[str]:
    """Numbers, identifiers and percentages as canonical strings, outside `skip` spans.

    "1,120" -> "1120", "three" -> "3", "30 per cent" -> "30%", "DS590" -> "ds590". With
    `evidence`, the parts count too ("3(1)" also gives "3", "30%" also gives "30"), so a sentence
    may say less than its source but never something else.
    """
    found: set[str] = set()
    for m in NUMERIC_TOKEN.finditer(text):
        if skip and any(m.start() < e and m.end() > s for s, e in skip):
            continue
        if m.group("id"):
            found.add(m.group("id").lower())
            if evidence:
                found.update(_canonical(n) for n in re.findall(r"\d+", m.group("id")))
        elif m.group("pct"):
            found.add(_canonical(m.group("pct")) + "%")
            if evidence:
                found.add(_canonical(m.group("pct")))
        else:
            found.add(_canonical(m.group("num")))
    for m in NUMBER_WORD.finditer(text):
        found.add(NUMBER_WORDS[m.group(1).lower()])
    return found


def stems(text: str) -> set[str]:
    """Content words cut to five letters: cheap stemming ("removed"/"removal" -> "remov")."""
    return {t if any(c.isdigit() for c in t) else t[:5] for t in tokenize(text)} - GENERIC_TERMS


def parse_markers(text: str) -> list[int]:
    numbers: list[int] = []
    for m in MARKER.finditer(text):
        for part in re.split(r"\s*(?:,|;|and)\s*", m.group(1)):
            bounds = re.split(r"\s*[-–]\s*", part)
            if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
                low, high = int(bounds[0]), int(bounds[1])
                numbers.extend(range(low, high + 1) if 0 < high - low < 10 else (low, high))
            elif part.strip().isdigit():
                numbers.append(int(part))
    return list(dict.fromkeys(numbers))


def strip_markers(text: str) -> str:
    text = MARKER.sub(" ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def split_sentences(reply: str) -> list[str]:
    """Sentences of the reply, each with the markers that follow it."""
    text = MARKER_AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", reply)
    sentences: list[str] = []
    for line in text.replace("**", "").splitlines():
        line = LIST_PREFIX.sub("", line).strip()
        if not line:
            continue
        for piece in _segmenter().segment(line):
            piece = piece.strip()
            if not piece:
                continue
            # A fragment that is only markers ("[1]") belongs to the sentence before it.
            if sentences and not re.search(r"[^\W\d_]", MARKER.sub("", piece)):
                sentences[-1] = f"{sentences[-1]} {piece}"
            else:
                sentences.append(piece)
    return sentences


def show_date(mention: DateMention) -> str:
    """A date as the sentence gave it: "28 August 2019", "August 2019" or "2019"."""
    if mention.precision == 2:
        return f"{mention.day.day} {mention.day:%B %Y}"
    return f"{mention.day:%B %Y}" if mention.precision == 1 else str(mention.day.year)
