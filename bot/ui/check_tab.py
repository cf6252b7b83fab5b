"""The app's "Check my product" tab: the `bot check` flow in the browser.

Only this module touches Gradio for the tab; the form's fields come from the rules
(bot/ui/check_form.py), the handler is bot/ui/check_handler.py, the HTML bot/ui/check_html.py.
No `from __future__ import annotations`: Gradio reads handler annotations at run time.
"""

import datetime as dt
import logging
from typing import Any

import gradio as gr

from bot.checking.rules import Rules, RulesError, load_rules
from bot.ui import render
from bot.ui.check_form import FormField, field_updates, form_fields, input_order
from bot.ui.check_handler import check
from bot.ui.check_html import CHECK_CSS, FIELD_CSS, render_check_empty, render_check_message

log = logging.getLogger(__name__)

TAB_LABEL, TAB_ID = "Check my product", "check"
INTRO = (
    "<div>Does Japan's export control catch your product, and which licence can you use? "
    "The check works like <code>bot check</code>: it decides by explicit rules and asks only "
    "for what it lacks.</div>"
)


def _today() -> str:
    return dt.date.today().isoformat()


def _parameter_input(spec: FormField) -> Any:
    """A declared parameter's input: a dropdown of its choices, or a text box."""
    if spec.kind == "choice":
        return gr.Dropdown(
            choices=[("not given", ""), *spec.choices], value="", label=spec.label,
            info=spec.info, elem_id=f"check-{spec.name}",
        )
    # Text, not gr.Number: a Number box shows and sends 0 when empty, and 0% HF is a real
    # answer; empty must mean "not given".
    return gr.Textbox(
        value="", label=spec.label, info=spec.info, placeholder=spec.placeholder,
        max_lines=1, elem_id=f"check-{spec.name}",
    )


def _build_form(rules: Rules, fields: dict[str, FormField]) -> dict[str, Any]:
    components: dict[str, Any] = {}
    with gr.Row(equal_height=True):
        spec = fields["description"]
        components["description"] = gr.Textbox(
            label=spec.label, info=spec.info, placeholder=spec.placeholder,
            lines=1, max_lines=4, scale=4, elem_id="check-description",
        )
        spec = fields["destination"]
        components["destination"] = gr.Dropdown(
            choices=[(f"{c.name} ({c.code})", c.code)
                     for c in sorted(rules.countries.values(), key=lambda c: c.name)],
            value=None, label=spec.label, info=spec.info,
            allow_custom_value=True, filterable=True, scale=2, elem_id="check-destination",
        )
        spec = fields["date"]
        components["date"] = gr.Textbox(
            value=_today, label=spec.label, info=spec.info,
            max_lines=1, scale=1, min_width=160, elem_id="check-date",
        )
    gr.Markdown("**Product parameters** (optional: give only what you know)")
    with gr.Row():
        spec = fields["item"]
        components["item"] = gr.Dropdown(
            choices=[("from the description", ""),
                     *((i.name, i.id) for i in rules.items.values())],
            value="", label=spec.label, info=spec.info, elem_id="check-item",
        )
        for name in rules.parameters:
            components[name] = _parameter_input(fields[name])
    return components


def build_check_tab(services: Any) -> None:
    """Add the "Check my product" tab; call inside an open `gr.Tabs()` of a `gr.Blocks()`."""
    with gr.Tab(TAB_LABEL, id=TAB_ID):
        try:
            rules = load_rules(services.settings.rules_dir)
        except RulesError as exc:
            log.error("Check my product is unavailable: %s", exc)
            gr.HTML(render_check_message(f"The checker's rules are broken: {exc}", "error", {}))
            return
        gr.HTML(FIELD_CSS + INTRO, padding=False)
        fields = form_fields(rules)
        components = _build_form(rules, fields)
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
        _wire(services, rules, fields, components, button, result, details)


def _wire(
    services: Any, rules: Rules, fields: dict[str, FormField], components: dict[str, Any],
    button: Any, result: Any, details: Any,
) -> None:
    order = input_order(rules)
    inputs = [components[name] for name in order]
    outputs = [components[name] for name in fields]

    def on_check(*values: Any) -> tuple[str, dict[str, Any]]:
        given = dict(zip(order, values, strict=True))
        return check(services, given.pop("description"), given.pop("destination"),
                     given.pop("date"), given.pop("item"), **given).as_tuple()

    def on_result(data: dict[str, Any] | None) -> list[Any]:
        updates = field_updates(data, fields)
        return [gr.update(elem_classes=updates[name][0], info=updates[name][1])
                for name in fields]

    button.click(
        on_check, inputs=inputs, outputs=[result, details], api_name="check",
        api_description=(
            f"Check a product: {', '.join(order)} (date as YYYY-MM-DD); "
            "returns the result as HTML and as JSON."
        ),
    ).then(on_result, inputs=[details], outputs=outputs, api_visibility="private")
    components["description"].submit(
        on_check, inputs=inputs, outputs=[result, details], api_visibility="private"
    ).then(on_result, inputs=[details], outputs=outputs, api_visibility="private")
