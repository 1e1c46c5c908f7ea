"""Team mode in a real browser: two learners, each in a browser context of their own (their own cookies), sign in
and study at the same time — review grades, notes, a mock interview with autosave — and neither ever sees the
other's notes, grades or mock answers; asking for the other's mock round by its address shows "not found"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from app.accounts.service import add_user
from app.db import make_engine
from tests.backends import copy_database, database_url, query
from tests.browser.conftest import screenshot
from tests.browser.test_mock import answer_current, visible_question
from tests.browser.test_review import grade_by_key, shown_card
from tests.server import LiveServer

PASSWORD = "correct horse battery"
NOTES = {"ana": "ana 的笔记：ZeRO-3 把参数也切分了", "ben": "ben 的笔记：先看梯度累积"}
MOCK_ANSWERS = {"ana": "ana 的模拟回答：通信量是 1.5 倍", "ben": "ben 的模拟回答：显存按 16Ψ 算"}


@pytest.fixture
def team_server(tmp_path: Path, template_database: Path) -> Iterator[LiveServer]:
    database = copy_database(template_database, tmp_path / "team.db")
    engine = make_engine(database_url(database))
    with Session(engine) as session:
        for name, role in (("ana", "learner"), ("ben", "learner"), ("boss", "admin")):
            add_user(session=session, name=name, password=PASSWORD, role=role)  # type: ignore[arg-type]
    engine.dispose()
    server = LiveServer(database=database, env={"PREPLAB_ACCOUNTS": "1"}, ready_path="/signin").start()
    yield server
    server.stop()


def _sign_in(page, server: LiveServer, name: str, path: str = "/review") -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + path)
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(server.url + path)
    assert name in page.get_by_test_id("signed-in").inner_text()


def _start_round(page, server: LiveServer) -> int:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/mock")
    form = page.get_by_test_id("mock-setup")
    form.locator("input[name=count]").fill("2")
    form.locator("input[name=minutes]").fill("20")
    form.locator("input[name=mix_mcq]").fill("0")
    form.locator("input[name=mix_open]").fill("2")
    page.get_by_test_id("mock-start").click()
    page.wait_for_url(re.compile(r"/mock/\d+(\?q=1)?$"))
    found = re.search(r"/mock/(\d+)", page.url)
    assert found
    return int(found[1])


def test_two_learners_study_at_once_and_never_see_each_other(  # type: ignore[no-untyped-def]
        browser, team_server: LiveServer) -> None:
    contexts = {name: browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                for name in ("ana", "ben")}
    pages = {name: context.new_page() for name, context in contexts.items()}
    ana, ben = pages["ana"], pages["ben"]
    ana.goto(team_server.url + "/signin")
    screenshot(ana, "team-signin")
    _sign_in(ana, team_server, "ana")
    _sign_in(ben, team_server, "ben")

    # Reviews, interleaved: both start from the same new card; ana grades it Good, ben Again.
    first = shown_card(ana)
    assert shown_card(ben) == first
    grade_by_key(ana, "3")
    grade_by_key(ben, "1")
    second_for_ben = shown_card(ben)
    grade_by_key(ben, "4")
    ana.reload()
    ben.reload()
    assert ana.locator('[data-count="reviewed"] dd').inner_text() == "1"
    assert ben.locator('[data-count="reviewed"] dd').inner_text() == "2"

    # Notes on the same question, written at the same time.
    question = f"{team_server.url}/questions/{first}"
    for page in pages.values():
        page.goto(question)
        assert page.locator("#note-body").input_value() == ""  # nobody's note yet, for either
    for name, page in pages.items():
        page.fill("#note-body", NOTES[name])
    for page in pages.values():
        page.click("#note-save")
    for page in pages.values():
        page.wait_for_selector(".note-status:has-text('已保存')")
    for name, page in pages.items():
        page.reload()
        assert page.locator("#note-body").input_value() == NOTES[name]
        other = NOTES["ben" if name == "ana" else "ana"]
        assert other not in page.content()
    screenshot(ana, "team-ana-question")
    screenshot(ben, "team-ben-question")

    # Mock interviews, autosaving side by side.
    rounds = {name: _start_round(page, team_server) for name, page in pages.items()}
    assert rounds["ana"] != rounds["ben"]
    for name, page in pages.items():
        assert visible_question(page).get_attribute("data-position") == "1"
        answer_current(page, MOCK_ANSWERS[name])
    for name, page in pages.items():
        page.reload()
        assert page.locator("form.mock-question[data-position='1'] textarea").input_value() == MOCK_ANSWERS[name]
    peek = ben.goto(f"{team_server.url}/mock/{rounds['ana']}")
    assert peek is not None and peek.status == 404
    assert MOCK_ANSWERS["ana"] not in ben.content()
    ben.goto(team_server.url + "/mock")
    assert f"/mock/{rounds['ana']}" not in ben.content()
    screenshot(ben, "team-ben-mock-history")

    # What the server stored: each grade and answer under its own learner.
    grades = query(team_server.database, 'SELECT u.name, l.question_id, l.rating FROM review_log l'
                                         ' JOIN "user" u ON u.id = l.user_id ORDER BY l.id')
    assert sorted(grades) == sorted([("ana", first, 3), ("ben", first, 1), ("ben", second_for_ben, 4)])
    notes = query(team_server.database, 'SELECT u.name, n.body FROM note n JOIN "user" u ON u.id = n.user_id')
    assert sorted(notes) == sorted(NOTES.items())

    # The admin's cohort view shows both learners with what each did; a learner asking for it gets "not found".
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    boss = admin.new_page()
    _sign_in(boss, team_server, "boss", "/cohort")
    rows = boss.get_by_test_id("cohort-learners")
    assert rows.locator("tr[data-learner='ana']").get_attribute("data-reviews-7d") == "1"
    assert rows.locator("tr[data-learner='ben']").get_attribute("data-reviews-7d") == "2"
    assert NOTES["ana"] not in boss.content() and MOCK_ANSWERS["ben"] not in boss.content()  # figures, not texts
    screenshot(boss, "team-admin-cohort")
    refused = ana.goto(team_server.url + "/cohort")
    assert refused is not None and refused.status == 404
    assert "ben" not in ana.get_by_role("main").inner_text()
    for context in [*contexts.values(), admin]:
        context.close()
