"""Licence questions asked in chat go to the rule-based product checker.

"Do I need a licence to ship 50% hydrogen fluoride to Korea?" is a decision, so the answer is
the checker's verdict and its cited steps, not a similarity search.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

from bot.answering.extractive import answer_text
from bot.answering.question import has_own_question_word
from bot.answering.types import Answer, AnswerLine, Citation
from bot.checking import check_product, parse_check_question
from bot.checking.countries import find_countries, place
from bot.checking.describe import find_items, own_classification
from bot.checking.model import fill
from bot.checking.render import render_markdown
from bot.checking.routing import asks_about_product_rules
from bot.dates import MONTH_NAME, format_date, stated_day_or_period, without_dates
from bot.errors import TutorError
from bot.retrieval.query import content_terms, is_follow_up
from bot.retrieval.spelling import common_english_words

# How the checker cites a step: (card number, document id, the step's claim) -> a citation of
# the document's sentence closest to the claim, or None. The tutor provides it; the checker
# needs nothing else from the tutor.
CiteDocument = Callable[[int, str, str], Citation | None]

UNCOVERED_PRODUCT = (
    "I can't answer that from the course material: it covers the licence rules for three "
    "items only (fluorinated polyimide, resist and hydrogen fluoride), not {product}, so I "
    "won't guess whether it needs a licence. Classifying a product is the exporter's own "
    "responsibility: ask METI's Security Export Licensing Division or CISTEC."
)
# Everyday words ("bring", "back", "fits") are never taken for a product name; product names
# rarer than these ("nitrogen", "tungsten", "neon") are.
EVERYDAY_WORDS = 3000

# Words of a licence or listing question that are not the product ("do I need a licence to
# ship ...", "which row covers ..."), generic nouns included ("a list-controlled item").
NOT_PRODUCT = re.compile(
    r"\b(?:licen[cs]es?|permits?|permission|approval|need|needs|required|export\w*|ship\w*|"
    r"send\w*|sell\w*|supply|deliver\w*|going|customer|client|buyer|fab|plant|factory|"
    r"company|today|tomorrow|now|still|also|rules?|apply|applies|legally|allowed|any|"
    r"without|with|controls?|restrict\w*|regulat\w*|limit\w*|meti|government|law|"
    r"one|ones|chemicals?|materials?|substances?|"
    r"destination|country|countries|korean?|japan(?:ese)?|"
    r"items?|products?|goods|things?|stuff|list[- ]controlled|controlled|listed|dual[- ]use|"
    r"check|whether|tell|know|wonder\w*|please|pls|firm|"
    r"rows?|entry|entries|appended|table|cover(?:s|ed)?|same|have|has|had|treat\w*)\b",
    re.IGNORECASE,
)


# The standard a product is compared with ("nitrogen trifluoride, same rules as hf?", "is neon
# treated like resist"): an item named there is not the product asked about.
COMPARED_WITH = re.compile(
    r"\b(?:(?:the\s+)?same\s+(?:rules?|controls?|licen[cs]es?|treatment)\s+as|just\s+like|"
    r"like|than|compared\s+(?:to|with)|versus|vs\.?)\s+(?:for\s+)?(?:the\s+)?[\w%-]+"
    r"(?:\s+(?:fluoride|polyimide|resist|photoresist))?",
    re.IGNORECASE,
)


def _named_product(question: str, rules: Any) -> str:
    """The words left once licence wording, places and dates are taken out: the product."""
    text = question
    for _, words in find_countries(question, rules):
        text = re.sub(re.escape(words), " ", text, flags=re.IGNORECASE)
    text = NOT_PRODUCT.sub(" ", text)
    text = re.sub(rf"\b{MONTH_NAME}\b\.?", " ", text, flags=re.IGNORECASE)  # "in sept 2019"
    words = [w for w in content_terms(text) if w.isalpha() and len(w) > 2]
    return " ".join(words[:5])


def _uncovered_listing(
    question: str, as_of: dt.date, rules: Any, indexed: Callable[[str], bool]
) -> Answer | None:
    """"Is neon gas to Korea controlled?", "which row covers tungsten hexafluoride?": a question
    on the listing or licence of a product the checker does not know, one of whose words no
    passage uses, is refused like an uncovered product in a licence question; other questions
    (or a product the documents name) are left to retrieval."""
    subject = COMPARED_WITH.sub(" ", question)  # "same rules as hf": hf is not the subject
    if not asks_about_product_rules(question) or find_items(subject, rules):
        return None
    product = unknown_product(subject, rules, indexed)
    return _uncovered(question, as_of, product, rules) if product else None


def unknown_product(question: str, rules: Any, indexed: Callable[[str], bool]) -> str:
    """The product the question names that no passage uses and no everyday word explains
    ("neon gas", "hydrogen peroxide"); "" when there is none ("positive type", "at 25%")."""
    product = _named_product(question, rules)
    everyday = common_english_words(EVERYDAY_WORDS)
    if all(w in everyday or indexed(w) for w in product.split()):
        return ""
    return product


def _uncovered(question: str, as_of: dt.date, product: str, rules: Any) -> Answer:
    return Answer(
        question=question,
        as_of=as_of,
        answer=UNCOVERED_PRODUCT.format(product=product),
        refused=True,
        mode="refusal",
        notes=[rules.meta.disclaimer],
    )


def with_items_spelled(text: str, rules: Any, correct: Callable[[str], str]) -> str:
    """The text with its typos corrected when that reveals one of the checker's products
    ("hydorgen fluoride"), else as typed: a misspelt course item is still that item, while an
    unknown product keeps the name the user gave it ("gallium nitride", not "nitrite")."""
    fixed = correct(text)
    revealed = fixed != text and find_items(fixed, rules) and not find_items(text, rules)
    return fixed if revealed else text


def answer_with_checker(
    question: str,
    as_of: dt.date,
    rules: Any,
    cite: CiteDocument,
    indexed: Callable[[str], bool] = lambda word: False,
    licence_question: bool = False,
    later: tuple[str, ...] = (),
) -> Answer | None:
    """The checker's verdict for a licence question, or None when it is not one.

    A product outside the checker's three items is refused, unless the index holds its name (a
    document the user added may describe it): then retrieval answers."""
    request = parse_check_question(question, rules, licence_question)
    if request is None:
        return _uncovered_listing(question, as_of, rules, indexed)
    if request.date is None:
        request.date = as_of
    request.later = later  # a thread's later turns: each one's values replace the earlier
    started = time.perf_counter()
    try:
        result = check_product(request, rules)
    except TutorError as exc:
        return Answer(question=question, as_of=as_of, answer=str(exc), refused=True, mode="checker")
    data = result.to_dict()
    # A product the asker classed as on no list, or as listed, is answered by those steps.
    unknown = data["item"] is None and own_classification(question) is None
    product = _named_product(question, rules) if unknown else ""
    if product and indexed(product):
        return None
    if product:
        # A product the course does not cover: say so plainly instead of asking which of
        # the three items it is.
        return _uncovered(question, as_of, product, rules)
    citations: list[Citation] = []
    numbers: dict[str, int] = {}
    for step in data["steps"]:
        doc_id = step.get("citation")
        if doc_id and doc_id not in numbers:
            citation = cite(len(citations) + 1, doc_id, step["text"])
            if citation is not None:
                citations.append(citation)
                numbers[doc_id] = citation.n
    text = render_markdown(result, numbers, disclaimer=False)  # the note carries it
    return Answer(
        question=question,
        as_of=dt.date.fromisoformat(data["as_of"]),
        answer=text,
        refused=False,
        citations=citations,
        timings_ms={"check": round((time.perf_counter() - started) * 1000, 2)},
        mode="checker",
        notes=[data["disclaimer"]],
        check=data,
    )


# "Is Taiwan in Group A?", "what group is china in", "was the UK a white country in 2020?"
GROUP_WORDS = r"(?:group\s*[a-d]|white[\s-]?(?:list|countr(?:y|ies)))\b"


def _asks_placement(question: str, words: str) -> bool:
    """The country is the one placed ("is Taiwan in Group A", "which group is China in"), not
    the one with a list of its own ("did China remove Japan from its whitelist")."""
    name = re.escape(words)
    return bool(
        re.search(
            rf"\b(?:is|was|are|were)\s+(?:the\s+)?{name}\s+(?:still\s+|now\s+|already\s+)?"
            rf"(?:in|on|a|an|one of)\b[^?.!]*?\b{GROUP_WORDS}"
            rf"|\b(?:which|what)\s+(?:country\s+)?group\s+(?:is|was)\s+(?:the\s+)?{name}\b"
            rf"|\b{name}(?:'s|’s)?\s+(?:country\s+)?group\b",
            question,
            re.IGNORECASE,
        )
    )


# "what licence for hf to china", "what kind of licence do we need for resist to vietnam"
WHAT_LICENCE = re.compile(
    r"\bwhat\s+(?:(?:kind|type|sort)s?\s+of\s+)?(?:export\s+)?licen[cs]es?\b", re.IGNORECASE
)


def licence_for_an_uncovered_destination(question: str, rules: Any, covered: set[str]) -> bool:
    """Which licence a course item needs for a destination no document is about: only the
    rules answer that (the documents tell South Korea's case, and had answered "what licence
    for hf to the us" with South Korea's rules, or refused it)."""
    if not WHAT_LICENCE.search(question) or not find_items(question, rules):
        return False
    named = find_countries(question, rules)
    return bool(named) and all(code not in covered for code, _ in named)


def asks_country_group(question: str, rules: Any, covered: set[str]) -> bool:
    """The question places one country no document is about in a group or list."""
    named = find_countries(question, rules)
    if len(named) != 1 or named[0][0] in covered or find_items(question, rules):
        return False
    return _asks_placement(question, named[0][1])


def answer_country_group(
    question: str, as_of: dt.date, rules: Any, cite: CiteDocument, covered: set[str]
) -> Answer | None:
    """The group the rules place a country in on the date, for a country no document is about.

    Searched, "Is Taiwan in Group A?" quoted South Korea's return to Group A; the rules' group
    lists (each citing its document, with their caveats) answer it. A country the documents
    are about (South Korea) is left to retrieval, which tells its history."""
    if not asks_country_group(question, rules, covered) or as_of < rules.meta.covered_from:
        return None
    country = rules.countries[find_countries(question, rules)[0][0]]
    placement = place(country, as_of, rules)
    note = fill(placement.note.text, {"country": country.name})
    citation = cite(1, placement.note.citation, note)
    if citation is None:
        return None
    texts = [f"{country.name} on {format_date(as_of)}: {placement.group.name}. {note}"]
    if as_of < rules.meta.groups_named_from:
        texts.append(fill(rules.meta.groups_renamed.text, {"date": format_date(as_of)}))
    texts.append(placement.group.caveat)
    lines = [AnswerLine("current", t, (1,)) for t in texts if t]
    return Answer(
        question=question,
        as_of=as_of,
        answer=answer_text(lines, as_of),
        refused=False,
        citations=[citation],
        mode="checker",
        notes=[rules.meta.disclaimer],
        lines=lines,
    )


BARE_WHY = re.compile(
    r"^\s*(?:but\s+|and\s+|so\s+)?(?:why|how come)(?:\s+(?:is|was)\s+(?:that|it))?\s*\?*\s*$",
    re.IGNORECASE,
)


def checker_thread(
    question: str, history: list[str], rules: Any, starts: Callable[[str], bool] | None = None
) -> list[str] | None:
    """The earlier turns of a check that `question` follows up, oldest first: after "is hf
    controlled?" and "what about at 25%", "and to korea in 2020?" checks 25% HF to Korea in
    2020.

    Walks back over the follow-ups to the turn that started the thread (`starts`: a licence
    question, unless told otherwise); None when the question is no follow-up or no such turn
    starts it. A date or destination stated later replaces the earlier one."""
    if not history or not is_follow_up(question):
        return None
    if has_own_question_word(question) and not BARE_WHY.match(question):
        return None  # "what is hf used for?" asks its own question; "why?" asks for the steps
    starts = starts or (lambda text: parse_check_question(text, rules) is not None)
    parts: list[str] = []
    for earlier in reversed(history):
        parts.insert(0, earlier)
        if starts(earlier):
            break
        if not is_follow_up(earlier):
            return None
    else:
        return None
    day_said = stated_day_or_period(question) != (None, None)
    place_said = bool(find_countries(question, rules))
    kept: list[str] = []
    for part in reversed(parts):  # newest first: a later turn's date or place wins
        has_day = stated_day_or_period(part) != (None, None)
        has_place = bool(find_countries(part, rules))
        if day_said:
            part = without_dates(part) or part
        if place_said:
            for _, words in find_countries(part, rules):
                part = re.sub(re.escape(words), " ", part, flags=re.IGNORECASE)
        kept.insert(0, part)
        day_said, place_said = day_said or has_day, place_said or has_place
    return kept
