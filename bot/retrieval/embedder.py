"""What the answer logic needs from an embedding model, and a fake one for fast unit tests.

Question typing, sentence choice, overviews and the scope model only need "turn texts into
unit vectors". Behind this protocol the real model (sentence-transformers or ONNX) serves the
app, while unit tests use `HashingEmbedder`: deterministic, instant, and close enough in
behaviour (texts that share words get similar vectors) to test the logic in milliseconds.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol, runtime_checkable

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")


@runtime_checkable
class Embedder(Protocol):
    """L2-normalised float32 rows, one per text; cosine similarity is then a dot product."""

    def encode(self, texts: list[str]) -> np.ndarray: ...

    @property
    def dimension(self) -> int: ...


class HashingEmbedder:
    """Bag of hashed words and word pairs: deterministic and fast, for unit tests only.

    Not a language model: "licence" and "permit" are unrelated to it. Tests that need
    paraphrase understanding use the real model.
    """

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def _bucket(self, feature: str) -> int:
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") % self._dimension

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            words = _WORD.findall(text.lower())
            for word in words:
                row[self._bucket(word)] += 1.0
            for pair in zip(words, words[1:], strict=False):
                row[self._bucket(" ".join(pair))] += 0.5
            norm = float(np.linalg.norm(row))
            if norm:
                row /= norm
        return rows
