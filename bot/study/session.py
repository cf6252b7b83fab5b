"""One student's quiz session: the questions, the answers given, scores per topic, retries.

Plain functions over a plain dataclass, so the Gradio tab only wires them and tests call them
directly. Feedback quotes the cited sentence in the same source card the chat shows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from bot.errors import InputError
from bot.study.grading import grade
from bot.study.items import MIXED, TOPICS, Item
from bot.study.quiz import build_quiz, check_topic, load_items, tutor_check

MIN_QUESTIONS, MAX_QUESTIONS = 5, 10


@dataclass
class QuizSession:
    topic: str
    items: list[Item]
    dropped: int = 0
    position: int = 0
    answered: dict[str, bool] = field(default_factory=dict)  # item id -> right
    scores: dict[str, list[int]] = field(default_factory=dict)  # topic -> [right, asked]

    @property
    def current(self) -> Item | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def wrong(self) -> list[Item]:
        return [i for i in self.items if self.answered.get(i.id) is False]


@functools.lru_cache(maxsize=8)
def _items(corpus_dir: str, seed: int) -> tuple[Item, ...]:
    return tuple(load_items(Path(corpus_dir), seed))


@functools.lru_cache(maxsize=4)
def _check(tutor: Any) -> Any:
    """One remembering check per tutor, so a retried quiz does not ask the tutor again."""
    return tutor_check(tutor)


def start(tutor: Any, topic: str, n: int, seed: int, scores: dict | None = None) -> QuizSession:
    """A new checked quiz; scores from earlier quizzes in the session carry over."""
    check_topic(topic or "")
    if not MIN_QUESTIONS <= int(n) <= MAX_QUESTIONS:
        raise InputError(f"Choose {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
    items = list(_items(str(tutor.settings.corpus_dir), int(seed)))
    quiz = build_quiz(items, topic, int(n), int(seed), _check(tutor))
    return QuizSession(topic, quiz.items, len(quiz.dropped), scores=dict(scores or {}))


def retry_wrong(session: QuizSession) -> QuizSession:
    """A session of only the questions answered wrong (the scores keep counting)."""
    wrong = session.wrong()
    if not wrong:
        raise InputError("Nothing to practise: no question was answered wrong.")
    return QuizSession(session.topic, wrong, 0, scores=session.scores)


def question_markdown(session: QuizSession) -> str:
    item = session.current
    if item is None:
        return (
            f"**Done.** {len(session.items) - len(session.wrong())} of {len(session.items)} right."
        )
    return f"**Question {session.position + 1} of {len(session.items)}**\n\n{item.question}"


def choices_for(item: Item | None) -> list[str]:
    if item is None or item.kind == "shortanswer":
        return []
    return ["true", "false"] if item.kind == "truefalse" else list(item.choices)


def submit(tutor: Any, session: QuizSession, response: str | None) -> str:
    """Mark the current question; returns the feedback HTML (message, answer, source card)."""
    item = session.current
    if item is None:
        raise InputError("Start a quiz first.")
    result = grade(item, response)
    if not result.valid:
        raise InputError(result.message)
    if item.id not in session.answered:
        session.answered[item.id] = result.correct
        for topic in item.topics if session.topic == MIXED else (session.topic,):
            right, asked = session.scores.get(topic, [0, 0])
            session.scores[topic] = [right + result.correct, asked + 1]
    return feedback_html(tutor, item, result.correct, result.message)


def feedback_html(tutor: Any, item: Item, correct: bool, message: str) -> str:
    from bot.ui.render import render_citation

    verdict = "right" if correct else "wrong"
    citation = tutor.citation_for_doc(1, item.doc_id, item.sentence)
    card = render_citation(citation, 0) if citation is not None else ""
    return (
        f'<div class="tutor quiz-feedback {verdict}" data-verdict="{verdict}">'
        f"<p><strong>{escape(message)}</strong></p>{card}</div>"
    )


def advance(session: QuizSession) -> None:
    session.position = min(session.position + 1, len(session.items))


def score_markdown(session: QuizSession | None) -> str:
    if session is None or not session.scores:
        return "No answers yet."
    rows = [
        f"| {TOPICS.get(t, t)} | {right} / {asked} |"
        for t, (right, asked) in sorted(session.scores.items())
    ]
    return "| Topic | Score |\n|---|---|\n" + "\n".join(rows)
