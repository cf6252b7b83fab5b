"""The study tabs in Chromium: take a quiz (one right, one wrong answer), and ask about a
timeline event from the event list and by clicking its marker on the Plotly chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.study import session as quiz
from bot.study.timeline import event_key, load_timeline
from tests.test_study_ui import _right, _wrong


@pytest.fixture
def page(browser, app_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    page.wait_for_selector("#transcript")
    try:
        yield page
    finally:
        context.close()


def _open_tab(page, name: str) -> None:
    page.locator("button[role=tab]", has_text=name).first.click()


def _answer(page, item, response: str) -> None:
    if item.kind == "shortanswer":
        page.locator("#quiz-text textarea, #quiz-text input").first.fill(response)
    else:
        page.locator("#quiz-choice label", has_text=response).first.click()
    page.click("#quiz-submit")


@pytest.mark.browser
def test_take_a_quiz_one_right_one_wrong(page, tutor, output_dir: Path) -> None:
    expected = quiz.start(tutor, "mixed", 6, seed=1)  # the same seed gives the page's quiz
    first, second = expected.items[:2]
    _open_tab(page, "Test yourself")
    page.click("#quiz-start")
    page.wait_for_function(
        "document.querySelector('#quiz-question').innerText.includes('Question 1 of 6')"
    )
    assert first.question[:40] in page.locator("#quiz-question").inner_text()

    _answer(page, first, _right(first))
    page.wait_for_selector('#quiz-feedback [data-verdict="right"]')
    card = page.locator("#quiz-feedback .card").first
    assert card.get_attribute("data-doc") == first.doc_id
    assert page.locator("#quiz-feedback .card mark").count() >= 1
    page.screenshot(path=str(output_dir / "quiz-right.png"), full_page=True)

    page.click("#quiz-next")
    page.wait_for_function(
        "document.querySelector('#quiz-question').innerText.includes('Question 2 of 6')"
    )
    _answer(page, second, _wrong(second))
    page.wait_for_selector('#quiz-feedback [data-verdict="wrong"]')
    feedback = page.locator("#quiz-feedback").inner_text()
    assert f"the answer is {second.answer}" in feedback
    assert page.locator("#quiz-feedback .card").first.get_attribute("data-doc") == second.doc_id
    scores = page.locator("#quiz-score").inner_text()  # per topic: each item counts in its own
    assert "1 / 1" in scores and "0 / 1" in scores


@pytest.mark.browser
def test_timeline_event_asks_the_tutor(page, tutor, output_dir: Path) -> None:
    timeline = load_timeline(tutor.settings.corpus_dir)
    event = next(e for e in timeline.events if e.lane == "korea-group")
    _open_tab(page, "Timeline")
    page.wait_for_selector("#timeline-plot .js-plotly-plot")
    assert "As of" in page.locator("#timeline-lanes").inner_text()
    box = page.locator("#timeline-event input").first
    box.click()
    box.fill(event.label[:30])
    page.locator("[role=option]", has_text=event_key(event)[:40]).first.click()
    page.click("#timeline-ask")
    page.wait_for_selector("#timeline-answer .card")
    long = f"{event.day.day} {event.day.strftime('%B')} {event.day.year}"
    assert f"As of {long}" in page.locator("#timeline-answer").inner_text()
    page.screenshot(path=str(output_dir / "timeline.png"), full_page=True)


@pytest.mark.browser
def test_clicking_a_timeline_marker_asks_the_tutor(page, tutor) -> None:
    timeline = load_timeline(tutor.settings.corpus_dir)
    index, event = next((i, e) for i, e in enumerate(timeline.events) if e.fact == "T34")
    _open_tab(page, "Timeline")
    page.wait_for_selector("#timeline-plot .js-plotly-plot")
    page.wait_for_function(
        "document.querySelector('#timeline-plot .js-plotly-plot').dataset.studyHooked === '1'"
    )
    marker = page.locator("#timeline-plot g.trace.scatter").last.locator("path.point").nth(index)
    box = marker.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#timeline-answer .card")
    text = page.locator("#timeline-answer").inner_text()
    long = f"{event.day.day} {event.day.strftime('%B')} {event.day.year}"
    assert event.label in text and f"As of {long}" in text


@pytest.mark.browser
def test_the_timeline_follows_the_chats_as_of_date(page) -> None:
    box = page.locator("#as-of textarea, #as-of input").first
    page.wait_for_function(  # the page fills in today's date on load; wait for it
        "(document.querySelector('#as-of textarea, #as-of input') || {}).value"
    )
    box.fill("2020-05-01")
    box.press("Enter")
    _open_tab(page, "Timeline")
    page.wait_for_function(
        "document.querySelector('#timeline-lanes').innerText.includes('As of 1 May 2020')"
    )
    lanes = page.locator("#timeline-lanes").inner_text()
    assert "Group B" in lanes and "South Korea is in Group A (from" not in lanes
    page.wait_for_function(  # the chart's As-of line label (SVG text)
        "document.querySelector('#timeline-plot').textContent.includes('As of 2020-05-01')"
    )
