"""/cohort and /api/cohort through the app: in team mode an admin sees every learner's figures, a learner gets the
same 404 as an address that does not exist (page and API) and no link to it; with accounts off the one local user
sees a cohort of one; and the page asks the database the same number of questions for 2 learners as for 8."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.accounts.service import Role, add_user
from app.main import create_app
from app.settings import Settings
from app.shared_state import WATCHER_THREAD
from app.users import ensure_local_user
from tests.accounts.conftest import sign_in, visitor
from tests.cohort.conftest import Card, History, Round, mcq_questions, questions_of, write_history
from tests.conftest import CONTENT
from tests.csrf import BASE_URL, as_page, page_client

DAY = timedelta(days=1)


class _Rows(HTMLParser):
    """The data-* attributes of every <tr> under the table with data-testid=`table`."""

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table, self.inside, self.rows = table, False, []  # type: list[dict[str, str | None]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self.inside = values.get("data-testid") == self.table
        elif tag == "tr" and self.inside and any(name.startswith("data-") for name in values):
            self.rows.append({name: value for name, value in values.items() if name.startswith("data-")})


def rows(html: str, table: str) -> list[dict[str, str | None]]:
    parser = _Rows(table)
    parser.feed(html)
    return parser.rows


def add(engine: Engine, name: str, role: Role = "learner") -> int:
    with Session(engine) as session:
        user_id = add_user(session=session, name=name, password="correct horse battery", role=role).id
    assert user_id is not None
    return user_id


def studied(engine: Engine, user_id: int, index: int, now: datetime) -> None:
    """A learner's few days: grades, two cards (one weak), a finished mock round."""
    zero = questions_of(engine, "zero")
    (question, right, wrong), *_ = mcq_questions(engine)
    write_history(engine, user_id, History(
        cards=[Card(zero[index % len(zero)], stability=1.0, reviewed_days_ago=200 + index),
               Card(questions_of(engine, "lora")[index % 2], stability=100.0, reviewed_days_ago=1)],
        grades=[now - timedelta(minutes=5 + index), now - DAY, now - 3 * DAY],
        rounds=[Round(now - 4 * DAY, [(question, right if index % 2 else wrong)])]), now=now)


@pytest.fixture
def team(group_url: str) -> Iterator[FastAPI]:
    app = create_app(Settings(database_url=group_url, content_dir=CONTENT, accounts=True, timezone="UTC"))
    with TestClient(app, base_url=BASE_URL):
        yield app


def test_the_admin_sees_every_learner_and_a_learner_gets_a_404(team: FastAPI, group_engine: Engine) -> None:
    now = datetime.now(UTC)
    add(group_engine, "boss", "admin")
    for index, name in enumerate(("ana", "ben")):
        studied(group_engine, add(group_engine, name), index, now)
    boss, ana = sign_in(visitor(team), "boss"), sign_in(visitor(team), "ana")

    page = boss.get("/cohort")
    assert page.status_code == 200
    learners = {row["data-learner"]: row for row in rows(page.text, "cohort-learners")}
    assert set(learners) == {"boss", "ana", "ben"}
    assert learners["ana"]["data-reviews-7d"] == "3" and learners["ana"]["data-streak"] in ("2", "1")
    weakest = rows(page.text, "cohort-weakest")
    assert "zero" in [row["data-concept"] for row in weakest]  # every learner's weak card is a ZeRO question
    assert float(weakest[0]["data-recall"] or 1) < 0.5
    assert {row["data-learner"]: row["data-percent"] for row in rows(page.text, "cohort-rounds")} == \
        {"ana": "0", "ben": "100"}
    assert 'class="lab-chart' in page.text and 'href="/cohort"' in page.text
    api = boss.get("/api/cohort").json()
    assert {line["name"] for line in api["learners"]} == {"boss", "ana", "ben"}
    assert [line["id"] for line in api["weakest_concepts"]] == [row["data-concept"] for row in weakest]
    assert len(api["rounds"]) == 2

    nowhere = ana.get("/no/such/page")
    refused = ana.get("/cohort")
    assert refused.status_code == nowhere.status_code == 404
    assert "ben" not in refused.text and 'href="/cohort"' not in ana.get("/").text
    assert ana.get("/api/cohort").status_code == 404
    assert ana.get("/api/cohort").json() == ana.get("/api/no-such-thing").json()


def test_with_accounts_off_the_local_user_sees_a_cohort_of_one(group_url: str, group_engine: Engine) -> None:
    now = datetime.now(UTC)
    with Session(group_engine) as session:
        local = ensure_local_user(session=session, name="local").id
        other = ensure_local_user(session=session, name="someone-else").id
        session.commit()
    assert local is not None and other is not None
    studied(group_engine, local, 0, now)
    studied(group_engine, other, 1, now)
    app = create_app(Settings(database_url=group_url, content_dir=CONTENT, timezone="UTC"))
    with page_client(app) as client:
        page = as_page(client).get("/cohort")
        assert page.status_code == 200
        assert [row["data-learner"] for row in rows(page.text, "cohort-learners")] == ["local"]
        assert [row["data-learner"] for row in rows(page.text, "cohort-rounds")] == ["local"]
        assert 'href="/cohort"' not in page.text  # no nav link for a group of one
        assert [line["name"] for line in client.get("/api/cohort").json()["learners"]] == ["local"]


def statements(client: TestClient, path: str) -> int:
    assert client.get(path).status_code == 200
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if threading.current_thread().name != WATCHER_THREAD:  # the watcher's once-a-second reads are not the page's
            seen.append(statement)

    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


BOUND = 20  # today's page runs 15 statements, the signed-in viewer's included


def test_the_page_runs_as_many_statements_for_8_learners_as_for_2(team: FastAPI, group_engine: Engine) -> None:
    now = datetime.now(UTC)
    add(group_engine, "boss", "admin")
    for index in range(2):
        studied(group_engine, add(group_engine, f"learner{index}"), index, now)
    boss = sign_in(visitor(team), "boss")
    few = {path: statements(boss, path) for path in ("/cohort", "/api/cohort")}
    for index in range(2, 8):
        studied(group_engine, add(group_engine, f"learner{index}"), index, now)
    many = {path: statements(boss, path) for path in ("/cohort", "/api/cohort")}
    assert len(boss.get("/api/cohort").json()["learners"]) == 9
    assert many == few, f"statements grow with the group: {few} → {many}"
    assert max(many.values()) <= BOUND, many
