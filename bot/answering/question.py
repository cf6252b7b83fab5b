"""What a question asks for: its type, the kind of answer it expects, and its telling words.

People type "explain catch-all controls simply", "what happend at the wto" or "how did korea
respond?". The words that only shape the request ("explain", "simply", "tell me about") are
not topic words (`bot.retrieval.query.REQUEST_WORDS`): counting them as unknown terms made
the tutor refuse questions it could answer. And the question type says what a good sentence
contains: a "when" question is answered by a sentence with a date, "how many" by one with a
number, "which row" by one with an identifier, "explain" or "what happened" by an overview of
the few documents that matter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

from bot.dates import mentioned_dates


class AnswerKind(Enum):
    """The kind of fact a good answer sentence contains."""

    DATE = "date"
    NUMBER = "number"
    IDENTIFIER = "identifier"
    AGENT = "agent"  # a person, organisation or country
    REASON = "reason"
    DEFINITION = "definition"
    OVERVIEW = "overview"  # several events or aspects, one lead fact each
    STATE = "state"  # yes/no about a state or a fact
    ANY = "any"


BROAD = re.compile(
    r"\b(explain|overview|summar[iy]\w*|tell me (?:about|more)|what happen\w*|"
    r"what(?:'s| is| was) (?:the )?(?:deal|story|background)|walk me through|"
    r"how did .{1,40}\b(?:respond|react|reply|retaliat\w*|answer)|"
    r"from start to (?:finish|end)|in (?:a )?nutshell|describe|background|timeline|"
    r"chronolog\w*|sequence of events|key (?:dates|events))\b",
    re.IGNORECASE,
)
WHEN = re.compile(r"\b(when|what (?:date|day|year|month)|since when|how soon)\b|いつ|언제", re.I)
HOW_MANY = re.compile(
    r"\b(how (?:many|much|long|big|large|high)|what (?:share|percent\w*|proportion|number|"
    r"amount|figure|value|volume)|number of|roughly how|what was the (?:fine|penalty))\b"
    r"|\bwhat\s*%",  # "what % of the comments"
    re.IGNORECASE,
)
IDENTIFIER_Q = re.compile(
    r"\b(which|what) (?:row|article|entry|item (?:number|code)|code|number|cas|"
    r"list entry|paragraph|clause|annex|table)\b|\b(?:row|article|entry) (?:number|no)\b",
    re.IGNORECASE,
)
WHO = re.compile(
    r"\b(who|whom|whose|which (?:\w+ )?(?:ministers?|ministry|ministries|officials?|"
    r"compan(?:y|ies)|firms?|countr(?:y|ies)|bod(?:y|ies)|offices?|agenc(?:y|ies)|"
    r"organi[sz]ations?|people|persons?))\b",
    re.IGNORECASE,
)
# A "why" question is answered by a sentence that gives reasons, and the course calls them
# that: the word joins the search, as the question's own "why" cannot match any sentence.
REASON_WORD = "reasons"
WHY = re.compile(r"\b(why|reason\w*|what for|how come|motive\w*|justif\w*)\b", re.IGNORECASE)
DEFINITION = re.compile(
    r"^\s*(?:so\s+)?(?:what(?:'s| is| are| was| were)|wat is|whats|define|meaning of)\s+"
    r"(?:an?\s+|the\s+)?[\w'\"-]+(?:\s+[\w'\"-]+){0,4}\s*\??\s*$",
    re.IGNORECASE,
)
YES_NO = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+)?(is|are|was|were|does|do|did|can|could|may|has|have|had|"
    r"will|would|should|must|isn'?t|wasn'?t|doesn'?t|didn'?t)\b",
    re.IGNORECASE,
)
LIST = re.compile(
    r"\b(which|what) (?:three|two|four|\d+) |\blist (?:of|the)\b|\bname the\b", re.IGNORECASE
)
# "Is South Korea in Group A?", "what licence for hf right now": the state on the as-of date,
# which the documents written for a period (kind: state) describe, not the events that led there.
PRESENT_STATE = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+)?(is|are|does|do|can|isn'?t|aren'?t|doesn'?t|can'?t)\b|"
    r"\b(today|now|currently|current|still|yet|these days|at the moment|at present|presently)\b",
    re.IGNORECASE,
)
# A be-verb question without a participle: "was korea in group a", "is korea still outside".
STATE_ON_DATE = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+)?(?:is|are|was|were|isn'?t|wasn'?t|weren'?t)\b"
    r"(?!(?:\s+\S+){0,4}?\s+\w+(?:ed|en)\b)",
    re.IGNORECASE,
)
# The date as a viewpoint is a phrase of its own ("on 1 May 2020", "in 2021"), not a
# modifier of a noun ("the December 2019 resist change").
DATED_VIEW = re.compile(
    r"\b(?:on|in|as of|as at|during|at)\s+(?:\d{1,2}\s+)?(?:[a-z]+\.?\s+)?(?:19|20)\d\d\b",
    re.IGNORECASE,
)
# What was required on a date ("what licence did exporters need for hf to korea in 2021") is
# a state too, whatever the verb's tense: the rule in force then, not the year's events.
REQUIREMENT = re.compile(
    r"\b(?:need(?:s|ed)?|requir(?:e|es|ed)|ha(?:ve|s|d)\s+to|must|allowed|permitted)\b",
    re.IGNORECASE,
)
COMPARE = re.compile(r"\b(difference|differ|compare|versus|vs\.?|compared)\b", re.IGNORECASE)


# A follow-up with a question word of its own asks its own kind of question; "what about ..."
# and "and resist?" are elliptical and take the earlier question's kind.
OWN_QUESTION_WORD = re.compile(
    r"\b(?:who|whom|whose|which|when|where|why|how(?! about)|what(?! about| of)(?!'?s? else))\b",
    re.IGNORECASE,
)


def has_own_question_word(question: str) -> bool:
    return bool(OWN_QUESTION_WORD.search(question))


@dataclass(frozen=True)
class QuestionType:
    """The type of a question and the answer kinds that would satisfy it, best first."""

    name: str
    kinds: tuple[AnswerKind, ...]
    broad: bool = False
    event_dates: tuple = ()  # dates the question names as the subject ("what happened on ...")
    asks_state: bool = False  # asks about the state on the as-of date, not an event
    viewpoint: dt.date | None = None  # "was korea in group a on 1 may 2020": the as-of date

    @property
    def wants(self) -> AnswerKind:
        return self.kinds[0] if self.kinds else AnswerKind.ANY


def classify(question: str) -> QuestionType:
    """The question type from its wording, and whether it asks about the state on the date.

    "Was Korea in Group A on 1 May 2020?" asks for the state on that day: the date is the
    viewpoint, not an event to look for. "Was Korea removed ... in 2019?" (a participle) and
    "did Japan block ... on 29 June 2020?" ask about events.
    """
    qtype = _classify_type(question.strip())
    states = STATE_ON_DATE.match(question) or REQUIREMENT.search(question)
    if qtype.event_dates and states and DATED_VIEW.search(question):
        return replace(qtype, event_dates=(), asks_state=True, viewpoint=qtype.event_dates[-1])
    present = not qtype.event_dates and bool(PRESENT_STATE.search(question))
    return replace(qtype, asks_state=present)


def _event_dates(text: str) -> tuple[dt.date, ...]:
    """Days and months the question names; a bare year only in its own phrase ("in 2023").

    "the 2019 japan korea export dispute" uses the year as a label, not as the time asked about:
    taken as an event date it favoured every sentence that mentions 2019.
    """
    kept = []
    for day in mentioned_dates(text):
        year_only = (day.month, day.day) == (1, 1) and not re.search(
            rf"\b(?:1\s+)?jan\w*\.?\s+{day.year}\b|{day.year}-01-01", text, re.IGNORECASE
        )
        phrase = rf"\b(?:in|during|since|until|by)\s+{day.year}\b"
        if year_only and not re.search(phrase, text, re.IGNORECASE):
            continue
        kept.append(day)
    return tuple(kept)


# A question word before "when" makes it a conjunction ("who was minister when korea was put
# back" asks for a person), unless "and"/"or" joins a second question ("who came and when").
EARLIER_QUESTION_WORD = re.compile(r"\b(?:who|whom|whose|what|which|why|how|where)\b", re.I)


def _asks_when(text: str) -> bool:
    m = WHEN.search(text)
    if not m:
        return False
    before = text[: m.start()]
    if re.search(r"\b(?:and|or)\s*$", before):
        return True
    return not (EARLIER_QUESTION_WORD.search(before) or YES_NO.match(text))


def _classify_type(text: str) -> QuestionType:
    """The first match in a fixed order of specificity."""
    dates = _event_dates(text)
    broad = bool(BROAD.search(text))
    if IDENTIFIER_Q.search(text):
        return QuestionType("identifier", (AnswerKind.IDENTIFIER,), broad, dates)
    if HOW_MANY.search(text):
        return QuestionType("how-many", (AnswerKind.NUMBER,), broad, dates)
    if _asks_when(text):
        return QuestionType("when", (AnswerKind.DATE,), broad, dates)
    if WHO.search(text):
        return QuestionType("who", (AnswerKind.AGENT,), broad, dates)
    if WHY.search(text):
        return QuestionType("why", (AnswerKind.REASON,), broad, dates)
    if COMPARE.search(text):
        return QuestionType("compare", (AnswerKind.DEFINITION,), True, dates)
    if broad:
        return QuestionType("overview", (AnswerKind.OVERVIEW,), True, dates)
    if LIST.search(text):
        return QuestionType("list", (AnswerKind.ANY,), False, dates)
    if YES_NO.match(text):
        return QuestionType("yes-no", (AnswerKind.STATE,), False, dates)
    if DEFINITION.match(text):
        return QuestionType("definition", (AnswerKind.DEFINITION,), False, dates)
    return QuestionType("other", (AnswerKind.ANY,), False, dates)


# -- what a sentence contains ---------------------------------------------------------------

NUMBER_FACT = re.compile(
    r"\d[\d,.]*\s*(?:%|per ?cent|percent|million|billion|trillion|yen|won|t\b|tonnes|days|"
    r"hours|years|months|cases|items|countries|submissions|times|nm|µC)|"
    r"(?:US\$|\$|¥|EUR|€)\s*\d|\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?\b",
    re.IGNORECASE,
)
IDENTIFIER_FACT = re.compile(
    r"\b(?:row|rows|article|art\.|item|items|annex|appended table|paragraph)\s+\d[\w()\-.]*|"
    r"\b\d+\(\w{1,4}\)|\b\d[a-z]\d{3}\b|\bDS\d+\b|\bWT/DS\d+|\b\d{2,7}-\d{2}-\d\b",
    re.IGNORECASE,
)
AGENT_FACT = re.compile(
    r"\b(?:[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+|METI|MOTIE|CISTEC|WTO|DSB|Cabinet|Minister\w*|"
    r"ministry|Ministry|government|President|Prime Minister|Secretary)\b"
)
REASON_FACT = re.compile(
    r"\b(because|since|as a result|so that|reason\w*|due to|in order to|aim\w*|purpose|"
    r"concern\w*|retaliat\w*|blamed|argued|said|stated|cited|worr\w*|to (?:stop|prevent|keep))\b",
    re.IGNORECASE,
)
DEFINITION_FACT = re.compile(
    r"\b(is|are|means|refers to|covers|is called|stands for|describes?)\b", re.IGNORECASE
)


@lru_cache(maxsize=16384)  # the corpus's sentences recur from question to question
def contains_kind(sentence: str, kind: AnswerKind) -> bool:
    """True when the sentence holds a fact of the kind the question expects."""
    if kind is AnswerKind.DATE:
        return bool(mentioned_dates(sentence))
    if kind is AnswerKind.NUMBER:
        return bool(NUMBER_FACT.search(_without_dates(sentence)))
    if kind is AnswerKind.IDENTIFIER:
        return bool(IDENTIFIER_FACT.search(sentence))
    if kind is AnswerKind.AGENT:
        return bool(AGENT_FACT.search(sentence))
    if kind is AnswerKind.REASON:
        return bool(REASON_FACT.search(sentence))
    if kind is AnswerKind.DEFINITION:
        return bool(DEFINITION_FACT.search(sentence))
    return False


_DATEISH = re.compile(  # a day, a range of days ("1 to 24 July 2019"), a month or a year
    r"\b(?:\d{1,2}\s*(?:to|-|–|and)\s*)?\d{1,2}\s+[A-Z][a-z]+\s+(?:19|20)\d\d\b"
    r"|\b[A-Z][a-z]+\s+(?:19|20)\d\d\b|\b(?:19|20)\d\d\b"
)


def _without_dates(sentence: str) -> str:
    """Years and dates are not the number a "how many" question wants."""
    return _DATEISH.sub(" ", sentence)
