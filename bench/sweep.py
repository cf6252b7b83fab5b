"""Sweep the answer-selection constants on the dev set; report held-out beside, never tune on it.

Each constant is varied alone around its current value with the others fixed; the dev pass
rate picks the value, and the held-out pass rate is printed next to it only to show the
effect (docs/constants.md records the result).

Usage:
    .venv/bin/python bench/sweep.py                     # every constant
    .venv/bin/python bench/sweep.py KIND_BONUS DOC_PRIOR
"""

from __future__ import annotations

import argparse
import sys

from bot.answering import selection, sentences
from bot.answering.tutor import Tutor
from bot.config import load_settings, offline_environment
from bot.evaluation.dataset import load_sets
from bot.evaluation.runner import RunOptions, evaluate

GRID = {
    "DOC_PRIOR": (0.0, 0.1, 0.2, 0.3, 0.4),
    "LEXICAL_WEIGHT": (0.2, 0.4, 0.6),
    "KIND_BONUS": (0.0, 0.04, 0.08, 0.15),
    "EVENT_DATE_BONUS": (0.0, 0.08, 0.15, 0.25),
    "STATE_BONUS": (0.0, 0.1, 0.2, 0.3),
    "SCORE_MARGIN": (0.1, 0.15, 0.2, 0.3),
    "OVERVIEW_DOCS": (2, 3, 4),
    "OVERVIEW_MARGIN": (0.1, 0.15, 0.25, 0.35),
    "MAX_SENTENCES": (2, 3, 4, 5),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(GRID))
    args = parser.parse_args(argv)
    offline_environment()
    settings = load_settings()
    tutor = Tutor(settings)
    dev = load_sets([settings.evals_dir / "core.jsonl"])
    heldout = load_sets([settings.evals_dir / "heldout.jsonl"])
    for name in args.names:
        module = sentences if hasattr(sentences, name) else selection
        current = getattr(module, name)
        print(f"{name} (now {current}): value  dev pass  held-out pass (report only)")
        for value in GRID[name]:
            setattr(module, name, value)
            d = evaluate(tutor, dev, RunOptions()).summary["pass_rate"]
            h = evaluate(tutor, heldout, RunOptions()).summary["pass_rate"]
            mark = " <- current" if value == current else ""
            print(f"  {value!s:>6}  {d:.3f}  {h:.3f}{mark}", flush=True)
        setattr(module, name, current)
    return 0


if __name__ == "__main__":
    sys.exit(main())
