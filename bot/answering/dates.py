"""Kept so `from bot.answering.dates import ...` keeps working: the dates module is bot/dates.py."""

from bot.dates import (
    AS_OF_PHRASE,
    DAY_MONTH_YEAR,
    ISO,
    MONTH_YEAR,
    MONTHS,
    YEAR,
    Period,
    format_date,
    mentioned_dates,
    parse_as_of,
    period_of,
    question_as_of,
    starts_after,
    without_dates,
)

__all__ = [
    "AS_OF_PHRASE", "DAY_MONTH_YEAR", "ISO", "MONTHS", "MONTH_YEAR", "YEAR", "Period",
    "format_date", "mentioned_dates", "parse_as_of", "period_of", "question_as_of",
    "starts_after", "without_dates",
]
