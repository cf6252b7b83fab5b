"""Sentence vectors and word stems kept on disk: a new process starts warm, and a bad file
never hurts."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.answering.sentences import FLUSH_SECONDS, SentenceCache
from bot.retrieval import lexical
from bot.retrieval.disk_cache import (
    load_stems,
    load_vectors,
    save_stems,
    save_vectors,
    vectors_file,
)
from bot.retrieval.embedder import HashingEmbedder
from bot.retrieval.lexical import tokenize

SENTENCES = [
    "South Korea's removal from the white list took effect on 28 August 2019.",
    "The WTO Dispute Settlement Body established the DS590 panel on 29 July 2020.",
    "輸出貿易管理令 別表第一",
]


def embedded(embedder, folder: Path, texts: list[str] = SENTENCES) -> np.ndarray:  # noqa: ANN001
    """What one process does: a cache on the folder, the texts' vectors, then a flush."""
    cache = SentenceCache(embedder, folder=folder)
    vectors = cache.vectors(texts)
    cache.flush()
    return vectors


class NamedEmbedder(HashingEmbedder):
    """The hashing embedder under a name, counting the texts it encodes (the real encoders
    name themselves with their model's identity; see `fingerprint` in bot/retrieval/)."""

    def __init__(self, fingerprint: str) -> None:
        super().__init__()
        self.fingerprint = fingerprint
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        return super().encode(texts)


def test_a_second_cache_reads_what_the_first_embedded(tmp_path: Path) -> None:
    expected = embedded(NamedEmbedder("model-a"), tmp_path)
    second = NamedEmbedder("model-a")
    got = embedded(second, tmp_path)
    assert second.encoded == []
    np.testing.assert_array_equal(got, expected)


def test_another_encoders_vectors_are_never_used(tmp_path: Path) -> None:
    embedded(NamedEmbedder("model-a"), tmp_path)
    other = NamedEmbedder("model-b")
    embedded(other, tmp_path)
    assert other.encoded == SENTENCES
    # Each encoder keeps its own file, so switching back finds its vectors again.
    again = NamedEmbedder("model-a")
    embedded(again, tmp_path)
    assert again.encoded == []


def test_a_file_of_another_encoder_under_this_name_is_ignored(tmp_path: Path) -> None:
    path = vectors_file(tmp_path, "model-a")
    assert save_vectors(path, "model-b", {"a sentence": np.ones(4, dtype=np.float32)})
    assert load_vectors(path, "model-a") == {}


