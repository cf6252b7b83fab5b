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
from pathlib import Path
from typing import Any

from bot.config import load_settings, offline_environment
from bot.errors import TutorError
from bot.evaluation.baseline import NaiveRag
from bot.evaluation.dataset import load_sets
from bot.evaluation.runner import EvalRun, RunOptions, evaluate

log = logging.getLogger("bench.retrievers")
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
    from bot.ingest.indexer import collect_documents, ingest

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
        documents, _ = collect_documents(settings)
        naive = NaiveRag(settings, Path(folder), documents)
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
