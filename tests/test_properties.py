"""Property-based tests: the question path, the chunker and the front-matter parser.

Hand-picked examples only cover what their author thought of; hypothesis generates the rest.
Each property is the contract the rest of the system relies on: only `InputError` escapes the
question path and every answer's citations are honest; chunks are exact, ordered, whole
sentences; a bad document is a `CorpusError` that names its file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answering.tutor import Tutor
from bot.answering.types import Answer
from bot.answering.validate import CONTROL_CHARS, clean_question
from bot.errors import CorpusError, InputError
from bot.ingest.chunking import HEADING, LINE_MARKER, chunk_document
from bot.ingest.documents import (
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    SourceDocument,
    document_from_markdown,
)

MARKER = re.compile(r"\[(\d+)\]")
MAX_CHARS = 2000
WHERE = "corpus/generated-doc.md"


def assert_citations_valid(answer: Answer) -> None:
    """Every [n] maps to a citation, every citation is cited, every quote is in its chunk."""
    markers = {int(n) for n in MARKER.findall(answer.answer)}
    assert markers == {c.n for c in answer.citations}, answer.answer
    for citation in answer.citations:
        assert citation.quote, citation
        assert citation.quote in citation.chunk_text, (citation.quote, citation.chunk_text)
    if answer.refused:
        assert not answer.citations


# -- the question path ------------------------------------------------------------------------
COURSE_WORDS = (
    "When", "did", "South", "Korea", "Japan", "white", "list", "Group", "A", "B", "removal",
    "take", "effect", "resist", "hydrogen", "fluoride", "polyimide", "licence", "export",
    "WTO", "DS590", "Appended", "Table", "1", "row", "2019", "2023", "which", "what", "is",
    "in", "the", "of", "to", "?", "bibimbap", "ship", "50%",
)  # fmt: skip
course_like = st.lists(st.sampled_from(COURSE_WORDS), min_size=1, max_size=20).map(" ".join)
questions = st.one_of(st.text(max_size=300), course_like, st.text(min_size=1900, max_size=2100))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=3000), course_like))
def test_clean_question_returns_clean_text_or_input_error(question: str) -> None:
    try:
        text = clean_question(question, MAX_CHARS)
    except InputError as exc:
        assert str(exc)
        return
    assert text and text == text.strip()
    assert len(text) <= MAX_CHARS
    assert not set(text) & CONTROL_CHARS
    assert unicodedata.is_normalized("NFC", text)
    assert clean_question(text, MAX_CHARS) == text  # idempotent: cleaning twice changes nothing


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(questions)
@example("When did South Korea's removal from the white list take effect?")
@example("Do I need a licence to ship 50% hydrogen fluoride to South Korea?")
def test_ask_raises_only_input_error_and_cites_honestly(tutor: Tutor, question: str) -> None:
    try:
        answer = tutor.ask(question)
    except InputError as exc:
        assert str(exc)
        return
    assert isinstance(answer, Answer)
    assert_citations_valid(answer)


# -- the chunker ------------------------------------------------------------------------------
# Abbreviations, identifiers, scripts and stand-alone punctuation: what sentence splitters
# (pysbd here) find hard, and where its character spans once overlapped.
TOKENS = (
    "Japan", "export", "Group", "A.", "B", "resist", "e.g.", "No.", "3(1)", "Art.", "U.S.",
    "licence", "the", "2019", "“quoted”", "한국", "輸出", "wait...", "why?", "no!", "so;",
    "Mr.", "DS590", "7(19).", "a", "Inc.", "(see", "below)", "Groups A to D.", "...", "?",
    "!", ";", "—",
)  # fmt: skip
sentence = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25),
    st.sampled_from([".", "?", "!", "", '."', " ."]),
)
paragraph = st.lists(sentence, min_size=1, max_size=6).map(" ".join)
heading = st.builds(
    lambda level, title: "#" * level + " " + title,
    st.integers(1, 6),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
)
list_item = st.builds(
    lambda marker, body: marker + body, st.sampled_from(["- ", "* ", "1. ", "2) ", "| "]), paragraph
)
block = st.one_of(paragraph, heading, list_item, st.text(max_size=60))
markdownish = st.builds(
    lambda blocks, seps: "".join(b + seps[i % len(seps)] for i, b in enumerate(blocks)),
    st.lists(block, max_size=12),
    st.lists(st.sampled_from(["\n", "\n\n", " ", "\n  \n", "\r\n"]), min_size=1, max_size=5),
)


def make_document(text: str) -> SourceDocument:
    return SourceDocument(
        id="generated",
        title="Generated",
        text=text,
        doc_type="guidance",
        jurisdiction="JP",
        issuer="hypothesis",
        source_title="Generated",
        source_url="https://example.org/generated",
        published=dt.date(2020, 1, 1),
    )


def check_chunks(text: str, max_chars: int) -> None:
    doc = make_document(text)
    chunks = chunk_document(doc, max_chars)
    covered: set[int] = set()
    previous_end = 0
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert previous_end <= chunk.start < chunk.end <= len(text), "chunks in order, apart"
        previous_end = chunk.end
        assert chunk.text == text[chunk.start : chunk.end] == chunk.text.strip()
        # a chunk opens on its first sentence, or on the list marker of that sentence's line
        opening = text[chunk.start : chunk.sentences[0].start]
        assert not opening or LINE_MARKER.fullmatch(opening), opening
        assert chunk.sentences[-1].end == chunk.end
        cursor = chunk.start
        for span in chunk.sentences:
            assert cursor <= span.start < span.end <= chunk.end, "sentences in order, inside"
            cursor = span.end
            covered.update(range(span.start, span.end))
        assert chunk.end - chunk.start <= max_chars or len(chunk.sentences) == 1
        relative = json.loads(chunk.metadata()["sentences"])
        assert [chunk.text[a:b] for a, b in relative] == [
            text[s.start : s.end] for s in chunk.sentences
        ]
    headings = {i for m in HEADING.finditer(text) for i in range(m.start(), m.end())}
    lost = [ch for i, ch in enumerate(text) if ch.isalpha() and i not in covered | headings]
    assert not lost, f"text outside every chunk: {''.join(lost)[:80]!r}"


@settings(max_examples=200, deadline=None)
@given(markdownish, st.integers(10, 700))
@example("# Title\n\nSouth Korea is in Group A. Japan moved it to Group B.\n", 30)
@example("- one item. Another.\n- two\n\n| a | b |\n", 12)
def test_chunks_are_exact_ordered_whole_sentences(text: str, max_chars: int) -> None:
    check_chunks(text, max_chars)


@pytest.mark.parametrize("text", ["Japan .... Japan.\n", "Japan ? ? ? Japan.\n"])
def test_chunker_spans_with_stray_punctuation(text: str) -> None:
    """pysbd's char spans overlapped here (sentences 0-7 and 6-9); chunks must not."""
    check_chunks(text, 10)


