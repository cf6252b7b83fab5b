"""The browser app's components and how they are wired to the handlers.

`build_ui(services)` only builds (tests call it without a server); `bot.ui.server` launches.
No `from __future__ import annotations` here: Gradio reads the `gr.EventData` and
`gr.Request` parameter annotations at run time to know what to pass.
"""

import logging
from dataclasses import dataclass
from typing import Any

import gradio as gr

from bot.errors import InputError
from bot.ui import handlers, render
from bot.ui.check_tab import build_check_tab
from bot.ui.evaluate_tab import build_eval_tab
from bot.ui.feedback import MAX_REASON_CHARS
from bot.ui.handlers import PendingRating, Services
from bot.ui.slots import AnswerSlots
from bot.ui.study import build_study_tabs

STATE_TTL_SECONDS = 2 * 3600
# Gradio's queue is for long jobs (progress bars, fair turns, an event stream per session);
# the chat's events take milliseconds, and through the queue each one cost ~2x the answer in
# server CPU under 50 users (bench/README.md). They are plain request/response calls instead;
# AnswerSlots keeps BOT_CONCURRENCY answers at most at once, in arrival order, as the queue
# did. The Evaluate tab, which reports progress, stays on the queue.
DIRECT = {"queue": False}

log = logging.getLogger(__name__)

TITLE = "Export-control tutor"
INTRO = (
    "# Export-control tutor\n"
    "Japan's export controls and the 2019–2023 Japan–South Korea case, answered from the "
    "course material with a quoted source for every sentence. *Educational, not legal advice.*"
)
CHAT_TAB, SOURCES_TAB = "chat", "sources"


def build_ui(services: Services) -> gr.Blocks:
    """Build the app (Chat, Sources, Check my product, Evaluate) without launching it."""
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        # Conversations expire after two idle hours, so a long-running app does not grow.
        turns = gr.State([], time_to_live=STATE_TTL_SECONDS)
        pending = gr.State(None, time_to_live=STATE_TTL_SECONDS)
        gr.Markdown(INTRO)
        with gr.Tabs(selected=CHAT_TAB) as tabs:
            with gr.Tab("Chat", id=CHAT_TAB):
                chat = _build_chat_tab(services, turns, pending)
            with gr.Tab("Sources", id=SOURCES_TAB):
                sources = _build_sources_tab(services)
            build_check_tab(services)
            follow_as_of = build_study_tabs(services)
            build_eval_tab(services)
        follow_as_of(chat["as_of"])  # the timeline's As-of line shows the chat's date
        _wire_navigation(services, demo, tabs, chat, sources)
    demo.queue(default_concurrency_limit=services.settings.concurrency)
    return demo


# -- Chat ------------------------------------------------------------------------------------
def _build_chat_tab(services: Services, turns: gr.State, pending: gr.State) -> dict[str, Any]:
    """The chat: transcript, feedback panel, question and date boxes, and their events."""
    w = _chat_widgets()
    _wire_asking(services, w, turns)
    _wire_feedback(services, w, turns, pending)
    return {"transcript": w.transcript, "question": w.question, "as_of": w.as_of}


@dataclass
class _ChatWidgets:
    """The chat tab's components, built once and wired by the two functions below."""

    transcript: Any
    feedback_panel: Any
    feedback_prompt: Any
    reason: Any
    send: Any
    cancel: Any
    feedback_status: Any
    question: Any
    as_of: Any
    ask_button: Any
    clear: Any
    details: Any


def _chat_widgets() -> _ChatWidgets:
    transcript = gr.HTML(
        value=render.render_transcript([]),
        js_on_load=render.TRANSCRIPT_JS,
        css_template=render.TRANSCRIPT_CSS,
        elem_id="transcript",
        padding=True,
        min_height=200,
    )
    with gr.Group(visible=False, elem_id="feedback-panel") as feedback_panel:
        feedback_prompt = gr.Markdown()
        reason = gr.Textbox(
            label="Reason (optional)",
            placeholder="What was wrong or missing?",
            max_length=MAX_REASON_CHARS,
            lines=2,
            max_lines=6,
            elem_id="feedback-reason",
        )
        with gr.Row():
            send = gr.Button("Send feedback", variant="primary", elem_id="feedback-send")
            cancel = gr.Button("Cancel")
    feedback_status = gr.Markdown(elem_id="feedback-status")
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            label="Your question",
            placeholder="e.g. When was South Korea removed from the white list?",
            info="Enter asks; Shift+Enter starts a new line.",
            lines=1,  # one line: Gradio submits on Enter only for single-line boxes
            max_lines=8,
            scale=5,
            elem_id="question",
        )
        as_of = gr.Textbox(
            label="As of",
            value="",  # today's date is filled in on each page load (see on_load)
            info="YYYY-MM-DD: the day the answer speaks for",
            max_lines=1,
            scale=1,
            min_width=150,
            elem_id="as-of",
        )
    with gr.Row():
        ask_button = gr.Button("Ask", variant="primary", elem_id="ask", scale=3)
        clear = gr.Button("New conversation", elem_id="new-conversation", scale=1)
    with gr.Accordion("Answer details (JSON)", open=False):
        details = gr.JSON(elem_id="answer-json")

    return _ChatWidgets(
        transcript, feedback_panel, feedback_prompt, reason, send, cancel, feedback_status,
        question, as_of, ask_button, clear, details,
    )  # fmt: skip


