"""Structure-following chunks: headings first, then whole sentences up to a size limit.

A citation must point at an exact passage, so every chunk and every sentence keeps its
character offsets in the document body, and no chunk ever ends mid-sentence.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from bot.ingest.documents import SourceDocument

HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
# A block is a paragraph or one list item / table row: sentences never run across blocks.
BLOCK_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]|\d+[.)]|\|)[ \t])")
# Sentence splitters read "Group A." / "Groups A to D." as an initial ("A."), and glue the
# next sentence on; in this domain those letters end sentences all the time.
GROUP_LETTER_END = re.compile(r"\bGroups? [A-D](?:,? (?:and|or|to) [A-D])*\.(?=\s+[A-Z])")
CHUNKER_VERSION = "3"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A passage of one document; `start`/`end` index into `SourceDocument.text`."""

    doc: SourceDocument
    index: int
    section: str
    start: int
    end: int
    sentences: tuple[Span, ...]

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]

    @property
    def id(self) -> str:
        digest = hashlib.sha1(f"{self.doc.id}|{self.start}|{self.text}".encode()).hexdigest()[:12]
        return f"{self.doc.id}#{self.index}-{digest}"

    def embedding_text(self) -> str:
        """Title and section give a short passage the context a reader would have."""
        heading = " > ".join(p for p in (self.doc.title, self.section) if p)
        return f"{heading}\n{self.text}"

    def metadata(self) -> dict[str, str | int]:
        meta: dict[str, str | int] = dict(self.doc.metadata())
        meta.update(
            chunk_id=self.id,
            chunk_index=self.index,
            section=self.section,
            start=self.start,
            end=self.end,
            chunk_text=self.text,
            # Sentence spans relative to the chunk, so answers need no sentence splitting.
            sentences=json.dumps(
                [[s.start - self.start, s.end - self.start] for s in self.sentences]
            ),
        )
        return meta


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


LIST_MARKER = r"(?:[-*+]|\d+[.)])"  # a bullet or a paragraph number ("- ", "2. ", "3) ")


def _list_marker_end(text: str, span: Span) -> int:
    match = re.match(rf"{LIST_MARKER}\s+", text[span.start : span.end])
    return span.start + match.end() if match else span.start


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Sentences of text[start:end], block by block, with absolute offsets."""
    spans: list[Span] = []
    cursor = start
    pieces = [m.start() + start for m in BLOCK_BREAK.finditer(text[start:end])] + [end]
    for piece_end in pieces:
        block = _strip(text, cursor, piece_end)
        cursor = piece_end
        if block is None:
            continue
        body_start = _list_marker_end(text, block)
        for sent in _segmenter().segment(text[body_start : block.end]):
            # pysbd's spans can overlap around stray punctuation ("Japan .... Japan."):
            # a sentence starts where the previous one ended, at the earliest.
            sent_start = max(body_start + sent.start, spans[-1].end if spans else body_start)
            sent_end = body_start + sent.end
            if sent_end > sent_start:
                spans.extend(_split_group_letters(text, sent_start, sent_end))
    return spans


def _split_group_letters(text: str, start: int, end: int) -> list[Span]:
    cuts = [start] + [start + m.end() for m in GROUP_LETTER_END.finditer(text[start:end])] + [end]
    spans = (_strip(text, a, b) for a, b in zip(cuts, cuts[1:], strict=False))
    return [s for s in spans if s is not None]


def _sections(doc: SourceDocument) -> list[tuple[str, int, int]]:
    """(section path, body start, body end) for the text under each heading."""
    text = doc.text
    found: list[tuple[str, int, int]] = []
    stack: list[tuple[int, str]] = []
    path = ""
    cursor = 0
    for match in HEADING.finditer(text):
        found.append((path, cursor, match.start()))
        level, title = len(match.group(1)), match.group(2).strip()
        stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
        # The document title (level 1) is in the metadata already.
        path = " > ".join(t for lvl, t in stack if lvl > 1)
        cursor = match.end()
    found.append((path, cursor, len(text)))
    return [(p, s, e) for p, s, e in found if text[s:e].strip()]


def chunk_document(doc: SourceDocument, max_chars: int) -> list[Chunk]:
    """Split one document into chunks of whole sentences, each within one section."""
    chunks: list[Chunk] = []
    for section, start, end in _sections(doc):
        group: list[Span] = []
        for span in sentence_spans(doc.text, start, end):
            if group and span.end - _chunk_start(doc.text, group[0]) > max_chars:
                chunks.append(_make(doc, len(chunks), section, group))
                group = []
            group.append(span)
        if group:
            chunks.append(_make(doc, len(chunks), section, group))
    return chunks


# The marker of a list item on the line where a chunk begins, indented or not.
LINE_MARKER = re.compile(rf"[ \t]*(?P<marker>{LIST_MARKER}[ \t]+)")


def _chunk_start(text: str, first: Span) -> int:
    """Where a chunk opening on `first` starts. A chunk that begins with a list item keeps the
    item's marker: it says the sentence is one item of a list (a paragraph number, a bullet),
    which the answer's list handling reads and a reader of the passage needs."""
    line_start = text.rfind("\n", 0, first.start) + 1
    found = LINE_MARKER.fullmatch(text, line_start, first.start)
    return found.start("marker") if found else first.start


def _make(doc: SourceDocument, index: int, section: str, group: list[Span]) -> Chunk:
    start = _chunk_start(doc.text, group[0])
    return Chunk(doc, index, section, start, group[-1].end, tuple(group))


def chunk_documents(docs: list[SourceDocument], max_chars: int) -> list[Chunk]:
    return [chunk for doc in docs for chunk in chunk_document(doc, max_chars)]
