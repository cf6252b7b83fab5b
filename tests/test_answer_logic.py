"""Millisecond unit tests of the answer logic, with the deterministic hashing embedder.

Question typing, sentence choice, overviews, spelling and the scope model are plain functions
over passages and vectors; the real model and index are exercised by the integration tests.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest

from bot.answering import extractive, question_cues, selection, sentences
from bot.answering.extractive import ComposeRequest, SentenceCache, candidates, compose, score
from bot.answering.question import AnswerKind, classify, contains_kind
from bot.answering.question_cues import DEFINES_BONUS, move_of
from bot.answering.scope_model import FEATURE_NAMES, ScopeFeatures, ScopeModel, cues
from bot.retrieval.embedder import Embedder, HashingEmbedder
from bot.retrieval.hybrid import Hit
from bot.retrieval.lexical import tokenize
from bot.retrieval.query import build_query, is_follow_up, synonyms_for
from bot.retrieval.spelling import Speller

EMBEDDER = HashingEmbedder()
AS_OF = dt.date(2024, 6, 1)


def passage(doc_id: str, text: str, rank: int, **meta: str) -> Hit:
    """A retrieved chunk whose sentences are split on '. ' (as the chunker records them)."""
    spans, start = [], 0
    for part in text.split(". "):
        end = start + len(part) + (0 if part.endswith(".") else 1)
        spans.append([start, min(end, len(text))])
        start = end + 1
    metadata = {
        "doc_id": doc_id, "title": doc_id, "section": "", "source_url": "https://example.org",
        "chunk_text": text, "sentences": json.dumps(spans), "start": 0, "chunk_index": 0, **meta,
    }  # fmt: skip
    return Hit(f"{doc_id}-0", metadata, 1.0 / rank, rank=rank)


def request(question: str, **overrides) -> ComposeRequest:
    values = dict(
        question=question,
        query_vector=EMBEDDER.encode([question])[0],
        as_of=AS_OF,
        threshold=0.1,
        idf=lambda t: 1.0,
        knows=lambda t: True,
        coverage_terms=frozenset(tokenize(question)),
        min_coverage=0.0,
        qtype=classify(question),
    )
    values.update(overrides)
    return ComposeRequest(**values)


def test_embedder_protocol_and_determinism() -> None:
    assert isinstance(EMBEDDER, Embedder)
    a, b = EMBEDDER.encode(["white list Group A"]), EMBEDDER.encode(["white list Group A"])
    assert (a == b).all() and abs(float(a[0] @ a[0]) - 1.0) < 1e-6


@pytest.mark.parametrize(
    ("question", "name", "broad"),
    [
        ("when did korea get kicked off the white list", "when", False),
        ("how many group a countries are there now", "how-many", False),
        ("which row covers resist", "identifier", False),
        ("who led the talks in december 2019", "who", False),
        ("why did japan say it did it", "why", False),
        ("explain catch-all controls simply", "overview", True),
        ("how did korea respond?", "overview", True),
        ("what happend at the wto", "overview", True),
        ("is korea on japan's white list", "yes-no", False),
        ("what is dual use", "definition", False),
        ("difference between general bulk and individual licence", "compare", True),
        ("what % of the comments backed it", "how-many", False),
        ("which japanese firms did that ruling hit", "who", False),
        # "when" after another question word joins a clause; after "and" it asks a second time
        ("who was meti minister when korea got put back", "who", False),
        ("which licence did we need when korea was in group b", "other", False),
        ("is korea on the white list when it ships", "yes-no", False),
        ("who came and when", "when", False),
        ("tell me when korea was removed", "when", False),
        ("give me the timeline of the dispute in 5 bullet points", "overview", True),
    ],
)
def test_question_types(question: str, name: str, broad: bool) -> None:
    qtype = classify(question)
    assert (qtype.name, qtype.broad) == (name, broad)


def test_event_dates_and_answer_kinds() -> None:
    assert classify("What happened on 22 November 2019?").event_dates == (dt.date(2019, 11, 22),)
    assert contains_kind("It took effect on 28 August 2019.", AnswerKind.DATE)
    assert contains_kind("Group A has 27 countries again.", AnswerKind.NUMBER)
    assert not contains_kind("It changed in 2019.", AnswerKind.NUMBER)  # a year is no count
    # nor is a range of days ("what % of comments" had led with the comment period)
    assert not contains_kind("The comment ran from 1 to 24 July 2019.", AnswerKind.NUMBER)
    assert contains_kind("91% of the comments supported it.", AnswerKind.NUMBER)
    assert contains_kind("Resist is in row 7(19).", AnswerKind.IDENTIFIER)
    assert not contains_kind("Resist is a coating.", AnswerKind.IDENTIFIER)


@pytest.mark.parametrize(
    ("text", "question", "day"),
    [
        pytest.param("The white list removal was a big step. "
                     "The white list removal took effect on 28 August 2019.",
                     "when did the white list removal take effect", "28 August 2019",
                     id="dated-over-undated"),
        # "When were the restrictions on the three items lifted?" led with "CISTEC said in
        # 2019 that ...": a year in an attribution counts as a date, but "when" asks for a day.
        pytest.param("In 2019 a body said the three items moved to individual licences. "
                     "On 23 March 2023 the three items moved back to bulk licences.",
                     "when did the three items move to licences", "23 March 2023",
                     id="day-over-bare-year"),
    ],
)  # fmt: skip
def test_a_when_question_leads_with_the_sentence_naming_the_day(
    text: str, question: str, day: str
) -> None:
    result = compose([passage("doc", text, 1)], request(question), SentenceCache(EMBEDDER))
    assert not result.refused
    assert day in result.lines[0].text


def test_a_follow_ups_own_words_outweigh_the_carried_topic() -> None:
    # "so when was the panel established" after a question about the blocked panel request:
    # the carried topic ("blocked first request") must not outvote the follow-up's own words.
    hits = [
        passage("panel", "Japan blocked the first panel request on 29 June 2020. "
                "The panel was established on 29 July 2020.", 1),
    ]  # fmt: skip
    own = "when was the panel established"
    asked = request(f"{own} japan blocked first request", focus=own,
                    query_vector=EMBEDDER.encode([own])[0])  # fmt: skip
    cands = candidates(hits, AS_OF)
    score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
          asked.qtype, asked.focus)  # fmt: skip
    with_focus = {c.text: c.score for c in cands}
    score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
          asked.qtype)  # fmt: skip
    without = {c.text: c.score for c in cands}
    established = next(t for t in with_focus if "established" in t)
    blocked = next(t for t in with_focus if "blocked" in t)
    assert with_focus[established] - with_focus[blocked] > without[established] - without[blocked]


@pytest.mark.parametrize(
    ("text", "move"),
    [
        ("when did the cabinet approve korea's return to the white list", 1),
        ("and when were they put back", 1),
        ("when did korea get kicked off japans whitelist", -1),
        ("South Korea's removal of Japan from its whitelist took effect on 18 September 2019.", -1),
        ("Korea's return came four years after its removal.", 0),  # both: no side taken
        ("back in 2019, Japan tightened its controls", 0),  # "back" as a time, not a return
    ],
)
def test_the_move_a_text_tells_of(text: str, move: int) -> None:
    assert move_of(text) == move


def test_a_sentence_telling_of_the_opposite_move_loses(monkeypatch) -> None:
    """Asked about the return, the Cabinet's approval of the removal (same words, close in
    meaning) loses OPPOSITE_MOVE_PENALTY; the sentence on the return keeps its score."""
    hits = [
        passage("list", "On 2 August 2019 the Cabinet approved Korea's removal from the list. "
                "On 27 June 2023 the Cabinet approved adding Korea back to the list.", 1),
    ]  # fmt: skip
    asked = request("when did the cabinet approve korea's return to the list")

    def scores() -> dict[str, float]:
        cands = candidates(hits, AS_OF)
        score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
              asked.qtype)  # fmt: skip
        return {"removal" if "removal" in c.text else "return": c.score for c in cands}

    penalty = question_cues.OPPOSITE_MOVE_PENALTY
    penalised = scores()
    monkeypatch.setattr(question_cues, "OPPOSITE_MOVE_PENALTY", 0.0)
    plain = scores()
    assert penalty > 0
    assert penalised["return"] == pytest.approx(plain["return"])
    assert penalised["removal"] == pytest.approx(plain["removal"] - penalty)


def test_a_sentence_that_says_also_brings_the_one_it_leans_on() -> None:
    hits = [
        passage("removal", "Exporters could no longer use the general bulk licence for Korea. "
                "Exports to Korea also became subject to catch-all control. "
                "Group A was renamed in August.", 1),
    ]  # fmt: skip
    result = compose(hits, request("exports to korea subject to catch-all control"),
                     SentenceCache(EMBEDDER))  # fmt: skip
    texts = [line.text for line in result.lines]
    assert texts[0].startswith("Exports to Korea also")
    assert any("general bulk licence" in t for t in texts)


def test_overview_gives_one_lead_fact_per_document_in_time_order(monkeypatch) -> None:
    # The mechanism, with a margin wide enough for the rank prior of three close passages.
    monkeypatch.setattr(selection, "OVERVIEW_MARGIN", 0.25)
    hits = [
        passage("gsomia", "Korea responded to the measures by ending GSOMIA on 23 August 2019.", 1),
        passage("wto", "Korea responded to the measures with a WTO complaint on 11 September "
                "2019.", 2),
        passage("whitelist", "Korea responded to the measures by dropping Japan from its "
                "whitelist on 18 September 2019.", 3),
    ]  # fmt: skip
    result = compose(hits, request("what happened when korea responded to the measures"),
                     SentenceCache(EMBEDDER))  # fmt: skip
    assert [line.role for line in result.lines] == ["overview"] * len(result.lines)
    docs = [result.citations[line.citations[0] - 1].doc_id for line in result.lines]
    assert len(docs) >= 2 and len(set(docs)) == len(docs)
    order = {"gsomia": 0, "wto": 1, "whitelist": 2}
    assert [order[d] for d in docs] == sorted(order[d] for d in docs)


def test_a_broad_question_from_one_document_reads_in_the_documents_order() -> None:
    """A precise question leads with its best sentence; a broad one answered from a single
    document tells it from the start, not from the sentence closest to its words."""
    text = ("Korea announced a plan to drop Japan from its whitelist in August 2019. "
            "Korea put Japan in a separate group in September 2019. "
            "Korea responded by returning Japan to its whitelist in April 2023.")  # fmt: skip
    hits = [passage("korea", text, 1)]
    broad = compose(hits, request("how did korea respond to japan"), SentenceCache(EMBEDDER))
    assert broad.lines and broad.lines[0].role == "current"
    starts = [text.index(line.text) for line in broad.lines]
    assert len(starts) >= 2 and starts == sorted(starts)
    precise = compose(hits, request("when did korea respond by returning japan"),
                      SentenceCache(EMBEDDER))  # fmt: skip
    assert "April 2023" in precise.lines[0].text


def test_one_card_per_passage_and_text_written_from_lines() -> None:
    hits = [passage("groups", "Group A has 27 countries. Group A countries are outside "
                    "catch-all control. Group A was renamed in 2019.", 1)]  # fmt: skip
    result = compose(hits, request("group a countries catch-all"), SentenceCache(EMBEDDER))
    assert len(result.citations) == 1 and len(result.lines) >= 2
    assert set(result.citations[0].quotes) == {line.text for line in result.lines}
    for line in result.lines:
        assert f"{line.text} [1]" in result.text


def test_ended_state_is_history_when_a_current_one_answers() -> None:
    hits = [
        passage("group-b", "South Korea is in Group B.", 1, valid_to="2023-07-20"),
        passage("group-a", "South Korea is in Group A again.", 2, valid_from="2023-07-21"),
    ]
    result = compose(hits, request("is south korea in group a"), SentenceCache(EMBEDDER))
    roles = {result.citations[line.citations[0] - 1].doc_id: line.role for line in result.lines}
    assert roles["group-a"] == "current"
    assert roles.get("group-b", "history") == "history"


def _scored(hit: Hit, similarity: float) -> list[sentences.Candidate]:
    cands = candidates([hit], AS_OF)
    for rank, cand in enumerate(cands):
        cand.similarity, cand.score = similarity, 1.0 - rank / 10
    return cands


@pytest.mark.parametrize(("other_similarity", "state_first"), [(0.65, True), (0.5, False)])
def test_how_things_stand_leads_an_answer_on_the_state(other_similarity, state_first) -> None:
    """"is south korea on the white list?" is answered first by the sentence stating the state
    over a period that includes the day, not by the event that began it, when that sentence is
    about as close to the question as the best one."""
    event = _scored(passage("return", "On 27 June 2023, the Cabinet approved the return.", 1), 0.7)
    state = _scored(passage("state", "Since 21 July 2023 South Korea is in Group A again.", 2),
                    other_similarity)
    lines, _ = extractive._lines(event + state, overview=False, state_day=AS_OF)
    assert (lines[0].text == state[0].text) is state_first
    unordered, _ = extractive._lines(event + state, overview=False)
    assert unordered[0].text == event[0].text  # other questions lead with their best sentence


def test_a_question_about_something_that_ended_is_answered_from_its_history() -> None:
    hits = [
        passage("resist-2019", "The resist change of 20 December 2019 was based on a track "
                "record of 6 transactions.", 2, valid_to="2023-03-22"),
        passage("today", "Since 2023 the licence for exports was based on the special "
                "bulk rule.", 1, valid_from="2023-03-23"),
    ]  # fmt: skip
    question = "the resist change was based on what track record of transactions"
    result = compose(hits, request(question), SentenceCache(EMBEDDER))
    first = result.citations[result.lines[0].citations[0] - 1]
    assert first.doc_id == "resist-2019" and result.lines[0].role == "history"


@pytest.mark.parametrize(
    ("question", "present"),
    [
        ("is korea on japan's white list", True),
        ("what licence for hf to korea right now", True),
        ("was korea in group a on 1 may 2020", True),
        ("when did korea leave group a", False),
        ("was korea removed from the white list in 2019", False),
    ],
)
def test_questions_about_the_state_on_a_date(question: str, present: bool) -> None:
    assert classify(question).asks_state is present


@pytest.mark.parametrize(
    ("question", "viewpoint"),
    [
        ("was korea in group a on 1 may 2020", dt.date(2020, 5, 1)),
        ("is korea on the white list as of july 2023", dt.date(2023, 7, 1)),
        ("was korea removed from the white list in 2019", None),  # an event: a participle
        ("was the december 2019 resist change an easing", None),  # the date names the change
        ("did japan block the panel request on 29 june 2020", None),
        # what was required then is a state, whatever the tense (it had quoted 2021 trade
        # figures, the year's events)
        ("what licence did exporters need for hf to korea in 2021", dt.date(2021, 1, 1)),
        ("what happened in 2021", None),
    ],
)
def test_a_dated_state_question_takes_its_date_as_viewpoint(question, viewpoint) -> None:
    qtype = classify(question)
    assert qtype.viewpoint == viewpoint
    assert bool(qtype.event_dates) is (viewpoint is None)


def test_a_year_as_a_label_is_not_an_event_date() -> None:
    assert classify("tell me about the 2019 japan korea export dispute").event_dates == ()
    assert classify("what happened in 2023 between japan and korea").event_dates == (
        dt.date(2023, 1, 1),
    )


def test_an_announcing_sentence_brings_what_it_announces() -> None:
    """The sentences after "... three dates ..." are its content, however little they share
    with the question's words."""
    text = (
        "Sources give three dates for the end of case DS590. Seoul spoke on 16 March 2023. "
        "The filing was dated 23 March 2023. Geneva posted a notice on 24 March 2023. "
        "Panels in other cases took years."
    )
    question = "three dates for the end of case DS590"
    result = compose([passage("end", text, 1)], request(question, threshold=0.4),
                     SentenceCache(EMBEDDER))  # fmt: skip
    quoted = [line.text for line in result.lines]
    assert quoted[:4] == [
        "Sources give three dates for the end of case DS590.",
        "Seoul spoke on 16 March 2023.",
        "The filing was dated 23 March 2023.",
        "Geneva posted a notice on 24 March 2023.",
    ]


