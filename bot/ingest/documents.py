"""Course documents: Markdown with YAML front matter, validated so a bad file is named, not guessed.

A wrong date in a regulation tutor is a severe bug, so every date is parsed strictly and every
required field must be present; the error names the file and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import CorpusError

DOC_TYPES = ("news", "regulation", "guidance", "explainer", "glossary", "faq")
# What a document describes. Only a `state` (something that held over a period, such as "South
# Korea is in Group B") has valid_from/valid_to: an event or a timeline is true on every date.
KINDS = ("state", "event", "timeline", "background")
REQUIRED_FIELDS = (
    "id",
    "title",
    "doc_type",
    "jurisdiction",
    "issuer",
    "source_title",
    "source_url",
    "published",
)
OPTIONAL_FIELDS = (
    "valid_from",
    "valid_to",
    "language",
    "facts",
    "other_sources",
    "published_note",  # why `published` is empty, or where its date comes from
    "source_url_note",  # why `source_url` is empty (the source's address is not recorded)
    "kind",
    "timeline",  # lanes, state label and dated events for the study timeline (bot/study)
)
# Fields that may be empty when their note says why: a source's date or address that is not
# recorded is left out, never replaced by another date (a law's) or another page (a front page).
NOTED_FIELDS = {"published": "published_note", "source_url": "source_url_note"}
DATE_FIELDS = ("published", "valid_from", "valid_to")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class _DatesAsText(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported with its field name."""


_DatesAsText.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class SourceDocument:
    """One document with its provenance; `text` is the body the chunk offsets refer to."""

    id: str
    title: str
    text: str
    doc_type: str
    jurisdiction: str
    issuer: str
    source_title: str
    source_url: str
    published: dt.date | None  # None: the source's own date is not recorded
    published_text: str = ""  # as written: a bare year where the source gives no day
    published_note: str = ""
    source_url_note: str = ""
    kind: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    language: str = "en"
    path: str = ""
    facts: tuple[str, ...] = ()
    other_sources: tuple[dict[str, str], ...] = field(default_factory=tuple)
    # Raw `timeline` front matter; bot/study/timeline.py validates it (dates, lanes, fact ids).
    timeline: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, str]:
        """Flat metadata for the vector store (Chroma takes scalars only, so dates are ISO)."""
        return {
            "doc_id": self.id,
            "title": self.title,
            "doc_type": self.doc_type,
            "jurisdiction": self.jurisdiction,
            "issuer": self.issuer,
            "source_title": self.source_title,
            "source_url": self.source_url,
            "published": self.published_text
            or (self.published.isoformat() if self.published else ""),
            "published_note": self.published_note,
            "valid_from": self.valid_from.isoformat() if self.valid_from else "",
            "valid_to": self.valid_to.isoformat() if self.valid_to else "",
            "kind": self.kind,
            "language": self.language,
            "path": self.path,
        }


