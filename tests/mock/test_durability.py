"""An autosave survives a crash: a real `preplab serve` process answers the save, is SIGKILLed at once, and a new
server on the same database file still has the answer, and the round's deadline is unchanged."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.csrf import page_headers
from tests.server import LiveServer, imported_database, new_server


@pytest.fixture(scope="module")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("mock-template") / "content.db")


def call(server: LiveServer, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **page_headers(server.url)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_autosave_survives_sigkill(tmp_path: Path, template_database: Path) -> None:
    server = new_server(tmp_path, template_database)
    try:
        status, created = call(server, "POST", "/api/mock-interviews",
                               {"count": 2, "minutes": 10, "mix": {"open": 2}})
        assert status == 201
        status, saved = call(server, "PUT", f"/api/mock-interviews/{created['id']}/answers/2",
                             {"answer": "崩溃之前刚刚自动保存的回答", "elapsed_ms": 1200})
        server.kill()  # the response is in hand: the answer must already be on disk
    finally:
        server.stop()
    assert status == 200 and saved["answer"] == "崩溃之前刚刚自动保存的回答"

    restarted = LiveServer(database=server.database).start()
    try:
        status, after = call(restarted, "GET", f"/api/mock-interviews/{created['id']}")
        status_more, more = call(restarted, "PUT", f"/api/mock-interviews/{created['id']}/answers/1",
                                 {"answer": "重启后接着答"})
    finally:
        restarted.stop()
    assert status == 200 and after["status"] == "running"
    assert after["deadline"] == created["deadline"] and after["started_at"] == created["started_at"]
    saved_answers = {question["position"]: question["saved"] for question in after["questions"]}
    assert saved_answers[2]["answer"] == "崩溃之前刚刚自动保存的回答"
    assert saved_answers[2]["saved_at"] == saved["saved_at"] and saved_answers[2]["time_spent_ms"] > 0
    assert [q["id"] for q in after["questions"]] == [q["id"] for q in created["questions"]]
    assert status_more == 200 and more["answer"] == "重启后接着答"
