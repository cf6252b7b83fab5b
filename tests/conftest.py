"""Shared fixtures: isolated settings, and one real index (real model, store and corpus) per run.

Building the index once per session keeps the suite fast while every integration test still
goes through the real embedding model, the real Chroma store and the real course corpus.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings, load_settings, offline_environment

offline_environment()
SHARED = PROJECT_ROOT.parent / "shared"
OUTPUT_DIR = PROJECT_ROOT / "test-output"


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
