"""Sentence embeddings from the ONNX export, with onnxruntime and the model's own tokenizer.

The query path (`bot ask`, the app, the evaluator, the checker) embeds one short question at a
time: this encoder loads in a fraction of a second and embeds a question in a few
milliseconds, without importing torch. Its vectors match sentence-transformers' (the export is
checked; see `bot.ingest.model_export`), so an index built with either encoder serves both.

Same face as `SentenceEmbeddings`: `encode`/`dimension` (L2-normalised float32 rows) and
LangChain's `embed_documents`/`embed_query`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


class OnnxEmbeddings(Embeddings):
    """Normalised sentence vectors from an exported mean-pooled model; thread-safe."""

    def __init__(
        self,
        model_file: Path | str,
        tokenizer_file: Path | str,
        max_length: int = 256,
        batch_size: int = 16,
        threads: int = 0,
        fingerprint: str = "",
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.batch_size = max(1, batch_size)
        # Names this encoder for vectors kept on disk (`bot.retrieval.disk_cache`): the graph's
        # sha256, given by the caller that checked the export.
        self.fingerprint = fingerprint
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # The shipped tokenizer.json pads and truncates to 128; sentence-transformers truncates
        # at the model's max_seq_length (256) and pads each batch to its longest text.
        self._tokenizer.enable_truncation(max_length)
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        if threads > 0:
            options.intra_op_num_threads = threads
        # Idle worker threads sleep instead of spinning: under many users the spinning would
        # take CPU from the requests that wait for it.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        self._output = self._session.get_outputs()[0].name
        width = self._session.get_outputs()[0].shape[-1]
        self._dimension = width if isinstance(width, int) else len(self._run([[101, 102]])[0])
        log.info("ONNX embeddings from %s (%d dimensions)", model_file, self._dimension)

    @property
    def dimension(self) -> int:
        return self._dimension

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        """One padded batch of token ids -> normalised vectors."""
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self._session.run([self._output], feed)[0]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors in input order; batches hold texts of similar length (less padding)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._run([self._tokenizer.encode(texts[0]).ids]).astype(np.float32)
        rows = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            out[chosen] = self._run([rows[i] for i in chosen])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
