"""Load and validate the product checker's rules from corpus/rules/*.yaml.

The rules are data so that a reviewer can check every threshold, date and citation against the
fact sheet without reading code. Validation happens once, on load: a typo fails loudly and
names the file and the field, instead of silently changing a verdict.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import yaml

from bot.errors import InputError, TutorError

Value = float | str
FORMS = ("goods", "technology")
OUTCOMES = ("listed", "need_more_information")
CONTEXT_FIELDS = frozenset({"country", "date", "item"})
SECTIONS = (
    "meta", "parameters", "technology", "items", "countries", "groups", "memberships", "places",
    "licence_types", "group_licences", "other_licences", "measures", "catch_all",
)
_FACT_ID = re.compile(r"^(?:[TLRKFC]\d+|contradiction \d+)$")
_DOC_ID = re.compile(r"^[a-z0-9-]+$")
_CODE = re.compile(r"^[A-Z]{2}$")
_NAME_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


class RulesError(TutorError):
    """The rule files are broken; the message names the file and the field to fix."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        super().__init__(f"{file}: {field}: {problem}")
        self.file = file
        self.field = field
        self.problem = problem


class CheckInputError(InputError):
    """A check's input (country, date, parameter) is not acceptable; the message says why."""


def format_value(value: Value | None) -> str:
    """Write a parameter value as a person would: 30.0 -> '30', 30.01 -> '30.01'."""
    if value is None:
        return "not stated"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def fill(template: str, values: Mapping[str, object]) -> str:
    """Fill a rule text's {placeholders}; a value not given reads 'not stated'."""

    class _Values(dict):
        def __missing__(self, key: str) -> str:
            return "not stated"

    shown = _Values({k: format_value(v) if isinstance(v, float | None) else str(v)
                     for k, v in values.items()})
    return template.format_map(shown)


def normalise_name(text: str) -> str:
    """Fold a country or item name so 'U.S.', 'u s' and 'US' compare equal."""
    folded = re.sub(r"[.\u2019']", "", text.casefold())
    folded = re.sub(r"[\s_-]+", " ", folded).strip()
    return folded[4:] if folded.startswith("the ") else folded


def compile_terms(terms: Iterable[str]) -> re.Pattern[str]:
    """One regex finding any term: longest first, ASCII as whole words, capitals exactly."""
    pieces = []
    for term in sorted(set(terms), key=len, reverse=True):
        piece = r"\s+".join(re.escape(word) for word in term.split())
        if not (term.isupper() and term.isascii()):
            piece = f"(?i:{piece})"
        if term.isascii():
            piece = rf"(?<![A-Za-z0-9]){piece}(?![A-Za-z0-9])"
        pieces.append(piece)
    return re.compile("|".join(pieces) if pieces else r"(?!x)x")


@dataclass(frozen=True)
class Note:
    """A text shown as one reasoning step, with the corpus document and facts behind it."""

    text: str
    citation: str
    facts: tuple[str, ...]


@dataclass(frozen=True)
class Parameter:
    """A product parameter the user can give with --param name=value."""

    name: str
    kind: str
    label: str
    question: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()

    def parse(self, raw: object) -> Value:
        """Turn user input into a value, refusing what is impossible (140% fluorine...)."""
        if self.kind == "choice":
            text = str(raw).strip().lower()
            if text not in self.choices:
                raise CheckInputError(
                    f"{self.name} must be one of {', '.join(self.choices)}; got {raw!r}"
                )
            return text
        number = self._number(raw)
        unit = self.unit if self.unit == "%" else f" {self.unit}"
        low = self.minimum
        if low is not None and (number < low or (self.exclusive_minimum and number == low)):
            bound = "above" if self.exclusive_minimum else "at least"
            raise CheckInputError(
                f"{self.name}={format_value(number)} is impossible: it must be {bound} "
                f"{format_value(low)}{unit}"
            )
        if self.maximum is not None and number > self.maximum:
            raise CheckInputError(
                f"{self.name}={format_value(number)} is impossible: it must be at most "
                f"{format_value(self.maximum)}{unit}"
            )
        return number

    def _number(self, raw: object) -> float:
        if isinstance(raw, bool):
            raise CheckInputError(f"{self.name} must be a number, got {raw!r}")
        if isinstance(raw, int | float):
            number = float(raw)
        else:
            text = str(raw).strip()
            if self.unit and text.lower().endswith(self.unit.lower()):
                text = text[: -len(self.unit)].strip()
            try:
                number = float(text)
            except ValueError:
                raise CheckInputError(
                    f"{self.name} must be a number (in {self.unit}); got {raw!r}"
                ) from None
        if not math.isfinite(number):
            raise CheckInputError(f"{self.name} must be a finite number; got {raw!r}")
        return number


