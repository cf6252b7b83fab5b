"""Course documents: Markdown with YAML front matter, validated so a bad file is named, not guessed.

A wrong date in a regulation tutor is a severe bug, so every date is parsed strictly and every
required field must be present; the error names the file and the field.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from bot.errors import CorpusError
from bot.yaml_loader import SAFE_LOADER, load_yaml

DocType = Literal["news", "regulation", "guidance", "explainer", "glossary", "faq"]
# What a document describes. Only a `state` (something that held over a period, such as "South
# Korea is in Group B") has valid_from/valid_to: an event or a timeline is true on every date.
Kind = Literal["state", "event", "timeline", "background"]
DOC_TYPES, KINDS = get_args(DocType), get_args(Kind)
# Fields that may be empty when their note says why: a source's date or address that is not
# recorded is left out, never replaced by another date (a law's) or another page (a front page).
NOTED_FIELDS = {"published": "published_note", "source_url": "source_url_note"}
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class _DatesAsText(SAFE_LOADER):
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


def _iso_date(value: Any) -> dt.date:
    """Accept a YAML date or an ISO string, nothing fuzzier."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value.strip())
    raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}")


def parse_date(value: Any, *, where: str, field_name: str) -> dt.date:
    try:
        return _iso_date(value)
    except ValueError as exc:
        raise CorpusError(f"{where}: field '{field_name}' {exc}") from None


def split_front_matter(raw: str, *, where: str) -> tuple[dict[str, Any], str]:
    """Return (front matter mapping, body); the body keeps its exact characters for offsets."""
    match = FRONT_MATTER.match(raw)
    if not match:
        raise CorpusError(f"{where}: no YAML front matter (the file must start with '---')")
    try:
        meta = load_yaml(match.group(1), loader=_DatesAsText)
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


def _plain_text(value: Any) -> str:
    if isinstance(value, list | dict):
        raise ValueError("must be plain text")
    return str(value)


def _other_source(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not (value.get("url") or value.get("note")):
        raise ValueError("must be {title, url} (or {title, note} when the address is not recorded)")
    return {str(k): str(v) for k, v in value.items()}


def _fact_ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(f, str | int) for f in value):
        raise ValueError("must be a list of fact ids such as [T16, L6]")
    return [str(f) for f in value]


Text = Annotated[str, BeforeValidator(_plain_text)]
Day = Annotated[dt.date | None, BeforeValidator(_iso_date)]


class FrontMatter(BaseModel):
    """The front-matter fields; an empty optional field counts as absent."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[Text, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: Text
    doc_type: DocType
    jurisdiction: Text
    issuer: Text
    source_title: Text
    source_url: Annotated[Text, Field(pattern=r"^(https?://|$)")]
    published: Text  # a date, or a bare year for laws known by year only ("Act No. 228 of 1949")
    published_note: Text = ""  # why `published` is empty, or where its date comes from
    source_url_note: Text = ""  # why `source_url` is empty (the source's address is not recorded)
    valid_from: Day = None
    valid_to: Day = None
    language: Text = "en"
    kind: Kind | None = None
    facts: Annotated[list[str], BeforeValidator(_fact_ids)] = []
    other_sources: list[Annotated[dict[str, str], BeforeValidator(_other_source)]] = []
    # Lanes, state label and dated events for the study timeline; bot/study/timeline.py checks it.
    timeline: dict[Any, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: dict[str, Any]) -> dict[str, Any]:
        """An empty value is a missing one, except a noted field whose note says why."""
        return {
            k: v for k, v in data.items()
            if v not in (None, "") or (k in NOTED_FIELDS and data.get(NOTED_FIELDS[k]))
        }  # fmt: skip

    @model_validator(mode="after")
    def _check_validity(self) -> FrontMatter:
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError("valid_from is after valid_to")
        if self.kind == "state" and not self.valid_from:
            raise ValueError("a document of kind 'state' needs valid_from")
        if self.kind not in (None, "state") and (self.valid_from or self.valid_to):
            raise ValueError(
                f"only a document of kind 'state' has valid_from/valid_to (this is {self.kind!r})"
            )
        return self


REQUIRED_FIELDS = tuple(n for n, f in FrontMatter.model_fields.items() if f.is_required())
OPTIONAL_FIELDS = tuple(n for n in FrontMatter.model_fields if n not in REQUIRED_FIELDS)
# What a field's value must look like, said instead of pydantic's generic words.
FIELD_FORMS = {
    "id": "must be lowercase letters, digits and '-'",
    "source_url": "must be an http(s) URL",
    "timeline": "must be a mapping (lanes, state, events)",
}


def _problem(error: ErrorDetails) -> str:
    """One pydantic error as the corpus writer reads it: which field, and what is wrong."""
    name = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"missing required field: {name}"
    if error["type"] == "extra_forbidden":
        return f"unknown field: {name}"
    if error["type"] == "value_error":
        message = str(error["ctx"]["error"])
    elif name in FIELD_FORMS:
        message = f"{error['input']!r} {FIELD_FORMS[name]}"
    else:
        message = f"{error['msg']}, got {error['input']!r}"
    return f"field '{name}': {message}" if name else message


def document_from_markdown(raw: str, *, where: str) -> SourceDocument:
    """Validate one Markdown course document; errors name the file and the field."""
    meta, body = split_front_matter(raw, where=where)
    try:
        fm = FrontMatter.model_validate(meta)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors(include_url=False))
        raise CorpusError(f"{where}: {problems}") from None
    published_text, published = fm.published.strip(), None
    if re.fullmatch(r"(1[89]|20)\d\d", published_text):
        published = dt.date(int(published_text), 1, 1)  # a year stays as written: no invented day
    else:
        published_text = ""
        if fm.published:
            published = parse_date(fm.published, where=where, field_name="published")
    if not body.strip():
        raise CorpusError(f"{where}: the document has no text after the front matter")
    return SourceDocument(
        **fm.model_dump(exclude={"published", "kind", "facts", "other_sources"}),
        text=body,
        published=published,
        published_text=published_text,
        kind=fm.kind or "",
        path=where,
        facts=tuple(fm.facts),
        other_sources=tuple(fm.other_sources),
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
