"""Run an evaluation set through the real tutor and collect scores, summary and problems.

The runner only needs something with the tutor's `ask`, so the CLI, the app tab and the
benchmark (which also scores a naive LangChain baseline) share one code path.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.answering.types import Answer
from bot.errors import InputError, TutorError
from bot.evaluation.dataset import Dataset, EvalItem, Problem
from bot.evaluation.metrics import (
    ItemScore,
    answer_ranking,
    retrieval_scores,
    score_error,
    score_item,
    summarize,
    summarize_by_tag,
)

log = logging.getLogger(__name__)
REPORT_VERSION = 1
Progress = Callable[[int, int, str], None]


class Answerer(Protocol):
    """What the runner needs from the tutor (a baseline may stand in for it)."""

    def ask(self, question: str, options: Any = None) -> Answer: ...


@dataclass
class RunOptions:
    """Run-wide choices; an item's own `as_of` wins over `as_of` here."""

    as_of: str | None = None
    retriever: str | None = None
    k: int | None = None
    llm: str = ""
    system: str = "tutor"


@dataclass
class EvalRun:
    """One finished run: what the report files, the CLI table and --compare are built from."""

    config: dict[str, Any]
    summary: dict[str, Any]
    by_tag: dict[str, dict[str, Any]]
    items: list[ItemScore]
    problems: list[Problem] = field(default_factory=list)
    comparison: dict[str, Any] | None = None
    created: str = field(default_factory=lambda: dt.datetime.now().isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "created": self.created,
            "config": self.config,
            "summary": self.summary,
            "by_tag": self.by_tag,
            "problems": [p.to_dict() for p in self.problems],
            "items": [s.to_dict() for s in self.items],
            "comparison": self.comparison,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalRun:
        return cls(
            config=dict(data.get("config", {})),
            summary=dict(data["summary"]),
            by_tag=dict(data.get("by_tag", {})),
            items=[ItemScore.from_dict(i) for i in data["items"]],
            problems=[Problem(**p) for p in data.get("problems", [])],
            comparison=data.get("comparison"),
            created=str(data.get("created", "")),
        )


def effective_k(tutor: Answerer, options: RunOptions) -> int:
    settings = getattr(tutor, "settings", None)
    return int(options.k or getattr(settings, "top_k", 6))


def ask_item(tutor: Answerer, item: EvalItem, options: RunOptions) -> tuple[Answer | None, str]:
    """The answer, or None and the error; a rejected question counts as a refusal."""
    from bot.answering.tutor import AskOptions

    ask_options = AskOptions(
        as_of=item.as_of or options.as_of,
        history=list(item.history),
        k=options.k,
        retriever=options.retriever,  # type: ignore[arg-type]
    )
    try:
        return tutor.ask(item.question, ask_options), ""
    except InputError as exc:
        # The user sees a plain message and no answer: for scoring that is a refusal.
        as_of = dt.date.fromisoformat(item.as_of or options.as_of or dt.date.today().isoformat())
        answer = Answer(item.question, as_of, str(exc), refused=True, mode="input-error")
        return answer, ""
    except TutorError as exc:
        return None, str(exc)
    except Exception as exc:  # one broken item must not lose the whole run's report
        message = f"{type(exc).__name__}: {exc}"
        log.error("item %s failed: %s", item.id, message)
        log.debug("traceback of item %s", item.id, exc_info=True)
        return None, message


def unknown_docs(tutor: Answerer, items: Sequence[EvalItem]) -> list[Problem]:
    """Warn about expected documents the index does not hold: such an item can never pass."""
    lister = getattr(tutor, "source_documents", None)
    if lister is None:
        return []
    try:
        known = set(lister())
    except Exception:  # the index may be unavailable; the items will report the error
        return []
    return [
        Problem(
            item.file,
            item.line,
            f"item {item.id!r}: expected document {doc!r} is not in the index",
            level="warning",
        )
        for item in items
        for doc in item.expected_docs
        if doc not in known
    ]


def evaluate(
    tutor: Answerer,
    dataset: Dataset,
    options: RunOptions | None = None,
    progress: Progress | None = None,
) -> EvalRun:
    """Ask every item, score it, and roll the scores up overall and per tag."""
    options = options or RunOptions()
    k = effective_k(tutor, options)
    started = time.perf_counter()
    answers: list[tuple[EvalItem, Answer | None, str, float]] = []
    total = len(dataset.items)
    for done, item in enumerate(dataset.items, start=1):
        t0 = time.perf_counter()
        answer, error = ask_item(tutor, item, options)
        answers.append((item, answer, error, round((time.perf_counter() - t0) * 1000, 2)))
        if progress is not None:
            progress(done, total, item.id)

    # One ir_measures call for the whole run instead of one per item.
    rankings = {
        item.id: answer_ranking(answer)[0] for item, answer, _, _ in answers if answer is not None
    }
    expected = {item.id: item.expected_docs for item in dataset.items if item.id in rankings}
    retrieval = retrieval_scores(expected, rankings, k)

    scores: list[ItemScore] = []
    for item, answer, error, wall_ms in answers:
        if answer is None:
            scores.append(score_error(item, error))
        else:
            scores.append(score_item(item, answer, k, wall_ms, retrieval.get(item.id, {})))
    settings = getattr(tutor, "settings", None)
    config = {
        "system": options.system,
        "files": list(dataset.files),
        "retriever": options.retriever or getattr(settings, "retriever", ""),
        "k": k,
        "as_of": options.as_of or "",
        "llm": options.llm or getattr(settings, "llm", ""),
        "embedding_model": getattr(settings, "embedding_model", ""),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return EvalRun(
        config=config,
        summary=summarize(scores),
        by_tag=summarize_by_tag(scores),
        items=scores,
        problems=list(dataset.problems) + unknown_docs(tutor, dataset.items),
    )