def parse_date(value: Any, *, where: str, field_name: str) -> dt.date:
    """Accept a YAML date or an ISO string, nothing fuzzier."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CorpusError(f"{where}: field '{field_name}' must be a date YYYY-MM-DD, got {value!r}")


def split_front_matter(raw: str, *, where: str) -> tuple[dict[str, Any], str]:
    """Return (front matter mapping, body); the body keeps its exact characters for offsets."""
    match = FRONT_MATTER.match(raw)
    if not match:
        raise CorpusError(f"{where}: no YAML front matter (the file must start with '---')")
    try:
        meta = yaml.load(match.group(1), Loader=_DatesAsText)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise CorpusError(f"{where}: front matter is not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise CorpusError(f"{where}: front matter is nested too deeply") from exc
    if not isinstance(meta, dict):
        raise CorpusError(f"{where}: front matter must be a mapping of fields")
    bad_keys = [repr(k) for k in meta if not isinstance(k, str)]
    if bad_keys:
        raise CorpusError(f"{where}: field names must be text, got {', '.join(bad_keys)}")
    return meta, raw[match.end() :]


def _check_fields(meta: dict[str, Any], where: str) -> None:
    """Required fields present, plain text where text is expected, no unknown field."""
    missing = [
        name
        for name in REQUIRED_FIELDS
        if meta.get(name) in (None, "")
        and not (name in NOTED_FIELDS and name in meta and meta.get(NOTED_FIELDS[name]))
    ]
    not_text = [
        name
        for name in (*REQUIRED_FIELDS, "language", "kind", *NOTED_FIELDS.values())
        if name in meta and isinstance(meta[name], (list, dict))
    ]
    if not_text:
        raise CorpusError(f"{where}: field(s) {', '.join(not_text)} must be plain text")
    if not isinstance(meta.get("facts") or [], list) or not all(
        isinstance(f, (str, int)) for f in meta.get("facts") or []
    ):
        raise CorpusError(f"{where}: facts must be a list of fact ids such as [T16, L6]")
    if missing:
        raise CorpusError(f"{where}: missing required field(s): {', '.join(missing)}")
    unknown = sorted(set(meta) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise CorpusError(f"{where}: unknown field(s): {', '.join(unknown)}")


def _check_values(meta: dict[str, Any], where: str) -> tuple[str, str, str]:
    """The id, kind and source URL, each checked against its allowed form."""
    doc_id = str(meta["id"])
    if not ID_PATTERN.match(doc_id):
        raise CorpusError(f"{where}: id {doc_id!r} must be lowercase letters, digits and '-'")
    if meta["doc_type"] not in DOC_TYPES:
        raise CorpusError(
            f"{where}: doc_type {meta['doc_type']!r} is not one of {', '.join(DOC_TYPES)}"
        )
    kind = str(meta.get("kind") or "")
    if kind and kind not in KINDS:
        raise CorpusError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    url = str(meta["source_url"] or "")
    if url and not url.startswith(("http://", "https://")):
        raise CorpusError(f"{where}: source_url must be an http(s) URL, got {url!r}")
    return doc_id, kind, url


def _check_dates(
    meta: dict[str, Any], kind: str, where: str
) -> tuple[str, dict[str, dt.date]]:
    """The dates, with a year-only publication kept as written; validity only for states."""
    published_text = str(meta["published"] or "").strip()
    if re.fullmatch(r"(1[89]|20)\d\d", published_text):
        # Some laws are known by year only ("Act No. 228 of 1949"): never invent the day.
        meta["published"] = f"{published_text}-01-01"
    else:
        published_text = ""
    dates = {
        name: parse_date(meta[name], where=where, field_name=name)
        for name in DATE_FIELDS
        if meta.get(name) not in (None, "")
    }
    if "valid_from" in dates and "valid_to" in dates and dates["valid_from"] > dates["valid_to"]:
        raise CorpusError(f"{where}: valid_from is after valid_to")
    if kind == "state" and "valid_from" not in dates:
        raise CorpusError(f"{where}: a document of kind 'state' needs valid_from")
    if kind and kind != "state" and ("valid_from" in dates or "valid_to" in dates):
        raise CorpusError(
            f"{where}: only a document of kind 'state' has valid_from/valid_to (this is {kind!r})"
        )
    return published_text, dates


def document_from_markdown(raw: str, *, where: str) -> SourceDocument:
    """Validate one Markdown course document; errors name the file and the field."""
    meta, body = split_front_matter(raw, where=where)
    _check_fields(meta, where)
    doc_id, kind, url = _check_values(meta, where)
    published_text, dates = _check_dates(meta, kind, where)
    if not body.strip():
        raise CorpusError(f"{where}: the document has no text after the front matter")
    others = meta.get("other_sources") or []
    if not isinstance(others, list) or not all(
        isinstance(o, dict) and (o.get("url") or o.get("note")) for o in others
    ):
        raise CorpusError(
            f"{where}: other_sources must be a list of {{title, url}} (or {{title, note}} "
            "when the source's address is not recorded)"
        )
    timeline = meta.get("timeline") or {}
    if not isinstance(timeline, dict):
        raise CorpusError(f"{where}: timeline must be a mapping (lanes, state, events)")
    return SourceDocument(
        id=doc_id,
        title=str(meta["title"]),
        text=body,
        doc_type=str(meta["doc_type"]),
        jurisdiction=str(meta["jurisdiction"]),
        issuer=str(meta["issuer"]),
        source_title=str(meta["source_title"]),
        source_url=url,
        published=dates.get("published"),
        published_text=published_text,
        published_note=str(meta.get("published_note") or ""),
        source_url_note=str(meta.get("source_url_note") or ""),
        kind=kind,
        valid_from=dates.get("valid_from"),
        valid_to=dates.get("valid_to"),
        language=str(meta.get("language") or "en"),
        path=where,
        facts=tuple(str(f) for f in meta.get("facts") or ()),
        other_sources=tuple({str(k): str(v) for k, v in o.items()} for o in others),
        timeline=timeline,
    )


def published_label(published: str, note: str = "") -> str:
    """How a source card dates its source: the source's own date, or "date not recorded".

    One wording for the chat's cards, the CLI and the checker, so no caller falls back to
    another date (a law's or an event's) when the source's own date is unknown.
    """
    shown = published.strip() or "date not recorded"
    return f"{shown} ({note})" if note else shown


def load_corpus(corpus_dir: Path) -> list[SourceDocument]:
    """Load every `*.md` course document directly under `corpus_dir`; ids must be unique."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found")
    docs: list[SourceDocument] = []
    seen: dict[str, str] = {}
    for path in sorted(corpus_dir.glob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        where = str(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{where}: not UTF-8 text ({exc.reason})") from exc
        doc = document_from_markdown(raw, where=where)
        if doc.id in seen:
            raise CorpusError(f"{where}: duplicate id {doc.id!r} (also in {seen[doc.id]})")
        seen[doc.id] = where
        docs.append(doc)
    if not docs:
        raise CorpusError(f"{corpus_dir}: no course documents (*.md) found")
    return docs
