"""The ONNX export: checked against sentence-transformers, deterministic, redone when stale."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.ingest.chunking import chunk_documents
from bot.ingest.documents import load_corpus
from bot.ingest.model_export import (
    MANIFEST_FILE,
    MIN_CHECK_COSINE,
    MODEL_FILE,
    check_against_sentence_transformers,
    ensure_export,
    export_folder,
    sha256_file,
)
from bot.retrieval.embeddings import onnx_embeddings, shared_embeddings

pytestmark = pytest.mark.slow


def corpus_texts(settings: Settings) -> list[str]:
    chunks = chunk_documents(load_corpus(settings.corpus_dir), settings.chunk_max_chars)
    return [c.embedding_text() for c in chunks]


def test_export_matches_sentence_transformers_on_corpus_chunks(index_settings: Settings) -> None:
    texts = corpus_texts(index_settings)[::3]  # a fixed sample: every third chunk
    check = check_against_sentence_transformers(
        onnx_embeddings(index_settings), shared_embeddings(index_settings.embedding_model), texts
    )
    assert check["sample"] == len(texts) > 50
    assert check["min_cosine"] >= MIN_CHECK_COSINE, check
    assert check["same_top"], check


def test_manifest_records_source_settings_and_checksum(index_settings: Settings) -> None:
    exported = ensure_export(index_settings)
    manifest = json.loads((exported.folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["source_model"] == index_settings.embedding_model
    assert len(manifest["source_sha256"]["model.safetensors"]) == 64
    assert manifest["export"]["opset"] and manifest["export"]["pooling"]
    assert manifest["sha256"] == sha256_file(exported.model_file)
    assert manifest["check"]["min_cosine"] >= MIN_CHECK_COSINE and manifest["check"]["same_top"]


def _copy_export(index_settings: Settings, tmp_path: Path) -> tuple[Settings, Path, str]:
    original = ensure_export(index_settings)
    settings = replace(index_settings, onnx_dir=str(tmp_path / "onnx"))
    folder = export_folder(settings)
    shutil.copytree(original.folder, folder)
    for name in (MODEL_FILE, "tokenizer.json"):  # copytree keeps mtimes: still current
        assert (folder / name).stat().st_mtime_ns == (original.folder / name).stat().st_mtime_ns
    return settings, folder, original.manifest["sha256"]


def test_a_changed_export_is_redone_with_the_same_bytes(
    index_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings, folder, sha = _copy_export(index_settings, tmp_path)
    with (folder / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")  # a damaged file
    with caplog.at_level(logging.WARNING, logger="bot.ingest.model_export"):
        redone = ensure_export(settings)
    assert "exporting" in caplog.text and "changed since the export" in caplog.text
    # Deterministic: the new export is byte for byte the one made at the start of the run.
    assert sha256_file(redone.model_file) == redone.manifest["sha256"] == sha


def test_stale_settings_or_a_missing_file_trigger_a_new_export(
    index_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings, folder, sha = _copy_export(index_settings, tmp_path)
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["export"]["opset"] = 11
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.ingest.model_export"):
        assert ensure_export(settings).manifest["sha256"] == sha
    assert "export settings changed" in caplog.text
    (folder / MODEL_FILE).unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.ingest.model_export"):
        assert ensure_export(settings).manifest["sha256"] == sha
    assert "model.onnx is missing" in caplog.text


def test_encode_keeps_input_order_across_length_sorted_batches(index_settings: Settings) -> None:
    encoder = onnx_embeddings(index_settings)
    texts = corpus_texts(index_settings)[:40] + ["short", "When was that reversed?"]
    together = encoder.encode(texts)
    one_by_one = np.stack([encoder.encode([t])[0] for t in texts])
    assert together.dtype == np.float32 and together.shape == (len(texts), encoder.dimension)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert float((together * one_by_one).sum(axis=1).min()) >= MIN_CHECK_COSINE
    assert encoder.encode([]).shape == (0, encoder.dimension)
