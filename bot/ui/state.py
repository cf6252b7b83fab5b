"""What one browser session remembers: the turns of its conversation.

Kept in a `gr.State`, so each session (browser tab or API client) has its own copy. The app
keeps hundreds of sessions in memory at once, so each keeps only its last exchanges and only
what the page shows of each answer: one session's memory is bounded however long it chats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.answering.types import Answer


@dataclass
class Turn:
    """One exchange of the conversation: what was asked and what came back."""

    question: str
    as_of: str
    answer: Answer | None = None
    message: str = ""  # shown instead of an answer (bad input or an internal error)
    kind: str = "answer"  # answer | notice | error
    history: list[str] = field(default_factory=list)  # earlier questions sent with this one
    number: int = 0  # 1-based in the whole conversation; kept when older turns are dropped

    @property
    def answered(self) -> bool:
        """Answered and not refused: only such questions give later follow-ups their topic."""
        return self.answer is not None and not self.answer.refused


def history_of(turns: list[Turn]) -> list[str]:
    """Earlier questions that got an answer, oldest first (the Tutor's `history`)."""
    return [t.question for t in turns if t.answered]


def add_turn(turns: list[Turn], turn: Turn, keep: int) -> list[Turn]:
    """The conversation with `turn` numbered and appended, and at most `keep` turns kept.

    The stored answer drops its retrieval diagnostics (a dozen ranked chunks with scores):
    the JSON output already carried them, and nothing drawn from the state needs them.
    """
    turn.number = (turns[-1].number if turns else 0) + 1
    if turn.answer is not None:
        turn.answer = replace(turn.answer, retrieved=[])
    return [*turns, turn][-max(1, keep):]


def numbered(turns: Sequence[Turn]) -> list[tuple[int, Turn]]:
    """(number shown in the transcript, turn); turns built without add_turn count by position."""
    return [(turn.number or i, turn) for i, turn in enumerate(turns, start=1)]


def find_turn(turns: list[Turn], number: int) -> Turn | None:
    """The turn shown as `number` in the transcript, if the session still keeps it."""
    return next((turn for shown, turn in numbered(turns) if shown == number), None)
