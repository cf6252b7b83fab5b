"""Dates, the one place they are parsed, formatted and placed in periods.

Answering (as-of dates, which passages are history), the checker (a day or period stated in a
licence question) and the LLM verifier (dates a model wrote, in any format) share one month
table and one set of patterns, so "28 Aug 2019", "August 28, 2019" and "2019-08-28" mean the
same day everywhere. The same question ("Is South Korea in Group A?") has different right
answers in 2020 and 2024, so each passage is placed on the timeline by its document's validity
period and by the dates its sentences mention.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import Enum
from functools import lru_cache

from bot.errors import InputError

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH = f"({MONTH_NAME})"
DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\.?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
MONTH_YEAR = re.compile(rf"\b{_MONTH}\.?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
# How a model may write a date the course writes "28 August 2019".
MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE
)
ORDINAL_DAY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)\s+(?:of\s+)?{_MONTH}\b", re.IGNORECASE)
# A day, with or without its year: "16 March", "14 to 16 March 2023", "March 16", "2023-03-16".
_DAY = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|\b{_MONTH}\.?\s+\d{{1,2}}\b(?!,?\d)"
    r"|\b(?:19|20)\d\d-\d\d-\d\d\b",
    re.IGNORECASE,
)
AS_OF_PHRASE = re.compile(
    r"\b(?:as of|as at|in|during)\s+("
    r"\d{1,2}\s+\w+\.?\s+(?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d|\w+\.?\s+(?:19|20)\d\d|(?:19|20)\d\d"
    r")\b",
    re.IGNORECASE,
)


class Period(Enum):
    CURRENT = "current"
    HISTORY = "history"
    FUTURE = "future"


def parse_as_of(value: str | dt.date | None, today: dt.date | None = None) -> dt.date:
    """YYYY-MM-DD (or a bare year, taken as its last day) -> date; empty means today."""
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        return today or dt.date.today()
    if re.fullmatch(r"(19|20)\d\d", text):
        return dt.date(int(text), 12, 31)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        message = f"'{text}' is not a date: use YYYY-MM-DD, for example 2020-06-01."
        raise InputError(message) from exc
    if day.year < 1949:  # FEFTA, the oldest rule in the course, is of 1949
        raise InputError(f"{text} is before 1949, the year of the oldest rule this tutor covers.")
    return day


def _iso(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def period_of(metadata: dict, as_of: dt.date) -> Period:
    """Where a document's described state sits relative to the as-of date."""
    valid_from, valid_to = _iso(metadata.get("valid_from", "")), _iso(metadata.get("valid_to", ""))
    if valid_from and valid_from > as_of:
        return Period.FUTURE
    if valid_to and valid_to < as_of:
        return Period.HISTORY
    return Period.CURRENT


def month_number(name: str) -> int:
    """'Aug', 'august', 'Sept.' -> 8 or 9; a KeyError for what is not an English month."""
    key = name.lower().rstrip(".")
    return MONTHS.get(key) or MONTHS[key[:3]]


def mentioned_dates(text: str) -> list[dt.date]:
    """Dates a sentence mentions, most precise first; a bare month or year counts as its start."""
    return list(_mentioned_dates(text))


def names_a_day(text: str) -> bool:
    """A date to the day, not only a month or year: what "when ...?" is usually asking for."""
    return bool(_DAY.search(text))


@lru_cache(maxsize=50_000)
def _mentioned_dates(text: str) -> tuple[dt.date, ...]:
    """Cached: every answer re-reads the same corpus sentences (about 60 per question)."""
    found: list[dt.date] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= s or span[0] >= e for s, e in taken)

    for m in DAY_MONTH_YEAR.finditer(text):
        try:
            found.append(dt.date(int(m.group(3)), month_number(m.group(2)), int(m.group(1))))
            taken.append(m.span())
        except ValueError:
            continue
    for m in ISO.finditer(text):
        if free(m.span()):
            try:
                found.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
                taken.append(m.span())
            except ValueError:
                continue
    for m in MONTH_YEAR.finditer(text):
        if free(m.span()):
            found.append(dt.date(int(m.group(2)), month_number(m.group(1)), 1))
            taken.append(m.span())
    for m in YEAR.finditer(text):
        if free(m.span()):
            found.append(dt.date(int(m.group(1)), 1, 1))
    return tuple(found)


_DATE_PHRASE = re.compile(
    rf"(?:\b(?:on|in|as of|as at|during|by)\s+)?(?:{DAY_MONTH_YEAR.pattern}|{ISO.pattern}"
    rf"|{MONTH_YEAR.pattern}|{YEAR.pattern})",
    re.IGNORECASE,
)


def without_dates(text: str) -> str:
    """The text with its dates (and their "on", "in", "as of") taken out.

    When a date only sets the viewpoint ("was Korea in Group A on 1 May 2020?"), searching for
    it finds the passages that happen to mention May 2020, not the ones about the subject.
    """
    return re.sub(r"\s{2,}", " ", _DATE_PHRASE.sub(" ", text)).strip()


