"""The study tabs' handlers on the real tutor, and the app built with its new tabs."""

from __future__ import annotations

import pytest

from bot.errors import InputError
from bot.study import session as quiz
from bot.study.timeline import event_key, load_timeline


def test_a_quiz_session_marks_scores_and_retries(tutor) -> None:
    session = quiz.start(tutor, "white-list", 5, seed=2)
    assert len(session.items) == 5
    first = session.current
    right = quiz.submit(tutor, session, _right(first))
    assert 'data-verdict="right"' in right and f'data-doc="{first.doc_id}"' in right
    assert "<mark>" in right  # the cited sentence is highlighted in its passage, as in chat
    quiz.advance(session)
    second = session.current
    wrong = quiz.submit(tutor, session, _wrong(second))
    assert 'data-verdict="wrong"' in wrong and second.answer in wrong
    assert session.scores["white-list"] == [1, 2]
    again = quiz.retry_wrong(session)
    assert again.items == [second] and again.scores is session.scores


def test_bad_quiz_input_is_a_message(tutor) -> None:
    with pytest.raises(InputError, match="not a quiz topic"):
        quiz.start(tutor, "astrology", 5, seed=1)
    with pytest.raises(InputError, match="5 to 10"):
        quiz.start(tutor, "wto", 30, seed=1)
    session = quiz.start(tutor, "wto", 5, seed=1)
    with pytest.raises(InputError):
        quiz.submit(tutor, session, "")
    with pytest.raises(InputError, match="Nothing to practise"):
        quiz.retry_wrong(session)


def test_asking_about_an_event_answers_as_of_its_day(tutor) -> None:
    from bot.ui.study import ask_about_event

    timeline = load_timeline(tutor.settings.corpus_dir)
    event = next(e for e in timeline.events if e.lane == "wto")
    html = ask_about_event(tutor, timeline, event_key(event))
    assert f"As of {event.day.day} {event.day.strftime('%B')} {event.day.year}" in html
    assert 'class="card' in html
    assert "Pick an event" in ask_about_event(tutor, timeline, "no such event")


def test_the_app_builds_with_the_study_tabs(tutor) -> None:
    from bot.ui import build_ui

    demo = build_ui(tutor)
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Test yourself", "Timeline"} <= labels


def _right(item) -> str:
    return item.answer


def _wrong(item) -> str:
    if item.kind == "truefalse":
        return "false" if item.answer == "true" else "true"
    if item.kind == "multichoice":
        return next(c for c in item.choices if c != item.answer)
    return "1 January 2001" if item.answer_type == "date" else "987654"


def test_the_bot_passes_its_own_quiz_as_an_evaluation_set(tutor, tmp_path) -> None:
    from bot.evaluation.dataset import load_sets
    from bot.ui.evaluate_tab import quiz_set_file, run_set

    path = quiz_set_file(tutor, "mixed", seed=4)
    items = load_sets([path]).items
    assert len(items) == 10 and not load_sets([path]).problems
    result = run_set(tutor, path, None, out_dir=tmp_path)
    assert result.message.startswith("10 of 10"), result.message