# -- the front-matter parser ------------------------------------------------------------------
VALID = {
    "id": "generated-doc",
    "title": "A generated document",
    "doc_type": "guidance",
    "jurisdiction": "JP",
    "issuer": "hypothesis",
    "source_title": "Generated",
    "source_url": "https://example.org/generated",
    "published": "2020-01-01",
}
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["2019", "2019-02-30", "news", "https://example.org/x", "Bad ID", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
field_names = st.one_of(
    st.sampled_from(REQUIRED_FIELDS + OPTIONAL_FIELDS),
    st.text(max_size=12),
    st.integers(),
    st.none(),
    st.booleans(),
)


def check_front_matter(raw: str) -> None:
    try:
        doc = document_from_markdown(raw, where=WHERE)
    except CorpusError as exc:
        assert WHERE in str(exc), "the message must name the file"
        return
    assert isinstance(doc, SourceDocument)
    assert doc.text.strip() and isinstance(doc.published, dt.date)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(field_names, values, max_size=6),
    st.sets(st.sampled_from(REQUIRED_FIELDS), max_size=3),
    st.text(max_size=80),
)
def test_front_matter_mapping_gives_document_or_corpus_error(
    changes: dict, dropped: set[str], body: str
) -> None:
    meta = {k: v for k, v in VALID.items() if k not in dropped} | changes
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    check_front_matter(f"---\n{front}---\n{body}")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=40))
@example("id: [unclosed", "body")
@example("- just\n- a list", "body")
@example("'just a string'", "body")
def test_front_matter_text_gives_document_or_corpus_error(front: str, body: str) -> None:
    check_front_matter(f"---\n{front}\n---\n{body}")


ONCE_FATAL = {
    "integer key": "1: x\n",
    "null key": "null: 1\n",
    "number of facts": "facts: 5\n",
    "boolean facts": "facts: true\n",
    "deep nesting": "facts: " + "[" * 1200 + "]" * 1200 + "\n",
}


@pytest.mark.parametrize("extra", ONCE_FATAL.values(), ids=ONCE_FATAL.keys())
def test_front_matter_once_fatal_inputs(extra: str) -> None:
    """These raised TypeError / RecursionError instead of a CorpusError naming the file."""
    front = yaml.safe_dump(VALID, sort_keys=False)
    check_front_matter(f"---\n{front}{extra}---\nSome body text.\n")
