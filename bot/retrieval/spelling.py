"""Typos corrected against the words the course itself uses ("floride" -> "fluoride").

A misspelt topic word finds nothing in BM25 and weakens the dense match, so "what happend at
the wto" or "fluorinated polymide" used to be refused. Only words the index does not know are
corrected, only to a word it does know, and only within a small edit distance (rapidfuzz's
Damerau-Levenshtein, so swapped letters count once). A common English word the course never
uses ("will", "would", "going") is a real word, not a typo, and is left alone: it would
otherwise turn into a near neighbour ("will" -> "well"). Common words are the most frequent
entries of the English frequency dictionary that symspellpy ships.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from itertools import islice

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, Indel

WORD = re.compile(r"[a-z]{4,}")
# Chat shorthand is not a typo (too short to correct by distance) but stands for a word:
# "wat r the 3 chemcals" asks "what are the 3 chemicals".
CHAT_SHORTHAND = {
    "wat": "what", "wot": "what", "wut": "what", "wht": "what", "wen": "when", "hw": "how",
    "r": "are", "u": "you", "ur": "your", "abt": "about", "bc": "because", "cuz": "because",
    "coz": "because", "b4": "before", "pls": "please", "plz": "please", "thx": "thanks",
    "ppl": "people", "govt": "government",
}  # fmt: skip
SHORTHAND = re.compile(rf"\b(?:{'|'.join(CHAT_SHORTHAND)})\b", re.IGNORECASE)
MIN_CORRECTABLE = 4
# English words this common are never typos; rarer dictionary entries include misspellings
# seen on the web ("happend"), so the whole 82,765-word list would block real corrections.
COMMON_ENGLISH_WORDS = 30_000


@lru_cache(maxsize=1)
def _common_english_list() -> tuple[str, ...]:
    """The most frequent English words, most frequent first (symspellpy's frequency
    dictionary, offline)."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    with path.open(encoding="utf-8") as lines:
        return tuple(line.split(" ", 1)[0] for line in islice(lines, COMMON_ENGLISH_WORDS))


@lru_cache(maxsize=4)
def common_english_words(most_frequent: int = COMMON_ENGLISH_WORDS) -> frozenset[str]:
    return frozenset(_common_english_list()[:most_frequent])


def _by_initial(words: Iterable[str]) -> dict[str, list[str]]:
    """Words by first letter, in the order given (most frequent first): a typo rarely hits the
    first letter, and searching one letter's words keeps a correction under a millisecond."""
    found: dict[str, list[str]] = {}
    for word in words:
        found.setdefault(word[0], []).append(word)
    return found


@lru_cache(maxsize=1)
def _english_by_initial() -> dict[str, list[str]]:
    return _by_initial(_common_english_list())


@lru_cache(maxsize=1)
def _dictionary_by_initial() -> dict[str, list[str]]:
    """Every word of the English frequency dictionary (82,765), rarer words too, for
    `Speller._family_word_meant`."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    with path.open(encoding="utf-8") as lines:
        return _by_initial(line.split(" ", 1)[0] for line in lines)


def _closest(
    word: str, words: list[str], limit: int, keep: Callable[[str], bool] = lambda w: True
) -> tuple[str, int] | None:
    """The word of `words` (most frequent first) closest to `word` within `limit` edits, among
    those `keep` accepts: fewest edits, then the closest in letters ("finsh" -> "finish", not
    "fish"), then the most frequent."""
    matches = process.extract(
        word, words, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=5
    )
    matches = [m for m in matches if keep(m[0])]
    if not matches:
        return None
    best = min(matches, key=lambda m: (m[1], -Indel.normalized_similarity(word, m[0]), m[2]))
    return best[0], best[1]


def english_word_meant(word: str, limit: int) -> tuple[str, int] | None:
    """The common English word closest to `word` within `limit` edits."""
    return _closest(word, _english_by_initial().get(word[0], []), limit)


# A chemical name with another multiplier is another compound, not a typo: "trifluoride" is no
# misspelt "difluoride", "tetrachloride" no misspelt "trichloride".
MULTIPLIER = re.compile(r"^(?:mono|di|bi|tri|tetra|penta|hexa|hepta|octa|nona|deca)(?=[a-z]{4})")


def other_compound(word: str, candidate: str) -> bool:
    """The two words differ only in their chemical multiplier prefix."""
    stem, other = MULTIPLIER.sub("", word), MULTIPLIER.sub("", candidate)
    return stem == other and word != candidate


def max_edits(word: str) -> int:
    """One edit for short words, two from eight letters on ("responsibilty")."""
    return 1 if len(word) < 8 else 2


class Speller:
    """Corrects unknown words to the most frequent corpus word within `max_edits`, or to a
    common English word that is nearer."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(WORD.findall(text.lower()))
        self.counts = counts
        self._words = list(counts)
        self._stems: set[str] | None = None  # stems of the corpus words, when first needed

    def knows(self, word: str) -> bool:
        return word.lower() in self.counts

    def correct_word(self, word: str) -> str | None:
        """The corpus word meant by an unknown word, or None when none is close enough."""
        lower = word.lower()
        if len(lower) < MIN_CORRECTABLE or not lower.isalpha() or lower in self.counts:
            return None
        if lower in common_english_words():
            return None
        limit = max_edits(lower)
        matches = process.extract(
            lower,
            self._words,
            scorer=DamerauLevenshtein.distance,
            score_cutoff=limit,
            limit=5,
        )
        # A question word the course never uses ("diffrence", "whcih") is corrected to English,
        # so the question's type is read right; a course word at the same distance wins.
        english = english_word_meant(lower, limit)
        nearest = min((m[1] for m in matches), default=limit + 1)
        if english is not None and english[1] < nearest:
            return english[0]
        matches = [m for m in matches if not other_compound(lower, m[0])]
        if not matches:
            return self._family_word_meant(lower, limit)
        best = min(matches, key=lambda m: (m[1], -self.counts[m[0]]))
        return best[0]

    def _family_word_meant(self, word: str, limit: int) -> str | None:
        """A rarer English word the typo stands for, when the course uses its family:
        "retalliate" is "retaliate", a word the course never writes but whose stem its
        "retaliation" shares, one letter doubled. Only then: an unknown product name stays
        unknown."""
        from bot.retrieval.lexical import tokenize  # the stems BM25 matches on

        if self._stems is None:
            self._stems = {t for w in self._words for t in tokenize(w)}
        stems = self._stems
        # One letter doubled or dropped, no other change: "fluorinated" (a real word this
        # dictionary lacks) is no typo of "fluoridated", one letter away by substitution.
        found = _closest(
            word,
            _dictionary_by_initial().get(word[0], []),
            limit,
            keep=lambda w: Indel.distance(word, w) <= 1 and bool(set(tokenize(w)) & stems),
        )
        return found[0] if found else None

    def corrections(self, text: str) -> dict[str, str]:
        """Unknown word -> corpus word, for every correctable word of `text`."""
        found: dict[str, str] = {}
        for word in WORD.findall(text.lower()):
            fixed = self.correct_word(word)
            if fixed is not None:
                found[word] = fixed
        return found

    def correct(self, text: str) -> str:
        """`text` with its correctable words replaced (case of the rest kept)."""
        text = SHORTHAND.sub(lambda m: CHAT_SHORTHAND[m.group(0).lower()], text)
        fixes = self.corrections(text)
        if not fixes:
            return text
        return re.sub(
            r"[A-Za-z]{4,}",
            lambda m: fixes.get(m.group(0).lower(), m.group(0)),
            text,
        )
