"""Markdown to safe HTML (markdown-it-py with raw HTML off: the parser is the sanitiser)."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML that is safe to insert into a page."""
    return Markup(_parser().render(text or ""))
