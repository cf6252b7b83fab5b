"""Validity dates: a state is dated as a whole, everything else sentence by sentence.

A document of kind `state` carries valid_from (and valid_to once it ended), and the answer logic
hides it before valid_from and shows it as history after valid_to. Any other document must not
state a changeable fact in an undated present tense ("South Korea is in Group A", "today"),
because it is shown on every as-of date. docs/corpus-format.md explains the kinds.

The behaviour test at the end asks each dated document's key question through the real tutor
on a day inside its validity and on days outside it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.config import PROJECT_ROOT
from bot.ingest.chunking import sentence_spans
from bot.ingest.documents import KINDS, load_corpus
from tests.provenance_atoms import atoms

DOCS = load_corpus(PROJECT_ROOT / "corpus")
BY_ID = {d.id: d for d in DOCS}

# Words that make a sentence speak of the present state, and present-tense membership of a
# group or list that changed over the years. A sentence with one of them but no date of its
# own is only true while that state lasts, so it belongs in a `state` document.
STATE_WORDS = re.compile(r"\b(today|now|currently|at present|nowadays|these days)\b", re.I)
PRESENT_MEMBERSHIP = re.compile(
    r"\b(?:South Korea|Korea|the Republic of Korea|the ROK|Japan)\s+(?:is|are|remains?)\s+"
    r"(?:not\s+|again\s+|still\s+)?(?:in|on|outside|back in)\s+"
    r"(?:Group [A-D]|(?:Japan's |the |its |South Korea's )?(?:white ?list|Ga(?:-[12])? group|"
    r"Appended Table 3))",
    re.I,
)


def sentences(doc) -> list[str]:
    """The title, each heading, and each sentence of the body."""
    out = [doc.title]
    for line in doc.text.splitlines():
        if line.startswith("#"):
            out.append(line.lstrip("#").strip())
    for span in sentence_spans(doc.text, 0, len(doc.text)):
        text = doc.text[span.start : span.end].strip()
        if not text.startswith("#"):
            out.append(text)
    return out


def undated_state_sentences(doc) -> list[str]:
    found = []
    for sentence in sentences(doc):
        if not (STATE_WORDS.search(sentence) or PRESENT_MEMBERSHIP.search(sentence)):
            continue
        if any(a.kind in ("date", "month", "year") for a in atoms(sentence)):
            continue
        found.append(sentence)
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.id)
def test_every_document_says_what_it_describes(doc) -> None:
    assert doc.kind in KINDS, f"{doc.id}: give kind: {' | '.join(KINDS)}"
    if doc.kind == "state":
        assert doc.valid_from, doc.id
    else:
        assert doc.valid_from is None and doc.valid_to is None, doc.id


@pytest.mark.parametrize("doc", [d for d in DOCS if d.kind != "state"], ids=lambda d: d.id)
def test_no_undated_present_state_outside_state_documents(doc) -> None:
    """A background, event or timeline document is shown on every date: give each
    changeable present-tense fact its date, or move it into a state document."""
    assert undated_state_sentences(doc) == []


def test_the_heuristic_finds_what_it_should() -> None:
    class Doc:
        title = "A note"
        text = (
            "South Korea is in Group A.\nSince 21 July 2023 South Korea is in Group A again.\n"
            "Group A is now the name of the list.\nThe rule has existed since April 2002.\n"
        )

    assert undated_state_sentences(Doc) == [
        "South Korea is in Group A.", "Group A is now the name of the list.",
    ]


@pytest.mark.parametrize("doc", [d for d in DOCS if d.kind == "state"], ids=lambda d: d.id)
def test_state_documents_give_their_period_in_the_text(doc) -> None:
    """The reader sees the dates the answer logic uses: valid_from (and valid_to) are written
    in the title or body, as the corpus writes dates."""
    shown = {a.text for a in atoms(f"{doc.title}\n{doc.text}") if a.kind == "date"}
    assert doc.valid_from.isoformat() in shown, doc.id
    if doc.valid_to:
        assert doc.valid_to.isoformat() in shown, doc.id


# -- behaviour: each dated document on a day inside and days outside its validity -----------

# doc id, its key question, a day inside, a day after valid_to (or None), a day before
# valid_from. Questions are phrased as students ask them; none names the document.
VALIDITY_CASES = [
    ("korea-group-b-2019-2023", "Is South Korea in Group B?",
     "2021-06-01", "2024-06-01", "2019-06-01"),
    ("three-items-individual-licences-2019",
     "Does each export of hydrogen fluoride to South Korea need an individual licence?",
     "2020-06-01", "2024-06-01", "2019-06-01"),
    ("resist-specific-bulk-2019-12",
     "Can resist trade between specific Japanese and Korean companies use a specific bulk licence?",
     "2021-06-01", "2024-06-01", "2019-10-01"),
    ("three-items-today",
     "What licence is needed to export fluorinated polyimide to South Korea now?",
     "2024-06-01", None, "2021-06-01"),
    ("white-list-restoration-2023", "Is South Korea in Group A?",
     "2024-06-01", None, "2022-06-01"),
    ("korea-restores-japan-2023", "Is Japan in South Korea's Ga group?",
     "2024-06-01", None, "2021-06-01"),
]

# (doc id, when) -> reason, for cases that fail because of answer selection (another engineer is
# reworking it), not because of the corpus. They still run and report (strict=False).
SELECTION_XFAIL: dict[tuple[str, str], str] = {}
WHEN = {"inside": 2, "after": 3, "before": 4}


def _cited(answer, doc_id: str) -> list:
    return [c for c in answer.citations if c.doc_id == doc_id]


def cases(when: str) -> list:
    """(doc id, question, day) for one column of the table, with any xfail mark."""
    out = []
    for case in VALIDITY_CASES:
        day = case[WHEN[when]]
        if day is None:
            continue
        reason = SELECTION_XFAIL.get((case[0], when))
        marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
        out.append(pytest.param(case[0], case[1], day, id=f"{case[0]}-{when}", marks=marks))
    return out


def test_validity_table_covers_every_dated_document() -> None:
    dated = {d.id for d in DOCS if d.valid_from or d.valid_to}
    assert {case[0] for case in VALIDITY_CASES} == dated
    for doc_id, _, inside, after, before in VALIDITY_CASES:
        doc = BY_ID[doc_id]
        assert doc.valid_from <= dt.date.fromisoformat(inside) <= (doc.valid_to or dt.date.max)
        assert dt.date.fromisoformat(before) < doc.valid_from
        assert (after is None) == (doc.valid_to is None)
        if after:
            assert dt.date.fromisoformat(after) > doc.valid_to


@pytest.mark.slow
@pytest.mark.parametrize(("doc_id", "question", "day"), cases("inside"))
def test_inside_its_period_the_document_is_cited_as_current(tutor, doc_id, question, day):
    from bot.answering.tutor import AskOptions

    answer = tutor.ask(question, AskOptions(as_of=day))
    current = [c for c in _cited(answer, doc_id) if not c.historical]
    assert current, f"{doc_id} not cited as current on {day}: {answer.answer}"


@pytest.mark.slow
@pytest.mark.parametrize(("doc_id", "question", "day"), cases("after"))
def test_after_its_period_the_document_is_not_presented_as_current(tutor, doc_id, question, day):
    from bot.answering.tutor import AskOptions

    answer = tutor.ask(question, AskOptions(as_of=day))
    assert all(c.historical for c in _cited(answer, doc_id)), answer.answer


@pytest.mark.slow
@pytest.mark.parametrize(("doc_id", "question", "day"), cases("before"))
def test_before_its_period_the_document_is_not_cited(tutor, doc_id, question, day):
    from bot.answering.tutor import AskOptions

    answer = tutor.ask(question, AskOptions(as_of=day))
    assert _cited(answer, doc_id) == [], answer.answer
