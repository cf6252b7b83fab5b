"""Benchmark: `make run` to the first HTTP 200 with an up-to-date index, and the app's idle RSS.

For each query encoder (`BOT_QUERY_ENCODER` onnx and torch, interleaved, `--repeats` times):
runs `make run` (its stamp check, then `app.py`, which finds the index up to date)
on a free 127.0.0.1 port with `--data-dir` as BOT_DATA_DIR, polls the page until it answers
200, then asks one question through `POST /api/ask` (so the encoder has really run), waits
`--idle` seconds and reads the app process's RSS. The index is built once first (not timed).

    .venv/bin/python bench/startup.py --data-dir /tmp/benchdata
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from load_test import ask_json, free_port  # bench/load_test.py, same folder

ROOT = Path(__file__).resolve().parent.parent
TARGET_START_S = 7.0
TARGET_RSS_DROP = 0.30


def app_process(root_pid: int):  # noqa: ANN201
    """The `app.py` process among `make run`'s descendants."""
    import psutil

    for child in psutil.Process(root_pid).children(recursive=True):
        if any(part.endswith("app.py") for part in child.cmdline()):
            return child
    return None


def one_start(data_dir: Path, encoder: str, idle: float, timeout: float) -> dict[str, float]:
    port = free_port()
    env = dict(
        os.environ, BOT_DATA_DIR=str(data_dir), BOT_PORT=str(port), BOT_QUERY_ENCODER=encoder
    )
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    make = subprocess.Popen(
        ["make", "-s", "run"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            if make.poll() is not None:
                raise SystemExit(f"make run exited with {make.returncode}")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"no HTTP 200 on {url} within {timeout:.0f} s")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        first_200 = time.perf_counter() - started
        answer = ask_json(url, "When was South Korea removed from the white list?", "", [])
        if not answer.get("citations"):
            raise SystemExit(f"the app's first answer has no citation: {answer}")
        time.sleep(idle)
        process = app_process(make.pid)
        rss = process.memory_info().rss / 1e6 if process is not None else float("nan")
        return {"first_200_s": first_200, "idle_rss_mb": rss}
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        try:
            make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="BOT_DATA_DIR (kept)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle before RSS")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        subprocess.run(
            [str(Path(sys.executable).parent / "bot"), "ingest", "--quiet"],
            cwd=ROOT, env=dict(os.environ, BOT_DATA_DIR=str(data_dir)), check=True,
            capture_output=True,
        )  # fmt: skip
        load_before = os.getloadavg()[0]
        runs: dict[str, list[dict[str, float]]] = {"onnx": [], "torch": []}
        for _ in range(args.repeats):
            for encoder in runs:  # interleaved: load elsewhere hits both alike
                runs[encoder].append(one_start(data_dir, encoder, args.idle, args.timeout))
    result = {
        encoder: {
            "first_200_s": statistics.median(r["first_200_s"] for r in rows),
            "idle_rss_mb": statistics.median(r["idle_rss_mb"] for r in rows),
            "raw": rows,
        }
        for encoder, rows in runs.items()
    }
    result["load_average_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    o, t = result["onnx"], result["torch"]
    drop = 1 - o["idle_rss_mb"] / t["idle_rss_mb"]
    print(
        f"median of {args.repeats}; 1-min load average {result['load_average_before_after'][0]} "
        f"before / {result['load_average_before_after'][1]} after\n\n"
        "| metric | ONNX path | torch path | ONNX / torch | target | met |\n"
        "|---|---|---|---|---|---|\n"
        f"| `make run` to first HTTP 200, index up to date (s) | {o['first_200_s']:.2f} | "
        f"{t['first_200_s']:.2f} | {o['first_200_s'] / t['first_200_s']:.2f}× | "
        f"≤ {TARGET_START_S:g} | {'yes' if o['first_200_s'] <= TARGET_START_S else '**no**'} |\n"
        f"| app RSS, idle after one answer (MB) | {o['idle_rss_mb']:.0f} | "
        f"{t['idle_rss_mb']:.0f} | {o['idle_rss_mb'] / t['idle_rss_mb']:.2f}× ({drop:.0%} less) "
        "| ≥ 30% less | "
        f"{'yes' if drop >= TARGET_RSS_DROP else '**no**'} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
