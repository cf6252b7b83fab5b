"""Many simulated users asking at once: how many answers, how many errors, how fast.

Each user is a thread with its own gradio_client session (so its own conversation), asking
questions from a small set through the app's `/ask` endpoint until the time is up. Only a
local app is ever targeted.

    python bench/load_test.py --users 20 --seconds 60
    python bench/load_test.py --start --data-dir /tmp/uidata     # start the app itself
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
QUESTIONS = (
    ("When was South Korea removed from the white list?", ""),
    ("When was that reversed?", ""),
    ("Which three items did Japan move to individual licences on 4 July 2019?", ""),
    ("Is South Korea in Group A?", "2020-06-01"),
    ("Which row of Appended Table 1 covers resist?", ""),
    ("What about hydrogen fluoride?", ""),
    ("What happened to the WTO case DS590?", ""),
    ("a recipe for bibimbap", ""),
)
TURNS_PER_SESSION = 8  # then the user starts a new conversation, as people do

log = logging.getLogger("load_test")


@dataclass
class Results:
    """What all users saw; the lock keeps counts right across threads."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def failed(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def check_local(url: str) -> str:
    """Refuse anything but this machine: a load test must never hit someone else's server."""
    parsed = urlparse(url)
    if parsed.scheme != "http" or parsed.hostname not in LOCAL_HOSTS:
        raise SystemExit(f"refusing to load-test {url!r}: only http://127.0.0.1 is allowed")
    return url if url.endswith("/") else url + "/"


def user(number: int, url: str, deadline: float, results: Results) -> None:
    from gradio_client import Client

    turn = 0
    client = None
    while time.monotonic() < deadline:
        question, as_of = QUESTIONS[(number + turn) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            if client is None or turn % TURNS_PER_SESSION == 0:
                client = Client(url, verbose=False)
            _html, data, _box = client.predict(question, as_of, api_name="/ask")
        except Exception as exc:  # a load test counts failures instead of stopping
            results.failed(f"user {number}: {type(exc).__name__}: {exc}")
            client = None
        else:
            if isinstance(data, dict) and "error" in data:
                results.failed(f"user {number}: {data['error']}")
            else:
                results.ok(time.perf_counter() - started)
        turn += 1


def run(url: str, users: int, seconds: float) -> Results:
    results = Results()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=user, args=(n, url, deadline, results), daemon=True)
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    return results


def report(results: Results, users: int, seconds: float) -> str:
    served = len(results.latencies)
    lines = [
        f"users: {users}, duration: {seconds:.0f} s",
        f"requests served: {served} ({served / seconds:.2f}/s)",
        f"errors: {len(results.errors)}",
    ]
    if served >= 2:
        cuts = statistics.quantiles(results.latencies, n=20, method="inclusive")
        lines.append(
            f"latency p50: {statistics.median(results.latencies) * 1000:.0f} ms, "
            f"p95: {cuts[18] * 1000:.0f} ms, max: {max(results.latencies) * 1000:.0f} ms"
        )
    for message in sorted(set(results.errors))[:5]:
        lines.append(f"  error: {message[:200]}")
    return "\n".join(lines)


# -- optionally start the app ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(data_dir: Path | None, timeout: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, BOT_HOST="127.0.0.1", BOT_PORT=str(port))
    if data_dir is not None:
        env["BOT_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return process, url
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    process.terminate()
    raise SystemExit(f"the app did not answer on {url} within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860/", help="app URL (local only)")
    parser.add_argument("--users", type=int, default=20, help="simulated users at once")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--start", action="store_true", help="start app.py on a free port")
    parser.add_argument("--data-dir", type=Path, default=None, help="BOT_DATA_DIR for --start")
    parser.add_argument("--start-timeout", type=float, default=600.0, help="seconds to wait")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0:
        parser.error("--users and --seconds must be positive")
    logging.basicConfig(level=logging.WARNING)
    process = None
    try:
        if args.start:
            process, url = start_app(args.data_dir, args.start_timeout)
        else:
            url = check_local(args.url)
        results = run(check_local(url), args.users, args.seconds)
        print(report(results, args.users, args.seconds))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    return 0 if results.latencies and not results.errors else 1


if __name__ == "__main__":
    sys.exit(main())