def test_an_encoder_without_a_name_is_not_persisted(tmp_path: Path) -> None:
    embedded(HashingEmbedder(), tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content", [b"", b"not a numpy archive at all", b"PK\x03\x04 torn zip", "日本語".encode()]
)
def test_a_damaged_file_is_ignored_and_replaced(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = vectors_file(tmp_path, "model-a")
    path.write_bytes(content)
    embedder = NamedEmbedder("model-a")
    with caplog.at_level(logging.WARNING):
        vectors = embedded(embedder, tmp_path)
    assert vectors.shape == (len(SENTENCES), embedder.dimension)
    assert embedder.encoded == SENTENCES
    assert "unreadable" in caplog.text
    assert set(load_vectors(path, "model-a")) == set(SENTENCES)


def test_an_unwritable_folder_only_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    embedder = NamedEmbedder("model-a")
    cache = SentenceCache(embedder, folder=blocker)
    with caplog.at_level(logging.WARNING):
        first = cache.vectors(SENTENCES[:1])
        cache.flush()
        cache.vectors(SENTENCES[1:])
        cache._flushed = 0.0  # as if the flush interval had passed
        cache.flush()
    assert first.shape == (1, embedder.dimension)
    assert caplog.text.count("could not write") == 1  # then it stops trying
    assert blocker.read_text() == "a file where the folder should be"


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    embedded(NamedEmbedder("model-a"), tmp_path)
    assert [p.suffix for p in tmp_path.iterdir()] == [".npz"]


def test_a_server_writes_new_vectors_at_most_every_flush_interval(tmp_path: Path) -> None:
    """The first flush writes at once (one `bot ask`); later ones wait for the interval, so a
    server meeting new sentences under load does not rewrite the file after every answer."""
    cache = SentenceCache(NamedEmbedder("model-a"), folder=tmp_path)
    cache.vectors(SENTENCES[:1])
    cache.flush()
    path = vectors_file(tmp_path, "model-a")
    assert set(load_vectors(path, "model-a")) == set(SENTENCES[:1])
    cache.vectors(SENTENCES[1:])
    cache.flush()  # within the interval: not yet
    assert set(load_vectors(path, "model-a")) == set(SENTENCES[:1])
    cache._flushed -= FLUSH_SECONDS
    cache.flush()
    assert set(load_vectors(path, "model-a")) == set(SENTENCES)


class Counting:
    """The real encoder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner = inner
        self.fingerprint = inner.fingerprint
        self.encoded: list[str] = []

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        return self.inner.encode(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


@pytest.mark.slow
def test_a_new_tutor_answers_the_same_without_embedding_sentences(index_settings) -> None:  # noqa: ANN001
    """Real model, store and corpus: what one tutor embedded, the next reads from disk."""
    from bot.answering.tutor import Tutor
    from bot.retrieval.embeddings import query_embeddings

    shutil.rmtree(index_settings.sentence_vectors_dir, ignore_errors=True)  # start cold
    question = "When was South Korea removed from the white list?"
    first = Counting(query_embeddings(index_settings))
    expected = Tutor(index_settings, first).ask(question)
    assert len(first.encoded) > 10  # the question and its candidate sentences
    second = Counting(query_embeddings(index_settings))
    got = Tutor(index_settings, second).ask(question)
    assert got.answer == expected.answer
    assert [c.quote for c in got.citations] == [c.quote for c in expected.citations]
    assert len(second.encoded) <= 2  # the question (and its variant), no sentence


def test_stems_round_trip_and_another_stemmer_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "stems.json"
    assert save_stems(path, "stemmer v1", {"licences": "licenc", "withdrew": "withdraw"})
    assert load_stems(path, "stemmer v1") == {"licences": "licenc", "withdrew": "withdraw"}
    assert load_stems(path, "stemmer v2") == {}
    assert load_stems(tmp_path / "absent.json", "stemmer v1") == {}


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[1, 2]", b'{"stemmer": "stemmer v1", "stems": [1]}', b"\xff\xfe\x00"],
)
def test_damaged_stems_are_ignored(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "stems.json"
    path.write_bytes(content)
    assert load_stems(path, "stemmer v1") == {}


def test_stored_stems_are_the_ones_the_tokenizer_computes(tmp_path: Path) -> None:
    """A stem read from disk must equal the one computed: tokens, and so BM25, are the same
    whether a process starts with stored stems or without."""
    words = ["licences", "withdrew", "held", "removed", "restrictions"]
    tokens = tokenize(" ".join(words))
    computed = {w: lexical._lemma_stem(w) for w in words}
    assert tokens == [computed[w] for w in words]
    path = tmp_path / "stems.json"
    assert save_stems(path, lexical.stemmer_id(), lexical.known_stems())
    stored = load_stems(path, lexical.stemmer_id())
    assert {w: stored[w] for w in words} == computed


@pytest.mark.slow
def test_a_flood_of_new_words_stops_rewriting_the_stems_file(tutor, monkeypatch) -> None:  # noqa: ANN001
    """Every question with new words rewrites the stems file; past a bound (a corpus has a few
    thousand words) the file is left as it is, so odd input cannot make each answer write a
    growing file."""
    from bot.retrieval import hybrid

    index = tutor.index
    monkeypatch.setattr(index, "_stems_file", index.settings.stems_file)  # restored after
    tutor.ask("When was South Korea removed from the white list?")
    stored = index.settings.stems_file.read_bytes()
    monkeypatch.setattr(hybrid, "MAX_STORED_STEMS", lexical.stems_known())
    tutor.ask("zorbly quindle frappish whelkin glorptastic")
    assert index.settings.stems_file.read_bytes() == stored
    assert index._stems_file is None
