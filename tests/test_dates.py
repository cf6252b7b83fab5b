"""bot/dates.py: one month table and one set of patterns for answering, checking, verifier."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answering.llm.claims import date_mentions
from bot.dates import (
    format_date,
    in_course_form,
    mentioned_dates,
    month_number,
    names_a_day,
    normalise_dates,
    opens_after,
    starts_after,
    stated_day_or_period,
    states_on,
    with_relative_dates,
)

DAY = dt.date(2019, 8, 28)


@pytest.mark.parametrize(
    "text", ["28 August 2019", "28 Aug 2019", "August 28, 2019", "28th August 2019", "2019-08-28",
             "28 Aug. 2019"],
)
def test_one_day_in_any_format(text: str) -> None:
    assert in_course_form(f"what happened on {text}?") == "what happened on 28 August 2019?"
    assert mentioned_dates(normalise_dates(text))[0] == DAY  # answering
    assert date_mentions(text)[0][0].day == DAY  # the LLM verifier
    assert stated_day_or_period(f"Can I export resist on {text}?") == (DAY, None)  # checker


def test_periods_and_months() -> None:
    assert stated_day_or_period("in September 2019") == (
        None, (dt.date(2019, 9, 1), dt.date(2019, 9, 30)))
    assert stated_day_or_period("2020年2月") == (None, (dt.date(2020, 2, 1), dt.date(2020, 2, 29)))
    assert stated_day_or_period("in 2021") == (None, (dt.date(2021, 1, 1), dt.date(2021, 12, 31)))
    assert stated_day_or_period("31 February 2020") == (
        None, (dt.date(2020, 2, 1), dt.date(2020, 2, 29)))  # no such day: the month stands
    assert stated_day_or_period("no date here") == (None, None)
    assert [month_number(m) for m in ("Sept.", "sep", "June", "jul")] == [9, 9, 6, 7]
    assert format_date(DAY) == "28 August 2019"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("On 16 March 2023, METI said so.", True),
        ("from 14 to 16 March 2023", True),
        ("on March 16, 2023", True),
        ("the 4th of July", True),
        ("2023-03-16", True),
        ("in March 2023", False),
        ("CISTEC said in 2019 that", False),
        ("Act No. 228 of 1949", False),
    ],
)
def test_names_a_day_only_for_a_day_not_a_month_or_year(text: str, day: bool) -> None:
    assert names_a_day(text) is day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exports in feb 2020", "exports in February 2020"),  # the course's month words
        ("aug 28 2019 and 2019-07-04", "28 August 2019 and 4 July 2019"),
        ("2019-13-01", "2019-13-01"),  # no such day: left as typed
        ("on 2019/8/28 or 2019.8.28", "on 28 August 2019 or 28 August 2019"),  # year first
        ("28/8/2019 and 8/28/2019", "28 August 2019 and 28 August 2019"),  # one reading only
        ("12/07/2019", "12/07/2019"),  # 12 July or 7 December: left as typed
        ("Act No. 228 of 1949", "Act No. 228 of 1949"),  # a bare year is not rewritten
    ],
)
def test_in_course_form_writes_dates_as_the_course_does(text: str, expected: str) -> None:
    assert in_course_form(text) == expected


@pytest.mark.parametrize(
    ("question", "earlier", "meant"),
    [
        ("and a year before", ["hf exports to korea in august 2019"], "and in August 2018"),
        ("and two years after that?", ["was korea in group a in 2020"], "and in 2022?"),
        ("and the following month", ["licences by the end of september 2019"],
         "and in October 2019"),
        ("and a year later", ["was korea in group a on 29 february 2020"],
         "and on 28 February 2021"),  # no 29 February in 2021: the month's last day
        # "the year after" is that year, whole; "a year after" keeps the earlier precision
        ("and the year after?", ["licences by the end of september 2019"], "and in 2020?"),
        ("and a year after", ["licences by the end of september 2019"], "and in September 2020"),
        # the latest turn that names a date counts
        ("and a month earlier", ["in 2019?", "in may 2021?", "what is fefta"], "and in April 2021"),
    ],
)  # fmt: skip
def test_a_time_counted_from_an_earlier_turn_is_written_as_its_date(question, earlier, meant):
    assert with_relative_dates(question, earlier) == meant


@pytest.mark.parametrize(
    ("question", "earlier"),
    [
        ("what happened a year before the measures", ["in 2019"]),  # anchored on an event
        ("and a year later", ["what is fefta"]),  # no earlier date
        ("was korea in group a in 2020", ["in 2019"]),  # no relative phrase
    ],
)
def test_a_time_with_nothing_to_count_from_is_left_as_typed(question, earlier):
    assert with_relative_dates(question, earlier) == question




@pytest.mark.parametrize(
    ("sentence", "later"),
    [
        # opens on a later day, whatever earlier date it recalls
        ("From 23 March 2023, exporters who since 4 July 2019 needed a licence did not.", True),
        ("In March 2023, the rule of 2019 ended.", True),
        ("Since 21 July 2023 the country is in Group A again.", True),
        # opens on an earlier day, or on none
        ("On 4 July 2019, the rule began.", False),
        ("The country was in Group B from 28 August 2019 to 20 July 2023.", False),
        ("The rule of 4 July 2019 was lifted on 23 March 2023.", False),
        ("No date at all.", False),
    ],
)
def test_a_sentence_opening_on_a_later_day_tells_of_a_later_time(sentence, later) -> None:
    assert opens_after(sentence, dt.date(2022, 5, 1)) is later
    assert starts_after(sentence, dt.date(2022, 5, 1)) is ("2019" not in sentence and later)


@pytest.mark.parametrize(
    ("sentence", "day", "states"),
    [
        ("Since 21 July 2023 South Korea is in Group A again.", "2024-01-01", True),
        ("Since 21 July 2023 South Korea is in Group A again.", "2021-01-01", False),
        ("From 28 August 2019 to 20 July 2023, South Korea was in Group B.", "2021-01-01", True),
        ("From 28 August 2019 to 20 July 2023, South Korea was in Group B.", "2024-01-01", False),
        ("On 27 June 2023, the Cabinet approved the return.", "2024-01-01", False),  # an event
    ],
)
def test_a_sentence_stating_the_state_over_a_period(sentence: str, day: str, states: bool) -> None:
    assert states_on(sentence, dt.date.fromisoformat(day)) is states
