"""The product checker's rules as frozen data; `bot.checking.rules_loader.load_rules` builds them.

The rules are data so that a reviewer can check every threshold, date and citation against the
fact sheet without reading code. Validation happens once, on load (rules_loader.py and
rules_yaml.py): a typo fails loudly and names the file and the field, instead of silently
changing a verdict. The decision code sees only these dataclasses, never raw YAML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.errors import InputError, TutorError

Value = float | str
FORMS = ("goods", "technology")
OUTCOMES = ("listed", "need_more_information")
CONTEXT_FIELDS = frozenset({"country", "date", "item"})
SECTIONS = (
    "meta", "parameters", "technology", "items", "countries", "groups", "memberships", "places",
    "licence_types", "group_licences", "other_licences", "measures", "catch_all",
)


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


def _within(day: date, start: date | None, end: date | None) -> bool:
    """Rule periods include both ends; a missing end means 'open' on that side."""
    return (start is None or start <= day) and (end is None or day <= end)


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
    """A product parameter the user can give (a flag in the CLI, a field in the app)."""

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
    """Finds one parameter stated in free text (a fixed value or a captured number).

    `note` explains a word that stands for a value ("ArF" means 193 nm): the reasoning shows it
    with its citation, so a verdict never rests on an uncited translation of a word.
    """

    parameter: str
    patterns: tuple[re.Pattern[str], ...]
    value: Value | None = None
    priority: int = 0
    skip_context: tuple[str, ...] = ()
    note: Note | None = None


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
    """A destination group; `caveat` says how far its member list can be trusted."""

    code: str
    name: str
    former_name: str
    default: bool
    confidence: str
    note: Note
    caveat: str


@dataclass(frozen=True)
class Membership:
    """A country's group for a period (open ends are None)."""

    country: str
    group: str
    start: date | None
    end: date | None
    note: Note

    def covers(self, day: date) -> bool:
        return _within(day, self.start, self.end)


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
            and _within(day, self.start, self.end)
        )


@dataclass(frozen=True)
class CatchAll:
    listed: Note
    group_a: Note
    applies_if: Note
    unknown_destination: Note
    questions: tuple[str, ...]
    technology: Note  # what the sources do not say about catch-all for technology


@dataclass(frozen=True)
class Meta:
    covered_from: date
    groups_named_from: date
    disclaimer: str
    documents: tuple[str, ...]
    item_question: str
    destination_question: str
    unknown_item: Note
    stated_unlisted: Note
    stated_listed: Note
    classification: Note
    ambiguous_item: Note
    list_control: Note
    groups_renamed: Note


@dataclass(frozen=True)
class Rules:
    """Everything the checker decides from; build it with `rules_loader.load_rules`."""

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
    # `countries.find_countries` by text: each question is searched several times, ~0.5 ms each
    found_countries: dict[str, tuple[tuple[str, str], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def default_group(self) -> Group:
        return next(g for g in self.groups.values() if g.default)
