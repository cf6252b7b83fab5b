"""Scale-out: the tutor on a real Chroma server (`chroma run`), shared by several replicas.

With BOT_CHROMA_URL set, every app replica reads the same index, and the generation pointer
lives in Chroma itself, so an ingest run anywhere must become visible to all of them. These
tests start chromadb's own server on 127.0.0.1 and run the core integration checks through it.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from chroma_server import chroma_executable, chroma_server  # tests/chroma_server.py
from langchain_core.embeddings import Embeddings

from bot.answering.tutor import AskOptions, Tutor
from bot.answering.types import Answer
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.errors import IndexBusyError
from bot.ingest.indexer import ingest
from bot.retrieval import store
from bot.retrieval.embeddings import shared_embeddings
from bot.retrieval.hybrid import POINTER_CHECK_SECONDS

pytestmark = [
    pytest.mark.chroma_server,
    pytest.mark.slow,
    pytest.mark.skipif(
        chroma_executable() is None,
        reason="the `chroma` executable (chromadb's server CLI) is not installed",
    ),
]
MARKER = re.compile(r"\[(\d+)\]")
WHITE_LIST_QUESTION = "When did South Korea's removal from the white list take effect?"
NEW_DOC_ID = "replica-drill-note"
NEW_DOC = f"""---
id: {NEW_DOC_ID}
title: Replica drill note
doc_type: guidance
jurisdiction: JP
issuer: Tutor test suite
source_title: Replica drill note
source_url: https://example.org/replica-drill-note
published: 2024-05-01
---
# Replica drill note

The replica drill used the code word Heliotrope Seven for its shared index check.
"""
NEW_DOC_QUESTION = "Which code word did the replica drill use?"
# A replica notices a moved pointer within POINTER_CHECK_SECONDS; allow generous slack.
SEE_NEW_GENERATION_S = POINTER_CHECK_SECONDS + 15


def assert_citations_valid(answer: Answer) -> None:
    """Every [n] marker maps to a citation and every quote is a sentence of its chunk."""
    markers = {int(n) for n in MARKER.findall(answer.answer)}
    assert markers == {c.n for c in answer.citations}, answer.answer
    for citation in answer.citations:
        assert citation.quote and citation.quote in citation.chunk_text


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as url:
        yield url


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real corpus: these tests edit it to make an ingest do real work."""
    target = tmp_path_factory.mktemp("server-corpus") / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", target)
    return target


def replica_settings(url: str, corpus: Path, data_dir: Path) -> Settings:
    """What one app replica reads from its environment: its own data folder, the shared server."""
    env = {**os.environ, "BOT_CHROMA_URL": url, "BOT_DATA_DIR": str(data_dir)}
    return load_settings(env, corpus_dir=corpus, collection="scaleout")


@pytest.fixture(scope="module")
def server_settings(
    server_url: str, corpus_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    settings = replica_settings(server_url, corpus_copy, tmp_path_factory.mktemp("replica-a"))
    assert settings.chroma_url == server_url
    report = ingest(settings, progress=False)
    assert report.embedded == report.chunks > 100
    return settings


@pytest.fixture(scope="module")
def server_tutor(server_settings: Settings) -> Tutor:
    return Tutor(server_settings)


def test_index_lives_on_the_server_not_on_disk(server_settings: Settings) -> None:
    assert not server_settings.chroma_dir.exists(), "the embedded store must stay unused"
    client = store.open_client(server_settings)
    pointer, collection = store.open_current(client, server_settings)
    assert collection.count() == int(pointer["chunks"])


def test_answers_with_citations(server_tutor: Tutor) -> None:
    answer = server_tutor.ask(WHITE_LIST_QUESTION)
    assert not answer.refused
    assert "28 August 2019" in answer.answer
    assert "white-list-removal-2019" in {c.doc_id for c in answer.citations}
    assert_citations_valid(answer)


def test_off_topic_is_refused(server_tutor: Tutor) -> None:
    answer = server_tutor.ask("a recipe for bibimbap")
    assert answer.refused and not answer.citations


def test_as_of_dates_change_the_answer(server_tutor: Tutor) -> None:
    in_2020 = server_tutor.ask("Is South Korea in Group A?", AskOptions(as_of="2020-06-01"))
    in_2024 = server_tutor.ask("Is South Korea in Group A?", AskOptions(as_of="2024-06-01"))
    for answer in (in_2020, in_2024):
        assert not answer.refused
        assert_citations_valid(answer)
    assert in_2020.answer.startswith("As of 1 June 2020")
    assert "not in Group A" in in_2020.answer
    assert "white-list-restoration-2023" not in {c.doc_id for c in in_2020.citations}
    assert "white-list-restoration-2023" in {c.doc_id for c in in_2024.citations}


def test_incremental_reingest_embeds_only_what_changed(server_settings: Settings) -> None:
    again = ingest(server_settings, progress=False)
    assert again.up_to_date and again.embedded == 0

    path = server_settings.corpus_dir / "wto-ds590-request-2019.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA closing sentence for the test.\n")
    edited = ingest(server_settings, progress=False)
    assert not edited.up_to_date
    assert 0 < edited.embedded <= 3 < edited.chunks
    client = store.open_client(server_settings)
    pointer, collection = store.open_current(client, server_settings)
    assert pointer["generation"] == edited.generation
    assert collection.count() == edited.chunks


