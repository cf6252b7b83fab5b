"""A quiz as Markdown for print: questions first, then the answer key with each citation."""

from __future__ import annotations

from bot.study.items import TOPICS
from bot.study.quiz import Quiz


def quiz_markdown(quiz: Quiz) -> str:
    topic = TOPICS.get(quiz.topic, "Mixed topics")
    lines = [f"# Test yourself: {topic}", "", f"Seed {quiz.seed}, {len(quiz.items)} questions.", ""]
    for number, item in enumerate(quiz.items, start=1):
        lines.append(f"{number}. {item.question}")
        if item.kind == "multichoice":
            lines += [f"   - {'abcd'[i]}) {choice}" for i, choice in enumerate(item.choices)]
        elif item.kind == "truefalse":
            lines.append("   - True / False")
        else:
            lines.append("   - Answer: ______________________")
        lines.append("")
    lines += ["## Answers", ""]
    for number, item in enumerate(quiz.items, start=1):
        source = item.source_url or "address not recorded"
        lines += [
            f"{number}. **{item.answer}**",
            f"   > {item.sentence}",
            f"   Source: {item.title} [{item.doc_id}], {source}",
            "",
        ]
    return "\n".join(lines)
