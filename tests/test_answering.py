"""Answers through the real pipeline: citations are honest, refusals happen, dates matter."""

from __future__ import annotations

import re

import pytest

from bot.answering.tutor import AskOptions, Tutor
from bot.answering.types import Answer
from bot.errors import InputError

pytestmark = pytest.mark.slow
MARKER = re.compile(r"\[(\d+)\]")


def assert_citations_valid(answer: Answer) -> None:
    """Every marker maps to a listed source; every source is cited; every quote is real."""
    markers = {int(n) for n in MARKER.findall(answer.answer)}
    numbers = {c.n for c in answer.citations}
    assert markers == numbers, (markers, numbers)
    for citation in answer.citations:
        assert citation.quote and citation.quote in citation.chunk_text
        assert citation.source_url.startswith("http")


def ask(tutor: Tutor, question: str, **kwargs) -> Answer:
    answer = tutor.ask(question, AskOptions(**kwargs))
    if not answer.refused:
        assert_citations_valid(answer)
    return answer


def test_white_list_removal_date(tutor: Tutor) -> None:
    answer = ask(tutor, "When did South Korea's removal from the white list take effect?")
    assert not answer.refused
    assert "28 August 2019" in answer.answer
    assert "white-list-removal-2019" in {c.doc_id for c in answer.citations}


def test_group_a_depends_on_the_date(tutor: Tutor) -> None:
    in_2020 = ask(tutor, "Is South Korea in Group A?", as_of="2020-06-01")
    in_2024 = ask(tutor, "Is South Korea in Group A?", as_of="2024-06-01")
    assert in_2020.answer.startswith("As of 1 June 2020")
    assert re.search(r"not in Group A", in_2020.answer)
    assert "white-list-restoration-2023" not in {c.doc_id for c in in_2020.citations}
    current_2024 = in_2024.answer.split("Earlier")[0]
    assert "Group A again" in current_2024 or "back" in current_2024
    assert "white-list-restoration-2023" in {c.doc_id for c in in_2024.citations}
    assert in_2020.answer != in_2024.answer


def test_history_comes_after_current_state_with_its_end_date(tutor: Tutor) -> None:
    answer = ask(tutor, "Is South Korea in Group A?", as_of="2024-06-01")
    historical = [c for c in answer.citations if c.historical]
    if historical:
        assert "Earlier (until 20 July 2023)" in answer.answer
        first_history = answer.answer.index("Earlier")
        assert all(answer.answer.index(f"[{c.n}]") > first_history for c in historical)


def test_three_items(tutor: Tutor) -> None:
    answer = ask(tutor, "Which three items did Japan move to individual licences on 4 July 2019?")
    text = answer.answer.lower()
    for item in ("fluorinated polyimide", "resist", "hydrogen fluoride"):
        assert item in text


def test_wto_case(tutor: Tutor) -> None:
    answer = ask(tutor, "When did South Korea withdraw the WTO case DS590?")
    assert "23 March 2023" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "a recipe for bibimbap",
        "Who won the 2022 football World Cup?",
        "How do I bake sourdough bread?",
    ],
)
def test_off_topic_is_refused(tutor: Tutor, question: str) -> None:
    answer = ask(tutor, question)
    assert answer.refused and not answer.citations
    assert "can't answer" in answer.answer


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 2001, "🙂🙂🙂"])
def test_bad_questions_get_a_clear_message(tutor: Tutor, question: str) -> None:
    with pytest.raises(InputError):
        tutor.ask(question)


def test_bad_date_is_a_clear_error(tutor: Tutor) -> None:
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        tutor.ask("Is South Korea in Group A?", AskOptions(as_of="2020-02-31"))


def test_json_schema(tutor: Tutor) -> None:
    data = tutor.ask("What does FEFTA Article 48 cover?").to_dict()
    for key in ("question", "as_of", "answer", "refused", "citations", "retrieved", "timings_ms"):
        assert key in data
    assert isinstance(data["refused"], bool)
    for citation in data["citations"]:
        assert set(citation) >= {"n", "doc_id", "title", "section", "source_url", "quote", "score"}
    assert all({"doc_id", "chunk_id", "score"} <= set(r) for r in data["retrieved"])


def test_licence_question_about_an_uncovered_product_is_refused(tutor: Tutor) -> None:
    uncovered = ask(tutor, "Do I need a licence for blank silicon wafers going to Korea?")
    assert uncovered.refused and uncovered.mode == "refusal"
    assert "blank silicon wafers" in uncovered.answer and "CISTEC" in uncovered.answer
    # No product named at all: the checker asks which item it is instead of refusing.
    unnamed = ask(tutor, "Do I need a licence to export to Korea?")
    assert not unnamed.refused and unnamed.mode == "checker"


