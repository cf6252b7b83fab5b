"""Another country's own rules are outside the course: refused, not answered with Japan's.

The real Tutor (real index, rules and corpus): a country named as a destination stays in
scope, a country whose own export-control rules are asked about is refused by name.
"""

from __future__ import annotations

import pytest

from bot.answering.scope import foreign_jurisdiction, jurisdictions
from bot.checking.rules import load_rules

OTHER_COUNTRIES_RULES = [
    ("What are the export-control rules for semiconductors in Taiwan?", "Taiwan's"),
    ("What are Taiwan's export controls?", "Taiwan's"),
    ("What are the US export control rules?", "the United States'"),
    ("Explain China's export control law on gallium.", "China's"),
    ("How does licensing work under the export regime of Germany?", "Germany's"),
    ("Does France also require a licence for resist going to Korea?", "France's"),
    # Casual lower case: "uk", "the us", "eu" (the EU is a union, not a country).
    ("does the uk need an export licence for resist going to korea", "the United Kingdom's"),
    ("what are the us rules on hydrogen fluoride", "the United States'"),
    ("explain the eu dual use regulation licence types", "the European Union's"),
    ("what licence do i need under the us ear to send hf to korea", "the United States'"),
    ("german bafa rules for fluorinated polyimide, what applies", "Germany's"),  # an adjective
    ("which UK export licence would I need for EUV resist to Korea?", "the United Kingdom's"),
    ("does taiwan restrict hf exports to korea too?", "Taiwan's"),
    # the country's firms as the exporters, or the country as the one that handles exports
    ("can american firms sell euv resist to korea without a licence", "the United States'"),
    ("does the us entity list affect japanese exports of resist", "the United States'"),
    ("what licence do chinese companies need to ship hf to korea", "China's"),
    ("how does singapore handle strategic goods", "Singapore's"),
    ("what does the us do about exports of hf to china", "the United States'"),
    ("does the eu have export controls on hf", "the European Union's"),
    ("what licence do i need from the us commerce department to ship hf to china",
     "the United States'"),  # a licence from that country's office
]
IN_SCOPE = [
    "why did the eu want in on the wto case",  # the EU as a DS590 third party, not its rules
    "what did the eu have to do with ds590",  # "have to do with": a part it took, not its rules
    "tell us about the rules for resist",  # "us" the pronoun
    "Do I need a licence to export resist to Taiwan?",
    # a preposition ends the country's name: the licence is not Germany's
    "our pump isn't on any list, can we ship it to germany without a licence",
    "hf 55% to germany licence needed?",  # a destination before a bare licence word
    "can we send resist to Taiwan for a trade fair?",
    "Does Japan control exports of resist to the United States?",
    "what does japan do about hf exports to china",  # Japan's rules, China the destination
    "What is Korea's Foreign Trade Act?",
    "What are the rules in Korea on strategic items?",
    "Which countries are in Group A?",
    "When was South Korea removed from the white list?",
    "Were Japan's controls criticised by the United States?",
    "How do Japan's export controls apply to resist used in Taiwan?",
    "Did the United States criticise the Japanese regime?",
    "Does Japan require a licence for resist going to France?",
    # a foreign firm as the buyer, not the exporter
    "we sell resist to a korean company, do we need a licence",
    "our korean subsidiary wants photoresist from us in may 2023, same licence situation?",
    "can we ship hf to a german manufacturer",
]


@pytest.mark.parametrize(("question", "owner"), OTHER_COUNTRIES_RULES)
def test_another_countrys_rules_are_refused_by_name(tutor, question: str, owner: str) -> None:
    answer = tutor.ask(question)
    assert answer.refused and answer.mode == "refusal" and not answer.citations
    assert f"not {owner} own rules" in answer.answer


@pytest.mark.parametrize("question", IN_SCOPE)
def test_destinations_and_covered_countries_stay_in_scope(tutor, question: str) -> None:
    covered = jurisdictions(tutor.source_documents().values())
    assert foreign_jurisdiction(question, load_rules(tutor.settings.rules_dir), covered) is None
    assert "own rules" not in tutor.ask(question).answer


def test_a_covered_countrys_own_exports_are_answered_from_its_documents(tutor) -> None:
    """Korea's exports to Japan fall under Korea's rules: answered from the documents about
    them, never with Japan's licence rules for exports to Korea."""
    answer = tutor.ask("does korea need a licence to export hf to japan")
    assert answer.mode != "checker"
    documents = tutor.source_documents()
    cited = {documents[c.doc_id].get("jurisdiction") for c in answer.citations}
    assert answer.refused or cited == {"KR"}


def test_covered_jurisdictions_come_from_the_documents(tutor) -> None:
    covered = jurisdictions(tutor.source_documents().values())
    assert {"JP", "KR"} <= covered and "TW" not in covered


def test_a_licence_question_about_a_product_no_passage_names_is_refused(tutor) -> None:
    assert tutor.index.names("hydrogen fluoride") and not tutor.index.names("neon gas")
    answer = tutor.ask("can u check whether our neon gas shipment to korea needs a licence")
    assert answer.refused and "not neon gas" in answer.answer
    assert "METI's Security Export Licensing Division or CISTEC" in answer.answer


