"""The "Test yourself" and "Timeline" tabs: Gradio wiring over bot.study's plain functions.

Plotly click events do not reach Gradio through `gr.Plot`, so the timeline's events are also a
list: picking one and pressing "Ask the tutor" asks about that event as of its day.
"""

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from bot.answering.tutor import AskOptions
from bot.dates import parse_as_of
from bot.errors import TutorError
from bot.study import session as quiz
from bot.study.command import lane_lines
from bot.study.items import MIXED, TOPICS
from bot.study.plot import timeline_figure
from bot.study.spans import long_date
from bot.study.timeline import Timeline, event_key, load_timeline
from bot.ui import render

# Hooks Plotly's click on the timeline chart (re-hooked when the chart is redrawn).
CLICK_JS = """
setInterval(() => {
  const plot = document.querySelector('#timeline-plot .js-plotly-plot');
  if (!plot || typeof plot.on !== 'function' || plot.dataset.studyHooked) return;
  plot.dataset.studyHooked = '1';
  plot.on('plotly_click', (data) => {
    const point = data && data.points && data.points[0];
    if (point && point.customdata) trigger('event_click', {key: String(point.customdata)});
  });
}, 500);
"""
TOPIC_CHOICES = [(label, key) for key, label in TOPICS.items()] + [("Mixed", MIXED)]


def _status(message: str) -> str:
    return f'<div class="tutor quiz-status" role="alert">{escape(message)}</div>'


def _view(session: quiz.QuizSession | None, feedback: str = "") -> tuple[Any, ...]:
    """What the tab shows for a session: question, answer inputs, feedback, scores."""
    if session is None:
        return (
            "Pick a topic and press **Start quiz**.",
            gr.Radio(visible=False),
            gr.Textbox(visible=False),
            feedback,
            quiz.score_markdown(None),
            "",
        )
    item = session.current
    choices = quiz.choices_for(item)
    typed = item is not None and item.kind == "shortanswer"
    trainer = (
        f"{len(session.items)} questions; {session.dropped} generated item(s) dropped "
        "because the tutor could not answer them correctly."
    )
    return (
        quiz.question_markdown(session),
        gr.Radio(choices=choices, value=None, visible=bool(choices)),
        gr.Textbox(value="", visible=typed),
        feedback,
        quiz.score_markdown(session),
        trainer,
    )


def _quiz_handlers(services: Any) -> tuple[Any, ...]:
    """The tab's four handlers; each returns the session and the tab's outputs."""

    def on_start(topic_key: str, n: float, seed_value: float, old: Any):
        try:
            scores = old.scores if old is not None else None
            session = quiz.start(services, topic_key, int(n), int(seed_value or 0), scores)
        except (TutorError, ValueError) as exc:
            return (old, *_view(old, _status(str(exc))))
        return (session, *_view(session))

    def on_submit(session: Any, picked: str | None, text: str):
        if session is None or session.current is None:
            return (session, *_view(session, _status("Start a quiz first.")))
        response = text if session.current.kind == "shortanswer" else picked
        try:
            html = quiz.submit(services, session, response)
        except TutorError as exc:
            html = _status(str(exc))
        question_md, radio, box, _, score_md, trainer_md = _view(session)
        return (session, question_md, gr.Radio(), gr.Textbox(), html, score_md, trainer_md)

    def on_next(session: Any):
        if session is not None:
            quiz.advance(session)
        return (session, *_view(session))

    def on_retry(session: Any):
        try:
            fresh = quiz.retry_wrong(session) if session is not None else None
        except TutorError as exc:
            return (session, *_view(session, _status(str(exc))))
        return (fresh, *_view(fresh))

    return on_start, on_submit, on_next, on_retry


