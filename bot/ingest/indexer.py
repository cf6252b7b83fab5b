"""Build or update the index: incremental, locked, and safe to interrupt.

LangChain's indexing API with a SQL record manager decides what to embed (unchanged chunks are
skipped, removed documents are cleaned up). Each run writes a new generation and moves the
pointer only at the end, so a killed ingest leaves the previous index serving questions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from bot.config import Settings
from bot.errors import IndexBusyError
from bot.ingest.chunking import CHUNKER_VERSION, Chunk, chunk_documents
from bot.ingest.documents import SourceDocument, load_corpus
from bot.ingest.lease import IngestLease
from bot.ingest.loaders import SkippedFile, load_file, load_files
from bot.retrieval import store

log = logging.getLogger(__name__)
NAMESPACE = "tutor-chunks"
COPY_BATCH = 500


@dataclass
class IngestReport:
    """What an ingest did, for the CLI, the tests and the benchmark."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    embedded: int = 0
    up_to_date: bool = False
    generation: str = ""
    seconds: float = 0.0
    skipped_files: list[SkippedFile] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class _CountingEmbeddings(Embeddings):
    """Counts and shows what really gets embedded (the slow part of an ingest)."""

    def __init__(self, inner: Embeddings, bar: Any) -> None:
        self.inner = inner
        self.bar = bar
        self.count = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.inner.embed_documents(texts)
        self.count += len(texts)
        if self.bar is not None:
            self.bar.update(len(texts))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def added_dir(settings: Settings) -> Path:
    return settings.data_dir / "added"


def _records_path(settings: Settings, generation: str) -> Path:
    return settings.data_dir / "records" / f"{generation}.sqlite"


def add_user_files(
    settings: Settings, paths: Sequence[Path]
) -> tuple[list[Path], list[SkippedFile]]:
    """Copy readable files into the data folder, so the index never depends on their origin."""
    target = added_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    skipped: list[SkippedFile] = []
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for path in files:
        try:
            load_file(path, max_bytes=settings.max_file_bytes)
        except Exception as exc:  # every bad file is reported and skipped, never fatal
            skipped.append(SkippedFile(str(path), str(exc)))
            continue
        dest = target / path.name
        shutil.copyfile(path, dest)
        copied.append(dest)
    return copied, skipped


def collect_documents(settings: Settings) -> tuple[list[SourceDocument], list[SkippedFile]]:
    docs = load_corpus(settings.corpus_dir)
    extra, skipped = load_files([added_dir(settings)], max_bytes=settings.max_file_bytes)
    return docs + extra, skipped


def to_langchain(chunks: Iterable[Chunk]) -> list[Document]:
    return [Document(page_content=c.embedding_text(), metadata=c.metadata()) for c in chunks]


def fingerprint(chunks: Sequence[Chunk], settings: Settings) -> str:
    """Changes whenever any chunk, its metadata, the chunker or the model changes."""
    digest = hashlib.sha256(f"{CHUNKER_VERSION}|{settings.embedding_model}".encode())
    for chunk in chunks:
        digest.update(json.dumps(chunk.metadata(), sort_keys=True).encode())
    return digest.hexdigest()


def sources_stamp(settings: Settings) -> str:
    """Names, sizes and modification times of everything an ingest reads, and of the code that
    chunks it: when this matches the last ingest's, the corpus need not be read and chunked again
    just to find its fingerprint unchanged (about half a second of every app start)."""
    digest = hashlib.sha256(
        f"{CHUNKER_VERSION}|{settings.embedding_model}|{settings.chunk_max_chars}".encode()
    )
    code = sorted(Path(__file__).parent.glob("*.py"))
    corpus = sorted(settings.corpus_dir.glob("*.md")) if settings.corpus_dir.is_dir() else []
    added = added_dir(settings)
    extra = sorted(p for p in added.rglob("*") if p.is_file()) if added.is_dir() else []
    for path in [*code, *corpus, *extra]:
        stat = path.stat()
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _stamp_file(settings: Settings) -> Path:
    return settings.data_dir / "sources-stamp.json"


def _stamp_matches(settings: Settings, stamp: str, pointer: dict[str, Any]) -> bool:
    """True when the files are as the last ingest left them and the live generation is the one
    it found or built (another replica sharing a Chroma server may have moved it since)."""
    try:
        saved = json.loads(_stamp_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(saved, dict)
        and saved.get("stamp") == stamp
        and saved.get("fingerprint") == pointer.get("fingerprint")
    )


def _save_stamp(settings: Settings, stamp: str, print_fp: str) -> None:
    path = _stamp_file(settings)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"stamp": stamp, "fingerprint": print_fp}), encoding="utf-8")
    tmp.replace(path)


def _unchanged(report: IngestReport, pointer: dict[str, Any], started: float) -> IngestReport:
    """The report of an ingest that found the files as the live generation was built from."""
    report.up_to_date = True
    report.documents = int(pointer.get("documents", 0))
    report.chunks = report.skipped = int(pointer.get("chunks", 0))
    report.generation = pointer["generation"]
    report.seconds = time.perf_counter() - started
    return report


def _copy_collection(source, target) -> None:
    total = source.count()
    for offset in range(0, total, COPY_BATCH):
        got = source.get(
            limit=COPY_BATCH, offset=offset, include=["embeddings", "documents", "metadatas"]
        )
        target.add(
            ids=got["ids"],
            embeddings=got["embeddings"],
            documents=got["documents"],
            metadatas=got["metadatas"],
        )


