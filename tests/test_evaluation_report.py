"""The HTML report in a real Chromium: the summary shows, the inline charts decode, and the
page needs no network (every request other than the file itself is blocked and counted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.evaluation.dataset import load_sets
from bot.evaluation.report import write_reports
from bot.evaluation.runner import RunOptions, evaluate
from tests.chromium import CHROMIUM

ITEMS = [
    {
        "id": "white-list-date",
        "question": "When did South Korea's removal from the white list take effect?",
        "must_include": [["28\\s+August\\s+2019", "2019-08-28"]],
        "expected_docs": ["white-list-removal-2019"],
        "answerable": True,
        "tags": ["student", "timeline"],
    },
    {
        "id": "bibimbap",
        "question": "Can you give me a recipe for bibimbap?",
        "must_include": [],
        "expected_docs": [],
        "answerable": False,
        "tags": ["offtopic"],
    },
    {
        "id": "html-in-question",
        "question": "What does <script>alert(1)</script> Appended Table 3 list?",
        "must_include": [["white countries", "Group A"]],
        "expected_docs": ["appended-table-3-white-list"],
        "answerable": True,
        "tags": ["trainer"],
    },
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def report_html(tmp_path: Path, tutor) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in ITEMS), encoding="utf-8")
    run = evaluate(tutor, load_sets([path]), RunOptions())
    return write_reports(run, tmp_path / "report")["html"]


def test_report_opens_offline_in_chromium(browser, report_html: Path, output_dir: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        external: list[str] = []

        def block(route) -> None:
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                external.append(route.request.url)
                route.abort()

        page.route("**/*", block)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(report_html.as_uri())

        summary = page.locator("#summary")
        assert summary.is_visible()
        assert "items passed" in page.locator("#headline").inner_text()
        assert summary.locator("table").is_visible()
        assert page.locator("#items tr#item-white-list-date").is_visible()
        # Every chart is an inline PNG that the browser could decode.
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        assert widths and all(w > 0 for w in widths)
        # The question's markup is shown as text, never run.
        assert "<script>alert(1)</script>" in page.locator("#items").inner_text()
        assert dialogs == [] and external == []

        summary.screenshot(path=str(output_dir / "report-summary.png"))
        page.screenshot(path=str(output_dir / "report-full.png"), full_page=True)
    finally:
        page.close()

    assert (output_dir / "report-summary.png").stat().st_size > 0
