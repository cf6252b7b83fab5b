"""Index integrity under SIGKILL: kill ingests at random points, check the index every time.

An ingest writes a new generation and moves the pointer only at the end, so a process killed
at any moment (power cut, OOM killer, Ctrl-C twice) must leave an index that still answers,
and the next ingest must complete. Each round:

1. edit the corpus copy (so there is real work), start `--rebuild` ingest in a subprocess;
2. once the child has loaded the model and started ingesting, SIGKILL it after a random delay
   (uniform over the measured length of a whole rebuild, so every phase gets hit);
3. in this process: the pointer's collection is complete and a fresh Tutor answers
   "When did South Korea's removal from the white list take effect?" with a valid citation;
4. an ordinary (incremental) ingest completes, and the index still answers.

Every loop is bounded in rounds and in seconds. Only a temporary data folder is touched.

    .venv/bin/python bench/kill_ingest.py                 # 10 rounds, full corpus
    .venv/bin/python bench/kill_ingest.py --rounds 3 --docs 3 --seed 7
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.config import Settings, load_settings, offline_environment  # noqa: E402

log = logging.getLogger("bench.kill_ingest")
QUESTION = "When did South Korea's removal from the white list take effect?"
EXPECTED = "28 August 2019"
# Small corpora keep the documents the check question needs.
SMALL_CORPUS = (
    "white-list-removal-2019",
    "appended-table-1-three-items",
    "wto-ds590-request-2019",
    "appended-table-3-white-list",
    "group-a-countries",
)
START_MARKER = "ingest-start"
DONE_MARKER = "ingest-done"
MARKER = re.compile(r"\[(\d+)\]")


class IntegrityError(AssertionError):
    """The index left behind by a killed ingest is not fully usable."""


@dataclass
class RoundResult:
    """What happened in one round, for the summary and for the tests."""

    round: int
    kill_after_s: float
    killed_mid_ingest: bool
    pointer_moved_by_killed_run: bool
    answer_ok: bool
    next_ingest_ok: bool
    next_ingest_embedded: int
    generation_collections: int
    chroma_mb: float
    error: str = ""


@dataclass
class Summary:
    rounds: list[RoundResult] = field(default_factory=list)
    rebuild_s: float = 0.0  # one whole rebuild in a child (or the kill window given)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.rounds) and all(
            r.answer_ok and r.next_ingest_ok and not r.error for r in self.rounds
        )

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "rebuild_s": round(self.rebuild_s, 2),
            "seconds": round(self.seconds, 1),
            "rounds": [asdict(r) for r in self.rounds],
        }


# -- the child: one rebuild, announced on stdout --------------------------------------------
def child_main() -> int:
    """Load the model first, then announce and run the ingest (so kills land in the ingest)."""
    offline_environment()
    settings = load_settings()
    from bot.ingest.indexer import ingest
    from bot.retrieval.embeddings import shared_embeddings

    shared_embeddings(settings.embedding_model).encode(["warm up"])
    print(START_MARKER, flush=True)
    started = time.perf_counter()
    report = ingest(settings, rebuild=True, progress=False)
    seconds = time.perf_counter() - started
    print(DONE_MARKER, json.dumps({"seconds": seconds, "chunks": report.chunks}), flush=True)
    return 0


def start_child(settings: Settings) -> subprocess.Popen:
    env = dict(
        os.environ,
        BOT_DATA_DIR=str(settings.data_dir),
        BOT_CORPUS_DIR=str(settings.corpus_dir),
        BOT_COLLECTION=settings.collection,
        BOT_CHROMA_URL="",
    )
    # The child's stderr goes to a file beside the data folder, to read when a round fails.
    with (settings.data_dir.parent / "child-stderr.log").open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )


def read_line(process: subprocess.Popen, timeout: float) -> str:
    """The child's next stdout line, or '' if it exits or stays silent for `timeout` s."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().strip() if ready else ""