@dataclass(frozen=True)
class Condition:
    """One test on one parameter: a choice, a range, or 'not given'."""

    parameter: str
    choices: tuple[str, ...] = ()
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    absent: bool = False
    if_known: bool = False

    def evaluate(self, params: Mapping[str, Value]) -> bool | None:
        """True or False when decidable; None when the parameter was not given."""
        value = params.get(self.parameter)
        if self.absent:
            return value is None
        if value is None:
            return None
        if self.choices:
            return value in self.choices
        number = float(value)
        return not (
            (self.gt is not None and not number > self.gt)
            or (self.ge is not None and not number >= self.ge)
            or (self.lt is not None and not number < self.lt)
            or (self.le is not None and not number <= self.le)
        )


@dataclass(frozen=True)
class Clause:
    """One way an item can be caught; all conditions must hold."""

    id: str
    conditions: tuple[Condition, ...]
    outcome: str
    note: Note
    questions: tuple[str, ...] = ()

    def status(self, params: Mapping[str, Value]) -> tuple[str, tuple[str, ...]]:
        """('match'|'excluded'|'open', parameters still needed to decide it)."""
        missing: list[str] = []
        for condition in self.conditions:
            result = condition.evaluate(params)
            if result is False:
                return "excluded", ()
            if result is None and not condition.if_known:
                missing.append(condition.parameter)
        return ("open", tuple(missing)) if missing else ("match", ())


@dataclass(frozen=True)
class Constraint:
    """Parameter combinations that contradict each other, refused as input errors."""

    when: tuple[Condition, ...]
    require: tuple[Condition, ...]
    message: str


@dataclass(frozen=True)
class Extractor:
    """Finds one parameter stated in free text (a fixed value or a captured number)."""

    parameter: str
    patterns: tuple[re.Pattern[str], ...]
    value: Value | None = None
    priority: int = 0
    skip_context: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlEntry:
    """Where an item sits in Japan's lists and the international regimes."""

    row: str
    ordinance: str
    international: str

    def to_dict(self) -> dict[str, str]:
        return {"row": self.row, "ordinance": self.ordinance, "international": self.international}


@dataclass(frozen=True)
class Item:
    """One of the three items, with the rules that decide whether a product is listed."""

    id: str
    name: str
    aliases: tuple[str, ...]
    parameters: tuple[str, ...]
    goods_entry: ControlEntry
    technology_entry: ControlEntry
    entry: Note
    clauses: tuple[Clause, ...]
    constraints: tuple[Constraint, ...]
    not_listed: Note
    not_listed_notes: tuple[Note, ...]
    extractors: tuple[Extractor, ...]
    alias_pattern: re.Pattern[str]


@dataclass(frozen=True)
class Technology:
    """Words that make a description about technology, and the step that explains it."""

    keywords: tuple[str, ...]
    note: Note
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Country:
    code: str
    alpha3: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    former_name: str
    default: bool
    confidence: str
    note: Note


@dataclass(frozen=True)
class Membership:
    """A country's group for a period (open ends are None)."""

    country: str
    group: str
    start: date | None
    end: date | None
    note: Note

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class LicenceType:
    id: str
    name: str
    description: str
    note: Note


