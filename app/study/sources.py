"""The original documents questions cite (content/sources/): their titles (content/documents.yaml) and their lines,
so a source reads as its title with a link to the line, never as a file's hash name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import pass_context

from app.yaml_loader import SAFE_LOADER

DOCUMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")


@dataclass(frozen=True)
class SourceTitle:
    title_zh: str
    title_en: str

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_zh


@dataclass(frozen=True)
class SourceDocument:
    name: str
    titles: SourceTitle
    lines: list[str]


@lru_cache(maxsize=8)
def _titles(path: Path, _mtime: float) -> dict[str, SourceTitle]:
    data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    documents = data.get("documents") or {}
    return {str(name): SourceTitle(str(entry.get("title_zh") or name), str(entry.get("title_en") or ""))
            for name, entry in documents.items() if isinstance(entry, dict)}


def document_titles(content_dir: Path) -> dict[str, SourceTitle]:
    """Document file name → its titles; {} when content/documents.yaml is missing."""
    path = content_dir / "documents.yaml"
    if not path.is_file():
        return {}
    return _titles(path, path.stat().st_mtime)


def source_title(content_dir: Path, document: str, lang: str) -> str:
    """The document's title in `lang`, else its file name (a user's own document has no entry)."""
    found = document_titles(content_dir).get(document)
    return found.title(lang) if found else document


def source_document(content_dir: Path, document: str) -> SourceDocument | None:
    """The document's lines (1-based positions are list index + 1), or None when there is no such document."""
    if not DOCUMENT_NAME.fullmatch(document) or ".." in document:
        return None
    folder = (content_dir / "sources").resolve()
    path = (folder / document).resolve()
    if path.parent != folder or not path.is_file():
        return None
    titles = document_titles(content_dir).get(document) or SourceTitle(document, document)
    return SourceDocument(name=document, titles=titles,
                          lines=path.read_text(encoding="utf-8", errors="replace").splitlines())


@pass_context
def source_title_global(context: Any, document: str) -> str:
    """`{{ source_title(document) }}` in templates: the title in the page's language."""
    request = context.get("request")
    settings = getattr(getattr(getattr(request, "app", None), "state", None), "settings", None)
    if settings is None:
        return document
    return source_title(Path(settings.content_dir), document, str(context.get("lang") or "zh"))
