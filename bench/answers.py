"""Benchmark: answer latency, cold start and indexing speed, next to a naive LangChain baseline.

Everything is measured in one run on the same machine, so the ratios mean something even when
the absolute numbers move with the machine's load:

- warm answer latency (p50/p95): every question is asked once untimed, then timed on the second
  pass (tutor and baseline interleaved question by question);
- cold start to first answer: a fresh Python process imports, loads the model, opens the index
  and answers one question (time.perf_counter inside the process, plus the parent's wall clock,
  which also counts interpreter start-up);
- index build throughput (chunks/s): a `--rebuild` ingest into a temporary data folder, next to
  the raw encode throughput of the embedding model on the very same chunk texts (the ceiling:
  indexing can never embed faster than the model encodes);
- re-index of an unchanged corpus (the incremental path: nothing to embed).

The baseline is bench/retrievers.py's NaiveRag: RecursiveCharacterTextSplitter 1000/200 over the
corpus Markdown bodies, a langchain_chroma.Chroma collection built with the same embeddings
object, dense top-4, the first chunk as the answer.

    .venv/bin/python bench/answers.py                  # answerable items of evals/core.jsonl
    .venv/bin/python bench/answers.py --repeats 1 --json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "bench"):  # run as a script from anywhere
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from bot.config import Settings, load_settings, offline_environment  # noqa: E402

log = logging.getLogger("bench.answers")
TARGET_P50_MS = 50.0
TARGET_P95_MS = 150.0
TARGET_BUILD_SHARE = 0.80
TARGET_REINDEX_S = 3.0
COLD_QUESTION = "When did South Korea's removal from the white list take effect?"
FALLBACK_QUESTIONS = (
    "When did South Korea's removal from the white list take effect?",
    "Which three items did Japan move to individual licences on 4 July 2019?",
    "When was South Korea removed from Japan's white list (Group A)?",
    "What happened to the WTO case DS590?",
    "Which row of Appended Table 1 covers resist?",
    "When did Japan restore South Korea to Group A?",
    "What is a catch-all control?",
    "What are the penalties for exporting without a licence?",
    "How did South Korea respond to Japan's 2019 measures?",
    "What records does an exporter have to keep?",
    "What is the difference between Group A and Group B?",
    "When did South Korea withdraw the WTO case DS590?",
    "What is hydrogen fluoride used for in chip making?",
    "What is the Foreign Exchange and Foreign Trade Act?",
    "What are deemed exports?",
    "When was the WTO panel for DS590 established?",
    "What is fluorinated polyimide used for?",
    "How long was the standard review period for an individual licence?",
    "What did Japan and South Korea agree in March 2023?",
    "Which international export control regimes does Japan take part in?",
)

# The child process for a cold start: time starts before the first import of the package.
COLD_TUTOR = """
import json, sys, time
t0 = time.perf_counter()
from bot.config import load_settings, offline_environment
offline_environment()
from bot.answering.tutor import Tutor
from bot.retrieval.embeddings import shared_embeddings
from bot.retrieval.hybrid import SearchIndex
t1 = time.perf_counter()
settings = load_settings()
embeddings = shared_embeddings(settings.embedding_model)
t2 = time.perf_counter()
tutor = Tutor(settings, embeddings, SearchIndex(settings, embeddings))
t3 = time.perf_counter()
answer = tutor.ask(sys.argv[1])
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "model": t2 - t1, "index": t3 - t2, "answer": t4 - t3,
                  "total": t4 - t0, "cited": bool(answer.citations)}))
"""
COLD_BASELINE = """
import json, sys, time
t0 = time.perf_counter()
from bot.config import load_settings, offline_environment
offline_environment()
import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from bot.retrieval.embeddings import shared_embeddings
t1 = time.perf_counter()
settings = load_settings()
embeddings = shared_embeddings(settings.embedding_model)
t2 = time.perf_counter()
chroma_settings = ChromaSettings(anonymized_telemetry=False)
client = chromadb.PersistentClient(path=sys.argv[2], settings=chroma_settings)
store = Chroma(client=client, collection_name="naive", embedding_function=embeddings)
t3 = time.perf_counter()
hits = store.similarity_search_with_score(sys.argv[1], k=4)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "model": t2 - t1, "index": t3 - t2, "answer": t4 - t3,
                  "total": t4 - t0, "cited": bool(hits)}))
