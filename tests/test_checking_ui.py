"""The "Check my product" tab: its handler with the real Tutor, its API, and the page in Chromium.

The handler is a plain function, so most tests call it directly with the real Tutor (real index
of the real corpus, which supplies the quotes on the source cards); the session's shared server
(conftest.py) serves the API test and the browser test.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path

import pytest

from bot.checking.rules import load_rules
from bot.ui.check_form import field_updates, form_fields
from bot.ui.check_handler import check

CARD = re.compile(r'<div class="card( historical)?" id="src-0-\d+"')
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
EUV = "EUV photoresist for a fab in Pyeongtaek"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "check-screenshot.png"


# -- the handler with the real Tutor ---------------------------------------------------------
def test_euv_resist_to_korea_today_needs_a_licence(tutor) -> None:
    today = dt.date.today().isoformat()
    view = check(tutor, EUV, "KR", today)
    data = view.data
    assert data["verdict"] == "licence_required"
    assert data["item"] == "resist" and data["as_of"] == today
    assert data["destination"]["code"] == "KR"
    assert "individual" in data["licence_types"]
    assert view.fields == {}
    html = view.html
    assert 'class="verdict required"' in html and ">Licence required<" in html
    for licence in data["licence_type_details"]:
        assert escape(licence["name"]) in html
    assert "Wassenaar Arrangement 3C002" in html  # the control entry
    assert "Catch-all" in html
    # Every step has a source card quoting a real sentence of the document it cites.
    steps = data["steps"]
    assert len(CARD.findall(html)) == len(steps) >= 5
    assert "card uncited" not in html
    for step in steps:
        assert f'data-doc="{step["citation"]}"' in html
    quotes = MARK.findall(html)
    assert len(quotes) == len(steps) and all(q.strip() for q in quotes)
    assert 'target="_blank" rel="noopener noreferrer"' in html  # official link
    assert "not legal advice" in html and "METI" in html and "CISTEC" in html


def test_cards_quote_the_cited_document(tutor) -> None:
    from bot.checking import CheckRequest, check_product
    from bot.ui.check_handler import step_citations

    result = check_product(CheckRequest(EUV, "KR"), load_rules(tutor.settings.rules_dir))
    cards = step_citations(tutor, result)
    assert len(cards) == len(result.steps)
    for n, (step, card) in enumerate(zip(result.steps, cards, strict=True), start=1):
        assert card is not None and card.n == n and card.doc_id == step.citation
        full = tutor.citation_for_doc(n, step.citation, step.text)
        assert card.quote == full.quote and card.quote in full.chunk_text
        assert card.title and card.source_url.startswith(("http://", "https://"))


def test_euv_resist_to_korea_in_january_2020(tutor) -> None:
    view = check(tutor, EUV, "South Korea", "2020-01-15")
    data = view.data
    assert data["verdict"] == "licence_required"
    assert data["licence_types"] == ["individual", "specific_bulk"]
    assert data["destination"]["group"] == "B"
    assert "as of 15 January 2020" in view.html
    assert "specific bulk licence" in view.html


def test_hydrogen_fluoride_without_a_share_asks_for_it(tutor) -> None:
    view = check(tutor, "hydrogen fluoride", "KR", "")
    data = view.data
    assert data["verdict"] == "need_more_information"
    assert data["missing_parameters"] == ["hf_weight_percent"]
    assert view.fields == {"hf_weight_percent": "needed"}
    html = view.html
    assert 'class="verdict more"' in html and ">Need more information<" in html
    assert 'data-missing="hf_weight_percent"' in html
    # The field, by the label its YAML declaration gives, not the parameter id.
    assert "“Hydrogen fluoride share of total weight (%)”" in html
    assert "wavelength" not in html.lower()  # asks only for what it lacks
    fields = form_fields(load_rules(tutor.settings.rules_dir))
    classes, info = field_updates(data, fields)["hf_weight_percent"]
    assert classes == ["check-needed"] and info.startswith("Needed:")
    assert all(field_updates(data, fields)[name][0] == [] for name in fields
               if name != "hf_weight_percent")

    given = check(tutor, "hydrogen fluoride", "KR", "", hf_weight_percent=50)
    assert given.data["verdict"] == "licence_required" and given.fields == {}


def test_impossible_fluorine_share_is_a_clear_message(tutor) -> None:
    view = check(tutor, "fluorinated polyimide", "KR", "", fluorine_weight_percent=140)
    assert "impossible" in view.data["error"] and "at most 100%" in view.data["error"]
    assert view.data["field"] == "fluorine_weight_percent"
    assert view.fields == {"fluorine_weight_percent": "invalid"}
    assert 'role="alert"' in view.html and "Traceback" not in view.html
    fields = form_fields(load_rules(tutor.settings.rules_dir))
    assert field_updates(view.data, fields)["fluorine_weight_percent"][0] == ["check-invalid"]

    stated = check(tutor, "fluorinated polyimide with 140% fluorine", "KR", "")
    assert "140" in stated.data["error"] and "impossible" in stated.data["error"]


def test_unknown_country_is_a_clear_message(tutor) -> None:
    view = check(tutor, EUV, "Atlantis", "")
    assert view.data["error"].startswith("Unknown country 'Atlantis'")
    assert view.fields == {"destination": "invalid"}
    assert "Unknown country &#x27;Atlantis&#x27;" in view.html


@pytest.mark.parametrize(
    ("date_text", "expected"),
    [("2020-02-30", "YYYY-MM-DD"), ("15/01/2020", "YYYY-MM-DD"), ("2018-06-01", "before")],
)
def test_bad_dates_are_clear_messages(tutor, date_text: str, expected: str) -> None:
    view = check(tutor, EUV, "KR", date_text)
    assert expected in view.data["error"]
    assert view.fields == {"date": "invalid"}


def test_other_bad_input(tutor) -> None:
    view = check(tutor, "resist", "KR", "", resist_type="deep-uv")
    assert "resist_type must be one of" in view.data["error"]
    assert view.fields == {"resist_type": "invalid"}
    view = check(tutor, "resist", "KR", "", wavelength_nm="blue")
    assert "must be a number" in view.data["error"]
    view = check(tutor, "x" * 3000, "KR", "")
    assert "3,000 characters" in view.data["error"] and view.fields == {"description": "invalid"}
    view = check(tutor, "resist", "JP", "")
    assert "Japan is the exporting country" in view.data["error"]


def test_everything_shown_is_escaped(tutor) -> None:
    attack = "<script>alert(1)</script>"
    view = check(tutor, f"{attack} EUV photoresist", "KR", "")
    assert view.data["verdict"] == "licence_required"
    assert "<script>" not in view.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in view.html
    for bad in (
        check(tutor, attack, "KR", ""),
        check(tutor, "resist", attack, ""),
        check(tutor, "resist", "KR", attack),
        check(tutor, "resist", "KR", "", resist_type=attack),
        check(tutor, "resist", "KR", "", item=attack),
    ):
        assert "<script>" not in bad.html, bad.html


def test_without_a_product_or_destination_it_asks_for_them(tutor) -> None:
    view = check(tutor, "resist and hydrogen fluoride", "", "")
    assert view.data["verdict"] == "need_more_information"
    assert view.fields == {"item": "needed", "destination": "needed"}
    assert "--item" not in view.html and "--to" not in view.html  # CLI flags read as fields
    assert 'in the "Item" field' in view.html.replace("&quot;", '"')
    chosen = check(tutor, "resist and hydrogen fluoride", "KR", "", item="resist")
    assert chosen.data["item"] == "resist"


def test_form_fields_come_from_the_rules(tmp_path: Path) -> None:
    """A parameter declared in the YAML gets its form field, with no code change."""
    import shutil

    import gradio as gr

    from bot.config import Settings
    from bot.ui.check_form import input_order
    from bot.ui.check_tab import build_check_tab

    rules_dir = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "corpus" / "rules", rules_dir)
    items = rules_dir / "items.yaml"
    declaration = (
        "parameters:\n  - name: purity_percent\n    kind: number\n    unit: \"%\"\n"
        "    minimum: 0\n    maximum: 100\n    label: \"purity\"\n"
        "    question: What is the product's purity, in %?\n"
    )
    items.write_text(items.read_text().replace("parameters:\n", declaration, 1))
    rules = load_rules(rules_dir)
    fields = form_fields(rules)
    assert fields["purity_percent"].label == "Purity (%)"
    assert fields["hf_weight_percent"].info == "For Hydrogen fluoride."
    assert fields["resist_type"].kind == "choice" and "euv" in fields["resist_type"].choices
    order = input_order(rules)  # declared first, so it comes first of the parameters
    assert order[:4] == ("description", "destination", "date", "purity_percent")
    assert order[-1] == "item"

    class Services:
        settings = Settings(rules_dir=rules_dir)

    with gr.Blocks() as demo:
        build_check_tab(Services())
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    assert {"check-purity_percent", "check-hf_weight_percent", "check-resist_type"} <= ids


def test_a_failing_quote_still_shows_the_verdict(tutor) -> None:
    class NoQuotes:
        settings = tutor.settings

        def citation_for_doc(self, n: int, doc_id: str, claim: str):
            raise RuntimeError("index gone")

    view = check(NoQuotes(), EUV, "KR", "")
    assert view.data["verdict"] == "licence_required"
    assert view.html.count('class="card uncited"') == len(view.data["steps"])


def test_app_has_the_check_tab_and_api(tutor) -> None:
    from bot.ui import build_ui

    demo = build_ui(tutor)
    config = demo.get_config_file()
    labels = [c.get("props", {}).get("label") for c in config["components"]]
    assert "Check my product" in labels
    assert "check" in [fn.api_name for fn in demo.fns.values()]


# -- the real app on a real port -------------------------------------------------------------
def test_api_check(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    html, data = client.predict(EUV, "KR", "2020-01-15", "", "", "", "", "", "",
                                api_name="/check")
    assert data["verdict"] == "licence_required"
    assert data["licence_types"] == ["individual", "specific_bulk"]
    assert 'class="verdict required"' in html
    _, data = client.predict("fluorinated polyimide", "KR", "", "", "140", "", "", "", "",
                             api_name="/check")
    assert "impossible" in data["error"]
    _, data = client.predict("e-beam resist", "KR", "", "", "", "", "", "0.005", "",
                             api_name="/check")
    assert data["verdict"] == "licence_required"  # R2: 0.005 µC/mm² is 0.01 or better


@pytest.mark.browser
def test_page_checks_a_product(browser, app_url: str, output_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(60_000)
    try:
        page.goto(app_url)
        page.get_by_role("tab", name="Check my product").click()
        page.fill("#check-description textarea", EUV)
        destination = page.locator("#check-destination input")
        destination.fill("KR")
        destination.press("Enter")
        page.click("#check-button")
        page.wait_for_selector("#check-result .verdict")
        verdict = page.locator("#check-result .verdict-label").inner_text()
        assert verdict.strip().lower() == "licence required"
        assert "South Korea (KR)" in page.locator("#check-result .verdict-meta").inner_text()
        assert page.locator("#check-result .card").count() >= 1
        assert page.locator("#check-result .card mark").count() >= 1
        page.screenshot(path=str(output_dir / "check.png"), full_page=True)
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        # The form, the verdict, the facts and the first source cards.
        clip = {"x": 0, "y": 0, "width": 1280, "height": 1750}
        page.screenshot(path=str(DOCS_SCREENSHOT), full_page=True, clip=clip)

        # A product the check cannot decide: it asks for the value and highlights its field.
        page.fill("#check-description textarea", "hydrogen fluoride")
        page.click("#check-button")
        page.wait_for_selector("#check-result .verdict.more")
        page.wait_for_selector("#check-hf_weight_percent.check-needed")
        page.screenshot(path=str(output_dir / "check-needs-more.png"), full_page=True)
        assert dialogs == []
    finally:
        context.close()
