"""report.html: one self-contained page with the run's summary, comparison, tags and items.

It carries its charts as base64 PNGs and its styles inline, so it can be mailed or attached to
a ticket and still open offline; every piece of text goes through html.escape.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from bot.evaluation.charts import latency_chart, metric_chart, overview_chart, tag_heatmap
from bot.evaluation.labels import TAG_COLUMNS, fmt, label
from bot.evaluation.metrics import METRICS_BY_KEY, RATE_METRICS, SUMMARY_METRICS, ItemScore
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


def _img(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _summary_html(run: EvalRun) -> str:
    k = run.config.get("k")
    rows = "".join(
        f"<tr><th>{escape(label(m.key, k))}</th>"
        f'<td class="num">{escape(fmt(m.key, run.summary.get(m.key)))}</td></tr>'
        for m in SUMMARY_METRICS
    )
    s = run.summary
    headline = (
        f'<p id="headline"><b>{s["passed"]} of {s["n_items"]} items passed</b> '
        f"({escape(fmt('pass_rate', s.get('pass_rate')))}); {s['n_answerable']} answerable, "
        f"{s['n_unanswerable']} to refuse, {s['checker_items']} answered by the product "
        f"checker, {s['errors']} errors.</p>"
    )
    chart = _img(overview_chart(run.summary, k), "Summary chart")
    return (
        f'<section id="summary"><h2>Summary</h2>{headline}'
        f'<div class="charts"><table class="summary">{rows}</table>{chart}</div></section>'
    )


def _problems_html(run: EvalRun) -> str:
    if not run.problems:
        return ""
    items = "".join(f"<li>{escape(str(p))}</li>" for p in run.problems)
    return (
        f'<section id="problems"><h2>Problems in the set files ({len(run.problems)})</h2>'
        f"<p>Lines with errors were skipped; warnings did not stop the item.</p>"
        f"<ul>{items}</ul></section>"
    )


def _flips(entries: list[dict[str, Any]], empty: str) -> str:
    """Items that changed between runs, each linked to its row."""
    if not entries:
        return f'<p class="muted">{escape(empty)}</p>'
    return (
        "<ul>"
        + "".join(
            f'<li><a href="#item-{escape(e["id"])}">{escape(e["id"])}</a>: '
            f"{escape(e['question'])} <span class='muted'>"
            f"({escape('; '.join(e['reasons']))})</span></li>"
            for e in entries
        )
        + "</ul>"
    )


def _comparison_html(run: EvalRun) -> str:
    c = run.comparison
    if not c:
        return ""
    k = run.config.get("k")
    rows = []
    for m in c["metrics"]:
        delta = m["delta"]
        shown = "—" if delta is None else f"{delta:+.3f}" if METRICS_BY_KEY[m["key"]].rate \
            else f"{delta:+,.0f}"  # fmt: skip
        rows.append(
            f"<tr><th>{escape(label(m['key'], k))}</th>"
            f'<td class="num">{escape(fmt(m["key"], m["previous"]))}</td>'
            f'<td class="num">{escape(fmt(m["key"], m["current"]))}</td>'
            f'<td class="num {escape(m["verdict"])}">{escape(shown)}</td></tr>'
        )

    tag_rows = "".join(
        f"<tr><th>{escape(tag)}</th>"
        + "".join(
            f'<td class="num">{escape(fmt(key, v["previous"]))} → '
            f"{escape(fmt(key, v['current']))}</td>"
            for key, v in values.items()
        )
        + "</tr>"
        for tag, values in c["tags"].items()
    )
    tag_head = "".join(
        f"<th>{escape(label(key, k))}</th>" for key in next(iter(c["tags"].values()), {})
    )
    added = ", ".join(c["added"]) or "none"
    removed = ", ".join(c["removed"]) or "none"
    return (
        '<section id="comparison"><h2>Since the previous run</h2>'
        f"<p class='muted'>Previous run: {escape(str(c['previous_created']))}, "
        f"files {escape(', '.join(c['previous_config'].get('files', [])))}, "
        f"retriever {escape(str(c['previous_config'].get('retriever', '?')))}, "
        f"k {escape(str(c['previous_config'].get('k', '?')))}.</p>"
        "<table><tr><th>metric</th><th>before</th><th>now</th><th>change</th></tr>"
        f"{''.join(rows)}</table>"
        f"<h3>Fixed (failed before, pass now): {len(c['fixed'])}</h3>"
        f"{_flips(c['fixed'], 'No item was fixed.')}"
        f"<h3>Broken (passed before, fail now): {len(c['broken'])}</h3>"
        f"{_flips(c['broken'], 'No item broke.')}"
        f"<p>New items: {escape(added)}. Removed items: {escape(removed)}.</p>"
        + (f"<table><tr><th>tag</th>{tag_head}</tr>{tag_rows}</table>" if tag_rows else "")
        + "</section>"
    )


def _tags_html(run: EvalRun) -> str:
    k = run.config.get("k")
    if not run.by_tag:
        return ""
    head = "".join(f"<th>{escape(label(key, k))}</th>" for key in TAG_COLUMNS)
    rows = "".join(
        f"<tr><th>{escape(tag)}</th><td class='num'>{t['n_items']}</td>"
        + "".join(f'<td class="num">{escape(fmt(key, t.get(key)))}</td>' for key in TAG_COLUMNS)
        + "</tr>"
        for tag, t in run.by_tag.items()
    )
    charts = [_img(tag_heatmap(run), "Metrics per tag")]
    charts += [_img(metric_chart(run, m.key), f"{m.label} by tag") for m in RATE_METRICS]
    charts.append(_img(metric_chart(run, "latency_p50_ms"), "Latency p50 by tag"))
    charts.append(_img(latency_chart(run.items), "Latency histogram"))
    return (
        f'<section id="tags"><h2>By tag</h2><table><tr><th>tag</th><th>n</th>{head}</tr>'
        f'{rows}</table><div class="charts">{"".join(charts)}</div></section>'
    )


def _item_row(item: ItemScore, k: int | None) -> str:
    status = '<span class="pass">pass</span>' if item.passed else '<span class="fail">FAIL</span>'
    question = escape(item.question)
    meta = f"<div class='muted'>as of {escape(item.as_of)}; {escape(item.where)}</div>"
    citations = "".join(
        f"<li value='{int(c['n'])}'><b>{escape(c['doc_id'])}</b> "
        f"<span class='muted'>{escape(c.get('title', ''))}</span>"
        f"<blockquote>{escape(c['quote'])}</blockquote></li>"
        for c in item.citations
    )
    expected = set(item.expected_docs)
    ranking = "".join(
        f"<li>{'<b>' if d in expected else ''}{escape(d)}{' ✓</b>' if d in expected else ''}</li>"
        for d in item.ranking
    )
    source = " (cited by the checker)" if item.ranking_source == "citations" else ""
    scores = (
        "<br>".join(
            f"{escape(label(key, k))}: {escape(fmt(key, getattr(item, key)))}"
            for key in ("hit_at_k", "mrr", "ndcg_at_k", "citation_precision", "citation_recall")
        )
        + f"<br>latency: {escape(fmt('latency_ms', item.latency_ms))} ms"
    )
    reasons = "".join(f"<li>{escape(r)}</li>" for r in item.reasons)
    notes = "".join(f"<li>{escape(n)}</li>" for n in item.notes)
    expected_text = ", ".join(item.expected_docs) or "none"
    answerable = "answerable" if item.answerable else "must refuse"
    return (
        f'<tr id="item-{escape(item.id)}" class="{"passed" if item.passed else "failed"}">'
        f"<td>{status}</td><td><b>{escape(item.id)}</b><div class='muted'>"
        f"{escape(', '.join(item.tags))}<br>{escape(answerable)}<br>"
        f"mode: {escape(item.mode)}</div></td>"
        f"<td>{question}{meta}</td>"
        f"<td class='answer'><pre>{escape(item.answer or item.error or '')}</pre></td>"
        f"<td class='cites'><ol>{citations}</ol></td>"
        f"<td><div class='muted'>expected: {escape(expected_text)}</div>"
        f"<ol>{ranking}</ol><div class='muted'>{escape(source)}</div></td>"
        f"<td>{scores}</td>"
        f"<td><ul class='reasons'>{reasons}</ul><ul class='notes'>{notes}</ul></td></tr>"
    )


def _items_html(run: EvalRun) -> str:
    k = run.config.get("k")
    failed = [i for i in run.items if not i.passed]
    failures = "".join(
        f'<li><a href="#item-{escape(i.id)}">{escape(i.id)}</a>: '
        f"{escape('; '.join(i.reasons) or 'failed')}</li>"
        for i in failed
    )
    rows = "".join(_item_row(i, k) for i in run.items)
    return (
        f'<section id="failures"><h2>Failures ({len(failed)})</h2>'
        + (f"<ul>{failures}</ul>" if failed else '<p class="muted">Every item passed.</p>')
        + '</section><section id="items"><h2>Every item</h2><table>'
        "<tr><th></th><th>item</th><th>question</th><th>answer</th><th>citations</th>"
        f"<th>retrieved documents</th><th>scores</th><th>why it failed</th></tr>{rows}"
        "</table></section>"
    )


def render_html(run: EvalRun) -> str:
    """The whole report as one HTML page with no external resources."""
    cfg = run.config
    meta_rows = "".join(
        f"<tr><td class='muted'>{escape(name)}</td><td>{escape(str(value))}</td></tr>"
        for name, value in (
            ("created", run.created),
            ("system", cfg.get("system", "")),
            ("files", ", ".join(cfg.get("files", []))),
            ("retriever", cfg.get("retriever", "")),
            ("k", cfg.get("k", "")),
            ("as of", cfg.get("as_of") or "each item's date, else today"),
            ("language model", cfg.get("llm") or "none (extractive)"),
            ("run time", f"{cfg.get('seconds', '')} s"),
        )
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Evaluation report — {escape(run.created)}</title><style>{CSS}</style></head>"
        f"<body><h1>Evaluation report</h1><table class='meta'>{meta_rows}</table>"
        f"{_summary_html(run)}{_comparison_html(run)}{_problems_html(run)}"
        f"{_tags_html(run)}{_items_html(run)}</body></html>\n"
    )
