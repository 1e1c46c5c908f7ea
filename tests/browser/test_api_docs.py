"""/docs and /redoc work offline: with every request to anything but the server blocked, Swagger UI lists the
API's operations and ReDoc renders its reference, from the copies vendored in static/vendor."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.browser.conftest import screenshot
from tests.server import LiveServer


def _offline(page, blocked: list[str]) -> None:  # type: ignore[no-untyped-def]
    def route(route) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)


def test_swagger_ui_lists_the_operations_offline(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    blocked: list[str] = []
    _offline(page, blocked)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/docs")
    page.locator(".opblock").first.wait_for(timeout=15_000)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/questions/{question_id}" in summaries and "/api/review/next" in summaries
    assert len(summaries) >= 20
    assert blocked == [] and errors == []
    screenshot(page, "api-docs-swagger")


def test_redoc_renders_offline(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    blocked: list[str] = []
    _offline(page, blocked)
    page.goto(f"{live_server.url}/redoc")
    page.get_by_text("/api/review/next").first.wait_for(timeout=20_000)
    assert blocked == []


def test_favicon_is_served(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.status == 200 and response.headers["content-type"] == "image/png"
