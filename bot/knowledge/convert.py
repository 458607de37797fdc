"""Convert a programme document (PDF, HTML, DOCX or Markdown) to a Markdown body.

The result keeps the document's headings as ATX headings (``#`` …) and its tables as Markdown
tables, so that :mod:`bot.knowledge.sections` can split it and programme facts can cite it.
Japanese text is kept as written: wrapped lines are joined without spaces and nothing is
NFKC-normalised (full-width digits, 円 and ％ stay as they are).

The converters are imported lazily (``pdfplumber`` for PDF in :mod:`.convert_pdf`;
``beautifulsoup4`` + ``markdownify``, and ``mammoth`` for DOCX, in :mod:`.convert_html`).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import yaml

from bot.errors import AdvisorError, DocumentError, UnsupportedDocumentError

PDF_SUFFIXES = frozenset({".pdf"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
DOCX_SUFFIXES = frozenset({".docx"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | HTML_SUFFIXES | DOCX_SUFFIXES | MARKDOWN_SUFFIXES

_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FISCAL_YEAR = re.compile(r"(令和|平成)[ \t　]*([0-9０-９]{1,2}|元)[ \t　]*年度|([0-9０-９]{4})[ \t　]*年度")
_BLANK_RUNS = re.compile(r"\n{3,}")
_FRONT_MATTER_KEYS = ("title", "url", "publisher", "fiscal_year", "published")


@dataclass(frozen=True)
class ConvertedDocument:
    """A document as Markdown, with the metadata the document itself states (if any)."""

    markdown: str
    title: str | None = None
    url: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)  # e.g. a Markdown file's own front matter
    tables: int = 0


def convert_document(path: Path) -> ConvertedDocument:
    """Convert ``path`` by its suffix; raise :class:`DocumentError` for anything unusable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedDocumentError(
            f"未対応のファイル形式です: {path.name}（対応形式: {supported}）",
            f"Unsupported file type: {path.name} (supported: {supported})",
        )
    if not path.is_file():
        raise DocumentError(
            f"ファイルが見つかりません: {path}",
            f"No such file: {path}",
        )
    try:
        if suffix in MARKDOWN_SUFFIXES:
            converted = markdown_document(read_text(path))
        elif suffix in PDF_SUFFIXES:
            from bot.knowledge.convert_pdf import pdf_document

            converted = pdf_document(path)
        elif suffix in HTML_SUFFIXES:
            from bot.knowledge.convert_html import html_document

            converted = html_document(path.read_bytes())
        else:
            from bot.knowledge.convert_html import docx_document

            converted = docx_document(path)
    except AdvisorError:
        raise
    except Exception as exc:  # a parser's own error on a corrupt file: any class, never a traceback
        raise unreadable(path, exc) from exc
    markdown = tidy_markdown(converted.markdown)
    if not markdown.strip():
        raise DocumentError(
            f"文書から本文を取り出せませんでした: {path.name}（画像だけのPDFはOCRしてから追加してください）",
            f"No text could be extracted from {path.name} (OCR a scanned PDF before adding it)",
        )
    return ConvertedDocument(
        markdown=markdown,
        title=converted.title or first_heading(markdown),
        url=converted.url,
        metadata=converted.metadata,
        tables=converted.tables,
    )


def unreadable(path: Path, exc: BaseException) -> DocumentError:
    """The error for a file its parser rejects (corrupt, encrypted, not what its name says)."""
    detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")[:200]
    return DocumentError(
        f"文書を読み込めません（破損しているか、形式が異なります）: {path.name} — {detail}",
        f"Cannot read {path.name}: the file is corrupt or not of its stated type — {detail}",
    )


def require(module: str, package: str) -> ModuleType:
    """Import a converter library, or explain in both languages how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DocumentError(
            f"変換ライブラリ {package} がインストールされていません。`pip install -e .` を実行してください",
            f"The converter library {package} is not installed; run `pip install -e .`",
        ) from None


def read_text(path: Path) -> str:
    """Read a text file as UTF-8 (with or without BOM)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"UTF-8 のテキストとして読めません: {path.name}",
            f"{path.name} is not UTF-8 text ({exc.reason})",
        ) from None


def markdown_document(text: str) -> ConvertedDocument:
    """A Markdown file passes through; its own front matter, if any, becomes metadata."""
    text = text.replace("\r\n", "\n")
    metadata: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            try:
                data = yaml.safe_load("\n".join(lines[1:end]))
            except yaml.YAMLError:
                data = None
            if isinstance(data, dict):
                metadata = {
                    key: str(data[key]) for key in _FRONT_MATTER_KEYS if data.get(key) not in (None, "")
                }
                text = "\n".join(lines[end + 1 :])
    return ConvertedDocument(markdown=text, title=metadata.get("title"), metadata=metadata)


def tidy_markdown(markdown: str) -> str:
    """Strip trailing spaces, collapse blank-line runs, end with one newline."""
    lines = [line.rstrip() for line in markdown.replace("\r\n", "\n").split("\n")]
    text = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""


def headings(markdown: str) -> list[tuple[int, str]]:
    """``(level, title)`` of every ATX heading outside fenced code."""
    found: list[tuple[int, str]] = []
    fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        match = None if fence else _ATX.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2).strip()))
    return found


def first_heading(markdown: str) -> str | None:
    """The title of the document's first top-level heading (else its first heading)."""
    found = headings(markdown)
    if not found:
        return None
    top = min(level for level, _ in found)
    return next(title for level, title in found if level == top)


def detect_fiscal_year(*texts: str) -> str | None:
    """The first fiscal year (令和7年度, 2025年度) stated in ``texts``, digits made half-width."""
    for text in texts:
        match = _FISCAL_YEAR.search(text)
        if match:
            return unicodedata.normalize("NFKC", re.sub(r"[ \t　]", "", match.group(0)))
    return None