def _bulleted(doc_id: str, lines: list[str]) -> Hit:
    """A chunk of one line per sentence; lines starting "- " are list items (the bullet is
    not part of the sentence, as the chunker records it)."""
    text = "\n".join(lines)
    spans, start = [], 0
    for line in lines:
        lead = 2 if line.startswith("- ") else 0
        spans.append([start + lead, start + len(line)])
        start += len(line) + 1
    hit = passage(doc_id, text, 1)
    return replace(hit, metadata={**hit.metadata, "sentences": json.dumps(spans)})


LIST_LINES = [
    "Several kinds of widget permit exist, as listed below.",
    "- The blue widget permit lasts for one shipment.",
    "- The green widget permit lasts for three years.",
    "- The red widget permit covers repeated trade with one buyer.",
    "Permits are filed with the ministry in writing.",
]


def test_a_sentence_that_a_list_follows_brings_the_list() -> None:
    """"... are listed below." had been quoted alone: the list is its content."""
    result = compose([_bulleted("permits", LIST_LINES)],
                     request("several kinds of widget permit exist", threshold=0.4),
                     SentenceCache(EMBEDDER))  # fmt: skip
    quoted = [line.text for line in result.lines]
    assert quoted[0] == LIST_LINES[0]
    assert [q for q in quoted if "widget permit" in q][1:4] == [x[2:] for x in LIST_LINES[1:4]]