def _wire_asking(services: Services, w: _ChatWidgets, turns: gr.State) -> None:
    """Ask (button, Enter, an example link) and New conversation."""
    transcript, question, as_of, details = w.transcript, w.question, w.as_of, w.details
    ask_button, clear = w.ask_button, w.clear
    slots = AnswerSlots(services.settings.concurrency)

    def answer(question_text: str, as_of_text: str, conversation: list):
        return handlers.ask(services, question_text, as_of_text, conversation).as_tuple()

    async def ask(question_text: str, as_of_text: str, conversation: list):
        return await slots.run(answer, question_text, as_of_text, conversation)

    async def ask_example(as_of_text: str, conversation: list, evt: gr.EventData):
        data = evt._data if isinstance(evt._data, dict) else {}
        text = data.get("question")
        return await ask(text if isinstance(text, str) else "", as_of_text, conversation)

    chat_outputs = [turns, transcript, details, question]
    ask_button.click(
        ask,
        inputs=[question, as_of, turns],
        outputs=chat_outputs,
        api_name="ask",
        api_description="Ask the tutor; follow-ups in the same session use earlier questions.",
        **DIRECT,
    )
    question.submit(ask, [question, as_of, turns], chat_outputs, api_visibility="private", **DIRECT)
    transcript.ask_example(
        ask_example, [as_of, turns], chat_outputs, api_visibility="private", **DIRECT
    )
    clear.click(
        lambda: handlers.new_conversation().as_tuple(),
        outputs=chat_outputs,
        api_visibility="private",
        **DIRECT,
    )


def _wire_feedback(services: Services, w: _ChatWidgets, turns: gr.State, pending: gr.State) -> None:
    """Thumbs up/down on a turn, then an optional reason, saved to the feedback file."""
    transcript, reason, send, cancel = w.transcript, w.reason, w.send, w.cancel
    feedback_panel, feedback_prompt, feedback_status = (
        w.feedback_panel, w.feedback_prompt, w.feedback_status,
    )  # fmt: skip
    def rate(conversation: list, evt: gr.EventData):
        data = evt._data if isinstance(evt._data, dict) else {}
        try:
            choice = handlers.choose_rating(conversation, data.get("turn"), data.get("rating"))
        except InputError as exc:
            return None, gr.Group(visible=False), "", str(exc)
        prompt = handlers.rating_prompt(conversation, choice)
        return choice, gr.Group(visible=True), prompt, ""

    def send_feedback(conversation: list, choice: PendingRating | None, reason_text: str):
        try:
            message = handlers.send_feedback(services.settings, conversation, choice, reason_text)
        except InputError as exc:
            return str(exc), choice, gr.Group(visible=True), reason_text
        except Exception:
            log.exception("saving feedback failed")
            return handlers.FRIENDLY_ERROR, choice, gr.Group(visible=True), reason_text
        return message, None, gr.Group(visible=False), ""

    transcript.rate(
        rate,
        [turns],
        [pending, feedback_panel, feedback_prompt, feedback_status],
        api_visibility="private",
    )
    send.click(
        send_feedback,
        [turns, pending, reason],
        [feedback_status, pending, feedback_panel, reason],
        api_visibility="private",
    )
    cancel.click(
        lambda: (None, gr.Group(visible=False), ""),
        outputs=[pending, feedback_panel, feedback_status],
        api_visibility="private",
    )


# -- Sources ---------------------------------------------------------------------------------
def _build_sources_tab(services: Services) -> dict[str, Any]:
    gr.Markdown("Browse the course documents the tutor answers from.")
    select = gr.Dropdown(
        choices=handlers.document_choices(services),
        value=None,
        label="Document",
        filterable=True,
        elem_id="doc-select",
    )
    meta = gr.HTML(
        render.render_no_document(),
        css_template=render.DOCUMENT_CSS,
        elem_id="doc-meta",
        js_on_load=None,
        padding=True,
    )
    body = gr.HTML(
        "", css_template=render.DOCUMENT_CSS, elem_id="doc-body", js_on_load=None, padding=True
    )
    select.change(
        lambda doc_id: handlers.show_document(services, doc_id),
        inputs=[select],
        outputs=[meta, body],
        api_name="document",
        api_description="Metadata and text of one course document, as HTML.",
        **DIRECT,
    )
    return {"select": select, "meta": meta, "body": body}


def _wire_navigation(
    services: Services,
    demo: gr.Blocks,
    tabs: gr.Tabs,
    chat: dict[str, Any],
    sources: dict[str, Any],
) -> None:
    """'open in Sources' links and `?doc=<id>` URLs both land on that document."""

    def open_doc(evt: gr.EventData):
        data = evt._data if isinstance(evt._data, dict) else {}
        doc_id = handlers.requested_document(services, data.get("doc"))
        if doc_id is None:
            return gr.Tabs(), gr.Dropdown()
        return gr.Tabs(selected=SOURCES_TAB), gr.Dropdown(value=doc_id)

    def on_load(request: gr.Request):
        choices = handlers.document_choices(services)  # the index may have grown since start
        wanted = request.query_params.get("doc") if request is not None else None
        doc_id = handlers.requested_document(services, wanted)
        today = handlers.today()  # per page load, so a server running past midnight is right
        if doc_id is None:
            return gr.Tabs(), gr.Dropdown(choices=choices), today
        return gr.Tabs(selected=SOURCES_TAB), gr.Dropdown(choices=choices, value=doc_id), today

    chat["transcript"].open_doc(
        open_doc, outputs=[tabs, sources["select"]], api_visibility="private", **DIRECT
    )
    demo.load(
        on_load,
        outputs=[tabs, sources["select"], chat["as_of"]],
        api_visibility="private",
        **DIRECT,
    )
