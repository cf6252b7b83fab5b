"""What the query path keeps on disk between processes, so `bot ask` does not start cold.

Two things are computed again by every new process for the same corpus, and both are pure
functions of their input and of a named piece of code:

- sentence vectors: a question's first answer embeds every candidate sentence of its passages.
  The file records which encoder made them (the ONNX graph's sha256, or the
  sentence-transformers model and version), so vectors of another encoder are never mixed in;
- word stems for BM25: opening the index stems every word of the corpus, and the lemmatizer's
  dictionary alone takes a third of a second to load. The file records the lemmatizer's and
  stemmer's versions and the stemming code, so a change to any of them starts it afresh.

Each file is written whole to a temporary file that is then renamed over the old one: a crash,
a full disk or a second process writing at the same moment leaves one whole file, never a torn
one, and an unreadable file is ignored (the values are computed again), never fatal.
bench/README.md ("What a new process no longer recomputes") has the figures.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace `path` with `data` in one rename; False (and a warning) when it cannot."""
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from other app users
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("could not write %s: %s", path, exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        return False


# -- sentence vectors -------------------------------------------------------------------------
def vectors_file(folder: Path, encoder: str) -> Path:
    """One file per encoder: the ONNX and torch paths (or two exports) never overwrite each
    other's vectors."""
    return folder / f"{hashlib.sha256(encoder.encode()).hexdigest()[:16]}.npz"


def load_vectors(path: Path, encoder: str) -> dict[str, np.ndarray]:
    """The stored vectors by sentence text; empty when the file is absent, unreadable or made
    by another encoder."""
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["encoder"]) != encoder:
                log.info("%s holds another encoder's vectors; not used", path)
                return {}
            texts, vectors = stored["texts"], stored["vectors"]
            if len(texts) != len(vectors):
                raise ValueError("texts and vectors differ in length")
            return {str(t): v for t, v in zip(texts, vectors, strict=True)}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("ignoring unreadable sentence vectors %s: %s", path, exc)
        return {}


def save_vectors(path: Path, encoder: str, vectors: Mapping[str, np.ndarray]) -> bool:
    """Replace the file with `vectors`; False (and a warning) when it cannot be written."""
    if not vectors:
        return True
    buffer = io.BytesIO()
    np.savez(
        buffer,
        encoder=np.array(encoder),
        texts=np.array(list(vectors)),
        vectors=np.stack(list(vectors.values())).astype(np.float32),
    )
    return write_atomically(path, buffer.getvalue())


# -- word stems -------------------------------------------------------------------------------
def load_stems(path: Path, stemmer: str) -> dict[str, str]:
    """word -> stem as stored by the same `stemmer`; empty when absent, unreadable or made by
    other stemming code."""
    if not path.is_file():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(stored, dict) or stored.get("stemmer") != stemmer:
            return {}
        stems = stored["stems"]
        if not isinstance(stems, dict):
            raise ValueError("'stems' is not a mapping")
        return {str(word): str(stem) for word, stem in stems.items()}
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        log.warning("ignoring unreadable word stems %s: %s", path, exc)
        return {}


def save_stems(path: Path, stemmer: str, stems: Mapping[str, str]) -> bool:
    data = {"stemmer": stemmer, "stems": dict(sorted(stems.items()))}
    return write_atomically(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
