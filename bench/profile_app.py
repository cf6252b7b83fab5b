"""Profile the app under many users with py-spy: where does the CPU of a request go?

Starts app.py on a free 127.0.0.1 port (as bench/load_test.py --start does), puts `--users`
simulated users on it (load_test's users: `--client browser`, `gradio` or `json`), and while
they ask, records the app with py-spy (a sampling profiler: no change to the app, about 1 %
overhead) for `--seconds` after a warm-up. It keeps the samples of threads that were running
or runnable (py-spy leaves idle ones out; so does a list of waiting frames here), sorts them
into buckets by the innermost frame that names a part of the stack, and prints the buckets
and the top functions by own time. Threads in native code (onnxruntime) count as busy while
they wait for a core, so the shares are of busy thread time, not of CPU.

    .venv/bin/python bench/profile_app.py --data-dir /tmp/benchdata --users 50 --seconds 30
    .venv/bin/python bench/profile_app.py --data-dir /tmp/benchdata --client json
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from load_test import CLIENTS, report, run, start_app  # bench/load_test.py, same folder

# First match wins, checked from the innermost frame outwards: what a sample was doing.
BUCKETS = (
    ("answer: embedding (onnxruntime)", ("onnxruntime", "onnx_embeddings.py")),
    ("answer: embedding (torch)", ("torch/", "sentence_transformers")),
    ("answer: Chroma query", ("chromadb",)),
    ("answer: BM25", ("bm25s", "lexical.py")),
    # py-spy shortens some paths to the file name, so the tutor's modules are named by file.
    ("answer: rest of Tutor.ask", ("bot/answering", "bot/retrieval", "bot/checking",
                                   "(tutor.py", "(extractive.py", "(sentences.py",
                                   "(selection.py", "(dates.py", "(scope.py",
                                   "(checker_route.py", "(hybrid.py", "(query.py", "(types.py",
                                   "(routing.py", "(decide.py", "(rules.py", "(countries.py")),
    ("HTML rendering (bot/ui/render.py)", ("bot/ui/render.py",)),
    ("JSON API (bot/ui/api.py)", ("bot/ui/api.py",)),
    ("app handlers and state (bot/ui)", ("bot/ui/",)),
    ("JSON encoding (orjson/json)", ("orjson", "json/encoder", "json/decoder")),
    ("deep copies (copy.deepcopy)", ("copy.py",)),
    ("pydantic", ("pydantic",)),
    ("Gradio: processing utils", ("gradio/processing_utils", "gradio/data_classes")),
    ("Gradio: blocks / components", ("gradio/blocks.py", "gradio/components", "gradio/state")),
    ("Gradio: queue and events", ("gradio/queueing", "gradio/route_utils", "gradio/utils",
                                  "gradio/helpers", "gradio/server_messages")),
    ("Gradio: routes", ("gradio/routes", "gradio/")),
    ("HTTP server (uvicorn, starlette, h11, httptools)", ("uvicorn", "starlette", "h11",
                                                           "httptools", "fastapi", "sse")),
    ("asyncio and anyio scheduling", ("asyncio", "anyio", "concurrent/futures", "threading.py")),
    ("malloc_trim thread", ("memory.py",)),
)  # fmt: skip
IDLE = ("select", "epoll", "_wait", "wait (threading", "acquire", "sleep", "poll", "recv",
        "accept", "_run_once (asyncio", "get (queue", "block_thread")  # fmt: skip


def bucket_of(frames: list[str]) -> str:
    for name, needles in BUCKETS:
        if any(any(n in frame for n in needles) for frame in reversed(frames)):
            return name
    return "other"


def summarize(raw_file: Path, top: int = 15) -> str:
    """py-spy's raw (collapsed) stacks -> bucket shares and the busiest functions."""
    buckets: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw_file.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in IDLE):
            continue  # a thread waiting, not working
        n = int(count)
        total += n
        buckets[bucket_of(frames[1:])] += n
        leaves[frames[-1]] += n
    lines = [f"{total} busy samples", "", "| where | share of busy samples |", "|---|---|"]
    lines += [f"| {name} | {n / total:.1%} |" for name, n in buckets.most_common()]
    lines += ["", "| function (own time) | share |", "|---|---|"]
    lines += [f"| `{name[:110]}` | {n / total:.1%} |" for name, n in leaves.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0, help="profiled seconds")
    parser.add_argument("--warmup", type=float, default=10.0, help="load before profiling")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="browser")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--out", type=Path, default=None, help="keep py-spy's raw stacks here")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        parser.error("py-spy is not installed (pip install py-spy)")
    with tempfile.TemporaryDirectory(prefix="profile-app-") as tmp:
        raw = args.out or Path(tmp) / "stacks.txt"
        process, url = start_app(args.data_dir or Path(tmp) / "data", 900)
        try:
            box: dict = {}
            load = threading.Thread(
                target=lambda: box.setdefault(
                    "r", run(url, args.users, args.warmup + args.seconds + 5, args.client)
                ),
                daemon=True,
            )
            load_before = os.getloadavg()[0]
            load.start()
            time.sleep(args.warmup)
            subprocess.run(
                [py_spy, "record", "--pid", str(process.pid), "--duration",
                 str(int(args.seconds)), "--rate", str(args.rate), "--format", "raw",
                 "--output", str(raw), "--nonblocking", "--threads"],
                check=True, capture_output=True, timeout=args.seconds + 120,
            )  # fmt: skip
            load.join(timeout=args.seconds + 300)
        finally:
            process.terminate()
            process.wait(timeout=60)
        print(f"client: {args.client}; 1-min load average {load_before:.2f} before / "
              f"{os.getloadavg()[0]:.2f} after")  # fmt: skip
        print(report(box["r"], args.users, args.warmup + args.seconds + 5))
        print()
        print(summarize(raw))
    return 0


if __name__ == "__main__":
    sys.exit(main())
