"""The first stage of a question: clean text a person typed, or a clear message why not.

Control characters and lone surrogates are dropped (they come from copy-paste and from JSON),
and an empty or over-long question gets a plain message instead of a search.
"""

from __future__ import annotations

import unicodedata

from bot.errors import InputError
from bot.retrieval.lexical import tokenize
from bot.retrieval.query import CJK

CONTROL_CHARS = {c for c in map(chr, range(32)) if c not in "\n\t"} | {"\x7f"}


def clean_question(question: str, max_chars: int) -> str:
    """Strip control characters; refuse empty and over-long questions with a plain message."""
    if not isinstance(question, str):
        raise InputError("The question must be text.")
    # Lone surrogates (valid in JSON, not in UTF-8) and control characters are dropped.
    question = question.encode("utf-8", "ignore").decode("utf-8")
    text = "".join(ch for ch in question if ch not in CONTROL_CHARS)
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InputError("Please type a question.")
    if len(text) > max_chars:
        raise InputError(
            f"Your question is {len(text):,} characters long; please keep it under "
            f"{max_chars:,} characters (ask one thing at a time)."
        )
    if not tokenize(text) and not CJK.search(text):
        raise InputError("I could not find any words to search for in your question.")
    return text
