"""A quiz as an evaluation set (the JSON lines of evals/*.jsonl): can the bot pass its own quiz?

Each item becomes the question the consistency check asks, with the answer as a required
pattern (a date in its usual spellings) and the item's document as the expected source.
"""

from __future__ import annotations

import json
import re

from bot.study.items import Item
from bot.study.quiz import Quiz
from bot.study.spans import date_of


def answer_patterns(item: Item) -> list[list[str]]:
    """The must_include groups: one group of spellings of the answer (none for true/false)."""
    if item.kind == "truefalse":
        return []  # a true/false answer is judged by the documents it cites
    if item.answer_type == "date":
        day = date_of(item.answer)
        month = day.strftime("%B")
        return [
            [
                rf"\b{day.day}\s+{month}\s+{day.year}",
                rf"{month}\s+{day.day},?\s+{day.year}",
                day.isoformat(),
            ]
        ]
    return [[re.escape(item.answer), re.escape(item.answer.replace(",", ""))]]


def eval_record(item: Item, topic: str) -> dict:
    record = {
        "id": f"quiz-{item.id}",
        "question": item.ask,
        "must_include": answer_patterns(item),
        "expected_docs": list(item.fact_docs),
        "answerable": True,
        "tags": ["quiz", topic, item.kind, item.answer_type],
    }
    if item.as_of:
        record["as_of"] = item.as_of
    return record


def quiz_jsonl(quiz: Quiz) -> str:
    return "".join(
        json.dumps(eval_record(i, quiz.topic), ensure_ascii=False) + "\n" for i in quiz.items
    )
