"""The app's handlers, called directly with the real Tutor (real model, index and corpus).

No server and no browser here (tests/test_browser.py has those): what a button does is a plain
function, so these tests check answers, citations, refusals, escaping and error messages.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import re
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.answering.outcome import ENGLISH_NOTE
from bot.answering.tutor import AskOptions
from bot.answering.types import Answer, AnswerLine, Citation
from bot.answering.validate import clean_question
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.errors import InputError, TutorError
from bot.ui import handlers, render
from bot.ui.state import Turn

CARD = re.compile(r'class="card( historical)?"')
WHITE_LIST = "When was South Korea removed from the white list?"


def ask(tutor, question: str, as_of: str = "", turns: list[Turn] | None = None):
    return handlers.ask(tutor, question, as_of, turns or [])


def cited_docs(update: handlers.ChatUpdate) -> list[str]:
    return [c["doc_id"] for c in update.data.get("citations", [])]


class FakeServices:
    """A Tutor stand-in that records what it was asked, or fails on purpose."""

    def __init__(self, settings: Settings, error: Exception | None = None) -> None:
        self.settings = settings
        self.error = error
        self.calls: list[tuple[str, AskOptions]] = []
        self.docs: dict[str, dict[str, Any]] = {}

    def ask(self, question: str, options: AskOptions | None = None) -> Answer:
        self.calls.append((question, options or AskOptions()))
        question = clean_question(question, self.settings.max_question_chars)
        if self.error is not None:
            raise self.error
        refused = "bibimbap" in question
        return Answer(
            question=question, as_of=dt.date(2024, 1, 1), answer="As of 1 January 2024:\nYes. [1]",
            refused=refused, mode="refusal" if refused else "extractive",
        )  # fmt: skip

    def source_documents(self) -> dict[str, dict[str, Any]]:
        return self.docs


# -- answers through the real pipeline -------------------------------------------------------
def test_answer_has_linked_markers_and_source_cards(tutor) -> None:
    update = ask(tutor, WHITE_LIST)
    assert update.question_box == ""  # cleared for the next question
    assert "white-list-removal-2019" in cited_docs(update)
    assert re.search(r"28 August 2019", update.data["answer"])
    html = update.html
    assert '<div class="as-of">As of ' in html
    assert len(CARD.findall(html)) == len(update.data["citations"]) >= 1
    assert 'href="#src-1-1"' in html and 'id="src-1-1"' in html
    assert "<mark>" in html and "open in Sources" in html
    assert 'target="_blank" rel="noopener noreferrer"' in html  # official URL, new tab
    assert 'data-doc="white-list-removal-2019"' in html
    assert 'data-rating="down"' in html


def test_each_card_highlights_its_quote_inside_the_chunk(tutor) -> None:
    update = ask(tutor, WHITE_LIST)
    answer = update.turns[-1].answer
    for citation in answer.citations:
        card = render.render_citation(citation, 1)
        assert f"<mark>{escape(citation.quote)}</mark>" in card
        assert escape(citation.title) in card and escape(citation.issuer) in card


def test_off_topic_question_is_refused_with_suggestions(tutor) -> None:
    update = ask(tutor, "a recipe for bibimbap")
    assert update.data["refused"] is True
    assert update.data["citations"] == []
    assert 'class="answer refusal"' in update.html
    assert "won" in update.html and "guess" in update.html
    assert update.html.count("data-ask=") == len(render.REFUSAL_SUGGESTIONS)
    assert not CARD.findall(update.html)


def test_as_of_date_changes_the_answer(tutor) -> None:
    question = "Is South Korea in Group A?"
    in_2020 = ask(tutor, question, "2020-06-01")
    in_2024 = ask(tutor, question, "2024-01-01")
    assert in_2020.data["as_of"] == "2020-06-01" and in_2024.data["as_of"] == "2024-01-01"
    assert "As of 1 June 2020" in in_2020.html
    assert "As of 1 January 2024" in in_2024.html
    assert "Group B" in in_2020.data["answer"].splitlines()[1]
    assert "white-list-restoration-2023" in cited_docs(in_2024)
    assert "white-list-restoration-2023" not in cited_docs(in_2020)


def test_todays_date_lets_a_date_in_the_question_win(tutor) -> None:
    update = ask(tutor, "Was South Korea in Group A in 2020?", handlers.today())
    assert update.data["as_of"] == "2020-12-31"


@pytest.mark.parametrize("bad", ["2020-13-45", "yesterday", "01/06/2020"])
def test_bad_date_gives_a_clear_message_and_keeps_the_question(tutor, bad: str) -> None:
    update = ask(tutor, WHITE_LIST, bad)
    assert "YYYY-MM-DD" in update.data["error"]
    assert update.question_box == WHITE_LIST
    assert 'class="answer notice"' in update.html
    assert handlers.history_of(update.turns) == []


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Please type a question."),
        ("   \n\t ", "Please type a question."),
        ("word " * 500, "under 2,000 characters"),
        ("?!? ...", "could not find any words"),
    ],
)
def test_unusable_questions_get_a_clear_message(tutor, question: str, message: str) -> None:
    update = ask(tutor, question)
    assert message in update.data["error"]
    assert message.replace("'", "&#x27;") in update.html
    assert "Traceback" not in update.html
    assert update.turns[-1].answer is None


def test_long_question_is_shortened_in_the_transcript(tutor) -> None:
    update = ask(tutor, "x" * 5000)
    assert "x" * (render.SHOWN_QUESTION_CHARS + 1) not in update.html
    assert update.question_box == "x" * 5000  # still there to be shortened by the user


# -- escaping --------------------------------------------------------------------------------
def test_question_html_is_escaped(tutor) -> None:
    update = ask(
        tutor, "<script>alert(1)</script> When was South Korea removed from the white list?"
    )
    assert "<script>" not in update.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in update.html


def test_markup_in_a_refused_question_is_escaped(tutor) -> None:
    update = ask(tutor, '<img src=x onerror="alert(1)"> bibimbap')
    assert "<img" not in update.html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in update.html


def hostile_citation() -> Citation:
    return Citation(
        n=1,
        doc_id='evil" onclick="alert(1)',
        title="<b>Title</b>",
        section="<i>s</i>",
        source_url="javascript:alert(1)",
        quote="the <script>quote</script>",
        score=1.0,
        chunk_text="before <img src=x onerror=alert(1)> the <script>quote</script> after",
        issuer="<u>METI</u>",
        published="2019-08-02",
    )


def test_document_text_in_a_card_is_escaped() -> None:
    card = render.render_citation(hostile_citation(), 1)
    for raw in ("<b>", "<i>", "<u>", "<img", "<script>", 'onclick="alert'):
        assert raw not in card
    assert "<mark>the &lt;script&gt;quote&lt;/script&gt;</mark>" in card
    assert "javascript:" not in card  # a non-http URL never becomes a link
    assert 'data-doc="evil&quot; onclick=&quot;alert(1)"' in card


def test_answer_text_and_notes_are_escaped() -> None:
    lines = [
        AnswerLine("current", "<b>bold</b> claim", (1,)),
        AnswerLine("history", "<i>x</i>", (1,), until="2019-12-31"),
    ]
    answer = Answer(
        question="q",
        as_of=dt.date(2020, 1, 1),
        answer="free text that the renderer must not parse [9]",
        refused=False,
        citations=[hostile_citation()],
        notes=["<script>note</script>"],
        lines=lines,
    )
    html = render.render_answer(answer, 3)
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>" not in html and "&lt;script&gt;note" in html
    assert 'href="#src-3-1"' in html
    assert '<div class="as-of">As of 1 January 2020</div>' in html  # from as_of, not the text
    assert "free text" not in html  # structured lines are the answer; the text is not parsed
    assert 'class="line earlier"' in html and "Earlier (until 31 December 2019)" in html
    # Free text (checker, language model) is escaped line by line, unknown markers stay text.
    free = render.render_answer(replace(answer, lines=[], answer="**ok** <b>x</b> [9]"), 3)
    assert "<strong>ok</strong>" in free and "&lt;b&gt;x&lt;/b&gt;" in free
    assert "[9]" in free and "#src-3-9" not in free


def test_documents_are_shown_escaped(tmp_path: Path) -> None:
    page = tmp_path / "added.txt"
    page.write_text("# Heading <b>x</b>\n\n<script>alert(1)</script>\n- item <i>y</i>\n")
    services = FakeServices(load_settings())
    services.docs["added"] = {
        "title": "<img src=x>",
        "doc_type": "news",
        "issuer": "<b>someone</b>",
        "published": "2024-01-01",
        "source_url": "https://example.org/?a=1&b=<2>",
        "path": str(page),
    }
    meta, body = handlers.show_document(services, "added")
    assert "<img" not in meta and "<b>" not in meta
    assert 'href="https://example.org/?a=1&amp;b=&lt;2&gt;"' in meta
    assert "<script>" not in body and "<b>" not in body and "<i>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<h2>Heading &lt;b&gt;x&lt;/b&gt;</h2>" in body and "<li>item &lt;i&gt;y" in body


# -- follow-up questions ---------------------------------------------------------------------
def test_follow_up_about_the_reversal_cites_the_restoration(tutor) -> None:
    first = ask(tutor, WHITE_LIST)
    second = ask(tutor, "When was that reversed?", turns=first.turns)
    assert second.turns[-1].history == [WHITE_LIST]
    assert "white-list-restoration-2023" in cited_docs(second), second.data["answer"]
    assert "turn-2" in second.html and "turn-1" in second.html


def test_follow_up_about_hydrogen_fluoride_names_its_row(tutor) -> None:
    first = ask(tutor, "Which row of Appended Table 1 covers resist?")
    second = ask(tutor, "What about hydrogen fluoride?", turns=first.turns)
    assert "3(1)" in second.data["answer"], second.data["answer"]


def test_history_holds_only_answered_questions() -> None:
    services = FakeServices(load_settings())
    update = handlers.ask(services, "a recipe for bibimbap", "", [])
    update = handlers.ask(services, "", "", update.turns)
    update = handlers.ask(services, WHITE_LIST, "", update.turns)
    handlers.ask(services, "When was that reversed?", "", update.turns)
    question, options = services.calls[-1]
    assert question == "When was that reversed?"
    assert options.history == [WHITE_LIST]  # neither the refusal nor the empty question


def test_a_long_conversation_keeps_only_its_last_turns(tutor) -> None:
    """Memory per session is bounded: old turns go, numbering and rating stay consistent."""
    from dataclasses import replace

    keep = 3
    services = FakeServices(replace(tutor.settings, max_turns=keep))
    services.ask = tutor.ask  # the real answers, with their real retrieval diagnostics
    update = handlers.new_conversation()
    questions = [WHITE_LIST, "", "When was that reversed?", "a recipe for bibimbap", WHITE_LIST]
    for question in questions:
        update = handlers.ask(services, question, "", update.turns)
    assert [t.number for t in update.turns] == list(range(len(questions) - keep + 1, 6))
    assert update.data["retrieved"]  # the JSON output keeps the diagnostics ...
    assert all(t.answer is None or not t.answer.retrieved for t in update.turns)  # ... not state
    assert "Exchanges 1–2 of this conversation are no longer kept" in update.html
    assert 'id="turn-5"' in update.html and 'id="turn-1"' not in update.html
    assert handlers.choose_rating(update.turns, 5, "up").turn == 5
    with pytest.raises(InputError):
        handlers.choose_rating(update.turns, 1, "up")  # dropped: it can no longer be rated


# -- other languages -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    ["韓国はいつホワイト国から除外されましたか?", "한국은 언제 화이트리스트에서 제외되었습니까?"],
)
def test_japanese_and_korean_questions_show_the_english_note(tutor, question: str) -> None:
    update = ask(tutor, question)
    assert ENGLISH_NOTE in update.data["notes"]
    assert escape(ENGLISH_NOTE) in update.html
    assert escape(question) in update.html


def test_japanese_question_is_answered_from_the_white_list_documents(tutor) -> None:
    update = ask(tutor, "韓国はいつホワイト国から除外されましたか?")
    assert update.data["refused"] is False, update.data["answer"]
    assert "white-list-removal-2019" in cited_docs(update)


# -- failures --------------------------------------------------------------------------------
def test_pipeline_error_is_logged_and_shown_as_a_friendly_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = FakeServices(load_settings(), error=RuntimeError("secret internals"))
    with caplog.at_level(logging.ERROR, logger="bot.ui.handlers"):
        update = handlers.ask(services, WHITE_LIST, "", [])
    assert handlers.FRIENDLY_ERROR in update.html
    assert "secret internals" not in update.html and "Traceback" not in update.html
    assert update.data == {"error": handlers.FRIENDLY_ERROR}
    record = next(r for r in caplog.records if r.name == "bot.ui.handlers")
    assert record.exc_info is not None  # logged with its traceback, for the maintainer


def test_user_facing_errors_keep_their_message() -> None:
    services = FakeServices(load_settings(), error=TutorError("No index has been built yet."))
    update = handlers.ask(services, WHITE_LIST, "", [])
    assert "No index has been built yet." in update.html


def test_effective_as_of() -> None:
    today = dt.date(2026, 1, 2)
    assert handlers.effective_as_of("2026-01-02", today) == ""
    assert handlers.effective_as_of(" ", today) == ""
    assert handlers.effective_as_of("2020-06-01", today) == "2020-06-01"
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        handlers.effective_as_of("June 2020", today)


# -- sources ---------------------------------------------------------------------------------
def test_sources_list_every_document(tutor) -> None:
    choices = handlers.document_choices(tutor)
    ids = [doc_id for _, doc_id in choices]
    assert sorted(ids) == sorted(tutor.source_documents())
    assert "white-list-restoration-2023" in ids


def test_source_document_shows_metadata_and_text_without_front_matter(tutor) -> None:
    meta, body = handlers.show_document(tutor, "white-list-restoration-2023")
    doc = tutor.source_documents()["white-list-restoration-2023"]
    assert escape(doc["title"]) in meta
    assert f'href="{doc["source_url"]}" target="_blank"' in meta
    assert "Valid from" in meta and doc["valid_from"] in meta
    assert "Since 21 July 2023 South Korea is in Group A again." in body
    assert "source_url:" not in body and "---" not in body


def test_unknown_documents_are_refused(tutor) -> None:
    meta, body = handlers.show_document(tutor, "../../etc/passwd")
    assert "There is no document" in meta and body == ""
    assert handlers.requested_document(tutor, "../../etc/passwd") is None
    assert handlers.requested_document(tutor, None) is None
    assert (
        handlers.requested_document(tutor, "white-list-removal-2019") == "white-list-removal-2019"
    )


# -- app assembly ----------------------------------------------------------------------------
def test_build_ui_builds_without_launching(tutor) -> None:
    import gradio as gr

    from bot.ui import build_ui

    demo = build_ui(tutor)
    assert isinstance(demo, gr.Blocks)
    api_names = {fn.api_name for fn in demo.fns.values()}
    assert {"ask", "document"} <= api_names
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Chat", "Sources"} <= labels
    assert demo.title == "Export-control tutor"


def test_auth_file(tmp_path: Path) -> None:
    from bot.ui.server import read_auth_file

    good = tmp_path / "users.txt"
    good.write_text("# trainers\nalice:s3cret:with:colons\n\nbob: pw \n", encoding="utf-8")
    assert read_auth_file(good) == [("alice", "s3cret:with:colons"), ("bob", " pw")]
    bad = tmp_path / "bad.txt"
    bad.write_text("alice-without-password\n", encoding="utf-8")
    with pytest.raises(TutorError, match="line 1") as info:
        read_auth_file(bad)
    assert "alice" not in str(info.value)
    with pytest.raises(TutorError, match="Cannot read"):
        read_auth_file(tmp_path / "missing.txt")


def test_serve_and_app_take_host_and_port() -> None:
    from bot.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output and "--port" in result.output
    spec = importlib.util.spec_from_file_location("app", PROJECT_ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    with pytest.raises(SystemExit) as info:
        app.main(["--help"])
    assert info.value.code == 0
