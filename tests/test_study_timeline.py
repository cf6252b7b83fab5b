"""The study timeline: lanes and events come from the corpus front matter, each traceable."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import PROJECT_ROOT
from bot.errors import CorpusError
from bot.ingest.documents import load_corpus
from bot.study.timeline import LANES, build_timeline, load_timeline

CORPUS = PROJECT_ROOT / "corpus"


def _long(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


@pytest.fixture(scope="module")
def timeline():
    return load_timeline(CORPUS)


def test_every_lane_has_something_and_events_are_dated_in_order(timeline) -> None:
    for lane in LANES:
        assert any(e.lane == lane for e in timeline.events) or any(
            s.lane == lane for s in timeline.states
        ), lane
    days = [e.day for e in timeline.events]
    assert days == sorted(days)


def test_each_event_date_is_in_its_document_and_its_fact(timeline, shared_dir: Path) -> None:
    facts = (shared_dir / "reference" / "facts.md").read_text(encoding="utf-8")
    bodies = {d.id: d.text for d in load_corpus(CORPUS)}
    for event in timeline.events:
        assert _long(event.day) in bodies[event.doc_id], (event.doc_id, event.day)
        line = next(ln for ln in facts.splitlines() if f"**{event.fact}**" in ln)
        written = {_long(event.day), f"{event.day.day} {event.day.strftime('%b')} {event.day.year}"}
        short = f"{event.day.day} {event.day.strftime('%B')}"
        assert any(w in line for w in written) or (short in line and str(event.day.year) in line), (
            event.fact,
            event.day,
        )


def test_states_follow_the_documents_validity(timeline) -> None:
    docs = {d.id: d for d in load_corpus(CORPUS)}
    for state in timeline.states:
        doc = docs[state.doc_id]
        assert doc.kind == "state"
        assert (state.start, state.end) == (doc.valid_from, doc.valid_to)
        assert state.holds_on(state.start) and not state.holds_on(state.start - dt.timedelta(1))


def test_the_korea_group_lane_never_holds_two_states(timeline) -> None:
    group = [s for s in timeline.states if s.lane == "korea-group"]
    assert len(group) >= 2
    for a, b in zip(group, group[1:], strict=False):
        assert a.end is not None and a.end < b.start


def test_a_state_on_a_day_inside_its_period_is_reported(timeline) -> None:
    for state in timeline.states:
        day = state.start + dt.timedelta(days=10)
        status = next(s for s in timeline.status_on(day) if s.lane == state.lane)
        assert state in status.states


def test_bad_timeline_front_matter_is_named() -> None:
    docs = load_corpus(CORPUS)
    doc = next(d for d in docs if d.timeline.get("events"))
    bad_lane = replace(
        doc,
        timeline={"events": [{"date": "2019-08-02", "lane": "moon", "label": "x", "fact": "T16"}]},
    )
    with pytest.raises(CorpusError, match="moon"):
        build_timeline([bad_lane])
    bad_date = replace(
        doc,
        timeline={"events": [{"date": "2019-02-30", "lane": "wto", "label": "x", "fact": "T16"}]},
    )
    with pytest.raises(CorpusError, match="date"):
        build_timeline([bad_date])
    no_fact = replace(
        doc,
        timeline={"events": [{"date": "2019-08-02", "lane": "wto", "label": "x", "fact": "about"}]},
    )
    with pytest.raises(CorpusError, match="fact"):
        build_timeline([no_fact])


def test_cli_prints_each_lane_with_its_sources(timeline) -> None:
    result = CliRunner().invoke(cli, ["timeline", "--as-of", "2020-05-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [lane["lane"] for lane in data["lanes"]] == list(LANES)
    group = data["lanes"][0]
    assert [s["doc_id"] for s in group["states"]] == [
        s.doc_id
        for s in timeline.states
        if s.lane == "korea-group" and s.holds_on(dt.date(2020, 5, 1))
    ]
    text = CliRunner().invoke(cli, ["timeline", "--as-of", "2024-01-01"]).output
    assert "As of 2024-01-01" in text and re.search(r"\[[a-z0-9-]+\]", text)


def test_cli_bad_date_is_a_message_not_a_traceback() -> None:
    result = CliRunner().invoke(cli, ["timeline", "--as-of", "tomorrowish"])
    assert result.exit_code == 2
    assert "not a date" in result.output and "Traceback" not in result.output