@pytest.mark.parametrize(
    ("question", "row"),
    [
        ("what row of appendix table 1 is hydorgen fluoride in", "3(1)"),
        ("Is an EUV photoresit controlled?", "7(19)"),
    ],
)
def test_a_misspelt_course_item_is_still_that_item(tutor: Tutor, question: str, row: str) -> None:
    """A typo in the product's name had the question refused as one about a product the
    course does not cover ("hydorgen fluoride"); a typo never causes a refusal on its own."""
    answer = ask(tutor, question)
    assert not answer.refused and row in answer.answer


def test_an_uncovered_product_keeps_the_name_the_user_gave_it(tutor: Tutor) -> None:
    """The speller would make "nitride" "nitrite"; only a correction that reveals one of the
    course's items is used for routing, so the refusal names what the user typed."""
    answer = ask(tutor, "Is gallium nitride controlled for export to Korea?")
    assert answer.refused and "gallium nitride" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "walk me through the 2023 reversal",
        "how did gsomia get tangled up in the export fight",
        "when did japan relax the resist rules",
        # the verb of "how did X react" shapes the request: "react" and "reply" had counted
        # as unknown topic words and had the question refused
        "how did korea react",
        "how did korea reply",
        "what was korea's reaction",
    ],
)
def test_everyday_words_for_course_topics_are_not_refused(tutor: Tutor, question: str) -> None:
    """"reversal" and "fight" are words the course never uses for its own topics (the return
    to Group A, the dispute); they map to those topics instead of making the question look
    off-topic."""
    answer = ask(tutor, question)
    assert not answer.refused and answer.citations


def test_a_follow_up_of_an_everyday_word_is_not_refused_for_it(tutor: Tutor) -> None:
    """"loosen" maps to the course's "easing"; carried into the follow-up, it had counted as a
    word the course never uses, and the bare "when" was refused."""
    first = "did japan ever loosen the controls on korea"
    assert not ask(tutor, first).refused
    follow_up = tutor.ask("when", AskOptions(history=[first]))
    assert not follow_up.refused and follow_up.citations


def test_making_up_is_answered_with_the_settlement_not_import_shares(tutor: Tutor) -> None:
    """One of issue 12's examples: "make up" matched the import shares that "made up 85.2%"."""
    answer = ask(tutor, "when did japan and korea make up")
    assert not answer.refused and answer.lines
    assert not any("made up" in line.text for line in answer.lines)
    assert any("2023" in line.text for line in answer.lines)


def test_an_abbreviated_month_is_the_course_month_not_an_unknown_word(tutor: Tutor) -> None:
    """"aug" is no word of the course: counted as an unknown term it made the scope model
    refuse "what happened on 28 aug 2019", which "28 August 2019" answers."""
    answer = ask(tutor, "what happened on 28 aug 2019")
    assert not answer.refused and answer.lines
    assert any("28 August 2019" in line.text for line in answer.lines)
    assert answer.question == "what happened on 28 aug 2019"  # echoed as typed
    # Japan's year-first form sets the as-of date and the checker's date alike.
    assert ask(tutor, "is korea in group a on 2020/5/1").as_of.isoformat() == "2020-05-01"
    check = ask(tutor, "can i ship 50% hf to korea on 2020/01/15")
    assert check.mode == "checker" and check.check["as_of"] == "2020-01-15"


def test_a_why_question_searches_for_reasons(tutor: Tutor) -> None:
    """"why did japan say it did it" has no word a reason sentence shares; searched with the
    course's word for what it asks, it finds the reasons METI gave."""
    answer = ask(tutor, "why did japan say it did it")
    assert "reasons" in answer.search_query.split()
    assert not answer.refused and answer.lines
    assert any("reasons" in line.text for line in answer.lines)
    when = ask(tutor, "when did japan announce the measures")
    assert "reasons" not in when.search_query.split()


def test_how_did_korea_respond_is_told_from_the_start(tutor: Tutor) -> None:
    """Issue 12's example led with Korea's return of Japan to its list in 2023."""
    answer = ask(tutor, "how did korea respond?")
    assert not answer.refused and len(answer.lines) >= 2
    years = [int(y) for line in answer.lines for y in re.findall(r"\b(20[12]\d)\b", line.text)[:1]]
    assert years and years == sorted(years)
    assert years[0] == 2019


