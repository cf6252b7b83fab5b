"""Benchmark: the tutor with hybrid, dense-only and BM25-only retrieval, and a naive LangChain RAG.

The naive baseline is what a tutorial builds in ten lines: RecursiveCharacterTextSplitter
(1000/200) over the corpus Markdown bodies, a Chroma collection with the same embeddings model,
dense top-4, and the first chunk as the answer. It shows what the tutor's sentence-level
answers, as-of dates, refusals and hybrid retrieval are worth on the same evaluation items.

Usage:
    .venv/bin/python bench/retrievers.py                      # evals/core.jsonl
    .venv/bin/python bench/retrievers.py evals/part-law.jsonl --out out/bench
    BOT_DATA_DIR=/tmp/benchdata .venv/bin/python bench/retrievers.py --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.answering.dates import parse_as_of
from bot.answering.types import Answer, Citation
from bot.config import Settings, load_settings, offline_environment
from bot.errors import TutorError
from bot.evaluation.dataset import load_sets
from bot.evaluation.runner import EvalRun, RunOptions, evaluate

log = logging.getLogger("bench.retrievers")
NAIVE_K = 4
COLUMNS = (
    ("pass_rate", "pass rate"),
    ("correctness", "correct"),
    ("hit_at_k", "hit@k"),
    ("mrr", "MRR"),
    ("ndcg_at_k", "nDCG@k"),
    ("refusal_accuracy", "refusal acc"),
    ("latency_p50_ms", "p50 ms"),
    ("answer_chars_p50", "answer chars"),
)


class NaiveRag:
    """Dense top-4 over 1000/200 character chunks; answers with the first chunk, never refuses."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from bot.ingest.documents import load_corpus
        from bot.retrieval.embeddings import shared_embeddings

        self.settings = replace(settings, top_k=NAIVE_K, retriever="dense")
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        documents = load_corpus(settings.corpus_dir)
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
            embedding_function=shared_embeddings(settings.embedding_model),
            collection_metadata={"hnsw:space": "cosine"},
        )
        self.store.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
        log.info("naive baseline: %d documents, %d chunks", len(documents), len(chunks))

    def ask(self, question: str, options: Any = None) -> Answer:
        started = time.perf_counter()
        as_of = parse_as_of(getattr(options, "as_of", None))
        hits = self.store.similarity_search_with_score(question, k=NAIVE_K)
        retrieved = [
            {"rank": i + 1, "doc_id": d.metadata["doc_id"], "chunk_id": d.metadata["chunk_id"],
             "score": round(1 - float(distance), 5)}
            for i, (d, distance) in enumerate(hits)
        ]  # fmt: skip
        if not hits:
            text, citations = "", []
        else:
            first = hits[0][0]
            text = f"{first.page_content} [1]"
            citations = [
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
            ]
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


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if key.endswith(("_ms", "_chars_p50")) else f"{value:.3f}"


def table(runs: dict[str, EvalRun]) -> str:
    header = ["system", "k", *(label for _, label in COLUMNS)]
    rows = [
        [name, str(run.config["k"]), *(_fmt(key, run.summary.get(key)) for key, _ in COLUMNS)]
        for name, run in runs.items()
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def warm_up(tutor: Any, dataset: Any, k: int | None) -> None:
    """Answer every item once, untimed, so the first system measured does not pay for filling
    the tutor's sentence cache (going through `ask` keeps this independent of its internals)."""
    evaluate(tutor, dataset, RunOptions(retriever="hybrid", k=k))


def run_all(files: list[str], k: int | None = None, out: Path | None = None) -> dict[str, EvalRun]:
    """Every system over the same items; writes one report folder per system if `out` is set."""
    from bot.answering.tutor import Tutor
    from bot.evaluation.report import write_reports
    from bot.ingest.indexer import ingest

    settings = load_settings()
    dataset = load_sets(files)
    for problem in dataset.problems:
        print(problem, file=sys.stderr)
    ingest(settings, progress=False)  # incremental: a no-op when the index is current
    tutor = Tutor(settings)
    warm_up(tutor, dataset, k)
    runs: dict[str, EvalRun] = {}
    for mode in ("hybrid", "dense", "bm25"):
        started = time.perf_counter()
        runs[mode] = evaluate(tutor, dataset, RunOptions(retriever=mode, k=k, system=mode))
        log.info("%s: %.1f s", mode, time.perf_counter() - started)
    with tempfile.TemporaryDirectory(prefix="bench-naive-") as folder:
        naive = NaiveRag(settings, Path(folder))
        runs["naive-langchain"] = evaluate(naive, dataset, RunOptions(system="naive-langchain"))
    if out is not None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for name, run in runs.items():
            write_reports(run, out / f"{stamp}-{name}")
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=["evals/core.jsonl"], help="Sets to run.")
    parser.add_argument("--k", type=int, default=None, help="Passages for the tutor's runs.")
    parser.add_argument("--out", type=Path, default=None, help="Write a report per system.")
    parser.add_argument("--json", action="store_true", help="Print the summaries as JSON.")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    offline_environment()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        runs = run_all(args.files, args.k, args.out)
    except TutorError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({name: run.summary for name, run in runs.items()}, indent=1))
    else:
        n = next(iter(runs.values())).summary["n_items"]
        print(f"{n} items from {', '.join(args.files)}\n")
        print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
