"""Metric names and number formats, shared by the text, chart and HTML reports."""

from __future__ import annotations

from typing import Any

from bot.evaluation.metrics import METRICS_BY_KEY

TAG_COLUMNS = (
    "pass_rate",
    "correctness",
    "citation_precision",
    "hit_at_k",
    "mrr",
    "ndcg_at_k",
    "refusal_accuracy",
    "false_refusal_rate",
    "latency_p50_ms",
)


def label(key: str, k: int | None = None) -> str:
    info = METRICS_BY_KEY.get(key)
    text = info.label if info else key
    return text.replace("@k", f"@{k}") if k else text


def fmt(key: str, value: Any) -> str:
    """Shares with three decimals, milliseconds whole, counts as integers, missing as a dash."""
    if value is None:
        return "—"
    info = METRICS_BY_KEY.get(key)
    if key.endswith(("_ms", "_chars_p50")):
        return f"{float(value):,.0f}"
    if info is not None and not info.rate:
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
