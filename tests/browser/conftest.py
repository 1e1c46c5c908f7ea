"""Browser tests: Playwright driving Debian's Chromium (headless) against a real PrepLab server.

Chromium comes from apt (`.ci/run` installs it); `playwright install` cannot download browsers here.
Outside CI the tests skip when /usr/bin/chromium is missing; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import ON_POSTGRES
from tests.server import LiveServer, imported_database, new_server

CHROMIUM = Path(os.environ.get("PREPLAB_TEST_CHROMIUM", "/usr/bin/chromium"))
# The PostgreSQL half (run beside the SQLite half by make test) keeps its screenshots apart from the SQLite half's.
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / ("postgresql" if ON_POSTGRES else "")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 *os.environ.get("PREPLAB_TEST_CHROMIUM_ARGS", "").split()]  # more flags, to try some out


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("template") / "content.db")


@pytest.fixture
def live_server(tmp_path: Path, template_database: Path) -> Iterator[LiveServer]:
    """A fresh server on a fresh copy of the imported content, for one test."""
    server = new_server(tmp_path, template_database)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A new browser page in a context of its own (no cookie or storage of another test's); dialogs are recorded
    (and dismissed) so tests can assert none opened."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot as a test artefact (tests/artifacts/NAME.png), for people to look at: no test
    reads one back. None is taken in CI (CI=true), where no one looks at them, nor in the PostgreSQL half, whose pages
    are the same (a full-page PNG of a long page is about a third of a second of Chromium's CPU), unless
    PREPLAB_TEST_SCREENSHOTS=1 (the PostgreSQL half's then go into tests/artifacts/postgresql/)."""
    path = ARTIFACTS / f"{name}.png"
    if (ON_POSTGRES or os.environ.get("CI") == "true") and os.environ.get("PREPLAB_TEST_SCREENSHOTS") != "1":
        return path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def settled_width(page, width: int, timeout_ms: float = 5_000) -> int:  # type: ignore[no-untyped-def]
    """The page's scroll width once it fits in `width`, or as it is after `timeout_ms`: read at once after a resize,
    it can still be the old layout's."""
    try:
        page.wait_for_function(f"() => document.documentElement.scrollWidth <= {int(width)}", timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: the caller's assertion says by how much
        pass
    return int(page.evaluate("document.documentElement.scrollWidth"))

