"""The records the tutor's stages pass along, and the last stage: the Answer they make.

validate -> route -> understand (`Asked`) -> retrieve (`Found`) -> compose and judge scope
(`Judged`) -> `to_answer`. Each record is plain data, so each stage can be tested alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bot.answering.extractive import Composition
from bot.answering.question import QuestionType
from bot.answering.scope_model import ScopeFeatures
from bot.answering.types import Answer
from bot.retrieval.hybrid import Hit
from bot.retrieval.query import SearchQuery

REFUSAL = (
    "I can't answer that from the course material, so I won't guess. This tutor covers Japan's "
    "export controls and the 2019–2023 Japan–South Korea case: the three items (fluorinated "
    "polyimide, resist, hydrogen fluoride), the white list / Group A, Korea's counter-measures, "
    "the WTO case DS590, the 2023 reversal, and the Japanese law behind them."
)
FUTURE_REFUSAL = (
    "I can't tell what will happen in the future: the course material records decisions "
    "that have been made, with their dates. Ask what the rules are on a given date instead."
)
ADVICE_REFUSAL = (
    "I can't advise on your own case: this tutor explains the rules with their sources, and it "
    "is not legal advice. For your shipment or situation, ask METI's Security Export Licensing "
    "Division or CISTEC (the Center for Information on Security Trade Control)."
)
WELCOME = (
    "Hello! I answer questions on Japan's export controls and the 2019–2023 Japan–South Korea "
    "case from the course material, with a source for every sentence: the three items "
    "(fluorinated polyimide, resist, hydrogen fluoride), the white list / Group A, Korea's "
    "counter-measures, the WTO case DS590 and the 2023 reversal. I can also check whether a "
    "product needs a licence for a destination on a date."
)
# A greeting or a question about the tutor itself: nothing to search for.
GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))(?: there)?|help|"
    r"what can you do|what do you (?:do|cover|know)|who are you|how do (?:i|you) use (?:this|you)|"
    r"what can i ask(?: you)?)[\s!?.]*$",
    re.IGNORECASE,
)
ENGLISH_NOTE = "I answer in English: the course material is written in English."
LEGAL_NOTE = (
    "This is educational, not legal advice: before exporting, ask METI's Security Export "
    "Licensing Division or CISTEC."
)
LICENCE_WORDS = re.compile(r"\b(licen[cs]e|permit|permission|export(ing)? to)\b", re.I)


@dataclass(frozen=True)
class Asked:
    """The question understood: its words, date, type and search query (no search yet)."""

    text: str  # as typed, cleaned
    as_of: dt.date
    corrected: str  # typos corrected against the course's words
    query: SearchQuery
    qtype: QuestionType
    # Another covered country's own exports ("do korean firms need a licence to ..."): only
    # documents about that country's rules (or without a jurisdiction) may answer.
    jurisdiction: str = ""
    earlier: tuple[str, ...] = ()  # the earlier turns a follow-up carries (corrected)


@dataclass(frozen=True)
class Found:
    """What retrieval returned: the ranked hits and the passages composing may quote."""

    vector: np.ndarray
    hits: list[Hit]
    candidates: list[Hit]


@dataclass(frozen=True)
class Judged:
    """The composed answer and the evidence signals behind the answer-or-refuse decision."""

    composition: Composition
    features: ScopeFeatures
    refuse_probability: float


def to_answer(asked: Asked, found: Found, judged: Judged, timings: dict[str, float]) -> Answer:
    """The Answer object: the composed text, or the refusal that fits the evidence."""
    composition, features = judged.composition, judged.features
    notes = [ENGLISH_NOTE] if asked.query.non_english else []
    if composition.refused and features.future_cue:
        # The course records what happened; it cannot know what will happen next.
        answer_text, mode_name = FUTURE_REFUSAL, "refusal"
    elif composition.refused and features.advice_cue:
        # Advice on one's own case is not the course's to give; say who gives it.
        answer_text, mode_name = ADVICE_REFUSAL, "refusal"
    elif composition.refused:
        answer_text, mode_name = REFUSAL, "refusal"
    else:
        answer_text, mode_name = composition.text, "extractive"
        if LICENCE_WORDS.search(asked.text):
            notes.append(LEGAL_NOTE)
    return Answer(
        question=asked.text,
        as_of=asked.as_of,
        answer=answer_text,
        refused=composition.refused,
        citations=composition.citations,
        retrieved=[_retrieved_row(h) for h in found.hits],
        timings_ms=timings,
        search_query=asked.query.text,
        mode=mode_name,
        notes=notes,
        lines=[] if composition.refused else composition.lines,
        evidence={
            **{k: round(v, 4) for k, v in asdict(features).items()},
            "refuse_probability": round(judged.refuse_probability, 4),
        },
    )


def _retrieved_row(hit: Hit) -> dict[str, Any]:
    return {
        "rank": hit.rank,
        "doc_id": hit.doc_id,
        "chunk_id": hit.chunk_id,
        "score": round(hit.score, 5),
        "dense": None if hit.dense is None else round(hit.dense, 4),
        "bm25": None if hit.lexical is None else round(hit.lexical, 4),
    }


def welcome(text: str, as_of: dt.date) -> Answer | None:
    """What the tutor does, for a greeting or "what can you do?"; None for anything else.
    Searching "hi" would only refuse with "I can't answer that"."""
    if not GREETING.match(text):
        return None
    return Answer(question=text, as_of=as_of, answer=WELCOME, refused=True, mode="refusal")
