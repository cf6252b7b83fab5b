"""What got better and worse since a previous run: metric deltas and items that flipped.

A trainer changes a prompt, a threshold or the corpus and wants to know the cost, item by
item, not just that the pass rate moved by two points.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.errors import TutorError
from bot.evaluation.metrics import SUMMARY_METRICS

TAG_METRICS = ("pass_rate", "correctness", "hit_at_k")


class ReportError(TutorError):
    """A previous report cannot be read; the message names the file."""


def load_report(path: str | Path) -> dict[str, Any]:
    """A report.json written by an earlier run."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"Previous report {str(path)!r} does not exist.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"Cannot read previous report {str(path)!r}: {exc}") from exc
    if not isinstance(data, dict) or "summary" not in data or "items" not in data:
        raise ReportError(f"{str(path)!r} is not a report.json written by `bot eval`.")
    return data


def _delta(now: Any, before: Any) -> float | None:
    if isinstance(now, int | float) and isinstance(before, int | float):
        return float(now) - float(before)
    return None


def _verdict(delta: float | None, higher_is_better: bool) -> str:
    if delta is None or abs(delta) < 1e-9:
        return "same"
    return "better" if (delta > 0) == higher_is_better else "worse"


def compare_reports(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Compare two report dicts (`EvalRun.to_dict()` or a loaded report.json)."""
    metrics = []
    for info in SUMMARY_METRICS:
        now, before = current["summary"].get(info.key), previous["summary"].get(info.key)
        delta = _delta(now, before)
        metrics.append(
            {
                "key": info.key,
                "label": info.label,
                "previous": before,
                "current": now,
                "delta": delta,
                "verdict": _verdict(delta, info.higher_is_better),
            }
        )
    old = {i["id"]: i for i in previous["items"]}
    new = {i["id"]: i for i in current["items"]}
    fixed, broken = [], []
    for item_id, item in new.items():
        before = old.get(item_id)
        if before is None or bool(before["passed"]) == bool(item["passed"]):
            continue
        entry = {
            "id": item_id,
            "question": item["question"],
            "reasons": item["reasons"] if not item["passed"] else before["reasons"],
        }
        (fixed if item["passed"] else broken).append(entry)
    tags = {}
    for tag in sorted(set(current.get("by_tag", {})) | set(previous.get("by_tag", {}))):
        now_tag = current.get("by_tag", {}).get(tag, {})
        before_tag = previous.get("by_tag", {}).get(tag, {})
        tags[tag] = {
            key: {
                "previous": before_tag.get(key),
                "current": now_tag.get(key),
                "delta": _delta(now_tag.get(key), before_tag.get(key)),
            }
            for key in TAG_METRICS
        }
    return {
        "previous_created": previous.get("created", ""),
        "previous_config": previous.get("config", {}),
        "metrics": metrics,
        "fixed": fixed,
        "broken": broken,
        "added": [i for i in new if i not in old],
        "removed": [i for i in old if i not in new],
        "tags": tags,
    }
