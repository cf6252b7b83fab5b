"""Shared fixtures: isolated settings, and one real index (real model, store and corpus) per run.

Building the index once per session keeps the suite fast while every integration test still
goes through the real embedding model, the real Chroma store and the real course corpus.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings, load_settings, offline_environment

offline_environment()
SHARED = PROJECT_ROOT.parent / "shared"
OUTPUT_DIR = PROJECT_ROOT / "test-output"


@pytest.fixture(scope="session", autouse=True)
def _shared_onnx_export() -> Iterator[Path]:
    """One ONNX export for the whole run (and kept between runs; redone when stale), so every
    test's fresh data folder does not export the model again. Session-scoped and autouse, so
    it is in place before the session index is built."""
    folder = OUTPUT_DIR / "onnx-export"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOT_ONNX_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's .bot/ folder."""
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data folder holds a freshly built index of the real corpus."""
    from bot.ingest.indexer import ingest

    data_dir = tmp_path_factory.mktemp("index")
    env = dict(os.environ)
    env["BOT_DATA_DIR"] = str(data_dir)
    settings = load_settings(env)
    ingest(settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def tutor(index_settings: Settings):
    from bot.answering.tutor import Tutor

    return Tutor(index_settings)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (it exists beside checkouts and in CI, not for users)")
    return SHARED


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A per-test folder for screenshots and reports that survives the run."""
    path = OUTPUT_DIR / request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    """A port nobody listens on right now, on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def app_settings(index_settings: Settings) -> Settings:
    """The session index, served on a free loopback port without login."""
    return replace(index_settings, host="127.0.0.1", port=free_port(), auth_file="")


@pytest.fixture(scope="session")
def app_url(tutor, app_settings: Settings) -> Iterator[str]:
    """One real Gradio server for the API and browser tests, in this process."""
    from bot.ui import build_ui
    from bot.ui.server import launch

    demo = build_ui(tutor)
    launch(demo, app_settings, services=tutor, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{app_settings.port}/"
    finally:
        demo.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright; skipped, with the fix, when absent."""
    from tests.chromium import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install it with `apt-get install -y chromium`")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
