"""The query path runs without torch, and ONNX and torch vectors are interchangeable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.evaluation.dataset import load_sets
from bot.retrieval.embeddings import onnx_embeddings, shared_embeddings

pytestmark = pytest.mark.slow

HEAVY = ("torch", "sentence_transformers", "transformers")
# Runs one entry point in a fresh interpreter, then reports which heavy packages it imported.
WRAPPER = """
import json, sys
heavy = {heavy!r}
try:
    {body}
finally:
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
    print("LOADED=" + json.dumps(loaded), file=sys.stderr)
"""
CLI_BODY = """from bot.cli import cli
    cli(sys.argv[1:], standalone_mode=False)"""
APP_BODY = """from bot.config import load_settings, offline_environment
    offline_environment()
    from bot.ui.server import create_app
    create_app(load_settings())
    print("app built")"""


def run_entry_point(
    body: str, args: list[str], settings: Settings, heavy: tuple[str, ...] = HEAVY
) -> tuple[str, list[str]]:
    env = dict(os.environ, BOT_DATA_DIR=str(settings.data_dir))
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER.format(heavy=heavy, body=body), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED="))
    return done.stdout, json.loads(line.removeprefix("LOADED="))


def test_bot_ask_imports_neither_torch_nor_sentence_transformers(
    index_settings: Settings,
) -> None:
    out, loaded = run_entry_point(
        CLI_BODY, ["ask", "When was South Korea removed from the white list?", "--json"],
        index_settings,
    )  # fmt: skip
    answer = json.loads(out)
    assert answer["citations"] and not answer["refused"]
    assert loaded == []


def test_a_second_bot_ask_loads_no_lemmatizer(index_settings: Settings) -> None:
    """The first `bot ask` stores the stems it computed (bot/retrieval/disk_cache.py); the
    next one stems the corpus and its question from them, without loading simplemma's
    dictionary (a third of a second), and answers the same."""
    question = ["ask", "When was South Korea removed from the white list?", "--json"]
    first, _ = run_entry_point(CLI_BODY, question, index_settings, heavy=("simplemma",))
    assert index_settings.stems_file.is_file()
    second, loaded = run_entry_point(CLI_BODY, question, index_settings, heavy=("simplemma",))
    assert loaded == []
    assert json.loads(second)["answer"] == json.loads(first)["answer"]


def test_bot_check_and_eval_import_no_torch(index_settings: Settings, tmp_path: Path) -> None:
    out, loaded = run_entry_point(
        CLI_BODY, ["check", "hydrogen fluoride", "--to", "KR", "--date", "2020-01-15", "--json"],
        index_settings,
    )  # fmt: skip
    assert json.loads(out) and loaded == []
    items = (PROJECT_ROOT / "evals" / "core.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(items) + "\n", encoding="utf-8")
    _, loaded = run_entry_point(
        CLI_BODY, ["eval", str(small), "--out", str(tmp_path / "report")], index_settings
    )
    assert (tmp_path / "report" / "report.json").is_file() and loaded == []


def test_an_up_to_date_ingest_loads_no_model(index_settings: Settings) -> None:
    """`make run` runs `bot ingest --quiet` first: with nothing to index it loads neither
    encoder (nor LangChain's indexing API)."""
    out, loaded = run_entry_point(
        CLI_BODY, ["ingest", "--quiet"], index_settings,
        heavy=(*HEAVY, "onnxruntime", "langsmith"),
    )  # fmt: skip
    assert "Index up to date" in out and loaded == []


def test_the_app_builds_without_torch(index_settings: Settings) -> None:
    out, loaded = run_entry_point(APP_BODY, [], index_settings)
    assert "app built" in out and loaded == []


def test_query_encoder_torch_is_still_available(index_settings: Settings) -> None:
    from bot.retrieval.embeddings import query_embeddings

    torch_settings = replace(index_settings, query_encoder="torch")
    assert query_embeddings(torch_settings) is shared_embeddings(index_settings.embedding_model)


def test_onnx_and_torch_vectors_are_interchangeable_over_the_real_index(tutor) -> None:
    """The index (built with the default encoder) gives the same dense top 5 for every
    answerable eval question whichever encoder embeds the question; and the stored chunk
    vectors match what the other encoder makes of the same chunk texts."""
    settings = tutor.settings
    onnx, torch = onnx_embeddings(settings), shared_embeddings(settings.embedding_model)
    questions = [
        i.question for i in load_sets([PROJECT_ROOT / "evals" / "core.jsonl"]).items
        if i.answerable and not i.history
    ]  # fmt: skip
    onnx_q, torch_q = onnx.encode(questions), torch.encode(questions)
    assert float((onnx_q * torch_q).sum(axis=1).min()) >= 0.9999
    differing = []
    for question, a, b in zip(questions, onnx_q, torch_q, strict=True):
        top_a = [h.chunk_id for h in tutor.index.search(question, a, 5, "dense")]
        top_b = [h.chunk_id for h in tutor.index.search(question, b, 5, "dense")]
        if top_a != top_b:
            differing.append(question)
    assert len(questions) > 100 and differing == []

    stored = tutor.index.snapshot().collection.get(include=["embeddings", "documents"], limit=60)
    vectors = np.asarray(stored["embeddings"], dtype=np.float32)
    for encoder in (onnx, torch):
        again = encoder.encode(list(stored["documents"]))
        assert float((vectors * again).sum(axis=1).min()) >= 0.9999
