"""Benchmark: what `bot ask` spends on imports, by package (`python -X importtime`).

Runs `bot ask QUESTION` in a fresh interpreter with `-X importtime` (`--repeats` times, the
first one untimed so the file cache is warm) and sums each package's own import time over all
its modules (the `self` column, so packages never count twice and the rows add up to the
total). Prints the top ten packages (median over repeats), the total, the process's wall clock,
and whether torch or sentence-transformers were imported at all.

    .venv/bin/python bench/imports.py
    .venv/bin/python bench/imports.py --encoder torch      # today's torch query path
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "When was South Korea removed from the white list?"
HEAVY = ("torch", "sentence_transformers", "transformers")


def parse_importtime(stderr: str) -> dict[str, float]:
    """Package -> summed own import time in seconds."""
    totals: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        columns = line.split("|")
        own, name = columns[0].split(":", 1)[1], columns[2].strip()
        totals[name.split(".")[0]] += int(own) / 1e6
    return dict(totals)


def one_run(data_dir: Path | None, encoder: str) -> tuple[dict[str, float], float]:
    env = dict(os.environ, BOT_QUERY_ENCODER=encoder)
    if data_dir is not None:
        env["BOT_DATA_DIR"] = str(data_dir)
    bot = Path(sys.executable).parent / "bot"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(bot), "ask", QUESTION],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0 or "[1]" not in done.stdout:
        raise SystemExit(f"bot ask failed:\n{done.stderr[-2000:]}")
    return parse_importtime(done.stderr), wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--encoder", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--data-dir", type=Path, default=None, help="BOT_DATA_DIR with an index")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    one_run(args.data_dir, args.encoder)  # warm the file cache
    runs = [one_run(args.data_dir, args.encoder) for _ in range(args.repeats)]
    packages = {name for totals, _ in runs for name in totals}
    medians = {p: statistics.median(t.get(p, 0.0) for t, _ in runs) for p in packages}
    total = statistics.median(sum(t.values()) for t, _ in runs)
    wall = statistics.median(w for _, w in runs)
    top = sorted(medians.items(), key=lambda kv: -kv[1])[: args.top]
    heavy = sorted(p for p in packages if p in HEAVY)
    result = {
        "encoder": args.encoder, "repeats": args.repeats, "wall_s": wall, "imports_s": total,
        "top": top, "heavy_imported": heavy,
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }  # fmt: skip
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"`bot ask` ({args.encoder} query encoder), median of {args.repeats}: wall clock "
        f"{wall:.2f} s, imports {total:.2f} s; torch-family packages imported: "
        f"{', '.join(heavy) or 'none'}; 1-min load average {result['load_average_before_after']}"
        "\n\n| package | own import time (ms) | share of imports |\n|---|---|---|"
    )
    for name, seconds in top:
        print(f"| {name} | {seconds * 1000:.0f} | {seconds / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
