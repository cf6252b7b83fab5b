"""The evaluation sets are well formed and the held-out set meets its writer's brief.

The bars on the tutor's figures are `make test`'s gates (`bot eval --baseline` with
SUITE:METRIC bars, all three suites): one place, one run, beside the naive baseline.
"""

from __future__ import annotations

import re

import pytest

from bot.config import PROJECT_ROOT
from bot.evaluation.dataset import load_sets
from bot.evaluation.suites import standard_suites

EVALS = PROJECT_ROOT / "evals"
# The brief of evals/README.md: minimum share of each style among held-out items.
HELDOUT_MIX = {"casual": 0.30, "typo": 0.10, "broad": 0.15, "yesno": 0.10, "followup": 0.10}
FACT_ID = re.compile(r"^[TLRKFC]\d+$")


@pytest.mark.parametrize("suite", standard_suites(EVALS), ids=lambda s: s.name)
def test_suite_is_well_formed(suite) -> None:
    dataset = load_sets([suite.questions])
    assert not dataset.problems, dataset.problems
    if suite.documents is not None:
        files = {p.name for p in suite.documents.iterdir()}
        for item in dataset.items:
            assert set(item.expected_docs) <= files, item.id
    for item in dataset.items:
        assert all(FACT_ID.match(f) for f in item.facts), item.id


def test_heldout_set_meets_its_brief() -> None:
    items = load_sets([EVALS / "heldout.jsonl"]).items
    assert len(items) >= 200
    n = len(items)
    for tag, share in HELDOUT_MIX.items():
        assert sum(tag in i.tags for i in items) / n >= share, tag
    refusals = [i for i in items if not i.answerable]
    assert len(refusals) / n >= 0.10
    assert all(i.history for i in items if "followup" in i.tags)
    assert all(i.facts for i in items if i.answerable), "every expectation names its fact IDs"
    assert all(not i.expected_docs for i in items), "written blind: no document ids"


def test_userdocs_set_size() -> None:
    suite = standard_suites(EVALS, ["userdocs"])[0]
    assert len(load_sets([suite.questions]).items) >= 40
    assert len([p for p in suite.documents.iterdir() if p.is_file()]) >= 8
