"""Plain-text rendering of a check result, for the CLI and the chat.

The text is light Markdown (bold headings, numbered steps, [doc-id] citations) so it reads the
same in a terminal and in a chat window; nothing here decides anything. The decision names the
input a step or question asks for; only the CLI's rendering says which flag gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.checking.result import LICENCE_REQUIRED, NOT_LISTED, CheckResult
from bot.checking.rules import Rules
from bot.dates import format_date

_HEADLINES = {
    LICENCE_REQUIRED: "Listed: licence required",
    NOT_LISTED: "Not listed under these entries",
}


def cli_flag(name: str, rules: Rules | None = None) -> str:
    """How `bot check` takes the input `name`: --item, --to, --date or --param."""
    if name == "item":
        ids = list(rules.items) if rules is not None else []
        choices = f"{', '.join(ids[:-1])} or {ids[-1]}" if len(ids) > 1 else "ITEM"
        return f"--item {choices}"
    if name == "destination":
        return "--to COUNTRY"
    if name == "date":
        return "--date YYYY-MM-DD"
    return f"--param {name}=..."


def with_hint(text: str, hint: str) -> str:
    """`text` with `hint` in brackets, before a closing full stop: 'give one (--to KR).'"""
    if not hint:
        return text
    if text.endswith("."):
        return f"{text[:-1]} ({hint})."
    return f"{text} ({hint})"


def render_text(result: CheckResult, rules: Rules | None = None) -> str:
    """The whole result for a terminal, naming the flag that gives each missing input."""
    return render_markdown(result, hint=lambda name: cli_flag(name, rules))


def render_markdown(
    result: CheckResult,
    numbers: Mapping[str, int] | None = None,
    hint: Callable[[str], str] | None = None,
    disclaimer: bool = True,
) -> str:
    """The whole result: verdict, item, destination, licences, catch-all, steps, disclaimer.

    `numbers` maps a document id to the number the chat shows for it ([1], [2]...); a document
    without a number is cited by its id. `hint(name)` says how to give a missing input; the
    chat passes none (its users answer in words). The chat also leaves the disclaimer out of
    the text (`disclaimer=False`): its answer carries it as a note, shown once by every renderer.
    """
    numbers = numbers or {}

    def cite(doc_id: str) -> str:
        return f"[{numbers.get(doc_id, doc_id)}]"

    def hinted(text: str, name: str) -> str:
        return with_hint(text, hint(name)) if hint and name else text

    headline = _HEADLINES.get(result.verdict, "Need more information")
    if result.verdict == NOT_LISTED and result.item is None:
        headline = "Not listed, by your own classification"  # no entry was tested
    elif result.verdict == LICENCE_REQUIRED and result.item is None:
        headline = "Listed, by your own classification: licence required"
    lines = [f"**{headline}** (as of {format_date(result.as_of)})", "", result.summary, ""]
    if result.item_name:
        form = " (technology)" if result.form == "technology" else ""
        lines.append(f"- Item: {result.item_name}{form}")
    for entry in result.control_entries:
        lines.append(f"- Control entry: {entry.row}; {entry.ordinance}; {entry.international}")
    if result.destination:
        d = result.destination
        caveat = f" ({d.group_caveat})" if d.group_caveat else ""
        lines.append(f"- Destination: {d.name} ({d.code}), {d.group_name}{caveat}")
    if result.parameters:
        shown = ", ".join(f"{k}={_value(v)}" for k, v in result.parameters.items())
        lines.append(f"- Parameters: {shown}")
    for licence in result.licence_types:
        lines.append(f"- Licence type: {licence.name}: {licence.description}")
    lines.append(f"- Catch-all: {result.catch_all.text} {cite(result.catch_all.citation)}")
    if result.questions:
        lines += ["", "**Questions to answer**"]
        lines += [f"- {hinted(q, result.asks.get(q, ''))}" for q in result.questions]
    lines += ["", "**Reasoning**"]
    lines += [f"{n}. {hinted(s.text, s.asks)} {cite(s.citation)}"
              for n, s in enumerate(result.steps, 1)]
    if disclaimer:
        lines += ["", f"_{result.disclaimer}_"]
    return "\n".join(lines)


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
