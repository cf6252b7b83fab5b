"""Read corpus/rules/*.yaml into located YAML nodes.

Every value keeps the file and field path it came from, so a typo in a rule file fails with a
message a reviewer can act on ("items.yaml: items[0].clauses[2].when: ...") rather than a stack
trace from deep inside the decision code.
"""

from __future__ import annotations

import re
import string
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import yaml

from bot.checking.model import SECTIONS, RulesError
from bot.yaml_loader import load_yaml


def read_sections(directory: str, paths: Sequence[Path]) -> dict[str, YamlNode]:
    """The top-level sections of all files; a section may live in any file, but only in one."""
    sections: dict[str, YamlNode] = {}
    for path in paths:
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise RulesError(path.name, "(YAML syntax)", str(exc).replace("\n", " ")) from exc
        if data is None:
            continue
        top = YamlNode(data, path.name, "")
        for name, node in top.mapping(optional=SECTIONS).items():
            if name in sections:
                node.fail(f"section '{name}' is also defined in {sections[name].file}")
            sections[name] = node
    for name in SECTIONS:
        if name not in sections:
            raise RulesError(directory, name, "required section is missing from every rule file")
    return sections


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


@dataclass(frozen=True)
class YamlNode:
    """A YAML value with the file and field path it came from, for precise error messages."""

    value: Any
    file: str
    path: str

    def fail(self, problem: str) -> NoReturn:
        raise RulesError(self.file, self.path or "(top level)", problem)

    def child(self, key: str | int, value: Any) -> YamlNode:
        if isinstance(key, int):
            return YamlNode(value, self.file, f"{self.path}[{key}]")
        return YamlNode(value, self.file, f"{self.path}.{key}" if self.path else key)

    def mapping(
        self, required: Iterable[str] = (), optional: Iterable[str] | None = ()
    ) -> dict[str, YamlNode]:
        """The mapping's fields; unknown fields are errors unless `optional` is None."""
        if not isinstance(self.value, dict):
            self.fail(f"must be a mapping, got {_kind(self.value)}")
        required = tuple(required)
        allowed = None if optional is None else set(required) | set(optional)
        out: dict[str, YamlNode] = {}
        for key, value in self.value.items():
            node = self.child(str(key), value)
            if not isinstance(key, str):
                node.fail(f"key {key!r} must be a string (quote it)")
            if allowed is not None and key not in allowed:
                node.fail(f"unknown field (expected one of: {', '.join(sorted(allowed))})")
            out[key] = node
        for key in required:
            if key not in out:
                self.child(key, None).fail("required field is missing")
        return out

    def list(self) -> list[YamlNode]:
        if not isinstance(self.value, list):
            self.fail(f"must be a list, got {_kind(self.value)}")
        return [self.child(i, v) for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            self.fail(f"must be a non-empty string, got {_kind(self.value)}")
        return " ".join(self.value.split())

    def texts(self) -> tuple[str, ...]:
        return tuple(node.text() for node in self.list())

    def number(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            self.fail(f"must be a number, got {_kind(self.value)}")
        return float(self.value)

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.fail(f"must be an integer, got {_kind(self.value)}")
        return int(self.value)

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"must be true or false, got {_kind(self.value)}")
        return self.value

    def day(self) -> date:
        if isinstance(self.value, date):
            return self.value
        if isinstance(self.value, str):
            try:
                return date.fromisoformat(self.value)
            except ValueError:
                pass
        self.fail(f"must be a date YYYY-MM-DD, got {self.value!r}")

    def template(self, allowed: Iterable[str]) -> str:
        """A text whose {placeholders} are all in `allowed` (checked now, not at check time)."""
        text = self.text()
        allowed = set(allowed)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            self.fail(f"bad placeholder: {exc}")
        for name in fields:
            if name not in allowed:
                shown = ", ".join(sorted(allowed)) or "none"
                self.fail(f"unknown placeholder {{{name}}} (allowed: {shown})")
        return text

    def new_name(self, pattern: re.Pattern[str], taken: Container[str], problem: str) -> str:
        """A text that is well formed and not used before: ids are how rules refer to things."""
        text = self.text()
        if not pattern.match(text) or text in taken:
            self.fail(f"'{text}' {problem}")
        return text

    def known_texts(self, known: Container[str], problem: str) -> tuple[str, ...]:
        """A list of references that must all exist; a {} in `problem` stands for the bad one."""
        texts = self.texts()
        for i, text in enumerate(texts):
            if text not in known:
                self.child(i, text).fail(problem.format(text))
        return texts
