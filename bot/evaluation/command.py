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
    from bot.evaluation.runner import Answerer, RunOptions


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


class SuiteMetricBar(MetricBar):
    """[SUITE:]METRIC=VALUE: a bar for one suite of a side-by-side run, or for every suite."""

    name = "[SUITE:]METRIC=VALUE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, tuple):
            return value
        head, sep, _ = str(value).partition("=")
        suite, colon, _ = head.partition(":")
        rest = str(value)[len(suite) + 1 :] if colon else str(value)
        key, bar = super().convert(rest, param, ctx)
        return (suite.strip() if colon else None), key, bar


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
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--suite",
    "suite_names",
    multiple=True,
    help="Standard suite to run (dev, heldout, userdocs); default with no FILES: all three.",
)
@click.option(
    "--baseline", is_flag=True, help="Also run the naive LangChain RAG on the same items."
)
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
    type=click.Path(path_type=Path),
    default=None,
    help="A previous report.json (or, for suites, its folder): show what changed.",
)
@click.option(
    "--min",
    "minimums",
    type=SuiteMetricBar(),
    multiple=True,
    help="Fail (exit 1) below this bar; SUITE:METRIC=VALUE for one suite.",
)
@click.option(
    "--max",
    "maximums",
    type=SuiteMetricBar(),
    multiple=True,
    help="Fail (exit 1) above this bar; SUITE:METRIC=VALUE for one suite.",
)
@click.option("--llm", default=None, help="Language model spec (sets BOT_LLM for this run).")
@click.option("--json", "as_json", is_flag=True, help="Print summary, gate and paths as JSON.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    suite_names: tuple[str, ...],
    baseline: bool,
    as_of: str | None,
    retriever: str | None,
    k: int | None,
    out_dir: Path | None,
    previous: Path | None,
    minimums: tuple[tuple[str | None, str, float], ...],
    maximums: tuple[tuple[str | None, str, float], ...],
    llm: str | None,
    as_json: bool,
) -> None:
    """Run evaluation sets (JSON lines) through the tutor and write an HTML/JSON/CSV report.

    With no FILES, runs the dev, held-out and user-document suites side by side. A folder
    argument is a user-document suite (questions.jsonl plus documents/ to add first).

    \b
    Examples:
      bot eval --baseline                       # dev, heldout, userdocs, each beside naive RAG
      bot eval --suite heldout --min heldout:pass_rate=0.9
      bot eval evals/core.jsonl
      bot eval evals/core.jsonl --retriever bm25 --out out/bm25
      bot eval evals/core.jsonl --compare out/last/report.json --min pass_rate=0.9
    """
    if as_of:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise click.BadParameter(
                f"{as_of!r} is not a YYYY-MM-DD date", param_hint="--as-of"
            ) from exc
    from bot.evaluation.runner import RunOptions

    options = RunOptions(as_of=as_of, retriever=retriever, k=k, llm=llm or "")
    if not files or suite_names or baseline or any(f.is_dir() for f in files):
        _run_suites(files, suite_names, baseline, options, out_dir, previous, minimums, maximums,
                    as_json)  # fmt: skip
        return
    _run_files(ctx, files, options, out_dir, previous, minimums, maximums, as_json)


def _bars_for(
    bars: tuple[tuple[str | None, str, float], ...], suite: str | None
) -> list[tuple[str, float]]:
    """The bars that apply to one suite (unprefixed bars apply to every suite)."""
    return [(key, bar) for name, key, bar in bars if name is None or name == suite]


def _run_files(
    ctx: click.Context,
    files: tuple[Path, ...],
    options: RunOptions,
    out_dir: Path | None,
    previous: Path | None,
    minimums: tuple[tuple[str | None, str, float], ...],
    maximums: tuple[tuple[str | None, str, float], ...],
    as_json: bool,
) -> None:
    """One run over the given files (merged), on the live index."""
    # Imported here: matplotlib and the tutor would slow down every other `bot` command.
    from bot.evaluation.compare import compare_reports, load_report
    from bot.evaluation.report import write_reports
    from bot.evaluation.runner import evaluate

    if any(name is not None for name, _, _ in (*minimums, *maximums)):
        _fail("SUITE:METRIC bars need suites (run without FILES, or with --suite).")
    try:
        dataset = load_sets(files)
        previous_report = load_report(previous) if previous else None
    except TutorError as exc:
        _fail(str(exc))
    for problem in dataset.problems:
        click.echo(str(problem), err=True)

    injected = (ctx.find_object(dict) or {}).get("tutor")
    try:
        tutor = injected or build_tutor(options.llm or None)
    except TutorError as exc:
        _fail(str(exc))
    with click.progressbar(length=len(dataset.items), label="Evaluating", file=sys.stderr) as bar:
        run = evaluate(tutor, dataset, options, progress=lambda *_: bar.update(1))
    if previous_report is not None:
        run.comparison = compare_reports(run.to_dict(), previous_report)
    paths = write_reports(run, out_dir or default_out_dir())
    gate_failures = check_gates(run.summary, _bars_for(minimums, None), _bars_for(maximums, None))

    _print_run(run, paths, gate_failures, as_json)
    _exit_on_gates(gate_failures)


