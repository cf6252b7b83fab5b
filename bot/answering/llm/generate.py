"""Language-model answers: fenced prompt, a call that cannot hang, verification, the Answer.

The extractive answer is always computed first and is what the user gets whenever the model is
unreachable, too slow, or writes nothing that its sources support. Only verified sentences reach
the answer; what was removed and why goes into `notes`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from langchain_core.language_models import BaseChatModel

from bot.answering.extractive import cite_span
from bot.answering.llm.prompts import Passage, build_condense_messages, build_messages
from bot.answering.llm.verify import CheckedSentence, Verdict, Verification, verify_reply
from bot.answering.types import Answer, Citation
from bot.dates import Period, format_date, normalise_dates, period_of
from bot.retrieval.hybrid import Hit

if TYPE_CHECKING:
    from bot.answering.tutor import Tutor

log = logging.getLogger(__name__)
T = TypeVar("T")

GRACE_S = 2.0  # beyond the client's own timeout, so its clearer error wins the race
CONDENSE_TIMEOUT_S = 30.0
MAX_QUERY_CHARS = 400
MAX_DETAILS = 5  # removed sentences quoted in the notes; the rest are counted
REMOVAL_REASONS = (  # (verdict, why for one sentence, why for several)
    (Verdict.UNSUPPORTED, "its source did not support it", "their sources did not support them"),
    (Verdict.UNCITED, "it cited no source", "they cited no source"),
    (Verdict.BAD_MARKER, "it cited a source that does not exist",
     "they cited sources that do not exist"),
)


class ModelTimeout(TimeoutError):
    """The model gave no (complete) reply before the deadline."""


# -- calling the model with a deadline ------------------------------------------------------
def _run_with_deadline(call: Callable[[], T], timeout_s: float) -> T:
    """Run `call` in a worker thread and give up after `timeout_s`.

    HTTP clients have their own timeouts, but a local model, a proxy that accepts and never
    answers, or a retry loop can still outlast them; the user must get an answer regardless.
    The abandoned call ends when its client times out (and the process waits for it at exit).
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-call")
    future = pool.submit(call)
    pool.shutdown(wait=False)  # the pool ends with its one call; never wait here for it
    try:
        return future.result(timeout=timeout_s)
    except FutureTimeout:
        raise ModelTimeout(f"no reply within {timeout_s:g} s") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ModelTimeout):
        return str(exc)
    text = " ".join(str(exc).split()) or "no details"
    return f"{type(exc).__name__}: {text[:160]}"


# -- passages and the answer ----------------------------------------------------------------
def passages_for(hits: list[Hit], as_of: dt.date) -> list[Passage]:
    """Number the hits [1]..[n] for the prompt, leaving out passages that start after `as_of`."""
    passages: list[Passage] = []
    for hit in hits:
        period = period_of(hit.metadata, as_of)
        if period is Period.FUTURE:
            continue
        until = None
        if period is Period.HISTORY:
            until = dt.date.fromisoformat(str(hit.metadata["valid_to"]))
        passages.append(Passage(len(passages) + 1, hit, until))
    return passages


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def removal_notes(verification: Verification) -> list[str]:
    """One summary line per kind of removal, then one line per removed sentence."""
    removed = verification.removed
    notes = [
        f"{_count(n, 'sentence was', 'sentences were')} removed because "
        f"{one if n == 1 else several}."
        for verdict, one, several in REMOVAL_REASONS
        if (n := sum(s.verdict is verdict for s in removed))
    ]
    notes.extend(f'Removed: "{_short(s.claim)}" ({s.reason}).' for s in removed[:MAX_DETAILS])
    if len(removed) > MAX_DETAILS:
        notes.append(f"… and {len(removed) - MAX_DETAILS} more removed sentences.")
    dropped = sum(len(s.dropped_markers) for s in verification.supported)
    if dropped:
        notes.append(
            f"{_count(dropped, 'citation was', 'citations were')} dropped from kept sentences "
            "because the cited source did not support them."
        )
    return notes


def _citation(n: int, passage: Passage, start: int, end: int, score: float) -> Citation:
    return cite_span(n, passage.hit, start, end, score, passage.history_until is not None)


def _with_markers(sentence: CheckedSentence, numbers: list[int]) -> str:
    markers = "".join(f"[{n}]" for n in numbers)
    # Dates in the course's own style ("7 August 2019"), as in the quotes beside them.
    return f"{normalise_dates(sentence.claim)} {markers}".strip()


def _fallback(extractive: Answer, note: str, timings: dict[str, float]) -> Answer:
    return replace(
        extractive,
        notes=[*extractive.notes, note],
        timings_ms={**extractive.timings_ms, **timings},
        citations=list(extractive.citations),
        retrieved=list(extractive.retrieved),
    )


def _rejection(reply: str, verification: Verification) -> str:
    """Why no sentence of the reply is kept, for the fallback's note."""
    no_answer = any(s.verdict is Verdict.NO_ANSWER for s in verification.sentences)
    if not reply.strip():
        return "The language model returned an empty reply"
    if no_answer and not verification.removed:
        return "The language model found no answer in the sources"
    total = len([s for s in verification.sentences if s.verdict is not Verdict.FILLER])
    if total == 1:
        return "The language model's only sentence was not supported by the source it cited"
    return f"None of the language model's {total} sentences was supported by the sources they cited"


