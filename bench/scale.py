"""Scale: query latency, build time, memory and disk at 10k and 100k chunks; 1M extrapolated.

The course corpus is a few hundred chunks; this asks what happens when an organisation loads
its whole document library. Chunks are synthetic: random unit 384-d vectors (the embedding
model's size) and short generated texts drawn from a Zipf-distributed vocabulary (so BM25 has
realistic postings). No text is embedded with the model: 100k encodes would take hours on this
machine and would not change the retrieval cost being measured.

What is timed is the tutor's own retrieval, `SearchIndex.search` (Chroma HNSW query + BM25 +
reciprocal-rank fusion) on an index written the way an ingest writes it (a generation plus the
pointer), with query vectors placed near a stored chunk so the dense side returns real
matches. Dense-only (the Chroma query) and BM25-only timings are reported beside it, and so is
the rest of the tutor's retrieve step, `with_next_chunks` (it maps every chunk's position on each
call). Each size runs in a fresh process, so its RSS is its own.

Extrapolation to 1M chunks (two-point fits through the 10k and 100k figures):
  - dense query ~ a + b·log n (HNSW search is logarithmic in n);
  - BM25 query ~ c + d·n (the scores of every chunk are computed and fully sorted);
  - next-chunk step ~ n (a dict of every chunk's position is rebuilt per question);
  - build, index load, RSS and disk ~ linear in n (vectors alone: n x 384 x 4 bytes, plus the
    HNSW graph and the metadata); HNSW insertion is really n·log n, so build is a lower bound.

    .venv/bin/python bench/scale.py                      # 10k and 100k, 200 queries each
    .venv/bin/python bench/scale.py --sizes 2000 --queries 50 --json
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

DIM = 384
VOCABULARY = 30_000
COURSE_WORDS = (
    "export", "licence", "control", "japan", "korea", "group", "white", "list", "resist",
    "hydrogen", "fluoride", "polyimide", "wto", "article", "order", "table", "catch-all",
    "end-user", "meti", "customs", "semiconductor", "regulation", "review", "item",
)  # fmt: skip
EXTRAPOLATE_TO = 1_000_000


def rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 1e6
    except ImportError:  # psutil is optional: read the kernel's figure instead
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1e3
    return float("nan")


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Words:
    """Zipf-distributed words: a few very common, a long tail of rare ones (as in prose)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        synthetic = [f"w{i}x" for i in range(VOCABULARY - len(COURSE_WORDS))]
        self.words = np.array(list(COURSE_WORDS) + synthetic)
        weights = 1.0 / np.arange(1, len(self.words) + 1) ** 1.1
        self.p = weights / weights.sum()

    def text(self, low: int, high: int) -> str:
        count = int(self.rng.integers(low, high))
        return " ".join(self.rng.choice(self.words, size=count, p=self.p))