def _print_run(run: Any, paths: dict[str, Path], gate_failures: list[str], as_json: bool) -> None:
    """The run's summary, failures and comparison as text, or as one JSON object."""
    from bot.evaluation.report import failures_text, summary_text

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


def _exit_on_gates(gate_failures: list[str]) -> None:
    for message in gate_failures:
        click.echo(f"Gate failed: {message}", err=True)
    if gate_failures:
        sys.exit(1)


def _progress_bars(as_json: bool) -> Any:
    """A progress factory for run_suite: one tqdm bar per suite, on stderr, closed when done."""
    from tqdm import tqdm

    def progress(label: str, total: int):
        bar = tqdm(total=total, desc=label, file=sys.stderr, leave=False, disable=as_json)

        def step(done: int, _total: int, _id: str) -> None:
            bar.update(1)
            if done == total:
                bar.close()

        return step

    return progress


def _write_suite(result: Any, folder: Path, previous: Path | None) -> None:
    """One suite's reports (and the naive baseline's beside them), compared with `previous`."""
    from bot.evaluation.compare import compare_reports, load_report
    from bot.evaluation.report import write_reports

    if previous is not None:
        report = previous / result.suite.name / "report.json" if previous.is_dir() else previous
        if report.is_file():
            result.run.comparison = compare_reports(result.run.to_dict(), load_report(report))
    write_reports(result.run, folder)
    if result.baseline is not None:
        write_reports(result.baseline, folder.parent / f"{folder.name}-naive")


def _write_summary(results: list[Any], out: Path) -> tuple[str, dict[str, Any]]:
    """summary.md (the side-by-side table) and summary.json; returns both."""
    from bot.evaluation.suites import side_by_side

    table = side_by_side(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(table + "\n", encoding="utf-8")
    summary = {
        r.suite.name: {
            "tutor": r.run.summary,
            "naive": r.baseline.summary if r.baseline else None,
            "failed": [i.id for i in r.run.items if not i.passed],
        }
        for r in results
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return table, summary


def _run_suites(
    files: tuple[Path, ...],
    suite_names: tuple[str, ...],
    baseline: bool,
    options: RunOptions,
    out_dir: Path | None,
    previous: Path | None,
    minimums: tuple[tuple[str | None, str, float], ...],
    maximums: tuple[tuple[str | None, str, float], ...],
    as_json: bool,
) -> None:
    """Each suite on its own index (user documents added to a copy), side by side."""
    from bot.config import load_settings
    from bot.evaluation.suites import run_suite, standard_suites, suite_for

    try:
        settings = load_settings(llm=options.llm or None)
        suites = [suite_for(f) for f in files] + (
            standard_suites(settings.evals_dir, suite_names) if suite_names or not files else []
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    names = {s.name for s in suites}
    for name, _, _ in (*minimums, *maximums):
        if name is not None and name not in names:
            _fail(f"bar for suite {name!r}, which is not run (running: {', '.join(names)})")
    out = out_dir or default_out_dir()
    progress = _progress_bars(as_json)
    results = []
    gate_failures: list[str] = []
    for suite in suites:
        try:
            result = run_suite(settings, suite, options, baseline, progress)
        except TutorError as exc:
            _fail(str(exc))
        _write_suite(result, out / suite.name if len(suites) > 1 else out, previous)
        for problem in result.run.problems:
            click.echo(f"{suite.name}: {problem}", err=True)
        gate_failures += [
            f"{suite.name}: {message}"
            for message in check_gates(
                result.run.summary, _bars_for(minimums, suite.name), _bars_for(maximums, suite.name)
            )
        ]
        results.append(result)
    table, summary = _write_summary(results, out)
    if as_json:
        click.echo(json.dumps({"suites": summary, "gate_failures": gate_failures, "out": str(out)}))
    else:
        click.echo(table)
        click.echo(f"\nReports: {out}/<suite>/report.html; table: {out / 'summary.md'}")
    _exit_on_gates(gate_failures)
