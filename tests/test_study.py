"""Quiz items from the corpus: determinism, same-type distractors, unambiguous dated states,
grading with tolerance, and the Moodle XML / evaluation-set exports."""

from __future__ import annotations

import datetime as dt
import html
import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from bot.config import PROJECT_ROOT
from bot.errors import InputError
from bot.evaluation.dataset import parse_item
from bot.ingest.documents import load_corpus
from bot.study.evalset import quiz_jsonl
from bot.study.grading import grade
from bot.study.items import STATE_MARGIN_DAYS, TOPICS, generate_items
from bot.study.markdown import quiz_markdown
from bot.study.moodle import quiz_xml
from bot.study.quiz import build_quiz
from bot.study.spans import body_sentences, date_of, find_spans
from bot.study.timeline import build_timeline

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def docs():
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def timeline(docs):
    return build_timeline(docs)


@pytest.fixture(scope="module")
def items(docs, timeline):
    return generate_items(docs, timeline, seed=7)


def test_generation_is_deterministic_for_a_seed(docs, timeline, items) -> None:
    assert generate_items(docs, timeline, seed=7) == items
    a = build_quiz(items, "mixed", 10, seed=1)
    assert build_quiz(items, "mixed", 10, seed=1).items == a.items
    assert build_quiz(items, "mixed", 10, seed=2).items != a.items


def test_a_quiz_never_asks_one_lane_and_day_twice(items) -> None:
    """Two true/false items on the same lane and day give each other away."""
    for topic in TOPICS:
        for seed in range(1, 13):
            asked = [
                i.question.split(":", 1)[0]
                for i in build_quiz(items, topic, 10, seed=seed).items
                if i.kind == "truefalse"
            ]
            assert len(asked) == len(set(asked)), (topic, seed)


def test_every_topic_has_items_of_several_kinds(items) -> None:
    for topic in TOPICS:
        quiz = build_quiz(items, topic, 10, seed=3)
        assert len(quiz.items) >= 5, topic
    assert {i.kind for i in build_quiz(items, "mixed", 10, seed=3).items} == {
        "multichoice",
        "shortanswer",
        "truefalse",
    }


def test_answers_are_in_their_cited_sentence_and_document(docs, items) -> None:
    bodies = {d.id: d.text for d in docs}
    for item in items:
        if item.kind != "truefalse":
            assert item.answer in item.sentence
        assert item.sentence in bodies[item.doc_id]


def test_distractors_have_the_answers_type_and_are_not_also_true(docs, items) -> None:
    sentences = {s for d in docs for s in body_sentences(d.text)}
    spans = {(d.id, sp) for d in docs for s in body_sentences(d.text) for sp in find_spans(s)}
    typed = {(sp.kind, sp.unit, sp.text) for _, sp in spans}
    keys = {(doc_id, sp.key) for doc_id, sp in spans}
    multichoice = [i for i in items if i.kind == "multichoice"]
    assert {i.answer_type for i in multichoice} >= {"date", "number", "identifier", "name"}
    for item in multichoice:
        (answer,) = [sp for sp in find_spans(item.sentence) if sp.text == item.answer]
        assert item.answer in item.choices and len(set(item.choices)) == 4
        for choice in set(item.choices) - {item.answer}:
            assert (answer.kind, answer.unit, choice) in typed  # same type, from the corpus
            other = next(sp for _, sp in spans if sp.text == choice)
            assert (item.doc_id, other.key) not in keys  # never a value of the same document
            assert item.sentence.replace(item.answer, choice) not in sentences


def test_state_items_are_dated_far_from_any_change_and_true_only_when_they_hold(
    timeline, items
) -> None:
    states = [i for i in items if i.kind == "truefalse"]
    assert {i.answer for i in states} == {"true", "false"}
    for item in states:
        day = dt.date.fromisoformat(item.as_of)
        assert f"{day.day} {day.strftime('%B')} {day.year}" in item.question
        lane, label = next(
            (s.lane, s.label) for s in timeline.states if f"): {s.label}." in item.question
        )
        lane_states = [s for s in timeline.states if s.lane == lane]
        holds = any(s.label == label and s.holds_on(day) for s in lane_states)
        assert item.answer == ("true" if holds else "false")
        for s in lane_states:
            changes = [s.start] + ([s.end + dt.timedelta(1)] if s.end else [])
            assert all(abs((day - c).days) > STATE_MARGIN_DAYS for c in changes)


def test_grading_accepts_other_spellings_of_a_date(items) -> None:
    item = next(i for i in items if i.answer_type == "date" and i.kind == "shortanswer")
    day = date_of(item.answer)
    for typed in (f"{day.strftime('%b')} {day.day} {day.year}", day.isoformat(), item.answer):
        assert grade(item, typed).correct, typed
    wrong = grade(item, (day + dt.timedelta(1)).isoformat())
    assert wrong.valid and not wrong.correct and item.answer in wrong.message
    unreadable = grade(item, "the day after the summit")
    assert not unreadable.valid and "not a date" in unreadable.message
    assert not grade(item, "  ").valid
    assert "few words" in grade(item, "28 August 2019 " * 100).message