"""


@dataclass
class SystemFigures:
    """Everything measured for one system; lists hold one value per repeat or question."""

    chunks: int = 0
    warm_ms: list[float] = field(default_factory=list)
    build_s: list[float] = field(default_factory=list)
    encode_s: list[float] = field(default_factory=list)
    reindex_s: list[float] = field(default_factory=list)
    cold: list[dict[str, float]] = field(default_factory=list)
    cold_wall_s: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        build = _median(self.build_s)
        encode = _median(self.encode_s)
        return {
            "chunks": self.chunks,
            "warm_p50_ms": _median(self.warm_ms),
            "warm_p95_ms": _p95(self.warm_ms),
            "cold_total_s": _median([c["total"] for c in self.cold]),
            "cold_wall_s": _median(self.cold_wall_s),
            **{f"cold_{k}_s": _median([c[k] for c in self.cold]) for k in
               ("import", "model", "index", "answer")},  # fmt: skip
            "build_chunks_per_s": self.chunks / build if build else None,
            "encode_chunks_per_s": self.chunks / encode if encode else None,
            "build_share_of_encode": encode / build if build and encode else None,
            "reindex_s": _median(self.reindex_s),
            "raw": {
                "warm_ms": self.warm_ms,
                "build_s": self.build_s,
                "encode_s": self.encode_s,
                "reindex_s": self.reindex_s,
                "cold": self.cold,
                "cold_wall_s": self.cold_wall_s,
            },
        }


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _p95(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def load_questions(path: Path | None) -> list[tuple[str, str | None]]:
    """The answerable items of an eval set (question, as_of), or the fixed list of 20."""
    if path is None:
        return [(q, None) for q in FALLBACK_QUESTIONS]
    from bot.evaluation.dataset import load_sets

    dataset = load_sets([path])
    return [(i.question, i.as_of) for i in dataset.items if i.answerable and not i.history]


def cold_start(code: str, settings: Settings, *args: str) -> tuple[dict[str, float], float]:
    """Run one cold start in a fresh interpreter; return its own timings and the wall clock."""
    env = dict(
        os.environ,
        BOT_DATA_DIR=str(settings.data_dir),
        BOT_CORPUS_DIR=str(settings.corpus_dir),
        BOT_COLLECTION=settings.collection,
        BOT_EMBEDDING_MODEL=settings.embedding_model,
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold start failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if not figures.pop("cited"):
        raise RuntimeError("the cold start's first answer has no citation")
    return figures, wall


def run(
    questions: list[tuple[str, str | None]], repeats: int, data_dir: Path, timed_passes: int = 1
) -> dict[str, Any]:
    """Measure the tutor and the baseline side by side; return summaries and raw figures."""
    from retrievers import NaiveRag  # bench/retrievers.py: the same baseline as its table

    from bot.answering.tutor import AskOptions, Tutor
    from bot.ingest.chunking import chunk_documents
    from bot.ingest.documents import load_corpus
    from bot.ingest.indexer import ingest
    from bot.retrieval.embeddings import shared_embeddings

    settings = load_settings(data_dir=data_dir / "tutor")
    embeddings = shared_embeddings(settings.embedding_model)
    embeddings.encode(["warm up the model before anything is timed"])
    tutor_figures, naive_figures = SystemFigures(), SystemFigures()
    chunks = chunk_documents(load_corpus(settings.corpus_dir), settings.chunk_max_chars)
    texts = [c.embedding_text() for c in chunks]
    tutor_figures.chunks = len(texts)
    ingest(settings, progress=False)  # first build: also warms up Chroma
    naive: Any = None
    for repeat in range(repeats):
        # Interleaved, so a burst of load elsewhere on the machine hits both systems alike.
        tutor_figures.encode_s.append(timed(lambda: embeddings.encode(texts))[0])
        seconds, report = timed(lambda: ingest(settings, rebuild=True, progress=False))
        assert report.embedded == report.chunks == len(texts)
        tutor_figures.build_s.append(seconds)
        folder = data_dir / f"naive-{repeat}"
        seconds, naive = timed(lambda folder=folder: NaiveRag(settings, folder))
        naive_figures.build_s.append(seconds)
        naive_texts = naive.store.get(include=["documents"])["documents"]
        naive_figures.chunks = len(naive_texts)
        seconds, _ = timed(lambda texts=naive_texts: embeddings.encode(texts))
        naive_figures.encode_s.append(seconds)
        seconds, report = timed(lambda: ingest(settings, progress=False))
        assert report.up_to_date and report.embedded == 0
        tutor_figures.reindex_s.append(seconds)
        log.info("repeat %d done", repeat + 1)
    # The baseline has no incremental path: re-indexing it is a whole build.
    naive_figures.reindex_s = list(naive_figures.build_s)

    tutor = Tutor(settings)
    options = [AskOptions(as_of=as_of) for _, as_of in questions]
    for (question, _), opts in zip(questions, options, strict=True):  # first pass: untimed
        tutor.ask(question, opts)
        naive.ask(question, opts)
    tutor_runs: list[list[float]] = [[] for _ in questions]
    naive_runs: list[list[float]] = [[] for _ in questions]
    for _ in range(timed_passes):
        for i, ((question, _), opts) in enumerate(zip(questions, options, strict=True)):
            tutor_runs[i].append(timed(lambda q=question, o=opts: tutor.ask(q, o))[0] * 1000)
            naive_runs[i].append(timed(lambda q=question, o=opts: naive.ask(q, o))[0] * 1000)
    # One figure per question: its second-pass time, or its median over the timed passes.
    tutor_figures.warm_ms = [statistics.median(runs) for runs in tutor_runs]
    naive_figures.warm_ms = [statistics.median(runs) for runs in naive_runs]

    naive_folder = str(data_dir / f"naive-{repeats - 1}")
    for _ in range(repeats):
        figures, wall = cold_start(COLD_TUTOR, settings, COLD_QUESTION)
        tutor_figures.cold.append(figures)
        tutor_figures.cold_wall_s.append(wall)
        figures, wall = cold_start(COLD_BASELINE, settings, COLD_QUESTION, naive_folder)
        naive_figures.cold.append(figures)
        naive_figures.cold_wall_s.append(wall)
    return {
        "questions": len(questions),
        "repeats": repeats,
        "timed_passes": timed_passes,
        "cpus": os.cpu_count(),
        "tutor": tutor_figures.summary(),
        "naive_baseline": naive_figures.summary(),
    }


# -- the table ------------------------------------------------------------------------------
def _num(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{suffix}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.2f}×"


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def table(result: dict[str, Any]) -> str:
    t, n = result["tutor"], result["naive_baseline"]
    share_t, share_n = t["build_share_of_encode"], n["build_share_of_encode"]
    rows = [
        ("warm answer p50 (ms)", _num(t["warm_p50_ms"]), _num(n["warm_p50_ms"]),
         _ratio(t["warm_p50_ms"], n["warm_p50_ms"]), f"≤ {TARGET_P50_MS:.0f}",
         _met(t["warm_p50_ms"] <= TARGET_P50_MS)),
        ("warm answer p95 (ms)", _num(t["warm_p95_ms"]), _num(n["warm_p95_ms"]),
         _ratio(t["warm_p95_ms"], n["warm_p95_ms"]), f"≤ {TARGET_P95_MS:.0f}",
         _met(t["warm_p95_ms"] <= TARGET_P95_MS)),
        ("cold start to first answer, in process (s)", _num(t["cold_total_s"], 2),
         _num(n["cold_total_s"], 2), _ratio(t["cold_total_s"], n["cold_total_s"]), "", "—"),
        ("  of which import (s)", _num(t["cold_import_s"], 2), _num(n["cold_import_s"], 2),
         _ratio(t["cold_import_s"], n["cold_import_s"]), "", ""),
        ("  of which model load (s)", _num(t["cold_model_s"], 2), _num(n["cold_model_s"], 2),
         _ratio(t["cold_model_s"], n["cold_model_s"]), "", ""),
        ("  of which index open (s)", _num(t["cold_index_s"], 2), _num(n["cold_index_s"], 2),
         _ratio(t["cold_index_s"], n["cold_index_s"]), "", ""),
        ("  of which first answer (s)", _num(t["cold_answer_s"], 2), _num(n["cold_answer_s"], 2),
         _ratio(t["cold_answer_s"], n["cold_answer_s"]), "", ""),
        ("cold start to first answer, wall clock (s)", _num(t["cold_wall_s"], 2),
         _num(n["cold_wall_s"], 2), _ratio(t["cold_wall_s"], n["cold_wall_s"]), "", "—"),
        ("chunks indexed", str(t["chunks"]), str(n["chunks"]), _ratio(t["chunks"], n["chunks"]),
         "", ""),
        ("index build (chunks/s)", _num(t["build_chunks_per_s"]), _num(n["build_chunks_per_s"]),
         _ratio(t["build_chunks_per_s"], n["build_chunks_per_s"]), "", ""),
        ("raw encode, same chunk texts (chunks/s)", _num(t["encode_chunks_per_s"]),
         _num(n["encode_chunks_per_s"]), _ratio(t["encode_chunks_per_s"], n["encode_chunks_per_s"]),
         "ceiling", ""),
        ("index build / raw encode", _num(share_t and share_t * 100, 0, " %"),
         _num(share_n and share_n * 100, 0, " %"), _ratio(share_t, share_n),
         f"≥ {TARGET_BUILD_SHARE:.0%}", _met(share_t and share_t >= TARGET_BUILD_SHARE)),
        ("re-index, unchanged corpus (s)", _num(t["reindex_s"], 2),
         _num(n["reindex_s"], 2) + " (full build)", _ratio(t["reindex_s"], n["reindex_s"]),
         f"< {TARGET_REINDEX_S:.0f}", _met(t["reindex_s"] < TARGET_REINDEX_S)),
    ]  # fmt: skip
    header = ("metric", "tutor", "naive baseline", "tutor / baseline", "target", "met")
    try:
        from tabulate import tabulate

        return tabulate(rows, headers=header, tablefmt="github", disable_numparse=True)
    except ImportError:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "evals" / "core.jsonl",
        help="eval set whose answerable items are asked (default evals/core.jsonl)",
    )  # fmt: skip
    parser.add_argument("--fixed", action="store_true", help="ask the fixed list of 20 instead")
    parser.add_argument("--repeats", type=int, default=3, help="builds, encodes and cold starts")
    parser.add_argument(
        "--timed-passes", type=int, default=1,
        help="warm passes timed after the untimed first one; >1 takes each question's median "
        "(steadier on a shared machine)",
    )  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the indexes here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.timed_passes < 1:
        parser.error("--repeats and --timed-passes must be at least 1")
    offline_environment()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    questions = load_questions(None if args.fixed else args.questions)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as tmp:
        result = run(questions, args.repeats, args.data_dir or Path(tmp), args.timed_passes)
    result["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"{result['questions']} questions ({'fixed list' if args.fixed else args.questions.name}), "
        f"{args.repeats} repeat(s), warm latency from "
        f"{'the second pass' if args.timed_passes == 1 else f'passes 2-{args.timed_passes + 1}'}"
        f", {result['cpus']} CPUs, 1-min load average "
        f"{result['load_average_before_after'][0]} before / "
        f"{result['load_average_before_after'][1]} after; medians over repeats.\n"
    )
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
