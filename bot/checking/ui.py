"""The app's "Check my product" tab: the `bot check` flow in the browser.

`check(services, ...)` is a plain function (tests call it without a browser) that runs the
rule-based checker and returns escaped HTML plus the result's JSON; the `render_*` functions
build that HTML; only `build_check_tab` touches Gradio. Every reasoning step is shown with a
source card quoting the sentence of the cited document that best supports it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

from bot.answering.types import Citation
from bot.checking.countries import resolve_country
from bot.checking.decide import (
    LICENCE_REQUIRED,
    NEED_MORE_INFORMATION,
    NOT_LISTED,
    CheckRequest,
    CheckResult,
    check_product,
    parse_date,
    show_date,
)
from bot.checking.describe import resolve_item
from bot.checking.rules import CheckInputError, Rules, RulesError, format_value, load_rules
from bot.errors import InputError, TutorError
from bot.ui import render

log = logging.getLogger(__name__)

TAB_LABEL, TAB_ID = "Check my product", "check"
FRIENDLY_ERROR = "Something went wrong; the error was logged."
# The form's fields, in order; the product parameters are named as in corpus/rules/items.yaml.
PARAMETERS = ("hf_weight_percent", "fluorine_weight_percent", "wavelength_nm", "resist_type",
              "ebeam_sensitivity_uc_per_mm2")
FIELDS = ("description", "destination", "date", "item", *PARAMETERS)
FIELD_LABELS = {
    "description": "Product",
    "destination": "Destination",
    "date": "Date",
    "item": "Item",
    "hf_weight_percent": "HF share of total weight (%)",
    "fluorine_weight_percent": "Bound fluorine share by weight (%)",
    "wavelength_nm": "Exposure wavelength (nm)",
    "resist_type": "Kind of resist",
    "ebeam_sensitivity_uc_per_mm2": "E-beam resist sensitivity (µC/mm²)",
}
FIELD_INFO = {
    "description": "What you export, in your own words; it may state values such as 50% HF.",
    "destination": "Country name or ISO code, e.g. KR or South Korea.",
    "date": "YYYY-MM-DD; the rules as they stood that day (default today).",
    "item": "Leave on 'from the description' unless it names the wrong item.",
    "hf_weight_percent": "For hydrogen fluoride and mixtures containing it.",
    "fluorine_weight_percent": "For fluorinated polyimide.",
    "wavelength_nm": "For resist: the exposure wavelength it is optimised for.",
    "resist_type": "For resist.",
    "ebeam_sensitivity_uc_per_mm2": "For an e-beam or ion-beam resist: listed at 0.01 or less.",
}
PLACEHOLDERS = {
    "hf_weight_percent": "e.g. 50",
    "fluorine_weight_percent": "e.g. 12",
    "wavelength_nm": "e.g. 193",
    "ebeam_sensitivity_uc_per_mm2": "e.g. 0.01",
}
VERDICTS = {
    LICENCE_REQUIRED: ("Licence required", "required"),
    NOT_LISTED: ("Not listed", "not-listed"),
    NEED_MORE_INFORMATION: ("Need more information", "more"),
}
CATCH_ALL_STATUS = {
    "not_relevant": "not relevant (listed item)",
    "does_not_apply": "does not apply",
    "applies_if": "applies if…",
    "depends": "depends on the destination",
}
# The checker's texts are written for `bot check`; in the browser its flags are form fields.
_BROWSER_WORDING = (
    (re.compile(r"\s*\(--item [^)]*\)"), ""),
    (re.compile(r"\s*\(--to\)"), ""),
    (re.compile(r"with --item\b"), 'in the "Item" field'),
    (re.compile(r"with --to\b"), 'in the "Destination" field'),
    (re.compile(r"\(--date\)"), '(the "Date" field)'),
    (re.compile(r"with --param (\w+)=\.\.\."), lambda m: f'in the "{_label(m.group(1))}" field'),
)

CHECK_CSS = """
.check { font-size: 15px; line-height: 1.5; }
.verdict { border-radius: 10px; padding: .8em 1.1em; margin: 0 0 .9em 0; border: 2px solid; }
.verdict-label { font-size: 1.55em; font-weight: 800; letter-spacing: .01em; }
.verdict.required { border-color: #dc2626; background: #fef2f2; }
.verdict.required .verdict-label { color: #b91c1c; }
.verdict.not-listed { border-color: #16a34a; background: #f0fdf4; }
.verdict.not-listed .verdict-label { color: #15803d; }
.verdict.more { border-color: #d97706; background: #fffbeb; }
.verdict.more .verdict-label { color: #b45309; }
.verdict-meta { font-size: .9em; color: #374151; margin: .15em 0 .4em 0; }
.verdict-summary { margin: 0; }
.check-message { border-radius: 10px; padding: .7em 1em; border: 2px solid #2563eb;
  background: #eff6ff; }
.check-message.error { border-color: #dc2626; background: #fef2f2; }
.check-message .what { font-weight: 700; }
.asks { border: 2px dashed #d97706; border-radius: 10px; padding: .5em 1em; margin: .8em 0;
  background: #fffbeb; }
.asks h4, .check h4 { margin: .5em 0 .3em 0; }
.asks li { margin: .25em 0; }
.field-name { font-weight: 600; color: #92400e; }
table.facts { border-collapse: collapse; margin: .3em 0 .8em 0; width: 100%; }
table.facts th { text-align: left; vertical-align: top; padding: .25em 1em .25em 0;
  color: #4b5563; font-weight: 600; white-space: nowrap; width: 1%; }
table.facts td { padding: .25em 0; }
table.facts th, table.facts td { border: none !important; background: none !important;
  border-bottom: 1px solid #e5e7eb !important; }
table.facts, table.facts tr, table.facts tbody { border: none !important; }
.facts ul { margin: 0; padding-left: 1.1em; }
.status { font-size: .8em; border-radius: 4px; padding: 0 .45em; background: #e5e7eb;
  margin-right: .4em; white-space: nowrap; }
ol.steps { padding-left: 1.4em; margin: .2em 0; }
ol.steps > li { margin: 0 0 .8em 0; }
.step-text { margin-bottom: .2em; }
.card.uncited { border-left-color: #9ca3af; }
.group-caveat { font-size: .85em; color: #4b5563; }
.disclaimer { margin-top: 1em; padding: .6em .9em; border-radius: 8px; background: #f3f4f6;
  font-size: .9em; color: #374151; }
"""

# Global style for the form fields the result asks for (a tab cannot add CSS to the Blocks).
FIELD_CSS = """<style>
.check-needed { outline: 3px solid #d97706 !important; outline-offset: -3px;
  background: #fffbeb !important; }
.check-invalid { outline: 3px solid #dc2626 !important; outline-offset: -3px;
  background: #fef2f2 !important; }
</style>"""


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


# -- the handler -------------------------------------------------------------------------------
def check(
    services: Any,
    description: str | None,
    destination: str | None = None,
    date_text: str | None = None,
    hf_weight_percent: float | str | None = None,
    fluorine_weight_percent: float | str | None = None,
    wavelength_nm: float | str | None = None,
    resist_type: str | None = None,
    ebeam_sensitivity_uc_per_mm2: float | str | None = None,
    item: str | None = None,
) -> CheckView:
    """Check one product as `bot check` does; bad input becomes a message, never a traceback."""
    settings = services.settings
    try:
        rules = load_rules(settings.rules_dir)
        values = {
            "hf_weight_percent": hf_weight_percent,
            "fluorine_weight_percent": fluorine_weight_percent,
            "wavelength_nm": wavelength_nm,
            "resist_type": resist_type,
            "ebeam_sensitivity_uc_per_mm2": ebeam_sensitivity_uc_per_mm2,
        }
        request = _request(rules, settings.max_question_chars, description, destination,
                           date_text, item, values)
        try:
            result = check_product(request, rules=rules)
        except CheckInputError as exc:
            day = request.date or dt.date.today()
            if day < rules.meta.covered_from:
                raise _FieldError("date", str(exc)) from None
            raise
    except _FieldError as exc:
        return _message_view(str(exc), "notice", {exc.field: "invalid"})
    except InputError as exc:
        return _message_view(str(exc), "notice", {})
    except RulesError as exc:
        log.error("the checker's rules are broken: %s", exc)
        return _message_view(f"The checker's rules are broken: {exc}", "error", {})
    except TutorError as exc:
        return _message_view(str(exc), "error", {})
    except Exception:
        log.exception("checking %r failed", str(description)[:200])
        return _message_view(FRIENDLY_ERROR, "error", {})
    tutor = getattr(services, "tutor", services)
    cards = step_citations(tutor, result)
    html = render_check_result(result, request.description, cards, rules)
    fields = {name: "needed" for name in result.missing_parameters if name in FIELDS}
    return CheckView(html, result.to_dict(), fields)


def _request(
    rules: Rules,
    max_chars: int,
    description: str | None,
    destination: str | None,
    date_text: str | None,
    item: str | None,
    values: Mapping[str, object],
) -> CheckRequest:
    """Validate the form field by field, so a bad value names (and highlights) its field."""
    text = " ".join(str(description or "").split())
    if len(text) > max_chars:
        raise _FieldError(
            "description",
            f"The description is {len(text):,} characters long; please keep it under "
            f"{max_chars:,} characters.",
        )
    day = None
    if _given(date_text):
        try:
            day = parse_date(str(date_text))
        except CheckInputError as exc:
            raise _FieldError("date", str(exc)) from None
    to = str(destination).strip() if _given(destination) else None
    if to:
        try:
            resolve_country(to, rules)
        except CheckInputError as exc:
            raise _FieldError("destination", str(exc)) from None
    chosen = str(item).strip() if _given(item) else None
    if chosen:
        try:
            resolve_item(chosen, rules)
        except CheckInputError as exc:
            raise _FieldError("item", str(exc)) from None
    params: dict[str, object] = {}
    for name, value in values.items():
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
        cards.append(_card(citation, n) if citation else None)
    return cards


def _card(citation: Citation, n: int) -> Citation:
    """The citation as its step's card: the quoted sentence alone (the chunk is in Sources)."""
    return replace(citation, n=n, chunk_text="")


def _message_view(message: str, kind: str, fields: dict[str, str]) -> CheckView:
    data: dict[str, Any] = {"error": message}
    if fields:
        data["field"] = next(iter(fields))
    return CheckView(render_check_message(message, kind, fields), data, fields)


# -- HTML ------------------------------------------------------------------------------------
def _label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def for_browser(text: str) -> str:
    """The checker's text with its command-line flags named as the form's fields."""
    for pattern, replacement in _BROWSER_WORDING:
        text = pattern.sub(replacement, text)
    return text


def summary_for_browser(result: CheckResult) -> str:
    """The checker's summary, naming what it lacks by the form's labels, not parameter ids."""
    text = for_browser(result.summary)
    if result.verdict != NEED_MORE_INFORMATION or not result.missing_parameters:
        return text
    lead = f"Need more information: {', '.join(result.missing_parameters)}."
    if not text.startswith(lead):
        return text
    named = ", ".join(f"“{_label(name)}”" for name in result.missing_parameters)
    return f"Still needed: {named}.{text[len(lead):]}"


def render_check_empty(disclaimer: str) -> str:
    return (
        '<div class="check"><div class="check-empty">Describe the product, pick where it goes '
        "and press <strong>Check</strong>. The checker decides by the rules of Japan's export "
        "controls for hydrogen fluoride, fluorinated polyimide and resist, shows every step with "
        "the document that supports it, and asks only for what it lacks.</div>"
        f'<div class="disclaimer">{escape(disclaimer)}</div></div>'
    )


def render_check_message(message: str, kind: str, fields: Mapping[str, str]) -> str:
    """A plain message for bad input ('notice') or an internal failure ('error')."""
    what = "Please check your input" if kind == "notice" else "The check could not run"
    named = ""
    if fields:
        names = ", ".join(f"“{escape(_label(f))}”" for f in fields)
        named = f'<div>See the highlighted field: {names}.</div>'
    css = "check-message" if kind == "notice" else "check-message error"
    return (
        f'<div class="check"><div class="{css}" role="alert">'
        f'<div class="what">{what}</div><div class="text">{escape(message)}</div>{named}'
        "</div></div>"
    )


def render_verdict(result: CheckResult, description: str) -> str:
    label, css = VERDICTS.get(result.verdict, VERDICTS[NEED_MORE_INFORMATION])
    meta = [f"as of {show_date(result.as_of)}"]
    if result.destination:
        d = result.destination
        meta.append(f"to {d.name} ({d.code}), {d.group_name}")
    checked = f"“{render.shorten(description, 160)}”, " if description else ""
    return (
        f'<div class="verdict {css}" data-verdict="{escape(result.verdict, quote=True)}">'
        f'<div class="verdict-label">{escape(label)}</div>'
        f'<div class="verdict-meta">{escape(checked + ", ".join(meta))}</div>'
        f'<p class="verdict-summary">{escape(summary_for_browser(result))}</p></div>'
    )


def render_questions(result: CheckResult, rules: Rules) -> str:
    """What the check still needs: missing values (their fields highlighted), then questions."""
    items: list[str] = []
    asked: set[str] = set()
    for name in result.missing_parameters:
        question = _question_for(name, rules)
        asked.add(question)
        hint = (f' <span class="field-name">→ fill in “{escape(_label(name))}” above</span>'
                if name in FIELDS else "")
        items.append(f'<li data-missing="{escape(name, quote=True)}">'
                     f"{escape(for_browser(question))}{hint}</li>")
    items += [f"<li>{escape(for_browser(q))}</li>" for q in result.questions if q not in asked]
    if not items:
        return ""
    head = ("To decide, the check needs" if result.verdict == NEED_MORE_INFORMATION
            else "Questions to answer yourself")
    return f'<div class="asks"><h4>{head}</h4><ul>{"".join(items)}</ul></div>'


def _question_for(name: str, rules: Rules) -> str:
    if name == "item":
        return rules.meta.item_question
    if name == "destination":
        return rules.meta.destination_question
    parameter = rules.parameters.get(name)
    return parameter.question if parameter else name


def render_facts(result: CheckResult, rules: Rules) -> str:
    """Item, control entries, destination, parameters, licence types and catch-all."""
    rows: list[tuple[str, str]] = []
    if result.item_name:
        form = " (technology)" if result.form == "technology" else ""
        rows.append(("Item", escape(result.item_name + form)))
    for entry in result.control_entries:
        parts = (entry.row, entry.ordinance, entry.international)
        rows.append(("Control entry", "<br>".join(escape(p) for p in parts if p)))
    if result.destination:
        d = result.destination
        caveat = (f'<div class="group-caveat">{escape(d.group_caveat)}</div>'
                  if d.group_caveat else "")
        rows.append(("Destination", escape(f"{d.name} ({d.code}), {d.group_name}") + caveat))
    if result.parameters:
        shown = [
            f"{escape(rules.parameters[k].label if k in rules.parameters else k)}: "
            f"<strong>{escape(format_value(v))}</strong>"
            for k, v in result.parameters.items()
        ]
        rows.append(("Parameters", "<br>".join(shown)))
    on = f"on {show_date(result.as_of)}"
    if result.licence_types:
        licences = "".join(
            f"<li><strong>{escape(t.name)}</strong>: {escape(t.description)}</li>"
            for t in result.licence_types
        )
        rows.append((f"Licence types {on}", f"<ul>{licences}</ul>"))
    elif result.verdict == NOT_LISTED:
        rows.append((f"Licence types {on}", "none needed for these entries"))
    else:
        rows.append((f"Licence types {on}", "shown once the check can decide"))
    status = CATCH_ALL_STATUS.get(result.catch_all.status, result.catch_all.status)
    rows.append((
        "Catch-all",
        f'<span class="status">{escape(status)}</span>{escape(for_browser(result.catch_all.text))}',
    ))
    body = "".join(f"<tr><th>{escape(head)}</th><td>{cell}</td></tr>" for head, cell in rows)
    return f'<table class="facts">{body}</table>'


def render_uncited_card(n: int, doc_id: str) -> str:
    """A card for a cited document the index does not hold (no quote to show)."""
    doc = escape(doc_id, quote=True)
    return (
        f'<div class="card uncited" id="{render.anchor_id(0, n)}" data-doc="{doc}">'
        f'<div class="card-head"><span class="card-n">[{n}]</span>'
        f'<span class="card-title">{escape(doc_id)}</span></div>'
        '<div class="card-meta">This document is not in the index, so no passage is quoted.'
        "</div></div>"
    )


def render_steps(result: CheckResult, cards: Sequence[Citation | None]) -> str:
    """The reasoning: each step, then the source card quoting its cited document."""
    items = []
    for n, step in enumerate(result.steps, start=1):
        card = cards[n - 1] if n - 1 < len(cards) else None
        # Turn 0: the chat's transcript numbers its turns from 1, so card ids never collide.
        card_html = (render.render_citation(card, 0) if card is not None
                     else render_uncited_card(n, step.citation))
        anchor = render.anchor_id(0, n)
        ref = f'<a class="ref" href="#{anchor}" title="Source of step {n}">[{n}]</a>'
        items.append(
            f'<li><div class="step-text">{escape(for_browser(step.text))} {ref}</div>'
            f"{card_html}</li>"
        )
    return f'<h4>Reasoning, step by step</h4><ol class="steps">{"".join(items)}</ol>'


def render_check_result(
    result: CheckResult, description: str, cards: Sequence[Citation | None], rules: Rules
) -> str:
    """The whole result: verdict, what is missing, facts, cited steps and the disclaimer."""
    return (
        '<div class="check">'
        f"{render_verdict(result, description)}"
        f"{render_questions(result, rules)}"
        f"{render_facts(result, rules)}"
        f"{render_steps(result, cards)}"
        f'<div class="disclaimer">{escape(result.disclaimer)}</div>'
        "</div>"
    )


# -- the tab ---------------------------------------------------------------------------------
def _today() -> str:
    return dt.date.today().isoformat()


def field_updates(data: Mapping[str, Any] | None) -> dict[str, tuple[list[str], str]]:
    """(CSS classes, info text) per field after a check: highlight what it asks for or rejects."""
    data = data or {}
    marks: dict[str, str] = {}
    if data.get("error") and data.get("field") in FIELDS:
        marks[data["field"]] = "invalid"
    for name in data.get("missing_parameters") or ():
        if name in FIELDS:
            marks[name] = "needed"
    updates = {}
    for name in FIELDS:
        mark = marks.get(name)
        if mark == "needed":
            updates[name] = (["check-needed"], f"Needed: {FIELD_INFO[name]}")
        elif mark == "invalid":
            updates[name] = (["check-invalid"], f"Please correct: {FIELD_INFO[name]}")
        else:
            updates[name] = ([], FIELD_INFO[name])
    return updates


def build_check_tab(services: Any) -> None:
    """Add the "Check my product" tab; call inside an open `gr.Tabs()` of a `gr.Blocks()`."""
    import gradio as gr

    with gr.Tab(TAB_LABEL, id=TAB_ID):
        try:
            rules = load_rules(services.settings.rules_dir)
        except RulesError as exc:
            log.error("Check my product is unavailable: %s", exc)
            gr.HTML(render_check_message(f"The checker's rules are broken: {exc}", "error", {}))
            return
        gr.HTML(
            FIELD_CSS + "<div>Does Japan's export control catch your product, and which licence "
            "can you use? The check works like <code>bot check</code>: it decides by explicit "
            "rules and asks only for what it lacks.</div>",
            padding=False,
        )
        components: dict[str, Any] = {}
        with gr.Row(equal_height=True):
            components["description"] = gr.Textbox(
                label=FIELD_LABELS["description"], info=FIELD_INFO["description"],
                placeholder="e.g. EUV photoresist for a fab in Pyeongtaek",
                lines=1, max_lines=4, scale=4, elem_id="check-description",
            )
            components["destination"] = gr.Dropdown(
                choices=[(f"{c.name} ({c.code})", c.code)
                         for c in sorted(rules.countries.values(), key=lambda c: c.name)],
                value=None, label=FIELD_LABELS["destination"], info=FIELD_INFO["destination"],
                allow_custom_value=True, filterable=True, scale=2, elem_id="check-destination",
            )
            components["date"] = gr.Textbox(
                value=_today, label=FIELD_LABELS["date"], info=FIELD_INFO["date"],
                max_lines=1, scale=1, min_width=160, elem_id="check-date",
            )
        gr.Markdown("**Product parameters** (optional: give only what you know)")
        with gr.Row():
            components["item"] = gr.Dropdown(
                choices=[("from the description", ""),
                         *((i.name, i.id) for i in rules.items.values())],
                value="", label=FIELD_LABELS["item"], info=FIELD_INFO["item"],
                elem_id="check-item",
            )
            for name in PARAMETERS[:3]:
                # Text, not gr.Number: a Number box shows and sends 0 when empty, and 0% HF is
                # a real answer; empty must mean "not given".
                components[name] = gr.Textbox(
                    value="", label=FIELD_LABELS[name], info=FIELD_INFO[name],
                    placeholder=PLACEHOLDERS[name], max_lines=1, elem_id=f"check-{name}",
                )
            components["resist_type"] = gr.Dropdown(
                choices=[("not given", ""), *rules.parameters["resist_type"].choices],
                value="", label=FIELD_LABELS["resist_type"], info=FIELD_INFO["resist_type"],
                elem_id="check-resist_type",
            )
            name = "ebeam_sensitivity_uc_per_mm2"
            components[name] = gr.Textbox(
                value="", label=FIELD_LABELS[name], info=FIELD_INFO[name],
                placeholder=PLACEHOLDERS[name], max_lines=1, elem_id=f"check-{name}",
            )
        button = gr.Button("Check", variant="primary", elem_id="check-button")
        result = gr.HTML(
            render_check_empty(rules.meta.disclaimer),
            css_template=render.TRANSCRIPT_CSS + CHECK_CSS,
            elem_id="check-result",
            padding=True,
            min_height=120,
        )
        with gr.Accordion("Check details (JSON)", open=False):
            details = gr.JSON(elem_id="check-json")

        order = ("description", "destination", "date", *PARAMETERS, "item")
        inputs = [components[name] for name in order]
        fields = [components[name] for name in FIELDS]

        def on_check(*values: Any) -> tuple[str, dict[str, Any]]:
            return check(services, *values).as_tuple()

        def on_result(data: dict[str, Any] | None) -> list[Any]:
            updates = field_updates(data)
            return [gr.update(elem_classes=updates[name][0], info=updates[name][1])
                    for name in FIELDS]

        button.click(
            on_check, inputs=inputs, outputs=[result, details], api_name="check",
            api_description=(
                "Check a product: description, destination, date (YYYY-MM-DD), "
                "hf_weight_percent, fluorine_weight_percent, wavelength_nm, resist_type, "
                "ebeam_sensitivity_uc_per_mm2, item; "
                "returns the result as HTML and as JSON."
            ),
        ).then(on_result, inputs=[details], outputs=fields, api_visibility="private")
        components["description"].submit(
            on_check, inputs=inputs, outputs=[result, details], api_visibility="private"
        ).then(on_result, inputs=[details], outputs=fields, api_visibility="private")
