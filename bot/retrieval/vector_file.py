"""Sentence vectors kept on disk between processes, so `bot ask` does not start cold each time.

A question's first answer embeds every candidate sentence of its passages: most of a cold
`bot ask`'s answer time (bench/README.md, "Sentence vectors on disk"). The corpus repeats from
question to question and from process to process, so the vectors one process computed serve
the next. The file records which encoder made them (the ONNX graph's sha256, or the
sentence-transformers model and version): vectors of another encoder are never mixed in.

It is written whole to a temporary file that is then renamed over the old one: a crash, a full
disk or a second process writing at the same moment leaves one whole file, never a torn one,
and an unreadable file is ignored (the vectors are computed again), never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


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
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            np.savez(
                out,
                encoder=np.array(encoder),
                texts=np.array(list(vectors)),
                vectors=np.stack(list(vectors.values())).astype(np.float32),
            )
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from other app users
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("could not write sentence vectors to %s: %s", path, exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        return False