def test_an_item_brings_its_whole_list_only_when_kinds_are_asked_for() -> None:
    """"what types of bulk licence are there" is answered by the list of types; a precise
    question answered by one item ("green permit three years") is not."""
    asked = request("green permit three years")
    cands = candidates([_bulleted("permits", LIST_LINES)], AS_OF)
    score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
          asked.qtype)  # fmt: skip
    green = next(c for c in cands if c.text == LIST_LINES[2][2:])
    bar = green.similarity - 0.01  # the green item alone is close enough
    assert [c.text for c in selection.select(cands, bar)] == [green.text]
    whole = [c.text for c in selection.select(cands, bar, whole_lists=True)]
    assert whole[0] == green.text and sorted(whole[1:]) == sorted(
        [LIST_LINES[1][2:], LIST_LINES[3][2:]]
    )


def test_the_sentence_defining_the_asked_term_leads() -> None:
    """"what is group a" had been answered with "Group C is all other countries ...": a
    sentence on a sibling term reads almost the same to the model; the one with the asked term
    as its subject, saying what it is, defines it."""
    text = (
        "Group C is all other countries that are not in Group A, Group B or Group D. "
        "Group A is the former white list of countries. "
        "Group D is described as countries of concern."
    )
    asked = request("what is group a")
    cands = candidates([passage("groups", text, 1)], AS_OF)
    score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
          asked.qtype)  # fmt: skip
    best = max(cands, key=lambda c: c.score)
    assert best.text.startswith("Group A is")
    # a question that asks something else of the term gets no such lead
    other = request("which countries are not in group a")
    score(cands, other.question, other.query_vector, SentenceCache(EMBEDDER), other.idf,
          other.qtype)  # fmt: skip
    plain = [c.score - c.similarity for c in cands]
    assert max(plain) - min(plain) < DEFINES_BONUS


