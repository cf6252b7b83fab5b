"""Chunks follow headings, never split a sentence, and carry exact offsets."""

from __future__ import annotations

import json

from bot.ingest.chunking import chunk_document
from bot.ingest.documents import document_from_markdown
from tests.test_documents import GOOD

LONG = GOOD.replace(
    "Some text here. Another sentence.",
    " ".join(f"Sentence number {i} talks about row 7(19) and 28 August 2019." for i in range(40))
    + "\n\n## Second part\n\n- First item of a list\n- Second item, no full stop\n\nLast words.",
)


def test_chunks_respect_size_sections_and_offsets() -> None:
    doc = document_from_markdown(LONG, where="long.md")
    chunks = chunk_document(doc, max_chars=300)
    assert len(chunks) > 3
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 300 or len(chunk.sentences) == 1
        assert chunk.text.rstrip().endswith((".", "stop", "list"))
        spans = json.loads(chunk.metadata()["sentences"])
        for start, end in spans:
            sentence = chunk.text[start:end]
            assert sentence == sentence.strip() and sentence
    sections = {c.section for c in chunks}
    assert sections == {"Part", "Second part"}
    list_chunk = next(c for c in chunks if c.section == "Second part")
    sentences = [list_chunk.text[s:e] for s, e in json.loads(list_chunk.metadata()["sentences"])]
    assert "First item of a list" in sentences and "Second item, no full stop" in sentences


def test_no_sentence_is_cut() -> None:
    doc = document_from_markdown(LONG, where="long.md")
    chunks = chunk_document(doc, max_chars=120)
    joined = [c.text for c in chunks]
    for i in range(40):
        sentence = f"Sentence number {i} talks about row 7(19) and 28 August 2019."
        assert any(sentence in text for text in joined)


def test_chunk_ids_are_stable_and_unique() -> None:
    doc = document_from_markdown(LONG, where="long.md")
    first = [c.id for c in chunk_document(doc, max_chars=300)]
    second = [c.id for c in chunk_document(doc, max_chars=300)]
    assert first == second and len(set(first)) == len(first)


def test_a_chunk_starting_inside_a_list_keeps_the_item_marker() -> None:
    """The bullet or paragraph number says the sentence is one item of a list (the answer
    quotes a list whole) and, in a law excerpt, which paragraph it is."""
    items = "\n".join(f"- Item {i} of the bulleted list names row 7(19)." for i in range(8))
    numbered = "\n".join(f"{i}. Paragraph {i} of the article." for i in range(1, 9))
    text = GOOD.replace("Some text here. Another sentence.", f"{items}\n\n{numbered}")
    doc = document_from_markdown(text, where="lists.md")
    chunks = chunk_document(doc, max_chars=120)
    starts = [c.text for c in chunks if "Item" in c.text or "Paragraph" in c.text]
    assert len(starts) > 2
    for chunk_text in starts:
        assert chunk_text.startswith(("- Item", "1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. ",
                                      "8. ")), chunk_text
