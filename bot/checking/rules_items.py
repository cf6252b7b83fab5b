"""Rule loading, items part: product parameters, the technology keywords and the three items.

Conditions may only test the item's own parameters, extractors must capture a value the
parameter accepts, and aliases may not be shared by two items: each failure names the file
and the field.
"""

from __future__ import annotations

import re

from bot.checking.model import (
    OUTCOMES,
    CheckInputError,
    Clause,
    Condition,
    Constraint,
    ControlEntry,
    Extractor,
    Item,
    Parameter,
    Technology,
    compile_terms,
    normalise_name,
)
from bot.checking.rules_reader import RuleReader
from bot.checking.rules_yaml import YamlNode

NAME_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


class ItemsReader(RuleReader):
    """Reads the parameters, technology and items sections."""

    def _parameters(self, node: YamlNode) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        for p in node.list():
            m = p.mapping(
                ["name", "kind", "label", "question"],
                ["unit", "minimum", "maximum", "exclusive_minimum", "choices"],
            )
            name = m["name"].new_name(NAME_ID, out, "must be a new lowercase name")
            kind = m["kind"].text()
            if kind not in ("number", "choice"):
                m["kind"].fail("must be 'number' or 'choice'")
            choices = m["choices"].texts() if "choices" in m else ()
            if (kind == "choice") != bool(choices):
                p.fail("a choice parameter needs 'choices'; a number parameter must not have them")
            out[name] = Parameter(
                name=name,
                kind=kind,
                label=m["label"].text(),
                question=m["question"].text(),
                unit=m["unit"].text() if "unit" in m else "",
                minimum=m["minimum"].number() if "minimum" in m else None,
                maximum=m["maximum"].number() if "maximum" in m else None,
                exclusive_minimum=m["exclusive_minimum"].flag() if "exclusive_minimum" in m
                else False,
                choices=choices,
            )
        return out

    def _technology(self, node: YamlNode) -> Technology:
        m = node.mapping(["keywords", "text", "citation", "facts"])
        keywords = m["keywords"].texts()
        note = self._note_fields(m, {"item"})
        return Technology(keywords=keywords, note=note, pattern=compile_terms(keywords))

    def _conditions(self, node: YamlNode, item_params: tuple[str, ...]) -> tuple[Condition, ...]:
        out = []
        for name, spec in node.mapping(optional=None).items():
            if name not in item_params:
                spec.fail(f"'{name}' is not one of this item's parameters {list(item_params)}")
            parameter = self.parameters[name]
            s = spec.mapping(optional=["in", "gt", "ge", "lt", "le", "absent", "if_known"])
            bounds = {k: s[k].number() for k in ("gt", "ge", "lt", "le") if k in s}
            choices = s["in"].texts() if "in" in s else ()
            absent = s["absent"].flag() if "absent" in s else False
            if absent and (bounds or choices):
                spec.fail("'absent' cannot be combined with other tests")
            if not (absent or bounds or choices):
                spec.fail("needs a test: in, gt, ge, lt, le or absent")
            if choices and parameter.kind != "choice" or bounds and parameter.kind != "number":
                spec.fail(f"test does not fit the {parameter.kind} parameter '{name}'")
            for choice in choices:
                if choice not in parameter.choices:
                    s["in"].fail(f"'{choice}' is not a choice of {name} {list(parameter.choices)}")
            out.append(Condition(
                parameter=name, choices=choices, absent=absent,
                if_known=s["if_known"].flag() if "if_known" in s else False, **bounds,
            ))
        return tuple(out)

    def _extractor(self, node: YamlNode, item_params: tuple[str, ...]) -> Extractor:
        m = node.mapping(
            ["parameter", "patterns"],
            ["value", "capture", "priority", "skip_context", "case_sensitive", "text", "citation",
             "facts"],
        )
        explained = [k for k in ("text", "citation", "facts") if k in m]
        if explained and len(explained) != 3:
            node.fail("a note on a word needs all of text, citation and facts")
        name = m["parameter"].text()
        if name not in item_params:
            m["parameter"].fail(f"'{name}' is not one of this item's parameters")
        capture = m["capture"].flag() if "capture" in m else False
        if capture == ("value" in m):
            node.fail("give exactly one of 'value' or 'capture: true'")
        value = None
        if "value" in m:
            try:
                value = self.parameters[name].parse(m["value"].value)
            except CheckInputError as exc:
                m["value"].fail(str(exc))
        # ASCII mode: \b then separates "EUV" from "レジスト" in "EUVレジスト".
        sensitive = m["case_sensitive"].flag() if "case_sensitive" in m else False
        flags = re.ASCII if sensitive else re.ASCII | re.IGNORECASE
        patterns = []
        for p in m["patterns"].list():
            try:
                pattern = re.compile(p.text(), flags)
            except re.error as exc:
                p.fail(f"bad regular expression: {exc}")
            if capture and pattern.groups < 1:
                p.fail("a capture pattern needs a group (...) around the number")
            patterns.append(pattern)
        return Extractor(
            parameter=name, patterns=tuple(patterns), value=value,
            priority=m["priority"].integer() if "priority" in m else 0,
            skip_context=m["skip_context"].texts() if "skip_context" in m else (),
            note=self._note_fields(m, item_params) if explained else None,
        )

    def _items(self, node: YamlNode) -> dict[str, Item]:
        out: dict[str, Item] = {}
        alias_owner: dict[str, str] = {}
        for item_node in node.list():
            m = item_node.mapping([
                "id", "name", "aliases", "parameters", "goods_entry", "technology_entry",
                "entry", "clauses", "not_listed", "extract",
            ], ["constraints"])
            item_id = m["id"].new_name(NAME_ID, out, "must be a new lowercase id")
            params = m["parameters"].known_texts(self.parameters, "unknown parameter '{}'")
            aliases = m["aliases"].texts()
            for i, alias in enumerate(aliases):
                owner = alias_owner.setdefault(normalise_name(alias), item_id)
                if owner != item_id:
                    m["aliases"].child(i, alias).fail(f"alias '{alias}' is also used by {owner}")
            clauses = self._clauses(m["clauses"], params)
            not_listed = m["not_listed"].mapping(["text", "citation", "facts"], ["notes"])
            notes = not_listed["notes"].list() if "notes" in not_listed else []
            out[item_id] = Item(
                id=item_id,
                name=m["name"].text(),
                aliases=aliases,
                parameters=params,
                goods_entry=self._entry(m["goods_entry"]),
                technology_entry=self._entry(m["technology_entry"]),
                entry=self._note(m["entry"], params),
                clauses=clauses,
                constraints=tuple(
                    self._constraint(c, params)
                    for c in (m["constraints"].list() if "constraints" in m else [])
                ),
                not_listed=self._note_fields(not_listed, params),
                not_listed_notes=tuple(self._note(n, params) for n in notes),
                extractors=tuple(self._extractor(e, params) for e in m["extract"].list()),
                alias_pattern=compile_terms(aliases),
            )
        if not out:
            node.fail("needs at least one item")
        return out

    def _clauses(self, node: YamlNode, params: tuple[str, ...]) -> tuple[Clause, ...]:
        clauses = []
        ids: set[str] = set()
        for c in node.list():
            m = c.mapping(["id", "when", "text", "citation", "facts"], ["outcome", "questions"])
            clause_id = m["id"].text()
            if clause_id in ids:
                m["id"].fail(f"duplicate clause id '{clause_id}'")
            ids.add(clause_id)
            outcome = m["outcome"].text() if "outcome" in m else "listed"
            if outcome not in OUTCOMES:
                m["outcome"].fail(f"must be one of {', '.join(OUTCOMES)}")
            clauses.append(Clause(
                id=clause_id,
                conditions=self._conditions(m["when"], params),
                outcome=outcome,
                note=self._note_fields(m, params),
                questions=m["questions"].texts() if "questions" in m else (),
            ))
        if not any(c.outcome == "listed" for c in clauses):
            node.fail("needs at least one clause with outcome 'listed'")
        return tuple(clauses)

    def _constraint(self, node: YamlNode, params: tuple[str, ...]) -> Constraint:
        m = node.mapping(["when", "require", "message"])
        return Constraint(
            when=self._conditions(m["when"], params),
            require=self._conditions(m["require"], params),
            message=m["message"].template(params),
        )

    def _entry(self, node: YamlNode) -> ControlEntry:
        m = node.mapping(["row", "ordinance", "international"])
        return ControlEntry(m["row"].text(), m["ordinance"].text(), m["international"].text())
