"""Benchmark: the ONNX query path against the torch path, side by side in one run.

The two paths differ only in the encoder (`BOT_QUERY_ENCODER` / `BOT_INDEX_ENCODER`): onnx is
the model's ONNX export on onnxruntime, torch is sentence-transformers. Both answer from the
same index, and every figure is measured for both in the same run (interleaved question by
question, or repeat by repeat), so the ratios mean something even when the machine's load
moves the absolute numbers:

- query embedding (one question, `encode([q])`) and warm answer latency, p50/p95: every
  question once untimed, then timed;
- cold start to first answer: a fresh interpreter imports, loads the encoder, opens the index
  and answers one question (perf_counter inside, plus the parent's wall clock);
- `bot ask "…"` wall clock: the command as a user runs it, from process start to the printed
  answer, once with the sentence vectors and word stems earlier processes stored in the data
  folder (`bot.retrieval.disk_cache`) and once without them (the first question after an
  install);
- index build throughput (a `--rebuild` ingest, chunks/s) next to the encoder's raw encode of
  the same chunk texts (the ceiling);
- re-index of an unchanged corpus (nothing is embedded, no model is loaded).

    .venv/bin/python bench/answers.py                  # answerable items of evals/core.jsonl
    .venv/bin/python bench/answers.py --repeats 1 --json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "bench"):  # run as a script from anywhere
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from bot.config import Settings, load_settings, offline_environment  # noqa: E402

log = logging.getLogger("bench.answers")
PATHS = ("onnx", "torch")
TARGETS = {  # the ONNX path's targets (issue 15)
    "query_p50_ms": 6.0,
    "warm_p50_ms": 12.0,
    "ask_wall_s": 3.0,
    "build_share": 0.80,
    "reindex_s": 3.0,
}
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
from bot.retrieval.embeddings import query_embeddings
from bot.retrieval.hybrid import SearchIndex
t1 = time.perf_counter()
settings = load_settings()
embeddings = query_embeddings(settings)
t2 = time.perf_counter()
tutor = Tutor(settings, embeddings, SearchIndex(settings, embeddings))
t3 = time.perf_counter()
answer = tutor.ask(sys.argv[1])
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "model": t2 - t1, "index": t3 - t2, "answer": t4 - t3,
                  "total": t4 - t0, "cited": bool(answer.citations),
                  "torch": "torch" in sys.modules}))
"""


