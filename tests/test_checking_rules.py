"""Rule files: the real ones load and match the fact sheet; broken ones fail with a message that
names the file and the field."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.checking import RulesError, check_command, load_rules
from bot.checking.countries import place
from bot.config import PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "corpus" / "rules"
FACTS = PROJECT_ROOT.parent / "shared" / "reference" / "facts.md"


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES_DIR)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(directory: Path, name: str, change: Callable[[dict], None]) -> None:
    """Load one rule file, change it, write it back (comments are lost, which is fine here)."""
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def expect_error(directory: Path, file: str, field: str) -> RulesError:
    with pytest.raises(RulesError) as caught:
        load_rules(directory)
    error = caught.value
    assert error.file.endswith(file), str(error)
    assert field in error.field, str(error)
    assert file in str(error) and field in str(error)
    return error


# ---------------------------------------------------------------------------------------------
# The real rules


def test_real_rules_load(rules):
    assert set(rules.items) == {"hydrogen_fluoride", "fluorinated_polyimide", "resist"}
    assert set(rules.parameters) == {
        "hf_weight_percent", "fluorine_weight_percent", "wavelength_nm", "resist_type",
        "ebeam_sensitivity_uc_per_mm2",
    }
    assert rules.parameters["resist_type"].choices == (
        "positive", "negative", "euv", "ebeam", "imprint",
    )


def test_group_a_has_26_plus_korea(rules):
    # L14 / contradiction 9: 26 names before 21 July 2023, 27 with the ROK from then;
    # T19: 27 before 28 August 2019.
    def group_a(day: date) -> set[str]:
        return {c for c in rules.countries if place(rules.countries[c], day, rules).group.code
                == "A"}

    assert len(group_a(date(2019, 8, 27))) == 27  # T19, contradiction 9
    assert len(group_a(date(2019, 8, 28))) == 26  # T19
    assert len(group_a(date(2023, 7, 20))) == 26  # contradiction 9
    assert len(group_a(date(2023, 7, 21))) == 27  # T47, T48
    assert "TR" not in group_a(date(2019, 1, 1))  # T19: Turkey was not a white country


def test_group_b_and_d_members(rules):
    day = date(2024, 1, 1)
    groups = {c: place(rules.countries[c], day, rules).group.code
              for c in ("EE", "LV", "LT", "ZA", "TR", "IR", "IQ", "KP", "UA", "VN")}
    # L15 (weak) for B, L15 (recalled) for D, everything else C; T19: Ukraine was not white.
    assert groups == {"EE": "B", "LV": "B", "LT": "B", "ZA": "B", "TR": "B", "IR": "D",
                      "IQ": "D", "KP": "D", "UA": "C", "VN": "C"}
    assert "recalled" in rules.groups["D"].confidence


def test_korea_group_dates_agree_between_corpus_and_rules(rules):
    """T16, T20, L9, contradiction 9: the checker and the course give Korea the same dates.

    Each dated membership's boundaries are written in the document it cites, and every corpus
    paragraph that puts South Korea in Group B gives the day that took effect.
    """
    from bot.dates import format_date as show_date
    from bot.ingest.documents import load_corpus

    docs = {d.id: d for d in load_corpus(PROJECT_ROOT / "corpus")}
    korea = [m for m in rules.memberships if m.country == "KR"]
    assert [(m.group, m.start, m.end) for m in korea] == [
        ("A", None, date(2019, 8, 27)), ("B", date(2019, 8, 28), date(2023, 7, 20)),
        ("A", date(2023, 7, 21), None),
    ]
    for m in korea:
        text = docs[m.note.citation].text
        for day in (m.start, m.end):
            if day is not None:
                assert show_date(day) in text, (m.note.citation, day)
    start_b = show_date(korea[1].start)
    for doc in docs.values():
        for paragraph in doc.text.split("\n\n"):
            if re.search(r"South Korea (?:was )?(?:put|placed) in Group B", paragraph):
                assert start_b in paragraph, (doc.id, paragraph)


def test_rule_periods_lie_within_the_state_documents_they_cite(rules):
    """A dated rule that cites a state document holds only while that state does, so the
    checker and the chat never disagree about a date (three-items, resist, Korea's groups)."""
    from bot.ingest.documents import load_corpus

    docs = {d.id: d for d in load_corpus(PROJECT_ROOT / "corpus")}
    spans = [(m.id, m.start, m.end, m.note.citation) for m in rules.measures]
    spans += [(f"KR {m.group}", m.start, m.end, m.note.citation)
              for m in rules.memberships if m.start or m.end]
    checked = 0
    for name, start, end, cited in spans:
        doc = docs[cited]
        if doc.kind != "state":
            continue
        checked += 1
        assert start is not None and start >= doc.valid_from, (name, cited)
        if doc.valid_to:
            assert end is not None and end <= doc.valid_to, (name, cited)
    assert checked >= 4


def test_every_fact_id_exists_in_the_fact_sheet(rules):
    if not FACTS.exists():
        pytest.skip("shared/reference/facts.md is not beside this checkout")
    text = FACTS.read_text(encoding="utf-8")
    known = set(re.findall(r"\*\*([TLRKFC]\d+)", text))
    contradictions = len(re.findall(r"(?m)^\d+\. \*\*", text.split("## 7.")[-1]))
    assert {"T7", "L13", "R2"} <= known
    for note in all_notes(rules):
        for fact in note.facts:
            if fact.startswith("contradiction "):
                assert 1 <= int(fact.split()[1]) <= contradictions
            else:
                assert fact in known, fact


def all_notes(rules) -> list:
    notes = [rules.technology.note, rules.other_licences, rules.meta.unknown_item,
             rules.meta.classification, rules.meta.list_control, rules.meta.groups_renamed,
             rules.catch_all.listed, rules.catch_all.group_a, rules.catch_all.applies_if,
             rules.catch_all.technology]
    for item in rules.items.values():
        notes += [item.entry, item.not_listed, *item.not_listed_notes]
        notes += [clause.note for clause in item.clauses]
        notes += [e.note for e in item.extractors if e.note is not None]
    notes += [m.note for m in rules.measures] + [m.note for m in rules.memberships]
    notes += [g.note for g in rules.group_licences.values()]
    notes += [t.note for t in rules.licence_types.values()]
    return notes


def test_every_citation_is_a_listed_document(rules):
    documents = set(rules.meta.documents)
    assert len(documents) == 21
    for note in all_notes(rules):
        assert note.citation in documents
        assert note.facts


# ---------------------------------------------------------------------------------------------
# Broken rules


def test_word_note_needs_text_citation_and_facts(rules_copy):
    def drop_citation(data):
        resist = next(i for i in data["items"] if i["id"] == "resist")
        noted = next(e for e in resist["extract"] if "text" in e)
        del noted["citation"]

    edit(rules_copy, "items.yaml", drop_citation)
    expect_error(rules_copy, "items.yaml", "extract")


def test_yaml_syntax_error(rules_copy):
    path = rules_copy / "measures.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [unclosed\n", encoding="utf-8")
    expect_error(rules_copy, "measures.yaml", "YAML syntax")


