"""HTML of the "Check my product" tab: its CSS, the verdict, facts, questions and cited steps.

Everything shown is escaped here. The checker's texts name what they ask for (Step.asks) but
not how to give it; this module names the form field, as the CLI renderer names the flag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from bot.answering.types import Citation
from bot.checking.result import (
    LICENCE_REQUIRED,
    NEED_MORE_INFORMATION,
    NOT_LISTED,
    CheckResult,
    Step,
)
from bot.checking.rules import Rules, format_value
from bot.dates import format_date
from bot.ui import render
from bot.ui.check_form import field_labels

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


def in_field(text: str, label: str) -> str:
    """A step's text with the form field that gives what it asks for: '... in the "Date" field.'"""
    phrase = f'in the "{label}" field'
    return f"{text[:-1]} {phrase}." if text.endswith(".") else f"{text} ({phrase})"


def step_text(step: Step, labels: Mapping[str, str]) -> str:
    """The step's text, naming the field for what it asks (the field's label, not its id)."""
    return in_field(step.text, labels.get(step.asks, step.asks)) if step.asks else step.text


def summary_for_browser(result: CheckResult, labels: Mapping[str, str]) -> str:
    """The checker's summary, naming what it lacks by the form's labels, not parameter ids."""
    text = result.summary
    if result.verdict != NEED_MORE_INFORMATION or not result.missing_parameters:
        return text
    lead = f"Need more information: {', '.join(result.missing_parameters)}."
    if not text.startswith(lead):
        return text
    named = ", ".join(f"“{labels.get(name, name)}”" for name in result.missing_parameters)
    return f"Still needed: {named}.{text[len(lead):]}"


def render_check_empty(disclaimer: str) -> str:
    return (
        '<div class="check"><div class="check-empty">Describe the product, pick where it goes '
        "and press <strong>Check</strong>. The checker decides by the rules of Japan's export "
        "controls for hydrogen fluoride, fluorinated polyimide and resist, shows every step with "
        "the document that supports it, and asks only for what it lacks.</div>"
        f'<div class="disclaimer">{escape(disclaimer)}</div></div>'
    )


def render_check_message(
    message: str, kind: str, fields: Mapping[str, str], labels: Mapping[str, str] | None = None
) -> str:
    """A plain message for bad input ('notice') or an internal failure ('error')."""
    labels = labels or {}
    what = "Please check your input" if kind == "notice" else "The check could not run"
    named = ""
    if fields:
        names = ", ".join(f"“{escape(labels.get(f, f))}”" for f in fields)
        named = f'<div>See the highlighted field: {names}.</div>'
    css = "check-message" if kind == "notice" else "check-message error"
    return (
        f'<div class="check"><div class="{css}" role="alert">'
        f'<div class="what">{what}</div><div class="text">{escape(message)}</div>{named}'
        "</div></div>"
    )


def render_verdict(result: CheckResult, description: str, labels: Mapping[str, str]) -> str:
    label, css = VERDICTS.get(result.verdict, VERDICTS[NEED_MORE_INFORMATION])
    meta = [f"as of {format_date(result.as_of)}"]
    if result.destination:
        d = result.destination
        meta.append(f"to {d.name} ({d.code}), {d.group_name}")
    checked = f"“{render.shorten(description, 160)}”, " if description else ""
    return (
        f'<div class="verdict {css}" data-verdict="{escape(result.verdict, quote=True)}">'
        f'<div class="verdict-label">{escape(label)}</div>'
        f'<div class="verdict-meta">{escape(checked + ", ".join(meta))}</div>'
        f'<p class="verdict-summary">{escape(summary_for_browser(result, labels))}</p></div>'
    )


def render_questions(result: CheckResult, rules: Rules, labels: Mapping[str, str]) -> str:
    """What the check still needs: missing values (their fields highlighted), then questions."""
    items: list[str] = []
    asked: set[str] = set()
    for name in result.missing_parameters:
        question = _question_for(name, rules)
        asked.add(question)
        hint = (f' <span class="field-name">→ fill in “{escape(labels[name])}” above</span>'
                if name in labels else "")
        items.append(f'<li data-missing="{escape(name, quote=True)}">'
                     f"{escape(question)}{hint}</li>")
    items += [f"<li>{escape(q)}</li>" for q in result.questions if q not in asked]
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
    on = f"on {format_date(result.as_of)}"
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
        f'<span class="status">{escape(status)}</span>{escape(result.catch_all.text)}',
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


def render_steps(
    result: CheckResult, cards: Sequence[Citation | None], labels: Mapping[str, str]
) -> str:
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
            f'<li><div class="step-text">{escape(step_text(step, labels))} {ref}</div>'
            f"{card_html}</li>"
        )
    return f'<h4>Reasoning, step by step</h4><ol class="steps">{"".join(items)}</ol>'


def render_check_result(
    result: CheckResult, description: str, cards: Sequence[Citation | None], rules: Rules
) -> str:
    """The whole result: verdict, what is missing, facts, cited steps and the disclaimer."""
    labels = field_labels(rules)
    return (
        '<div class="check">'
        f"{render_verdict(result, description, labels)}"
        f"{render_questions(result, rules, labels)}"
        f"{render_facts(result, rules)}"
        f"{render_steps(result, cards, labels)}"
        f'<div class="disclaimer">{escape(result.disclaimer)}</div>'
        "</div>"
    )


