"""Evaluation suites: the dev, held-out and user-document sets, each beside the naive baseline.

A figure from the set the answer logic was tuned on measures fit; the held-out set (written
blind) and the user-document set (files in other styles, added the way a user adds them)
measure quality. So they are run together and shown side by side, each next to the naive
LangChain RAG measured on the same items in the same run.

A suite with documents is evaluated on a temporary copy of the index with those files added,
so the live index is never touched; its questions name expected documents by file name.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from bot.config import Settings
from bot.evaluation.dataset import Dataset, load_sets
from bot.evaluation.runner import EvalRun, RunOptions, evaluate
from bot.ingest.documents import SourceDocument

QUESTIONS_FILE = "questions.jsonl"
DOCUMENTS_FOLDER = "documents"
# name -> path inside the evals folder; the order is the order of the report's columns.
STANDARD_SUITES = (("dev", "core.jsonl"), ("heldout", "heldout.jsonl"), ("userdocs", "userdocs"))
ProgressFactory = Callable[[str, int], Callable[[int, int, str], None] | None]


@dataclass(frozen=True)
class Suite:
    """A set of questions, and for user-document sets the folder of files to add first."""

    name: str
    questions: Path
    documents: Path | None = None


@dataclass
class SuiteResult:
    suite: Suite
    run: EvalRun
    baseline: EvalRun | None = None


def suite_for(path: Path, name: str | None = None) -> Suite:
    """A .jsonl file is a plain suite; a folder holds questions.jsonl and documents/."""
    if path.is_dir():
        return Suite(name or path.name, path / QUESTIONS_FILE, path / DOCUMENTS_FOLDER)
    return Suite(name or path.stem, path)


def standard_suites(evals_dir: Path, names: Sequence[str] = ()) -> list[Suite]:
    """The suites `bot eval` runs when given no files (all three, or the ones named)."""
    known = dict(STANDARD_SUITES)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown suite {unknown[0]!r}; choose from {', '.join(known)}")
    return [suite_for(evals_dir / known[n], n) for n in (names or list(known))]


def documents_by_file(documents: Sequence[SourceDocument]) -> dict[str, str]:
    """File name -> document id for the files added to an index (their URL is the file's)."""
    names: dict[str, str] = {}
    for doc in documents:
        url = urlparse(doc.source_url)
        if url.scheme == "file":
            names[Path(unquote(url.path)).name] = doc.id
    return names


def with_doc_ids(dataset: Dataset, names: dict[str, str]) -> Dataset:
    """Expected documents given as file names become the ids ingest gave those files."""
    items = [
        replace(item, expected_docs=[names.get(doc, doc) for doc in item.expected_docs])
        for item in dataset.items
    ]
    return replace(dataset, items=items)


@contextmanager
def suite_settings(settings: Settings, suite: Suite) -> Iterator[Settings]:
    """Settings for the suite: the live index, or a temporary copy with the suite's files."""
    if suite.documents is None:
        yield settings
        return
    from bot.ingest.indexer import ingest

    with tempfile.TemporaryDirectory(prefix=f"eval-{suite.name}-") as folder:
        data_dir = Path(folder) / "data"
        if not settings.chroma_url and (settings.data_dir / "chroma").is_dir():
            # Copying the built index means only the suite's own files are embedded.
            shutil.copytree(
                settings.data_dir,
                data_dir,
                ignore=shutil.ignore_patterns("*.lock", "added", "feedback*", "logs"),
            )
        local = replace(settings, data_dir=data_dir, chroma_url="")
        ingest(local, paths=[suite.documents], progress=False)
        yield local


def run_suite(
    settings: Settings,
    suite: Suite,
    options: RunOptions,
    baseline: bool,
    progress: ProgressFactory | None = None,
) -> SuiteResult:
    """The tutor (and, if asked, the naive baseline) over one suite's items."""
    from bot.answering.tutor import Tutor
    from bot.evaluation.baseline import NaiveRag
    from bot.ingest.indexer import collect_documents

    dataset = load_sets([suite.questions])
    with suite_settings(settings, suite) as local:
        documents, _ = collect_documents(local)
        if suite.documents is not None:
            dataset = with_doc_ids(dataset, documents_by_file(documents))
        tutor = Tutor(local)
        bar = progress(suite.name, len(dataset.items)) if progress else None
        run = evaluate(tutor, dataset, replace(options, system="tutor"), bar)
        naive = None
        if baseline:
            with tempfile.TemporaryDirectory(prefix="eval-naive-") as folder:
                rag = NaiveRag(local, Path(folder), documents)
                bar = progress(f"{suite.name} (naive)", len(dataset.items)) if progress else None
                naive = evaluate(rag, dataset, RunOptions(as_of=options.as_of, system="naive"), bar)
    return SuiteResult(suite, run, naive)


SIDE_BY_SIDE = (
    ("pass_rate", "pass"),
    ("correctness", "correct"),
    ("citation_precision", "cit. precision"),
    ("false_refusal_rate", "false refusals"),
    ("refusal_accuracy", "refusal acc."),
    ("answer_chars_p50", "chars p50"),
    ("latency_p50_ms", "p50 ms"),
)


def _fmt(key: str, value: object) -> str:
    if value is None:
        return "—"
    if key.endswith(("_ms", "_chars_p50")):
        return f"{float(value):,.0f}"  # type: ignore[arg-type]
    return f"{float(value):.3f}"  # type: ignore[arg-type]


def side_by_side(results: Sequence[SuiteResult]) -> str:
    """A Markdown table: one row per suite and system, the tutor first, then the baseline."""
    header = ["set", "items", "system", *(label for _, label in SIDE_BY_SIDE)]
    rows: list[list[str]] = []
    for result in results:
        for system, run in (("tutor", result.run), ("naive baseline", result.baseline)):
            if run is None:
                continue
            rows.append(
                [
                    result.suite.name,
                    str(run.summary["n_items"]),
                    system,
                    *(_fmt(key, run.summary.get(key)) for key, _ in SIDE_BY_SIDE),
                ]
            )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