def test_citation_not_a_document(rules_copy):
    edit(rules_copy, "measures.yaml",
         lambda d: d["measures"][0].update(citation="some-blog-post"))
    error = expect_error(rules_copy, "measures.yaml", "measures[0].citation")
    assert "some-blog-post" in str(error)


def test_missing_field(rules_copy):
    edit(rules_copy, "items.yaml", lambda d: d["items"][0].pop("goods_entry"))
    error = expect_error(rules_copy, "items.yaml", "items[0].goods_entry")
    assert "missing" in str(error)


def test_unknown_field(rules_copy):
    edit(rules_copy, "items.yaml", lambda d: d["items"][2].update(colour="red"))
    expect_error(rules_copy, "items.yaml", "items[2].colour")


def test_bad_date(rules_copy):
    edit(rules_copy, "measures.yaml", lambda d: d["measures"][0].update({"from": "2019-13-04"}))
    expect_error(rules_copy, "measures.yaml", "measures[0].from")


def test_period_ends_before_it_starts(rules_copy):
    edit(rules_copy, "measures.yaml", lambda d: d["measures"][0].update({"to": "2019-01-01"}))
    expect_error(rules_copy, "measures.yaml", "measures[0]")


def test_unknown_parameter_in_clause(rules_copy):
    def change(d: dict) -> None:
        d["items"][0]["clauses"][0]["when"] = {"purity_percent": {"gt": 30}}

    edit(rules_copy, "items.yaml", change)
    expect_error(rules_copy, "items.yaml", "items[0].clauses[0].when.purity_percent")


def test_range_test_on_a_choice_parameter(rules_copy):
    def change(d: dict) -> None:
        d["items"][2]["clauses"][0]["when"]["resist_type"] = {"gt": 3}

    edit(rules_copy, "items.yaml", change)
    expect_error(rules_copy, "items.yaml", "items[2].clauses[0].when.resist_type")


def test_unknown_choice(rules_copy):
    def change(d: dict) -> None:
        d["items"][2]["clauses"][1]["when"]["resist_type"] = {"in": ["x-ray"]}

    edit(rules_copy, "items.yaml", change)
    expect_error(rules_copy, "items.yaml", "items[2].clauses[1].when.resist_type.in")


