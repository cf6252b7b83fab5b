"""Soak test: the app under moderate load for minutes; does its memory stay flat?

A leak (a cache without a bound, sessions never freed) shows as RSS that keeps climbing under
steady load. This starts app.py on a free 127.0.0.1 port (the same way bench/load_test.py
--start does), samples the app process's RSS before, during and after a steady load of
simulated users (bench/load_test.py's users: gradio_client sessions asking the same questions),
and reports the answers, the errors and the memory figures. Every loop is bounded in time.

    .venv/bin/python bench/soak.py                         # 10 users for 10 minutes
    .venv/bin/python bench/soak.py --users 5 --minutes 2 --data-dir /tmp/soakdata
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

from load_test import Results, report, run, start_app  # bench/load_test.py, same folder

log = logging.getLogger("soak")


def rss_mb(pid: int) -> float:
    """Resident memory of one process: psutil when installed, else the kernel's VmRSS."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 1e6
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares growth of RSS over time (MB per minute)."""
    if len(samples) < 2:
        return 0.0
    xs = [t / 60 for t, _ in samples]
    ys = [m for _, m in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if not var:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var


def soak(url: str, pid: int, users: int, seconds: float, every: float) -> dict:
    """Run the load in a thread; sample the app's RSS from this one until the load ends."""
    results_box: dict[str, Results] = {}
    worker = threading.Thread(
        target=lambda: results_box.setdefault("r", run(url, users, seconds)), daemon=True
    )
    started = time.monotonic()
    samples = [(0.0, rss_mb(pid))]
    worker.start()
    deadline = started + seconds + 600  # run() itself stops at `seconds`; this is a backstop
    while worker.is_alive() and time.monotonic() < deadline:
        worker.join(timeout=every)
        samples.append((time.monotonic() - started, rss_mb(pid)))
    results = results_box.get("r", Results())
    time.sleep(min(10.0, every))  # idle a moment: memory held after the load is what counts
    idle = rss_mb(pid)
    half = [s for s in samples if s[0] >= seconds / 2]
    return {
        "users": users,
        "seconds": seconds,
        "served": len(results.latencies),
        "errors": len(results.errors),
        "report": report(results, users, seconds),
        "rss_start_mb": samples[0][1],
        "rss_after_first_minute_mb": next((m for t, m in samples if t >= 60), samples[-1][1]),
        "rss_end_mb": samples[-1][1],
        "rss_idle_after_mb": idle,
        "rss_peak_mb": max(m for _, m in samples),
        "growth_second_half_mb_per_min": slope_mb_per_min(half),
        "samples": [(round(t), round(m, 1)) for t, m in samples],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10, help="simulated users at once")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to keep the load")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between RSS samples")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="BOT_DATA_DIR with (or for) the index; default a temp folder")
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)  # fmt: skip
    if args.users < 1 or args.minutes <= 0 or args.every <= 0:
        parser.error("--users, --minutes and --every must be positive")
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        # The app indexes the corpus on start when the data folder has no index yet.
        process, url = start_app(args.data_dir or Path(tmp), args.start_timeout)
        try:
            figures = soak(url, process.pid, args.users, args.minutes * 60, args.every)
        finally:
            process.terminate()
            process.wait(timeout=60)
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(figures["report"])
        print(
            f"app RSS: {figures['rss_start_mb']:.0f} MB at start, "
            f"{figures['rss_after_first_minute_mb']:.0f} MB after 1 min, "
            f"{figures['rss_end_mb']:.0f} MB at the end, "
            f"{figures['rss_idle_after_mb']:.0f} MB idle afterwards "
            f"(peak {figures['rss_peak_mb']:.0f} MB; second-half trend "
            f"{figures['growth_second_half_mb_per_min']:+.1f} MB/min)"
        )
        print("samples (s, MB): " + ", ".join(f"{t}:{m:.0f}" for t, m in figures["samples"]))
    return 0 if figures["served"] and not figures["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
