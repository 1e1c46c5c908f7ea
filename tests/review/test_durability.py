"""A grade survives a crash: a real `preplab serve` process answers the grade, is SIGKILLed at once, and a new
server on the same database file still has the log and the card state."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import ReviewCard, ReviewLog
from tests.backends import database_url
from tests.csrf import page_headers
from tests.server import LiveServer, imported_database, new_server


@pytest.fixture(scope="module")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("template") / "content.db")


def call(server: LiveServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **page_headers(server.url)})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_grade_survives_sigkill(tmp_path: Path, template_database: Path) -> None:
    server = new_server(tmp_path, template_database)
    try:
        card = call(server, "GET", "/api/review/next")["card"]
        result = call(server, "POST", f"/api/review/{card['question_id']}",
                      {"rating": 4, "reps": card["reps"], "duration_ms": 4321})
        server.kill()  # the response is in hand: the grade must already be on disk
    finally:
        server.stop()
    assert result["duplicate"] is False and result["state"] == "review"

    restarted = LiveServer(database=server.database).start()
    try:
        after = call(restarted, "GET", "/api/review/next")
        again = call(restarted, "POST", f"/api/review/{card['question_id']}", {"rating": 4, "reps": card["reps"]})
    finally:
        restarted.stop()
    assert after["card"]["question_id"] != card["question_id"] and after["counts"]["reviewed_today"] == 1
    assert again["duplicate"] is True and again["log_id"] == result["log_id"]

    engine = make_engine(database_url(server.database))
    with Session(engine) as session:
        logs = session.exec(select(ReviewLog).where(col(ReviewLog.question_id) == card["question_id"])).all()
        stored = session.exec(select(ReviewCard).where(col(ReviewCard.question_id) == card["question_id"])).one()
    engine.dispose()
    assert [(log.rating, log.duration_ms) for log in logs] == [(4, 4321)]
    assert stored.reps == 1 and stored.state == 2
