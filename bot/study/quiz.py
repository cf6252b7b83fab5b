"""Pick a quiz from the generated items, keeping only items the tutor itself answers correctly.

The consistency check asks the tutor each item's question (as of the item's day): an item the
tutor refuses or answers with another value is dropped and counted, so a student is never
marked against an answer the chat would contradict, and trainers see how many were dropped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import InputError, TutorError
from bot.ingest.documents import load_corpus
from bot.study.items import MIXED, TOPICS, Item, for_topic, generate_items
from bot.study.spans import DAY_MONTH_YEAR, date_of
from bot.study.timeline import build_timeline

Check = Callable[[Item], bool]
MAX_ITEMS = 50


@dataclass
class Quiz:
    topic: str
    seed: int
    items: list[Item]
    dropped: list[Item] = field(default_factory=list)


def load_items(corpus_dir: Path, seed: int) -> list[Item]:
    """Every candidate item of the corpus for this seed."""
    docs = load_corpus(corpus_dir)
    return generate_items(docs, build_timeline(docs), seed)


def check_topic(topic: str) -> str:
    if topic != MIXED and topic not in TOPICS:
        choices = ", ".join([*TOPICS, MIXED])
        raise InputError(f"'{topic}' is not a quiz topic: choose one of {choices}.")
    return topic


def _current_docs(answer: Any) -> set[str]:
    """Documents cited by the answer's lines about the as-of day (not its history lines)."""
    numbers = {n for line in answer.lines if line.role == "current" for n in line.citations}
    return {c.doc_id for c in answer.citations if not numbers or c.n in numbers}


def answers_item(item: Item, answer: Any) -> bool:
    """Whether a tutor answer gives the item's correct answer."""
    if answer.refused:
        return False
    if item.kind == "truefalse":
        return bool(_current_docs(answer) & set(item.fact_docs))
    if item.answer_type == "date":
        wanted = date_of(item.answer)
        return any(date_of(m.group(0)) == wanted for m in DAY_MONTH_YEAR.finditer(answer.answer))
    return item.answer.replace(",", "") in answer.answer.replace(",", "")


def tutor_check(tutor: Any) -> Check:
    """A check that asks `tutor` each item's question; results are remembered per item."""
    from bot.answering.tutor import AskOptions

    seen: dict[str, bool] = {}

    def check(item: Item) -> bool:
        if item.id not in seen:
            try:
                answer = tutor.ask(item.ask, AskOptions(as_of=item.as_of or None))
                seen[item.id] = answers_item(item, answer)
            except TutorError:
                seen[item.id] = False
        return seen[item.id]

    return check


def _interleaved(items: list[Item], rng: random.Random) -> list[Item]:
    """Shuffle within each question kind, then alternate kinds, so a quiz mixes them."""
    by_kind: dict[str, list[Item]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    queues = [by_kind[k] for k in sorted(by_kind)]
    for queue in queues:
        rng.shuffle(queue)
    rng.shuffle(queues)
    out: list[Item] = []
    while any(queues):
        out += [q.pop(0) for q in queues if q]
    return out


def build_quiz(
    items: list[Item], topic: str, n: int, seed: int, check: Check | None = None
) -> Quiz:
    """Up to `n` items of `topic`, never two with the same answer from the same document, and
    never two true/false items on the same lane and day (one would give the other away)."""
    check_topic(topic)
    if not 1 <= n <= MAX_ITEMS:
        raise InputError(f"A quiz has 1 to {MAX_ITEMS} questions, not {n}.")
    quiz = Quiz(topic, seed, [])
    seen: set[tuple[str, str]] = set()
    for item in _interleaved(for_topic(items, topic), random.Random(seed)):
        if len(quiz.items) == n:
            break
        if _repeat_key(item) in seen:
            continue
        if check is not None and not check(item):
            quiz.dropped.append(item)
            continue
        seen.add(_repeat_key(item))
        quiz.items.append(item)
    return quiz


def _repeat_key(item: Item) -> tuple[str, str]:
    """What two items of one quiz must not share."""
    if item.kind == "truefalse":  # "On <day> (<lane>): <state>" -> the day and the lane
        return (item.kind, item.question.split(":", 1)[0])
    return (item.doc_id, item.answer)


def topic_stats(items: list[Item], check: Check) -> dict[str, dict[str, int]]:
    """Per topic: items generated, and how many the consistency check dropped."""
    stats = {}
    for topic in [*TOPICS, MIXED]:
        pool = for_topic(items, topic)
        dropped = sum(not check(item) for item in pool)
        stats[topic] = {"generated": len(pool), "dropped": dropped, "kept": len(pool) - dropped}
    return stats
