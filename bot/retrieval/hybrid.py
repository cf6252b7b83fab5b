"""Hybrid retrieval: dense (Chroma) and BM25, fused by reciprocal-rank fusion.

Dense search finds paraphrases; BM25 finds exact identifiers. RRF needs no score calibration
between the two, which is why it is the usual way to combine them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from bot.config import Settings
from bot.dates import mentioned_dates
from bot.retrieval import store
from bot.retrieval.abbreviations import defined_abbreviations
from bot.retrieval.disk_cache import load_stems, save_stems
from bot.retrieval.embedder import Embedder
from bot.retrieval.lexical import (
    LexicalIndex,
    known_stems,
    preload_stems,
    stemmer_id,
    stems_known,
)
from bot.retrieval.spelling import Speller

log = logging.getLogger(__name__)
MAX_STORED_STEMS = 50_000  # word stems kept on disk (`save_new_stems`)

RetrieverMode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
# Below this cosine a dense "match" is noise (a bare "Article 48" is close to nothing), and
# letting it vote in the fusion would push the exact BM25 match down.
DENSE_FLOOR = 0.25
# Queries with identifiers (digits: rows, articles, case numbers) trust the exact match more.
IDENTIFIER_LEXICAL_WEIGHT = 2.0
POINTER_CHECK_SECONDS = 2.0
LOAD_PAGE = 5000


@dataclass
class Hit:
    """One retrieved chunk with the scores that ranked it."""

    chunk_id: str
    metadata: dict[str, Any]
    score: float
    dense: float | None = None
    lexical: float | None = None
    rank: int = 0

    @property
    def doc_id(self) -> str:
        return str(self.metadata["doc_id"])

    @property
    def text(self) -> str:
        return str(self.metadata["chunk_text"])


@dataclass
class _Snapshot:
    generation: str
    collection: Any
    metadatas: dict[str, dict[str, Any]]
    lexical: LexicalIndex
    positions: dict[tuple[str, int], str]  # (doc id, chunk index) -> chunk id
    documents: dict[str, dict[str, Any]]  # doc id -> its first chunk's metadata
    speller: Speller
    dates: dict[dt.date, list[str]]  # day -> chunks that name it
    chunk_ids: dict[str, str] = field(default_factory=dict)  # Chroma record id -> chunk id
    abbreviations: dict[str, str] = field(default_factory=dict)  # "HF" -> "Hydrogen fluoride"


class SearchIndex:
    """The live index generation, reloaded when an ingest moves the pointer."""

    def __init__(self, settings: Settings, embeddings: Embedder) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self._client = store.open_client(settings)
        self._lock = threading.Lock()
        self._checked = 0.0
        self._stems_file: Path | None = settings.stems_file
        preload_stems(load_stems(self._stems_file, stemmer_id()))
        self._stems_saved = stems_known()
        self._snapshot = self._load()

    def _load(self) -> _Snapshot:
        pointer, collection = store.open_current(self._client, self.settings)
        metadatas: dict[str, dict[str, Any]] = {}
        chunk_ids: dict[str, str] = {}
        total = collection.count()
        for offset in range(0, total, LOAD_PAGE):  # one big get() hits SQLite's variable limit
            got = collection.get(include=["metadatas"], limit=LOAD_PAGE, offset=offset)
            metadatas.update((m["chunk_id"], dict(m)) for m in got["metadatas"])
            chunk_ids.update(
                zip(got["ids"], (m["chunk_id"] for m in got["metadatas"]), strict=True)
            )
        ids = list(metadatas)
        texts = [f"{m['title']} {m['section']} {m['chunk_text']}" for m in metadatas.values()]
        log.info("loaded index generation %s (%d chunks)", pointer["generation"], len(ids))
        positions = {(m["doc_id"], int(m["chunk_index"])): cid for cid, m in metadatas.items()}
        documents: dict[str, dict[str, Any]] = {}
        for meta in metadatas.values():
            documents.setdefault(meta["doc_id"], meta)
        lexical = LexicalIndex(ids, texts)
        self.save_new_stems()
        return _Snapshot(
            pointer["generation"],
            collection,
            metadatas,
            lexical,
            positions,
            documents,
            Speller(texts),
            _date_index(metadatas),
            chunk_ids,
            defined_abbreviations(
                (str(m["chunk_text"]), str(m["sentences"])) for m in metadatas.values()
            ),
        )

    def save_new_stems(self) -> None:
        """Store the stems this process added (the corpus's, then new words of questions), so
        the next process stems nothing it has seen; a file that cannot be written stops
        further attempts."""
        if self._stems_file is None or stems_known() <= self._stems_saved:
            return
        if stems_known() > MAX_STORED_STEMS:
            # A flood of new words (a corpus this size has a few thousand): stop rewriting a
            # growing file after every answer; the stored stems keep serving.
            log.info("more than %d word stems: no longer stored", MAX_STORED_STEMS)
            self._stems_file = None
            return
        stems = known_stems()
        if save_stems(self._stems_file, stemmer_id(), stems):
            self._stems_saved = len(stems)
        else:
            self._stems_file = None

    def snapshot(self) -> _Snapshot:
        """The current generation; checks the pointer at most every couple of seconds."""
        now = time.monotonic()
        if now - self._checked > POINTER_CHECK_SECONDS:
            with self._lock:
                self._checked = now
                pointer = store.current_generation(self._client, self.settings)
                if pointer and pointer["generation"] != self._snapshot.generation:
                    self._snapshot = self._load()
        return self._snapshot

    def chunks_mentioning(self, days: Sequence[dt.date], present: list[Hit]) -> list[Hit]:
        """Chunks that name one of `days`: "what happened on 22 November 2019?" is about the
        day itself, which neither embeddings nor BM25 (every date shares its year) rank well."""
        snap = self.snapshot()
        have = {h.chunk_id for h in present}
        extra = [
            Hit(chunk_id, snap.metadatas[chunk_id], 0.0, rank=len(present) + 1)
            for day in days
            for chunk_id in snap.dates.get(day, ())
            if chunk_id not in have
        ]
        return present + list({h.chunk_id: h for h in extra}.values())

    def names(self, phrase: str) -> bool:
        """True when some passage contains `phrase` (whole words, any case): a product the
        checker does not know may still be described by a document the user added."""
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
        return any(pattern.search(str(m["chunk_text"])) for m in self.snapshot().metadatas.values())

    def with_lead_chunks(self, hits: list[Hit]) -> list[Hit]:
        """Add the opening chunk of each retrieved document, at that document's rank: a
        document states its topic or status first ("From 28 August 2019 to 20 July 2023, South
        Korea was not in Group A"), and a question may retrieve only a later chunk of it."""
        return self._with_chunks(hits, hits, lambda hit: 0)

    def with_next_chunks(self, hits: list[Hit], top: int = 3) -> list[Hit]:
        """Add the chunk that follows each of the top hits: a sentence that announces a list
        ("Japan named three conditions.") often has the list in the next chunk."""
        return self._with_chunks(hits, hits[:top], lambda hit: int(hit.metadata["chunk_index"]) + 1)

    def _with_chunks(
        self, hits: list[Hit], sources: list[Hit], index_of: Callable[[Hit], int]
    ) -> list[Hit]:
        """`hits` plus, for each source hit, the chunk at `index_of(hit)` in its document,
        ranked with that hit (each chunk once)."""
        snap = self.snapshot()
        present = {h.chunk_id for h in hits}
        extra: list[Hit] = []
        for hit in sources:
            chunk_id = snap.positions.get((hit.doc_id, index_of(hit)))
            if chunk_id and chunk_id not in present:
                present.add(chunk_id)
                extra.append(Hit(chunk_id, snap.metadatas[chunk_id], 0.0, rank=hit.rank))
        return hits + extra

    @property
    def chunk_count(self) -> int:
        return len(self.snapshot().metadatas)

    def documents(self) -> dict[str, dict[str, Any]]:
        """One metadata record per document (for browsing sources and the scope check, which
        runs on every question: gathered once per generation, not per call)."""
        return dict(self.snapshot().documents)

    def search(
        self,
        query: str,
        query_vector: np.ndarray | None,
        k: int,
        mode: RetrieverMode = "hybrid",
    ) -> list[Hit]:
        snap = self.snapshot()
        fetch = max(k * 3, 20)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            if query_vector is None:
                query_vector = self.embeddings.encode([query])[0]
            n = min(fetch, len(snap.metadatas))
            if n:
                # Ids and distances only: the metadata is already in memory, and reading and
                # decoding three dozen records per question was most of the query's cost.
                res = snap.collection.query(
                    query_embeddings=[query_vector.tolist()],
                    n_results=n,
                    include=["distances"],
                )
                dense = [
                    (snap.chunk_ids[i], 1.0 - float(d))
                    for i, d in zip(res["ids"][0], res["distances"][0], strict=True)
                    if i in snap.chunk_ids and (mode == "dense" or 1.0 - float(d) >= DENSE_FLOOR)
                ]
        if mode in ("hybrid", "bm25"):
            lexical = snap.lexical.search(query, fetch)
        lexical_weight = IDENTIFIER_LEXICAL_WEIGHT if any(ch.isdigit() for ch in query) else 1.0
        fused: dict[str, float] = {}
        for ranking, weight in ((dense, 1.0), (lexical, lexical_weight)):
            for rank, (chunk_id, _) in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)
        dense_scores, lexical_scores = dict(dense), dict(lexical)
        ordered = sorted(fused, key=lambda c: -fused[c])[:k]
        return [
            Hit(
                chunk_id=c,
                metadata=snap.metadatas[c],
                score=fused[c],
                dense=dense_scores.get(c),
                lexical=lexical_scores.get(c),
                rank=i + 1,
            )
            for i, c in enumerate(ordered)
            if c in snap.metadatas
        ]


def _date_index(metadatas: dict[str, dict[str, Any]]) -> dict[dt.date, list[str]]:
    index: dict[dt.date, list[str]] = {}
    for chunk_id, meta in metadatas.items():
        for day in set(mentioned_dates(str(meta["chunk_text"]))):
            index.setdefault(day, []).append(chunk_id)
    return index


def __getattr__(name: str):  # noqa: ANN202
    """`HybridRetriever` lives in `bot.retrieval.langchain_retriever`: LangChain's retriever
    base class imports its tracing stack (langsmith), about a third of a second that the
    tutor's own answers never use (bench/imports.py)."""
    if name == "HybridRetriever":
        from bot.retrieval.langchain_retriever import HybridRetriever

        return HybridRetriever
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
