"""Provenance: every number in the corpus and the rules, and every source date, traces to the
fact sheet (../shared/reference/facts.md).

Two checks:
- `published` is the source's own date: read from its URL where the URL carries one, or stated
  beside the source in the fact sheet, or empty with a note. Never the date of a law or event.
- the number lint: every date, number, percentage, row or article number and entry code in a
  document's title and body, and in corpus/rules/*.yaml, appears in the fact sheet, unless
  tests/provenance_allowlist.yaml lists it with a reason.

The fact sheet sits beside the checkout (and in CI), not in the repository, so both skip, with
their reason, where it is absent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.ingest.documents import load_corpus
from tests.provenance_atoms import Atom, atoms, sheet_index

CORPUS = PROJECT_ROOT / "corpus"
RULES = CORPUS / "rules"
DOCS = load_corpus(CORPUS)
ALLOWLIST = Path(__file__).with_name("provenance_allowlist.yaml")

# How a source's URL carries its date (data, one row per URL scheme seen in the corpus).
# `day` patterns give the day; `month` patterns only the month.
URL_DATES: list[tuple[str, str]] = [
    (r"/press/(?P<y>\d{4})/(?P<m>\d\d)(?P<d>\d\d)_\d+\.html", "day"),  # METI press releases
    (r"j-cast\.com/(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)\d{6}\.html", "day"),  # J-CAST
    (r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]\d)/(?P<d>[0-3]\d)/", "day"),  # .../2019/08/02/...
    (r"(?:AEN|yjj|yonhap-)(?P<y>20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)", "day"),  # Yonhap, Jiji
    (r"[?&](?:ud|key)=(?P<y>20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)", "day"),  # Korea Herald ...
    (r"/(?:article|all)/(?P<y>20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)", "day"),  # mynavi, Dong-A ...
    (r"jmh\.usembassy\.gov/(?P<y>20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)", "day"),  # JMH summaries
    (r"/(?P<y>20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)-\d+/", "day"),  # Japan News
    (r"/(?P<y>20\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)[-/]", "day"),  # Teller Report, Bloomberg
    (r"/(?P<y>20\d\d)-(?P<m>[01]\d)/(?P<d>[0-3]\d)/c_", "day"),  # Xinhua
    (r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]\d)/", "month"),  # JETRO, WTOP: year and month only
]


@pytest.fixture(scope="module")
def sheet(shared_dir: Path) -> str:
    return (shared_dir / "reference" / "facts.md").read_text(encoding="utf-8")


def url_date(url: str) -> tuple[str, dt.date] | None:
    """('day' | 'month', date) that the URL carries, if any."""
    for pattern, kind in URL_DATES:
        m = re.search(pattern, url)
        if m:
            day = int(m.group("d")) if kind == "day" else 1
            try:
                return kind, dt.date(int(m.group("y")), int(m.group("m")), day)
            except ValueError:
                continue
    return None


def sheet_dates_for(sheet: str, url: str, issuer: str) -> set[dt.date]:
    """Dates the fact sheet gives beside a source: in its citation up to its URL, or (for a
    source without a recorded URL) next to its issuer's name."""
    found: set[dt.date] = set()
    segments: list[str] = []
    if url:
        for m in re.finditer(re.escape(url), sheet):
            line_start = sheet.rfind("\n", 0, m.start()) + 1
            before = sheet[line_start : m.start()]
            cut = max(before.rfind(" — "), before.rfind("; "), before.rfind(" ; "))
            segments.append(before[cut + 1 :])
    else:
        name = issuer.split("(")[0].strip().removeprefix("The ").strip()
        for m in re.finditer(re.escape(name), sheet):
            segments.append(sheet[max(0, m.start() - 60) : m.end() + 60])
    for segment in segments:
        segment = re.sub(r"https?://\S+", " ", segment)
        found |= {a.date for a in atoms(segment) if a.kind == "date" and a.date}
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.id)
def test_published_is_the_sources_own_date(doc, sheet: str) -> None:
    carried = url_date(doc.source_url) if doc.source_url else None
    stated = sheet_dates_for(sheet, doc.source_url, doc.issuer)
    if doc.published_text:  # a bare year must itself be the source's, as stated beside it
        assert doc.published_text in {str(d.year) for d in stated}, (
            f"{doc.id}: the year {doc.published_text} is not given for this source"
        )
        return
    published = doc.published
    if published is None:
        assert doc.published_note, f"{doc.id}: an empty published needs a published_note"
        assert not (carried and carried[0] == "day"), (
            f"{doc.id}: the URL carries the date {carried[1]}; use it"
        )
        assert not stated, f"{doc.id}: the fact sheet dates this source {sorted(stated)}"
        return
    if carried and carried[0] == "day":
        assert published == carried[1], f"{doc.id}: published {published}, URL says {carried[1]}"
        return
    assert published in stated, (
        f"{doc.id}: published {published} is neither in the URL nor beside the source in the "
        "fact sheet: leave it empty with a published_note"
    )
    if carried:  # a month-only URL must agree with the date the fact sheet gives
        assert (published.year, published.month) == (carried[1].year, carried[1].month), doc.id


def test_one_source_has_one_date() -> None:
    """The same URL is never dated differently in two documents."""
    by_url: dict[str, set[str]] = defaultdict(set)
    for doc in DOCS:
        if doc.source_url:
            by_url[doc.source_url].add(doc.metadata()["published"])
    assert {u: d for u, d in by_url.items() if len(d) > 1} == {}


