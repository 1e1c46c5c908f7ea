"""Sign-in back-off: repeated failures for one name, or from one address, wait longer and longer (429 with
Retry-After), counted in the database so every worker agrees; the clock is moved by hand, nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from app.accounts.backoff import BY_CLIENT, BY_NAME, retry_after
from app.accounts.service import BadCredentials, TooManyAttempts, sign_in
from tests.accounts.conftest import PASSWORD, AddUser, Clock, form_token, visitor

START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _try(engine: Engine, name: str, password: str, now: datetime, client: str = "10.0.0.1") -> str:
    with Session(engine) as session:
        try:
            sign_in(session=session, name=name, password=password, client=client, now=now, lifetime=DAY)
        except TooManyAttempts as error:
            return f"wait {error.seconds}"
        except BadCredentials:
            return "wrong"
    return "ok"


def test_waits_grow_after_repeated_failures_for_a_name(team_engine: Engine, make_user: AddUser) -> None:
    make_user("ana")
    now = START
    for _ in range(BY_NAME.free):
        assert _try(team_engine, "ana", "guess", now) == "wrong"
        now += timedelta(seconds=1)
    # The fifth failure was one second ago: the first wait is 30 s from it, and even the right password waits.
    assert _try(team_engine, "ana", PASSWORD, now) == "wait 29"
    waits = []
    for _ in range(4):
        with Session(team_engine) as session:
            wait = retry_after(session=session, user_name="ana", client="10.0.0.1", now=now)
        now += timedelta(seconds=wait)
        waits.append(wait)
        assert _try(team_engine, "ana", "guess", now) == "wrong"
    assert waits == [29, 60, 120, 240]  # doubling, measured from each failure
    with Session(team_engine) as session:  # nine failures: 30 s × 2⁴ from the last one, and none an hour on
        assert retry_after(session=session, user_name="ana", client="x", now=now) == 480
        assert retry_after(session=session, user_name="ana", client="x",
                           now=now + timedelta(hours=1)) == 0


def test_the_wait_is_per_name_and_a_success_clears_it(team_engine: Engine, make_user: AddUser) -> None:
    make_user("ana")
    make_user("ben")
    for second in range(BY_NAME.free):
        assert _try(team_engine, "Ana", "guess", START + timedelta(seconds=second), client=f"10.0.0.{second}") \
            == "wrong"
    later = START + timedelta(seconds=10)
    assert _try(team_engine, "ana", PASSWORD, later, client="10.9.9.9").startswith("wait")  # any address, any case
    assert _try(team_engine, "ben", PASSWORD, later) == "ok"  # another name does not wait
    after = START + timedelta(minutes=1)
    assert _try(team_engine, "ana", PASSWORD, after) == "ok"
    assert _try(team_engine, "ana", "guess", after + timedelta(seconds=1)) == "wrong"  # counting starts again


def test_one_address_guessing_many_names_waits(team_engine: Engine) -> None:
    now = START
    for number in range(BY_CLIENT.free):
        assert _try(team_engine, f"name{number}", "guess", now, client="198.51.100.7") == "wrong"
    assert _try(team_engine, "someone-new", "guess", now, client="198.51.100.7") == "wait 30"
    assert _try(team_engine, "someone-new", "guess", now, client="198.51.100.8") == "wrong"
    assert _try(team_engine, "other", "guess", now + BY_CLIENT.window, client="198.51.100.7") == "wrong"


def test_the_sign_in_page_answers_429_with_retry_after(team_app: FastAPI, make_user: AddUser, clock: Clock) -> None:
    make_user("ana")
    browser = visitor(team_app)
    token = form_token(browser)
    form = {"csrftoken": token, "name": "ana", "password": "guess", "lang": "en"}
    for _ in range(BY_NAME.free):
        assert browser.post("/signin", data=form).status_code == 401
    clock.now += timedelta(seconds=10)
    blocked = browser.post("/signin", data={**form, "password": PASSWORD})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "20"
    assert "try again in 20 seconds" in blocked.text
    api = visitor(team_app, headers={"Origin": "http://127.0.0.1"})
    refused = api.post("/api/session", json={"name": "ana", "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["retry_after"] == 20 and refused.headers["Retry-After"] == "20"
    clock.now += timedelta(seconds=20)
    assert browser.post("/signin", data={**form, "password": PASSWORD}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("failures, wait", [(0, 0), (4, 0), (5, 30), (6, 60), (9, 480), (10, 900), (40, 900)])
def test_the_policy_doubles_up_to_its_cap(failures: int, wait: int) -> None:
    assert BY_NAME.wait_after(failures).total_seconds() == wait
