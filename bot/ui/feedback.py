"""Thumbs up / down on answers, kept as JSON lines, and turned into draft evaluation items.

A thumbs-down is a question the tutor got wrong in front of a real user: exporting those as
draft items in the evals format lets a maintainer fill in `must_include` and add them to the
evaluation set, so the same mistake is caught next time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

from bot.answering.types import Answer
from bot.errors import InputError

log = logging.getLogger(__name__)

RATINGS = ("up", "down")
MAX_REASON_CHARS = 1000


def clean_reason(reason: object) -> str:
    """Reasons are optional free text; keep them printable and short."""
    if reason is None:
        return ""
    if not isinstance(reason, str):
        raise InputError("The reason must be text.")
    text = "".join(ch for ch in reason if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = text.strip()
    if len(text) > MAX_REASON_CHARS:
        raise InputError(
            f"Please keep the reason under {MAX_REASON_CHARS:,} characters (it has {len(text):,})."
        )
    return text


def feedback_record(
    answer: Answer,
    rating: str,
    reason: object = "",
    history: list[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """One JSON line: the question, the answer as shown, what it cited, and the rating."""
    if rating not in RATINGS:
        raise InputError(f"A rating is 'up' or 'down', not {rating!r}.")
    record: dict[str, Any] = {
        "time": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "question": answer.question,
        "as_of": answer.as_of.isoformat(),
        "answer": answer.answer,
        "citations": [{"doc_id": c.doc_id, "quote": c.quote} for c in answer.citations],
        "rating": rating,
        "reason": clean_reason(reason),
    }
    if history:
        record["history"] = list(history)  # a follow-up makes no sense without its context
    return record


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one line; the lock keeps lines whole when several users rate at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with FileLock(str(path) + ".lock"), path.open("a", encoding="utf-8") as handle:
        handle.write(line)


def read_feedback(path: Path) -> Iterator[dict[str, Any]]:
    """Every well-formed record; a damaged line is logged and skipped, not fatal."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                log.warning("%s:%d: skipping a damaged feedback line (%s)", path, line_no, exc)
                continue
            if isinstance(record, dict) and isinstance(record.get("question"), str):
                yield record


def draft_id(question: str, as_of: str, history: list[str]) -> str:
    key = "\n".join([question, as_of, *history])
    return "fb-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def draft_eval_item(record: dict[str, Any]) -> dict[str, Any]:
    """A thumbs-down as an evals item; a maintainer still has to write `must_include`."""
    history = [str(q) for q in record.get("history") or []]
    docs: list[str] = []
    for citation in record.get("citations") or []:
        doc_id = str(citation.get("doc_id", "")) if isinstance(citation, dict) else ""
        if doc_id and doc_id not in docs:
            docs.append(doc_id)
    as_of = str(record.get("as_of") or "")
    item: dict[str, Any] = {
        "id": draft_id(record["question"], as_of, history),
        "question": record["question"],
        "as_of": as_of,
        "must_include": [],
        "expected_docs": docs,
        "answerable": True,
        "tags": ["feedback", "draft"],
    }
    if history:
        item["history"] = history
    return item


def export_drafts(path: Path) -> list[dict[str, Any]]:
    """Draft evaluation items for every thumbs-down question, one per question and date."""
    drafts: dict[str, dict[str, Any]] = {}
    for record in read_feedback(path):
        if record.get("rating") == "down":
            item = draft_eval_item(record)
            drafts.setdefault(item["id"], item)
    return list(drafts.values())
