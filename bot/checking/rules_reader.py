"""The shared reading steps of the rule loader: citations, fact ids, notes and date ranges.

Every section's builder reads notes ({text, citation, facts}) the same way, and every citation
must name a document listed in meta.documents; this base class does both, so the section
builders (rules_items.py, rules_loader.py) stay about their own sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from bot.checking.model import Note, Parameter
from bot.checking.rules_yaml import YamlNode

_FACT_ID = re.compile(r"^(?:[TLRKFC]\d+|contradiction \d+)$")


class RuleReader:
    """State shared while one rule folder is read: its sections, documents and parameters."""

    def __init__(self, directory: str, sections: dict[str, YamlNode]) -> None:
        self.directory = directory
        self.sections = sections
        self.documents: set[str] = set()
        self.parameters: dict[str, Parameter] = {}

    # -- shared pieces -------------------------------------------------------------------------

    def _citation(self, node: YamlNode) -> str:
        doc = node.text()
        if doc not in self.documents:
            node.fail(f"cites '{doc}', which is not in meta.documents")
        return doc

    def _facts(self, node: YamlNode) -> tuple[str, ...]:
        facts = []
        for fact_node in node.list():
            fact = str(fact_node.value)
            if not _FACT_ID.match(fact):
                fact_node.fail(f"'{fact}' is not a fact-sheet id such as T7, L13 or R2")
            facts.append(fact)
        if not facts:
            node.fail("must name at least one fact-sheet id")
        return tuple(facts)

    def _note(self, node: YamlNode, fields: Iterable[str], citation: str | None = None) -> Note:
        """A {text, citation, facts} mapping; `citation` given means it is shared."""
        keys = ["text", "facts"] + ([] if citation else ["citation"])
        return self._note_fields(node.mapping(keys), fields, citation)

    def _note_fields(
        self, m: Mapping[str, YamlNode], fields: Iterable[str], citation: str | None = None
    ) -> Note:
        return Note(
            text=m["text"].template(fields),
            citation=citation or self._citation(m["citation"]),
            facts=self._facts(m["facts"]),
        )

    def _dates(self, m: dict[str, YamlNode], node: YamlNode) -> tuple[date | None, date | None]:
        start = m["from"].day() if "from" in m else None
        end = m["to"].day() if "to" in m else None
        if start and end and end < start:
            node.fail(f"'to' ({end}) is before 'from' ({start})")
        return start, end
