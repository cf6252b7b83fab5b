"""Abbreviations the documents define ("Hydrogen fluoride (HF)"), spelled out in questions.

A question typed with the short form ("which row is hf in") is far, to the sentence model,
from passages that write the long one ("hydrogen fluoride is listed in row 3(1)"): the model
hardly knows "hf". The documents themselves say what each short form stands for, so the
pairs are read from the index (the course's and any document a user adds), with the
Schwartz-Hearst algorithm (the `abbreviations` package), never listed by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

from abbreviations import schwartz_hearst

from bot.retrieval.spelling import common_english_words


def defined_abbreviations(passages: Iterable[tuple[str, str]]) -> dict[str, str]:
    """short form -> long form, from (text, sentence spans as JSON) of each passage."""
    lines = []
    for text, spans in passages:
        lines.extend(text[start:end].replace("\n", " ") for start, end in json.loads(spans))
    pairs = schwartz_hearst.extract_abbreviation_definition_pairs(
        doc_text="\n".join(lines), most_common_definition=True
    )
    text = "\n".join(lines)
    return {
        short: " ".join(long.split())
        for short, long in pairs.items()
        if short.isalpha() and _written_out_more(short, long, text)
    }


def _written_out_more(short: str, long: str, text: str) -> bool:
    """The documents use the long form more often than the short one ("hydrogen fluoride",
    not "HF"), so the passages to match are written that way. Where they mostly write the
    short form ("WTO", "METI", "EUV"), the short form is what to search for."""
    written = len(re.findall(re.escape(long), text, re.IGNORECASE))
    return written > len(re.findall(rf"(?<!\w){re.escape(short)}(?!\w)", text))


def spelled_out(question: str, abbreviations: dict[str, str]) -> str:
    """The question with each defined short form written as its long form: "which
    row is hf in" -> "which row is Hydrogen fluoride in". A short form that is also an
    English word ("EAR", "us") counts only in capitals, as the documents write it; one whose
    long form the question already has is left alone."""
    if not abbreviations:
        return question
    return _pattern(tuple(sorted(abbreviations.items()))).sub(
        lambda m: _expand(m, question, abbreviations), question
    )


@lru_cache(maxsize=8)
def _pattern(pairs: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(short) for short, _ in sorted(pairs, key=lambda p: -len(p[0])))
    return re.compile(rf"(?<![\w(]){words}(?![\w)])", re.IGNORECASE)


def _expand(match: re.Match[str], question: str, abbreviations: dict[str, str]) -> str:
    typed = match.group(0)
    short = next(s for s in abbreviations if s.lower() == typed.lower())
    long = abbreviations[short]
    if typed != short and typed.lower() in common_english_words():
        return typed  # "us", "ear": the English word, unless written as the documents write it
    if long.lower() in question.lower():
        return typed
    return long
