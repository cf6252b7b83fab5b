"""Benchmark: the time to build a checked 10-question quiz (generation + consistency check).

Each repeat uses another seed and a fresh check (nothing remembered from the previous quiz),
so the time includes reading the corpus, generating every candidate item, and asking the tutor
each picked item's question. The tutor (model, index) is loaded once before timing, as in the
app. Reports the median and the range, plus generation alone.

    .venv/bin/python bench/quiz.py                 # 9 seeds, mixed topic
    .venv/bin/python bench/quiz.py --topic wto --repeats 5 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering.tutor import Tutor  # noqa: E402
from bot.config import load_settings, offline_environment  # noqa: E402
from bot.study.quiz import build_quiz, load_items, tutor_check  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", default="mixed")
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    offline_environment()
    settings = load_settings()
    tutor = Tutor(settings)
    tutor.ask("When was South Korea removed from the white list?")  # warm the model and index
    total, generation, dropped = [], [], []
    for seed in range(1, args.repeats + 1):
        started = time.perf_counter()
        items = load_items(Path(settings.corpus_dir), seed)
        generated = time.perf_counter()
        quiz = build_quiz(items, args.topic, args.n, seed, tutor_check(tutor))
        done = time.perf_counter()
        generation.append(generated - started)
        total.append(done - started)
        dropped.append(len(quiz.dropped))
    result = {
        "topic": args.topic,
        "questions": args.n,
        "repeats": args.repeats,
        "median_s": round(statistics.median(total), 3),
        "min_s": round(min(total), 3),
        "max_s": round(max(total), 3),
        "generation_median_s": round(statistics.median(generation), 3),
        "dropped_per_quiz": dropped,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{args.n}-question {args.topic} quiz, {args.repeats} seeds: median "
        f"{result['median_s']} s (min {result['min_s']}, max {result['max_s']}); generation "
        f"alone {result['generation_median_s']} s; dropped per quiz {dropped}"
    )


if __name__ == "__main__":
    main()