def test_the_sentence_about_the_questions_named_subject_is_evidence() -> None:
    """"why did the eu care" (after a question on the WTO case) had quoted Japan's reasons:
    the subject is a name, a rare term, and the sentence holding it is about whom it asks."""
    text = "The EU said it had a trade interest in the talks. METI gave two reasons for the rules."

    def idf(term: str) -> float:
        return 3.8 if term == "eu" else 0.5

    asked = request("why did the eu care", idf=idf)
    cands = candidates([passage("wto", text, 1)], AS_OF)
    score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), idf, asked.qtype)
    eu, meti = cands
    assert eu.names_subject and not meti.names_subject
    common = request("why did japan care", idf=idf)  # "japan": in nearly every sentence
    score(cands, common.question, common.query_vector, SentenceCache(EMBEDDER), idf,
          common.qtype)  # fmt: skip
    assert not any(c.names_subject for c in cands)


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        ("difference between list control and catch all", ("list control", "catch all")),
        ("explain list control vs catch-all like i'm 12", ("list control", "catch-all")),
        ("parameter sheet vs item comparison table - what's the difference",
         ("parameter sheet", "item comparison table")),
        ("what is an individual licence", None),
    ],
)  # fmt: skip
def test_the_two_things_compared_are_read_from_the_question(question, sides) -> None:
    assert selection.compared_sides(question) == sides


def test_a_comparison_names_both_sides() -> None:
    """"difference between list control and catch all" had been answered about catch-all
    alone ("... not list-controlled ..." is no sentence about list control)."""
    text = (
        "Catch-all control applies to goods that are not list-controlled. "
        "Catch-all control needs a licence only when there is a concern. "
        "List control targets specific items by their specifications."
    )
    asked = request("difference between list control and catch all", threshold=0.1)
    cands = candidates([passage("controls", text, 1)], AS_OF)
    score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
          asked.qtype)  # fmt: skip
    only_catch_all = cands[:2]
    both = selection.with_both_sides(only_catch_all, cands, ("list control", "catch all"), 0.1)
    assert cands[2] in both and len(both) == 3


@pytest.mark.parametrize(
    ("text", "asked", "told"),
    [
        ("when did korea take japan off its whitelist", -1, 0),
        ("when did japan take korea off the white list", 1, 1),
        ("is korea on japan's white list", 1, 1),
        # its removal from Japan's list, not South Korea's own list (as a sentence, the
        # hyphened "white-list" is Japan's; as a question it says nothing of whose list)
        ("How many comments did South Korea's white-list removal receive?", 0, 1),
        ("On 12 August 2019, Korea planned to take Japan off South Korea's whitelist.", -1, -1),
        # "Group A" is Japan's name for its list; "Ga" and "Na" are South Korea's groups
        ("South Korea returned to Group A on 21 July 2023.", 1, 1),
        ("is korea a group a country", 1, 1),
        ("South Korea's group \"Na\" (나) is all other countries.", 0, -1),
        # "white countries" is Japan's old name for its Group A members
        ("how many white countries did japan have before korea was taken off", 1, 1),
    ],
)
def test_whose_list_a_question_asks_about_and_a_sentence_tells_of(text, asked, told) -> None:
    """"when did japan take korea off the whitelist" had quoted Korea's plan "to take Japan off
    South Korea's whitelist": the same words, the other list."""
    assert question_cues.asked_list_of(text) == asked
    assert question_cues.list_of(text) == told


