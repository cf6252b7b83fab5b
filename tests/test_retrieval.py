"""Hybrid retrieval finds exact identifiers and paraphrases; term mapping handles JA/KO."""

from __future__ import annotations

import pytest

from bot.answering.tutor import Tutor
from bot.retrieval.hybrid import HybridRetriever
from bot.retrieval.query import build_query, romanised_in_english

pytestmark = pytest.mark.slow

IDENTIFIERS = [
    ("Article 48", "fefta-overview"),
    ("7(19)", "appended-table-1-three-items"),
    ("3(1)", "appended-table-1-three-items"),
    ("DS590 panel established", "wto-ds590-panel-2020"),
    ("7664-39-3", "hydrogen-fluoride-chemistry"),
    ("3C002", "resist-3c002"),
]


@pytest.mark.parametrize(("query", "doc_id"), IDENTIFIERS)
def test_identifiers_find_their_passage(tutor: Tutor, query: str, doc_id: str) -> None:
    hits = tutor.index.search(query, None, 5, "hybrid")
    assert doc_id in [h.doc_id for h in hits[:3]], [h.doc_id for h in hits]


@pytest.mark.parametrize(("query", "doc_id"), IDENTIFIERS)
def test_bm25_alone_finds_identifiers(tutor: Tutor, query: str, doc_id: str) -> None:
    hits = tutor.index.search(query, None, 5, "bm25")
    assert doc_id in [h.doc_id for h in hits]


def test_every_retrieved_document_brings_its_opening_chunk(tutor: Tutor) -> None:
    hits = tutor.index.search("What did Group B mean for exporters?", None, 8, "hybrid")
    later = [h for h in hits if int(h.metadata["chunk_index"]) > 0]
    assert later, "the query should retrieve a chunk past a document's opening"
    widened = tutor.index.with_lead_chunks(hits)
    assert widened[: len(hits)] == hits
    openings = {h.doc_id: h for h in widened if int(h.metadata["chunk_index"]) == 0}
    added = widened[len(hits) :]
    assert added, "some retrieved document's opening chunk was not retrieved itself"
    for hit in later:
        assert hit.doc_id in openings
    for opening in added:  # an added opening ranks with its document's best retrieved chunk
        assert opening.rank == min(h.rank for h in hits if h.doc_id == opening.doc_id)
    assert len({h.chunk_id for h in widened}) == len(widened)


def test_langchain_retriever_interface(tutor: Tutor) -> None:
    retriever = HybridRetriever(index=tutor.index, k=4)
    docs = retriever.invoke("When did the removal from the white list take effect?")
    assert 0 < len(docs) <= 4
    assert docs[0].metadata["doc_id"] == "white-list-removal-2019"
    assert all(d.page_content in d.metadata["chunk_text"] for d in docs)


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("ホワイト国とは何ですか?", "appended-table-3-white-list"),
        ("불화수소는 어떤 규제를 받나요?", "hydrogen-fluoride-chemistry"),
        ("該非判定は誰の責任ですか?", "faq-classification"),
    ],
)
def test_japanese_and_korean_terms_find_english_passages(
    tutor: Tutor, question: str, doc_id: str
) -> None:
    query = build_query(question, [], tutor.terms)
    assert query.non_english and query.translated_terms
    hits = tutor.index.search(query.text, None, 6, "hybrid")
    assert doc_id in [h.doc_id for h in hits], [h.doc_id for h in hits]


def test_romanised_japanese_is_read_in_english(tutor: Tutor) -> None:
    """A learner types 該非判定 as "gaihi hantei": no passage uses the romanised form, so it is
    written in English before any stage reads the question (and never inside another word)."""
    assert "classification" in romanised_in_english("what's a Gaihi Hantei", tutor.terms)
    assert romanised_in_english("the gaihit rule", tutor.terms) == "the gaihit rule"
    answer = tutor.ask("what's a gaihi hantei")
    assert not answer.refused, answer.answer
    assert {c.doc_id for c in answer.citations} == {"faq-classification"}


@pytest.mark.parametrize(
    ("earlier", "question", "carried"),
    [
        ("name the four export control regimes", "which one covers hf", "regimes"),
        (
            "give me the three dates for the white list removal",
            "how many days between the last two",
            "removal",
        ),
        ("who was the korean trade minister in 2019", "what did he announce", "minister"),
    ],
)
def test_words_needing_an_antecedent_mark_a_follow_up(
    earlier: str, question: str, carried: str
) -> None:
    """Words such as "which one", "the last two" and "he" point back at the earlier turn,
    however many words of their own the question has."""
    assert carried in build_query(question, [earlier]).carried_terms
    assert build_query(question, []).carried_terms == ()


def test_follow_up_carries_the_topic() -> None:
    query = build_query(
        "When was that reversed?", ["When was South Korea removed from the white list?"]
    )
    assert "white" in query.text and "restoration" in query.text
    standalone = build_query("When did the removal from the white list take effect?", ["x y z"])
    assert standalone.carried_terms == ()
