"""`bot timeline` and `bot quiz`: parse, call one study function, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.answering.dates import parse_as_of
from bot.config import load_settings
from bot.errors import TutorError
from bot.study.timeline import LANES, LaneStatus, load_timeline


def _fail(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(2)


def lane_lines(status: LaneStatus) -> list[str]:
    """One lane's state on a day as text lines, each ending with its document id."""
    lines = [f"{LANES[status.lane]}:"]
    for state in status.states:
        until = f" until {state.end.isoformat()}" if state.end else ""
        lines.append(f"  {state.label} (from {state.start.isoformat()}{until}) [{state.doc_id}]")
    if status.last_event is not None:
        e = status.last_event
        lines.append(f"  last event: {e.day.isoformat()} {e.label} [{e.doc_id}, fact {e.fact}]")
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