# "today", "now", "currently": the as-of date (today, unless another is set), not a topic. As
# search words they find whatever passage has "today" in a heading.
NOW_WORDS = re.compile(
    r"\b(?:right\s+now|as\s+of\s+(?:now|today)|at\s+(?:present|the\s+moment)|these\s+days"
    r"|today|nowadays|currently|presently|now)\b",
    re.IGNORECASE,
)


def without_now_words(text: str) -> str:
    """The text without the words that only say "as of today" (see NOW_WORDS)."""
    return re.sub(r"\s{2,}", " ", NOW_WORDS.sub(" ", text)).strip()


_A_DATE = rf"(?:{DAY_MONTH_YEAR.pattern}|{MONTH_YEAR.pattern})"  # a day, or a month

# A sentence that opens on its own date ("From 23 March 2023, exporters ... who since 4 July
# 2019 had needed ...") tells of that day; the earlier dates in it are background.
OPENING_DATE = re.compile(
    r"^\s*(?:on|from|since|as\s+of|starting(?:\s+on)?|beginning(?:\s+on)?|effective|in)\s+"
    + _A_DATE,
    re.IGNORECASE,
)

# "Since 21 July 2023 South Korea is in Group A", "From 28 August 2019 to 20 July 2023, South
# Korea was not in Group A": a sentence stating a state over a period, not an event on a day.
SINCE = re.compile(rf"\bsince\s+(?P<start>{_A_DATE})", re.IGNORECASE)
FROM_TO = re.compile(
    rf"\bfrom\s+(?P<start>{_A_DATE})\s+(?:to|until|till)\s+(?P<end>{_A_DATE})", re.IGNORECASE
)


def states_on(text: str, day: dt.date) -> bool:
    """True when the sentence states how things stood over a period that includes `day`."""
    for m in SINCE.finditer(text):
        if mentioned_dates(m["start"])[0] <= day:
            return True
    for m in FROM_TO.finditer(text):
        if mentioned_dates(m["start"])[0] <= day <= mentioned_dates(m["end"])[0]:
            return True
    return False


def starts_after(text: str, as_of: dt.date) -> bool:
    """True when everything a sentence dates lies after the as-of day (it is not yet known)."""
    dates = mentioned_dates(text)
    return bool(dates) and min(dates) > as_of


def opens_after(text: str, as_of: dt.date) -> bool:
    """True when a sentence opens on a day after the as-of day: it tells of a later time."""
    opening = OPENING_DATE.match(text)
    return bool(opening) and mentioned_dates(opening.group(0))[0] > as_of


def question_as_of(question: str) -> dt.date | None:
    """An explicit as-of date in the question ("in 2020", "as of 1 May 2021"): its last day.

    "on <date>" is left out: "took effect on 7 August 2019" names an event, not a viewpoint.
    """
    m = AS_OF_PHRASE.search(question)
    if not m:
        return None
    phrase = m.group(1).strip()
    dates = mentioned_dates(phrase)
    if not dates:
        return None
    if MONTH_YEAR.fullmatch(phrase):
        return _month_end(dates[0])
    if DAY_MONTH_YEAR.search(phrase) or ISO.search(phrase) or MONTH_YEAR.search(phrase):
        return dates[0]
    # A year alone, or with a word ("in late 2019", "during mid 2020"): its last day, never
    # its first (1 January would hide almost everything that year).
    return dt.date(dates[0].year, 12, 31)


