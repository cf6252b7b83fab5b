"""`POST /api/ask` on the real app server: plain JSON in and out, same answers as the chat."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import pytest

from bot.ui.api import answer_json, authorized

pytestmark = pytest.mark.slow


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "api/ask", data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def ask(url: str, **payload: object) -> tuple[int, dict]:
    return post(url, json.dumps(payload).encode())


def test_api_ask_answers_like_bot_ask(app_url: str, tutor) -> None:
    status, data = ask(app_url, question="When was South Korea removed from the white list?")
    assert status == 200 and data["refused"] is False
    direct = tutor.ask("When was South Korea removed from the white list?").to_dict()
    assert data["answer"] == direct["answer"]
    assert [c["doc_id"] for c in data["citations"]] == [c["doc_id"] for c in direct["citations"]]


def test_api_ask_takes_history_and_as_of(app_url: str) -> None:
    _, follow_up = ask(
        app_url,
        question="What about hydrogen fluoride?",
        history=["Which row of Appended Table 1 covers resist?"],
    )
    assert "resist" in follow_up["search_query"] and "3(1)" in follow_up["answer"]
    _, alone = ask(app_url, question="What about hydrogen fluoride?")
    assert "resist" not in alone["search_query"]
    _, dated = ask(app_url, question="Is South Korea in Group A?", as_of="2020-06-01")
    assert dated["answer"].startswith("As of 1 June 2020:")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"question": 5}).encode(), "must be text"),
        (json.dumps({"question": "   "}).encode(), "Please type a question."),
        (json.dumps({"question": "Group A?", "as_of": "2020-02-30"}).encode(), "YYYY-MM-DD"),
        (json.dumps({"question": "Group A?", "history": "resist"}).encode(), "list of earlier"),
    ],
)
def test_api_ask_rejects_bad_input_with_400(app_url: str, body: bytes, message: str) -> None:
    status, data = post(app_url, body)
    assert status == 400 and message in data["error"]


def test_api_ask_needs_the_login_when_the_app_has_one(tutor) -> None:
    users = [("alice", "s3cret")]
    good = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    bad = "Basic " + base64.b64encode(b"alice:wrong").decode()
    assert authorized(None, None) and authorized(good, users)
    assert not authorized(None, users) and not authorized(bad, users)
    assert not authorized("Basic !!!", users)
    status, data = answer_json(tutor, {"question": "What is a catch-all control?"})
    assert status == 200 and data["citations"]
