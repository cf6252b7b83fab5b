"""Report files for a run: report.json (for --compare), results.csv, report.html, and the text
the CLI prints. The HTML page is built in report_html.py, its charts in charts.py.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from bot.evaluation.labels import TAG_COLUMNS, fmt, label
from bot.evaluation.metrics import SUMMARY_METRICS
from bot.evaluation.report_html import render_html
from bot.evaluation.runner import EvalRun

CSV_FIELDS = (
    "id",
    "passed",
    "correct",
    "refused",
    "answerable",
    "mode",
    "tags",
    "hit_at_k",
    "recall_at_k",
    "mrr",
    "ndcg_at_k",
    "citation_precision",
    "citation_recall",
    "citations_valid",
    "latency_ms",
    "error",
    "reasons",
    "notes",
    "question",
    "as_of",
    "answer",
    "cited_docs",
    "retrieved_docs",
    "expected_docs",
    "where",
)


# -- text ---------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def summary_text(run: EvalRun) -> str:
    """The table the CLI prints: overall metrics, then one row per tag."""
    k = run.config.get("k")
    s = run.summary
    overall = _table(
        ("metric", "value"),
        [(label(m.key, k), fmt(m.key, s.get(m.key))) for m in SUMMARY_METRICS],
    )
    tag_rows = [
        [tag, str(t["n_items"]), *(fmt(key, t.get(key)) for key in TAG_COLUMNS)]
        for tag, t in run.by_tag.items()
    ]
    header = ["tag", "n", *(label(key, k) for key in TAG_COLUMNS)]
    text = f"{s['passed']}/{s['n_items']} items passed\n\n{overall}"
    if tag_rows:
        text += "\n\n" + _table(header, tag_rows)
    return text


def failures_text(run: EvalRun) -> str:
    lines = []
    for item in run.items:
        if not item.passed:
            lines.append(f"FAIL {item.id}: {'; '.join(item.reasons) or 'failed'}")
    return "\n".join(lines)


# -- files --------------------------------------------------------------------------------


def write_json(run: EvalRun, path: Path) -> None:
    path.write_text(json.dumps(run.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")


def write_csv(run: EvalRun, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for item in run.items:
            data = item.to_dict()
            row = {name: data.get(name) for name in CSV_FIELDS}
            row.update(
                tags=";".join(item.tags),
                reasons="; ".join(item.reasons),
                notes="; ".join(item.notes),
                cited_docs=";".join(dict.fromkeys(c["doc_id"] for c in item.citations)),
                retrieved_docs=";".join(item.ranking),
                expected_docs=";".join(item.expected_docs),
            )
            writer.writerow(row)


def write_reports(run: EvalRun, out_dir: str | Path) -> dict[str, Path]:
    """Write report.json, results.csv and report.html into `out_dir` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "report.json",
        "csv": out / "results.csv",
        "html": out / "report.html",
    }
    write_json(run, paths["json"])
    write_csv(run, paths["csv"])
    paths["html"].write_text(render_html(run), encoding="utf-8")
    return paths
