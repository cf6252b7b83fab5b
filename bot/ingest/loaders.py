"""Files a user adds on the command line (text, HTML, PDF, Markdown) turned into documents.

Official documents arrive in many shapes; each bad file is reported and skipped, so one corrupt
PDF never stops the rest of an ingest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from bot.errors import CorpusError
from bot.ingest.documents import FRONT_MATTER, SourceDocument, document_from_markdown

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".md", ".txt", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


def _slug(path: Path) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "file"
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:6]
    return f"user-{stem[:50]}-{digest}"


def _decode(data: bytes, where: str) -> str:
    if b"\x00" in data[:4096]:
        raise CorpusError(f"{where}: looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{where}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again"
        ) from exc


def _html_text(html: str) -> tuple[str, str]:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "iframe"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    text = soup.get_text("\n")
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return title, text.strip()


def _pdf_text(path: Path, where: str) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        title = (reader.metadata.title if reader.metadata else None) or ""
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise CorpusError(f"{where}: cannot read this PDF ({exc})") from exc
    except Exception as exc:  # pypdf raises many types on corrupt input
        raise CorpusError(f"{where}: cannot read this PDF ({type(exc).__name__})") from exc
    return str(title), "\n\n".join(p.strip() for p in pages if p.strip())


def load_file(path: Path, *, max_bytes: int) -> SourceDocument:
    """Turn one user file into a document; metadata comes from the file itself."""
    where = str(path)
    if not path.is_file():
        raise CorpusError(f"{where}: file not found")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"{where}: unsupported file type {suffix or '(none)'}")
    size = path.stat().st_size
    if size == 0:
        raise CorpusError(f"{where}: the file is empty")
    if size > max_bytes:
        raise CorpusError(f"{where}: {size} bytes is over the {max_bytes}-byte limit")
    if suffix == ".pdf":
        title, text = _pdf_text(path, where)
    else:
        raw = _decode(path.read_bytes(), where)
        if suffix == ".md" and FRONT_MATTER.match(raw):
            return document_from_markdown(raw, where=where)
        if suffix in (".html", ".htm"):
            title, text = _html_text(raw)
        else:
            title, text = "", raw
    if not text.strip():
        raise CorpusError(f"{where}: no text could be extracted")
    modified = dt.date.fromtimestamp(path.stat().st_mtime)
    return SourceDocument(
        id=_slug(path),
        title=title.strip() or path.stem.replace("_", " ").replace("-", " "),
        text=text,
        doc_type="news" if "news" in path.stem.lower() else "guidance",
        jurisdiction="",
        issuer="(added by user)",
        source_title=title.strip() or path.name,
        source_url=path.resolve().as_uri(),
        published=modified,
        path=where,
    )


def load_files(
    paths: list[Path], *, max_bytes: int
) -> tuple[list[SourceDocument], list[SkippedFile]]:
    """Load what can be loaded; folders are walked for supported files."""
    docs: list[SourceDocument] = []
    skipped: list[SkippedFile] = []
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded.extend(
                p for p in sorted(path.rglob("*")) if p.suffix.lower() in SUPPORTED_SUFFIXES
            )
        else:
            expanded.append(path)
    for path in expanded:
        try:
            docs.append(load_file(path, max_bytes=max_bytes))
        except CorpusError as exc:
            log.warning("skipped %s", exc)
            skipped.append(SkippedFile(str(path), str(exc)))
    return docs, skipped