def ingest(
    settings: Settings,
    *,
    paths: Sequence[Path] = (),
    rebuild: bool = False,
    embeddings: Embeddings | None = None,
    progress: bool = True,
) -> IngestReport:
    """Bring the index in line with the corpus (plus added files); see module docstring."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.data_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise IndexBusyError(
            "Another ingest is running on this index; wait for it to finish and try again."
        ) from exc
    if not settings.chroma_url:  # one machine: the file lock is the whole story
        try:
            return _ingest_locked(settings, paths, rebuild, embeddings, progress)
        finally:
            lock.release()
    try:  # the file lock is released even when the server cannot be reached
        client = store.open_client(settings)
        with IngestLease(client, settings) as lease:
            return _ingest_locked(
                settings, paths, rebuild, embeddings, progress, before_publish=lease.confirm
            )
    finally:
        lock.release()


def _new_generation(
    client: Any, settings: Settings, pointer: dict[str, Any] | None, rebuild: bool
) -> tuple[str, Any, Path]:
    """A fresh generation (collection and record file), seeded from the current one unless
    rebuilding, so unchanged chunks are not embedded again; leftovers of interrupted runs go."""
    generation = store.new_generation()
    keep = {store.generation_name(settings, generation)}
    if pointer:
        keep.add(store.generation_name(settings, pointer["generation"]))
    store.drop_generations(client, settings, keep)  # leftovers of interrupted runs
    target = store.open_generation(client, settings, generation)
    records = _records_path(settings, generation)
    records.parent.mkdir(parents=True, exist_ok=True)
    if pointer and not rebuild:
        old_records = _records_path(settings, pointer["generation"])
        if old_records.exists():
            shutil.copyfile(old_records, records)
            _copy_collection(store.open_current(client, settings)[1], target)
    return generation, target, records


def _index_chunks(
    client: Any, collection: str, records: Path, chunks: Sequence[Any], embeddings: Embeddings,
    progress: bool,
) -> tuple[dict[str, Any], int]:
    """LangChain's incremental indexing into `collection`; its result and the texts embedded."""
    # Imported only when there is something to index: LangChain's indexing API brings its
    # tracing stack (~0.45 s), which `make run`'s up-to-date check does not need.
    from langchain_chroma import Chroma
    from langchain_classic.indexes import SQLRecordManager
    from langchain_core.indexing import index
    from tqdm import tqdm

    bar = tqdm(total=len(chunks), desc="embedding", unit="chunk", disable=not progress)
    counting = _CountingEmbeddings(embeddings, bar)
    vectorstore = Chroma(
        client=client,
        collection_name=collection,
        embedding_function=counting,
        create_collection_if_not_exists=False,
    )
    manager = SQLRecordManager(NAMESPACE, db_url=f"sqlite:///{records}")
    manager.create_schema()
    result = index(
        to_langchain(chunks),
        manager,
        vectorstore,
        cleanup="full",
        source_id_key="doc_id",
        key_encoder="sha256",
        batch_size=256,
    )
    bar.close()
    return result, counting.count


def _ingest_locked(
    settings: Settings,
    paths: Sequence[Path],
    rebuild: bool,
    embeddings: Embeddings | None,
    progress: bool,
    before_publish: Callable[[], None] = lambda: None,
) -> IngestReport:
    """Index into a new generation and switch readers to it (or report it is up to date)."""
    started = time.perf_counter()
    report = IngestReport()
    if embeddings is None:
        # The ONNX export is part of the index: made at the first ingest, redone when missing
        # or stale (a quick stat check otherwise; --rebuild also rehashes it).
        from bot.ingest.model_export import ensure_export

        ensure_export(settings, verify_sha=rebuild)
    _, report.skipped_files = add_user_files(settings, paths)
    client = store.open_client(settings)
    pointer = store.current_generation(client, settings)
    stamp = sources_stamp(settings)
    if pointer and not rebuild and _stamp_matches(settings, stamp, pointer):
        return _unchanged(report, pointer, started)
    docs, skipped = collect_documents(settings)
    report.skipped_files += skipped
    chunks = chunk_documents(docs, settings.chunk_max_chars)
    report.documents, report.chunks = len(docs), len(chunks)
    print_fp = fingerprint(chunks, settings)
    if pointer and not rebuild and pointer.get("fingerprint") == print_fp:
        _save_stamp(settings, stamp, print_fp)
        return _unchanged(report, pointer, started)

    generation, target, records = _new_generation(client, settings, pointer, rebuild)
    if embeddings is None:
        from bot.retrieval.embeddings import index_embeddings

        embeddings = index_embeddings(settings)
    result, embedded = _index_chunks(client, target.name, records, chunks, embeddings, progress)
    report.added, report.updated = result["num_added"], result["num_updated"]
    report.deleted, report.skipped = result["num_deleted"], result["num_skipped"]
    report.embedded, report.generation = embedded, generation
    before_publish()  # a shared server's lease must still be ours before readers switch
    store.set_current_generation(
        client,
        settings,
        {
            "generation": generation,
            "fingerprint": print_fp,
            "documents": len(docs),
            "chunks": len(chunks),
            "model": settings.embedding_model,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    _save_stamp(settings, stamp, print_fp)
    # Keep the previous generation one more round: a reader may still be using it.
    _prune_records(settings, {generation, pointer["generation"] if pointer else generation})
    report.seconds = time.perf_counter() - started
    return report


def _prune_records(settings: Settings, keep: set[str]) -> None:
    for path in (settings.data_dir / "records").glob("*.sqlite"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)
