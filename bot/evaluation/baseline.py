"""The naive LangChain RAG every figure is reported beside, on the same items in the same run.

It is what a tutorial builds in ten lines: RecursiveCharacterTextSplitter (1000/200) over the
documents' text, a Chroma collection with the same embedding model, dense top-4, and the whole
first chunk as the answer; it never refuses and ignores dates. A tutor that cannot beat it on a
set has not earned its extra machinery there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.answering.types import Answer, Citation
from bot.config import Settings
from bot.dates import parse_as_of
from bot.ingest.documents import SourceDocument

NAIVE_K = 4
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


class NaiveRag:
    """Dense top-4 over 1000/200 character chunks; answers with the first chunk."""

    def __init__(
        self, settings: Settings, folder: Path, documents: Sequence[SourceDocument]
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from bot.retrieval.embeddings import query_embeddings

        self.settings = settings
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        chunks = splitter.split_documents(
            [
                Document(page_content=d.text, metadata={"doc_id": d.id, "title": d.title})
                for d in documents
            ]  # fmt: skip
        )
        for i, chunk in enumerate(chunks):
            chunk.metadata["chunk_id"] = f"naive-{i}"
        client = chromadb.PersistentClient(
            path=str(folder), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self.store = Chroma(
            client=client,
            collection_name="naive",
            embedding_function=query_embeddings(settings),
            collection_metadata={"hnsw:space": "cosine"},
        )
        self.store.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
        self.chunk_count = len(chunks)

    def ask(self, question: str, options: Any = None) -> Answer:
        started = time.perf_counter()
        as_of = parse_as_of(getattr(options, "as_of", None))
        hits = self.store.similarity_search_with_score(question, k=NAIVE_K)
        retrieved = [
            {"rank": i + 1, "doc_id": d.metadata["doc_id"], "chunk_id": d.metadata["chunk_id"],
             "score": round(1 - float(distance), 5)}
            for i, (d, distance) in enumerate(hits)
        ]  # fmt: skip
        citations: list[Citation] = []
        text = ""
        if hits:
            first = hits[0][0]
            text = f"{first.page_content} [1]"
            citations.append(
                Citation(
                    n=1,
                    doc_id=first.metadata["doc_id"],
                    title=first.metadata["title"],
                    section="",
                    source_url="",
                    quote=first.page_content,
                    score=retrieved[0]["score"],
                    chunk_id=first.metadata["chunk_id"],
                    chunk_text=first.page_content,
                )
            )
        return Answer(
            question=question,
            as_of=as_of,
            answer=text,
            refused=False,
            citations=citations,
            retrieved=retrieved,
            timings_ms={"total": round((time.perf_counter() - started) * 1000, 2)},
            mode="naive",
        )
