"""Every text of the real banks, and the raw documents they came from, renders clean and fast."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest

from app.content.pipeline import load_content
from app.render import render_inline, render_markdown
from app.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
LEFTOVERS = re.compile(r"\*\*|&lt;/?(?:details|summary|p|strong|sup|sub|br)\b|&lt;a id|[\ue000-\uf8ff]")


def _bank_texts() -> tuple[list[str], list[str]]:
    content = load_content([CONTENT / "banks"], concepts_path=CONTENT / "concepts.yaml")
    blocks: list[str] = []
    titles: list[str] = []
    for _bank, question in content.questions:
        blocks += [question.prompt, question.answer, question.explanation, *question.key_points]
        blocks += [alternate.answer for alternate in question.alternates]
        blocks += [correction.text for correction in question.corrections]
        titles += [question.title, *(choice.text for choice in question.choices)]
    return [text for text in blocks if text], [text for text in titles if text]


def _outside_code(html: str) -> str:
    return re.sub(r"<(pre|code)\b[^>]*>.*?</\1>", "", html, flags=re.S)


class _Balance(HTMLParser):
    """Counts opened and closed elements, so a test can tell that markers never leave one open."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"br", "img", "hr", "input"}:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"


def test_every_text_of_the_banks_renders_clean_and_fast() -> None:
    blocks, titles = _bank_texts()
    assert len(blocks) > 400 and len(titles) > 172
    started = time.process_time()  # CPU, not wall time: a loaded machine slows the clock on the wall, not the work
    rendered = [str(render_markdown(text)) for text in blocks] + [str(render_inline(text)) for text in titles]
    elapsed = time.process_time() - started
    assert elapsed < 1.0, f"rendering {len(rendered)} texts took {elapsed:.2f}s"
    for text, html in zip(blocks + titles, rendered, strict=True):
        leftover = LEFTOVERS.search(_outside_code(html))
        assert leftover is None, (text[:80], _outside_code(html)[max(0, leftover.start() - 80):leftover.end() + 80])
        balance = _Balance()
        balance.feed(html)
        balance.close()
        assert balance.open == [], text[:80]


@pytest.mark.parametrize("document", sorted((CONTENT / "sources").glob("*.txt")), ids=lambda path: path.name)
def test_the_raw_source_documents_render_clean(document) -> None:  # type: ignore[no-untyped-def]
    """The originals hold <details> answers, anchors, <sup>/<sub> and bold next to CJK punctuation."""
    html = str(render_markdown(document.read_text(encoding="utf-8")))
    visible = _outside_code(html)
    leftover = LEFTOVERS.search(visible)
    assert leftover is None, visible[max(0, leftover.start() - 80):leftover.end() + 80]