def test_a_year_with_a_word_is_read_as_its_last_day() -> None:
    from bot.dates import question_as_of

    assert question_as_of("the conditions japan set in late 2019") == dt.date(2019, 12, 31)
    assert question_as_of("was korea in group a in may 2020") == dt.date(2020, 5, 31)


def test_without_dates_keeps_the_subject() -> None:
    from bot.dates import without_dates

    assert without_dates("was korea in group a on 1 may 2020?") == "was korea in group a ?"
    assert without_dates("what about in 2020") == "what about"


def test_now_words_are_the_viewpoint_not_the_topic() -> None:
    """"today" in a search finds passages with "today" in a heading (another country's list,
    say), not the ones about the subject; "now" inside a word is left alone."""
    from bot.dates import without_now_words

    assert without_now_words("Is South Korea on Japan's white list today?") == (
        "Is South Korea on Japan's white list ?"
    )
    assert without_now_words("what licence do i need right now") == "what licence do i need"
    assert without_now_words("is korea currently in group a") == "is korea in group a"
    assert without_now_words("what do we know about the known cases") == (
        "what do we know about the known cases"
    )


def test_state_document_answers_the_present_over_a_past_event() -> None:
    """An event document ranked first must not answer "is ... ?" when a state document
    describes the state on the date; a background document keeps its place."""
    event = passage(
        "removal", "South Korea was removed from the white list of Group A.", 1, kind="timeline"
    )
    state = passage("restoration", "South Korea is in Group A again.", 2,
                    valid_from="2023-07-21", kind="state")  # fmt: skip
    question = "is south korea on the white list of group a"
    result = compose([event, state], request(question), SentenceCache(EMBEDDER))
    assert result.citations[result.lines[0].citations[0] - 1].doc_id == "restoration"
    background = replace(event, metadata={**event.metadata, "kind": "background"})
    result = compose([background, state], request(question), SentenceCache(EMBEDDER))
    assert "removal" in {c.doc_id for c in result.citations}


def test_speller_corrects_only_unknown_words_to_corpus_words() -> None:
    speller = Speller(["hydrogen fluoride resist polyimide happened licence"])
    assert speller.correct("fluorinated polymide and floride") == (
        "fluorinated polyimide and fluoride"
    )
    assert speller.correct_word("licence") is None  # known
    assert speller.correct_word("banana") is None  # nothing close: left alone
    # A common English word is a real word, not a typo of a corpus word one edit away.
    assert Speller(["well"]).correct_word("will") is None
    assert Speller(["happened"]).correct_word("happend") == "happened"


def test_a_typo_of_a_rarer_word_whose_family_the_course_uses_is_corrected() -> None:
    """"retalliate" is "retaliate": not a course word, and rarer than the common words the
    speller otherwise corrects to, but its stem is the course's "retaliation". A word whose
    family the course does not use stays as typed (an unknown product must stay unknown)."""
    speller = Speller(["retaliation against the measures"])
    assert speller.correct_word("retalliate") == "retaliate"
    assert speller.correct_word("gallium") is None
    assert speller.correct_word("krypton") is None


def test_american_spelling_matches_the_courses_british_words() -> None:
    """The course writes "licence"; "license", "licensing" must find it by its words too."""
    assert tokenize("export license") == tokenize("export licence")
    assert tokenize("licensing") == tokenize("licencing")
    assert tokenize("defense program") == tokenize("defence programme")


def test_a_compound_with_another_multiplier_is_not_a_typo() -> None:
    """"nitrogen trifluoride" had become "nitrogen difluoride" and was answered with hydrogen
    fluoride trade figures; a real misspelling of the same compound is still corrected."""
    speller = Speller(["difluoride fluoride trichloride"])
    assert speller.correct_word("trifluoride") is None
    assert speller.correct_word("tetrachloride") is None
    assert speller.correct_word("diflouride") == "difluoride"
    assert speller.correct_word("flouride") == "fluoride"


def test_an_end_that_closes_the_question_is_the_courses_ending() -> None:
    """"how did it end?" asks for the case's withdrawal or the measures' lifting; "from start
    to end" is a request for the whole story."""
    assert "withdrawn" in build_query("and how did it end").text
    assert "withdrawn" in build_query("when did the dispute end?").text
    assert "withdrawn" not in build_query("explain ds590 from start to end").text


def test_whose_list_and_kicked_off_are_read_in_the_courses_words() -> None:
    """The course writes "whitelist" for South Korea's own list and "white list" for Japan's;
    "kicked off" is a removal ("when did korea get kicked off the whitelist" had quoted
    South Korea's plan to take Japan off its list)."""
    query = build_query("when did korea get kicked off japans whitelist")
    assert "Japan's white list" in query.text and "whitelist" not in query.text.lower()
    assert "removal" in query.text
    assert "Japan's white list" not in build_query("is japan on korea's whitelist").text
    # the speller reads "japans" as "japan": the bare name before the list says whose it is
    assert "Japan's white list" in build_query("when was korea kicked off japan whitelist").text
    assert "removal" in build_query("when did japan kick korea off the white list").text
    assert "removal" not in build_query("when did the dispute kick off").text  # a start


