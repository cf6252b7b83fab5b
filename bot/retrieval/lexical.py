"""BM25 over the same chunks as the dense index, with a tokenizer that keeps identifiers whole.

Students and exporters type exact identifiers ("Article 48", "7(19)", "DS590", "7664-39-3");
a default word tokenizer would break them into numbers that match everything.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
from collections import Counter
from functools import lru_cache
from importlib.metadata import version

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

TOKEN = re.compile(
    r"\d+(?:\(\w{1,4}\))+"  # list rows and sub-items: 3(1), 7(19), 2(1)(i)(he)
    r"|\d{2,7}-\d{2}-\d"  # CAS numbers
    r"|[a-z]+\d+[a-z]*(?:\.[a-z0-9]+)?"  # case and entry ids: ds590
    r"|\d+[a-z]+\d*(?:\.[a-z])?"  # list entries: 3c002, 1c350, 1c009.b
    r"|[a-z]+|\d+"
    r"|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+"  # runs of Japanese / Korean script
)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
STOPWORDS = frozenset(STOPWORDS_EN) | {"s", "me", "my", "i"}
_STEMMER = Stemmer.Stemmer("english")
FAMILY_PREFIX = 6  # letters two words of one family share (respond, response; fluorin-)


# The course writes British English; a question in American spelling ("license", "defense",
# "program") must match it word for word too, not only by meaning.
BRITISH_STEMS = {"licens": "licenc", "defens": "defenc", "program": "programm"}

# word -> stem, for every word stemmed in this process or stored by an earlier one
# (`preload_stems`): a new process then stems the corpus without the lemmatizer, whose
# dictionary takes a third of a second to load. Bounded, since questions bring new words.
_STEMS: dict[str, str] = {}
_STEMS_LOCK = threading.Lock()  # inserts and copies; lookups need none
MAX_STEMS = 200_000


def _stem(word: str) -> str:
    stem = _STEMS.get(word)
    if stem is None:
        stem = _lemma_stem(word)
        with _STEMS_LOCK:
            if len(_STEMS) < MAX_STEMS:
                _STEMS[word] = stem
    return stem


def _lemma_stem(word: str) -> str:
    """Lemma first (withdrew -> withdraw, held -> hold), then the stem (licences -> licenc)."""
    import simplemma  # only for a word no stored stem covers (bench/README.md)

    stem = _STEMMER.stemWord(simplemma.lemmatize(word, lang="en"))
    return BRITISH_STEMS.get(stem, stem)


@lru_cache(maxsize=1)
def stemmer_id() -> str:
    """Names the stemming: both libraries' versions, this module's stemming code and its
    spelling map. Stored stems made under another name are not used."""
    compiled = _lemma_stem.__code__  # its bytecode: no source file needed (a wheel may lack it)
    code = compiled.co_code + repr(
        (compiled.co_consts, compiled.co_names, sorted(BRITISH_STEMS.items()))
    ).encode()
    return (
        f"simplemma {version('simplemma')}, PyStemmer {version('PyStemmer')}, "
        f"code {hashlib.sha256(code).hexdigest()[:12]}"
    )


def preload_stems(stems: dict[str, str]) -> None:
    """Stems stored by an earlier process (`bot.retrieval.disk_cache`)."""
    with _STEMS_LOCK:
        for word, stem in stems.items():
            if len(_STEMS) >= MAX_STEMS:
                break
            _STEMS.setdefault(word, stem)


def known_stems() -> dict[str, str]:
    with _STEMS_LOCK:
        return dict(_STEMS)


def stems_known() -> int:
    return len(_STEMS)


def tokenize(text: str) -> list[str]:
    """Lower-case stemmed tokens (granted = grant, licences = licence); identifiers kept whole;
    CJK runs also give their character bigrams (no spaces there)."""
    return list(_tokens(text))


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    """Cached: every answer tokenizes the sentences of its retrieved chunks again, and the
    corpus's few thousand sentences recur from question to question (a sixth of a warm
    answer's time, profiled)."""
    tokens: list[str] = []
    for token in TOKEN.findall(text.lower()):
        if token in STOPWORDS:
            continue
        tokens.append(_stem(token) if token.isalpha() and token.isascii() else token)
        if "(" in token:  # "48(1)" must also match a question about "Article 48"
            tokens.append(token.split("(", 1)[0])
        if len(token) > 2 and re.match(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", token):
            tokens.extend(token[i : i + 2] for i in range(len(token) - 1))
    return tuple(tokens)


class LexicalIndex:
    """A BM25 index over chunk texts; positions line up with the `ids` list."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        self.ids = ids
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(t) or ["\u2205"] for t in texts]
        self._bm25.index(corpus, show_progress=False)
        self._vocab = set(self._bm25.vocab_dict)
        self._df = Counter(token for tokens in corpus for token in set(tokens))
        self._prefixes = {t[:FAMILY_PREFIX] for t in self._df if len(t) >= FAMILY_PREFIX}
        self._n = len(corpus)

    def knows(self, token: str) -> bool:
        return token in self._df

    def knows_family(self, token: str) -> bool:
        """Known, or a word of a known family ("respond" beside "response"): a related word
        is not a sign of a topic the course lacks, only of other phrasing."""
        return token in self._df or (
            len(token) >= FAMILY_PREFIX and token[:FAMILY_PREFIX] in self._prefixes
        )

    def idf(self, token: str) -> float:
        """How telling a term is; a term the corpus never uses gets the highest weight."""
        return math.log((self._n + 1) / (self._df.get(token, 0) + 0.5))

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) with score > 0."""
        tokens = [t for t in tokenize(query) if t in self._vocab]
        if not tokens or not self.ids:
            return []
        scores = self._bm25.get_scores(tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
