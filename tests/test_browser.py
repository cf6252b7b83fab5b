"""The real app on a real port: its API through gradio_client, its page through Chromium.

The server runs in this process on the session's freshly built index; the browser tests drive
the page the way a student would (ask, read the cards, open a source, rate the answer).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

WHITE_LIST = "When was South Korea removed from the white list?"


@pytest.fixture
def client(app_url: str):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def ask(client, question: str, as_of: str = "") -> tuple[str, dict]:
    html, data, _box = client.predict(question, as_of, api_name="/ask")
    return html, data


# -- the API ---------------------------------------------------------------------------------
def test_api_answers_with_citations(client) -> None:
    html, data = ask(client, WHITE_LIST)
    assert data["refused"] is False
    assert "28 August 2019" in data["answer"]
    assert "white-list-removal-2019" in [c["doc_id"] for c in data["citations"]]
    assert 'id="src-1-1"' in html and "<mark>" in html


def test_api_refuses_off_topic_questions(client) -> None:
    html, data = ask(client, "a recipe for bibimbap")
    assert data["refused"] is True and data["citations"] == []
    assert 'class="answer refusal"' in html


def test_api_keeps_the_conversation_per_session(app_url: str, client) -> None:
    from gradio_client import Client

    ask(client, "Which row of Appended Table 1 covers resist?")
    _, follow_up = ask(client, "What about hydrogen fluoride?")
    assert "3(1)" in follow_up["answer"], follow_up["answer"]
    assert "resist" in follow_up["search_query"]  # the earlier topic was carried
    _, alone = ask(Client(app_url, verbose=False), "What about hydrogen fluoride?")
    assert "resist" not in alone["search_query"]  # another session has no history


def test_api_explains_bad_input(client) -> None:
    html, data = ask(client, WHITE_LIST, "2020-02-30")
    assert "YYYY-MM-DD" in data["error"] and "notice" in html
    _, data = ask(client, "   ")
    assert data["error"] == "Please type a question."
    _, data = ask(client, "x " * 1500)
    assert "2,000 characters" in data["error"]


def test_api_as_of_date(client) -> None:
    _, data = ask(client, "Is South Korea in Group A?", "2020-06-01")
    assert data["as_of"] == "2020-06-01"
    assert data["answer"].startswith("As of 1 June 2020:")


def test_api_document(client) -> None:
    meta, body = client.predict("white-list-restoration-2023", api_name="/document")
    assert "South Korea returns to Group A" in meta
    assert "Since 21 July 2023 South Korea is in Group A again." in body


# -- the page in Chromium --------------------------------------------------------------------
@pytest.fixture
def page(browser, app_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    page.set_default_timeout(60_000)
    page.goto(app_url)
    page.wait_for_selector("#transcript button[data-ask]")
    try:
        yield page
    finally:
        context.close()


def ask_in_page(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.click("#ask")


def selected_tab(page) -> str:
    return page.locator("button[role=tab][aria-selected=true]").first.inner_text().strip()


@pytest.mark.browser
def test_page_answers_and_opens_the_source(page, output_dir: Path) -> None:
    ask_in_page(page, WHITE_LIST)
    page.wait_for_selector("#transcript .card")
    assert page.locator("#transcript .card").count() >= 1
    assert page.locator("#transcript .card mark").count() >= 1
    assert "As of" in page.locator("#transcript .as-of").first.inner_text()
    page.screenshot(path=str(output_dir / "answer.png"), full_page=True)

    link = page.locator("#transcript a.open-doc").first
    doc_id = link.get_attribute("data-doc")
    title = page.locator("#transcript .card .card-title").first.inner_text()
    link.click()
    page.wait_for_selector(f'#doc-meta [data-doc="{doc_id}"]')
    assert selected_tab(page) == "Sources"
    assert page.locator("#doc-meta h2").inner_text() in title  # card title adds the section
    assert page.locator("#doc-body p").count() > 1
    page.screenshot(path=str(output_dir / "source.png"), full_page=True)


@pytest.mark.browser
def test_page_example_button_and_marker_link(page) -> None:
    page.click(f'#transcript button[data-ask="{WHITE_LIST}"]')
    page.wait_for_selector("#transcript .card")
    page.click("#transcript a.ref >> nth=0")
    assert page.evaluate("location.hash") == "#src-1-1"


@pytest.mark.browser
def test_page_shows_markup_as_text(page) -> None:
    question = "<img src=x onerror=alert(1)> <b>bold</b> {{value}} ${1+1}"
    ask_in_page(page, question)
    page.wait_for_selector("#turn-1 .answer")
    assert page.locator("#turn-1 .question").inner_text() == question
    assert page.locator("#transcript img, #transcript .question b").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


@pytest.mark.browser
def test_page_records_feedback(page, app_settings) -> None:
    ask_in_page(page, WHITE_LIST)
    page.wait_for_selector("#transcript .card")
    page.click('#transcript button[data-rating="down"]')
    page.wait_for_selector("#feedback-panel textarea")
    reason = "Should also say when it was reversed (browser test)."
    page.fill("#feedback-panel textarea", reason)
    page.click("#feedback-send")
    page.wait_for_function("document.querySelector('#feedback-status').innerText.includes('saved')")
    records = [
        json.loads(line)
        for line in app_settings.feedback_file.read_text(encoding="utf-8").splitlines()
    ]
    assert any(r["reason"] == reason and r["rating"] == "down" for r in records)


@pytest.mark.browser
def test_page_opens_a_document_from_the_url(browser, app_url: str) -> None:
    page = browser.new_page()
    try:
        page.goto(app_url + "?doc=white-list-restoration-2023")
        page.wait_for_selector('#doc-meta [data-doc="white-list-restoration-2023"]')
        assert selected_tab(page) == "Sources"
        assert "South Korea returns to Group A" in page.locator("#doc-meta h2").inner_text()
    finally:
        page.close()
