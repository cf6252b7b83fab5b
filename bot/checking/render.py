"""Plain-text rendering of a check result, for the CLI and the chat.

The text is light Markdown (bold headings, numbered steps, [doc-id] citations) so it reads the
same in a terminal and in a chat window; nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.checking.decide import LICENCE_REQUIRED, NOT_LISTED, CheckResult, show_date

_HEADLINES = {
    LICENCE_REQUIRED: "Listed: licence required",
    NOT_LISTED: "Not listed under these entries",
}


def render_text(result: CheckResult) -> str:
    """The whole result for a terminal, citing corpus documents by id: [resist-3c002]."""
    return render_markdown(result)


def render_markdown(result: CheckResult, numbers: Mapping[str, int] | None = None) -> str:
    """The whole result: verdict, item, destination, licences, catch-all, steps, disclaimer.

    `numbers` maps a document id to the number the chat shows for it ([1], [2]...); a document
    without a number is cited by its id.
    """
    numbers = numbers or {}

    def cite(doc_id: str) -> str:
        return f"[{numbers.get(doc_id, doc_id)}]"

    headline = _HEADLINES.get(result.verdict, "Need more information")
    lines = [f"**{headline}** (as of {show_date(result.as_of)})", "", result.summary, ""]
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
        lines += [f"- {q}" for q in result.questions]
    lines += ["", "**Reasoning**"]
    lines += [f"{n}. {s.text} {cite(s.citation)}" for n, s in enumerate(result.steps, 1)]
    lines += ["", f"_{result.disclaimer}_"]
    return "\n".join(lines)


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
