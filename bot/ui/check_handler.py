"""The "Check my product" handler: form values in, the result's HTML and JSON out.

`check(services, ...)` is a plain function (tests call it without a browser) that runs the
rule-based checker as `bot check` does; bad input becomes a message naming its form field,
never a traceback. Every reasoning step gets a source card quoting the cited document.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.answering.types import Citation
from bot.checking.countries import resolve_country
from bot.checking.decide import check_product
from bot.checking.describe import resolve_item
from bot.checking.result import CheckRequest, CheckResult, parse_date
from bot.checking.rules import CheckInputError, Rules, RulesError, load_rules
from bot.errors import InputError, TutorError
from bot.ui.check_form import field_labels
from bot.ui.check_html import render_check_message, render_check_result

log = logging.getLogger(__name__)

FRIENDLY_ERROR = "Something went wrong; the error was logged."


@dataclass
class CheckView:
    """What one check shows: the result's HTML, its JSON, and the fields to highlight."""

    html: str
    data: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)  # field -> "needed" | "invalid"

    def as_tuple(self) -> tuple[str, dict[str, Any]]:
        return self.html, self.data


class _FieldError(CheckInputError):
    """Bad input that belongs to one form field."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.field = name


@dataclass(frozen=True)
class CheckForm:
    """The form's values as typed; `params` holds one entry per declared product parameter."""

    description: str | None
    destination: str | None = None
    date_text: str | None = None
    item: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)


def check(
    services: Any,
    description: str | None,
    destination: str | None = None,
    date_text: str | None = None,
    item: str | None = None,
    **params: object,
) -> CheckView:
    """Check one product as `bot check` does; `params` are the product parameters by name."""
    form = CheckForm(description, destination, date_text, item, params)
    try:
        rules = load_rules(services.settings.rules_dir)
    except RulesError as exc:
        log.error("the checker's rules are broken: %s", exc)
        return _message_view(f"The checker's rules are broken: {exc}", "error", {}, {})
    return check_form(services, form, rules)


def check_form(services: Any, form: CheckForm, rules: Rules) -> CheckView:
    """Check the form's values against `rules`; every failure becomes a message."""
    labels = field_labels(rules)
    try:
        request = _request(rules, services.settings.max_question_chars, form)
        try:
            result = check_product(request, rules)
        except CheckInputError as exc:
            day = request.date or dt.date.today()
            if day < rules.meta.covered_from:
                raise _FieldError("date", str(exc)) from None
            raise
    except _FieldError as exc:
        return _message_view(str(exc), "notice", {exc.field: "invalid"}, labels)
    except InputError as exc:
        return _message_view(str(exc), "notice", {}, labels)
    except TutorError as exc:
        return _message_view(str(exc), "error", {}, labels)
    except Exception:
        log.exception("checking %r failed", str(form.description)[:200])
        return _message_view(FRIENDLY_ERROR, "error", {}, labels)
    tutor = getattr(services, "tutor", services)
    cards = step_citations(tutor, result)
    html = render_check_result(result, request.description, cards, rules)
    fields = {name: "needed" for name in result.missing_parameters if name in labels}
    return CheckView(html, result.to_dict(), fields)


def _request(rules: Rules, max_chars: int, form: CheckForm) -> CheckRequest:
    """Validate the form field by field, so a bad value names (and highlights) its field."""
    text = " ".join(str(form.description or "").split())
    if len(text) > max_chars:
        raise _FieldError(
            "description",
            f"The description is {len(text):,} characters long; please keep it under "
            f"{max_chars:,} characters.",
        )
    day = None
    if _given(form.date_text):
        try:
            day = parse_date(str(form.date_text))
        except CheckInputError as exc:
            raise _FieldError("date", str(exc)) from None
    to = str(form.destination).strip() if _given(form.destination) else None
    if to:
        try:
            resolve_country(to, rules)
        except CheckInputError as exc:
            raise _FieldError("destination", str(exc)) from None
    chosen = str(form.item).strip() if _given(form.item) else None
    if chosen:
        try:
            resolve_item(chosen, rules)
        except CheckInputError as exc:
            raise _FieldError("item", str(exc)) from None
    params: dict[str, object] = {}
    for name, value in form.params.items():
        if not _given(value):
            continue
        try:
            rules.parameters[name].parse(value)
        except CheckInputError as exc:
            raise _FieldError(name, str(exc)) from None
        params[name] = value
    return CheckRequest(description=text, destination=to, date=day, item=chosen, params=params)


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def step_citations(tutor: Any, result: CheckResult) -> list[Citation | None]:
    """For each reasoning step, its cited document with the sentence that best supports it."""
    found: dict[tuple[str, str], Citation | None] = {}
    cards: list[Citation | None] = []
    for n, step in enumerate(result.steps, start=1):
        key = (step.citation, step.text)
        if key not in found:
            try:
                found[key] = tutor.citation_for_doc(n, step.citation, step.text)
            except Exception:  # a missing index must not hide the verdict
                log.exception("no quote for %s", step.citation)
                found[key] = None
        citation = found[key]
        # The card shows the quoted sentence alone (the chunk is in Sources).
        cards.append(replace(citation, n=n, chunk_text="") if citation else None)
    return cards


def _message_view(
    message: str, kind: str, fields: dict[str, str], labels: Mapping[str, str]
) -> CheckView:
    data: dict[str, Any] = {"error": message}
    if fields:
        data["field"] = next(iter(fields))
    return CheckView(render_check_message(message, kind, fields, labels), data, fields)
