"""The hybrid index as a LangChain retriever, for chains and evaluators that take one.

Kept apart from `bot.retrieval.hybrid` because LangChain's `BaseRetriever` brings its tracing
stack with it, which the tutor's own question path does not need.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.retrieval.hybrid import RetrieverMode, SearchIndex


class HybridRetriever(BaseRetriever):
    """LangChain face of `SearchIndex`, so chains and evaluators can use it like any retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: SearchIndex
    k: int = 6
    mode: RetrieverMode = "hybrid"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.index.search(query, None, self.k, self.mode)
        return [
            Document(
                id=h.chunk_id,
                page_content=h.text,
                metadata={**h.metadata, "score": h.score, "rank": h.rank},
            )
            for h in hits
        ]
