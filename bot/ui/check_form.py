"""The "Check my product" form's fields, built from the rules' declarations.

A parameter added to corpus/rules/items.yaml gets its form field (label, help, kind, choices)
from its declaration here, with no code change; only the four fixed inputs are written out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.checking.rules import Parameter, Rules


@dataclass(frozen=True)
class FormField:
    """One input of the form: its name (as the checker calls it), label and help text."""

    name: str
    label: str
    info: str
    kind: str = "text"  # "text" or "choice"
    choices: tuple[str, ...] = ()
    placeholder: str = ""


FIXED = (
    FormField("description", "Product",
              "What you export, in your own words; it may state values such as 50% HF.",
              placeholder="e.g. EUV photoresist for a fab in Pyeongtaek"),
    FormField("destination", "Destination", "Country name or ISO code, e.g. KR or South Korea."),
    FormField("date", "Date", "YYYY-MM-DD; the rules as they stood that day (default today)."),
    FormField("item", "Item", "Leave on 'from the description' unless it names the wrong item."),
)


def parameter_field(parameter: Parameter, rules: Rules) -> FormField:
    """The field for one declared parameter: label and unit, and the items that use it."""
    label = parameter.label[:1].upper() + parameter.label[1:]
    if parameter.unit:
        label += f" ({parameter.unit})"
    users = [item.name for item in rules.items.values() if parameter.name in item.parameters]
    info = f"For {' and '.join(users)}." if users else ""
    if parameter.kind == "choice":
        return FormField(parameter.name, label, info, "choice", parameter.choices)
    placeholder = f"a number, in {parameter.unit}" if parameter.unit else "a number"
    return FormField(parameter.name, label, info, placeholder=placeholder)


def form_fields(rules: Rules) -> dict[str, FormField]:
    """Every field by name: the fixed four, then one per declared parameter, in YAML order."""
    fields = {f.name: f for f in FIXED}
    fields.update({name: parameter_field(p, rules) for name, p in rules.parameters.items()})
    return fields


def input_order(rules: Rules) -> tuple[str, ...]:
    """The order of the handler's (and the /check API's) inputs: item comes last."""
    return ("description", "destination", "date", *rules.parameters, "item")


def field_labels(rules: Rules) -> dict[str, str]:
    return {name: f.label for name, f in form_fields(rules).items()}


def field_updates(
    data: Mapping[str, Any] | None, fields: Mapping[str, FormField]
) -> dict[str, tuple[list[str], str]]:
    """(CSS classes, info text) per field after a check: highlight what it asks for or rejects."""
    data = data or {}
    marks: dict[str, str] = {}
    if data.get("error") and data.get("field") in fields:
        marks[data["field"]] = "invalid"
    for name in data.get("missing_parameters") or ():
        if name in fields:
            marks[name] = "needed"
    updates = {}
    for name, form_field in fields.items():
        mark = marks.get(name)
        if mark == "needed":
            updates[name] = (["check-needed"], f"Needed: {form_field.info}")
        elif mark == "invalid":
            updates[name] = (["check-invalid"], f"Please correct: {form_field.info}")
        else:
            updates[name] = ([], form_field.info)
    return updates
