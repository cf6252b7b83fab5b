"""Incremental, locked, interrupt-safe indexing with the real model and a real Chroma store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.errors import IndexBusyError
from bot.ingest.indexer import ingest
from bot.retrieval import store

pytestmark = pytest.mark.slow
SAMPLE = ("white-list-removal-2019", "appended-table-1-three-items", "wto-ds590-request-2019")


@pytest.fixture
def small_settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for doc_id in SAMPLE:
        shutil.copy(PROJECT_ROOT / "corpus" / f"{doc_id}.md", corpus / f"{doc_id}.md")
    return load_settings({}, data_dir=tmp_path / "data", corpus_dir=corpus, collection="small")


def _doc_ids(settings: Settings) -> set[str]:
    client = store.open_client(settings)
    _, collection = store.open_current(client, settings)
    return {m["doc_id"] for m in collection.get(include=["metadatas"])["metadatas"]}


def test_second_run_embeds_nothing_edit_reembeds_delete_removes(small_settings: Settings) -> None:
    first = ingest(small_settings, progress=False)
    assert first.embedded == first.chunks > 0
    assert _doc_ids(small_settings) == set(SAMPLE)

    second = ingest(small_settings, progress=False)
    assert second.up_to_date and second.embedded == 0

    path = small_settings.corpus_dir / "wto-ds590-request-2019.md"
    path.write_text(path.read_text() + "\nAn added closing sentence for the test.\n")
    third = ingest(small_settings, progress=False)
    # Only the edited document's changed chunk(s), not the whole corpus.
    assert 0 < third.embedded <= 3 < third.chunks

    (small_settings.corpus_dir / "appended-table-1-three-items.md").unlink()
    fourth = ingest(small_settings, progress=False)
    assert fourth.deleted > 0 and fourth.embedded == 0
    assert _doc_ids(small_settings) == {"white-list-removal-2019", "wto-ds590-request-2019"}


def test_unchanged_files_skip_reading_but_a_same_size_edit_is_found(
    small_settings: Settings,
) -> None:
    """The quick up-to-date check (names, sizes, times) must never hide an edit: a word swapped
    for one of the same length keeps the size, and the new text must still reach the index."""
    first = ingest(small_settings, progress=False)
    again = ingest(small_settings, progress=False)
    assert again.up_to_date and (again.documents, again.chunks) == (first.documents, first.chunks)

    path = small_settings.corpus_dir / "wto-ds590-request-2019.md"
    text = path.read_text(encoding="utf-8")
    assert "South Korea requested consultations" in text
    edited_text = text.replace("requested consultations", "solicited consultations", 1)
    assert len(edited_text) == len(text)
    path.write_text(edited_text, encoding="utf-8")
    edited = ingest(small_settings, progress=False)
    assert not edited.up_to_date and edited.embedded > 0

    # A stamp that no longer matches the live generation (another replica re-indexed) is
    # ignored: the files are read and fingerprinted again.
    stamp = small_settings.data_dir / "sources-stamp.json"
    stamp.write_text(stamp.read_text().replace('"fingerprint": "', '"fingerprint": "x'))
    checked = ingest(small_settings, progress=False)
    assert checked.up_to_date and checked.embedded == 0


def test_rebuild_reembeds_everything(small_settings: Settings) -> None:
    first = ingest(small_settings, progress=False)
    rebuilt = ingest(small_settings, rebuild=True, progress=False)
    assert rebuilt.embedded == first.chunks


def test_second_ingest_is_refused_while_one_holds_the_lock(small_settings: Settings) -> None:
    small_settings.data_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(small_settings.data_dir / "ingest.lock")), pytest.raises(IndexBusyError):
        ingest(small_settings, progress=False)


def test_failed_ingest_keeps_previous_index(small_settings: Settings) -> None:
    ingest(small_settings, progress=False)
    before = _doc_ids(small_settings)

    class Exploding:
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise RuntimeError("simulated crash while embedding")

        def embed_query(self, text: str) -> list[float]:
            raise RuntimeError("unused")

    path = small_settings.corpus_dir / "white-list-removal-2019.md"
    path.write_text(path.read_text() + "\nA change that will never be indexed.\n")
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(small_settings, progress=False, embeddings=Exploding())  # type: ignore[arg-type]
    assert _doc_ids(small_settings) == before
    recovered = ingest(small_settings, progress=False)
    assert not recovered.up_to_date and recovered.embedded >= 1


def test_added_files_are_indexed_and_bad_ones_reported(
    small_settings: Settings, tmp_path: Path
) -> None:
    good = tmp_path / "meti-note.txt"
    good.write_text("The METI note says the widget tariff code is ZX-42 for training purposes.")
    bad = tmp_path / "corrupt.pdf"
    bad.write_bytes(b"%PDF-1.7 garbage")
    report = ingest(small_settings, paths=[good, bad], progress=False)
    assert any("corrupt.pdf" in s.reason for s in report.skipped_files)
    assert any(d.startswith("user-meti-note") for d in _doc_ids(small_settings))
