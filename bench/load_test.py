"""Many simulated users asking at once: how many answers, how many errors, how fast, and how
much of the app's CPU each answer costs next to the same answer asked in-process.

Each user is a thread with its own conversation, asking questions from a small set until the
time is up, through one of two doors of the same app:

- `--client browser` (default): what a browser tab sends, over plain HTTP: the page, its load
  event, then each question as the chat's event (session state kept by the app);
- `--client gradio`: its own gradio_client session and the app's `/ask` endpoint (gradio_client
  costs ~60 ms of the load generator's CPU per call, so it measures the client as much as the
  app);
- `--client json`: plain `POST /api/ask` with the conversation's earlier questions in the body.

With `--start` (the app is started here) the app process's CPU time is read before and after
the load (psutil), giving CPU ms per request through the app; before the load the same
questions are answered by a Tutor in this process (same data folder, same encoder), giving CPU
ms per in-process answer: their ratio is the cost of serving. Only a local app is targeted.

    python bench/load_test.py --users 20 --seconds 60
    python bench/load_test.py --start --data-dir /tmp/uidata --users 50 --seconds 120
    python bench/load_test.py --start --data-dir /tmp/uidata --client json
"""

from __future__ import annotations

import argparse
import json
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
import uuid
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
    page_loads: list[float] = field(default_factory=list)  # new sessions, timed apart
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def page_load(self, seconds: float) -> None:
        with self.lock:
            self.page_loads.append(seconds)

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
    """One gradio_client user: a new session every TURNS_PER_SESSION questions."""
    from gradio_client import Client

    turn = 0
    client = None
    while time.monotonic() < deadline:
        question, as_of = QUESTIONS[(number + turn) % len(QUESTIONS)]
        try:
            if client is None or turn % TURNS_PER_SESSION == 0:
                opened = time.perf_counter()
                client = Client(url, verbose=False)
                results.page_load(time.perf_counter() - opened)
            started = time.perf_counter()
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


def ask_json(url: str, question: str, as_of: str, history: list[str]) -> dict:
    """One `POST /api/ask`; the answer (or the error) as a dict."""
    body = json.dumps({"question": question, "as_of": as_of or None, "history": history})
    request = urllib.request.Request(
        url + "api/ask", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"{}") | {"status": exc.code}


def json_user(number: int, url: str, deadline: float, results: Results) -> None:
    """One plain-JSON user: it keeps its own conversation's earlier questions."""
    turn = 0
    history: list[str] = []
    while time.monotonic() < deadline:
        question, as_of = QUESTIONS[(number + turn) % len(QUESTIONS)]
        if turn % TURNS_PER_SESSION == 0:
            history = []
        started = time.perf_counter()
        try:
            data = ask_json(url, question, as_of, history)
        except Exception as exc:  # a load test counts failures instead of stopping
            results.failed(f"user {number}: {type(exc).__name__}: {exc}")
        else:
            if "error" in data:
                results.failed(f"user {number}: {data['error']}")
            else:
                results.ok(time.perf_counter() - started)
                if not data.get("refused"):
                    history.append(question)
        turn += 1


