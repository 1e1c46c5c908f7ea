"""Talking to PrepLab the way its own pages do: load a page, keep the `csrftoken` cookie it sets, and send the
token from its <meta name="csrf-token"> as the X-CSRFToken header (HTMX and the page's fetch() calls do the same).
Tests use this instead of switching the check off."""

from __future__ import annotations

import re
import urllib.request
from typing import Any

from fastapi.testclient import TestClient

# TestClient's own host name ("testserver") is not one PrepLab answers to by default; the loopback address is.
BASE_URL = "http://127.0.0.1"
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def page_token(html: str) -> str:
    found = _META.search(html)
    assert found, "the page carries no <meta name=\"csrf-token\">"
    return found.group(1)


def as_page(client: TestClient, path: str = "/settings") -> TestClient:
    """The client, holding the cookie a page set and sending that page's token on every request from now on."""
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    client.headers["X-CSRFToken"] = page_token(response.text)
    return client


def page_client(app: Any, **options: Any) -> TestClient:
    """A TestClient on the loopback address; enter it (`with`) and pass it to as_page() once the app has started."""
    return TestClient(app, base_url=BASE_URL, **options)


def page_headers(base_url: str, path: str = "/settings") -> dict[str, str]:
    """For a live server: the Cookie and X-CSRFToken headers a page would send with its requests."""
    with urllib.request.urlopen(base_url + path, timeout=10) as response:
        html = response.read().decode("utf-8")
        cookies = [value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie") or []]
    return {"X-CSRFToken": page_token(html), "Cookie": "; ".join(cookies)}
