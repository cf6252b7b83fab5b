"""The report's charts as PNG bytes.

matplotlib's Agg canvas on a private Figure, never pyplot's global state, so the app can build
reports from several threads.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.evaluation.labels import label
from bot.evaluation.metrics import METRICS_BY_KEY, RATE_METRICS, ItemScore
from bot.evaluation.runner import EvalRun


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _bars(labels: Sequence[str], values: Sequence[float | None], title: str, rate: bool) -> bytes:
    height = max(1.6, 0.35 * len(labels) + 0.9)
    fig = Figure(figsize=(6.4, height))
    ax = fig.add_subplot()
    shown = [v if v is not None else 0.0 for v in values]
    positions = list(range(len(labels)))
    colors = ["#bbbbbb" if v is None else "#3b6ea8" for v in values]
    ax.barh(positions, shown, color=colors)
    ax.set_yticks(positions, labels=list(labels))
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11)
    if rate:
        ax.set_xlim(0, 1.08)
    for y, v in zip(positions, values, strict=True):
        ax.text(
            (v or 0.0), y, " n/a" if v is None else f" {v:.2f}" if rate else f" {v:,.0f}",
            va="center", fontsize=8,
        )  # fmt: skip
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def overview_chart(summary: Mapping[str, Any], k: int | None = None) -> bytes:
    """All share metrics of the run in one bar chart (also shown in the app)."""
    keys = [m.key for m in RATE_METRICS]
    return _bars([label(key, k) for key in keys], [summary.get(key) for key in keys],
                 "Summary", rate=True)  # fmt: skip


def metric_chart(run: EvalRun, key: str) -> bytes:
    """One metric for the whole run and for each tag."""
    k = run.config.get("k")
    names = ["(all)", *run.by_tag]
    values = [run.summary.get(key), *(t.get(key) for t in run.by_tag.values())]
    info = METRICS_BY_KEY[key]
    return _bars(names, values, f"{label(key, k)} by tag", rate=info.rate)


def tag_heatmap(run: EvalRun) -> bytes | None:
    """Tags by metrics: the per-tag view of the whole run in one picture."""
    if not run.by_tag:
        return None
    k = run.config.get("k")
    keys = [m.key for m in RATE_METRICS]
    tags = list(run.by_tag)
    fig = Figure(figsize=(1.0 + 0.75 * len(keys), 1.2 + 0.4 * len(tags)))
    ax = fig.add_subplot()
    grid = [[run.by_tag[t].get(key) for key in keys] for t in tags]
    # Colour by goodness, so a high false-refusal rate is red like a low pass rate.
    better = [METRICS_BY_KEY[key].higher_is_better for key in keys]
    shown = [
        [
            float("nan") if v is None else v if up else 1 - v
            for v, up in zip(row, better, strict=True)
        ]
        for row in grid
    ]
    ax.imshow(shown, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(keys)), labels=[label(key, k) for key in keys], rotation=40,
                  ha="right", fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(tags)), labels=tags, fontsize=8)
    for y, row in enumerate(grid):
        for x, v in enumerate(row):
            ax.text(x, y, "–" if v is None else f"{v:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title("Per tag (green = good, red = bad)", fontsize=10)
    return _png(fig)


def latency_chart(items: Sequence[ItemScore]) -> bytes | None:
    latencies = [i.latency_ms for i in items if i.latency_ms is not None]
    if not latencies:
        return None
    fig = Figure(figsize=(6.4, 2.4))
    ax = fig.add_subplot()
    ax.hist(latencies, bins=min(30, max(5, len(latencies) // 2)), color="#3b6ea8")
    ax.set_xlabel("ms per answer")
    ax.set_ylabel("items")
    ax.set_title("Latency", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