def compose_verified(
    tutor: Tutor,
    as_of: dt.date,
    passages: list[Passage],
    reply: str,
    extractive: Answer,
    timings: dict[str, float],
) -> Answer:
    """Verify `reply` and build the answer from what survives (or fall back, saying why)."""
    started = time.perf_counter()
    verification = verify_reply(reply, passages, tutor.cache.vectors, as_of)
    timings = {**timings, "verify": _ms(started)}
    by_number = {p.n: p for p in passages}
    notes = removal_notes(verification)
    supported = verification.supported
    if not supported:
        why = _rejection(reply, verification)
        log.info("llm answer rejected: %s", why)
        answer = _fallback(extractive, f"{why}; showing the extractive answer.", timings)
        answer.notes.extend(notes)
        return answer
    citations: list[Citation] = []
    numbering: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    for sentence in verification.sentences:
        if sentence.verdict is Verdict.NO_ANSWER:
            parts.append(sentence.claim)
            continue
        if sentence.verdict is not Verdict.SUPPORTED:
            continue
        numbers: list[int] = []
        for support in sentence.supports:
            passage = by_number[support.n]
            key = (passage.hit.chunk_id, support.start, support.end)
            if key not in numbering:
                numbering[key] = len(citations) + 1
                citations.append(
                    _citation(
                        numbering[key], passage, support.start, support.end, support.similarity
                    )
                )
            numbers.append(numbering[key])
        parts.append(_with_markers(sentence, list(dict.fromkeys(numbers))))
    text = f"As of {format_date(as_of)}:\n" + " ".join(parts)
    # replace() keeps what the extractive step measured (retrieved, search query, evidence...).
    return replace(
        extractive,
        as_of=as_of,
        answer=text,
        refused=False,
        citations=citations,
        retrieved=list(extractive.retrieved),
        timings_ms={**extractive.timings_ms, **timings},
        mode="llm",
        notes=[*extractive.notes, *notes],
    )


def _skip(extractive: Answer, passages: list[Passage]) -> bool:
    """No model call when the extractive step refused (too little evidence) or was not search."""
    return extractive.refused or extractive.mode not in ("extractive", "llm") or not passages


def _unreachable(extractive: Answer, exc: BaseException, timings: dict[str, float]) -> Answer:
    log.warning("language model failed: %s", _describe(exc))
    note = (
        f"The language model could not be reached ({_describe(exc)}); "
        "showing the extractive answer."
    )
    return _fallback(extractive, note, timings)


def generate_answer(
    tutor: Tutor,
    question: str,
    as_of: dt.date,
    hits: list[Hit],
    extractive: Answer,
    chat_model: BaseChatModel,
) -> Answer:
    """A fluent answer whose every sentence is checked against the passage it cites.

    Args:
        tutor: supplies the sentence embeddings (for verification) and `llm_timeout_s`.
        question: the cleaned question (the one retrieval used).
        as_of: the answer's date.
        hits: the retrieved passages; they are numbered [1]..[n] in the prompt.
        extractive: the answer to fall back on (and whose notes and timings are kept).
        chat_model: from `load_chat_model`, or any LangChain chat model.

    Returns:
        Mode "llm" when at least one sentence is verified; otherwise `extractive` with a note.
    """
    passages = passages_for(hits, as_of)
    if _skip(extractive, passages):
        return extractive
    messages = build_messages(question, as_of, passages)
    timeout = tutor.settings.llm_timeout_s
    started = time.perf_counter()
    try:
        message = _run_with_deadline(lambda: chat_model.invoke(messages), timeout + GRACE_S)
    except Exception as exc:
        return _unreachable(extractive, exc, {"llm": _ms(started)})
    reply = message.text
    return compose_verified(tutor, as_of, passages, reply, extractive, {"llm": _ms(started)})


def condense_question(
    chat_model: BaseChatModel,
    history: list[str],
    question: str,
    timeout_s: float = CONDENSE_TIMEOUT_S,
) -> str:
    """A standalone search query for a follow-up ("and when did it end?"); the question itself
    when there is no history, or the model fails, times out or answers with something odd."""
    if not [turn for turn in history if turn.strip()]:
        return question
    messages = build_condense_messages(history[-6:], question)
    try:
        message = _run_with_deadline(lambda: chat_model.invoke(messages), timeout_s)
    except Exception as exc:
        log.warning("condensing the follow-up failed: %s", _describe(exc))
        return question
    text = message.text.strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return question
    rewritten = lines[0]
    for prefix in ("standalone question:", "question:", "rewritten question:"):
        if rewritten.lower().startswith(prefix):
            rewritten = rewritten[len(prefix) :].strip()
    rewritten = rewritten.strip(" \"'“”")
    if not rewritten or len(rewritten) > max(MAX_QUERY_CHARS, 3 * len(question)):
        return question
    return rewritten


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