def build_quiz_tab(services: Any) -> None:
    """The "Test yourself" tab; call inside an open `gr.Tabs()`."""
    with gr.Tab("Test yourself", id="quiz"):
        state = gr.State(None)
        with gr.Row():
            topic = gr.Dropdown(TOPIC_CHOICES, value=MIXED, label="Topic", elem_id="quiz-topic")
            count = gr.Slider(
                quiz.MIN_QUESTIONS,
                quiz.MAX_QUESTIONS,
                value=6,
                step=1,
                label="Questions",
                elem_id="quiz-n",
            )
            seed = gr.Number(value=1, precision=0, label="Quiz number (seed)", elem_id="quiz-seed")
        start = gr.Button("Start quiz", variant="primary", elem_id="quiz-start")
        question = gr.Markdown(elem_id="quiz-question")
        choice = gr.Radio(label="Your answer", visible=False, elem_id="quiz-choice")
        typed = gr.Textbox(label="Your answer", visible=False, max_lines=1, elem_id="quiz-text")
        with gr.Row():
            submit = gr.Button("Check answer", elem_id="quiz-submit")
            nxt = gr.Button("Next question", elem_id="quiz-next")
            retry = gr.Button("Practise what I got wrong", elem_id="quiz-retry")
        feedback = gr.HTML(css_template=render.TRANSCRIPT_CSS, elem_id="quiz-feedback")
        score = gr.Markdown(quiz.score_markdown(None), elem_id="quiz-score")
        with gr.Accordion("For trainers", open=False):
            trainer = gr.Markdown(elem_id="quiz-trainer")
        outputs = [state, question, choice, typed, feedback, score, trainer]

        on_start, on_submit, on_next, on_retry = _quiz_handlers(services)
        start.click(on_start, [topic, count, seed, state], outputs)
        submit.click(on_submit, [state, choice, typed], outputs)
        typed.submit(on_submit, [state, choice, typed], outputs)
        nxt.click(on_next, [state], outputs)
        retry.click(on_retry, [state], outputs)


def _lanes_markdown(timeline: Timeline, day: dt.date) -> str:
    lines = [f"**As of {long_date(day)}**", "```text"]
    for status in timeline.status_on(day):
        lines += lane_lines(status)
    return "\n".join([*lines, "```"])


def ask_about_event(services: Any, timeline: Timeline, key: str | None) -> str:
    """The chat's answer to a question about one event, as of that event's day."""
    event = timeline.event_by_key(key or "")
    if event is None:
        return _status("Pick an event from the list first.")
    question = f"What happened on {long_date(event.day)}: {event.label}?"
    answer = services.ask(question, AskOptions(as_of=event.day))
    return (
        f'<div class="tutor"><div class="question">{escape(question)}</div>'
        f"{render.render_answer(answer, 0)}</div>"
    )


def build_timeline_tab(services: Any) -> Callable[[gr.Textbox], None]:
    """The "Timeline" tab: the case drawn from the corpus's dated documents.

    Returns `follow(chat_as_of)`, which makes the chart's As-of line follow the chat's date.
    """
    timeline = load_timeline(Path(services.settings.corpus_dir))
    today = dt.date.today()
    with gr.Tab("Timeline", id="timeline"):
        gr.Markdown(
            "Each lane is drawn from the course documents' dates. Hover a marker for "
            "the event and its source; pick an event below to ask the tutor about it "
            "as of that day."
        )
        as_of = gr.Textbox(
            value=today.isoformat(), label="As of", max_lines=1, elem_id="timeline-as-of"
        )
        plot = gr.Plot(timeline_figure(timeline, today), elem_id="timeline-plot")
        lanes = gr.Markdown(_lanes_markdown(timeline, today), elem_id="timeline-lanes")
        with gr.Row():
            event = gr.Dropdown(
                [event_key(e) for e in timeline.events],
                label="Event",
                elem_id="timeline-event",
                scale=4,
            )
            ask = gr.Button("Ask the tutor about this event", elem_id="timeline-ask", scale=1)
        answer = gr.HTML(
            css_template=render.TRANSCRIPT_CSS, js_on_load=CLICK_JS, elem_id="timeline-answer"
        )

        def on_click(evt: gr.EventData):
            data = evt._data if isinstance(evt._data, dict) else {}
            return ask_about_event(services, timeline, str(data.get("key") or ""))

        def on_date(text: str):
            try:
                day = parse_as_of(text)
            except TutorError as exc:
                return gr.Plot(), _status(str(exc))
            return timeline_figure(timeline, day), _lanes_markdown(timeline, day)

        as_of.submit(on_date, [as_of], [plot, lanes])
        ask.click(lambda key: ask_about_event(services, timeline, key), [event], [answer])
        answer.event_click(on_click, outputs=[answer], api_visibility="private")

        def on_chat_date(text: str):
            try:
                day = parse_as_of(text)
            except TutorError:  # the chat says why; the chart keeps its date
                return gr.Textbox(), gr.Plot(), gr.Markdown()
            return day.isoformat(), timeline_figure(timeline, day), _lanes_markdown(timeline, day)

    def follow(chat_as_of: gr.Textbox) -> None:
        chat_as_of.change(
            on_chat_date, [chat_as_of], [as_of, plot, lanes], queue=False, api_visibility="private"
        )

    return follow


def build_study_tabs(services: Any) -> Callable[[gr.Textbox], None]:
    """Both tabs; returns the timeline's `follow` for the chat's As-of box."""
    build_quiz_tab(services)
    return build_timeline_tab(services)
