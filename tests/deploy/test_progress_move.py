"""One learner's progress moves alone: `preplab export --progress --user NAME` from a SQLite database two learners
share, `preplab import --progress --user NAME` into a team's PostgreSQL database (as another name), and back into a
new SQLite file. Each way the learner's whole document (settings, cards, review log, notes, bookmarks, controls,
quizzes and mock interviews with every answer, lab runs) comes out of the target as it went in, and the other
learner's rows stay behind.

Needs a PostgreSQL server: PREPLAB_TEST_POSTGRES_URL (skipped, with that reason, without one)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.backends import SERVER_URL
from tests.deploy.conftest import NOTE, OTHER_NOTE, app_client, sqlite_url

pytestmark = pytest.mark.skipif(SERVER_URL is None, reason="PREPLAB_TEST_POSTGRES_URL is not set: no PostgreSQL "
                                                           "server to move progress to")
SECTIONS = ("settings", "cards", "review_log", "notes", "bookmarks", "question_controls", "quizzes",
            "mock_interviews", "lab_runs")


def export(url: str, user: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("PREPLAB_DATABASE_URL", url)
    assert main(["export", "--progress", "--user", user, "-o", str(path)]) == 0
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def put(url: str, user: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREPLAB_DATABASE_URL", url)
    assert main(["import", "--progress", "--user", user, str(path)]) == 0


def progress(document: dict[str, Any]) -> dict[str, Any]:
    """The learner's sections; a review log's idempotency key names the learner's id in its own database."""
    sections = copy.deepcopy({name: document[name] for name in SECTIONS})
    for log in sections["review_log"]:
        if log.get("idempotency_key"):
            log["idempotency_key"] = log["idempotency_key"].split(":", 1)[1]
    return sections


def test_one_learners_progress_moves_to_postgresql_and_back(
        studied: tuple[Path, dict[str, Any]], content_file: Path, postgres: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path, seen = studied
    mine = export(sqlite_url(path), "local", tmp_path / "local.json", monkeypatch)
    for section in SECTIONS:
        assert mine[section], f"the learner's document has no {section}"
    assert OTHER_NOTE not in json.dumps(mine, ensure_ascii=False)

    assert main(["db", "copy", "--from", sqlite_url(content_file), "--to", postgres]) == 0  # the team's banks
    put(postgres, "ana", tmp_path / "local.json", monkeypatch)
    assert "created learner ana" in capsys.readouterr().out
    on_postgres = export(postgres, "ana", tmp_path / "ana.json", monkeypatch)
    assert progress(on_postgres) == progress(mine)

    back = tmp_path / "back.db"
    shutil.copyfile(content_file, back)
    put(sqlite_url(back), "local", tmp_path / "ana.json", monkeypatch)
    assert progress(export(sqlite_url(back), "local", tmp_path / "back.json", monkeypatch)) == progress(mine)
    with app_client(sqlite_url(back)) as client:
        page = client.get(f"/questions/{seen['question']}")
        assert page.status_code == 200 and NOTE in page.text and OTHER_NOTE not in page.text

    put(postgres, "ana", tmp_path / "ana.json", monkeypatch)  # twice: nothing doubles
    assert progress(export(postgres, "ana", tmp_path / "again.json", monkeypatch)) == progress(mine)


def test_exporting_a_learner_who_is_not_there_fails(studied: tuple[Path, dict[str, Any]], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path, _seen = studied
    monkeypatch.setenv("PREPLAB_DATABASE_URL", sqlite_url(path))
    assert main(["export", "--progress", "--user", "nobody", "-o", str(tmp_path / "x.json")]) == 2
    assert "no learner named nobody" in capsys.readouterr().err