@dataclass(frozen=True)
class GroupLicences:
    group: str
    licence_types: tuple[str, ...]
    note: Note


@dataclass(frozen=True)
class Measure:
    """A special measure for some destinations, items and forms over a period."""

    id: str
    countries: tuple[str, ...]
    items: tuple[str, ...]
    forms: tuple[str, ...]
    start: date | None
    end: date | None
    priority: int
    licence_types: tuple[str, ...] | None
    note: Note

    def applies(self, country: str, item: str, form: str, day: date) -> bool:
        return (
            country in self.countries and item in self.items and form in self.forms
            and (self.start is None or self.start <= day) and (self.end is None or day <= self.end)
        )


@dataclass(frozen=True)
class CatchAll:
    listed: Note
    group_a: Note
    applies_if: Note
    unknown_destination: Note
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Meta:
    covered_from: date
    groups_named_from: date
    disclaimer: str
    documents: tuple[str, ...]
    item_question: str
    destination_question: str
    unknown_item: Note
    classification: Note
    ambiguous_item: Note
    list_control: Note
    groups_renamed: Note


@dataclass(frozen=True)
class Rules:
    """Everything the checker decides from; build it with `load_rules`."""

    source: str
    meta: Meta
    parameters: Mapping[str, Parameter]
    technology: Technology
    items: Mapping[str, Item]
    countries: Mapping[str, Country]
    country_lookup: Mapping[str, str]
    country_text_pattern: re.Pattern[str]
    country_text_lookup: Mapping[str, str]
    groups: Mapping[str, Group]
    memberships: tuple[Membership, ...]
    licence_types: Mapping[str, LicenceType]
    group_licences: Mapping[str, GroupLicences]
    other_licences: Note
    measures: tuple[Measure, ...]
    catch_all: CatchAll

    @property
    def default_group(self) -> Group:
        return next(g for g in self.groups.values() if g.default)


# ---------------------------------------------------------------------------------------------
# Loading


def load_rules(rules_dir: Path | str | None = None) -> Rules:
    """Load and validate every *.yaml file in `rules_dir` (default: settings.rules_dir).

    Cached on the files' names, sizes and modification times, so repeated checks are cheap and
    an edited rule file is picked up.
    """
    if rules_dir is None:
        from bot.config import load_settings

        rules_dir = load_settings().rules_dir
    directory = Path(rules_dir)
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise RulesError(str(directory), "(directory)", "no rule files (*.yaml) found")
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load(str(directory), stamp)


@functools.lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple[tuple[str, int, int], ...]) -> Rules:
    sections: dict[str, _Node] = {}
    for path_text, _, _ in stamp:
        path = Path(path_text)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise RulesError(path.name, "(YAML syntax)", str(exc).replace("\n", " ")) from exc
        if data is None:
            continue
        top = _Node(data, path.name, "")
        for name, node in top.mapping(optional=SECTIONS).items():
            if name in sections:
                node.fail(f"section '{name}' is also defined in {sections[name].file}")
            sections[name] = node
    for name in SECTIONS:
        if name not in sections:
            raise RulesError(directory, name, "required section is missing from every rule file")
    return _Builder(directory, sections).build()


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


@dataclass(frozen=True)
class _Node:
    """A YAML value with the file and field path it came from, for precise error messages."""

    value: Any
    file: str
    path: str

    def fail(self, problem: str) -> NoReturn:
        raise RulesError(self.file, self.path or "(top level)", problem)

    def child(self, key: str | int, value: Any) -> _Node:
        if isinstance(key, int):
            return _Node(value, self.file, f"{self.path}[{key}]")
        return _Node(value, self.file, f"{self.path}.{key}" if self.path else key)

    def mapping(
        self, required: Iterable[str] = (), optional: Iterable[str] | None = ()
    ) -> dict[str, _Node]:
        """The mapping's fields; unknown fields are errors unless `optional` is None."""
        if not isinstance(self.value, dict):
            self.fail(f"must be a mapping, got {_kind(self.value)}")
        required = tuple(required)
        allowed = None if optional is None else set(required) | set(optional)
        out: dict[str, _Node] = {}
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

    def list(self) -> list[_Node]:
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


