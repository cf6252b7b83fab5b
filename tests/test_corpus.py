"""Lint the course corpus: schema, ids, dates, sources, size, and no two documents alike."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from urllib.parse import urlsplit

import numpy as np
import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.ingest.chunking import sentence_spans
from bot.ingest.documents import load_corpus

CORPUS = PROJECT_ROOT / "corpus"
MIN_WORDS, MAX_WORDS = 150, 600
DOCS = load_corpus(CORPUS)


def is_front_page(url: str) -> bool:
    """A site's home or section page ("https://mainichi.jp/english/"), not a source."""
    parts = urlsplit(url)
    segments = [p for p in parts.path.split("/") if p]
    return not parts.query and (
        not segments or (len(segments) == 1 and segments[0].isalpha() and len(segments[0]) <= 10)
    )


def body_words(text: str) -> int:
    return len(re.findall(r"\w+", re.sub(r"^#.*$", "", text, flags=re.MULTILINE)))


def test_enough_documents_with_unique_ids_matching_file_names() -> None:
    assert len(DOCS) >= 30
    assert len({d.id for d in DOCS}) == len(DOCS)
    for doc in DOCS:
        assert doc.path.endswith(f"{doc.id}.md"), doc.path


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.id)
def test_document_metadata_and_size(doc) -> None:
    if doc.source_url:
        assert doc.source_url.startswith(("https://", "http://"))
    else:
        assert doc.source_url_note, f"{doc.id}: an empty source_url needs a source_url_note"
    for url in [doc.source_url] + [o.get("url", "") for o in doc.other_sources]:
        assert not url or not is_front_page(url), f"{doc.id}: {url} is a front page, not a source"
    assert doc.issuer and doc.source_title and doc.title
    if doc.valid_from and doc.valid_to:
        assert doc.valid_from <= doc.valid_to
    words = body_words(doc.text)
    assert MIN_WORDS <= words <= MAX_WORDS, f"{doc.id}: {words} words"


def test_every_document_is_its_own_topic() -> None:
    """No two documents share more than a few sentences word for word."""
    sentences = {
        d.id: {d.text[s.start : s.end] for s in sentence_spans(d.text, 0, len(d.text))}
        for d in DOCS
    }
    for a, b in itertools.combinations(sentences, 2):
        shared = sentences[a] & sentences[b]
        shared = {s for s in shared if len(s) > 40}
        assert len(shared) <= 2, (a, b, sorted(shared)[:3])


@pytest.mark.slow
def test_no_two_documents_say_the_same_thing() -> None:
    """Whole-document embeddings stay apart (one topic per document)."""
    from bot.config import load_settings
    from bot.retrieval.embeddings import shared_embeddings

    embeddings = shared_embeddings(load_settings({}).embedding_model)
    vectors = embeddings.encode([d.text for d in DOCS])
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, 0)
    i, j = np.unravel_index(np.argmax(sims), sims.shape)
    assert sims[i, j] < 0.95, (DOCS[i].id, DOCS[j].id, float(sims[i, j]))


# Issue 12: a corpus sentence states a fact. It never quotes a question or talks about answers,
# and never points at another document; retrieval finds related documents, not the text.
QUESTION_OR_ANSWER = re.compile(
    r"[\"'“‘][^\"'”’]{3,}\?[\"'”’]|\bshort answer\b|\b(?:a|the|good|accurate) answer\b"
    r"|\bwhen (?:a|the) question\b"
    r"|\bthis (?:course|tutor) (?:therefore )?(?:answers|uses|does not)",
    re.IGNORECASE,
)
POINTER = re.compile(
    r"\bsee the\b|\bdocuments? (?:on|about)\b|\bthis document\b|\bthe [\w-]+ document\b"
    r"|\bits own document\b|\bseparate (?:news )?document\b"
    r"|(?<!-)\b(?:timeline|related|other|separate) documents?\b|\bexplained in the\b",
    re.IGNORECASE,
)


def body_sentences(doc) -> list[str]:
    spans = sentence_spans(doc.text, 0, len(doc.text))
    texts = (doc.text[s.start : s.end].strip() for s in spans)
    return [t for t in texts if not t.startswith("#")]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.id)
def test_sentences_state_facts_not_questions_or_pointers(doc) -> None:
    for sentence in body_sentences(doc):
        assert not QUESTION_OR_ANSWER.search(sentence), (doc.id, sentence)
        assert not POINTER.search(sentence), (doc.id, sentence)