def test_the_refused_product_is_named_without_the_date_around_it(tutor) -> None:
    answer = tutor.ask("we sell machine parts to a korean firm in sept 2019, do we need a licence")
    assert answer.refused and "not machine parts, so" in answer.answer  # not "machine parts sept"


def test_a_product_a_passage_names_is_left_to_retrieval(tutor) -> None:
    import datetime as dt

    from bot.answering.checker_route import answer_with_checker

    question, today, rules = "can we ship neon gas to korea", dt.date.today(), tutor.rules()
    unnamed = answer_with_checker(question, today, rules, tutor.citation_for_doc)
    assert unnamed is not None and unnamed.refused and "not neon gas" in unnamed.answer
    # As if a document the user added described neon gas: retrieval answers instead.
    named = answer_with_checker(question, today, rules, tutor.citation_for_doc,
                                indexed=lambda phrase: phrase == "neon gas")  # fmt: skip
    assert named is None


def test_a_listing_question_on_a_product_no_passage_names_is_refused(tutor) -> None:
    answer = tutor.ask("is neon gas to korea controlled by japan")
    assert answer.refused and "not neon gas" in answer.answer
    # A listing question on something the course names stays with retrieval.
    assert not tutor.ask("Is South Korea listed in Appended Table 3?").refused


@pytest.mark.parametrize(
    ("question", "product"),
    [
        ("does japan control gallium exports", "gallium"),
        ("are tungsten exports to korea restricted", "tungsten"),
        ("can i ship sulfuric acid to korea without a licence", "sulfuric acid"),
        ("is tungsten hexafluoride on appended table 1", "tungsten hexafluoride"),
        ("is ammonia one of the restricted chemicals", "ammonia"),
        ("what about nitrogen trifluoride, same rules as hf", "nitrogen trifluoride"),
        ("does neon gas have the same rules as hydrogen fluoride", "neon gas"),
    ],
)
def test_whether_japan_controls_an_unknown_product_is_refused(tutor, question, product) -> None:
    """"does japan control X", "are X exports restricted": the listing question in other
    words; the refusal names the product alone ("sulfuric acid", not "… without")."""
    answer = tutor.ask(question)
    assert answer.refused and f"not {product}, so" in answer.answer


def test_whether_japan_controls_a_course_product_is_answered(tutor) -> None:
    answer = tutor.ask("does japan control hydrogen fluoride exports")
    assert not answer.refused and answer.citations
    # A course item compared with another is still the subject ("like hf" is the standard).
    answer = tutor.ask("is resist treated like hf for korea")
    assert not answer.refused and answer.citations


def test_a_row_or_licence_question_on_an_unknown_product_is_refused(tutor) -> None:
    """Any wording that asks where a product sits or which licence it needs, not only "is it
    controlled?", and the refusal names the product, not the listing words around it."""
    for question in ("which row of appended table 1 covers krypton gas",
                     "What licence would we need for tungsten hexafluoride to Korea?"):  # fmt: skip
        answer = tutor.ask(question)
        assert answer.refused and "row" not in answer.answer.split("not ")[1].split(",")[0]
        assert "CISTEC" in answer.answer
    # A misspelt course product and everyday verbs are not unknown products.
    assert not tutor.ask("which row is hydrogen flouride listed in").refused
    assert not tutor.ask("what licence did METI bring back for the three items in 2023").refused


def test_a_product_the_asker_calls_unlisted_gets_the_catch_all_not_a_refusal(tutor) -> None:
    """The course covers goods on no control list through the catch-all (facts L5, L10): an
    exporter who says so is answered for the destination and date, not told the product is
    outside the course."""
    answer = tutor.ask(
        "we send non-listed valves to a korean customer in march 2020, do we need a licence"
    )
    assert not answer.refused and answer.mode == "checker"
    assert answer.check["catch_all"]["status"] == "applies_if"  # Group B until 20 July 2023
    assert "catch-all-controls" in {c.doc_id for c in answer.citations}
    assert "not valves" not in answer.answer


def test_a_countrys_group_comes_from_the_rules_group_lists(tutor) -> None:
    """"Is Taiwan in Group A?" had been answered with South Korea's return to Group A; the
    rules' group lists answer it, with their caveat and the document they cite."""
    answer = tutor.ask("is taiwan in group a")
    assert not answer.refused and answer.mode == "checker"
    assert "Group C" in answer.answer and "South Korea" not in answer.answer
    assert [c.doc_id for c in answer.citations] == ["group-categories-a-to-d"]
    assert "check METI's current lists" in answer.answer  # the lists' own caveat
    # South Korea has documents of its own, which tell its history: retrieval answers.
    assert tutor.ask("is korea in group a").mode == "extractive"
    # A country with a list of its own is not a country placed in Japan's groups.
    assert tutor.ask("Did China remove Japan from its export-control whitelist in 2019?").refused