def test_chat_shorthand_is_read_as_the_word_it_stands_for() -> None:
    """"wat r the 3 chemcals" was refused: "wat" and "r" are too short to correct by edit
    distance, so they counted as terms the course does not know."""
    speller = Speller(["the three chemicals"])
    assert speller.correct("wat r the 3 chemcals") == "what are the 3 chemicals"
    assert speller.correct("KrF resist, r u sure") == "KrF resist, are you sure"  # words only


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("ok and an i-line one at 365nm", True),
        ("okay, what about resist", True),
        ("thanks. and for a company?", True),
        ("ok what licence do i need to ship resist to korea today", False),
    ],
)
def test_a_filler_before_and_or_what_about_still_marks_a_follow_up(
    question: str, follow_up: bool
) -> None:
    assert is_follow_up(question) is follow_up


@pytest.mark.parametrize(
    ("question", "earlier", "name"),
    [
        ("and the panel request?", "when did korea resume the case?", "when"),
        ("and on japan's side?", "who were the korean officials at the meeting", "who"),
        ("what about resist", "which row covers hydrogen fluoride", "identifier"),
        # A question word of its own: its own kind, not the earlier one's.
        ("so what did they argue about", "why did japan tighten the controls", "other"),
    ],
)
def test_a_follow_up_takes_the_earlier_kind_only_when_elliptical(
    question: str, earlier: str, name: str
) -> None:
    from bot.answering.tutor import Tutor

    assert Tutor._question_type(question, [earlier]).name == name


def test_a_misspelt_question_word_the_course_never_uses_is_corrected_to_english() -> None:
    speller = Speller(["ga is the preferred group and na is the rest fluoride"])
    question = speller.correct("whats the diffrence between ga and na")
    assert "difference" in question and classify(question).name == "compare"
    assert speller.correct_word("whcih") == "which"
    assert speller.correct_word("finsh") == "finish"  # the closer in letters, not "fish"
    assert speller.correct_word("floride") == "fluoride"  # a course word wins a tie ("florida")


def test_scope_model_and_cues() -> None:
    assert cues("will japan take korea off the white list again") == (1.0, 0.0)
    assert cues("METI said it would apply the licence")[0] == 0.0  # a past announcement
    assert cues("should i ship my order tomorrow")[1] == 1.0
    # The world's future, not the asker's plans or a destination.
    assert cues("is japan going to add another country to group a")[0] == 1.0
    assert cues("would korea refile the case if talks failed")[0] == 1.0
    assert cues("how long will it take to get a licence")[0] == 0.0
    assert cues("do i need a licence for resist going to the us")[0] == 0.0
    assert cues("what licence for hf going to korea")[0] == 0.0
    # One's own case, not the general procedure.
    assert cues("what should i do before shipping resist")[1] == 0.0
    assert cues("in my case study it is 2021, how many group a countries")[1] == 0.0
    assert cues("we shipped resist without a licence, should i self report")[1] == 1.0
    assert cues("i got an inform notice from meti, what should my company do")[1] == 1.0
    assert cues("what is an inform notice")[1] == 0.0
    assert cues("we already shipped 35% hf to busan without a licence, what now")[1] == 1.0
    assert cues("meti turned down our application, can we appeal and would we win")[1] == 1.0
    assert cues("can you review our licence application")[1] == 1.0
    assert cues("what conditions did japan set to review the curbs")[1] == 0.0  # history
    # A past expectation is history too.
    assert cues("what gatt article was ds590 expected to turn on")[0] == 0.0
    assert cues("is japan expected to lift the rule")[0] == 1.0
    n = len(FEATURE_NAMES)
    model = ScopeModel(coef=(-2.0,) + (0.0,) * (n - 1), intercept=0.0, mean=(0.5,) * n,
                       scale=(0.1,) * n, threshold=0.5)  # fmt: skip
    weak = ScopeFeatures(0.2, 0.2, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0)
    strong = ScopeFeatures(0.8, 0.8, 2.0, 1.0, 0.0, 1.0, 0.0, 0.0)
    assert model.refuses(weak) and not model.refuses(strong)
    assert model.to_dict()["features"] == list(FEATURE_NAMES)
    decisive = replace(model, decisive=("future_cue",))
    assert not decisive.refuses(strong)
    assert decisive.refuses(replace(strong, future_cue=1.0))  # evidence cannot outvote it


def test_packaged_scope_model_loads_with_its_dev_figures() -> None:
    from bot.answering.scope_model import MODEL_FILE, load_scope_model

    model = load_scope_model(str(MODEL_FILE))
    assert model is not None and 0.0 < model.threshold < 1.0
    data = json.loads(MODEL_FILE.read_text())
    assert data["dev"]["false_refusal_rate"] <= 0.03  # the bar the threshold was chosen for


@pytest.mark.parametrize(
    ("question", "settles"),
    [
        ("when did japan and korea make up", True),
        ("did they ever reconcile?", True),
        ("when did the two sides make up with each other", True),
        ("what share of korea's resist imports did japan make up of the total", False),
        ("japanese goods made up 91.9% of imports, right?", False),
        # lifting the measures is what the settlement did (found by hand: "when did japan
        # lift the curbs" quoted a 2019 news article on the "curbs")
        ("when did japan lift the curbs", True),
        ("when were the export controls on korea lifted", True),
        ("what is a forklift", False),
    ],
)
def test_making_up_means_the_settlement_only_when_it_ends_the_clause(
    question: str, settles: bool
) -> None:
    """"make up" is reconciling when nothing is measured after it; "made up 91.9%" and "make
    up of the total" are shares, and must not pull in the settlement."""
    assert any("settlement" in extra for extra in synonyms_for(question)) is settles