def test_today_sets_the_date_and_does_not_steer_the_search(tutor: Tutor) -> None:
    """"today" is the viewpoint: searched as a word, it found the Korean list's "Status today"
    heading and answered about Japan's place on Korea's list instead of Korea's on Japan's."""
    answer = ask(tutor, "Is South Korea on Japan's white list today?")
    assert not answer.refused and answer.lines
    assert "Group A" in answer.lines[0].text
    assert not any("Ga group" in line.text for line in answer.lines)


def test_a_licence_verdict_in_the_chat_carries_its_disclaimer_once(tutor: Tutor) -> None:
    """The verdict says it is not legal advice exactly once: as the answer's note, which every
    renderer shows, not also inside the verdict's text (the chat and CLI showed it twice)."""
    verdict = ask(tutor, "Do I need a licence to ship hydrogen fluoride to Korea in 2020?")
    assert verdict.mode == "checker"
    assert any("not legal advice" in note for note in verdict.notes)
    assert "not legal advice" not in verdict.answer


@pytest.mark.parametrize("question", [
    "can you give me legal advice on my shipment",
    "we already shipped hf to korea without a licence, will we get fined",
    "can i get in trouble for a shipment we made last year without a licence",
])
def test_a_request_for_advice_on_ones_own_case_is_refused_with_whom_to_ask(
    tutor: Tutor, question: str
) -> None:
    """Advice on the asker's own case is not the course's to give; the refusal says so and
    names whom to ask, as every licence verdict does, instead of "the course does not cover
    that"."""
    answer = ask(tutor, question)
    assert answer.refused and not answer.citations
    assert "METI's Security Export Licensing Division" in answer.answer
    assert "CISTEC" in answer.answer and "not legal advice" in answer.answer


@pytest.mark.parametrize("question", ["hi", "Hello!", "what can you do?"])
def test_a_greeting_is_told_what_the_tutor_does(tutor: Tutor, question: str) -> None:
    """Searched as a question, "hi" was refused with "I can't answer that from the course
    material"; a greeting gets what the tutor covers (the app adds example questions)."""
    answer = ask(tutor, question)
    assert answer.refused and not answer.citations  # nothing is claimed, nothing cited
    assert answer.answer.startswith("Hello!") and "DS590" in answer.answer
    assert not ask(tutor, "hi, when was korea removed from the white list").refused


def test_a_licence_check_continues_over_follow_ups(tutor: Tutor) -> None:
    """An SME narrows a check turn by turn: each follow-up is checked with the thread. "what
    about at 25%" had been refused and "and to korea in 2020?" answered from import figures."""
    thread = ["is hf controlled"]
    steps = [
        ("what about at 25%", "need_more_information", None),  # L6; the destination is asked
        ("and to korea in 2020?", "not_listed", "applies_if"),  # T17, T47: Group B then
        ("and in 2024?", "not_listed", "does_not_apply"),  # T47, L9: Group A again
    ]
    for question, verdict, catch_all in steps:
        answer = tutor.ask(question, AskOptions(history=list(thread)))
        assert answer.mode == "checker" and answer.question == question
        assert answer.check["verdict"] == verdict
        assert answer.check["summary"].startswith("Not listed")  # 25% is not over 30%
        if catch_all:
            assert answer.check["catch_all"]["status"] == catch_all
        thread.append(question)
    # A question of its own, or another product, leaves the check.
    assert tutor.ask("what is hf used for?", AskOptions(history=thread)).mode == "extractive"
    other = tutor.ask("what about hydrogen peroxide", AskOptions(history=thread))
    assert other.mode != "checker"


def test_a_later_turn_of_a_check_replaces_its_date_and_destination(tutor: Tutor) -> None:
    """In a thread, the newest date and place count: after "... korea in 2020" and "and in
    2024?", "what about to china?" is checked for 2024, not 2020 (the first date stated)."""
    thread = ["my product is not on any list, can i ship it to korea in 2020?", "and in 2024?"]
    answer = tutor.ask("what about to china?", AskOptions(history=thread))
    assert answer.mode == "checker" and answer.check["destination"]["code"] == "CN"
    assert answer.check["as_of"].startswith("2024")


