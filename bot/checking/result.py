"""A check's input and output: the request, the reasoning steps and the verdict.

Plain data, apart from the decision (decide.py) so renderers and front ends import the result
without the decision code; `CheckResult.to_dict()` is the JSON `bot check --json` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.checking.model import CheckInputError, ControlEntry, Value

LICENCE_REQUIRED = "licence_required"
NOT_LISTED = "not_listed"
NEED_MORE_INFORMATION = "need_more_information"


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date, or a CheckInputError that says what was wrong."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CheckInputError(f"Bad date {text!r}: give a real date as YYYY-MM-DD") from None


@dataclass
class CheckRequest:
    """What the user asked: a product, a destination, a date and any known parameters.

    `period` is set when only a year or month was stated; the check then uses `date` (or the
    period's last day) and says whether the rules changed inside the period. Not frozen: the
    chat fills in its own as-of date when the question gives none.
    """

    description: str = ""
    destination: str | None = None
    date: date | None = None
    item: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    period: tuple[date, date] | None = None
    technology: bool | None = None
    # The exporter's own classification, when stated: False for "it is on no control list".
    # The checker cannot classify a product outside its three items, but it can say what
    # follows for such a product: no list control, and the catch-all for the destination.
    listed: bool | None = None
    # A chat thread's turns after its first, oldest first ("what about 35%", then "and to korea
    # in 2021" after "is 25% hf listed"): each turn's values replace the ones stated before
    # instead of conflicting with them.
    later: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of the reasoning and the corpus document that supports it.

    `asks` names the input the step asks the user for ("item", "destination", "date" or a
    parameter); each renderer says how to give it (a flag, a form field), the text does not.
    """

    text: str
    citation: str
    asks: str = ""

    def to_dict(self) -> dict[str, str]:
        data = {"text": self.text, "citation": self.citation}
        if self.asks:
            data["asks"] = self.asks
        return data


@dataclass(frozen=True)
class DestinationInfo:
    code: str
    name: str
    group: str
    group_name: str
    group_caveat: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "group": self.group,
                "group_name": self.group_name, "group_caveat": self.group_caveat}


@dataclass(frozen=True)
class CatchAllInfo:
    """Whether catch-all control can matter: not_relevant, does_not_apply, applies_if, depends."""

    status: str
    text: str
    questions: tuple[str, ...]
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "text": self.text, "questions": list(self.questions),
                "citation": self.citation}


@dataclass(frozen=True)
class LicenceInfo:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class CheckResult:
    """A verdict with its reasoning; `to_dict()` is the JSON the CLI prints."""

    verdict: str
    summary: str
    item: str | None
    item_name: str | None
    form: str | None
    control_entries: tuple[ControlEntry, ...]
    licence_types: tuple[LicenceInfo, ...]
    catch_all: CatchAllInfo
    missing_parameters: tuple[str, ...]
    questions: tuple[str, ...]
    steps: tuple[Step, ...]
    as_of: date
    disclaimer: str
    destination: DestinationInfo | None
    parameters: Mapping[str, Value]
    # question -> the input that answers it; renderers add how to give that input.
    asks: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary,
            "item": self.item,
            "item_name": self.item_name,
            "form": self.form,
            "control_entries": [e.to_dict() for e in self.control_entries],
            "licence_types": [t.id for t in self.licence_types],
            "licence_type_details": [
                {"id": t.id, "name": t.name, "description": t.description}
                for t in self.licence_types
            ],
            "catch_all": self.catch_all.to_dict(),
            "missing_parameters": list(self.missing_parameters),
            "questions": list(self.questions),
            "steps": [s.to_dict() for s in self.steps],
            "as_of": self.as_of.isoformat(),
            "disclaimer": self.disclaimer,
            "destination": self.destination.to_dict() if self.destination else None,
            "parameters": dict(self.parameters),
        }
