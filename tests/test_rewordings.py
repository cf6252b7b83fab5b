"""bench/rewordings.py: the variants keep the item's meaning and expectations."""

from __future__ import annotations

import random

from tests.test_reliability import load_bench

rewordings = load_bench("rewordings")

ITEM = {"id": "x-1", "question": "When was South Korea's removal from the white list?",
        "must_include": [["28 August 2019"]]}


def test_casual_and_formal_rewrites_say_the_same() -> None:
    assert rewordings.casual(ITEM["question"]) == "when was koreas removal from the white list"
    assert rewordings.formal("is korea in group a") == "Is South Korea in group a?"


def test_a_typo_changes_one_long_word_by_one_letter() -> None:
    rng = random.Random(3)
    for _ in range(20):
        typed = rewordings.typo(ITEM["question"], rng)
        changed = [(a, b) for a, b in zip(ITEM["question"].split(), typed.split(), strict=True)
                   if a != b]
        assert len(changed) <= 1
        for before, after in changed:
            assert len(before) >= 5 and abs(len(before) - len(after)) <= 1


def test_variants_keep_the_expectations_and_mark_their_ids() -> None:
    item = {**ITEM, "question": "When was Korea removed from the white list?"}
    rewrites, typos = rewordings.variants(item, random.Random(0))
    assert {r["id"] for r in rewrites} == {"x-1~c", "x-1~f"}
    assert all(v["question"] != item["question"] for v in rewrites + typos)
    assert all(v["must_include"] == ITEM["must_include"] for v in rewrites + typos)
    # a question already in its formal form gets no formal copy of itself
    assert [r["id"] for r in rewordings.variants(ITEM, random.Random(0))[0]] == ["x-1~c"]
    assert all(v["id"].startswith("x-1~t") for v in typos)
