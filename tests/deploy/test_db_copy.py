"""`preplab db copy`: a SQLite database a learner has studied in (cards and review logs, notes, bookmarks, flags,
quizzes, a mock interview, settings, an uploaded lab run) and a second learner's rows, copied to a real PostgreSQL
server and back to a new SQLite file; every table compared row for row each way, the app on PostgreSQL (and on the
copy back) shows the learner's data and keeps writing (sequences moved past the copied ids), and a copy that fails
half-way or meets a non-empty target leaves the target as it was.

Needs a PostgreSQL server: PREPLAB_TEST_POSTGRES_URL (skipped, with that reason, without one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.cli import main
from app.db import make_engine
from tests.backends import SERVER_URL
from tests.csrf import as_page
from tests.deploy.conftest import NOTE, OTHER_NOTE, app_client, every_row, sqlite_url

pytestmark = pytest.mark.skipif(SERVER_URL is None, reason="PREPLAB_TEST_POSTGRES_URL is not set: no PostgreSQL "
                                                           "server to copy to (README: running the PostgreSQL half)")


def copy(source: str, target: str, *more: str) -> int:
    return main(["db", "copy", "--from", source, "--to", target, *more])


def test_a_studied_database_moves_to_postgresql_and_back_with_nothing_lost(
        studied: tuple[Path, dict[str, Any]], postgres: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path, seen = studied
    original = every_row(sqlite_url(path))
    for name in ("review_card", "review_log", "note", "bookmark", "learner_question", "user_settings",
                 "quiz_session", "quiz_answer", "mock_interview", "mock_answer", "lab_run", "user"):
        assert original[name], f"the test learner left no {name} rows"

    assert copy(sqlite_url(path), postgres) == 0
    assert "row counts checked" in capsys.readouterr().out
    assert every_row(postgres) == original

    back = tmp_path / "back.db"
    assert copy(postgres, sqlite_url(back)) == 0
    assert every_row(sqlite_url(back)) == original

    for url in (postgres, sqlite_url(back)):
        with app_client(url) as client:
            as_page(client)
            page = client.get(f"/questions/{seen['question']}")
            assert page.status_code == 200 and NOTE in page.text and OTHER_NOTE not in page.text
            assert seen["question"] in {row["id"] for row in client.get("/api/bookmarks").json()}
            report = client.get(f"/mock/{seen['mock']}/report")
            assert report.status_code == 200 and "我的模拟面试回答" in report.text
            assert client.get("/api/settings").json()["daily_new_limit"] == 7
            assert client.get(f"/quiz/{seen['quiz']}/results").status_code == 200
            hits = client.get("/api/search", params={"q": "ZeRO"}).json()
            assert hits["results"], "search finds nothing after the copy"
            # New rows after explicit ids: PostgreSQL's sequences were moved past them.
            card = client.get("/api/review/next").json()["card"]
            assert client.post(f"/api/review/{card['question_id']}", json={"rating": 4, "reps": 0}).status_code == 200
            assert client.put(f"/api/questions/{card['question_id']}/note", json={"body": "新笔记"}).status_code == 200
            started = client.post("/api/mock-interviews", json={"count": 1, "minutes": 10, "seed": 9})
            assert started.status_code == 201, started.text


def test_a_non_empty_target_is_refused_unless_replaced(studied: tuple[Path, dict[str, Any]], postgres: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path, _seen = studied
    assert copy(sqlite_url(path), postgres) == 0
    with app_client(postgres) as client:  # the team's server wrote to it since
        as_page(client)
        card = client.get("/api/review/next").json()["card"]
        assert client.post(f"/api/review/{card['question_id']}", json={"rating": 1, "reps": 0}).status_code == 200
    written = every_row(postgres)
    capsys.readouterr()
    assert copy(sqlite_url(path), postgres) == 2
    assert "--replace" in capsys.readouterr().err
    assert every_row(postgres) == written
    assert copy(sqlite_url(path), postgres, "--replace") == 0
    assert every_row(postgres) == every_row(sqlite_url(path))


def test_a_copy_that_fails_half_way_changes_nothing(studied: tuple[Path, dict[str, Any]], postgres: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """SQLite keeps a value longer than its VARCHAR allows; PostgreSQL refuses it, late in the copy (review_log
    comes after the banks and questions): the target must hold none of the rows written before."""
    path, _seen = studied
    engine = make_engine(sqlite_url(path))
    with engine.begin() as connection:
        connection.execute(text("UPDATE review_log SET origin = :long WHERE id = (SELECT max(id) FROM review_log)"),
                           {"long": "x" * 40})
    engine.dispose()
    assert copy(sqlite_url(path), postgres) == 2
    assert "rolled back" in capsys.readouterr().err
    assert all(not rows for name, rows in every_row(postgres).items() if name != "shared_state")


def test_a_source_behind_the_code_is_refused(tmp_path: Path, postgres: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old.db"
    engine = make_engine(sqlite_url(old))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0007')"))
    engine.dispose()
    assert copy(sqlite_url(old), postgres) == 2
    assert "preplab migrate" in capsys.readouterr().err
