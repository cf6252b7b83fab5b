"""`bot eval`: run evaluation sets, write the reports, print the summary, gate on metrics.

Exit codes: 0 all bars met, 1 a --min/--max bar missed, 2 bad usage or no runnable item.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.errors import TutorError
from bot.evaluation.dataset import load_sets
from bot.evaluation.metrics import SUMMARY_METRICS, check_gates, metric_key

if TYPE_CHECKING:
    from bot.evaluation.runner import Answerer


class MetricBar(click.ParamType):
    """METRIC=VALUE, with METRIC any summary metric (hit@k and the like are accepted too)."""

    name = "METRIC=VALUE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, tuple):
            return value
        name, sep, number = str(value).partition("=")
        if not sep:
            self.fail(f"{value!r} is not METRIC=VALUE, e.g. pass_rate=0.9", param, ctx)
        key = metric_key(name)
        if key is None:
            known = ", ".join(m.key for m in SUMMARY_METRICS)
            self.fail(f"unknown metric {name.strip()!r}; choose from: {known}", param, ctx)
        try:
            bar = float(number)
        except ValueError:
            self.fail(f"{number!r} is not a number (in {value!r})", param, ctx)
        return key, bar


def default_out_dir() -> Path:
    return Path("out") / f"eval-{dt.datetime.now():%Y%m%d-%H%M%S}"


def build_tutor(llm: str | None) -> Answerer:
    """The real tutor over the live index; `--llm` becomes the `llm` setting."""
    from bot.answering.tutor import Tutor
    from bot.config import load_settings

    try:
        settings = load_settings(llm=llm)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    return Tutor(settings)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@click.command(name="eval")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-of", "as_of", default=None, help="Date for items without their own as_of.")
@click.option(
    "--retriever",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default=None,
    help="Retriever to evaluate (default: the BOT_RETRIEVER setting).",
)
@click.option("--k", type=click.IntRange(min=1), default=None, help="Passages retrieved.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Report folder (default: out/eval-<timestamp>).",
)
@click.option(
    "--compare",
    "previous",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A previous report.json: show what got better and worse.",
)
@click.option(
    "--min", "minimums", type=MetricBar(), multiple=True, help="Fail (exit 1) below this bar."
)
@click.option(
    "--max", "maximums", type=MetricBar(), multiple=True, help="Fail (exit 1) above this bar."
)
@click.option("--llm", default=None, help="Language model spec (sets BOT_LLM for this run).")
@click.option("--json", "as_json", is_flag=True, help="Print summary, gate and paths as JSON.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    as_of: str | None,
    retriever: str | None,
    k: int | None,
    out_dir: Path | None,
    previous: Path | None,
    minimums: tuple[tuple[str, float], ...],
    maximums: tuple[tuple[str, float], ...],
    llm: str | None,
    as_json: bool,
) -> None:
    """Run evaluation sets (JSON lines) through the tutor and write an HTML/JSON/CSV report.

    \b
    Examples:
      bot eval evals/core.jsonl
      bot eval evals/core.jsonl --retriever bm25 --out out/bm25
      bot eval evals/core.jsonl --compare out/last/report.json --min pass_rate=0.9
    """
    # Imported here: matplotlib and the tutor would slow down every other `bot` command.
    from bot.evaluation.compare import compare_reports, load_report
    from bot.evaluation.report import failures_text, summary_text, write_reports
    from bot.evaluation.runner import RunOptions, evaluate

    if as_of:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise click.BadParameter(
                f"{as_of!r} is not a YYYY-MM-DD date", param_hint="--as-of"
            ) from exc
    try:
        dataset = load_sets(files)
        previous_report = load_report(previous) if previous else None
    except TutorError as exc:
        _fail(str(exc))
    for problem in dataset.problems:
        click.echo(str(problem), err=True)

    injected = (ctx.find_object(dict) or {}).get("tutor")
    try:
        tutor = injected or build_tutor(llm)
    except TutorError as exc:
        _fail(str(exc))
    options = RunOptions(as_of=as_of, retriever=retriever, k=k, llm=llm or "")
    with click.progressbar(length=len(dataset.items), label="Evaluating", file=sys.stderr) as bar:
        run = evaluate(tutor, dataset, options, progress=lambda done, total, _id: bar.update(1))
    if previous_report is not None:
        run.comparison = compare_reports(run.to_dict(), previous_report)
    paths = write_reports(run, out_dir or default_out_dir())
    gate_failures = check_gates(run.summary, minimums, maximums)

    if as_json:
        click.echo(
            json.dumps(
                {
                    "summary": run.summary,
                    "by_tag": run.by_tag,
                    "failed": [i.id for i in run.items if not i.passed],
                    "gate_failures": gate_failures,
                    "paths": {name: str(p) for name, p in paths.items()},
                },
                ensure_ascii=False,
            )
        )
    else:
        click.echo(summary_text(run))
        failures = failures_text(run)
        if failures:
            click.echo("\n" + failures)
        if run.comparison:
            c = run.comparison
            click.echo(
                f"\nSince the previous run: {len(c['fixed'])} fixed, {len(c['broken'])} broken"
                + "".join(f"\n  broken: {e['id']}" for e in c["broken"])
            )
        click.echo(f"\nReport: {paths['html']}\nData:   {paths['json']}, {paths['csv']}")
    for message in gate_failures:
        click.echo(f"Gate failed: {message}", err=True)
    if gate_failures:
        sys.exit(1)
