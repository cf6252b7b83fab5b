"""Front-matter validation: every bad document is a clear error that names the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import CorpusError
from bot.ingest.documents import document_from_markdown, load_corpus, published_label
from bot.ingest.loaders import load_file, load_files

GOOD = """---
id: sample-doc
title: "A sample"
doc_type: explainer
jurisdiction: JP
issuer: METI
source_title: "Some source"
source_url: "https://www.meti.go.jp/english/press/2023/0316_001.html"
published: 2023-03-16
valid_from: 2023-03-23
---
# A sample

## Part

Some text here. Another sentence.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_document_parses_with_dates_and_body() -> None:
    doc = document_from_markdown(GOOD, where="sample.md")
    assert doc.id == "sample-doc"
    assert doc.published.isoformat() == "2023-03-16"
    assert doc.valid_from is not None and doc.valid_to is None
    assert doc.text.lstrip().startswith("# A sample")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('source_url: "https://www.meti.go.jp/english/press/2023/0316_001.html"\n', ""),
            "source_url",
        ),
        (("published: 2023-03-16", "published: 2023-13-40"), "published"),
        (("published: 2023-03-16", "published: yesterday"), "published"),
        (("doc_type: explainer", "doc_type: blog"), "doc_type"),
        (("valid_from: 2023-03-23", "valid_from: 2023-03-23\nvalid_to: 2020-01-01"), "valid_from"),
        (("valid_from: 2023-03-23", "valid_from: 2023-03-23\ncolour: red"), "unknown field"),
        (("id: sample-doc", "id: Sample Doc"), "id"),
        (('source_url: "https://www', 'source_url: "ftp://www'), "source_url"),
        # An unknown date or address is left empty only with a note that says so.
        (("published: 2023-03-16", 'published: ""'), "published"),
        (('source_url: "https://www.meti.go.jp/english/press/2023/0316_001.html"',
          'source_url: ""'), "source_url"),
        (("valid_from: 2023-03-23", "valid_from: 2023-03-23\nkind: story"), "kind"),
        (("valid_from: 2023-03-23", "kind: state"), "needs valid_from"),
        (("valid_from: 2023-03-23", "valid_from: 2023-03-23\nkind: event"), "only a document"),
        (("valid_from: 2023-03-23", "valid_from: 2023-03-23\nother_sources: [{title: x}]"),
         "other_sources"),
    ],
)
def test_bad_front_matter_names_file_and_field(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(CorpusError) as err:
        document_from_markdown(GOOD.replace(old, new), where="corpus/bad.md")
    assert "corpus/bad.md" in str(err.value)
    assert message in str(err.value)


def test_unrecorded_date_and_address_are_empty_with_their_notes() -> None:
    raw = GOOD.replace("published: 2023-03-16", 'published: ""\npublished_note: "not recorded"')
    raw = raw.replace(
        'source_url: "https://www.meti.go.jp/english/press/2023/0316_001.html"',
        'source_url: ""\nsource_url_note: "the article\'s address is not recorded"',
    )
    raw = raw.replace("valid_from: 2023-03-23", "kind: event\nother_sources: [{title: x, note: y}]")
    doc = document_from_markdown(raw, where="sample.md")
    assert doc.published is None and doc.metadata()["published"] == ""
    assert doc.source_url == "" and "not recorded" in doc.source_url_note
    assert doc.kind == "event" and doc.other_sources == ({"title": "x", "note": "y"},)


@pytest.mark.parametrize(
    ("published", "note", "shown"),
    [
        ("2019-07-12", "", "2019-07-12"),
        ("", "the page's own date is not recorded",
         "date not recorded (the page's own date is not recorded)"),
        ("", "", "date not recorded"),
        ("1949", "year only", "1949 (year only)"),
    ],
)
def test_published_label_never_invents_a_date(published: str, note: str, shown: str) -> None:
    assert published_label(published, note) == shown


def test_missing_front_matter_and_broken_yaml(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no YAML front matter"):
        document_from_markdown("# just text", where="x.md")
    with pytest.raises(CorpusError, match="not valid YAML"):
        document_from_markdown("---\nid: [unclosed\n---\ntext", where="x.md")


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD)
    with pytest.raises(CorpusError, match="duplicate id 'sample-doc'") as err:
        load_corpus(tmp_path)
    assert "a.md" in str(err.value) and "b.md" in str(err.value)


def test_non_utf8_corpus_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_bytes(GOOD.encode("utf-8") + b"\xff\xfe broken")
    with pytest.raises(CorpusError, match="bad.md: not UTF-8"):
        load_corpus(tmp_path)


def test_user_files_text_html_pdf_and_bad_ones(tmp_path: Path) -> None:
    write(tmp_path, "note.txt", "Hydrogen fluoride is row 3(1). It is a chemical.")
    write(
        tmp_path,
        "page.html",
        "<html><head><title>METI page</title><script>alert('x')</script></head>"
        "<body><p>Resist is row 7(19).</p></body></html>",
    )
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 export".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    docs, skipped = load_files([tmp_path], max_bytes=1_000_000)
    by_title = {d.title: d for d in docs}
    assert "METI page" in by_title
    assert "alert" not in by_title["METI page"].text
    assert "note" in by_title
    reasons = " ".join(s.reason for s in skipped)
    for name in ("broken.pdf", "empty.txt", "latin1.txt", "binary.txt"):
        assert name in reasons
    assert len(docs) == 2


def test_real_pdf_is_read(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Blank"})
    path = tmp_path / "blank.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(CorpusError, match="no text could be extracted"):
        load_file(path, max_bytes=1_000_000)


def test_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "word " * 1000)
    with pytest.raises(CorpusError, match="limit"):
        load_file(path, max_bytes=100)
