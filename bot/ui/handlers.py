"""What the app's buttons do, as plain functions of a services object and plain values.

Nothing here builds components or HTML beyond calling `render`, so tests call these directly
with a real `Tutor` (or a fake) and check what comes back, without a browser or a server.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.answering.tutor import AskOptions
from bot.answering.types import Answer
from bot.config import Settings
from bot.dates import parse_as_of
from bot.errors import InputError, TutorError
from bot.ingest.loaders import load_file
from bot.ui import render
from bot.ui.feedback import append_feedback, feedback_record
from bot.ui.state import Turn, add_turn, find_turn, history_of

log = logging.getLogger(__name__)

FRIENDLY_ERROR = "Something went wrong; the error was logged."


class Services(Protocol):
    """What the app needs from the tutor; `bot.answering.tutor.Tutor` provides it."""

    settings: Settings

    def ask(self, question: str, options: AskOptions | None = None) -> Answer: ...

    def source_documents(self) -> dict[str, dict[str, Any]]: ...


@dataclass
class ChatUpdate:
    """The outcome of one question: the new conversation, its HTML, JSON, and the input box."""

    turns: list[Turn]
    html: str
    data: dict[str, Any]
    question_box: str

    def as_tuple(self) -> tuple[list[Turn], str, dict[str, Any], str]:
        return self.turns, self.html, self.data, self.question_box


def today() -> str:
    return dt.date.today().isoformat()


def effective_as_of(as_of_text: str | None, now: dt.date | None = None) -> str:
    """The date to send the Tutor; '' when the field holds today's date (its default).

    Sending '' lets a date written in the question ("in 2020") win over the untouched
    default, while a date the user picked always wins. A bad date raises `InputError`.
    """
    text = (as_of_text or "").strip()
    if not text or text == (now or dt.date.today()).isoformat():
        return ""
    parse_as_of(text)
    return text


def ask(
    services: Services, question: str | None, as_of_text: str | None, turns: list[Turn] | None
) -> ChatUpdate:
    """Answer one question in the context of the conversation so far."""
    turns = list(turns or [])
    question = question if isinstance(question, str) else ""
    history = history_of(turns)
    try:
        as_of = effective_as_of(as_of_text)
        answer = services.ask(question, AskOptions(as_of=as_of or None, history=history))
    except InputError as exc:
        # Keep what was typed, so an over-long question or a bad date can be fixed in place.
        return _not_answered(services, turns, question, as_of_text, str(exc), "notice")
    except TutorError as exc:
        log.warning("question not answered: %s", exc)
        return _not_answered(services, turns, question, as_of_text, str(exc), "error")
    except Exception:
        log.exception("answering %r failed", question[:200])
        return _not_answered(services, turns, question, as_of_text, FRIENDLY_ERROR, "error")
    data = answer.to_dict()
    turn = Turn(answer.question, as_of_text or "", answer=answer, history=history)
    turns = add_turn(turns, turn, services.settings.max_turns)
    return ChatUpdate(turns, render.render_transcript(turns), data, "")


def _not_answered(
    services: Services,
    turns: list[Turn],
    question: str,
    as_of_text: str | None,
    message: str,
    kind: str,
) -> ChatUpdate:
    turn = Turn(question.strip(), as_of_text or "", message=message, kind=kind)
    turns = add_turn(turns, turn, services.settings.max_turns)
    return ChatUpdate(turns, render.render_transcript(turns), {"error": message}, question)


def new_conversation() -> ChatUpdate:
    return ChatUpdate([], render.render_transcript([]), {}, "")


# -- feedback --------------------------------------------------------------------------------
@dataclass
class PendingRating:
    """A thumb the user clicked; it is written when they send it (with or without a reason)."""

    turn: int  # 1-based, as numbered in the transcript
    rating: str


def choose_rating(turns: list[Turn] | None, turn: object, rating: object) -> PendingRating:
    """Check a thumb click from the page (its data comes from the browser, so trust nothing)."""
    turns = turns or []
    try:
        number = int(turn)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise InputError("That answer cannot be rated.") from exc
    turn_rated = find_turn(turns, number)
    if turn_rated is None or turn_rated.answer is None:
        raise InputError("That answer cannot be rated.")
    if rating not in ("up", "down"):
        raise InputError("A rating is thumbs up or thumbs down.")
    return PendingRating(number, str(rating))


def rating_prompt(turns: list[Turn], pending: PendingRating) -> str:
    thumb = "👍" if pending.rating == "up" else "👎"
    turn = find_turn(turns, pending.turn)
    question = render.shorten(turn.question if turn else "", 120)
    return (
        f"{thumb} for answer {pending.turn} (“{question}”). Add a reason if you like, "
        "then press **Send feedback**."
    )


def send_feedback(
    settings: Settings,
    turns: list[Turn] | None,
    pending: PendingRating | None,
    reason: str | None,
) -> str:
    """Write the pending rating to the feedback file; return the message to show."""
    turns = turns or []
    if pending is None:
        raise InputError("Click 👍 or 👎 under an answer first.")
    checked = choose_rating(turns, pending.turn, pending.rating)
    turn = find_turn(turns, checked.turn)
    assert turn is not None and turn.answer is not None  # choose_rating checked it
    record = feedback_record(turn.answer, checked.rating, reason, history=list(turn.history))
    append_feedback(settings.feedback_file, record)
    return "Thank you: your feedback was saved."


# -- sources ---------------------------------------------------------------------------------
def document_choices(services: Services) -> list[tuple[str, str]]:
    """(label, doc id) for the Sources dropdown, by title."""
    docs = services.source_documents()
    rows = [
        (f"{meta.get('title') or doc_id} ({meta.get('published') or 'undated'})", doc_id)
        for doc_id, meta in docs.items()
    ]
    return sorted(rows, key=lambda row: row[0].lower())


def document_text(settings: Settings, meta: dict[str, Any]) -> str:
    """The document body as ingested (front matter stripped), read again from its file."""
    path = Path(str(meta.get("path") or ""))
    if not path.is_file():
        return ""
    try:
        return load_file(path, max_bytes=settings.max_file_bytes).text
    except TutorError as exc:
        log.warning("cannot show %s: %s", path, exc)
        return ""


def show_document(services: Services, doc_id: str | None) -> tuple[str, str]:
    """(metadata HTML, body HTML) of one document; unknown ids get a plain message."""
    if not doc_id:
        return render.render_no_document(), ""
    meta = services.source_documents().get(str(doc_id))
    if meta is None:
        return render.render_no_document(f"There is no document '{doc_id}'."), ""
    text = document_text(services.settings, meta)
    body = (
        render.render_document_body(text)
        if text
        else render.render_no_document("The text of this document is not available.")
    )
    return render.render_document_meta(str(doc_id), meta), body


def requested_document(services: Services, doc_id: object) -> str | None:
    """A doc id from the page (a link or `?doc=`) if it names a known document."""
    if not isinstance(doc_id, str) or not doc_id:
        return None
    return doc_id if doc_id in services.source_documents() else None
