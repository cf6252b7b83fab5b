"""bot/retrieval/abbreviations.py: short forms the documents define, spelled out in questions."""

from __future__ import annotations

import json

from bot.retrieval.abbreviations import defined_abbreviations, spelled_out


def _passage(*sentences: str) -> tuple[str, str]:
    text, spans = "", []
    for sentence in sentences:
        spans.append([len(text), len(text) + len(sentence)])
        text += sentence + " "
    return text, json.dumps(spans)


def test_short_forms_the_documents_mostly_write_out_are_read_from_them() -> None:
    pairs = defined_abbreviations([
        _passage(
            "Hydrogen fluoride (HF) is a gas.",
            "Hydrogen fluoride is listed in row 3(1).",
            "The World Trade Organization (WTO) has a dispute body.",
            "The WTO set up a panel.",
            "The WTO never ruled.",
        )
    ])  # fmt: skip
    assert pairs == {"HF": "Hydrogen fluoride"}  # "WTO" is mostly written as such


def test_a_question_gets_the_long_form_of_a_defined_short_form() -> None:
    pairs = {"HF": "Hydrogen fluoride", "EAR": "Export Administration Regulations"}
    assert spelled_out("which row is hf in", pairs) == "which row is Hydrogen fluoride in"
    assert spelled_out("is HF listed?", pairs) == "is Hydrogen fluoride listed?"
    # an English word is the word, unless written as the documents write the short form
    assert spelled_out("did you hear it with your ear", pairs) == "did you hear it with your ear"
    ear = spelled_out("what does the EAR cover", pairs)
    assert ear == "what does the Export Administration Regulations cover"
    # inside another word, or with the long form already there: as typed
    assert spelled_out("half of the hfc", pairs) == "half of the hfc"
    assert spelled_out("hydrogen fluoride (hf) purity", pairs) == "hydrogen fluoride (hf) purity"
    assert spelled_out("anything", {}) == "anything"
