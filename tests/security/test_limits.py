"""Request bodies are capped per route and refused with 413 before anything parses them: at once when
Content-Length says so, as soon as the limit is passed when it does not; a 10 MB body no longer holds the server."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.csrf import as_page, page_client, page_headers
from tests.server import new_server


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_json_over_the_limit_is_a_413_naming_the_limit(client: TestClient) -> None:
    question = client.get("/api/review/next").json()["card"]["question_id"]
    body = b"[" + b"1," * 200_000 + b"1]"  # 400 KB: over the 256 KiB default
    response = client.post(f"/api/review/{question}", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "256 KiB" in response.json()["detail"]
    streamed = client.post(f"/api/review/{question}", content=chunks(1_000_000),
                           headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    form = client.post(f"/questions/{question}/note", content=b"body=" + b"x" * 300_000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 413 and "256 KiB" in form.text


def test_the_lab_upload_has_its_own_larger_limit(client: TestClient) -> None:
    upload = b"{" + b" " * 1_000_000 + b"}"  # 1 MB: over the body limit, under the upload limit
    taken = client.post("/labs/import", files={"file": ("big.json", upload, "application/json")})
    assert taken.status_code != 413  # read, and judged by the labs (not a valid result)
    refused = client.post("/labs/import", files={"file": ("huge.json", b" " * (5 * 1024 * 1024), "text/plain")})
    assert refused.status_code == 413 and "4 MiB" in refused.text


def test_limits_come_from_settings(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048, "max_upload_bytes": 4096})
    with page_client(create_app(small)) as client:
        as_page(client)
        assert client.put("/api/settings", json={"theme": "dark", "pad": "x" * 3000}).status_code == 413
        assert client.put("/api/settings", json={"theme": "dark"}).status_code == 200
        over = client.post("/labs/import", files={"file": ("r.json", b" " * 5000, "application/json")})
        assert over.status_code == 413 and "4 KiB" in over.text


def test_a_10_mb_body_does_not_hold_the_server(tmp_path: Path, content_template: Path) -> None:
    server = new_server(tmp_path, content_template)
    try:
        headers = {"Content-Type": "application/json", **page_headers(server.url)}
        answered: dict[str, float] = {}

        def send_big() -> None:
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                connection.putrequest("POST", "/api/review/q-any")
                for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
                    connection.putheader(name, value)
                connection.endheaders()
                for part in chunks(10 * 1024 * 1024, 256 * 1024):
                    connection.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                connection.send(b"0\r\n\r\n")
                answered["status"] = connection.getresponse().status
            except OSError:
                answered["status"] = 413  # the server answered and closed before the rest was sent
            finally:
                answered["big_s"] = time.monotonic() - started
                connection.close()

        sender = threading.Thread(target=send_big)
        sender.start()
        started = time.monotonic()
        probe = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        probe.request("GET", "/api/banks")
        assert probe.getresponse().status == 200
        answered["probe_s"] = time.monotonic() - started
        sender.join(60)
        assert answered["status"] == 413 and answered["probe_s"] < 2, answered
        declared = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        declared.putrequest("POST", "/api/review/q-any")
        for name, value in {**headers, "Content-Length": str(10 * 1024 * 1024)}.items():
            declared.putheader(name, value)
        declared.endheaders()  # no body sent at all: Content-Length alone earns the 413
        assert declared.getresponse().status == 413
    finally:
        server.stop()
