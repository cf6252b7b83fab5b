"""The news article the project started from: ingested as a user file, then answered from.

It lives in ../shared/seeds/ beside checkouts and in CI, not for users, so the test skips
(with its reason) where that folder is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answering.tutor import AskOptions, Tutor
from bot.config import PROJECT_ROOT, load_settings
from bot.ingest.indexer import ingest

pytestmark = pytest.mark.slow
OTHER_DOCS = ("white-list-removal-2019", "three-items-individual-licences-2019", "gsomia-link")


def test_seed_article_is_ingested_and_answers(shared_dir: Path, tmp_path: Path) -> None:
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    assert seeds, "no seed article found"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for doc_id in OTHER_DOCS:  # our own summary of the article is left out on purpose
        shutil.copy(PROJECT_ROOT / "corpus" / f"{doc_id}.md", corpus)
    settings = load_settings({}, data_dir=tmp_path / "data", corpus_dir=corpus, collection="seed")

    report = ingest(settings, paths=seeds, progress=False)
    assert not report.skipped_files
    assert report.documents == len(OTHER_DOCS) + len(seeds)

    tutor = Tutor(settings)
    answer = tutor.ask(
        "How long did the working-level meeting on Japan's export restrictions last?",
        AskOptions(as_of="2019-07-31"),
    )
    assert not answer.refused, answer.answer
    seed_citations = [c for c in answer.citations if c.doc_id.startswith("user-")]
    assert seed_citations, answer.answer
    assert "5 1/2 hours" in answer.answer
    for citation in seed_citations:
        assert citation.quote in citation.chunk_text
        assert citation.source_url.startswith("file://")