def test_a_later_turn_of_a_check_replaces_its_values(tutor: Tutor) -> None:
    """"and at 25%?" after "is 50% hf listed" is checked at 25%: the two values had
    conflicted, and the checker asked for the concentration again."""
    answer = tutor.ask("and at 25%?", AskOptions(history=["is 50% hf listed"]))
    assert answer.mode == "checker"
    assert answer.check["parameters"] == {"hf_weight_percent": 25.0}
    assert "hf_weight_percent" not in answer.check["missing_parameters"]
    assert "Not listed" in answer.answer
    # ... and a turn that states no value keeps the newest one: "and to korea in 2021" after
    # "is 25% hf listed" and "what about 35%" is checked at 35%, not asked for it again.
    thread = ["is 25% hf listed", "what about 35%"]
    answer = tutor.ask("and to korea in 2021", AskOptions(history=thread))
    assert answer.mode == "checker"
    assert answer.check["parameters"] == {"hf_weight_percent": 35.0}
    assert answer.check["verdict"] == "licence_required"


def test_a_later_turn_of_a_check_that_names_another_item_switches_to_it(tutor: Tutor) -> None:
    """"what about resist" after "is fluorinated polyimide controlled" had been refused as an
    uncovered product, "fluorinated polyimide resist": the two turns were read as one name."""
    answer = tutor.ask("what about resist",
                       AskOptions(history=["is fluorinated polyimide controlled"]))  # fmt: skip
    assert answer.mode == "checker" and not answer.refused, answer.answer
    assert answer.check["item"] == "resist"
    # ... keeping the earlier turn's destination
    answer = tutor.ask("and 40% hf?",
                       AskOptions(history=["do i need a licence for resist to korea"]))  # fmt: skip
    assert answer.check["item"] == "hydrogen_fluoride"
    assert answer.check["destination"]["code"] == "KR"


def test_a_group_question_continues_over_follow_ups(tutor: Tutor) -> None:
    answer = tutor.ask("and in 2019?", AskOptions(history=["is taiwan in group a"]))
    assert answer.mode == "checker" and answer.as_of.year == 2019
    assert "Taiwan" in answer.answer and "South Korea" not in answer.answer



@pytest.mark.parametrize(
    "question",
    ["what licence for hf to china", "what licence do i need for 55% hf to the us"],
)
def test_which_licence_for_a_destination_no_document_covers_is_checked(tutor, question) -> None:
    """The documents tell South Korea's case: "what licence for hf to china" had been refused,
    and "... to the us" answered with South Korea's rules. The rules answer it."""
    answer = tutor.ask(question)
    assert answer.mode == "checker" and not answer.refused, answer.answer
    assert "South Korea" not in answer.answer and "METI" in answer.answer


def test_a_short_form_the_documents_write_out_is_read_as_its_long_form(tutor: Tutor) -> None:
    """"which row is hf in" had quoted "Hydrogen fluoride (HF) has the CAS number ...": the
    model hardly knows "hf", and the documents mostly write "hydrogen fluoride"."""
    answer = tutor.ask("which row is hf in")
    assert not answer.refused and answer.question == "which row is hf in"
    assert "row" in answer.citations[0].quote and "CAS" not in answer.citations[0].quote


def test_a_follow_up_placed_in_time_from_the_turn_before(tutor: Tutor) -> None:
    """"and a year before" after a question on August 2019 asks about August 2018; it had been
    answered about South Korea's Ga-2 rules, as of today."""
    first = "how much hf did japan export to korea in august 2019"
    answer = tutor.ask("and a year before", AskOptions(history=[first]))
    assert (answer.as_of.year, answer.as_of.month) == (2018, 8), answer.answer
    assert not answer.refused and any("2018" in c.quote for c in answer.citations)
    # counted from a turn that was itself relative: 2020, then 2021, then 2022
    thread = ["was korea in group a in 2020", "and a year later"]
    assert tutor.ask("and the year after", AskOptions(history=thread)).as_of.year == 2022


def test_a_name_only_question_is_answered_from_the_sentence_naming_the_person(
    tutor: Tutor,
) -> None:
    """"who is yasutoshi nishimura" had been refused: the question's vector is far from every
    sentence, though one names him (as METI Minister in 2023)."""
    answer = tutor.ask("who is yasutoshi nishimura")
    assert not answer.refused, answer.answer
    assert "Nishimura" in answer.citations[0].quote
    # ... and when that sentence is the only one close at all ("what is stella chemifa")
    answer = tutor.ask("what is stella chemifa")
    assert not answer.refused, answer.answer
    assert "Stella Chemifa" in answer.citations[0].quote


def test_the_question_vector_leaves_filler_words_out(tutor: Tutor) -> None:
    from bot.retrieval.query import build_query

    chatty = tutor._query_vector(build_query("ok so basically what is catch-all control"))
    plain = tutor.embeddings.encode(["what is catch-all control"])[0]
    assert float(chatty @ plain) > 0.9999
