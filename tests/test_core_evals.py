"""The course corpus answers the core evaluation set: the bar the issue sets is 90%.

Runs every item of evals/core.jsonl through the real pipeline (real model, store, corpus).
The per-tag figures are printed so a failing run says where it fell short.
"""

from __future__ import annotations

import pytest

from bot.answering.tutor import Tutor
from bot.config import PROJECT_ROOT
from bot.evaluation.dataset import load_sets
from bot.evaluation.runner import evaluate

pytestmark = pytest.mark.slow
CORE = PROJECT_ROOT / "evals" / "core.jsonl"


def test_core_set_is_well_formed() -> None:
    dataset = load_sets([CORE])
    assert not dataset.problems, dataset.problems
    items = dataset.items
    assert len(items) >= 60
    assert sum(not i.answerable for i in items) >= 8
    assert any(i.history for i in items)


def test_core_set_passes_the_bar(tutor: Tutor) -> None:
    run = evaluate(tutor, load_sets([CORE]))
    summary = run.summary
    for tag, row in sorted(run.by_tag.items()):
        print(f"{tag:14} n={row['n_items']:3} pass={row['pass_rate']:.3f}")
    failed = [s.id for s in run.items if not s.passed]
    assert summary["correctness"] >= 0.9, (summary, failed)
    assert summary["pass_rate"] >= 0.9, (summary, failed)
    assert summary["false_refusal_rate"] <= 0.05
    assert summary["refusal_accuracy"] >= 0.8