def wait_for_start(process: subprocess.Popen, timeout: float) -> None:
    line = read_line(process, timeout)
    if line != START_MARKER:
        process.kill()
        process.wait(timeout=30)
        raise RuntimeError(f"the ingest child did not start (got {line!r})")


# -- checks, in this process ----------------------------------------------------------------
def check_usable(settings: Settings) -> str:
    """Raise IntegrityError unless the live generation is complete and answers with citations."""
    from bot.answering.tutor import Tutor
    from bot.retrieval import store

    client = store.open_client(settings)
    pointer, collection = store.open_current(client, settings)
    count = collection.count()
    if count != int(pointer["chunks"]):
        raise IntegrityError(
            f"generation {pointer['generation']} holds {count} chunks, pointer says "
            f"{pointer['chunks']}"
        )
    answer = Tutor(settings).ask(QUESTION)
    if answer.refused or not answer.citations or EXPECTED not in answer.answer:
        raise IntegrityError(f"no cited answer from {pointer['generation']}: {answer.answer!r}")
    if {int(n) for n in MARKER.findall(answer.answer)} != {c.n for c in answer.citations}:
        raise IntegrityError(f"citation markers do not match: {answer.answer!r}")
    for citation in answer.citations:
        if not citation.quote or citation.quote not in citation.chunk_text:
            raise IntegrityError(f"quote {citation.quote!r} is not in its chunk")
    return pointer["generation"]


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def edit_corpus(settings: Settings, round_no: int) -> None:
    """Append a sentence to one document, so every round's ingests have something to do."""
    docs = sorted(p for p in settings.corpus_dir.glob("*.md") if p.name != "README.md")
    path = docs[round_no % len(docs)]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nIn drill round {round_no}, the index was rebuilt and then cut off.\n")


def prepare(workdir: Path, docs: int | None) -> Settings:
    """A corpus copy (all of it, or the first `docs` of SMALL_CORPUS) and an empty data folder."""
    source = ROOT / "corpus"
    corpus = workdir / "corpus"
    if docs is None:
        shutil.copytree(source, corpus)
    else:
        corpus.mkdir(parents=True)
        shutil.copy(source / "terms.yaml", corpus / "terms.yaml")
        for doc_id in SMALL_CORPUS[: max(docs, 1)]:
            shutil.copy(source / f"{doc_id}.md", corpus / f"{doc_id}.md")
    return load_settings({}, data_dir=workdir / "data", corpus_dir=corpus, collection="killtest")


def calibrate(settings: Settings, timeout: float) -> float:
    """Seconds of one whole rebuild in a child, measured the way the kills will be timed."""
    process = start_child(settings)
    try:
        wait_for_start(process, timeout)
        started = time.monotonic()
        line = read_line(process, timeout)
        if not line.startswith(DONE_MARKER):
            raise RuntimeError(f"the calibration ingest did not finish (got {line!r})")
        return time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def run_round(settings: Settings, round_no: int, kill_after: float, timeout: float) -> RoundResult:
    from bot.ingest.indexer import ingest
    from bot.retrieval import store

    client = store.open_client(settings)
    before = store.current_generation(client, settings)
    edit_corpus(settings, round_no)
    process = start_child(settings)
    try:
        wait_for_start(process, timeout)
        time.sleep(kill_after)
        killed_mid_ingest = process.poll() is None
        process.kill()  # SIGKILL: no cleanup handlers, no lock release by the process
    finally:
        process.wait(timeout=30)
    after = store.current_generation(client, settings)
    result = RoundResult(
        round=round_no,
        kill_after_s=round(kill_after, 2),
        killed_mid_ingest=killed_mid_ingest,
        pointer_moved_by_killed_run=bool(before and after and before != after),
        answer_ok=False,
        next_ingest_ok=False,
        next_ingest_embedded=0,
        generation_collections=0,
        chroma_mb=0.0,
    )
    try:
        check_usable(settings)
        result.answer_ok = True
        report = ingest(settings, progress=False)
        result.next_ingest_embedded = report.embedded
        check_usable(settings)
        result.next_ingest_ok = True
    except Exception as exc:  # the summary reports every failure instead of stopping
        result.error = f"{type(exc).__name__}: {exc}"
    result.generation_collections = len(store.generation_collections(client, settings))
    result.chroma_mb = round(folder_mb(settings.chroma_dir), 1)
    return result


