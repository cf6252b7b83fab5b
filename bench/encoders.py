"""Benchmark: which encoder embeds faster here, sentence-transformers (torch) or the ONNX export?

Two jobs, both timed for both encoders in the same run, interleaved repeat by repeat so load
elsewhere on the machine hits both alike:

- indexing: `encode(texts)` over every chunk text of the corpus (what an ingest embeds), in
  chunks/s; the ONNX encoder also at other batch sizes;
- questions: `encode([question])` for the answerable questions of evals/core.jsonl, one at a
  time (what each answer embeds first), p50 and p95 in ms.

The faster indexing encoder is the default of `BOT_INDEX_ENCODER` (bot/config.py).

    .venv/bin/python bench/encoders.py                 # 3 repeats
    .venv/bin/python bench/encoders.py --repeats 1 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import load_settings, offline_environment  # noqa: E402

TARGET_QUERY_P50_MS = 6.0


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def run(repeats: int, batch_sizes: list[int], threads: int, onnx_dir: Path) -> dict[str, Any]:
    from bench.answers import load_questions
    from bot.ingest.chunking import chunk_documents
    from bot.ingest.documents import load_corpus
    from bot.ingest.model_export import ensure_export
    from bot.retrieval.embeddings import shared_embeddings
    from bot.retrieval.onnx_embeddings import OnnxEmbeddings

    settings = load_settings(onnx_dir=str(onnx_dir))
    exported = ensure_export(settings)
    chunks = chunk_documents(load_corpus(settings.corpus_dir), settings.chunk_max_chars)
    texts = [c.embedding_text() for c in chunks]
    questions = [q for q, _ in load_questions(ROOT / "evals" / "core.jsonl")]
    encoders: dict[str, Any] = {"torch": shared_embeddings(settings.embedding_model)}
    for size in batch_sizes:
        encoders[f"onnx (batch {size})"] = OnnxEmbeddings(  # indexing: every core
            exported.model_file, exported.tokenizer_file, exported.max_length, size, 0
        )
    for encoder in encoders.values():
        encoder.encode(texts[:8])  # warm up
    seconds: dict[str, list[float]] = {name: [] for name in encoders}
    query_ms: dict[str, list[float]] = {"torch": [], "onnx": []}
    one_question = OnnxEmbeddings(  # as the app embeds questions (BOT_EMBED_THREADS)
        exported.model_file, exported.tokenizer_file, exported.max_length, threads=threads
    )
    query_encoders = {"torch": encoders["torch"], "onnx": one_question}
    one_question.encode(texts[:1])  # warm up
    for _ in range(repeats):
        for name, encoder in encoders.items():
            started = time.perf_counter()
            encoder.encode(texts)
            seconds[name].append(time.perf_counter() - started)
        for question in questions:
            for name, encoder in query_encoders.items():
                started = time.perf_counter()
                encoder.encode([question])
                query_ms[name].append((time.perf_counter() - started) * 1000)
    return {
        "chunks": len(texts),
        "questions": len(questions),
        "repeats": repeats,
        "threads": threads,
        "index_chunks_per_s": {n: len(texts) / statistics.median(s) for n, s in seconds.items()},
        "query_p50_ms": {n: statistics.median(v) for n, v in query_ms.items()},
        "query_p95_ms": {n: _p95(v) for n, v in query_ms.items()},
    }


def table(result: dict[str, Any]) -> str:
    torch_rate = result["index_chunks_per_s"]["torch"]
    lines = ["| encoder | index (chunks/s) | vs torch |", "|---|---|---|"]
    for name, rate in result["index_chunks_per_s"].items():
        lines.append(f"| {name} | {rate:.1f} | {rate / torch_rate:.2f}× |")
    p50, p95 = result["query_p50_ms"], result["query_p95_ms"]
    lines += [
        "",
        "| one question | p50 (ms) | p95 (ms) | target p50 |",
        "|---|---|---|---|",
        f"| torch | {p50['torch']:.2f} | {p95['torch']:.2f} | |",
        f"| onnx | {p50['onnx']:.2f} | {p95['onnx']:.2f} | ≤ {TARGET_QUERY_P50_MS:.0f} ms "
        f"{'met' if p50['onnx'] <= TARGET_QUERY_P50_MS else '**missed**'} |",
        f"| onnx / torch | {p50['onnx'] / p50['torch']:.2f}× | {p95['onnx'] / p95['torch']:.2f}× "
        "| |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--threads", type=int, default=1,
                        help="onnxruntime threads per question (indexing uses every core)")
    parser.add_argument("--onnx-dir", type=Path, default=None, help="reuse an export here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    offline_environment()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-encoders-") as tmp:
        result = run(args.repeats, args.batch_sizes, args.threads, args.onnx_dir or Path(tmp))
    result["load_average_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"{result['chunks']} chunks, {result['questions']} questions, {args.repeats} repeat(s), "
        f"{os.cpu_count()} CPUs, 1-min load average {result['load_average_before_after'][0]} "
        f"before / {result['load_average_before_after'][1]} after; medians over repeats.\n"
    )
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