class _Builder:
    """Turns validated YAML sections into `Rules`, checking cross-references."""

    def __init__(self, directory: str, sections: dict[str, _Node]) -> None:
        self.directory = directory
        self.sections = sections
        self.documents: set[str] = set()
        self.parameters: dict[str, Parameter] = {}

    def build(self) -> Rules:
        s = self.sections
        meta = self._meta(s["meta"])
        self.parameters = self._parameters(s["parameters"])
        items = self._items(s["items"])
        countries = self._countries(s["countries"])
        groups, memberships = self._groups(s["groups"], s["memberships"], countries)
        lookup = self._country_lookup(countries)
        text_lookup, text_terms = self._text_lookup(countries, s["places"])
        licence_types = self._licence_types(s["licence_types"])
        catch = s["catch_all"].mapping(
            ["citation", "listed", "group_a", "applies_if", "unknown_destination", "questions"]
        )
        citation = self._citation(catch["citation"])
        return Rules(
            source=self.directory,
            meta=meta,
            parameters=self.parameters,
            technology=self._technology(s["technology"]),
            items=items,
            countries=countries,
            country_lookup=lookup,
            country_text_pattern=compile_terms(text_terms),
            country_text_lookup=text_lookup,
            groups=groups,
            memberships=memberships,
            licence_types=licence_types,
            group_licences=self._group_licences(s["group_licences"], groups, licence_types),
            other_licences=self._note(s["other_licences"], ()),
            measures=self._measures(s["measures"], countries, items, licence_types),
            catch_all=CatchAll(
                listed=self._note(catch["listed"], CONTEXT_FIELDS, citation),
                group_a=self._note(catch["group_a"], CONTEXT_FIELDS, citation),
                applies_if=self._note(catch["applies_if"], CONTEXT_FIELDS, citation),
                unknown_destination=self._note(
                    catch["unknown_destination"], CONTEXT_FIELDS, citation
                ),
                questions=catch["questions"].texts(),
            ),
        )

    # -- shared pieces -------------------------------------------------------------------------

    def _citation(self, node: _Node) -> str:
        doc = node.text()
        if doc not in self.documents:
            node.fail(f"cites '{doc}', which is not in meta.documents")
        return doc

    def _facts(self, node: _Node) -> tuple[str, ...]:
        facts = []
        for fact_node in node.list():
            fact = str(fact_node.value)
            if not _FACT_ID.match(fact):
                fact_node.fail(f"'{fact}' is not a fact-sheet id such as T7, L13 or R2")
            facts.append(fact)
        if not facts:
            node.fail("must name at least one fact-sheet id")
        return tuple(facts)

    def _note(self, node: _Node, fields: Iterable[str], citation: str | None = None) -> Note:
        """A {text, citation, facts} mapping; `citation` given means it is shared."""
        keys = ["text", "facts"] + ([] if citation else ["citation"])
        return self._note_fields(node.mapping(keys), fields, citation)

    def _note_fields(
        self, m: Mapping[str, _Node], fields: Iterable[str], citation: str | None = None
    ) -> Note:
        return Note(
            text=m["text"].template(fields),
            citation=citation or self._citation(m["citation"]),
            facts=self._facts(m["facts"]),
        )

    def _dates(self, m: dict[str, _Node], node: _Node) -> tuple[date | None, date | None]:
        start = m["from"].day() if "from" in m else None
        end = m["to"].day() if "to" in m else None
        if start and end and end < start:
            node.fail(f"'to' ({end}) is before 'from' ({start})")
        return start, end

    # -- sections ------------------------------------------------------------------------------

    def _meta(self, node: _Node) -> Meta:
        m = node.mapping([
            "covered_from", "groups_named_from", "disclaimer", "documents", "questions",
            "unknown_item", "classification", "ambiguous_item", "list_control", "groups_renamed",
        ])
        for doc_node in m["documents"].list():
            doc = doc_node.text()
            if not _DOC_ID.match(doc) or doc in self.documents:
                doc_node.fail(f"'{doc}' is not a new document id of the form [a-z0-9-]+")
            self.documents.add(doc)
        questions = m["questions"].mapping(["item", "destination"])
        return Meta(
            covered_from=m["covered_from"].day(),
            groups_named_from=m["groups_named_from"].day(),
            disclaimer=m["disclaimer"].text(),
            documents=tuple(self.documents),
            item_question=questions["item"].text(),
            destination_question=questions["destination"].text(),
            unknown_item=self._note(m["unknown_item"], ()),
            classification=self._note(m["classification"], ()),
            ambiguous_item=self._note(m["ambiguous_item"], {"matches"}),
            list_control=self._note(m["list_control"], CONTEXT_FIELDS),
            groups_renamed=self._note(m["groups_renamed"], CONTEXT_FIELDS),
        )

    def _parameters(self, node: _Node) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        for p in node.list():
            m = p.mapping(
                ["name", "kind", "label", "question"],
                ["unit", "minimum", "maximum", "exclusive_minimum", "choices"],
            )
            name = m["name"].text()
            if not _NAME_ID.match(name) or name in out:
                m["name"].fail(f"'{name}' must be a new lowercase name")
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

    def _technology(self, node: _Node) -> Technology:
        m = node.mapping(["keywords", "text", "citation", "facts"])
        keywords = m["keywords"].texts()
        note = Note(m["text"].template({"item"}), self._citation(m["citation"]),
                    self._facts(m["facts"]))
        return Technology(keywords=keywords, note=note, pattern=compile_terms(keywords))

    def _conditions(self, node: _Node, item_params: tuple[str, ...]) -> tuple[Condition, ...]:
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

    def _extractor(self, node: _Node, item_params: tuple[str, ...]) -> Extractor:
        m = node.mapping(
            ["parameter", "patterns"],
            ["value", "capture", "priority", "skip_context", "case_sensitive"],
        )
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
        )

    def _items(self, node: _Node) -> dict[str, Item]:
        out: dict[str, Item] = {}
        alias_owner: dict[str, str] = {}
        for item_node in node.list():
            m = item_node.mapping([
                "id", "name", "aliases", "parameters", "goods_entry", "technology_entry",
                "entry", "clauses", "not_listed", "extract",
            ], ["constraints"])
            item_id = m["id"].text()
            if not _NAME_ID.match(item_id) or item_id in out:
                m["id"].fail(f"'{item_id}' must be a new lowercase id")
            params = m["parameters"].texts()
            for i, name in enumerate(params):
                if name not in self.parameters:
                    m["parameters"].child(i, name).fail(f"unknown parameter '{name}'")
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

    def _clauses(self, node: _Node, params: tuple[str, ...]) -> tuple[Clause, ...]:
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
                note=Note(m["text"].template(params), self._citation(m["citation"]),
                          self._facts(m["facts"])),
                questions=m["questions"].texts() if "questions" in m else (),
            ))
        if not any(c.outcome == "listed" for c in clauses):
            node.fail("needs at least one clause with outcome 'listed'")
        return tuple(clauses)

    def _constraint(self, node: _Node, params: tuple[str, ...]) -> Constraint:
        m = node.mapping(["when", "require", "message"])
        return Constraint(
            when=self._conditions(m["when"], params),
            require=self._conditions(m["require"], params),
            message=m["message"].template(params),
        )

    def _entry(self, node: _Node) -> ControlEntry:
        m = node.mapping(["row", "ordinance", "international"])
        return ControlEntry(m["row"].text(), m["ordinance"].text(), m["international"].text())

    def _countries(self, node: _Node) -> dict[str, Country]:
        out: dict[str, Country] = {}
        for c in node.list():
            m = c.mapping(["code", "alpha3", "name"], ["aliases"])
            code = m["code"].value
            if not isinstance(code, str) or not _CODE.match(code) or code in out:
                m["code"].fail(f"{code!r} must be a new ISO 3166 alpha-2 code in quotes")
            out[code] = Country(
                code=code,
                alpha3=m["alpha3"].text(),
                name=m["name"].text(),
                aliases=m["aliases"].texts() if "aliases" in m else (),
            )
        return out

    def _country_code(self, node: _Node, countries: Mapping[str, Country]) -> str:
        code = node.value
        if not isinstance(code, str) or code not in countries:
            node.fail(f"{code!r} is not a country code in countries (quote codes such as \"NO\")")
        return code

    def _country_lookup(self, countries: Mapping[str, Country]) -> dict[str, str]:
        lookup: dict[str, str] = {}
        node = self.sections["countries"]
        for i, country in enumerate(countries.values()):
            for name in (country.code, country.alpha3, country.name, *country.aliases):
                key = normalise_name(name)
                if lookup.setdefault(key, country.code) != country.code:
                    node.child(i, name).fail(
                        f"name '{name}' is also used by {lookup[key]}"
                    )
        return lookup

    def _text_lookup(
        self, countries: Mapping[str, Country], places: _Node
    ) -> tuple[dict[str, str], list[str]]:
        """Names findable in free text (names, aliases, places; never bare ISO codes)."""
        lookup: dict[str, str] = {}
        terms: list[str] = []
        for country in countries.values():
            for name in (country.name, *country.aliases):
                lookup[normalise_name(name)] = country.code
                terms.append(name)
        for place, code_node in places.mapping(optional=None).items():
            code = self._country_code(code_node, countries)
            if lookup.setdefault(normalise_name(place), code) != code:
                code_node.fail(f"'{place}' is already a name of {lookup[normalise_name(place)]}")
            terms.append(place)
        return lookup, terms

    def _groups(
        self, node: _Node, dated: _Node, countries: Mapping[str, Country]
    ) -> tuple[dict[str, Group], tuple[Membership, ...]]:
        groups: dict[str, Group] = {}
        spans: list[tuple[Membership, _Node]] = []
        for g in node.list():
            m = g.mapping(
                ["code", "name", "citation", "facts", "confidence", "text", "members"],
                ["former_name", "default"],
            )
            code = m["code"].text()
            if not re.match(r"^[A-Z]$", code) or code in groups:
                m["code"].fail(f"'{code}' must be a new one-letter group code")
            note = Note(m["text"].template({"country"}), self._citation(m["citation"]),
                        self._facts(m["facts"]))
            groups[code] = Group(
                code=code, name=m["name"].text(),
                former_name=m["former_name"].text() if "former_name" in m else "",
                default=m["default"].flag() if "default" in m else False,
                confidence=m["confidence"].text(), note=note,
            )
            for member in m["members"].list():
                country = self._country_code(member, countries)
                spans.append((Membership(country, code, None, None, note), member))
        if sum(g.default for g in groups.values()) != 1:
            node.fail("exactly one group must have 'default: true'")
        for d in dated.list():
            m = d.mapping(["country", "group", "text", "citation", "facts"], ["from", "to"])
            group = m["group"].text()
            if group not in groups:
                m["group"].fail(f"unknown group '{group}'")
            start, end = self._dates(m, d)
            note = Note(m["text"].template({"country"}), self._citation(m["citation"]),
                        self._facts(m["facts"]))
            spans.append((Membership(self._country_code(m["country"], countries), group,
                                     start, end, note), d))
        _check_overlaps(spans)
        return groups, tuple(span for span, _ in spans)

    def _licence_types(self, node: _Node) -> dict[str, LicenceType]:
        out: dict[str, LicenceType] = {}
        for t in node.list():
            m = t.mapping(["id", "name", "description", "citation", "facts"])
            type_id = m["id"].text()
            if not _NAME_ID.match(type_id) or type_id in out:
                m["id"].fail(f"'{type_id}' must be a new lowercase id")
            out[type_id] = LicenceType(
                id=type_id, name=m["name"].text(), description=m["description"].text(),
                note=Note(m["description"].text(), self._citation(m["citation"]),
                          self._facts(m["facts"])),
            )
        return out

    def _type_list(self, node: _Node, licence_types: Mapping[str, LicenceType]) -> tuple[str, ...]:
        names = node.texts()
        for i, name in enumerate(names):
            if name not in licence_types:
                node.child(i, name).fail(f"unknown licence type '{name}'")
        return names

    def _group_licences(
        self, node: _Node, groups: Mapping[str, Group], licence_types: Mapping[str, LicenceType]
    ) -> dict[str, GroupLicences]:
        out: dict[str, GroupLicences] = {}
        for g in node.list():
            m = g.mapping(["group", "licence_types", "text", "citation", "facts"])
            group = m["group"].text()
            if group not in groups or group in out:
                m["group"].fail(f"'{group}' is not a group, or is given twice")
            out[group] = GroupLicences(
                group=group,
                licence_types=self._type_list(m["licence_types"], licence_types),
                note=Note(m["text"].template(CONTEXT_FIELDS), self._citation(m["citation"]),
                          self._facts(m["facts"])),
            )
        for group in groups:
            if group not in out:
                node.fail(f"group '{group}' has no entry")
        return out

    def _measures(
        self, node: _Node, countries: Mapping[str, Country], items: Mapping[str, Item],
        licence_types: Mapping[str, LicenceType],
    ) -> tuple[Measure, ...]:
        measures: list[tuple[Measure, _Node]] = []
        for mn in node.list():
            m = mn.mapping(
                ["id", "countries", "items", "forms", "text", "citation", "facts"],
                ["from", "to", "priority", "licence_types"],
            )
            for i, item in enumerate(m["items"].texts()):
                if item not in items:
                    m["items"].child(i, item).fail(f"unknown item '{item}'")
            for i, form in enumerate(m["forms"].texts()):
                if form not in FORMS:
                    m["forms"].child(i, form).fail(f"form must be one of {', '.join(FORMS)}")
            start, end = self._dates(m, mn)
            measures.append((Measure(
                id=m["id"].text(),
                countries=tuple(self._country_code(c, countries) for c in m["countries"].list()),
                items=m["items"].texts(),
                forms=m["forms"].texts(),
                start=start,
                end=end,
                priority=m["priority"].integer() if "priority" in m else 0,
                licence_types=self._type_list(m["licence_types"], licence_types)
                if "licence_types" in m else None,
                note=Note(m["text"].template(CONTEXT_FIELDS), self._citation(m["citation"]),
                          self._facts(m["facts"])),
            ), mn))
        for i, (a, _) in enumerate(measures):
            for b, b_node in measures[i + 1:]:
                if (a.licence_types is not None and b.licence_types is not None
                        and a.priority == b.priority and set(a.countries) & set(b.countries)
                        and set(a.items) & set(b.items) and set(a.forms) & set(b.forms)
                        and _overlap(a.start, a.end, b.start, b.end)):
                    b_node.fail(f"overlaps measure '{a.id}' with the same priority; "
                                "give one a higher priority")
        return tuple(m for m, _ in measures)


def _overlap(a0: date | None, a1: date | None, b0: date | None, b1: date | None) -> bool:
    return (a0 is None or b1 is None or a0 <= b1) and (b0 is None or a1 is None or b0 <= a1)


def _check_overlaps(spans: list[tuple[Membership, _Node]]) -> None:
    """A country may be in only one group on any day."""
    by_country: dict[str, list[tuple[Membership, _Node]]] = {}
    for span, node in spans:
        for other, _ in by_country.get(span.country, []):
            if _overlap(span.start, span.end, other.start, other.end):
                node.fail(f"{span.country} is in group {span.group} and group {other.group} "
                          "on the same day")
        by_country.setdefault(span.country, []).append((span, node))