def run(
    rounds: int,
    max_seconds: float,
    *,
    docs: int | None = None,
    seed: int | None = None,
    workdir: Path | None = None,
    kill_window: float | None = None,
    child_timeout: float = 300.0,
) -> Summary:
    """Build a good index, then kill `rounds` rebuilds (stopping early after `max_seconds`).

    Kills land uniformly in [0, 1.1 x kill_window] seconds after the child starts ingesting;
    without `kill_window`, one whole rebuild in a child is timed first and used instead.
    """
    from bot.ingest.indexer import ingest

    offline_environment()
    rng = random.Random(seed)
    started = time.monotonic()
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="kill-ingest-") as tmp:
        settings = prepare(workdir or Path(tmp), docs)
        ingest(settings, progress=False)
        check_usable(settings)
        summary.rebuild_s = kill_window or calibrate(settings, child_timeout)
        for round_no in range(1, rounds + 1):
            if time.monotonic() - started > max_seconds:
                log.warning("stopping after %d rounds: time budget spent", round_no - 1)
                break
            kill_after = rng.uniform(0.0, 1.1 * summary.rebuild_s)
            result = run_round(settings, round_no, kill_after, child_timeout)
            log.info("round %d: %s", round_no, result)
            summary.rounds.append(result)
    summary.seconds = time.monotonic() - started
    return summary


def format_summary(summary: Summary) -> str:
    rows = summary.rounds
    most_left = max((r.generation_collections for r in rows), default=0)
    lines = [
        f"rounds: {len(rows)} in {summary.seconds:.0f} s "
        f"(kills 0-{1.1 * summary.rebuild_s:.1f} s after the child starts ingesting; "
        f"a whole rebuild: {summary.rebuild_s:.1f} s)",
        f"killed mid-ingest: {sum(r.killed_mid_ingest for r in rows)}, "
        f"pointer already moved when killed: {sum(r.pointer_moved_by_killed_run for r in rows)}",
        f"index answered with a citation after the kill: {sum(r.answer_ok for r in rows)}/"
        f"{len(rows)}",
        f"next ingest completed and answered: {sum(r.next_ingest_ok for r in rows)}/{len(rows)}",
        f"generation collections left (max): {most_left}",
        f"chroma folder: {rows[0].chroma_mb if rows else 0:.1f} MB after round 1, "
        f"{rows[-1].chroma_mb if rows else 0:.1f} MB after round {len(rows)}",
        "",
        "| round | kill after s | mid-ingest | pointer moved | answers | next ingest | embedded |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.round} | {r.kill_after_s:.2f} | {r.killed_mid_ingest} | "
            f"{r.pointer_moved_by_killed_run} | {r.answer_ok} | {r.next_ingest_ok} | "
            f"{r.next_ingest_embedded} |"
        )
    for r in rows:
        if r.error:
            lines.append(f"round {r.round}: {r.error}")
    lines.append("RESULT: " + ("PASS" if summary.ok else "FAIL"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="ingests to kill")
    parser.add_argument("--max-seconds", type=float, default=900, help="time budget")
    parser.add_argument("--docs", type=int, default=None, help="use a small corpus of N docs")
    parser.add_argument("--seed", type=int, default=None, help="seed for the kill times")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        return child_main()
    if args.rounds < 1 or args.max_seconds <= 0:
        parser.error("--rounds and --max-seconds must be positive")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    summary = run(args.rounds, args.max_seconds, docs=args.docs, seed=args.seed)
    print(json.dumps(summary.to_dict(), indent=1) if args.json else format_summary(summary))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
