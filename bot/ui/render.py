"""Every piece of HTML the app shows is built here, and only here.

Questions and documents are untrusted text: each string passes through `html.escape` before it
is placed in markup, so nothing a user types or a document contains can render as HTML. The
markup itself carries `data-*` attributes that the transcript's small script turns into events
(open a source, rate an answer, ask an example question).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from bot.answering.types import Answer, Citation
from bot.dates import format_date
from bot.ingest.documents import published_label
from bot.ui.examples import AUDIENCE_EXAMPLES, REFUSAL_SUGGESTIONS
from bot.ui.state import Turn, numbered

_DOCUMENT_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
MARKER = re.compile(r"\[(\d+)\]")
BOLD = re.compile(r"\*\*(.+?)\*\*")
SHOWN_QUESTION_CHARS = 400

TRANSCRIPT_CSS = """
.tutor { font-size: 15px; line-height: 1.5; }
.turn { margin: 0 0 1.4em 0; }
.question { background: var(--color-accent-soft, #eef2ff); border-radius: 10px;
  padding: .55em .9em; margin: 0 0 .6em 20%; white-space: pre-wrap; overflow-wrap: anywhere; }
.answer { border: 1px solid var(--border-color-primary, #ddd); border-radius: 10px;
  padding: .7em 1em; background: var(--background-fill-primary, #fff); }
.answer.refusal { border: 2px dashed #d97706; background: #fffbeb; }
.answer.error { border: 2px solid #dc2626; background: #fef2f2; }
.answer.notice { border: 2px solid #2563eb; background: #eff6ff; }
.as-of { display: inline-block; font-weight: 600; font-size: .85em; color: #1e3a8a;
  background: #dbeafe; border-radius: 999px; padding: .1em .7em; margin-bottom: .4em; }
.line { margin: .25em 0; }
.line.earlier { color: #4b5563; }
.earlier-label { font-style: italic; }
a.ref { text-decoration: none; font-weight: 600; font-size: .85em; vertical-align: super; }
.notes { margin-top: .6em; font-size: .88em; color: #374151; }
.notes p { margin: .2em 0; }
.sources-head { margin: .8em 0 .3em 0; font-weight: 600; font-size: .9em; color: #374151; }
.card { border: 1px solid var(--border-color-primary, #ddd); border-left: 4px solid #2563eb;
  border-radius: 8px; padding: .5em .8em; margin: .45em 0;
  background: var(--background-fill-secondary, #fafafa); }
.card:target { outline: 2px solid #f59e0b; }
.card.historical { border-left-color: #9ca3af; }
.card-head { display: flex; gap: .5em; align-items: baseline; flex-wrap: wrap; }
.card-n { font-weight: 700; color: #1d4ed8; }
.card-title { font-weight: 600; }
.card-meta { font-size: .85em; color: #4b5563; }
.card-links { font-size: .85em; margin: .2em 0; display: flex; gap: 1em; flex-wrap: wrap; }
.chunk { font-size: .88em; color: #374151; margin-top: .3em; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.chunk mark { background: #fde68a; padding: 0 .1em; }
.badge { font-size: .75em; border-radius: 4px; padding: 0 .4em; background: #e5e7eb; }
.feedback { margin-top: .5em; display: flex; gap: .4em; align-items: center;
  font-size: .85em; color: #6b7280; }
.feedback button, .examples button { cursor: pointer; border: 1px solid #d1d5db;
  border-radius: 6px; background: #fff; padding: .15em .6em; font-size: 1em; }
.feedback button:hover, .examples button:hover { background: #f3f4f6; }
.examples { display: flex; flex-direction: column; gap: .3em; margin-top: .4em; }
.examples button { text-align: left; font-weight: normal; }
.empty { color: #4b5563; padding: .5em 0; }
.empty h3 { margin: .2em 0; }
.audience { margin-top: .6em; font-weight: 600; }
"""

DOCUMENT_CSS = """
.doc-meta table { border-collapse: collapse; font-size: .92em; }
.doc-meta th { text-align: left; padding: .15em 1em .15em 0; color: #4b5563; font-weight: 600; }
.doc-meta td { padding: .15em 0; }
.doc-meta th, .doc-meta td, .doc-meta table { border: none; background: none; }
.doc-meta h2 { margin: .2em 0 .5em 0; }
.doc-body { max-width: 52em; line-height: 1.55; }
.doc-body p { margin: .5em 0; overflow-wrap: anywhere; }
.doc-body li { margin: .2em 0; }
.doc-empty { color: #6b7280; }
"""

# Delegated listeners on the transcript: plain clicks become Gradio events with data, so a
# link still works as a link (`?doc=...`) when opened in a new tab.
TRANSCRIPT_JS = """
element.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-doc]');
  if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
    event.preventDefault();
    trigger('open_doc', {doc: link.dataset.doc});
    return;
  }
  const rate = event.target.closest('button[data-rating]');
  if (rate) {
    trigger('rate', {turn: Number(rate.dataset.turn), rating: rate.dataset.rating});
    return;
  }
  const example = event.target.closest('button[data-ask]');
  if (example) {
    trigger('ask_example', {question: example.dataset.ask});
  }
});
// Bring the newest exchange into view when an answer arrives.
watch('value', () => {
  const turns = element.querySelectorAll('.turn');
  if (turns.length > 1) {
    turns[turns.length - 1].scrollIntoView({block: 'start', behavior: 'smooth'});
  }
});
"""


def _text(value: object) -> str:
    """Escape text and keep its line breaks."""
    return escape(str(value)).replace("\n", "<br>")


def _safe_url(url: str) -> str | None:
    """Only http(s) links become anchors; anything else is shown as text."""
    return url if url.startswith(("http://", "https://")) else None


def anchor_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def link_markers(line_html: str, turn: int, numbers: set[int]) -> str:
    """Turn `[n]` in already-escaped text into links to the source cards of this turn."""

    def replace(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return f'<a class="ref" href="#{anchor_id(turn, n)}" title="Source {n}">[{n}]</a>'

    return MARKER.sub(replace, line_html)


def render_lines(answer: Answer, turn: int, numbers: set[int]) -> str:
    """A structured answer: the as-of badge, then each line by its role (never parsed back)."""
    parts = [f'<div class="as-of">As of {escape(format_date(answer.as_of))}</div>']
    for line in answer.lines:
        marks = "".join(f" [{n}]" for n in line.citations)
        body = link_markers(escape(line.text + marks), turn, numbers)
        if line.role == "history" and line.until:
            until = format_date(dt.date.fromisoformat(line.until))
            parts.append(
                f'<div class="line earlier"><span class="earlier-label">'
                f"Earlier (until {escape(until)}):</span> {body}</div>"
            )
        else:
            parts.append(f'<div class="line {escape(line.role, quote=True)}">{body}</div>')
    return "".join(parts)


def render_answer_text(text: str, turn: int, numbers: set[int]) -> str:
    """Free text (checker verdicts, language-model answers): bold, bullets, markers linked."""
    parts: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        bullet = line.startswith(("- ", "* "))
        body = escape(line[2:] if bullet else line.lstrip("#").strip())
        body = BOLD.sub(r"<strong>\1</strong>", body)  # checker verdicts use **bold**
        body = link_markers(body, turn, numbers)
        parts.append(f'<div class="line">{"• " if bullet else ""}{body}</div>')
    return "".join(parts)


def highlight_quote(chunk_text: str, quote: str | tuple[str, ...]) -> str:
    """The chunk with each quoted sentence wrapped in <mark>, everything escaped."""
    quotes = (quote,) if isinstance(quote, str) else quote
    chunk = chunk_text or " ".join(quotes)
    spans = sorted((start, start + len(q)) for q in quotes if q and (start := chunk.find(q)) >= 0)
    if not spans:
        shown = "".join(f"<mark>{_text(q)}</mark>" for q in quotes if q)
        rest = _text(chunk) if chunk and chunk not in quotes else ""
        return shown + ("<br>" + rest if shown and rest else rest)
    parts, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        parts.append(f"{_text(chunk[at:start])}<mark>{_text(chunk[start:end])}</mark>")
        at = end
    return "".join(parts) + _text(chunk[at:])


def render_citation(citation: Citation, turn: int) -> str:
    """One source card: number, title, issuer and date, official link, highlighted passage."""
    dated = published_label(citation.published, citation.published_note)
    meta = " · ".join(escape(part) for part in (citation.issuer, dated) if part)
    badges = '<span class="badge">earlier state</span>' if citation.historical else ""
    url = _safe_url(citation.source_url)
    links = []
    if url:
        links.append(
            f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
            "official source ↗</a>"
        )
    doc = escape(citation.doc_id, quote=True)
    links.append(f'<a class="open-doc" href="?doc={doc}" data-doc="{doc}">open in Sources</a>')
    section = f" › {escape(citation.section)}" if citation.section else ""
    classes = "card historical" if citation.historical else "card"
    return (
        f'<div class="{classes}" id="{anchor_id(turn, citation.n)}" data-doc="{doc}">'
        f'<div class="card-head"><span class="card-n">[{citation.n}]</span>'
        f'<span class="card-title">{escape(citation.title)}{section}</span>{badges}</div>'
        f'<div class="card-meta">{meta}</div>'
        f'<div class="card-links">{"".join(links)}</div>'
        f'<div class="chunk">{highlight_quote(citation.chunk_text, citation.quotes)}</div>'
        "</div>"
    )


def render_example_buttons(questions: Iterable[str]) -> str:
    buttons = "".join(
        f'<button type="button" data-ask="{escape(q, quote=True)}">{escape(q)}</button>'
        for q in questions
    )
    return f'<div class="examples">{buttons}</div>'


def render_feedback_buttons(turn: int) -> str:
    return (
        f'<div class="feedback">Was this answer helpful?'
        f'<button type="button" data-turn="{turn}" data-rating="up" title="Thumbs up">'
        "Yes</button>"
        f'<button type="button" data-turn="{turn}" data-rating="down" title="Thumbs down">'
        "No</button></div>"
    )


def render_answer(answer: Answer, turn: int) -> str:
    """The answer block of one turn: text, notes, source cards and the rating buttons."""
    numbers = {c.n for c in answer.citations}
    notes = "".join(f"<p><strong>Note:</strong> {_text(note)}</p>" for note in answer.notes)
    notes_html = f'<div class="notes">{notes}</div>' if notes else ""
    if answer.refused:
        body = (
            f'<div class="line">{_text(answer.answer)}</div>'
            '<div class="sources-head">Questions I can answer, for example:</div>'
            + render_example_buttons(REFUSAL_SUGGESTIONS)
        )
        return (
            f'<div class="answer refusal" data-mode="refusal">{body}{notes_html}'
            f"{render_feedback_buttons(turn)}</div>"
        )
    cards = "".join(render_citation(c, turn) for c in answer.citations)
    body = (
        render_lines(answer, turn, numbers)
        if answer.lines
        else render_answer_text(answer.answer, turn, numbers)
    )
    sources = (
        f'<div class="sources-head">Sources ({len(answer.citations)})</div>'
        f'<div class="sources">{cards}</div>'
        if cards
        else ""
    )
    return (
        f'<div class="answer" data-mode="{escape(answer.mode, quote=True)}">'
        f"{body}{notes_html}{sources}"
        f"{render_feedback_buttons(turn)}</div>"
    )


def shorten(text: str, limit: int = SHOWN_QUESTION_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_turn(turn: Turn, index: int) -> str:
    question = f'<div class="question">{escape(shorten(turn.question))}</div>'
    if turn.answer is not None:
        reply = render_answer(turn.answer, index)
    else:
        reply = f'<div class="answer {escape(turn.kind)}">{_text(turn.message)}</div>'
    return f'<div class="turn" id="turn-{index}">{question}{reply}</div>'


def render_empty() -> str:
    """The empty chat: what the tutor covers and example questions for each audience."""
    groups = "".join(
        f'<div class="audience">{escape(audience)}</div>{render_example_buttons(questions)}'
        for audience, questions in AUDIENCE_EXAMPLES.items()
    )
    return (
        '<div class="empty"><h3>Ask about Japan\'s export controls</h3>'
        "<div>Every answer quotes its sources. Pick an example or type your own question; "
        "set the <em>as of</em> date to see the rules as they stood on that day.</div>"
        f"{groups}</div>"
    )


def render_transcript(turns: Sequence[Turn]) -> str:
    if not turns:
        return f'<div class="tutor">{render_empty()}</div>'
    body = "".join(render_turn(turn, number) for number, turn in numbered(turns))
    first_kept = turns[0].number
    if first_kept > 1:
        dropped = f"Exchanges 1–{first_kept - 1}" if first_kept > 2 else "Exchange 1"
        verb = "are" if first_kept > 2 else "is"
        body = (
            f'<div class="answer notice">{dropped} of this conversation {verb} no longer kept; '
            f"the last {len(turns)} are shown.</div>{body}"
        )
    return f'<div class="tutor">{body}</div>'


# -- Sources tab -----------------------------------------------------------------------------
DOC_FIELDS = (
    ("doc_type", "Type"),
    ("issuer", "Issuer"),
    ("published", "Published"),
    ("valid_from", "Valid from"),
    ("valid_to", "Valid to"),
    ("source_title", "Source"),
)


def render_document_meta(doc_id: str, meta: Mapping[str, Any]) -> str:
    rows = []
    for key, label in DOC_FIELDS:
        value = str(meta.get(key) or "")
        if key == "valid_to" and not value and meta.get("valid_from"):
            value = "still in force"
        if value:
            rows.append(f"<tr><th>{label}</th><td>{escape(value)}</td></tr>")
    url = str(meta.get("source_url") or "")
    if _safe_url(url):
        rows.append(
            f'<tr><th>Official URL</th><td><a href="{escape(url, quote=True)}" target="_blank" '
            f'rel="noopener noreferrer">{escape(url)}</a></td></tr>'
        )
    elif url:
        rows.append(f"<tr><th>File</th><td>{escape(url)}</td></tr>")
    rows.append(f"<tr><th>Id</th><td><code>{escape(doc_id)}</code></td></tr>")
    title = escape(str(meta.get("title") or doc_id))
    return (
        f'<div class="doc-meta" data-doc="{escape(doc_id, quote=True)}"><h2>{title}</h2>'
        f"<table>{''.join(rows)}</table></div>"
    )


def render_document_body(text: str) -> str:
    """A Markdown body as HTML (markdown-it-py, raw HTML off, so a document cannot inject
    markup); headings are shifted one level down under the document's own title."""
    html = _DOCUMENT_MARKDOWN.render(text)
    html = re.sub(r"<(/?)h([1-5])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}>", html)
    return f'<div class="doc-body">{html}</div>'


def render_no_document(message: str = "Choose a document to read it.") -> str:
    return f'<div class="doc-empty">{escape(message)}</div>'
