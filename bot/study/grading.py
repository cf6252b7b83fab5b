"""Grade a student's answer: a choice, true/false, or a typed date or number with tolerance.

Typed dates go through dateparser (a maintained parser), so "Aug 28 2019", "28/8/2019" and
"28 August 2019" are the same answer; numbers ignore thousands separators and units.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import dateparser

from bot.study.items import Item
from bot.study.spans import date_of

MAX_ANSWER_CHARS = 200  # an answer is a date, a number or a choice: longer text is not read
NUMBER = re.compile(r"\d+(?:\.\d+)?")
DATE_SETTINGS = {
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PREFER_DATES_FROM": "past",
    "DATE_ORDER": "DMY",
}


@dataclass(frozen=True)
class Grade:
    """`valid` is False when the answer could not be read at all (asked again, not marked)."""

    valid: bool
    correct: bool
    message: str


def read_date(text: str) -> dt.date | None:
    """A date typed by a student in any common English form, or None."""
    parsed = dateparser.parse(text.strip(), languages=["en"], settings=DATE_SETTINGS)
    return parsed.date() if parsed else None


def read_number(text: str) -> float | None:
    """The number in "40,666", "40 666 submissions" or "27 countries", or None."""
    found = NUMBER.findall(re.sub(r"(?<=\d)[, ](?=\d{3}\b)", "", text))
    return float(found[0]) if len(found) == 1 else None


def _typed(item: Item, response: str) -> Grade:
    if item.answer_type == "date":
        day = read_date(response)
        if day is None:
            return Grade(
                False, False, f"'{response}' is not a date I can read: try 28 August 2019."
            )
        return Grade(True, day == date_of(item.answer), "")
    if item.answer_type == "number":
        value = read_number(response)
        if value is None:
            return Grade(False, False, f"'{response}' is not one number: type digits, e.g. 27.")
        return Grade(True, abs(value - float(read_number(item.answer) or 0)) < 1e-9, "")
    same = response.strip().casefold() == item.answer.casefold()
    return Grade(True, same, "")


def grade(item: Item, response: str | bool | None) -> Grade:
    """Mark one answer; an empty or unreadable answer gets a message instead of a mark."""
    if response is None or (isinstance(response, str) and not response.strip()):
        return Grade(False, False, "Give an answer first.")
    if len(str(response)) > MAX_ANSWER_CHARS:
        return Grade(
            False, False, f"Answer in a few words (at most {MAX_ANSWER_CHARS} characters)."
        )
    if item.kind == "truefalse":
        text = str(response).strip().lower()
        if text not in ("true", "false"):
            return Grade(False, False, "Answer True or False.")
        result = Grade(True, text == item.answer, "")
    elif item.kind == "multichoice":
        if str(response) not in item.choices:
            return Grade(False, False, "Pick one of the choices.")
        result = Grade(True, str(response) == item.answer, "")
    else:
        result = _typed(item, str(response))
    if not result.valid:
        return result
    verdict = "Right" if result.correct else "Wrong"
    return Grade(True, result.correct, f"{verdict}: the answer is {item.answer}.")