def test_question_and_pointer_patterns() -> None:
    for bad in ['In that period, the short answer to "Is South Korea on the white list?" was no.',
                "What Group B meant is explained in the document on South Korea in Group B.",
                "Japan returned South Korea to Group A (see the document on the restoration).",
                "The licence-types document explains the choice.",
                "This course therefore answers: the meeting lasted over five hours."]:
        assert QUESTION_OR_ANSWER.search(bad) or POINTER.search(bad), bad
    for good in ["The request was circulated as document WT/DS590/1.",
                 "The documents needed for an individual licence went from 5 types to 3.",
                 "The sources used in this course do not confirm the year."]:
        assert not (QUESTION_OR_ANSWER.search(good) or POINTER.search(good)), good


def test_recalled_facts_are_never_stated_as_certain() -> None:
    """Facts the fact sheet marks 'recalled' appear only with an explicit caveat."""
    recalled = {
        "1C009.b": "fluorinated-polyimide-control",
        "1C350": "hydrogen-fluoride-chemistry",
    }
    caveat = re.compile(r"not confirmed|unconfirmed|could not be confirmed|not verified", re.I)
    for term in recalled:
        for doc in DOCS:
            for sentence_span in sentence_spans(doc.text, 0, len(doc.text)):
                sentence = doc.text[sentence_span.start : sentence_span.end]
                if term in sentence:
                    paragraph = doc.text[
                        max(0, sentence_span.start - 300) : sentence_span.end + 300
                    ]
                    assert caveat.search(paragraph), (doc.id, sentence)


def test_key_dates_carry_over_exactly() -> None:
    """The dates a regulation tutor must never get wrong, as the fact sheet gives them."""
    text = {d.id: d.text for d in DOCS}
    expectations = {
        "white-list-removal-2019": ["2 August 2019", "7 August 2019", "28 August 2019"],
        "white-list-restoration-2023": ["27 June 2023", "30 June 2023", "21 July 2023"],
        "three-items-individual-licences-2019": ["4 July 2019"],
        "settlement-2023-03": ["23 March 2023"],
        "wto-ds590-request-2019": ["11 September 2019"],
        "wto-ds590-panel-2020": ["29 July 2020"],
        "appended-table-1-three-items": ["3(1)", "5(17)", "7(19)"],
    }
    for doc_id, needles in expectations.items():
        for needle in needles:
            assert needle in text[doc_id], (doc_id, needle)
    months = Counter(re.findall(r"\b(\d{1,2}) (August) 2019\b", text["white-list-removal-2019"]))
    assert months, "dates are written as day month year"


TERMS = yaml.safe_load((CORPUS / "terms.yaml").read_text(encoding="utf-8"))
# Numerals written in the term itself, so 別表第三 may translate as "Appended Table 3".
NUMERALS = str.maketrans("一二三四五六七八九１２３４５６７８９", "123456789123456789")
# Words that state a fact about a term (a row, an article, a period, a count) rather than
# translate it.
FACT_WORDS = re.compile(
    r"\b(rows?|articles?|art|annex|items? \d|years?|months?|days?|cases|since|until|"
    r"responsibility|required|needed|ban(?:ned)?s? on)\b",
    re.IGNORECASE,
)


def test_terms_file_maps_glossary_terms() -> None:
    for term in ("ホワイト国", "불화수소", "該非判定", "화이트리스트", "包括許可", "個別許可"):
        assert term in TERMS, term


@pytest.mark.parametrize(("term", "english"), sorted(TERMS.items()))
def test_terms_are_translations_only(term: str, english: str) -> None:
    """Issue 12: the glossary translates; it never adds numbers, rows, codes or facts."""
    numbers_in_term = set(re.findall(r"\d+", term.translate(NUMERALS)))
    for number in re.findall(r"\d+", english):
        assert number in numbers_in_term, f"{term}: {english!r} adds the number {number}"
    assert not FACT_WORDS.search(english), f"{term}: {english!r} states a fact"
    assert len(english.split()) <= 8, f"{term}: {english!r} is more than a translation"


def test_romanised_terms_are_lower_case() -> None:
    """`romanised_in_english` finds a romanised key in the lower-cased question."""
    assert all(term == term.lower() for term in TERMS if term.isascii())


def test_the_terms_check_catches_facts() -> None:
    for term, english in [("フッ化水素", "hydrogen fluoride row 3(1)"), ("書類保存", "7 years"),
                          ("該非判定", "classification exporter responsibility"),
                          ("不正輸出", "illegal exports 156 cases")]:
        with pytest.raises(AssertionError):
            test_terms_are_translations_only(term, english)
    test_terms_are_translations_only("別表第三", "Appended Table 3")
