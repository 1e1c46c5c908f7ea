"""A learner's progress moves to another database as one JSON document (`preplab export --progress`, `preplab
import --progress FILE`): the review log and card states, notes, bookmarks, settings, quiz and mock history and own
lab runs arrive whole; importing it twice changes nothing; a document that is not progress changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.main import create_app
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT
from tests.csrf import as_page, page_client
from tests.server import imported_database

REFERENCE = Path(__file__).resolve().parent.parent / "labs" / "results" / "lora_1xH200_20261123.json"
SECTIONS = ("settings", "cards", "review_log", "notes", "bookmarks", "quizzes", "mock_interviews", "lab_runs")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("progress-template") / "content.db")


def copy_of(template: Path, path: Path) -> Path:
    copy_database(template, path)
    return path


def study(database: Path) -> None:
    """A learner's week, through the app: grades, a note, a bookmark, settings, a quiz, a mock round, a lab upload."""
    settings = Settings(database_url=database_url(database), content_dir=CONTENT)
    with page_client(create_app(settings)) as client:
        as_page(client)
        for rating in (3, 1, 4):
            card = client.get("/api/review/next").json()["card"]
            assert client.post(f"/api/review/{card['question_id']}", json={"rating": rating}).status_code == 200
        question = card["question_id"]
        note = client.put(f"/api/questions/{question}/note", json={"body": "我的笔记：ZeRO-3 切分参数"})
        assert note.status_code == 200
        assert client.put(f"/api/questions/{question}/bookmark").status_code == 200
        assert client.put("/api/settings", json={"daily_new_limit": 7, "theme": "dark"}).status_code == 200
        quiz = client.post("/api/quizzes", json={"count": 2, "kinds": ["mcq"], "seed": 1}).json()
        client.post(f"/api/quizzes/{quiz['id']}/answers/1", json={"choice": "A"})
        round_ = client.post("/api/mock-interviews", json={"count": 2, "minutes": 5, "mix": {"open": 2}}).json()
        client.put(f"/api/mock-interviews/{round_['id']}/answers/1", json={"answer": "数据并行", "revision": 1})
        client.post(f"/api/mock-interviews/{round_['id']}/finish")
        client.post("/labs/import", files={"file": ("lora.json", REFERENCE.read_bytes(), "application/json")})


def export(database: Path, monkeypatch: pytest.MonkeyPatch, out: Path) -> dict[str, Any]:
    monkeypatch.setenv("PREPLAB_DATABASE_URL", database_url(database))
    assert main(["export", "--progress", "-o", str(out)]) == 0
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    return {section: document[section] for section in SECTIONS}


def test_progress_moves_whole_and_a_second_import_changes_nothing(
        tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    first = copy_of(template, tmp_path / "first.db")
    study(first)
    document = export(first, monkeypatch, tmp_path / "progress.json")
    assert document["format"] == "preplab-progress" and document["version"] == 1
    assert [log["origin"] for log in document["review_log"]] == ["review", "review", "review", "quiz"]
    assert len(document["cards"]) >= 3
    assert document["notes"][0]["body"] == "我的笔记：ZeRO-3 切分参数" and len(document["bookmarks"]) == 1
    assert document["settings"]["daily_new_limit"] == 7 and document["settings"]["theme"] == "dark"
    assert document["quizzes"][0]["answers"] and document["mock_interviews"][0]["answers"][0]["answer"] == "数据并行"
    assert [run["lab"] for run in document["lab_runs"]] == ["lora"]

    second = copy_of(template, tmp_path / "second.db")
    monkeypatch.setenv("PREPLAB_DATABASE_URL", database_url(second))
    assert main(["import", "--progress", str(tmp_path / "progress.json")]) == 0
    moved = export(second, monkeypatch, tmp_path / "moved.json")
    assert comparable(moved) == comparable(document)

    capsys.readouterr()
    monkeypatch.setenv("PREPLAB_DATABASE_URL", database_url(second))
    assert main(["import", "--progress", str(tmp_path / "progress.json")]) == 0
    said = capsys.readouterr().out
    assert "新增 0，更新 0" in said and "新增 1" not in said
    assert comparable(export(second, monkeypatch, tmp_path / "again.json")) == comparable(document)


def test_a_document_that_is_not_progress_changes_nothing(tmp_path: Path, template: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    database = copy_of(template, tmp_path / "db.db")
    monkeypatch.setenv("PREPLAB_DATABASE_URL", database_url(database))
    cases = {"questions.json": json.dumps({"questions": []}), "broken.json": '{"format": ',
             "deep.json": "[" * 10_000 + "]" * 10_000,
             "future.json": json.dumps({"format": "preplab-progress", "version": 99}),
             "bad_rows.json": json.dumps({"format": "preplab-progress", "version": 1, "notes": "x"})}
    for name, body in cases.items():
        (tmp_path / name).write_text(body)
        assert main(["import", "--progress", str(tmp_path / name)]) == 2, name
        error = capsys.readouterr().err
        assert "Traceback" not in error and name in error, (name, error)
    assert export(database, monkeypatch, tmp_path / "out.json")["review_log"] == []


def test_export_needs_one_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export"]) == 2 and "--progress" in capsys.readouterr().err