def test_bad_regular_expression(rules_copy):
    edit(rules_copy, "items.yaml",
         lambda d: d["items"][0]["extract"][0].update(patterns=["(\\d+%"]))
    expect_error(rules_copy, "items.yaml", "items[0].extract[0].patterns[0]")


def test_bad_fact_id(rules_copy):
    edit(rules_copy, "licences.yaml", lambda d: d["licence_types"][0].update(facts=["X9"]))
    expect_error(rules_copy, "licences.yaml", "licence_types[0].facts[0]")


def test_unknown_placeholder(rules_copy):
    edit(rules_copy, "items.yaml",
         lambda d: d["items"][0]["clauses"][0].update(text="HF is {colour}"))
    error = expect_error(rules_copy, "items.yaml", "items[0].clauses[0].text")
    assert "{colour}" in str(error)


def test_country_in_two_groups_on_one_day(rules_copy):
    edit(rules_copy, "destinations.yaml", lambda d: d["groups"][1]["members"].append("KR"))
    error = expect_error(rules_copy, "destinations.yaml", "memberships[0]")
    assert "KR is in group A and group B" in str(error)


def test_unquoted_norway_is_caught(rules_copy):
    path = rules_copy / "destinations.yaml"
    text = path.read_text(encoding="utf-8")
    assert ' "NO",' in text
    path.write_text(text.replace(' "NO",', " NO,", 1), encoding="utf-8")
    error = expect_error(rules_copy, "destinations.yaml", "groups[0].members")
    assert "quote" in str(error)


def test_country_aliases_need_iso_codes_and_unique_names(rules_copy):
    """Countries come from pycountry; an alias for a code ISO lacks, or a name two countries
    would share, names the file and the field."""
    edit(rules_copy, "countries.yaml", lambda d: d["countries"]["aliases"].update(XX=["Oz"]))
    error = expect_error(rules_copy, "countries.yaml", "countries.aliases.XX")
    assert "not an ISO 3166 alpha-2 country code" in str(error)
    edit(rules_copy, "countries.yaml",
         lambda d: (d["countries"]["aliases"].pop("XX"),
                    d["countries"]["aliases"]["KP"].append("ROK")))
    error = expect_error(rules_copy, "countries.yaml", "countries.aliases.KR")
    assert "'ROK' is also used by" in str(error)


def test_countries_come_from_iso(rules):
    assert len(rules.countries) == 249
    assert rules.countries["KR"].name == "South Korea" and rules.countries["KR"].alpha3 == "KOR"
    assert "Korea, Republic of" in rules.countries["KR"].aliases  # ISO's own name, accepted
    assert "ROK" in rules.countries["KR"].aliases  # ours


def test_unknown_licence_type(rules_copy):
    edit(rules_copy, "measures.yaml",
         lambda d: d["measures"][0].update(licence_types=["golden_ticket"]))
    expect_error(rules_copy, "measures.yaml", "measures[0].licence_types[0]")


def test_overlapping_measures_with_same_priority(rules_copy):
    edit(rules_copy, "measures.yaml", lambda d: d["measures"][1].update(priority=1))
    error = expect_error(rules_copy, "measures.yaml", "measures[1]")
    assert "priority" in str(error)


def test_unknown_item_in_measure(rules_copy):
    edit(rules_copy, "measures.yaml", lambda d: d["measures"][0]["items"].append("uranium"))
    expect_error(rules_copy, "measures.yaml", "measures[0].items[3]")


def test_section_defined_twice(rules_copy):
    (rules_copy / "extra.yaml").write_text("places:\n  Gwangju: \"KR\"\n", encoding="utf-8")
    error = expect_error(rules_copy, "extra.yaml", "places")
    assert "destinations.yaml" in str(error)


def test_missing_section(rules_copy):
    (rules_copy / "licences.yaml").unlink()
    error = expect_error(rules_copy, "rules", "licence_types")
    assert "missing" in str(error)


def test_empty_directory(tmp_path):
    with pytest.raises(RulesError, match="no rule files"):
        load_rules(tmp_path)


def test_cli_reports_broken_rules(rules_copy, monkeypatch):
    edit(rules_copy, "measures.yaml",
         lambda d: d["measures"][0].update(citation="some-blog-post"))
    monkeypatch.setenv("BOT_RULES_DIR", str(rules_copy))
    result = CliRunner().invoke(check_command, ["EUV resist", "--to", "KR"])
    assert result.exit_code == 1
    assert "measures.yaml" in result.output
    assert "measures[0].citation" in result.output
    assert "Traceback" not in result.output
