"""The app's "Evaluate" tab: run a set from the browser, see the summary, download the report.

The handlers are plain functions (`list_sets`, `run_set`) that the tab wires to Gradio, so they
are tested without a browser; only `build_eval_tab` touches Gradio.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import TutorError
from bot.evaluation.dataset import EvalSetError, load_sets
from bot.evaluation.metrics import SUMMARY_METRICS

log = logging.getLogger(__name__)
RETRIEVERS = ("hybrid", "dense", "bm25")


@dataclass
class TabResult:
    """What one run shows in the tab."""

    message: str
    summary_rows: list[list[str]] = field(default_factory=list)
    tag_rows: list[list[str]] = field(default_factory=list)
    tag_headers: list[str] = field(default_factory=list)
    chart_path: str | None = None
    files: list[str] = field(default_factory=list)


def list_sets(evals_dir: Path) -> list[str]:
    """The .jsonl sets in the evals folder, by file name."""
    if not evals_dir.is_dir():
        return []
    return sorted(p.name for p in evals_dir.glob("*.jsonl") if p.is_file())


def resolve_set(uploaded: str | None, picked: str | None, evals_dir: Path) -> Path:
    """An uploaded file wins over a picked one; a picked name must stay inside evals_dir."""
    if uploaded:
        return Path(uploaded)
    if picked:
        if picked not in list_sets(evals_dir):
            raise EvalSetError(f"{picked!r} is not a set in {evals_dir}.")
        return evals_dir / picked
    raise EvalSetError("Upload a .jsonl set or pick one from the list.")


def run_set(
    services: Any,
    uploaded: str | None,
    picked: str | None,
    retriever: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    out_dir: Path | None = None,
) -> TabResult:
    """Run one set with the app's tutor and write the reports; raises TutorError on bad input."""
    from bot.evaluation.charts import overview_chart
    from bot.evaluation.labels import fmt, label
    from bot.evaluation.report import write_reports
    from bot.evaluation.runner import RunOptions, evaluate

    settings = services.settings
    path = resolve_set(uploaded, picked, Path(settings.evals_dir))
    dataset = load_sets([path])
    tutor = getattr(services, "tutor", services)  # the app passes the Tutor itself
    run = evaluate(tutor, dataset, RunOptions(retriever=retriever), progress=progress)
    out = out_dir or Path(tempfile.mkdtemp(prefix="bot-eval-"))
    paths = write_reports(run, out)
    chart = out / "summary.png"
    chart.write_bytes(overview_chart(run.summary, run.config.get("k")))
    k = run.config.get("k")
    s = run.summary
    message = f"{s['passed']} of {s['n_items']} items passed ({fmt('pass_rate', s['pass_rate'])})."
    if dataset.problems:
        message += f" {len(dataset.problems)} line(s) skipped: " + "; ".join(
            str(p) for p in dataset.problems[:5]
        )
    tag_keys = ("pass_rate", "correctness", "hit_at_k", "mrr", "refusal_accuracy")
    return TabResult(
        message=message,
        summary_rows=[[label(m.key, k), fmt(m.key, s.get(m.key))] for m in SUMMARY_METRICS],
        tag_headers=["tag", "n", *(label(key, k) for key in tag_keys)],
        tag_rows=[
            [tag, str(t["n_items"]), *(fmt(key, t.get(key)) for key in tag_keys)]
            for tag, t in run.by_tag.items()
        ],
        chart_path=str(chart),
        files=[str(paths["html"]), str(paths["json"]), str(paths["csv"])],
    )


def build_eval_tab(services: Any) -> None:
    """Add the "Evaluate" tab; call inside an open `gr.Blocks()` context."""
    import gradio as gr

    evals_dir = Path(services.settings.evals_dir)
    with gr.Tab("Evaluate"):
        gr.Markdown(
            "Run an evaluation set (JSON lines, see `evals/README.md`) through the tutor. "
            "Upload a file or pick a set, then download the HTML report for the details."
        )
        with gr.Row():
            uploaded = gr.File(label="Upload a set (.jsonl)", file_types=[".jsonl"])
            with gr.Column():
                sets = list_sets(evals_dir)
                picked = gr.Dropdown(
                    choices=sets, value=sets[0] if sets else None, label="…or pick a set"
                )
                retriever = gr.Dropdown(
                    choices=list(RETRIEVERS),
                    value=services.settings.retriever,
                    label="Retriever",
                )
                run_button = gr.Button("Run evaluation", variant="primary")
        status = gr.Markdown()
        with gr.Row():
            summary = gr.Dataframe(headers=["metric", "value"], label="Summary", interactive=False)
            chart = gr.Image(label="Summary chart", type="filepath", interactive=False)
        tags = gr.Dataframe(label="By tag", interactive=False)
        downloads = gr.File(label="Reports", file_count="multiple", interactive=False)

        def on_run(
            uploaded_path: str | None,
            picked_name: str | None,
            retriever_name: str | None,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's own idiom
        ) -> tuple[Any, ...]:
            def report(done: int, total: int, item_id: str) -> None:
                progress((done, total), desc=f"Answered {item_id}", unit="items")

            try:
                result = run_set(services, uploaded_path, picked_name, retriever_name, report)
            except TutorError as exc:
                raise gr.Error(str(exc)) from exc
            return (
                result.message,
                gr.Dataframe(value=result.summary_rows, headers=["metric", "value"]),
                result.chart_path,
                gr.Dataframe(value=result.tag_rows, headers=result.tag_headers),
                result.files,
            )

        run_button.click(
            on_run,
            inputs=[uploaded, picked, retriever],
            outputs=[status, summary, chart, tags, downloads],
        )
        _build_quiz_set_row(
            services, uploaded, picked, retriever, on_run, [status, summary, chart, tags, downloads]
        )


def quiz_set_file(services: Any, topic: str, seed: int, n: int = 10) -> str:
    """Write a checked quiz as an evaluation set (JSON lines) and return the file's path."""
    from bot.study.evalset import quiz_jsonl
    from bot.study.session import start

    session = start(getattr(services, "tutor", services), topic, n, seed)
    out = Path(tempfile.mkdtemp(prefix="bot-quiz-set-")) / f"quiz-{topic}-{seed}.jsonl"
    out.write_text(quiz_jsonl(_as_quiz(session, topic, seed)), encoding="utf-8")
    return str(out)


def _as_quiz(session: Any, topic: str, seed: int) -> Any:
    from bot.study.quiz import Quiz

    return Quiz(topic, seed, session.items)


def _build_quiz_set_row(
    services: Any,
    uploaded: Any,
    picked: Any,
    retriever: Any,
    on_run: Callable[..., Any],
    outputs: list[Any],
) -> None:
    """ "Can the bot pass its own quiz?": one button makes the set and runs it."""
    import gradio as gr

    from bot.study.items import MIXED, TOPICS

    with gr.Row():
        topic = gr.Dropdown(
            [*TOPICS, MIXED], value=MIXED, label="Quiz topic", elem_id="eval-quiz-topic"
        )
        seed = gr.Number(value=1, precision=0, label="Quiz number (seed)")
        button = gr.Button("Evaluate the bot on this quiz", elem_id="eval-quiz")

    def make(topic_key: str, seed_value: float) -> str:
        try:
            return quiz_set_file(services, topic_key, int(seed_value or 0))
        except TutorError as exc:
            raise gr.Error(str(exc)) from exc

    button.click(make, [topic, seed], [uploaded]).then(
        on_run, [uploaded, picked, retriever], outputs
    )