@pytest.mark.parametrize(
    ("question", "returns"),
    [
        ("when did korea put japan back in its whitelist", True),
        ("when was korea brought back to group a", True),
        ("when was korea reinstated as a white country", True),
        ("they took the licences back in 2019", False),  # "back in 2019" is a time
        ("when was korea put back?", True),
        ("who was meti minister when korea got put back", True),
        ("we took the product back", False),  # took back: a retraction, not a return
        ("when did korea put japan on its own list", False),
    ],
)
def test_putting_back_means_the_return_to_a_list(question: str, returns: bool) -> None:
    """"put japan back in its whitelist" had been answered with the removal of 2019: the
    course's word for it is "returned"."""
    assert ("returned" in synonyms_for(question)) is returns


@pytest.mark.parametrize(
    ("question", "duty"),
    [
        ("whose job is it to classify my product, meti's or mine", True),
        ("is it up to us to classify the product", True),
        ("who is responsible for classification", True),
        ("who decides if my product is listed", True),
        ("who decided to remove korea from the white list", False),
        ("what job did seko have", False),
    ],
)
def test_everyday_words_for_a_duty_are_the_courses_responsibility(question, duty) -> None:
    """"whose job is it to classify" was refused: "job" is not the course's word."""
    assert ("responsibility" in synonyms_for(question)) is duty


def test_a_sentence_holding_the_questions_rare_names_is_evidence() -> None:
    """"who is yasutoshi nishimura" was refused: a name-only question's vector is far from any
    sentence, even the one that names him. Holding every rare term of the question (two or
    more) makes a sentence evidence, as naming the asked-about day does."""
    text = "In 2023, METI Minister Yasutoshi Nishimura spoke about a follow-up framework."
    rare = {"yasutoshi", "nishimura"}

    def idf(term: str) -> float:
        return 5.1 if term in rare else 1.0

    asked = request("who is yasutoshi nishimura", idf=idf, threshold=0.99)
    cands = candidates([passage("doc", text, 1)], AS_OF)
    score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), idf, asked.qtype)
    named = cands[0]
    assert named.names_subject
    # Below the evidence bar, and still chosen (as a sentence naming the asked day is)
    bar = named.similarity + 0.01
    chosen = selection.select([named, _close_to(asked, bar)], bar)
    assert named.text in {c.text for c in chosen}
    one_name = request("who is nishimura", idf=idf)
    score(cands, one_name.question, one_name.query_vector, SentenceCache(EMBEDDER), idf,
          one_name.qtype)  # fmt: skip
    assert not cands[0].names_subject  # one rare word alone is not a name


def _close_to(asked: ComposeRequest, bar: float):  # noqa: ANN202
    """A candidate above the bar, so that the question is not refused outright."""
    cand = candidates([passage("other", "Who is who in the dispute, in short.", 2)], AS_OF)[0]
    score([cand], asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
          asked.qtype)  # fmt: skip
    return replace(cand, similarity=max(cand.similarity, bar))


def test_a_past_tense_question_gives_no_state_bonus() -> None:
    """"did japan ban hf to korea?" asks what happened; a document describing today's state
    gets its head start only for questions about a state ("is korea in group a?")."""
    state = passage("state", "Japan's licence for hf to Korea is a bulk licence today.", 1,
                    valid_from="2023-03-23")  # fmt: skip

    def bonus(question: str) -> float:
        asked = request(question)
        cands = candidates([state], AS_OF)
        score(cands, asked.question, asked.query_vector, SentenceCache(EMBEDDER), asked.idf,
              asked.qtype)  # fmt: skip
        return cands[0].score - cands[0].similarity

    assert bonus("does japan ban hf to korea") - bonus("did japan ban hf to korea") == (
        pytest.approx(sentences.STATE_BONUS, abs=0.02)
    )


def test_filler_words_stay_out_of_the_question_vector() -> None:
    """"ok so basically what is catch-all" is embedded as "what is catch-all": the filler words
    carry nothing to match, and a question of filler alone is kept as typed."""
    from bot.retrieval.query import without_filler

    assert without_filler("ok so basically what is catch-all, pls") == "what is catch-all,"
    assert without_filler("is resist treated like hf") == "is resist treated like hf"
    assert without_filler("ok thanks") == "ok thanks"


def test_an_overview_quotes_a_documents_earliest_event_near_its_best_sentence() -> None:
    """"how did korea respond?" had led with the 2023 return, the epilogue of the document on
    Korea's 2019 counter-measures; a sentence far below the best, or one naming the asked day's
    sentence, is left alone."""
    text = (
        "On 24 April 2023, South Korea returned Japan to its top group. "
        "On 2 August 2019, South Korea said it would drop Japan from its own list. "
        "On 1 July 2019, Japan announced its measures"
    )
    late, early, earliest = candidates([passage("counter", text, 1)], AS_OF)
    late.score, early.score, earliest.score = 0.73, 0.66, 0.40
    for cand in (late, early, earliest):
        cand.similarity = 0.5
    picked = selection._earliest_near(late, [late, early, earliest], 0.1)
    assert picked.text == early.text and picked.score == late.score
    late.names_day = True  # "what happened on 24 april 2023": that day's sentence stays
    assert selection._earliest_near(late, [late, early, earliest], 0.1) is late


def test_a_short_answer_is_filled_from_its_lead_document_within_the_wider_margin() -> None:
    """One sentence about the meeting stops at the score margin before the one naming who came;
    the fill adds it from the same document, but never a sentence of another document, one far
    below the lead, or a repeat."""
    text = (
        "The two sides met for five hours in a storeroom in Tokyo. "
        "Iwamatsu led the Japanese side of the meeting. "
        "The room had no table cloth and the tea was not served"
    )
    lead, names, far = candidates([passage("meeting", text, 1)], AS_OF)
    (other,) = candidates([passage("other", "Another document tells of the meeting too", 2)], AS_OF)
    for cand, points in ((lead, 0.8), (names, 0.5), (far, 0.2), (other, 0.79)):
        cand.score, cand.similarity = points, 0.5
        cand.vector = EMBEDDER.encode([cand.text])[0]
    pool = [lead, names, far, other]
    assert selection.filled([lead], pool, 0.1) == [names]
    assert selection.filled([lead, names, far], pool, 0.1) == []  # long enough already
    twin = replace(names, score=0.6)  # the same sentence from an overlapping chunk
    assert selection.filled([lead], [lead, names, twin], 0.1) == [twin]