@dataclass
class PathFigures:
    """Everything measured for one encoder path; lists hold one value per question or repeat."""

    chunks: int = 0
    query_ms: list[float] = field(default_factory=list)
    warm_ms: list[float] = field(default_factory=list)
    build_s: list[float] = field(default_factory=list)
    encode_s: list[float] = field(default_factory=list)
    reindex_s: list[float] = field(default_factory=list)
    cold: list[dict[str, float]] = field(default_factory=list)
    cold_wall_s: list[float] = field(default_factory=list)
    ask_wall_s: list[float] = field(default_factory=list)
    ask_fresh_wall_s: list[float] = field(default_factory=list)  # nothing stored on disk

    def summary(self) -> dict[str, Any]:
        build, encode = _median(self.build_s), _median(self.encode_s)
        return {
            "chunks": self.chunks,
            "query_p50_ms": _median(self.query_ms),
            "query_p95_ms": _p95(self.query_ms),
            "warm_p50_ms": _median(self.warm_ms),
            "warm_p95_ms": _p95(self.warm_ms),
            "cold_total_s": _median([c["total"] for c in self.cold]),
            "cold_wall_s": _median(self.cold_wall_s),
            **{f"cold_{k}_s": _median([c[k] for c in self.cold]) for k in
               ("import", "model", "index", "answer")},  # fmt: skip
            "torch_imported": any(c.get("torch") for c in self.cold),
            "ask_wall_s": _median(self.ask_wall_s),
            "ask_fresh_wall_s": _median(self.ask_fresh_wall_s),
            "build_chunks_per_s": self.chunks / build if build else None,
            "encode_chunks_per_s": self.chunks / encode if encode else None,
            "build_share_of_encode": encode / build if build and encode else None,
            "reindex_s": _median(self.reindex_s),
            "raw": {k: v for k, v in self.__dict__.items() if isinstance(v, list)},
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


def child_env(settings: Settings, encoder: str) -> dict[str, str]:
    return dict(
        os.environ,
        BOT_DATA_DIR=str(settings.data_dir),
        BOT_ONNX_DIR=settings.onnx_dir,
        BOT_CORPUS_DIR=str(settings.corpus_dir),
        BOT_COLLECTION=settings.collection,
        BOT_EMBEDDING_MODEL=settings.embedding_model,
        BOT_QUERY_ENCODER=encoder,
    )


def cold_start(settings: Settings, encoder: str) -> tuple[dict[str, float], float]:
    """One cold start in a fresh interpreter; its own timings and the wall clock."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COLD_TUTOR, COLD_QUESTION],
        cwd=ROOT, env=child_env(settings, encoder), capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold start failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if not figures.pop("cited"):
        raise RuntimeError("the cold start's first answer has no citation")
    return figures, wall


def bot_ask_wall(settings: Settings, encoder: str) -> float:
    """`bot ask "…"` as a user runs it: process start to printed answer."""
    bot = Path(sys.executable).parent / "bot"
    started = time.perf_counter()
    done = subprocess.run(
        [str(bot), "ask", COLD_QUESTION], cwd=ROOT, env=child_env(settings, encoder),
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0 or "[1]" not in done.stdout:
        raise RuntimeError(f"bot ask failed:\n{done.stderr[-2000:]}")
    return wall


def run(
    questions: list[tuple[str, str | None]],
    repeats: int,
    data_dir: Path,
    timed_passes: int = 1,
    warm_only: bool = False,
) -> dict[str, Any]:
    """Measure the ONNX and torch paths side by side; return summaries and raw figures.

    `warm_only` measures the query embedding and the warm answer alone (no builds, cold starts
    or `bot ask`): a minute instead of several, for comparing two versions back to back."""
    from bot.answering.tutor import AskOptions, Tutor
    from bot.ingest.chunking import chunk_documents
    from bot.ingest.documents import load_corpus
    from bot.ingest.indexer import ingest
    from bot.retrieval.embeddings import index_embeddings, query_embeddings

    base = load_settings(data_dir=data_dir / "index", onnx_dir=str(data_dir / "onnx"))
    settings = {p: replace(base, query_encoder=p, index_encoder=p) for p in PATHS}
    ingest(base, progress=False)  # first build: exports the model, warms up Chroma
    encoders = {p: query_embeddings(settings[p]) for p in PATHS}
    figures = {p: PathFigures() for p in PATHS}
    chunks = chunk_documents(load_corpus(base.corpus_dir), base.chunk_max_chars)
    texts = [c.embedding_text() for c in chunks]
    for path in PATHS:
        figures[path].chunks = len(texts)
        encoders[path].encode(["warm up the model before anything is timed"])
    for repeat in range(0 if warm_only else repeats):
        for path in PATHS:  # interleaved: a burst of load elsewhere hits both alike
            encoder = index_embeddings(settings[path])
            figures[path].encode_s.append(timed(lambda e=encoder: e.encode(texts))[0])
            chosen = settings[path]
            seconds, report = timed(lambda s=chosen: ingest(s, rebuild=True, progress=False))
            assert report.embedded == report.chunks == len(texts)
            figures[path].build_s.append(seconds)
            seconds, report = timed(lambda s=settings[path]: ingest(s, progress=False))
            assert report.up_to_date and report.embedded == 0
            figures[path].reindex_s.append(seconds)
        log.info("repeat %d of the builds done", repeat + 1)

    tutors = {p: Tutor(settings[p], encoders[p]) for p in PATHS}
    options = [AskOptions(as_of=as_of) for _, as_of in questions]
    for (question, _), opts in zip(questions, options, strict=True):  # first pass: untimed
        for path in PATHS:
            tutors[path].ask(question, opts)
    runs: dict[str, list[list[float]]] = {p: [[] for _ in questions] for p in PATHS}
    for _ in range(timed_passes):
        for i, ((question, _), opts) in enumerate(zip(questions, options, strict=True)):
            for path in PATHS:
                encoder = encoders[path]
                figures[path].query_ms.append(timed(lambda e=encoder, q=question: e.encode([q]))[0]
                                              * 1000)  # fmt: skip
                tutor = tutors[path]
                runs[path][i].append(timed(lambda t=tutor, q=question, o=opts: t.ask(q, o))[0]
                                     * 1000)  # fmt: skip
    for path in PATHS:  # one figure per question: its median over the timed passes
        figures[path].warm_ms = [statistics.median(r) for r in runs[path]]

    for _ in range(0 if warm_only else repeats):
        for path in PATHS:
            shutil.rmtree(settings[path].sentence_vectors_dir, ignore_errors=True)
            settings[path].stems_file.unlink(missing_ok=True)
            figures[path].ask_fresh_wall_s.append(bot_ask_wall(settings[path], path))
            cold, wall = cold_start(settings[path], path)
            figures[path].cold.append(cold)
            figures[path].cold_wall_s.append(wall)
            figures[path].ask_wall_s.append(bot_ask_wall(settings[path], path))
    return {
        "questions": len(questions),
        "repeats": repeats,
        "timed_passes": timed_passes,
        "warm_only": warm_only,
        "cpus": os.cpu_count(),
        **{p: figures[p].summary() for p in PATHS},
    }


# -- the table ------------------------------------------------------------------------------
def _num(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{suffix}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.2f}×"


def _target(key: str, value: float | None, *, at_least: bool = False) -> tuple[str, str]:
    goal = TARGETS[key]
    if value is None:
        return "", "—"
    met = value >= goal if at_least else value <= goal
    shown = f"{goal:.0%}" if key == "build_share" else f"{goal:g}"
    return (f"≥ {shown}" if at_least else f"≤ {shown}"), ("yes" if met else "**no**")


def table(result: dict[str, Any]) -> str:
    o, t = result["onnx"], result["torch"]

    def row(label, key, digits=1, target=None, at_least=False, scale=1.0):  # noqa: ANN001, ANN202
        a = None if o[key] is None else o[key] * scale
        b = None if t[key] is None else t[key] * scale
        goal, met = _target(target, o[key], at_least=at_least) if target else ("", "")
        return (label, _num(a, digits), _num(b, digits), _ratio(a, b), goal, met)

    rows = [
        row("query embedding p50 (ms)", "query_p50_ms", 2, "query_p50_ms"),
        row("query embedding p95 (ms)", "query_p95_ms", 2),
        row("warm answer p50 (ms)", "warm_p50_ms", 1, "warm_p50_ms"),
        row("warm answer p95 (ms)", "warm_p95_ms", 1),
        row("`bot ask` wall clock (s)", "ask_wall_s", 2, "ask_wall_s"),
        row("  the same, nothing stored (first after install) (s)", "ask_fresh_wall_s", 2),
        row("cold start to first answer, wall clock (s)", "cold_wall_s", 2),
        row("cold start, in process (s)", "cold_total_s", 2),
        row("  of which import (s)", "cold_import_s", 2),
        row("  of which encoder load (s)", "cold_model_s", 2),
        row("  of which index open (s)", "cold_index_s", 2),
        row("  of which first answer (s)", "cold_answer_s", 2),
        row("index build (chunks/s)", "build_chunks_per_s", 1),
        row("raw encode, same chunk texts (chunks/s)", "encode_chunks_per_s", 1),
        row("index build / raw encode (%)", "build_share_of_encode", 0, "build_share", True, 100),
        row("re-index, unchanged corpus (s)", "reindex_s", 2, "reindex_s"),
        ("torch imported by the query path", str(o["torch_imported"]).lower(),
         str(t["torch_imported"]).lower(), "", "false", _met_bool(not o["torch_imported"])),
    ]  # fmt: skip
    rows = [r if r[0] != "index build / raw encode (%)" else _share_row(r) for r in rows]
    header = ("metric", "ONNX path", "torch path", "ONNX / torch", "target (ONNX)", "met")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _met_bool(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _share_row(row: tuple[str, ...]) -> tuple[str, ...]:
    label, a, b, ratio, goal, met = row
    return (label.replace(" (%)", ""), f"{a} %", f"{b} %", ratio, goal, met)


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
    parser.add_argument(
        "--warm-only", action="store_true",
        help="only the query embedding and warm answer rows (no builds, cold starts, bot ask)",
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
        result = run(
            questions, args.repeats, args.data_dir or Path(tmp), args.timed_passes, args.warm_only
        )
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
