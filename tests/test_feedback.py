"""Thumbs up / down: records are validated and appended, thumbs-down export as eval drafts."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.answering.types import Answer, Citation
from bot.config import load_settings
from bot.errors import InputError
from bot.ui import feedback, handlers
from bot.ui.state import Turn

EVAL_FIELDS = {
    "id", "question", "as_of", "must_include", "expected_docs", "answerable", "tags", "history",
}  # fmt: skip


def make_answer(question: str = "When was South Korea removed from the white list?") -> Answer:
    citation = Citation(
        n=1,
        doc_id="white-list-removal-2019",
        title="Removal",
        section="",
        source_url="https://example.org",
        quote="The removal took effect on 28 August 2019.",
        score=0.9,
    )
    return Answer(
        question=question,
        as_of=dt.date(2024, 1, 1),
        answer="As of 1 January 2024:\nThe removal took effect on 28 August 2019. [1]",
        refused=False,
        citations=[citation, citation],
    )


def test_record_has_the_documented_fields() -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    record = feedback.feedback_record(make_answer(), "down", "  wrong date \x07", now=now)
    assert record == {
        "time": "2026-01-02T03:04:05+00:00",
        "question": "When was South Korea removed from the white list?",
        "as_of": "2024-01-01",
        "answer": make_answer().answer,
        "citations": [
            {
                "doc_id": "white-list-removal-2019",
                "quote": "The removal took effect on 28 August 2019.",
            }
        ]
        * 2,
        "rating": "down",
        "reason": "wrong date",  # trimmed, control character dropped
    }
    with_history = feedback.feedback_record(make_answer("And then?"), "up", history=["Earlier?"])
    assert with_history["history"] == ["Earlier?"]


@pytest.mark.parametrize("rating", ["", "sideways", None, 1])
def test_rating_must_be_up_or_down(rating: object) -> None:
    with pytest.raises(InputError):
        feedback.feedback_record(make_answer(), rating)  # type: ignore[arg-type]


def test_reason_is_validated_and_capped() -> None:
    assert feedback.clean_reason(None) == ""
    assert feedback.clean_reason("x" * feedback.MAX_REASON_CHARS) == "x" * feedback.MAX_REASON_CHARS
    with pytest.raises(InputError, match="1,000 characters"):
        feedback.clean_reason("x" * (feedback.MAX_REASON_CHARS + 1))
    with pytest.raises(InputError):
        feedback.clean_reason(["not", "text"])


def test_send_feedback_appends_json_lines() -> None:
    settings = load_settings()  # the autouse fixture points BOT_DATA_DIR at a temp folder
    turns = [Turn("q1", "", answer=make_answer()), Turn("q2", "", message="bad", kind="notice")]
    pending = handlers.choose_rating(turns, 1, "down")
    message = handlers.send_feedback(settings, turns, pending, "It should say 2019-08-28.")
    assert "saved" in message
    handlers.send_feedback(settings, turns, handlers.PendingRating(1, "up"), "")
    lines = settings.feedback_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["rating"] for line in lines] == ["down", "up"]
    assert json.loads(lines[0])["reason"] == "It should say 2019-08-28."
    assert settings.feedback_file.parent == settings.data_dir


@pytest.mark.parametrize(
    ("turn", "rating"), [(2, "up"), (0, "up"), (3, "down"), ("x", "up"), (1, "meh"), (None, "up")]
)
def test_only_shown_answers_can_be_rated(turn: object, rating: object) -> None:
    turns = [Turn("q1", "", answer=make_answer()), Turn("q2", "", message="bad", kind="notice")]
    with pytest.raises(InputError):
        handlers.choose_rating(turns, turn, rating)


def test_send_without_a_rating_or_with_a_long_reason_is_refused() -> None:
    settings = load_settings()
    turns = [Turn("q1", "", answer=make_answer())]
    with pytest.raises(InputError, match="first"):
        handlers.send_feedback(settings, turns, None, "")
    with pytest.raises(InputError, match="characters"):
        handlers.send_feedback(settings, turns, handlers.PendingRating(1, "down"), "x" * 5000)
    assert not settings.feedback_file.exists()


def test_concurrent_writers_keep_lines_whole(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    record = feedback.feedback_record(make_answer(), "up", "y" * 900)

    def write() -> None:
        for _ in range(25):
            feedback.append_feedback(path, record)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200 and all(json.loads(line) == record for line in lines)


def write_records(path: Path) -> None:
    records = [
        feedback.feedback_record(make_answer(), "down", "wrong"),
        feedback.feedback_record(make_answer(), "down", "same question again"),
        feedback.feedback_record(make_answer("Is Korea in Group A?"), "up"),
        feedback.feedback_record(make_answer("When was that reversed?"), "down", history=["Q1?"]),
    ]
    refused = make_answer("a recipe for bibimbap")
    refused.citations, refused.refused = [], True
    records.append(feedback.feedback_record(refused, "down", "should answer"))
    for record in records:
        feedback.append_feedback(path, record)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n\n")


def test_export_turns_thumbs_down_into_eval_drafts(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    write_records(path)
    drafts = feedback.export_drafts(path)
    assert [d["question"] for d in drafts] == [
        "When was South Korea removed from the white list?",
        "When was that reversed?",
        "a recipe for bibimbap",
    ]
    first = drafts[0]
    assert first["id"].startswith("fb-") and len(first["id"]) == 13
    assert first["as_of"] == "2024-01-01"
    assert first["must_include"] == []
    assert first["expected_docs"] == ["white-list-removal-2019"]  # de-duplicated
    assert first["answerable"] is True
    assert first["tags"] == ["feedback", "draft"]
    assert "history" not in first and drafts[1]["history"] == ["Q1?"]
    assert drafts[2]["expected_docs"] == []
    assert all(set(d) <= EVAL_FIELDS for d in drafts)
    assert len({d["id"] for d in drafts}) == len(drafts)
    assert feedback.export_drafts(tmp_path / "none.jsonl") == []


def test_feedback_export_command(tmp_path: Path) -> None:
    from bot.cli import cli

    settings = load_settings()
    write_records(settings.feedback_file)
    runner = CliRunner()
    printed = runner.invoke(cli, ["feedback", "export"])
    assert printed.exit_code == 0, printed.output
    items = [json.loads(line) for line in printed.output.splitlines()]
    assert len(items) == 3 and all(set(item) <= EVAL_FIELDS for item in items)
    out = tmp_path / "drafts" / "feedback.jsonl"
    written = runner.invoke(cli, ["feedback", "export", "--out", str(out)])
    assert written.exit_code == 0, written.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == items


def test_exported_lines_parse_as_evals_items(tmp_path: Path) -> None:
    dataset = pytest.importorskip("bot.evaluation.dataset")
    path = tmp_path / "feedback.jsonl"
    write_records(path)
    for draft in feedback.export_drafts(path):
        item = dataset.parse_item(json.loads(json.dumps(draft)))
        assert item.id == draft["id"] and item.tags == ["feedback", "draft"]
