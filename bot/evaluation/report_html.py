"""report.html: one self-contained page with the run's summary, comparison, tags and items.

It carries its charts as base64 PNGs and its styles inline, so it can be mailed or attached to
a ticket and still open offline. The page is the Jinja2 template `templates/report.html.j2`
with autoescaping on, so every piece of text from the run is escaped.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.evaluation.charts import latency_chart, metric_chart, overview_chart, tag_heatmap
from bot.evaluation.labels import TAG_COLUMNS, fmt, label
from bot.evaluation.metrics import METRICS_BY_KEY, RATE_METRICS, SUMMARY_METRICS
from bot.evaluation.runner import EvalRun

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;
vertical-align:top;text-align:left}th{background:#f4f4f4}td.num{text-align:right}
.pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}
.better{color:#1a7f37}.worse{color:#c62828}.muted{color:#777}
pre{white-space:pre-wrap;margin:0;font:13px/1.4 system-ui,sans-serif;max-width:48em}
.charts{display:flex;flex-wrap:wrap;align-items:flex-start;gap:12px}
.charts img{max-width:100%}
.meta td{border:none;padding:1px 12px 1px 0}.reasons li{color:#c62828}.notes li{color:#777}
ol,ul{margin:0;padding-left:20px}tr.failed{background:#fff6f6}
td.answer{min-width:24em}td.cites{min-width:20em}
blockquote{margin:2px 0 4px;padding-left:8px;border-left:3px solid #ccc;color:#444}
"""
ITEM_SCORES = ("hit_at_k", "mrr", "ndcg_at_k", "citation_precision", "citation_recall")


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.evaluation", "templates"),
        autoescape=select_autoescape(["j2", "html"], default_for_string=True),
        trim_blocks=False,
    )


def _img(png: bytes | None, alt: str) -> Markup:
    if png is None:
        return Markup("")
    data = base64.b64encode(png).decode("ascii")
    return Markup('<img alt="{}" src="data:image/png;base64,{}">').format(alt, data)


def _flips(entries: list[dict[str, Any]], empty: str) -> Markup:
    """Items that changed between runs, each linked to its row."""
    if not entries:
        return Markup('<p class="muted">{}</p>').format(empty)
    rows = Markup("").join(
        Markup('<li><a href="#item-{0}">{0}</a>: {1} <span class="muted">({2})</span></li>').format(
            e["id"], e["question"], "; ".join(e["reasons"])
        )
        for e in entries
    )
    return Markup("<ul>{}</ul>").format(rows)


def _delta(metric: dict[str, Any]) -> str:
    delta = metric["delta"]
    if delta is None:
        return "—"
    return f"{delta:+.3f}" if METRICS_BY_KEY[metric["key"]].rate else f"{delta:+,.0f}"


def _charts(run: EvalRun) -> dict[str, Any]:
    k = run.config.get("k")
    tags: list[tuple[bytes | None, str]] = []
    if run.by_tag:
        tags = [(tag_heatmap(run), "Metrics per tag")]
        tags += [(metric_chart(run, m.key), f"{m.label} by tag") for m in RATE_METRICS]
        tags.append((metric_chart(run, "latency_p50_ms"), "Latency p50 by tag"))
        tags.append((latency_chart(run.items), "Latency histogram"))
    return {"overview": overview_chart(run.summary, k), "tags": tags}


def render_html(run: EvalRun) -> str:
    """The whole report as one HTML page with no external resources."""
    cfg = run.config
    k = cfg.get("k")
    meta = (
        ("created", run.created),
        ("system", cfg.get("system", "")),
        ("files", ", ".join(cfg.get("files", []))),
        ("retriever", cfg.get("retriever", "")),
        ("k", cfg.get("k", "")),
        ("as of", cfg.get("as_of") or "each item's date, else today"),
        ("language model", cfg.get("llm") or "none (extractive)"),
        ("run time", f"{cfg.get('seconds', '')} s"),
    )
    page = _environment().get_template("report.html.j2").render(
        run=run,
        s=run.summary,
        c=run.comparison,
        css=Markup(CSS),
        meta=meta,
        summary_metrics=SUMMARY_METRICS,
        tag_columns=TAG_COLUMNS,
        item_scores=ITEM_SCORES,
        failed=[i for i in run.items if not i.passed],
        charts=_charts(run),
        label=lambda key: label(key, k),
        fmt=fmt,
        img=_img,
        flips=_flips,
        delta=_delta,
    )
    return page + "\n"

