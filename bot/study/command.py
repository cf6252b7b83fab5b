"""`bot timeline` and `bot quiz`: parse, call one study function, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.config import load_settings
from bot.dates import parse_as_of
from bot.errors import TutorError
from bot.study.timeline import LANES, LaneStatus, load_timeline


def _fail(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(2)


def lane_lines(status: LaneStatus) -> list[str]:
    """One lane's state on a day as text lines: each with its document id and source URL."""
    lines = [f"{LANES[status.lane]}:"]
    for state in status.states:
        until = f" until {state.end.isoformat()}" if state.end else ""
        lines.append(f"  {state.label} (from {state.start.isoformat()}{until}) [{state.doc_id}]")
        lines.append(f"    {state.source_url or 'address not recorded'}")
    if status.last_event is not None:
        e = status.last_event
        lines.append(f"  last event: {e.day.isoformat()} {e.label} [{e.doc_id}, fact {e.fact}]")
        lines.append(f"    {e.source_url or 'address not recorded'}")
    if len(lines) == 1:
        lines.append("  nothing recorded in the course material by this date")
    return lines


def status_dict(status: LaneStatus) -> dict:
    e = status.last_event
    return {
        "lane": status.lane,
        "subject": LANES[status.lane],
        "states": [
            {
                "label": s.label,
                "from": s.start.isoformat(),
                "to": s.end.isoformat() if s.end else None,
                "doc_id": s.doc_id,
                "source_url": s.source_url,
            }
            for s in status.states
        ],
        "last_event": None
        if e is None
        else {
            "date": e.day.isoformat(),
            "label": e.label,
            "fact": e.fact,
            "doc_id": e.doc_id,
            "source_url": e.source_url,
        },
    }


@click.command(name="timeline")
@click.option("--as-of", "as_of", default=None, help="The day to show (YYYY-MM-DD); default today.")
@click.option("--json", "as_json", is_flag=True, help="Print the lanes as JSON.")
def timeline_command(as_of: str | None, as_json: bool) -> None:
    """Print the state of each lane of the case on a date, with the documents it comes from.

    Example: bot timeline --as-of 2020-05-01
    """
    try:
        day = parse_as_of(as_of)
        statuses = load_timeline(Path(load_settings().corpus_dir)).status_on(day)
    except (TutorError, ValueError) as exc:
        _fail(exc)
    if as_json:
        click.echo(
            json.dumps({"as_of": day.isoformat(), "lanes": [status_dict(s) for s in statuses]})
        )
        return
    click.echo(f"As of {day.isoformat()}:")
    for status in statuses:
        click.echo("\n".join(lane_lines(status)))


def _quiz_tutor(check: bool):
    """The tutor the consistency check asks (None when --no-check skips it)."""
    if not check:
        return None
    from bot.answering.tutor import Tutor

    return Tutor(load_settings())


@click.command(name="quiz")
@click.option(
    "--topic",
    default="mixed",
    show_default=True,
    help="timeline, white-list, three-items, law, wto, korea-measures or mixed.",
)
@click.option("--n", "n", type=int, default=10, show_default=True, help="Number of questions.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same quiz.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("out/quiz"),
    show_default=True,
    help="Folder for quiz.xml (Moodle), quiz.md and quiz.jsonl.",
)
@click.option("--stats", is_flag=True, help="Only count items per topic and checker drops.")
@click.option("--no-check", is_flag=True, help="Skip asking the tutor each item (faster).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def quiz_command(
    topic: str, n: int, seed: int, out: Path, stats: bool, no_check: bool, as_json: bool
) -> None:
    """Write a quiz from the course as Moodle XML, Markdown for print and an evaluation set.

    Example: bot quiz --topic wto --n 8 --seed 3 --out out/wto-quiz
    """
    from bot.study.evalset import quiz_jsonl
    from bot.study.markdown import quiz_markdown
    from bot.study.moodle import quiz_xml
    from bot.study.quiz import build_quiz, load_items, topic_stats, tutor_check

    try:
        items = load_items(Path(load_settings().corpus_dir), seed)
        tutor = _quiz_tutor(not no_check)
        check = tutor_check(tutor) if tutor is not None else None
        if stats:
            table = topic_stats(items, check or (lambda _item: True))
            if as_json:
                click.echo(json.dumps(table))
                return
            click.echo(f"{'topic':16} {'generated':>9} {'dropped':>8} {'kept':>6}")
            for name, row in table.items():
                click.echo(f"{name:16} {row['generated']:9} {row['dropped']:8} {row['kept']:6}")
            return
        quiz = build_quiz(items, topic, n, seed, check)
    except TutorError as exc:
        _fail(exc)
    out.mkdir(parents=True, exist_ok=True)
    (out / "quiz.xml").write_text(quiz_xml(quiz), encoding="utf-8")
    (out / "quiz.md").write_text(quiz_markdown(quiz), encoding="utf-8")
    (out / "quiz.jsonl").write_text(quiz_jsonl(quiz), encoding="utf-8")
    summary = {
        "topic": topic,
        "seed": seed,
        "questions": len(quiz.items),
        "dropped": len(quiz.dropped),
        "out": str(out),
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"Wrote {len(quiz.items)} questions to {out}/quiz.xml, quiz.md and "
            f"quiz.jsonl ({len(quiz.dropped)} dropped by the consistency check)."
        )
