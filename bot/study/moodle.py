"""A quiz as Moodle XML, the format Moodle's question-bank importer reads.

Each question carries general feedback with the cited course sentence, the document's title and
its official-source URL, so a trainer's Moodle course shows the same evidence as the chat.
Built with ElementTree, so every text is escaped by the library.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

from bot.study.items import TOPICS, Item
from bot.study.quiz import Quiz
from bot.study.spans import date_of, long_date


def citation_html(item: Item) -> str:
    """The feedback every question carries: the sentence, its document and its source URL."""
    url = escape(item.source_url)
    link = f'<a href="{url}">{url}</a>' if item.source_url else "address not recorded"
    return (
        f"<p>Answer: <b>{escape(item.answer)}</b></p>"
        f"<blockquote>{escape(item.sentence)}</blockquote>"
        f"<p>Source: {escape(item.title)} [{escape(item.doc_id)}], {link}</p>"
    )


def _text(parent: ET.Element, tag: str, value: str, html: bool = False) -> ET.Element:
    node = ET.SubElement(parent, tag, {"format": "html"} if html else {})
    ET.SubElement(node, "text").text = value
    return node


def _answer(parent: ET.Element, text: str, fraction: int, feedback: str) -> None:
    node = ET.SubElement(
        parent, "answer", {"fraction": str(fraction), "format": "moodle_auto_format"}
    )
    ET.SubElement(node, "text").text = text
    _text(node, "feedback", feedback, html=True)


def accepted_forms(item: Item) -> list[str]:
    """Short answers Moodle should accept: a date in its usual spellings, a number as typed."""
    if item.answer_type == "date":
        day = date_of(item.answer)
        return [
            long_date(day),
            f"{day.strftime('%B')} {day.day}, {day.year}",
            f"{day.strftime('%B')} {day.day} {day.year}",
            day.isoformat(),
        ]
    if item.answer_type == "number":
        plain = item.answer.replace(",", "")
        number = plain.split()[0].rstrip("%")
        return sorted({item.answer, plain, number, f"{number}%" if "%" in plain else number})
    return [item.answer]


def question_element(item: Item, number: int) -> ET.Element:
    q = ET.Element("question", {"type": item.kind})
    name = ET.SubElement(q, "name")
    ET.SubElement(name, "text").text = f"Q{number:02d} ({item.answer_type}) {item.id}"
    _text(q, "questiontext", f"<p>{escape(item.question)}</p>", html=True)
    feedback = citation_html(item)
    _text(q, "generalfeedback", feedback, html=True)
    ET.SubElement(q, "defaultgrade").text = "1"
    ET.SubElement(q, "penalty").text = "0"
    ET.SubElement(q, "hidden").text = "0"
    if item.kind == "multichoice":
        ET.SubElement(q, "single").text = "true"
        ET.SubElement(q, "shuffleanswers").text = "true"
        ET.SubElement(q, "answernumbering").text = "abc"
        for choice in item.choices:
            right = choice == item.answer
            _answer(q, choice, 100 if right else 0, "Right." if right else "Not this one.")
    elif item.kind == "truefalse":
        for value in ("true", "false"):
            right = value == item.answer
            _answer(q, value, 100 if right else 0, "Right." if right else "Wrong.")
    else:
        ET.SubElement(q, "usecase").text = "0"
        for form in accepted_forms(item):
            _answer(q, form, 100, "Right.")
    return q


def quiz_xml(quiz: Quiz) -> str:
    """The whole quiz as a Moodle XML document, in one category named after the topic."""
    root = ET.Element("quiz")
    category = ET.SubElement(root, "question", {"type": "category"})
    topic = TOPICS.get(quiz.topic, "Mixed")
    _text(category, "category", f"$course$/Export-control tutor/{topic} (seed {quiz.seed})")
    for number, item in enumerate(quiz.items, start=1):
        root.append(question_element(item, number))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
