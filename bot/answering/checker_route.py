"""Licence questions asked in chat go to the rule-based product checker.

"Do I need a licence to ship 50% hydrogen fluoride to Korea?" is a decision, so the answer is
the checker's verdict and its cited steps, not a similarity search.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from bot.answering.types import Answer, Citation
from bot.errors import TutorError

if TYPE_CHECKING:
    from bot.answering.tutor import Tutor


def answer_with_checker(tutor: Tutor, question: str, as_of: dt.date) -> Answer | None:
    from bot.checking import check_product, parse_check_question
    from bot.checking.render import render_markdown

    request = parse_check_question(question)
    if request is None:
        return None
    if request.date is None:
        request.date = as_of
    started = time.perf_counter()
    try:
        result = check_product(request, settings=tutor.settings)
    except TutorError as exc:
        return Answer(question=question, as_of=as_of, answer=str(exc), refused=True, mode="checker")
    data = result.to_dict()
    citations: list[Citation] = []
    numbers: dict[str, int] = {}
    for step in data["steps"]:
        doc_id = step.get("citation")
        if doc_id and doc_id not in numbers:
            citation = tutor.citation_for_doc(len(citations) + 1, doc_id, step["text"])
            if citation is not None:
                citations.append(citation)
                numbers[doc_id] = citation.n
    text = render_markdown(result, numbers)
    return Answer(
        question=question,
        as_of=dt.date.fromisoformat(data["as_of"]),
        answer=text,
        refused=False,
        citations=citations,
        timings_ms={"check": round((time.perf_counter() - started) * 1000, 2)},
        mode="checker",
        notes=[data["disclaimer"]],
        check=data,
    )