@pytest.mark.parametrize(
    ("question", "statute"),
    [
        ("what law is japans export control based on", True),
        ("which japanese laws handle that", True),
        ("what does the lawyer say", False),  # a whole word only
    ],
)
def test_law_is_read_as_the_courses_statute_or_act(question: str, statute: bool) -> None:
    """"what law does japan use to control exports" never reached the document on the Act."""
    assert ("statute Act" in synonyms_for(question)) is statute


@pytest.mark.parametrize(
    ("question", "extra"),
    [
        ("whats the max penalty for exporting without a licence", "maximum up to"),
        ("what is the highest fine for a company", "maximum up to"),
        ("is a 25% hf solution caught by row 3(1)", "mixture"),
        ("we make hydrofluoric acid at 25% hf", "mixture"),
        ("is there a solution to the dispute", None),  # not a chemical in water
    ],
)
def test_everyday_words_for_a_ceiling_and_a_solution(question: str, extra: str | None) -> None:
    """The course writes "a fine of up to ..." and "a mixture"; "max" and "solution" are never
    its words."""
    found = [e for e in synonyms_for(question) if e in ("maximum up to", "mixture")]
    assert found == ([extra] if extra else [])


@pytest.mark.parametrize(
    ("question", "corporation"),
    [
        ("max fine for a company that exports without a licence?", True),
        ("and for a firm", True),
        ("which companies got the first licences", True),
        ("what is the maximum fine for an individual", False),
    ],
)
def test_a_company_is_read_as_the_courses_corporation(question: str, corporation: bool) -> None:
    """The penalties are written for "a corporation"; users ask about "a company"."""
    assert ("corporation" in synonyms_for(question)) is corporation


@pytest.mark.parametrize(
    ("question", "supported"),
    [
        ("what % of comments backed it", True),
        ("was the change endorsed by the public", True),
        ("when was korea put back", False),
    ],
)
def test_backed_is_read_as_the_courses_supported(question: str, supported: bool) -> None:
    assert ("supported" in synonyms_for(question)) is supported


def test_the_shape_an_answer_is_asked_in_is_no_unknown_topic() -> None:
    """"Give me the timeline of the dispute in 5 bullet points." was refused: "timeline" and
    "bullet" are words the course never uses, and counted against the question."""
    from bot.retrieval.query import REQUEST_WORDS

    assert {"timeline", "bullet", "bullets", "chronology"} <= REQUEST_WORDS


def test_a_follow_up_keeps_the_conversations_list_but_not_its_move() -> None:
    """"and when was it restored", after Japan's removal of Korea, still asks about Japan's
    list; "when was that reversed" asks for the opposite move, so the move is never carried."""
    cues = question_cues.QuestionCues.of("and when was it restored", lambda t: 1.0)
    assert cues.whose_list == 0
    earlier = ["when did korea take japan off its whitelist", "what was ga-2"]
    carried = cues.following(["when did japan take korea off the white list"])
    assert (carried.whose_list, carried.move) == (1, cues.move)
    assert cues.following(earlier).whose_list == -1  # the newest turn that names a list
    own = question_cues.QuestionCues.of("is korea on japan's white list now", lambda t: 1.0)
    assert own.following(earlier).whose_list == 1  # its own words win


SENTENCES = (
    "The WTO Dispute Settlement Body established the DS590 panel on 29 July 2020.",
    "No WTO panel ever ruled on Japan's export measures in case DS590.",
    "On 1 July 2019, METI announced two changes.",
)


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("did the wto panel ever rule on ds590", "rule"),  # past of the verb: "ruled"
        ("When did Japan announce the export curbs?", "announc"),  # "Japan" is no verb
        ("when did korea take japan to the wto", ""),  # no "taked" among the sentences
        ("what is the panel", ""),  # no auxiliary, no verb to find
    ],
)
def test_the_question_verb_is_read_from_the_retrieved_sentences(question: str, verb: str) -> None:
    assert question_cues.asked_predicate(question, SENTENCES) == verb


def test_a_sentence_telling_the_asked_verb_gains() -> None:
    """Sentences of one topic share its nouns; only the answer shares the verb."""
    cues = question_cues.QuestionCues.of("did the panel ever rule", lambda t: 1.0, SENTENCES)
    established, ruled, _ = (
        cues.adjustment(text, set(tokenize(text))) for text in SENTENCES
    )
    assert ruled - established == question_cues.PREDICATE_BONUS > 0


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("what 3 chemicals did japan restrict for korea", ["3"]),  # counts what is asked
        ("is hf in row 3(1)", []),  # an identifier to match
        ("how many days between 2 and 7 aug", []),
    ],
)
def test_a_number_counting_the_asked_things_is_no_identifier(question, counted) -> None:
    """"what 3 chemicals" had favoured every sentence with a 3 in it ("from 5 types to 3
    types") as if 3 were a row number."""
    assert sentences.COUNTED.findall(question) == counted


def test_three_chemicals_are_the_courses_three_items() -> None:
    assert "three items" in synonyms_for("what 3 chemicals did japan restrict")
    assert "three items" in synonyms_for("the three materials japan tightened")
    assert "three items" not in synonyms_for("which chemicals are on the australia group list")