def test_grading_numbers_choices_and_true_false(items) -> None:
    number = next(i for i in items if i.answer_type == "number" and i.kind == "shortanswer")
    assert grade(number, number.answer.split()[0].replace(",", "")).correct
    choice = next(i for i in items if i.kind == "multichoice")
    other = next(c for c in choice.choices if c != choice.answer)
    assert grade(choice, choice.answer).correct and not grade(choice, other).correct
    assert not grade(choice, "none of these").valid
    tf = next(i for i in items if i.kind == "truefalse")
    assert grade(tf, tf.answer).correct
    assert not grade(tf, "maybe").valid


def test_moodle_xml_has_the_structure_the_importer_reads(items) -> None:
    quiz = build_quiz(items, "mixed", 10, seed=4)
    root = ET.fromstring(quiz_xml(quiz).encode())
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert questions[0].get("type") == "category"
    kinds = set()
    for q, item in zip(questions[1:], quiz.items, strict=True):
        kinds.add(q.get("type"))
        assert q.findtext("name/text") and q.findtext("questiontext/text")
        assert q.find("questiontext").get("format") == "html"
        feedback = q.findtext("generalfeedback/text")
        assert html.escape(item.source_url) in feedback and item.doc_id in feedback
        answers = q.findall("answer")
        fractions = [a.get("fraction") for a in answers]
        assert all(a.findtext("text") and a.find("feedback/text") is not None for a in answers)
        if q.get("type") == "shortanswer":
            assert fractions and set(fractions) == {"100"}
        else:
            assert sorted(fractions) == ["0"] * (len(answers) - 1) + ["100"]
            right = next(a.findtext("text") for a in answers if a.get("fraction") == "100")
            assert right == item.answer
        if q.get("type") == "multichoice":
            assert q.findtext("single") == "true" and len(answers) == 4
    assert kinds == {"multichoice", "shortanswer", "truefalse"}


def test_markdown_and_eval_set_carry_every_question(items) -> None:
    quiz = build_quiz(items, "white-list", 6, seed=5)
    text = quiz_markdown(quiz)
    assert all(i.question in text and i.source_url in text for i in quiz.items)
    lines = quiz_jsonl(quiz).splitlines()
    assert len(lines) == len(quiz.items)
    for line in lines:
        parse_item(json.loads(line))


def test_a_failing_check_drops_and_counts_items(items) -> None:
    quiz = build_quiz(items, "mixed", 8, seed=6, check=lambda i: i.answer_type != "date")
    assert quiz.dropped and all(i.answer_type == "date" for i in quiz.dropped)
    assert len(quiz.items) == 8 and all(i.answer_type != "date" for i in quiz.items)


def test_bad_topic_or_size_is_a_message(items) -> None:
    with pytest.raises(InputError, match="not a quiz topic"):
        build_quiz(items, "chemistry", 5, seed=1)
    with pytest.raises(InputError, match="questions"):
        build_quiz(items, "mixed", 0, seed=1)


def test_the_tutor_check_drops_an_item_with_a_wrong_answer(tutor, items) -> None:
    from bot.study.quiz import tutor_check

    check = tutor_check(tutor)
    quiz = build_quiz(items, "wto", 5, seed=1, check=check)
    assert len(quiz.items) == 5
    wrong = replace(quiz.items[0], id="wrong", answer="1 January 2001")
    assert not check(wrong)


def _answer(text: str, cited: list[tuple[str, str]], refused: bool = False):
    """A tutor answer whose lines (role, doc) each cite one document."""
    from bot.answering.types import Answer, AnswerLine, Citation

    citations = [Citation(n, doc, doc, "", "", text, 1.0) for n, (_, doc) in enumerate(cited, 1)]
    lines = [AnswerLine(role, text, (n,)) for n, (role, _) in enumerate(cited, 1)]
    return Answer("q", dt.date(2024, 1, 1), text, refused, citations, lines=lines)


def test_the_consistency_check_reads_the_tutors_answer(items) -> None:
    from bot.study.quiz import answers_item

    item = next(i for i in items if i.answer_type == "date")
    day = date_of(item.answer)
    said = f"It happened on {day.day} {day.strftime('%B')} {day.year}. [1]"
    assert answers_item(item, _answer(said, [("current", item.doc_id)]))
    other = day + dt.timedelta(days=1)
    wrong = f"It happened on {other.day} {other.strftime('%B')} {other.year}."
    assert not answers_item(item, _answer(wrong, [("current", item.doc_id)]))
    assert not answers_item(item, _answer(said, [], refused=True))
    state = next(i for i in items if i.kind == "truefalse")
    assert answers_item(state, _answer("x", [("current", state.fact_docs[0])]))
    assert not answers_item(
        state, _answer("x", [("current", "glossary"), ("history", state.fact_docs[0])])
    )


def test_quiz_command_writes_moodle_markdown_and_eval_set(tmp_path) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    out = tmp_path / "quiz"
    args = ["quiz", "--topic", "law", "--n", "5", "--seed", "2", "--no-check", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["questions"] == 5
    assert ET.parse(out / "quiz.xml").getroot().tag == "quiz"
    assert (out / "quiz.md").read_text(encoding="utf-8").startswith("# Test yourself")
    assert len((out / "quiz.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    bad = CliRunner().invoke(cli, ["quiz", "--topic", "cooking", "--no-check", "--out", str(out)])
    assert bad.exit_code == 2 and "not a quiz topic" in bad.output and "Traceback" not in bad.output