def test_url_date_patterns() -> None:
    """The URL table reads the schemes it is meant for, and nothing from an undated URL."""
    cases = {
        "https://www.meti.go.jp/english/press/2019/0903_001.html": ("day", "2019-09-03"),
        "https://j-cast.com/2019/07/16362724.html?p=2": ("day", "2019-07-16"),
        "https://www.gov-base.info/2019/08/02/37006": ("day", "2019-08-02"),
        "https://en.yna.co.kr/view/AEN20190930012800320": ("day", "2019-09-30"),
        "https://www.koreaherald.com/view.php?ud=20230428000625": ("day", "2023-04-28"),
        "https://cm.asiae.co.kr/en/article/2023062714541710537": ("day", "2023-06-27"),
        "https://www.jetro.go.jp/biznews/2023/03/076c92f5c182afca.html": ("month", "2023-03-01"),
        "https://timewell.jp/en/kb/export-control/catch-all-regulation-guide": None,
        "https://english.nna.jp/articles/3270": None,
    }
    for url, expected in cases.items():
        got = url_date(url)
        assert (got and (got[0], got[1].isoformat())) == expected, url


# -- the number lint ------------------------------------------------------------------------

# Rule fields that are not statements: ids, regular expressions, ordering, input bounds.
RULE_KEYS_SKIPPED = {
    "id", "citation", "facts", "patterns", "skip_context", "priority", "minimum", "maximum",
    "exclusive_minimum", "aliases", "code", "alpha3", "countries", "members", "documents",
    "confidence", "unit", "kind", "choices", "parameters", "parameter", "items", "forms",
    "licence_types", "group", "country", "case_sensitive", "capture", "if_known", "absent",
    "default", "outcome", "in",
}  # fmt: skip


def allowlist() -> dict[str, str]:
    entries = yaml.safe_load(ALLOWLIST.read_text(encoding="utf-8")) or []
    out = {}
    for entry in entries:
        assert set(entry) == {"atom", "where", "reason"}, entry
        assert len(str(entry["reason"]).split()) >= 5, f"give a real reason: {entry}"
        out[f"{entry['where']}|{entry['atom']}"] = str(entry["reason"])
    return out


def corpus_statements() -> list[tuple[str, str]]:
    """(where, text): each document's title and each line of its body."""
    out = []
    for doc in DOCS:
        out.append((f"{doc.id}:title", doc.title))
        for n, line in enumerate(doc.text.splitlines(), 1):
            if line.strip():
                out.append((f"{doc.id}:{n}", line))
    return out


def rule_statements() -> list[tuple[str, str]]:
    """(where, text) for every text, threshold and date in the rule files (not countries)."""
    out: list[tuple[str, str]] = []

    def walk(node: object, path: str, key: str = "") -> None:
        if key in RULE_KEYS_SKIPPED:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}", str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]", key)
        elif isinstance(node, bool) or node is None:
            return
        elif isinstance(node, dt.date):
            out.append((path, node.isoformat()))
        elif isinstance(node, int | float):
            out.append((path, f"{node:g}"))
        else:
            out.append((path, str(node)))

    for path in sorted(RULES.glob("*.yaml")):
        if path.name == "countries.yaml":  # ISO 3166 codes and names, not facts
            continue
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.stem)
    return out


def untraced(statements: list[tuple[str, str]], sheet: str) -> list[str]:
    index = sheet_index(sheet)
    allowed = allowlist()
    problems = []
    for where, text in statements:
        doc = where.split(":")[0].split(".")[0]
        for atom in atoms(text):
            if index.supports(atom):
                continue
            if f"{doc}|{atom.text}" in allowed or f"*|{atom.text}" in allowed:
                continue
            problems.append(f"{where}: {atom.text!r} ({atom.kind}) is not in the fact sheet")
    return problems


def test_corpus_numbers_trace_to_the_fact_sheet(sheet: str) -> None:
    assert untraced(corpus_statements(), sheet) == []


def test_rule_numbers_trace_to_the_fact_sheet(sheet: str) -> None:
    assert untraced(rule_statements(), sheet) == []


def test_allowlist_entries_are_all_needed(sheet: str) -> None:
    """An allow-list entry that no longer matches anything is removed, not kept "just in case"."""
    index = sheet_index(sheet)
    used = set()
    for where, text in corpus_statements() + rule_statements():
        doc = where.split(":")[0].split(".")[0]
        for atom in atoms(text):
            if not index.supports(atom):
                used |= {f"{doc}|{atom.text}", f"*|{atom.text}"}
    assert sorted(set(allowlist()) - used) == []


def test_the_lint_catches_what_it_should(sheet: str) -> None:
    """Normalised forms match; an invented date, figure, row or entry does not."""
    index = sheet_index(sheet)
    supported = ["28 August 2019", "28 Aug 2019", "2019-08-28", "1,120 items", "row 3(1)",
                 "Article 69-6(1)", "3C002", "WT/DS590/1", "0.01 µC/mm²", "from 1 to 24 July 2019",
                 "14–16 March 2023", "September 2019", "US$390 million", "13.5 nm"]
    invented = ["29 August 2020", "1,121 items", "row 3(2)", "Article 69-8(1)", "3C003",
                "WT/DS591/1", "0.02 µC/mm²", "25 July 2019", "October 2021", "US$391 million"]
    for text in supported:
        assert all(index.supports(a) for a in atoms(text)), text
    for text in invented:
        assert not all(index.supports(a) for a in atoms(text)), text


def test_atoms_read_dates_numbers_and_codes() -> None:
    found = {(a.kind, a.text) for a in atoms("From 1 to 24 July 2019, 40,666 (95%) said 3(1).")}
    assert ("date", "2019-07-01") in found and ("date", "2019-07-24") in found
    assert ("number", "40666") in found and ("number", "95") in found
    assert ("ref", "3(1)") in found
    assert all(isinstance(a, Atom) for a in atoms("x"))
