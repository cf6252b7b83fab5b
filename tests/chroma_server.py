"""A real Chroma server for tests: `chroma run` on 127.0.0.1 and a free port, in a subprocess.

The app's replicas share one Chroma server in production (BOT_CHROMA_URL), so the scale-out
tests run against the server chromadb ships (its `chroma` executable), not a mock. The helper
only ever binds to 127.0.0.1 and always stops what it started.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
HEARTBEAT = "/api/v2/heartbeat"


class ChromaServerError(RuntimeError):
    """The server did not start or did not answer its heartbeat in time."""


def chroma_executable() -> str | None:
    """The `chroma` CLI next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.is_file():
        return str(beside)
    return shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def heartbeat(url: str, timeout: float = 2.0) -> bool:
    """True when the server answers its v2 heartbeat."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + HEARTBEAT, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def chroma_server(path: Path, *, port: int | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Run `chroma run --path PATH` on 127.0.0.1; yield its URL; stop it on exit.

    The server's output goes to PATH/../chroma-server.log, so a failure can be read afterwards
    instead of filling the test output.
    """
    executable = chroma_executable()
    if executable is None:
        raise ChromaServerError("the `chroma` executable (shipped with chromadb) is not installed")
    port = port or free_port()
    path.mkdir(parents=True, exist_ok=True)
    log_path = path.parent / f"chroma-server-{port}.log"
    url = f"http://{HOST}:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [executable, "run", "--path", str(path), "--host", HOST, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + timeout
            while not heartbeat(url):
                if process.poll() is not None:
                    raise ChromaServerError(
                        f"chroma exited with code {process.returncode}; see {log_path}"
                    )
                if time.monotonic() > deadline:
                    raise ChromaServerError(f"chroma did not answer on {url} within {timeout} s")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
