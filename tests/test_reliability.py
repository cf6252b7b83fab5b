"""Reliability of the index: killed ingests, concurrent ingests, queries during an ingest.

An ingest may be killed at any moment, a second one may be started by mistake, and the app keeps
answering while the corpus is re-indexed. Each case runs the real model, store and corpus (a
small copy of it, so the suite stays quick).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest
from langchain_core.embeddings import Embeddings

from bot.answering.tutor import Tutor
from bot.answering.types import Answer
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.errors import IndexBusyError
from bot.ingest.indexer import IngestReport, ingest
from bot.retrieval import store
from bot.retrieval.embeddings import shared_embeddings
from bot.retrieval.hybrid import POINTER_CHECK_SECONDS

pytestmark = pytest.mark.slow
SAMPLE = ("white-list-removal-2019", "appended-table-1-three-items", "wto-ds590-request-2019")
QUESTION = "When did South Korea's removal from the white list take effect?"
BUSY_MESSAGE = "Another ingest is running on this index; wait for it to finish and try again."
MARKER = re.compile(r"\[(\d+)\]")
GATE_TIMEOUT_S = 120
NEW_DOC_ID = "reliability-drill-note"
NEW_DOC = f"""---
id: {NEW_DOC_ID}
title: Reliability drill note
doc_type: guidance
jurisdiction: JP
issuer: Tutor test suite
source_title: Reliability drill note
source_url: https://example.org/reliability-drill-note
published: 2024-05-01
---
# Reliability drill note

The reliability drill used the code word Marigold Four for its live index check.
"""
NEW_DOC_QUESTION = "Which code word did the reliability drill use?"


def load_bench(name: str) -> ModuleType:
    """Import a bench script by path: the tests run the same code as the benchmark."""
    path = PROJECT_ROOT / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def assert_cited(answer: Answer) -> None:
    assert not answer.refused, answer.answer
    assert answer.citations
    assert {int(n) for n in MARKER.findall(answer.answer)} == {c.n for c in answer.citations}
    for citation in answer.citations:
        assert citation.quote and citation.quote in citation.chunk_text


@pytest.fixture
def small_settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PROJECT_ROOT / "corpus" / "terms.yaml", corpus / "terms.yaml")
    for doc_id in SAMPLE:
        shutil.copy(PROJECT_ROOT / "corpus" / f"{doc_id}.md", corpus / f"{doc_id}.md")
    return load_settings({}, data_dir=tmp_path / "data", corpus_dir=corpus, collection="rel")


class GatedEmbeddings(Embeddings):
    """Real embeddings that stop at the first batch until the test opens the gate.

    This holds an ingest in the middle of its work for exactly as long as the test needs,
    which a sleep or a big corpus could only approximate.
    """

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.gate = threading.Event()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.entered.set()
        if not self.gate.wait(timeout=GATE_TIMEOUT_S):
            raise RuntimeError("the test never opened the gate")
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class IngestThread(threading.Thread):
    """An ingest in the background that keeps its report or its exception for the test."""

    def __init__(self, settings: Settings, embeddings: Embeddings, rebuild: bool = False) -> None:
        super().__init__(daemon=True)
        self.settings, self.embeddings, self.rebuild = settings, embeddings, rebuild
        self.report: IngestReport | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.report = ingest(
                self.settings, rebuild=self.rebuild, embeddings=self.embeddings, progress=False
            )
        except BaseException as exc:  # handed to the test thread
            self.error = exc


def test_killed_ingests_leave_a_usable_index(tmp_path: Path) -> None:
    """bench/kill_ingest.py, shortened: SIGKILL two rebuilds at random points."""
    kill_ingest = load_bench("kill_ingest")
    summary = kill_ingest.run(
        2, 150, docs=3, seed=20190828, workdir=tmp_path / "kill", kill_window=2.5
    )
    print(kill_ingest.format_summary(summary))
    assert len(summary.rounds) == 2
    for result in summary.rounds:
        assert result.answer_ok and result.next_ingest_ok, result
        assert not result.error, result.error
        # Leftovers of a killed run are dropped by the next ingest: live + previous only.
        assert result.generation_collections <= 2, result


def test_second_ingest_is_refused_while_one_runs(small_settings: Settings) -> None:
    gated = GatedEmbeddings(shared_embeddings(small_settings.embedding_model))
    first = IngestThread(small_settings, gated)
    first.start()
    try:
        assert gated.entered.wait(GATE_TIMEOUT_S), "the first ingest never started embedding"
        with pytest.raises(IndexBusyError) as refused:
            ingest(small_settings, progress=False)
        assert str(refused.value) == BUSY_MESSAGE

        # Another process (the CLI) is refused too, with the same plain message and exit 2.
        env = dict(
            os.environ,
            BOT_DATA_DIR=str(small_settings.data_dir),
            BOT_CORPUS_DIR=str(small_settings.corpus_dir),
            BOT_COLLECTION=small_settings.collection,
        )
        cli = subprocess.run(
            [sys.executable, "-m", "bot", "ingest", "--quiet"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert cli.returncode == 2, cli.stderr
        assert cli.stderr.strip() == f"Error: {BUSY_MESSAGE}"
        assert "Traceback" not in cli.stderr
    finally:
        gated.gate.set()
        first.join(timeout=GATE_TIMEOUT_S)
    assert first.error is None, first.error
    assert first.report is not None and first.report.embedded == first.report.chunks
    # The lock is free again once the first ingest is done.
    assert ingest(small_settings, progress=False).up_to_date


def test_queries_keep_working_during_an_ingest(small_settings: Settings) -> None:
    ingest(small_settings, progress=False)
    tutor = Tutor(small_settings)
    before = tutor.index.snapshot().generation
    assert_cited(tutor.ask(QUESTION))

    (small_settings.corpus_dir / f"{NEW_DOC_ID}.md").write_text(NEW_DOC, encoding="utf-8")
    gated = GatedEmbeddings(shared_embeddings(small_settings.embedding_model))
    worker = IngestThread(small_settings, gated)
    worker.start()
    asked = 0
    try:
        assert gated.entered.wait(GATE_TIMEOUT_S), "the ingest never started embedding"
        for _ in range(5):  # the ingest is held mid-way: new generation written, pointer not
            assert_cited(tutor.ask(QUESTION))
            asked += 1
        assert tutor.index.snapshot().generation == before
    finally:
        gated.gate.set()
    deadline = time.monotonic() + GATE_TIMEOUT_S
    while worker.is_alive() and time.monotonic() < deadline and asked < 2000:
        assert_cited(tutor.ask(QUESTION))  # through the pointer move and the cleanup
        asked += 1
    worker.join(timeout=GATE_TIMEOUT_S)
    assert worker.error is None, worker.error
    assert worker.report is not None and worker.report.generation != before

    deadline = time.monotonic() + POINTER_CHECK_SECONDS + 10
    while tutor.index.snapshot().generation == before and time.monotonic() < deadline:
        assert_cited(tutor.ask(QUESTION))
        time.sleep(0.1)
    assert tutor.index.snapshot().generation == worker.report.generation
    answer = tutor.ask(NEW_DOC_QUESTION)
    assert_cited(answer)
    assert "Marigold Four" in answer.answer
    assert NEW_DOC_ID in {c.doc_id for c in answer.citations}
    pointer = store.current_generation(store.open_client(small_settings), small_settings)
    assert pointer is not None and pointer["generation"] == worker.report.generation
