"""Corrections and text fixes in a real browser: the warning box sits above the answer it corrects, its lab link
leads to the lab, and the collapsed text-fix section opens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.settings import Settings
from tests.backends import database_url
from tests.browser.conftest import screenshot
from tests.server import CONTENT, LiveServer

BANK = Path(__file__).resolve().parents[1] / "data" / "canonical" / "corrections.md"


@pytest.fixture
def corrections_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server over a database holding only the small corrections bank (content/ is not needed)."""
    database = tmp_path / "corrections.db"
    engine = make_engine(database_url(database))
    upgrade_database(engine)
    import_paths(engine, [BANK], settings=Settings(content_dir=CONTENT))
    engine.dispose()
    server = LiveServer(database=database).start()
    yield server
    server.stop()


def _box(locator) -> dict[str, float]:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None, "element is not displayed"
    return box


def test_correction_box_is_drawn_above_its_answer(corrections_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(corrections_server.url + "/questions/q-zero2-memory")
    assert page.locator("[data-notice=corrections]").is_visible()  # said before the reveal
    assert not page.locator(".answer .corrections").is_visible()
    page.click("details.answer-section > summary")
    box, answer = page.locator(".answer .corrections"), page.locator(".answer .answer-body")
    assert box.is_visible() and answer.is_visible()
    above, below = _box(box), _box(answer)
    assert above["y"] + above["height"] <= below["y"]
    alternate_box = page.locator(".alternate .corrections")
    alternate_body = page.locator(".alternate .alternate-body")
    assert _box(alternate_box)["y"] + _box(alternate_box)["height"] <= _box(alternate_body)["y"]
    # The box reads as a warning: its border is not the page's ordinary border colour.
    colours = box.evaluate("e => [getComputedStyle(e).borderLeftColor, getComputedStyle(document.body).color]")
    assert colours[0] != colours[1]
    assert box.locator("li.correction").count() == 2
    screenshot(page, "corrections")
    link = box.locator("a.lab-link")
    assert "在实验中验证" in link.inner_text()
    link.click()
    page.wait_for_url("**/labs/zero-memory")
    assert page.locator("h1").first.is_visible()


def test_text_fix_section_opens(corrections_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(corrections_server.url + "/questions/q-zero2-memory?reveal=1")
    fixes = page.locator("details.text-fixes")
    assert fixes.get_attribute("open") is None
    assert not fixes.locator("li.text-fix").first.is_visible()
    summary = fixes.locator("summary")
    assert summary.inner_text() == "文字修订（2）"
    assert _box(page.locator(".answer .answer-body"))["y"] < _box(summary)["y"]  # after the answer
    summary.click()
    assert fixes.get_attribute("open") is not None
    first = fixes.locator("li.text-fix").first
    assert first.is_visible()
    assert first.locator("del").inner_text() == "ZeRO-2 把梯度切分到各个进稈上"
    assert first.locator("ins").inner_text() == "ZeRO-2 把梯度切分到各个进程上"
    assert first.locator(".text-fix-location").inner_text() == "004_d6b2aaf431fc57a4.txt:3972"
    screenshot(page, "text-fixes")