# -- replicas -------------------------------------------------------------------------------
REPLICA_SCRIPT = """
import json, sys, time
from bot.config import load_settings, offline_environment
offline_environment()
from bot.answering.tutor import Tutor
tutor = Tutor(load_settings(collection="scaleout"))
print(json.dumps({"generation": tutor.index.snapshot().generation}), flush=True)
for line in sys.stdin:
    old, question = line.rstrip("\\n").split("\\t")
    deadline = time.monotonic() + float(sys.argv[1])
    while tutor.index.snapshot().generation == old and time.monotonic() < deadline:
        time.sleep(0.2)
    answer = tutor.ask(question)
    print(json.dumps({
        "generation": tutor.index.snapshot().generation,
        "refused": answer.refused,
        "docs": [c.doc_id for c in answer.citations],
    }), flush=True)
"""


def _start_replica_process(settings: Settings, data_dir: Path) -> tuple[subprocess.Popen, dict]:
    """A second process, as a second app replica would be: its own client, model and cache."""
    env = {
        **os.environ,
        "BOT_CHROMA_URL": settings.chroma_url,
        "BOT_DATA_DIR": str(data_dir),
        "BOT_CORPUS_DIR": str(settings.corpus_dir),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", REPLICA_SCRIPT, str(SEE_NEW_GENERATION_S)],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], 180)
    if not ready:
        process.kill()
        pytest.fail("the replica process did not start within 180 s")
    line = process.stdout.readline()
    if not line:
        _, err = process.communicate(timeout=30)
        pytest.fail(f"the replica process failed:\n{err[-2000:]}")
    return process, json.loads(line)


def _wait_for_generation(tutor: Tutor, old: str) -> str:
    deadline = time.monotonic() + SEE_NEW_GENERATION_S
    while tutor.index.snapshot().generation == old and time.monotonic() < deadline:
        time.sleep(0.2)
    return tutor.index.snapshot().generation


def test_replicas_share_the_server_and_see_a_new_generation(
    server_settings: Settings, server_tutor: Tutor, tmp_path: Path
) -> None:
    # Replica B: another data folder, so another client object and its own SearchIndex.
    replica_b = Tutor(replica_settings(server_settings.chroma_url, server_settings.corpus_dir,
                                       tmp_path / "replica-b"))  # fmt: skip
    time.sleep(POINTER_CHECK_SECONDS + 0.2)  # the session tutor catches up with earlier tests
    before = server_tutor.index.snapshot().generation
    assert replica_b.index.snapshot().generation == before
    assert replica_b.ask(NEW_DOC_QUESTION).refused, "the drill note is not indexed yet"

    process, hello = _start_replica_process(server_settings, tmp_path / "replica-c")
    try:
        assert hello["generation"] == before
        (server_settings.corpus_dir / f"{NEW_DOC_ID}.md").write_text(NEW_DOC, encoding="utf-8")
        report = ingest(server_settings, progress=False)
        assert report.generation != before and 0 < report.embedded <= 3

        out, err = process.communicate(f"{before}\t{NEW_DOC_QUESTION}\n", timeout=120)
        assert process.returncode == 0, err[-2000:]
        seen_by_process = json.loads(out.strip().splitlines()[-1])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    for tutor in (server_tutor, replica_b):
        assert _wait_for_generation(tutor, before) == report.generation
        answer = tutor.ask(NEW_DOC_QUESTION)
        assert not answer.refused and "Heliotrope Seven" in answer.answer
        assert NEW_DOC_ID in {c.doc_id for c in answer.citations}
        assert_citations_valid(answer)
    assert seen_by_process["generation"] == report.generation
    assert not seen_by_process["refused"] and NEW_DOC_ID in seen_by_process["docs"]


# -- replicas that ingest -----------------------------------------------------------------------
class _GatedEmbeddings(Embeddings):
    """Real embeddings held at the first batch until the test opens the gate."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner, self.entered, self.gate = inner, threading.Event(), threading.Event()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.entered.set()
        self.gate.wait(timeout=120)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)



@contextmanager
def gated_ingest(settings: Settings) -> Iterator[dict[str, object]]:
    """Run `ingest(settings)` in a thread, held at its first embedding batch while the block
    runs; the outcome (report or exception) is in the yielded dict's "result" afterwards."""
    gated = _GatedEmbeddings(shared_embeddings(settings.embedding_model))
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = ingest(settings, embeddings=gated, progress=False)
        except Exception as exc:  # handed to the test thread
            outcome["result"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert gated.entered.wait(120)
        yield outcome
    finally:
        gated.gate.set()
        worker.join(timeout=120)


def test_second_replica_ingest_is_refused_while_one_runs(server_url: str, tmp_path: Path) -> None:
    """Each replica has its own data folder (and file lock); the server must still serialise.

    Before the lease in Chroma, the second replica's ingest ran and dropped the first one's
    half-written generation (NotFoundError), or left the pointer on a deleted collection.
    """
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PROJECT_ROOT / "corpus" / "white-list-removal-2019.md", corpus)
    first, second = (
        load_settings({}, data_dir=tmp_path / name, corpus_dir=corpus, chroma_url=server_url,
                      collection="race")
        for name in ("replica-a", "replica-b")
    )  # fmt: skip
    with gated_ingest(first) as outcome, pytest.raises(IndexBusyError):
        ingest(second, progress=False)
    assert not isinstance(outcome.get("result"), Exception), outcome


# -- the lease over time -----------------------------------------------------------------------
@pytest.fixture
def short_lease(monkeypatch: pytest.MonkeyPatch) -> float:
    """A 1.5 s lease (900 s in use), so expiry and renewal happen within a test."""
    monkeypatch.setattr(store, "LOCK_TTL_SECONDS", 1.5)
    monkeypatch.setattr(store, "LOCK_SETTLE_SECONDS", 0.05)
    return 1.5


def lease_settings(server_url: str, tmp_path: Path, name: str) -> Settings:
    return load_settings({}, data_dir=tmp_path / name, chroma_url=server_url, collection="lease")


def test_a_renewed_lease_outlives_its_ttl(server_url: str, tmp_path: Path, short_lease) -> None:
    from bot.ingest.lease import IngestLease

    mine, theirs = (lease_settings(server_url, tmp_path, n) for n in ("a", "b"))
    client = store.open_client(mine)
    with IngestLease(client, mine, renew_every=short_lease / 5) as lease:
        time.sleep(short_lease * 2)  # twice the TTL: only renewal keeps it
        assert not store.acquire_ingest_lease(store.open_client(theirs), theirs, "other:1:x")
        lease.confirm()  # still ours: the ingest may publish
    assert store.acquire_ingest_lease(client, theirs, "other:1:x")  # released on exit
    store.release_ingest_lease(client, theirs, "other:1:x")


def test_an_ingest_that_lost_its_lease_does_not_publish(
    server_url: str, tmp_path: Path, short_lease
) -> None:
    """The lease expired (a long stall, an unreachable server) and another replica took it:
    the stalled ingest must fail before it moves the live pointer, not after."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PROJECT_ROOT / "corpus" / "white-list-removal-2019.md", corpus)
    settings = load_settings({}, data_dir=tmp_path / "a", corpus_dir=corpus,
                             chroma_url=server_url, collection="lost")  # fmt: skip
    client = store.open_client(settings)
    with gated_ingest(settings) as outcome:
        time.sleep(short_lease + 0.2)
        assert store._lease(store._meta_collection(client, settings)) is not None  # renewed
        # another replica takes the lease over; the next renewal finds it is no longer ours
        store._write_lease(store._meta_collection(client, settings), "elsewhere:1:thief")
    assert isinstance(outcome.get("result"), IndexBusyError), outcome
    assert "lost its lease" in str(outcome["result"])
    assert store.current_generation(client, settings) is None  # nothing was published