class _NoEmbeddings:
    """Queries come with their vector; anything that tries to embed text is a bench bug."""

    def encode(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("scale bench: no text may be embedded")


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def measure(n: int, queries: int, seed: int, workdir: Path) -> dict[str, Any]:
    """Build an n-chunk index the way ingest does, then time `queries` searches on it."""
    from bot.config import load_settings
    from bot.retrieval import store
    from bot.retrieval.hybrid import SearchIndex

    rng = np.random.default_rng(seed)
    words = Words(rng)
    settings = load_settings({}, data_dir=workdir / "data", collection="scale")
    client = store.open_client(settings)
    rss_start = rss_mb()

    generation = store.new_generation()
    collection = store.open_generation(client, settings, generation)
    batch = min(client.get_max_batch_size(), 5000)
    targets = rng.choice(n, size=queries, replace=False)
    target_vectors: dict[int, np.ndarray] = {}
    build_s = 0.0
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        vectors = unit_vectors(rng, size)
        metadatas = []
        for i in range(offset, offset + size):
            text = words.text(15, 60) + "."
            metadatas.append({
                "chunk_id": f"c{i}", "doc_id": f"d{i // 20}", "chunk_index": i % 20,
                "title": f"Document {i // 20}", "section": words.text(1, 4),
                "chunk_text": text, "sentences": json.dumps([[0, len(text)]]),
                "valid_from": "", "valid_to": "", "published": "2020-01-01",
            })  # fmt: skip
        for i in targets[(targets >= offset) & (targets < offset + size)]:
            target_vectors[int(i)] = vectors[i - offset]
        started = time.perf_counter()
        collection.add(
            ids=[m["chunk_id"] for m in metadatas],
            embeddings=vectors,
            documents=[m["chunk_text"] for m in metadatas],
            metadatas=metadatas,
        )
        build_s += time.perf_counter() - started
    started = time.perf_counter()
    store.set_current_generation(
        client, settings, {"generation": generation, "fingerprint": "synthetic", "chunks": n}
    )
    build_s += time.perf_counter() - started
    del vectors, metadatas
    gc.collect()
    rss_built = rss_mb()

    started = time.perf_counter()
    index = SearchIndex(settings, _NoEmbeddings())  # type: ignore[arg-type]
    load_s = time.perf_counter() - started
    rss_loaded = rss_mb()

    # A query near a stored chunk (cosine ~0.8 to it), with a few words, some from its text.
    plan = []
    for i in targets:
        noisy = target_vectors[int(i)] + 0.04 * rng.standard_normal(DIM).astype(np.float32)
        own = index.snapshot().metadatas[f"c{i}"]["chunk_text"].split()[:3]
        plan.append((" ".join(own + words.text(2, 5).split()), noisy / np.linalg.norm(noisy)))
    snap = index.snapshot()
    fetch = 36  # what search() fetches for k = 12
    for text, vector in plan[:10]:  # warm-up: HNSW pages, caches
        index.search(text, vector, 12)
    hybrid, expand, dense, lexical, hits = [], [], [], [], []
    for text, vector in plan:
        started = time.perf_counter()
        found = index.search(text, vector, 12)
        hybrid.append((time.perf_counter() - started) * 1000)
        hits.append(bool(found))
        # The tutor's retrieve step also adds each top hit's next chunk (Tutor.ask does both).
        started = time.perf_counter()
        index.with_next_chunks(found)
        expand.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        snap.collection.query(
            query_embeddings=[vector.tolist()], n_results=fetch, include=["metadatas", "distances"]
        )
        dense.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        snap.lexical.search(text, fetch)
        lexical.append((time.perf_counter() - started) * 1000)
    import resource

    return {
        "n": n,
        "queries": queries,
        "build_s": build_s,
        "load_s": load_s,
        "hybrid_p50_ms": statistics.median(hybrid),
        "hybrid_p95_ms": pct(hybrid, 95),
        "expand_p50_ms": statistics.median(expand),
        "expand_p95_ms": pct(expand, 95),
        "dense_p50_ms": statistics.median(dense),
        "dense_p95_ms": pct(dense, 95),
        "bm25_p50_ms": statistics.median(lexical),
        "bm25_p95_ms": pct(lexical, 95),
        "answered_share": sum(hits) / len(hits),
        "rss_start_mb": rss_start,
        "rss_built_mb": rss_built,
        "rss_loaded_mb": rss_loaded,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,  # KiB
        "disk_mb": folder_mb(settings.chroma_dir),
    }


def run_size(n: int, queries: int, seed: int) -> dict[str, Any]:
    """One size in a fresh interpreter, so memory figures are not mixed across sizes."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(n), "--queries", str(queries),
         "--seed", str(seed)],
        cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"size {n} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- extrapolation ------------------------------------------------------------------------------
def fit(x1: float, y1: float, x2: float, y2: float, x: float) -> float:
    """The straight line through (x1, y1) and (x2, y2), evaluated at x."""
    return y1 + (y2 - y1) * (x - x1) / (x2 - x1)


def extrapolate(small: dict[str, Any], large: dict[str, Any], n: int) -> dict[str, Any]:
    """Two-point fits: dense ~ log n, BM25 ~ n, fusion overhead constant, the rest ~ n."""
    a, b = small["n"], large["n"]
    out: dict[str, Any] = {"n": n, "extrapolated": True}
    for stat in ("p50", "p95"):
        dense = fit(math.log(a), small[f"dense_{stat}_ms"], math.log(b), large[f"dense_{stat}_ms"],
                    math.log(n))  # fmt: skip
        bm25 = fit(a, small[f"bm25_{stat}_ms"], b, large[f"bm25_{stat}_ms"], n)
        overhead = large[f"hybrid_{stat}_ms"] - large[f"dense_{stat}_ms"] - large[f"bm25_{stat}_ms"]
        out[f"dense_{stat}_ms"] = max(dense, large[f"dense_{stat}_ms"])
        out[f"bm25_{stat}_ms"] = max(bm25, large[f"bm25_{stat}_ms"])
        out[f"hybrid_{stat}_ms"] = (
            out[f"dense_{stat}_ms"] + out[f"bm25_{stat}_ms"] + max(overhead, 0.0)
        )
        # with_next_chunks rebuilds a position map of every chunk on each call: ~ n.
        out[f"expand_{stat}_ms"] = max(
            fit(a, small[f"expand_{stat}_ms"], b, large[f"expand_{stat}_ms"], n),
            large[f"expand_{stat}_ms"],
        )
    # Two noisy points must not put a p95 below its p50.
    for kind in ("hybrid", "expand", "dense", "bm25"):
        out[f"{kind}_p95_ms"] = max(out[f"{kind}_p95_ms"], out[f"{kind}_p50_ms"])
    for key in ("build_s", "load_s", "rss_loaded_mb", "peak_rss_mb", "disk_mb"):
        out[key] = fit(a, small[key], b, large[key], n)
    out["vectors_only_mb"] = n * DIM * 4 / 1e6
    return out


def table(rows: list[dict[str, Any]]) -> str:
    header = (
        "chunks", "build s", "index load s", "search p50 / p95 ms", "dense p50 / p95 ms",
        "BM25 p50 / p95 ms", "next-chunk step p50 / p95 ms", "RSS MB", "peak RSS MB", "disk MB",
    )  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        label = f"{r['n']:,}" + (" (extrapolated)" if r.get("extrapolated") else "")
        lines.append(
            f"| {label} | {r['build_s']:.1f} | {r['load_s']:.1f} | "
            f"{r['hybrid_p50_ms']:.1f} / {r['hybrid_p95_ms']:.1f} | "
            f"{r['dense_p50_ms']:.1f} / {r['dense_p95_ms']:.1f} | "
            f"{r['bm25_p50_ms']:.1f} / {r['bm25_p95_ms']:.1f} | "
            f"{r['expand_p50_ms']:.1f} / {r['expand_p95_ms']:.1f} | "
            f"{r['rss_loaded_mb']:,.0f} | {r['peak_rss_mb']:,.0f} | {r['disk_mb']:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="timed queries per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from bot.config import offline_environment

    offline_environment()
    if args.child is not None:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            print(json.dumps(measure(args.child, args.queries, args.seed, Path(tmp))))
        return 0
    if any(n < args.queries + 10 for n in args.sizes):
        parser.error("every size must exceed --queries + 10")
    rows = [run_size(n, args.queries, args.seed) for n in sorted(args.sizes)]
    if len(rows) >= 2:
        rows.append(extrapolate(rows[-2], rows[-1], EXTRAPOLATE_TO))
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(
        f"{args.queries} queries per size, k = 12 (36 fetched per retriever), {DIM}-d vectors, "
        f"{os.cpu_count()} CPUs, 1-min load average {os.getloadavg()[0]:.2f}.\n"
        "Synthetic chunks (random unit vectors, generated texts); nothing embedded by the model.\n"
    )
    print(table(rows))
    if len(rows) >= 3:
        est = rows[-1]
        print(
            f"\n1M extrapolation: dense ~ log n; BM25, next-chunk step, build/load/RSS/disk ~ n. "
            "The vectors "
            f"alone are {est['vectors_only_mb']:,.0f} MB (n x 384 x 4 bytes) before the HNSW "
            "graph, the metadata Chroma stores, and the tutor's in-memory copy of every chunk's "
            "metadata plus its BM25 index."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
