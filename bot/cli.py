"""The `bot` command: parse, call one library function, print. Errors become messages, exit 2."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from bot.config import load_settings, offline_environment, settings_help
from bot.errors import TutorError
from bot.ingest.documents import published_label


def _settings(**overrides):
    try:
        return load_settings(**overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _fail(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(2)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def cli(verbose: bool) -> None:
    """Export-control tutor: cited answers on Japan's export controls, offline."""
    offline_environment()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Re-embed everything instead of updating.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(paths: tuple[Path, ...], rebuild: bool, as_json: bool, quiet: bool) -> None:
    """Index the corpus, plus any text, HTML, PDF or Markdown PATHS you add.

    Example: bot ingest ~/Downloads/meti-release.pdf
    """
    from bot.ingest.indexer import ingest as run_ingest

    try:
        report = run_ingest(_settings(), paths=list(paths), rebuild=rebuild, progress=not quiet)
    except TutorError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(report.to_dict(), default=str))
        return
    for skipped in report.skipped_files:
        click.echo(f"skipped: {skipped.reason}", err=True)
    if report.up_to_date:
        click.echo(f"Index up to date: {report.documents} documents, {report.chunks} chunks.")
    else:
        click.echo(
            f"Indexed {report.documents} documents, {report.chunks} chunks "
            f"(embedded {report.embedded}, deleted {report.deleted}) in {report.seconds:.1f} s."
        )


@cli.command(name="index")
@click.option("--rebuild", is_flag=True, help="Rebuild the index from scratch.")
@click.pass_context
def index_command(ctx: click.Context, rebuild: bool) -> None:
    """Update the index (or rebuild it with --rebuild)."""
    ctx.invoke(ingest, paths=(), rebuild=rebuild, as_json=False, quiet=False)


def _print_answer(data: dict) -> None:
    click.echo(data["answer"])
    for note in data.get("notes", []):
        click.echo(f"\nNote: {note}")
    if data["citations"]:
        click.echo("\nSources:")
    for c in data["citations"]:
        section = f" › {c['section']}" if c["section"] else ""
        dated = published_label(c["published"], c.get("published_note", ""))
        click.echo(f"[{c['n']}] {c['title']}{section} — {c['issuer']}, {dated}")
        click.echo(f"    {c['source_url'] or 'address not recorded'}")
        click.echo(f'    "{c["quote"]}"')


@cli.command()
@click.argument("question", required=False)
@click.option("--as-of", "as_of", default=None, help="Answer as of this date (YYYY-MM-DD).")
@click.option("--k", type=int, default=None, help="Passages to retrieve.")
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "bm25"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--jsonl", is_flag=True, help="Read {question, as_of} lines on stdin.")
@click.option(
    "--llm", default=None, help="Language model: ollama:MODEL, openai:MODEL, local:smollm2."
)
def ask(
    question: str | None,
    as_of: str | None,
    k: int | None,
    retriever: str | None,
    as_json: bool,
    jsonl: bool,
    llm: str | None,
) -> None:
    """Ask a question; every sentence of the answer cites its source.

    Example: bot ask "Is South Korea in Group A?" --as-of 2020-06-01
    """
    from bot.answering.tutor import AskOptions, Tutor

    if not jsonl and not question:
        raise click.UsageError("Give a question, or --jsonl to read questions from stdin.")
    try:
        tutor = Tutor(_settings(llm=llm))
    except TutorError as exc:
        _fail(exc)
    if jsonl:
        for line_no, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                answer = tutor.ask(
                    str(item["question"]),
                    AskOptions(
                        as_of=item.get("as_of"),
                        history=list(item.get("history") or []),
                        k=k,
                        retriever=retriever,
                    ),
                )
                click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                click.echo(json.dumps({"line": line_no, "error": f"bad input line: {exc}"}))
            except TutorError as exc:
                click.echo(json.dumps({"line": line_no, "error": str(exc)}, ensure_ascii=False))
        return
    try:
        answer = tutor.ask(question or "", AskOptions(as_of=as_of, k=k, retriever=retriever))
    except TutorError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        _print_answer(answer.to_dict())


@cli.command(name="config")
def config_command() -> None:
    """List every setting, its environment variable and default."""
    for env, default, text in settings_help():
        click.echo(f"{env:24} {default:28} {text}")


def _register_feature_commands() -> None:
    """Commands that live beside the feature they drive (checking, evaluation, app)."""
    from bot.checking.command import check_command
    from bot.evaluation.command import eval_command
    from bot.study.command import quiz_command, timeline_command
    from bot.ui.command import feedback_group, serve_command

    for command in (
        check_command,
        eval_command,
        serve_command,
        feedback_group,
        timeline_command,
        quiz_command,
    ):
        cli.add_command(command)


_register_feature_commands()


def main() -> None:
    cli()
