"""What one browser session remembers: the turns of its conversation.

Kept in a `gr.State`, so each session (browser tab or API client) has its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def answered(self) -> bool:
        """Answered and not refused: only such questions give later follow-ups their topic."""
        return self.answer is not None and not self.answer.refused


def history_of(turns: list[Turn]) -> list[str]:
    """Earlier questions that got an answer, oldest first (the Tutor's `history`)."""
    return [t.question for t in turns if t.answered]
