"""`bot serve` and `bot feedback export`, registered by `bot.cli` when this module exists."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.config import load_settings
from bot.errors import TutorError


def _settings(**overrides: object):
    try:
        return load_settings(**overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@click.command(name="serve")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1 or BOT_HOST).")
@click.option("--port", type=int, default=None, help="Port (default 7860 or BOT_PORT).")
def serve_command(host: str | None, port: int | None) -> None:
    """Start the browser app (indexes the corpus first if needed).

    Example: bot serve --port 8080
    """
    from bot.ui.server import serve

    try:
        serve(_settings(host=host, port=port))
    except TutorError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(name="feedback")
def feedback_group() -> None:
    """Work with the thumbs up / down users gave in the app."""


@feedback_group.command(name="export")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the draft items to FILE instead of stdout.",
)
def export_command(out: Path | None) -> None:
    """Turn thumbs-down answers into draft evaluation items (evals/ JSON lines).

    Each item still needs its `must_include` patterns written by hand.

    Example: bot feedback export --out evals/drafts.jsonl
    """
    from bot.ui.feedback import export_drafts

    settings = _settings()
    drafts = export_drafts(settings.feedback_file)
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in drafts)
    if out is None:
        click.echo(lines, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(lines, encoding="utf-8")
    click.echo(f"Wrote {len(drafts)} draft item(s) to {out}.", err=True)
