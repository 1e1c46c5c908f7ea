"""What the browser is told to keep, and what is computed once: static files cached for good under their content
hash (else revalidated by ETag), HTML compressed, bank Markdown rendered once per text, the torch probe run once
however many requests ask at once."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.labs import catalog
from app.main import create_app
from app.render import render_markdown
from app.settings import Settings
from app.static_files import IMMUTABLE, REVALIDATE
from tests.backends import database_url
from tests.conftest import CONTENT
from tests.csrf import as_page, page_client


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=database_url(tmp_path / 'preplab.db'), content_dir=CONTENT))
    with page_client(app) as test_client:
        yield as_page(test_client)


def test_pages_name_static_files_by_their_content_and_those_are_kept_for_a_year(client: TestClient) -> None:
    page = client.get("/settings").text
    stylesheet = re.search(r'href="([^"]*/static/css/preplab\.css\?v=[0-9a-f]{16})"', page)
    assert stylesheet, "the stylesheet's URL carries no content hash"
    response = client.get(stylesheet.group(1))
    assert response.status_code == 200 and response.headers["cache-control"] == IMMUTABLE
    # ES modules import one another by plain URL: theirs stay plain, revalidated by ETag.
    assert re.search(r'src="[^"]*/static/js/app\.js"', page)


def test_a_static_file_without_its_hash_is_revalidated_by_etag(client: TestClient) -> None:
    first = client.get("/static/js/app.js")
    assert first.headers["cache-control"] == REVALIDATE and first.headers["etag"]
    again = client.get("/static/js/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    stale = client.get("/static/css/preplab.css?v=0000000000000000")
    assert stale.status_code == 200 and stale.headers["cache-control"] == REVALIDATE


def test_html_is_compressed_for_clients_that_accept_it(client: TestClient) -> None:
    response = client.get("/topics", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower() and "hx-request" in response.headers["vary"].lower()
    assert "<html" in response.text  # the client decompressed it


def test_markdown_is_rendered_once_per_text() -> None:
    text = f"**一次** 渲染 `{time.time_ns()}`"
    first = render_markdown(text)
    assert render_markdown(text) is first  # the cached object itself, not a second rendering
    assert render_markdown(text + " 改过") != first


def test_the_torch_probe_runs_once_for_all_who_ask_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[float] = []

    def slow_probe() -> catalog.Machine:
        started.append(time.perf_counter())
        time.sleep(0.3)
        return catalog.Machine(torch=False)

    with catalog._probe_lock:  # a probe an app started in the background has finished
        pass
    monkeypatch.setattr(catalog, "_machine", None)
    monkeypatch.setattr(catalog, "_probe", slow_probe)
    found: list[catalog.Catalog] = []
    askers = [threading.Thread(target=lambda: found.append(catalog.load_catalog())) for _ in range(8)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert len(started) == 1 and len(found) == 8 and all(not item.torch for item in found)
    # Naming labs never waits for the probe.
    monkeypatch.setattr(catalog, "_machine", None)
    monkeypatch.setattr(catalog, "_probe", lambda: pytest.fail("a page that only names labs ran the probe"))
    assert catalog.lab_specs().specs


def test_the_probe_answer_is_kept_for_the_next_start_and_asked_again_when_the_machine_changes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(catalog.tempfile, "gettempdir", lambda: str(tmp_path))
    asked: list[int] = []
    real_ask = catalog._ask

    def counted() -> catalog.Machine:
        asked.append(1)
        return real_ask()

    monkeypatch.setattr(catalog, "_ask", counted)
    first = catalog._probe()
    assert len(asked) == 1 and first.torch and first.cpu_name  # the real child process, torch imported
    assert catalog._probe() == first and len(asked) == 1  # the next server start reads the file: no child
    assert catalog.probe_cache_path().is_file()

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # other GPUs visible: another name, so a new probe
    assert catalog._probe().torch and len(asked) == 2
    catalog.probe_cache_path().write_text("{not json", encoding="utf-8")  # a torn or edited file is asked again
    assert catalog._probe().torch and len(asked) == 3


def test_a_failed_probe_is_not_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(catalog.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(catalog, "_ask", lambda: catalog.Machine(torch=False))
    assert not catalog._probe().torch
    assert not catalog.probe_cache_path().exists()  # torch may be being installed: the next start asks again
