"""Evaluation sets: JSON lines, validated line by line so one bad item never hides the rest.

A trainer edits these files by hand, so every problem names the file and the line, the valid
items still run, and only a set with nothing runnable at all is an error.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import TutorError

REQUIRED_FIELDS = ("id", "question", "must_include", "expected_docs", "answerable", "tags")
OPTIONAL_FIELDS = ("as_of", "history", "facts")
ALL_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS


class EvalSetError(TutorError):
    """A set file is missing or holds no runnable item; the message names the file."""


@dataclass(frozen=True)
class Problem:
    """One rejected line (or a warning about one), with where it is."""

    file: str
    line: int
    message: str
    level: str = "error"  # error: the line was skipped; warning: the item still runs

    def __str__(self) -> str:
        prefix = "warning: " if self.level == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message, "level": self.level}


@dataclass(frozen=True)
class EvalItem:
    """One question with what a good answer must contain, cite and whether it may be refused."""

    id: str
    question: str
    must_include: list[list[str]] = field(default_factory=list)
    expected_docs: list[str] = field(default_factory=list)
    answerable: bool = True
    tags: list[str] = field(default_factory=list)
    as_of: str | None = None
    history: list[str] = field(default_factory=list)
    # Fact-sheet IDs the expected answer rests on (traceability; not used for scoring).
    facts: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else ""

    def patterns(self) -> list[list[re.Pattern[str]]]:
        """Compiled must_include groups (validated at load time, so this cannot fail)."""
        return [[re.compile(p, re.IGNORECASE) for p in group] for group in self.must_include]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "must_include": self.must_include,
            "expected_docs": self.expected_docs,
            "answerable": self.answerable,
            "tags": self.tags,
        }
        if self.as_of:
            data["as_of"] = self.as_of
        if self.history:
            data["history"] = self.history
        if self.facts:
            data["facts"] = self.facts
        return data


@dataclass
class Dataset:
    """The runnable items of one or more files, plus every line that was rejected."""

    items: list[EvalItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name!r} must be a list of strings")
    return list(value)


def parse_item(data: Any, file: str = "", line: int = 0) -> EvalItem:
    """Check one decoded line; raise ValueError with a message a trainer can act on."""
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    unknown = sorted(set(data) - set(ALL_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(ALL_FIELDS)}"
        )
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise ValueError(f"missing required field(s) {', '.join(map(repr, missing))}")
    item_id, question = data["id"], data["question"]
    if not isinstance(item_id, str) or not item_id.strip():
        raise ValueError("'id' must be a non-empty string")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be a non-empty string")
    groups = data["must_include"]
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and g and all(isinstance(p, str) and p for p in g) for g in groups
    ):
        raise ValueError(
            "'must_include' must be a list of groups, each a non-empty list of regular "
            'expressions, e.g. [["28 August 2019", "2019-08-28"]]'
        )
    for group in groups:
        for pattern in group:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    if not isinstance(data["answerable"], bool):
        raise ValueError("'answerable' must be true or false")
    as_of = data.get("as_of")
    if as_of is not None:
        if not isinstance(as_of, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
            raise ValueError(f"'as_of' must be a date written YYYY-MM-DD, not {as_of!r}")
        try:
            dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise ValueError(f"'as_of' {as_of!r} is not a real date") from exc
    return EvalItem(
        id=item_id.strip(),
        question=question,
        must_include=[list(g) for g in groups],
        expected_docs=_string_list(data["expected_docs"], "expected_docs"),
        answerable=data["answerable"],
        tags=_string_list(data["tags"], "tags"),
        as_of=as_of,
        history=_string_list(data.get("history", []), "history"),
        facts=_string_list(data.get("facts", []), "facts"),
        file=file,
        line=line,
    )


def parse_lines(lines: Iterable[str], file: str, dataset: Dataset, seen: dict[str, str]) -> None:
    """Add the valid items of `lines` to `dataset`; record every other line as a problem."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            dataset.problems.append(Problem(file, number, f"malformed JSON: {exc.msg}"))
            continue
        try:
            item = parse_item(data, file, number)
        except ValueError as exc:
            label = f"item {data['id']!r}: " if isinstance(data, dict) and "id" in data else ""
            dataset.problems.append(Problem(file, number, f"{label}{exc}"))
            continue
        if item.id in seen:
            dataset.problems.append(
                Problem(file, number, f"duplicate id {item.id!r} (first at {seen[item.id]})")
            )
            continue
        seen[item.id] = item.where
        dataset.items.append(item)


def load_sets(paths: Iterable[str | Path]) -> Dataset:
    """Read every file; raise EvalSetError if one is unreadable or none holds a valid item."""
    dataset = Dataset()
    seen: dict[str, str] = {}
    for path in map(Path, paths):
        if not path.is_file():
            raise EvalSetError(f"Evaluation set {str(path)!r} does not exist.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise EvalSetError(f"Cannot read evaluation set {str(path)!r}: {exc}") from exc
        dataset.files.append(str(path))
        parse_lines(text.splitlines(), str(path), dataset, seen)
    if not dataset.files:
        raise EvalSetError("Give at least one evaluation set (a .jsonl file).")
    if not dataset.items:
        details = "".join(f"\n  {p}" for p in dataset.problems[:10])
        raise EvalSetError(
            f"No valid items in {', '.join(dataset.files)}"
            + (f" ({len(dataset.problems)} problem(s)):{details}" if details else " (empty).")
        )
    return dataset
