"""Product checker: verdicts, licence types, catch-all, parsing, CLI and chat routing.

Every expected verdict comes from the fact sheet (shared/reference/facts.md); the comment on
each case names the fact ids it traces to. Nothing here loads a model.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from bot.checking import (
    LICENCE_REQUIRED,
    NEED_MORE_INFORMATION,
    NOT_LISTED,
    CheckInputError,
    CheckRequest,
    CheckResult,
    check_command,
    check_product,
    load_rules,
    parse_check_question,
    render_markdown,
    render_text,
)
from bot.checking.countries import find_countries
from bot.checking.result import parse_date
from bot.config import PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "corpus" / "rules"
TODAY = date.today()

# The corpus documents the rules may cite (issue 5).
DOCUMENTS = {
    "appended-table-1-three-items", "resist-3c002", "fluorinated-polyimide-control",
    "hydrogen-fluoride-chemistry", "group-a-countries", "group-categories-a-to-d",
    "korea-group-b-2019-2023", "white-list-removal-2019", "white-list-restoration-2023",
    "three-items-individual-licences-2019", "resist-specific-bulk-2019-12", "settlement-2023-03",
    "three-items-today", "catch-all-controls", "licence-types", "appended-table-3-white-list",
    "faq-exporting-three-items-today", "export-trade-control-order", "fefta-overview",
    "foreign-exchange-order-technology", "lithography-wavelengths",
}

# A listed product of each item (L6, R2): 50% HF (> 30%), 12% bound fluorine (>= 10%),
# an EUV resist (below 15 nm, above 1 nm).
LISTED = {
    "hydrogen_fluoride": {"hf_weight_percent": "50"},
    "fluorinated_polyimide": {"fluorine_weight_percent": "12"},
    "resist": {"resist_type": "euv"},
}
IND = ["individual"]
IND_SPECIFIC = ["individual", "specific_bulk"]
IND_SGB = ["individual", "special_general_bulk"]
ALL_A = ["individual", "general_bulk", "special_general_bulk"]


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES_DIR)


def check(rules, description: str = "", **kwargs) -> CheckResult:
    return check_product(CheckRequest(description=description, **kwargs), rules=rules)


def listed(rules, item: str, to: str, day: date | str) -> CheckResult:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return check(rules, item=item, params=LISTED[item], destination=to, date=day)


def licence_ids(result: CheckResult) -> list[str]:
    return [t.id for t in result.licence_types]


def all_text(result: CheckResult) -> str:
    return " ".join(s.text for s in result.steps)


# ---------------------------------------------------------------------------------------------
# South Korea over time: group and licence types for the three listed items


KR_TIMELINE = [
    # date, group, licence types for hydrogen fluoride and fluorinated polyimide, for resist
    # T16, L13, T9, contradiction 3: white country before the measures; general bulk or
    # special general bulk (do not claim only one).
    ("2019-07-03", "A", ALL_A, ALL_A),
    # T1, T7: individual licences from 4 July 2019; T16: still Group A until 27 Aug 2019.
    ("2019-07-04", "A", IND, IND),
    ("2019-08-27", "A", IND, IND),  # T7, T16
    ("2019-08-28", "B", IND, IND),  # T7, T16, T20: Group B from 28 Aug 2019
    ("2019-12-19", "B", IND, IND),  # T7, T36: the resist change starts 20 Dec 2019
    ("2019-12-20", "B", IND, IND_SPECIFIC),  # T36: specific bulk for resist only
    ("2023-03-22", "B", IND, IND_SPECIFIC),  # T36, T42: last day before the settlement
    # T41, T42, contradiction 3: special general bulk again; still Group B, so no general bulk.
    ("2023-03-23", "B", IND_SGB, IND_SGB),
    ("2023-07-20", "B", IND_SGB, IND_SGB),  # T41, T47: Group B until 20 Jul 2023
    # T47, T41: Group A again; general bulk for the three items to KR is not confirmed
    # by the sources (three-items-today), so only what T41 says is given.
    ("2023-07-21", "A", IND_SGB, IND_SGB),
    (TODAY.isoformat(), "A", IND_SGB, IND_SGB),  # T47, T48, T41
]


@pytest.mark.parametrize("item", sorted(LISTED))
@pytest.mark.parametrize(("day", "group", "other_types", "resist_types"), KR_TIMELINE)
def test_korea_timeline(rules, item, day, group, other_types, resist_types):
    result = listed(rules, item, "KR", day)
    assert result.verdict == LICENCE_REQUIRED  # C2: list control for every destination
    assert result.destination.code == "KR"
    assert result.destination.group == group
    assert licence_ids(result) == (resist_types if item == "resist" else other_types)
    assert result.catch_all.status == "not_relevant"  # L10, C2: catch-all is for unlisted goods
    assert result.as_of == date.fromisoformat(day)


@pytest.mark.parametrize(
    ("day", "citation"),
    [
        ("2019-07-04", "three-items-individual-licences-2019"),  # T7
        ("2019-12-20", "resist-specific-bulk-2019-12"),  # T36
        ("2023-03-23", "settlement-2023-03"),  # T41, T42
        ("2023-07-21", "white-list-restoration-2023"),  # T47
        ("2019-08-28", "korea-group-b-2019-2023"),  # T16, T20
    ],
)
def test_korea_steps_cite_the_measure(rules, day, citation):
    result = listed(rules, "resist", "KR", day)
    assert citation in {s.citation for s in result.steps}


def test_resist_change_gives_both_framings(rules):
    # contradiction 4: JoongAng (easing) and the Japanese government (not an easing).
    text = all_text(listed(rules, "resist", "KR", "2020-01-15"))
    assert "JoongAng" in text
    assert "not an easing" in text


def test_white_country_name_before_august_2019(rules):
    # T20: the A-D names are in use from 2 August 2019; before that "white countries".
    before = all_text(listed(rules, "resist", "US", "2019-08-01"))
    after = all_text(listed(rules, "resist", "US", "2019-08-02"))
    assert "white countries" in before
    assert "not yet in use" in before
    assert "not yet in use" not in after


# ---------------------------------------------------------------------------------------------
# Other destinations


OTHER_DESTINATIONS = [
    # code, group, licence types for a listed item
    ("US", "A", ALL_A),  # L14 (weak), L13: general bulk only for Group A
    ("DE", "A", ALL_A),  # L14, L13
    ("TR", "B", IND_SGB),  # L15 (weak), L13, T19: Turkey not a white country
    ("EE", "B", IND_SGB),  # L15, L13
    ("VN", "C", IND_SGB),  # L15: everyone else is C; L13 special general bulk can go beyond A
    ("CN", "C", IND_SGB),  # L15, L13
    ("IR", "D", IND),  # L15 (recalled): bulk licences for Group D not in the facts
    ("KP", "D", IND),  # L15 (recalled)
]


@pytest.mark.parametrize("item", sorted(LISTED))
@pytest.mark.parametrize(("code", "group", "types"), OTHER_DESTINATIONS)
@pytest.mark.parametrize("day", ["2019-07-03", "2019-12-20", "2023-03-23", TODAY.isoformat()])
def test_other_destinations(rules, item, code, group, types, day):
    result = listed(rules, item, code, day)
    assert result.verdict == LICENCE_REQUIRED  # C2
    assert result.destination.group == group
    assert licence_ids(result) == types


# L15 (weak; D recalled), L14 (weak): wherever the checker shows a group, it says how far the
# group's list can be trusted.
GROUP_CAVEATS = [
    ("US", "A", ["weak source"]),
    ("TR", "B", ["2023", "2 August 2019"]),
    ("KR", "B", ["2023", "2 August 2019"]),  # on 2020-01-15 (T16, T20)
    ("VN", "C", ["2023", "Iran, Iraq and North Korea"]),
    ("IR", "D", ["only Iran, Iraq and North Korea", "recalled"]),
]


@pytest.mark.parametrize(("code", "group", "words"), GROUP_CAVEATS)
def test_group_is_shown_with_its_caveat(rules, code, group, words):
    result = listed(rules, "resist", code, "2020-01-15")
    assert result.destination.group == group
    destination_step = next(s.text for s in result.steps if s.text.startswith("Destination on"))
    (line,) = [x for x in render_text(result).splitlines() if x.startswith("- Destination:")]
    for text in (destination_step, line, result.destination.group_caveat):
        for word in words:
            assert word in text, (word, text)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("is hf controlled by the australia group", []),  # R4: a regime, not a destination
        ("hf to australia, licence?", ["AU"]),
        ("we ship hf to korea group b era, licence?", ["KR"]),
    ],
)
def test_a_regime_named_after_a_country_is_no_destination(rules, text, codes):
    assert [code for code, _ in find_countries(text, rules)] == codes


def test_group_d_is_marked_unconfirmed(rules):
    result = listed(rules, "resist", "IR", TODAY)  # L15: Group D definition is recalled
    assert "unconfirmed" in all_text(result)


def test_group_a_list_is_marked_weak(rules):
    result = listed(rules, "resist", "US", TODAY)  # L14: verified (weak)
    assert "weak source" in all_text(result)


def test_special_general_bulk_needs_compliance_programme(rules):
    result = listed(rules, "hydrogen_fluoride", "KR", "2023-03-23")  # L13
    (sgb,) = [t for t in result.licence_types if t.id == "special_general_bulk"]
    assert "compliance programme" in sgb.description


# ---------------------------------------------------------------------------------------------
# Thresholds: just below and at each limit


THRESHOLDS = [
    ("hydrogen_fluoride", {"hf_weight_percent": "30"}, NOT_LISTED),  # L6: over 30% only
    ("hydrogen_fluoride", {"hf_weight_percent": "30.01"}, LICENCE_REQUIRED),  # L6
    ("hydrogen_fluoride", {"hf_weight_percent": "0"}, NOT_LISTED),  # L6
    ("hydrogen_fluoride", {"hf_weight_percent": "100"}, LICENCE_REQUIRED),  # L6
    ("fluorinated_polyimide", {"fluorine_weight_percent": "9.99"}, NOT_LISTED),  # L6, R3
    ("fluorinated_polyimide", {"fluorine_weight_percent": "10"}, LICENCE_REQUIRED),  # L6, R3
    # R2: positive resists for 15 nm to below 245 nm; any resist below 15 nm above 1 nm.
    ("resist", {"resist_type": "positive", "wavelength_nm": "14.9"}, LICENCE_REQUIRED),  # R2
    ("resist", {"resist_type": "positive", "wavelength_nm": "15"}, LICENCE_REQUIRED),  # R2, L6
    ("resist", {"resist_type": "positive", "wavelength_nm": "193"}, LICENCE_REQUIRED),  # R2
    ("resist", {"resist_type": "positive", "wavelength_nm": "244.9"}, LICENCE_REQUIRED),  # R2
    ("resist", {"resist_type": "positive", "wavelength_nm": "245"}, NOT_LISTED),  # R2, L6
    ("resist", {"resist_type": "positive", "wavelength_nm": "1"}, NOT_LISTED),  # R2: above 1 nm
    ("resist", {"resist_type": "positive", "wavelength_nm": "1.01"}, LICENCE_REQUIRED),  # R2
    ("resist", {"resist_type": "negative", "wavelength_nm": "14.9"}, LICENCE_REQUIRED),  # R2
    ("resist", {"resist_type": "negative", "wavelength_nm": "15"}, NOT_LISTED),  # R2
    ("resist", {"resist_type": "negative", "wavelength_nm": "248"}, NOT_LISTED),  # R2
    ("resist", {"wavelength_nm": "248"}, NOT_LISTED),  # R2: 248 >= 245 whatever the tone
    ("resist", {"wavelength_nm": "13.5"}, LICENCE_REQUIRED),  # R2: EUV band, any tone
    ("resist", {"resist_type": "euv"}, LICENCE_REQUIRED),  # R2
    ("resist", {"resist_type": "euv", "wavelength_nm": "13.5"}, LICENCE_REQUIRED),  # R2
    ("resist", {"resist_type": "ebeam"}, NEED_MORE_INFORMATION),  # R2, R9: sensitivity decides
    ("resist", {"resist_type": "imprint"}, NEED_MORE_INFORMATION),  # R2: "certain" ones
]


@pytest.mark.parametrize(("item", "params", "verdict"), THRESHOLDS)
def test_thresholds(rules, item, params, verdict):
    result = check(rules, item=item, params=params, destination="US", date=date(2024, 1, 1))
    assert result.verdict == verdict
    assert result.item == item
    if verdict == LICENCE_REQUIRED:
        assert licence_ids(result) == ALL_A  # L13, US in Group A (L14)
    else:
        assert result.licence_types == ()


def test_ebeam_asks_for_its_sensitivity(rules):
    # R2, R9 note: an e-beam resist is listed only at 0.01 µC/mm² or better, so ask.
    result = check(rules, item="resist", params={"resist_type": "ebeam"}, destination="US")
    assert result.verdict == NEED_MORE_INFORMATION
    assert result.missing_parameters == ("ebeam_sensitivity_uc_per_mm2",)
    assert "0.01 µC/mm²" in result.questions[0]


def test_cli_ebeam_resist_asks_for_sensitivity():
    """Issue 13: `bot check "e-beam resist" --to KR` asks instead of answering "listed"."""
    out = CliRunner().invoke(check_command, ["e-beam resist", "--to", "KR", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["verdict"] == NEED_MORE_INFORMATION
    assert data["missing_parameters"] == ["ebeam_sensitivity_uc_per_mm2"]


# Each boundary of 3C002 as the fact sheet gives it (R2, L6, R9): just on the listed side, on
# the boundary, just on the other side. Units: µC/mm² for e-beam, nm for the bands.
BOUNDARIES = [
    # e-beam / ion-beam resists: listed at 0.01 µC/mm² or better, i.e. 0.01 or less (R2)
    ({"resist_type": "ebeam", "ebeam_sensitivity_uc_per_mm2": "0.009"}, LICENCE_REQUIRED),
    ({"resist_type": "ebeam", "ebeam_sensitivity_uc_per_mm2": "0.01"}, LICENCE_REQUIRED),
    ({"resist_type": "ebeam", "ebeam_sensitivity_uc_per_mm2": "0.0101"}, NOT_LISTED),
    ({"resist_type": "ebeam", "ebeam_sensitivity_uc_per_mm2": "1"}, NOT_LISTED),
    # 245 nm: positive resists below 245 nm (R2, L6: "up to but not including 245 nm")
    ({"resist_type": "positive", "wavelength_nm": "244.99"}, LICENCE_REQUIRED),
    ({"resist_type": "positive", "wavelength_nm": "245"}, NOT_LISTED),
    ({"resist_type": "positive", "wavelength_nm": "245.01"}, NOT_LISTED),
    # 15 nm: the positive band starts at 15 nm; below it any resist is in the EUV band (R2)
    ({"resist_type": "positive", "wavelength_nm": "15.01"}, LICENCE_REQUIRED),
    ({"resist_type": "positive", "wavelength_nm": "15"}, LICENCE_REQUIRED),
    ({"resist_type": "positive", "wavelength_nm": "14.99"}, LICENCE_REQUIRED),
    ({"resist_type": "negative", "wavelength_nm": "15.01"}, NOT_LISTED),
    ({"resist_type": "negative", "wavelength_nm": "15"}, NOT_LISTED),
    ({"resist_type": "negative", "wavelength_nm": "14.99"}, LICENCE_REQUIRED),
    # 1 nm: the EUV band is above 1 nm (R2)
    ({"resist_type": "negative", "wavelength_nm": "1.01"}, LICENCE_REQUIRED),
    ({"resist_type": "negative", "wavelength_nm": "1"}, NOT_LISTED),
    ({"resist_type": "negative", "wavelength_nm": "0.99"}, NOT_LISTED),
]


@pytest.mark.parametrize(("params", "verdict"), BOUNDARIES)
def test_3c002_boundaries(rules, params, verdict):
    result = check(rules, item="resist", params=params, destination="KR", date=date(2024, 1, 1))
    assert result.verdict == verdict
    assert result.missing_parameters == ()


# Wavelength words (R9): the value they stand for, the verdict for a positive resist, and the
# step that says so, citing the document that holds R9.
WAVELENGTH_WORDS = [
    ("positive g-line resist", 436.0, NOT_LISTED),
    ("positive i-line resist", 365.0, NOT_LISTED),
    ("positive KrF resist", 248.0, NOT_LISTED),
    ("positive ArF resist", 193.0, LICENCE_REQUIRED),
    ("positive ArF immersion resist", 193.0, LICENCE_REQUIRED),
    ("positive ArFi resist", 193.0, LICENCE_REQUIRED),
    ("positive EUV resist", 13.5, LICENCE_REQUIRED),
]


@pytest.mark.parametrize(("description", "nm", "verdict"), WAVELENGTH_WORDS)
def test_wavelength_words_map_to_r9_with_citation(rules, description, nm, verdict):
    result = check(rules, description, destination="US", date=date(2024, 1, 1))
    assert result.parameters["wavelength_nm"] == nm
    assert result.verdict == verdict
    cited = [s for s in result.steps if s.citation == "lithography-wavelengths"]
    assert len(cited) == 1 and f"{nm:g} nm" in cited[0].text


def test_a_wavelength_given_explicitly_needs_no_word_note(rules):
    result = check(rules, "positive ArF resist", destination="US",
                   params={"wavelength_nm": "193"})
    assert not any(s.citation == "lithography-wavelengths" for s in result.steps)


def test_a_word_and_a_number_that_disagree_are_not_guessed(rules):
    result = check(rules, "positive KrF resist at 193 nm", destination="US")
    assert "wavelength_nm" not in result.parameters
    assert "differing values" in all_text(result)


def test_imprint_asks_without_inventing_parameters(rules):
    result = check(rules, item="resist", params={"resist_type": "imprint"}, destination="US")
    assert result.verdict == NEED_MORE_INFORMATION  # R2: "certain imprint-lithography resists"
    assert result.missing_parameters == ()
    assert any("imprint" in q for q in result.questions)


def test_not_listed_resist_mentions_other_3c002_criteria(rules):
    params = {"resist_type": "negative", "wavelength_nm": "248"}
    text = all_text(check(rules, item="resist", params=params, destination="US"))
    assert "surface imaging" in text  # R2
    assert "CISTEC" in text  # C4


def test_control_entries(rules):
    rows = {
        "hydrogen_fluoride": ("3(1)", "Art. 2(1)(i)(he)", "Australia Group"),  # L6, R4
        "fluorinated_polyimide": ("5(17)", "Art. 4 item 14 (ro)", "Wassenaar"),  # L6, L5
        "resist": ("7(19)", "Art. 6 item 19", "3C002"),  # L6, R2
    }
    for item, (row, ordinance, international) in rows.items():
        (entry,) = listed(rules, item, "US", TODAY).control_entries
        assert row in entry.row
        assert ordinance in entry.ordinance
        assert international in entry.international


def test_fluorinated_polyimide_wassenaar_number_marked_recalled(rules):
    (entry,) = listed(rules, "fluorinated_polyimide", "US", TODAY).control_entries
    assert "1C009.b" in entry.international  # R3: the entry number is recalled
    assert "unconfirmed" in entry.international


# ---------------------------------------------------------------------------------------------
# Catch-all for products that are not listed


CATCH_ALL = [
    ("KR", "2019-08-27", "does_not_apply"),  # T16, L9, C2: still Group A
    ("KR", "2019-08-28", "applies_if"),  # T16, T17: subject to catch-all after delisting
    ("KR", "2023-07-20", "applies_if"),  # T47: Group B until 20 July 2023
    ("KR", "2023-07-21", "does_not_apply"),  # T47, L9
    ("US", "2024-01-01", "does_not_apply"),  # L14, L9, C2
    ("TR", "2024-01-01", "applies_if"),  # L15, L10: WMD catch-all for all outside Group A
    ("VN", "2024-01-01", "applies_if"),  # L15, L10
    ("IR", "2024-01-01", "applies_if"),  # L15 (recalled), L10
]


@pytest.mark.parametrize(("code", "day", "status"), CATCH_ALL)
def test_catch_all_for_unlisted_hf(rules, code, day, status):
    result = check(rules, item="hydrogen_fluoride", params={"hf_weight_percent": "30"},
                   destination=code, date=date.fromisoformat(day))
    assert result.verdict == NOT_LISTED  # L6: exactly 30% is not over 30%
    assert result.catch_all.status == status
    assert result.catch_all.citation == "catch-all-controls"
    if status == "applies_if":  # L10: inform requirement, WMD / conventional end use
        assert "METI informs" in result.summary
        joined = " ".join(result.catch_all.questions)
        assert "informed" in joined
        assert "weapons of mass destruction" in joined
        assert "conventional-weapons" in joined
    else:  # L9, C2
        assert "does not apply" in result.summary
        assert result.catch_all.questions == ()


def test_catch_all_for_unknown_product_outside_group_a(rules):
    result = check(rules, "ceramic capacitors", destination="VN")
    assert result.verdict == NEED_MORE_INFORMATION  # L5: other rows not covered
    assert result.catch_all.status == "applies_if"  # L10, C2


# A product the exporter says is on no control list: not asked which of the three items it is,
# but given the catch-all for its destination and date (L5: rows 1-15 are the list controls,
# row 16 the catch-all; L10: catch-all for goods that are not list-controlled).
STATED_UNLISTED = [
    ("non-listed machine parts", "KR", "2019-09-30", "applies_if"),  # T16, T17: Group B
    ("our pump is not on any control list", "KR", "2021-05-01", "applies_if"),  # T47
    ("an unlisted valve", "KR", "2023-07-21", "does_not_apply"),  # T47, L9: Group A again
    ("a gasket that isn't on any list", "DE", TODAY.isoformat(), "does_not_apply"),  # L9
]


@pytest.mark.parametrize(("description", "to", "day", "status"), STATED_UNLISTED)
def test_a_product_stated_as_unlisted_gets_the_catch_all(rules, description, to, day, status):
    result = check(rules, description, destination=to, date=date.fromisoformat(day))
    assert result.verdict == NOT_LISTED and result.item is None
    assert result.catch_all.status == status
    assert "item" not in result.missing_parameters
    assert "by your own classification" in result.summary
    assert "catch-all-controls" in {s.citation for s in result.steps}
    assert render_markdown(result).startswith("**Not listed, by your own classification**")


@pytest.mark.parametrize("description", [
    "a pump for Korea, which is not on the white list",  # a destination's group, not a product
    "a pump",
])
def test_only_a_stated_classification_skips_the_item_question(rules, description):
    result = check(rules, description, destination="KR", date=date(2020, 1, 15))
    assert result.verdict == NEED_MORE_INFORMATION and "item" in result.missing_parameters


# A product the exporter calls list-controlled, none of the three items: the licence duty for
# every destination (C2) and the destination's licence types on the date (L9: Group A may use
# the general bulk licence; T16, T17: South Korea in Group B from 28 August 2019).
STATED_LISTED = [
    ("a list-controlled item", "US", TODAY.isoformat(), {"general_bulk"}, set()),
    ("our listed chemicals", "KR", "2020-06-01", {"special_general_bulk"}, {"general_bulk"}),
]


@pytest.mark.parametrize(("description", "to", "day", "has", "lacks"), STATED_LISTED)
def test_a_product_stated_as_listed_gets_the_licence_types(rules, description, to, day, has,
                                                           lacks):  # fmt: skip
    result = check(rules, description, destination=to, date=date.fromisoformat(day))
    assert result.verdict == LICENCE_REQUIRED and result.item is None
    types = {t.id for t in result.licence_types}
    assert has <= types and not lacks & types
    assert "item" not in result.missing_parameters
    assert render_markdown(result).startswith("**Listed, by your own classification")


@pytest.mark.parametrize("description", ["is it listed? a pump", "is a pump list-controlled"])
def test_asking_whether_it_is_listed_states_nothing(rules, description):
    result = check(rules, description, destination="KR", date=date(2024, 1, 15))
    assert result.verdict == NEED_MORE_INFORMATION and "item" in result.missing_parameters


def test_a_named_item_is_tested_even_when_called_unlisted(rules):
    result = check(rules, "our 50% hydrogen fluoride, not listed we think", destination="KR",
                   date=date(2024, 1, 15))
    assert result.verdict == LICENCE_REQUIRED  # L6: over 30% is listed, whatever is believed


# ---------------------------------------------------------------------------------------------
# Missing parameters and unknown products


MISSING = [
    ("hydrogen fluoride", ["hf_weight_percent"]),  # L6: the share decides
    ("fluorinated polyimide film", ["fluorine_weight_percent"]),  # L6
    ("photoresist", ["resist_type", "wavelength_nm"]),  # R2
    ("positive photoresist", ["wavelength_nm"]),  # R2: positive needs the band
    ("negative photoresist", ["wavelength_nm"]),  # R2: EUV band would still catch it
    ("ArF photoresist", ["resist_type"]),  # R2: only positive resists in 15-245 nm
]


@pytest.mark.parametrize(("description", "missing"), MISSING)
def test_missing_parameters(rules, description, missing):
    result = check(rules, description, destination="KR", date=date(2020, 1, 15))
    assert result.verdict == NEED_MORE_INFORMATION
    assert list(result.missing_parameters) == missing
    assert len(result.questions) >= len(missing)
    assert result.licence_types == ()
    # T7: if it turns out to be listed, only individual licences then.
    assert "If it is listed" in all_text(result)


def test_krf_resist_needs_no_more_questions(rules):
    result = check(rules, "KrF photoresist", destination="KR", date=date(2020, 1, 15))
    assert result.verdict == NOT_LISTED  # R2: 248 nm is not below 245 nm
    assert result.missing_parameters == ()
    assert result.catch_all.status == "applies_if"  # T17: KR in Group B then


def test_missing_destination(rules):
    result = check(rules, "50% hydrogen fluoride")
    assert result.verdict == NEED_MORE_INFORMATION
    assert result.missing_parameters == ("destination",)
    assert "every destination" in result.summary  # C2: listed whatever the destination
    assert result.destination is None


def test_unknown_product(rules):
    result = check(rules, "stainless steel bolts", destination="KR")
    assert result.verdict == NEED_MORE_INFORMATION
    assert result.item is None
    assert result.control_entries == ()
    assert "item" in result.missing_parameters
    text = all_text(result)
    assert "15 list-control rows" in text  # L5
    assert "row 16" in text  # L5
    assert "does not cover" in text


def test_ambiguous_product(rules):
    result = check(rules, "HF etching gas and EUV photoresist", destination="KR")
    assert result.verdict == NEED_MORE_INFORMATION
    assert result.item is None
    assert "more than one item" in all_text(result)


# ---------------------------------------------------------------------------------------------
# Bad input


BAD_INPUT = [
    ({"destination": "Narnia"}, "Unknown country"),
    ({"destination": "Japan"}, "exporting country"),
    ({"destination": "KR", "date": date(2018, 12, 31)}, "before 1 January 2019"),
    ({"destination": "KR", "params": {"fluorine_weight_percent": "140"}}, "at most 100"),
    ({"destination": "KR", "params": {"hf_weight_percent": "-1"}}, "at least 0"),
    ({"destination": "KR", "params": {"wavelength_nm": "-193"}}, "above 0"),
    ({"destination": "KR", "params": {"wavelength_nm": "0"}}, "above 0"),
    ({"destination": "KR", "params": {"wavelength_nm": "abc"}}, "must be a number"),
    ({"destination": "KR", "params": {"wavelength_nm": "nan"}}, "finite"),
    ({"destination": "KR", "params": {"resist_type": "purple"}}, "must be one of"),
    ({"destination": "KR", "params": {"colour": "red"}}, "Unknown parameter"),
    ({"destination": "KR", "item": "salt"}, "Unknown item"),
    # R2: the EUV band is below 15 nm; an EUV resist at 193 nm contradicts itself.
    ({"destination": "KR", "params": {"resist_type": "euv", "wavelength_nm": "193"}},
     "Contradictory"),
    ({"destination": "KR", "params": {"resist_type": "ebeam", "wavelength_nm": "193"}},
     "Contradictory"),
    # R2: the sensitivity condition is for e-beam and ion-beam resists only.
    ({"destination": "KR", "params": {"resist_type": "positive",
                                      "ebeam_sensitivity_uc_per_mm2": "0.01"}}, "Contradictory"),
    ({"destination": "KR", "params": {"ebeam_sensitivity_uc_per_mm2": "0"}}, "above 0"),
    ({"destination": "KR", "params": {"ebeam_sensitivity_uc_per_mm2": "fast"}},
     "must be a number"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_INPUT)
def test_bad_input(rules, kwargs, message):
    kwargs = {"item": "resist", **kwargs}
    with pytest.raises(CheckInputError, match=message):
        check(rules, "", **kwargs)


def test_impossible_value_in_description(rules):
    with pytest.raises(CheckInputError, match="140%"):
        check(rules, "polyimide with 140% fluorine", destination="KR")


@pytest.mark.parametrize("text", ["2020-13-01", "15/01/2020", "yesterday", ""])
def test_bad_date(text):
    with pytest.raises(CheckInputError, match="Bad date"):
        parse_date(text)


# ---------------------------------------------------------------------------------------------
# Countries


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("KR", "KR"), ("kr", "KR"), ("KOR", "KR"), ("South Korea", "KR"), ("Korea", "KR"),
        ("Republic of Korea", "KR"), ("ROK", "KR"), ("S. Korea", "KR"), ("韓国", "KR"),
        ("한국", "KR"), ("US", "US"), ("U.S.", "US"), ("USA", "US"), ("United States", "US"),
        ("the United States", "US"), ("UK", "GB"), ("Vietnam", "VN"), ("Viet Nam", "VN"),
        ("Turkey", "TR"), ("Türkiye", "TR"), ("North Korea", "KP"), ("Czech Republic", "CZ"),
        ("Norway", "NO"), ("NO", "NO"),
    ],
)
def test_country_names_and_codes(rules, typed, code):
    result = listed(rules, "resist", typed, "2024-01-01")
    assert result.destination.code == code


# ---------------------------------------------------------------------------------------------
# Descriptions


DESCRIPTIONS = [
    # description, item, parameters stated, destination found
    ("EUV photoresist for a fab in Pyeongtaek", "resist",
     {"resist_type": "euv", "wavelength_nm": 13.5}, "KR"),  # R9: EUV is 13.5 nm
    ("ArF immersion photoresist", "resist", {"wavelength_nm": 193.0}, None),
    ("KrF resist", "resist", {"wavelength_nm": 248.0}, None),
    ("i-line resist", "resist", {"wavelength_nm": 365.0}, None),
    ("positive tone resist for 193 nm", "resist",
     {"resist_type": "positive", "wavelength_nm": 193.0}, None),
    ("positive EUV resist, 13.5 nm", "resist", {"resist_type": "euv", "wavelength_nm": 13.5},
     None),
    ("electron beam resist", "resist", {"resist_type": "ebeam"}, None),
    ("ion-beam resist", "resist", {"resist_type": "ebeam"}, None),  # R2: e-beam/ion-beam
    ("g-line resist", "resist", {"wavelength_nm": 436.0}, None),  # R9
    ("resist for a 5 nm node", "resist", {}, None),
    ("50% hydrogen fluoride", "hydrogen_fluoride", {"hf_weight_percent": 50.0}, None),
    ("hydrofluoric acid 55 wt%", "hydrogen_fluoride", {"hf_weight_percent": 55.0}, None),
    ("etching gas (HF) for a plant near Seoul", "hydrogen_fluoride", {}, "KR"),
    ("99.999% purity hydrofluoric acid, 49%", "hydrogen_fluoride",
     {"hf_weight_percent": 49.0}, None),
    ("fluorinated polyimide, 12% bound fluorine, for Hsinchu", "fluorinated_polyimide",
     {"fluorine_weight_percent": 12.0}, "TW"),
    ("フッ化水素 55 wt% を韓国へ", "hydrogen_fluoride", {"hf_weight_percent": 55.0}, "KR"),
    ("フッ化ポリイミド", "fluorinated_polyimide", {}, None),
    ("불화 폴리이미드", "fluorinated_polyimide", {}, None),
    ("불화수소", "hydrogen_fluoride", {}, None),
    ("포토레지스트 한국", "resist", {}, "KR"),
    ("EUVレジスト", "resist", {"resist_type": "euv", "wavelength_nm": 13.5}, None),
]


@pytest.mark.parametrize(("description", "item", "params", "destination"), DESCRIPTIONS)
def test_description_parsing(rules, description, item, params, destination):
    result = check(rules, description, date=date(2024, 1, 1))
    assert result.item == item
    assert dict(result.parameters) == params
    assert (result.destination.code if result.destination else None) == destination


def test_lowercase_hf_inside_words_is_not_hydrogen_fluoride(rules):
    result = check(rules, "half a tonne of shelf brackets", destination="US")
    assert result.item is None


def test_differing_percentages_are_not_guessed(rules):
    result = check(rules, "HF at 50% or 20%", destination="KR")
    assert result.parameters == {}
    assert result.missing_parameters == ("hf_weight_percent",)
    assert "differing values" in all_text(result)


def test_given_parameter_beats_description(rules):
    result = check(rules, "50% hydrogen fluoride", destination="US",
                   params={"hf_weight_percent": "20"})
    assert result.parameters == {"hf_weight_percent": 20.0}
    assert result.verdict == NOT_LISTED  # L6: 20% is not over 30%


def test_given_destination_beats_description(rules):
    result = check(rules, "EUV resist for Pyeongtaek", destination="US")
    assert result.destination.code == "US"
    assert "Pyeongtaek" in all_text(result)


def test_two_destinations_in_description_ask(rules):
    result = check(rules, "EUV resist for Seoul and Hsinchu")
    assert "destination" in result.missing_parameters


def test_technology(rules):
    # L3, L8, T2: technology of the items is controlled too; same licence logic (T1, T7).
    result = check(rules, "manufacturing know-how for EUV photoresist", destination="KR",
                   date=date(2020, 1, 15))
    assert result.form == "technology"
    assert result.verdict == LICENCE_REQUIRED
    assert "Foreign Exchange Order" in result.control_entries[0].row
    assert "FEFTA Art. 25(1)" in all_text(result)
    # T36 mentions resist trade, not resist technology: only the individual licence (T7).
    assert licence_ids(result) == IND


@pytest.mark.parametrize("day", ["2023-03-23", "2024-01-01"])
def test_technology_after_the_2023_revision_is_not_extended(rules, day):
    # T41 speaks of the three items only: their technology keeps the individual licence here.
    result = check(rules, "know-how for hydrogen fluoride", destination="KR",
                   params={"hf_weight_percent": "50"}, date=date.fromisoformat(day))
    assert result.form == "technology"
    assert licence_ids(result) == IND
    assert "does not say" in all_text(result)
    goods = listed(rules, "hydrogen_fluoride", "KR", day)
    assert licence_ids(goods) == IND_SGB  # T41, T42: the goods themselves


def test_catch_all_for_technology_says_what_the_sources_do_not(rules):
    # L5, L8: the technology table mirrors Appended Table 1; catch-all for technology is not
    # described, so a technology check outside the list says so instead of implying it.
    result = check(rules, "know-how for hydrogen fluoride", destination="TR",
                   params={"hf_weight_percent": "20"})
    assert result.verdict == NOT_LISTED
    step = next(s for s in result.steps if "catch-all applies to technology" in s.text)
    assert step.citation == "foreign-exchange-order-technology"
    goods = check(rules, "hydrogen fluoride", destination="TR", params={"hf_weight_percent": "20"})
    assert "applies to technology" not in all_text(goods)


def test_technology_before_measures(rules):
    result = check(rules, "drawings for a fluorinated polyimide plant", destination="KR",
                   params={"fluorine_weight_percent": "12"}, date=date(2019, 7, 3))
    assert result.form == "technology"
    assert licence_ids(result) == ALL_A  # T1, contradiction 3, L13


# ---------------------------------------------------------------------------------------------
# Every result: citations, disclaimer, JSON shape


SAMPLES = [
    {"description": "EUV photoresist for a fab in Pyeongtaek", "date": date(2020, 1, 15)},
    {"description": "30% HF", "destination": "VN"},
    {"description": "photoresist", "destination": "KR"},
    {"description": "garden hoses", "destination": "IR"},
    {"description": "garden hoses"},
    {"description": "know-how for hydrogen fluoride", "destination": "TR"},
]


@pytest.mark.parametrize("kwargs", SAMPLES)
def test_every_step_cites_a_corpus_document(rules, kwargs):
    result = check_product(CheckRequest(**kwargs), rules=rules)
    assert result.steps
    for step in result.steps:
        assert step.citation in DOCUMENTS
        assert step.text.strip()
    assert result.catch_all.citation in DOCUMENTS


@pytest.mark.parametrize("kwargs", SAMPLES)
def test_disclaimer_and_json_shape(rules, kwargs):
    data = check_product(CheckRequest(**kwargs), rules=rules).to_dict()
    assert "not legal advice" in data["disclaimer"]
    # T2 names the office that handled the three items in 2019, not today's contact point.
    assert "METI" in data["disclaimer"] and "Security Export Licensing" not in data["disclaimer"]
    assert "CISTEC" in data["disclaimer"]
    for key in ("verdict", "item", "control_entries", "licence_types", "catch_all",
                "missing_parameters", "steps", "as_of", "disclaimer", "destination"):
        assert key in data
    assert data["verdict"] in {LICENCE_REQUIRED, NOT_LISTED, NEED_MORE_INFORMATION}
    assert all(set(step) == {"text", "citation"} for step in data["steps"])
    json.dumps(data)  # must serialise as is
    assert data["as_of"] == (kwargs.get("date") or TODAY).isoformat()


def test_date_defaults_to_today(rules):
    assert listed(rules, "resist", "KR", TODAY).as_of == TODAY
    result = check(rules, item="resist", params=LISTED["resist"], destination="KR")
    assert result.as_of == TODAY


def test_render_text(rules):
    text = render_text(listed(rules, "resist", "KR", "2020-01-15"))
    assert text.startswith("**Listed: licence required**")
    assert "[resist-specific-bulk-2019-12]" in text  # T36
    assert "specific bulk licence" in text
    assert "not legal advice" in text


def test_render_markdown_numbers_citations(rules):
    result = listed(rules, "resist", "KR", "2020-01-15")
    text = render_markdown(result, {"resist-specific-bulk-2019-12": 3})
    assert "[3]" in text
    assert "[resist-specific-bulk-2019-12]" not in text
    assert "[resist-3c002]" in text  # no number given: cited by id


def test_only_the_cli_names_flags(rules):
    """Decisions say what they need; `bot check` names the flag, the chat does not."""
    result = check(rules, "resist and hydrogen fluoride in a mixture for Korea or Taiwan")
    assert result.missing_parameters == ("item", "destination")
    steps = {s.asks: s.text for s in result.steps if s.asks}
    assert set(steps) == {"item", "destination"}
    decided = " ".join([*result.questions, *(s.text for s in result.steps), result.summary])
    assert "--" not in decided
    text = render_text(result, rules)
    assert "(--item hydrogen_fluoride, fluorinated_polyimide or resist)" in text
    assert "give one (--to COUNTRY)." in text and "say which one (--item" in text
    assert "--" not in render_markdown(result)  # the chat
    mixed = check(rules, "hydrogen fluoride 50% or 60% HF", destination="KR")
    assert "(--param hf_weight_percent=...)" in render_text(mixed, rules)


def test_chat_can_set_the_date(rules):
    request = parse_check_question("Can I export EUV resist to Korea?", rules)
    assert request.date is None
    request.date = date(2020, 1, 15)  # the chat's as-of date
    assert licence_ids(check_product(request, rules=rules)) == IND_SPECIFIC  # T7, T36


# ---------------------------------------------------------------------------------------------
# The `bot check` command


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.setenv("BOT_RULES_DIR", str(RULES_DIR))
    return CliRunner()


def test_cli_json(runner):
    result = runner.invoke(check_command, [
        "EUV photoresist for a fab in Pyeongtaek", "--to", "KR", "--date", "2020-01-15", "--json",
    ])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == LICENCE_REQUIRED  # R2, C2
    assert data["item"] == "resist"
    assert data["licence_types"] == IND_SPECIFIC  # T7, T36
    caveat = data["destination"].pop("group_caveat")
    assert data["destination"] == {"code": "KR", "name": "South Korea", "group": "B",
                                   "group_name": "Group B"}  # T16, T20
    assert "2023" in caveat  # L15: the Group B list is a 2023 blog list
    assert data["as_of"] == "2020-01-15"
    assert data["control_entries"][0]["international"] == "Wassenaar Arrangement 3C002"
    assert data["catch_all"]["status"] == "not_relevant"


def test_cli_params_and_item(runner):
    result = runner.invoke(check_command, [
        "--item", "hydrogen_fluoride", "--param", "hf_weight_percent=30", "--to", "Vietnam",
        "--date", "2024-01-01", "--json",
    ])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == NOT_LISTED  # L6
    assert data["catch_all"]["status"] == "applies_if"  # L10, L15 (VN in Group C)
    assert data["licence_types"] == []


def test_cli_text(runner):
    result = runner.invoke(check_command, ["50% hydrogen fluoride", "--to", "KR", "--date",
                                           "2019-07-03"])
    assert result.exit_code == 0, result.output
    assert "Listed: licence required" in result.output  # L6
    assert "general bulk licence" in result.output  # contradiction 3, L13


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["resist", "--to", "Narnia"], "Unknown country"),
        (["resist", "--to", "KR", "--date", "2020-02-30"], "Bad date"),
        (["resist", "--to", "KR", "--param", "fluorine_weight_percent=140"], "impossible"),
        (["resist", "--to", "KR", "--param", "wavelength_nm=-5"], "impossible"),
        (["resist", "--to", "KR", "--param", "resist_type=purple"], "must be one of"),
        (["resist", "--to", "KR", "--param", "colour=red"], "Unknown parameter"),
        (["resist", "--to", "KR", "--param", "wavelength_nm"], "name=value"),
    ],
)
def test_cli_bad_input_exits_2(runner, args, message):
    result = runner.invoke(check_command, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# Chat routing


ROUTED = [
    ("Do I need a licence to ship 50% hydrogen fluoride to Korea?", "KR", None, None),
    ("Can I export EUV resist to South Korea in 2020?", "KR", date(2020, 12, 31),
     (date(2020, 1, 1), date(2020, 12, 31))),
    ("Is a license required for photoresist to Vietnam on 15 January 2020?", "VN",
     date(2020, 1, 15), None),
    ("Can we send fluorinated polyimide to Korea in August 2019?", "KR", date(2019, 8, 31),
     (date(2019, 8, 1), date(2019, 8, 31))),
    ("Is 25% HF listed?", None, None, None),
    ("Do I need a licence to export car parts to Turkey?", "TR", None, None),
    ("韓国にフッ化水素を輸出するには輸出許可が必要ですか", "KR", None, None),
    ("What rules apply to exports of hydrogen fluoride to China?", "CN", None, None),
    # a shipment stated, then the licence word alone, as people type it
    ("we sell 40% hf to a fab in korea, licence?", "KR", None, None),
    ("euv resist to vietnam - licence needed?", "VN", None, None),
    # ... or asking whether the shipment is allowed
    ("export hf to taiwan ok?", "TW", None, None),
    ("we ship resist to vietnam next month, is that allowed?", "VN", None, None),
    ("we export krf resist to korea in 2020 what licence", "KR", date(2020, 12, 31),
     (date(2020, 1, 1), date(2020, 12, 31))),
]


@pytest.mark.parametrize(("question", "destination", "day", "period"), ROUTED)
def test_routing_recognises_licence_questions(rules, question, destination, day, period):
    request = parse_check_question(question, rules)
    assert request is not None
    assert request.description == question
    assert request.destination == destination
    assert request.date == day
    assert request.period == period


@pytest.mark.parametrize(
    "question",
    [
        "When was Korea removed from the white list?",
        "Why did Japan require individual licences for resist?",
        "What is hydrogen fluoride used for?",
        "Is South Korea listed in Appended Table 3?",
        "How long did the meeting of 12 July 2019 last?",
        "What rules apply to exports under FEFTA?",
        # a question word or a yes/no question ending in "licence" is not the shorthand
        "From what date did exports of the three items to South Korea need individual licences?",
        "Did resist exports to Korea need an individual licence?",
        # not an export from Japan: the destination is Japan, or the exporter is another
        # country's firm (Japan's rules, which the checker holds, do not govern it)
        "does korea need a licence to export hf to japan",
        "do korean firms need a licence to re-export japanese resist to china",
        "Can American companies sell EUV resist to Korea without a licence?",
        "exporting to korea is ok now?",  # no item named
        "what licence do we need to export resist to korea",  # asked first: measured, kept out
    ],
)
def test_routing_leaves_ordinary_questions(rules, question):
    assert parse_check_question(question, rules) is None


def test_japan_named_after_according_to_is_not_a_destination(rules):
    request = parse_check_question(
        "according to japan, do we need a licence for euv resist to korea", rules
    )
    assert request is not None and request.destination == "KR"


def test_routed_question_is_checked(rules):
    request = parse_check_question("Do I need a licence to ship 50% hydrogen fluoride to Korea?",
                                   rules)
    result = check_product(request, rules=rules)
    assert result.verdict == LICENCE_REQUIRED  # L6: 50% > 30%
    assert result.as_of == TODAY


def test_year_that_straddles_changes_says_so(rules):
    request = parse_check_question("Can I export EUV resist to South Korea in 2019?", rules)
    result = check_product(request, rules=rules)
    assert result.as_of == date(2019, 12, 31)
    last = all_text(result)
    # T7 (4 July), T16 (28 August), T36 (20 December): the rules changed within 2019.
    for day in ("4 July 2019", "28 August 2019", "20 December 2019"):
        assert day in last


def test_a_threads_latest_turn_replaces_earlier_values_and_keeps_the_rest(rules):
    """A chat thread is checked as one description; the newest turn's values win over the
    earlier turns' (which alone would conflict and be left out), the rest still holds."""
    thread = "is 50% hf for korea listed and at 25%?"
    assert check(rules, thread).parameters == {}  # two values: neither is used
    result = check(rules, thread, later=("and at 25%?",))
    assert result.parameters == {"hf_weight_percent": 25.0}
    assert result.verdict == NOT_LISTED
    assert result.destination is not None and result.destination.code == "KR"
