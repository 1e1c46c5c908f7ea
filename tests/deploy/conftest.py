"""Databases for the moving tests: a SQLite file holding content/ (whatever backend the rest of the suite runs on), a
copy of it a learner has studied in through the app's own API (plus a second learner's rows), an empty database of
its own on the PostgreSQL test server, and every table's rows in a form two databases can be compared in."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, MetaData, create_engine, select
from sqlmodel import Session

from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.db_copy import is_data_table
from app.main import create_app
from app.models import Bookmark, Note, ReviewCard
from app.page_revision import EPOCH
from app.settings import Settings
from app.users import ensure_local_user
from tests.backends import database_url, drop
from tests.conftest import CONTENT, DATA
from tests.csrf import as_page, page_client

NOTE = "我的笔记：ZeRO-3 把参数也切分到各卡。"
OTHER_NOTE = "小明的笔记：只属于小明。"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def content_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding content/, whatever backend the rest of the suite runs on."""
    path = tmp_path_factory.mktemp("copy") / "content.db"
    engine = make_engine(sqlite_url(path))
    upgrade_database(engine)
    import_paths(engine, [CONTENT], settings=Settings(content_dir=CONTENT))
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def app_client(url: str) -> TestClient:
    return page_client(create_app(Settings(database_url=url, content_dir=CONTENT, timezone="UTC")))


def study(client: TestClient) -> dict[str, Any]:
    """What a learner does in a session, through the app's own API; returns what to look for afterwards."""
    graded = []
    for _ in range(3):
        card = client.get("/api/review/next").json()["card"]
        assert client.post(f"/api/review/{card['question_id']}", json={"rating": 3, "reps": 0}).status_code == 200
        graded.append(card["question_id"])
    question = graded[0]
    assert client.put(f"/api/questions/{question}/note", json={"body": NOTE}).status_code == 200
    assert client.put(f"/api/questions/{question}/bookmark").status_code == 200
    assert client.put(f"/api/questions/{graded[1]}/flag", json={"flag": "red"}).status_code == 200
    assert client.put("/api/settings", json={"daily_new_limit": 7, "interview_date": "2099-01-01"}).status_code == 200
    quiz = client.post("/api/quizzes", json={"count": 1, "mix": {"mcq": 1}, "seed": 4}).json()
    assert client.post(f"/api/quizzes/{quiz['id']}/answers/1", json={"choice": "A"}).status_code == 200
    mock = client.post("/api/mock-interviews", json={"count": 2, "minutes": 30, "seed": 6,
                                                     "mix": {"mcq": 1, "open": 1}}).json()
    saved = client.put(f"/api/mock-interviews/{mock['id']}/answers/2", json={"answer": "我的模拟面试回答"})
    assert saved.status_code == 200, saved.text
    assert client.post(f"/api/mock-interviews/{mock['id']}/finish").status_code == 200
    uploaded = client.post("/labs/import", follow_redirects=False, files={"file": (
        "lora.json", (DATA / "labs" / "cpu-lora.json").read_bytes(), "application/json")})
    assert uploaded.status_code == 303
    return {"question": question, "graded": graded, "mock": mock["id"], "quiz": quiz["id"]}


def second_learner(url: str, question: str) -> None:
    """Another learner's rows, written as the app would (the whole group moves, not one learner)."""
    engine = make_engine(url)
    with Session(engine) as session:
        user_id = ensure_local_user(session=session, name="ming").id
        assert user_id is not None
        session.add(Note(user_id=user_id, question_id=question, body=OTHER_NOTE))
        session.add(Bookmark(user_id=user_id, question_id=question))
        session.add(ReviewCard(user_id=user_id, question_id=question, state=2, stability=3.5, difficulty=5.0,
                               due=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), reps=2))
        session.commit()
    engine.dispose()


@pytest.fixture
def studied(tmp_path: Path, content_file: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "studied.db"
    shutil.copyfile(content_file, path)
    with app_client(sqlite_url(path)) as client:
        seen = study(as_page(client))
    second_learner(sqlite_url(path), seen["question"])
    return path, seen


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    path = tmp_path / "copy-target.pg"
    yield database_url(path)
    drop(path)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each data table's rows, sorted, with instants in UTC and JSON as text; a JSON column also says whether it
    is SQL NULL (which reads back as None, like the JSON value null)."""
    engine = create_engine(make_engine(url).url)
    metadata = MetaData()
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        metadata.reflect(connection, only=lambda name, _meta: is_data_table(name))
        for table in metadata.sorted_tables:
            columns = sorted(table.columns, key=lambda column: column.name)
            flags = [column.is_(None) for column in columns if isinstance(column.type, JSON)]
            rows = connection.execute(select(*columns, *flags)).all()
            if table.name == "shared_state":  # the epoch is each database's own (app/page_revision.py), not data
                rows = [row for row in rows if row._mapping["name"] != EPOCH]
            tables[table.name] = sorted((tuple(_value(value) for value in row) for row in rows), key=repr)
    engine.dispose()
    return tables