def _month_end(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def format_date(day: dt.date) -> str:
    """A date as the course writes it: 28 August 2019."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def normalise_dates(text: str) -> str:
    """Rewrite "August 28, 2019" and "28th of August" as "28 August 2019" / "28 August"."""
    text = MONTH_DAY_YEAR.sub(lambda m: f"{m.group(2)} {m.group(1)} {m.group(3)}", text)
    return ORDINAL_DAY.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)


# "2019/8/28", "2019.8.28" (year first, as Japan writes it); "28/8/2019" or "8/28/2019" only
# when one number cannot be a month ("12/07/2019" may be either, so it is left as typed).
YEAR_FIRST = re.compile(r"\b((?:19|20)\d\d)[/.](\d{1,2})[/.](\d{1,2})\b")
DAY_OR_MONTH_FIRST = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d\d)\b")


def _unambiguous_day(m: re.Match[str]) -> str | None:
    first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if first > 12 >= second:
        day, month = first, second
    elif second > 12 >= first:
        day, month = second, first
    else:
        return None
    try:
        return format_date(dt.date(year, month, day))
    except ValueError:
        return None


def in_course_form(text: str) -> str:
    """Every date in `text` written as the course writes it ("aug 28 2019", "28 aug 2019",
    "2019-08-28", "2019/8/28" -> "28 August 2019"; "feb 2020" -> "February 2020"), so a
    question's date words are the course's words: "aug" is no term the course knows, "August"
    is, and every later reader (the as-of date, the checker, the search) sees one form."""

    def day(m: re.Match[str], y: int, mo: int, d: int) -> str:
        try:
            return format_date(dt.date(y, mo, d))
        except ValueError:
            return m.group(0)

    text = normalise_dates(text)
    text = DAY_MONTH_YEAR.sub(
        lambda m: day(m, int(m.group(3)), month_number(m.group(2)), int(m.group(1))), text
    )
    text = ISO.sub(lambda m: day(m, int(m.group(1)), int(m.group(2)), int(m.group(3))), text)
    text = YEAR_FIRST.sub(
        lambda m: day(m, int(m.group(1)), int(m.group(2)), int(m.group(3))), text
    )
    text = DAY_OR_MONTH_FIRST.sub(lambda m: _unambiguous_day(m) or m.group(0), text)
    return MONTH_YEAR.sub(
        lambda m: f"{calendar.month_name[month_number(m.group(1))]} {m.group(2)}", text
    )


# A day or a month/year stated in a question, in the forms people write them (ISO, "15 January
# 2020", "January 15, 2020", 2020年1月15日, "January 2020", 2020年1月, "2020"), most precise first.
_STATED = (
    (r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b", "day"),
    (rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn>{MONTH_NAME})\.?,?\s+(?P<y>\d{{4}})\b", "day"),
    (rf"\b(?P<mn>{MONTH_NAME})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", "day"),
    (r"(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]", "day"),
    (rf"\b(?P<mn>{MONTH_NAME})\.?,?\s+(?P<y>\d{{4}})\b", "month"),
    (r"(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]", "month"),
    (r"(?<!\d)(?P<y>(?:19|20)\d{2})(?!\d)", "year"),
)


def stated_day_or_period(text: str) -> tuple[dt.date | None, tuple[dt.date, dt.date] | None]:
    """A stated day, or a stated month or year as a (first day, last day) period."""
    for pattern, kind in _STATED:
        match = re.search(pattern, text, re.IGNORECASE)
        if not match:
            continue
        parts = match.groupdict()
        year = int(parts["y"])
        month = month_number(parts["mn"]) if parts.get("mn") else int(parts.get("m") or 1)
        try:
            if kind == "day":
                return dt.date(year, month, int(parts["d"])), None
            if kind == "month":
                first = dt.date(year, month, 1)
                return None, (first, _month_end(first))
            return None, (dt.date(year, 1, 1), dt.date(year, 12, 31))
        except ValueError:
            continue
    return None, None


# A follow-up that places itself in time from the turn before ("and a year before", "two years
# after that", "the following month"): the phrase ends its clause, so "a year before the
# measures" (anchored on an event, not a date) is left alone.
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
RELATIVE_TIME = re.compile(
    r"\b(?:(?P<n>an?|one|two|three|four|five|six|\d{1,2})\s+(?P<unit>year|month)s?\s+"
    r"(?P<dir>before|earlier|prior|after|later)|the\s+(?P<unit2>year|month)\s+(?P<dir2>before|after)"
    r"|the\s+(?P<dir3>next|following|previous|prior)\s+(?P<unit3>year|month))"
    r"(?:\s+(?:that|then))?(?=\s*(?:$|[?.!,;]))",
    re.IGNORECASE,
)
_BACK = {"before", "earlier", "prior", "previous"}


def with_relative_dates(question: str, earlier: list[str]) -> str:
    """The question with "a year before" written as the date it means, counted from the latest
    earlier turn that names a day, month or year ("how much hf did japan export in august
    2019" → "and a year before" → "and in August 2018"). Without such a turn, as typed."""
    m = RELATIVE_TIME.search(question)
    if not m:
        return question
    stated = (stated_day_or_period(text) for text in reversed(earlier))
    anchor = next((found for found in stated if found != (None, None)), None)
    if anchor is None:
        return question
    unit = (m["unit"] or m["unit2"] or m["unit3"]).lower()
    step = _COUNTS.get((m["n"] or "a").lower()) or int(m["n"])
    back = (m["dir"] or m["dir2"] or m["dir3"]).lower() in _BACK
    months = (12 if unit == "year" else 1) * step * (-1 if back else 1)
    day, period = anchor
    start = _shift(day or period[0], months)
    whole_year = unit == "year" and m["n"] is None  # "the year after": that year, whole
    if day is not None and not whole_year:
        said = f"on {format_date(start)}"
    elif whole_year or (period[0].month == 1 and period[1].month == 12):
        said = f"in {start.year}"
    else:
        said = f"in {start.strftime('%B')} {start.year}"
    return f"{question[: m.start()]}{said}{question[m.end():]}"


def thread_with_relative_dates(question: str, history: list[str]) -> tuple[str, list[str]]:
    """The question and its earlier turns, each turn's relative time written as a date counted
    from the turns before it (so "and a year later" twice counts on)."""
    earlier: list[str] = []
    for turn in history:
        earlier.append(with_relative_dates(turn, earlier))
    return with_relative_dates(question, earlier), earlier


def _shift(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), on the month's last day when it has fewer."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
