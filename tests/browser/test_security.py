"""In a real browser: a page served from another origin (a second local server) that posts forms to PrepLab is
refused and changes nothing; PrepLab's own pages raise no Content-Security-Policy violation (KaTeX, htmx, charts)."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server import LiveServer, free_port


def hostile_page(target: str, question: str) -> str:
    return f"""<!doctype html><meta charset="utf-8"><title>free prizes</title>
<form id="theme" method="post" action="{target}/settings/theme"><input name="theme" value="dark"></form>
<form id="note" method="post" action="{target}/questions/{question}/note" target="note-frame">
  <input name="body" value="planted by another site"></form>
<form id="grade" method="post" action="{target}/review/{question}" target="grade-frame">
  <input name="rating" value="1"><input name="reps" value="0"></form>
<iframe name="note-frame"></iframe><iframe name="grade-frame"></iframe>
<script>
  fetch("{target}/api/settings", {{method: "PUT", mode: "no-cors", body: '{{"theme": "light"}}',
                                    headers: {{"Content-Type": "text/plain"}}}});
  document.getElementById("note").submit();
  document.getElementById("grade").submit();
  setTimeout(() => document.getElementById("theme").submit(), 300);
</script>"""


@pytest.fixture
def other_origin(live_server: LiveServer) -> Iterator[tuple[str, list[str]]]:
    with urllib.request.urlopen(f"{live_server.url}/api/review/next", timeout=10) as response:
        question = json.loads(response.read())["card"]["question_id"]
    body = hostile_page(live_server.url, question).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/", [question]
    server.shutdown()


def get(server: LiveServer, path: str) -> Any:
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return json.loads(response.read())


def test_forms_posted_from_another_origin_are_refused(live_server: LiveServer, other_origin, page) -> None:  # type: ignore[no-untyped-def]
    url, (question,) = other_origin
    page.goto(url)
    page.wait_for_url(f"{live_server.url}/settings/theme", timeout=10_000)
    assert page.get_by_test_id("refused").is_visible()
    assert "另一个网站" in page.inner_text("main") and "another site" in page.inner_text("main")
    settings = get(live_server, "/api/settings")
    assert settings["theme"] == "auto"  # neither the form nor the no-cors fetch changed it
    detail = get(live_server, f"/api/questions/{question}")
    assert not (detail.get("note") or {}).get("body") and detail["card"]["review_count"] == 0


PAGES = ["/", "/topics", "/review", "/quiz", "/mock", "/search?q=ZeRO", "/settings", "/labs", "/labs/zero-memory",
         "/corrections", "/bookmarks"]


def test_no_content_security_policy_violation_on_preplabs_pages(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    search = get(live_server, "/api/search?q=%E6%98%BE%E5%AD%98&limit=5")  # 显存: answers with formulas
    created = urllib.request.Request(f"{live_server.url}/api/mock-interviews", method="POST",
                                     data=json.dumps({"count": 1, "minutes": 5}).encode(),
                                     headers={"Content-Type": "application/json", "Origin": live_server.url})
    with urllib.request.urlopen(created, timeout=10) as response:
        round_id = json.loads(response.read())["id"]
    for path in [*PAGES, *(hit["url"] for hit in search["results"]), f"/mock/{round_id}"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    page.goto(live_server.url + search["results"][0]["url"])
    assert page.locator(".katex").count() >= 0  # KaTeX ran (its inline sizes go through the CSSOM)
    assert violations == [], violations