class QueueSession:
    """What a browser tab does over Gradio's queue protocol (sse_v3), without gradio_client.

    gradio_client spends ~60 ms of its own CPU per call and holds the GIL meanwhile (measured
    here), so 50 of its sessions in one process cap the load near 10 requests/s whatever the
    app does; this speaks the protocol with plain HTTP: load the page (GET /, with its config),
    fire the page's load event, then send each question as the page does: a plain POST
    (/run/...) for events off the queue, else POST /queue/join and read /queue/data's events.
    """

    _configs: dict[str, dict] = {}  # the app's config, read once (the page carries it inline)

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = uuid.uuid4().hex[:11]
        with urllib.request.urlopen(url, timeout=60) as page:  # the page, config inline
            page.read()
        if url not in self._configs:
            with urllib.request.urlopen(url + "config", timeout=60) as response:
                self._configs[url] = json.loads(response.read())
        config = self._configs[url]
        deps = list(enumerate(config["dependencies"]))
        self.prefix = url + config.get("api_prefix", "/gradio_api").strip("/") + "/"
        self.ask_fn = next((d.get("id", i), d) for i, d in deps if d.get("api_name") == "ask")
        loads = [(d.get("id", i), d) for i, d in deps if any(t[1] == "load" for t in d["targets"])]
        for fn, dep in loads:
            self.call(fn, dep, [None] * len(dep["inputs"]))

    def call(self, fn: int, dep: dict, data: list) -> list:
        """One event as the page sends it: a plain POST for events off the queue, else join
        the queue and read the session's event stream until it completes."""
        body = {"data": data, "event_data": None, "fn_index": fn,
                "trigger_id": dep["targets"][0][0], "session_hash": self.session}  # fmt: skip
        if dep.get("queue") is False:
            direct = urllib.request.Request(
                self.prefix + f"run/{dep.get('api_name') or 'predict'}",
                data=json.dumps(body).encode(), headers={"Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(direct, timeout=120) as response:
                return json.loads(response.read())["data"]
        request = urllib.request.Request(
            self.prefix + "queue/join", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
        stream = self.prefix + f"queue/data?session_hash={self.session}"
        with urllib.request.urlopen(stream, timeout=120) as events:
            for raw in events:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    if not message.get("success", True):
                        raise RuntimeError(f"event failed: {str(message)[:200]}")
                    return message["output"]["data"]
        raise RuntimeError("the event stream closed without a result")

    def ask(self, question: str, as_of: str) -> dict:
        fn, dep = self.ask_fn
        outputs = self.call(fn, dep, [question, as_of, None])  # the State stays on the server
        return outputs[2]  # (state, transcript HTML, answer JSON, question box)


def browser_user(number: int, url: str, deadline: float, results: Results) -> None:
    """One browser-like user over Gradio's queue: a new tab every TURNS_PER_SESSION turns."""
    turn = 0
    session: QueueSession | None = None
    while time.monotonic() < deadline:
        question, as_of = QUESTIONS[(number + turn) % len(QUESTIONS)]
        try:
            if session is None or turn % TURNS_PER_SESSION == 0:
                opened = time.perf_counter()
                session = QueueSession(url)
                results.page_load(time.perf_counter() - opened)
            started = time.perf_counter()
            data = session.ask(question, as_of)
        except Exception as exc:  # a load test counts failures instead of stopping
            results.failed(f"user {number}: {type(exc).__name__}: {exc}")
            session = None
        else:
            if isinstance(data, dict) and "error" in data:
                results.failed(f"user {number}: {data['error']}")
            else:
                results.ok(time.perf_counter() - started)
        turn += 1


CLIENTS = {"gradio": user, "browser": browser_user, "json": json_user}


def run(url: str, users: int, seconds: float, client: str = "gradio") -> Results:
    results = Results()
    deadline = time.monotonic() + seconds
    target = CLIENTS[client]
    threads = [
        threading.Thread(target=target, args=(n, url, deadline, results), daemon=True)
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    return results


def in_process_answers(data_dir: Path | None, rounds: int = 3) -> dict[str, float]:
    """CPU and wall ms per answer for the same questions asked of a Tutor in this process,
    with the conversation carried as the users carry it (the cost without any serving)."""
    from bot.answering.tutor import AskOptions, Tutor
    from bot.config import load_settings, offline_environment

    offline_environment()
    overrides = {"data_dir": data_dir} if data_dir is not None else {}
    tutor = Tutor(load_settings(**overrides))
    cpu: list[float] = []
    wall: list[float] = []
    for round_no in range(rounds + 1):  # the first round is untimed (caches, first calls)
        history: list[str] = []
        for question, as_of in QUESTIONS:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            answer = tutor.ask(question, AskOptions(as_of=as_of or None, history=list(history)))
            if round_no:
                cpu.append((time.process_time() - cpu0) * 1000)
                wall.append((time.perf_counter() - wall0) * 1000)
            if not answer.refused:
                history.append(question)
    return {"cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


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
            f"latency (questions) p50: {statistics.median(results.latencies) * 1000:.0f} ms, "
            f"p95: {cuts[18] * 1000:.0f} ms, max: {max(results.latencies) * 1000:.0f} ms"
        )
    if len(results.page_loads) >= 2:
        loads = sorted(results.page_loads)
        lines.append(
            f"new sessions (page load, timed apart from the questions): {len(loads)}, "
            f"p50 {statistics.median(loads) * 1000:.0f} ms, "
            f"p95 {statistics.quantiles(loads, n=20, method='inclusive')[18] * 1000:.0f} ms"
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
    parser.add_argument("--client", choices=sorted(CLIENTS), default="browser",
                        help="browser: the page's own requests; gradio: gradio_client's /ask; "
                        "json: POST /api/ask")
    parser.add_argument("--no-in-process", action="store_true",
                        help="skip the in-process answers (CPU per answer without serving)")
    args = parser.parse_args(argv)  # fmt: skip
    if args.users < 1 or args.seconds <= 0:
        parser.error("--users and --seconds must be positive")
    logging.basicConfig(level=logging.WARNING)
    process = None
    try:
        if args.start:
            process, url = start_app(args.data_dir, args.start_timeout)
        else:
            url = check_local(args.url)
        baseline = None if args.no_in_process else in_process_answers(args.data_dir)
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(process.pid) if process is not None else None
        results = run(check_local(url), args.users, args.seconds, args.client)
        cpu_used = cpu_seconds(process.pid) - cpu_before if cpu_before is not None else None
        print(f"client: {args.client}; 1-min load average {load_before:.2f} before / "
              f"{os.getloadavg()[0]:.2f} after")
        print(report(results, args.users, args.seconds))
        served = len(results.latencies) + len(results.errors)
        if cpu_used is not None and served:
            per_request = cpu_used * 1000 / served
            print(f"app CPU: {cpu_used:.1f} s for {served} requests = {per_request:.1f} ms each")
            if baseline:
                print(f"in-process answer (same questions, this process): "
                      f"{baseline['cpu_ms']:.1f} ms CPU, {baseline['wall_ms']:.1f} ms wall "
                      f"(median); through the app / in process: "
                      f"{per_request / baseline['cpu_ms']:.1f}x CPU")
        elif baseline:
            print(f"in-process answer: {baseline['cpu_ms']:.1f} ms CPU (median)")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    return 0 if results.latencies and not results.errors else 1


if __name__ == "__main__":
    sys.exit(main())
