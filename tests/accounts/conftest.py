"""Team mode over a real database holding content/: accounts made through the service, learners signed in through
the sign-in form, each in a client of their own (its own cookies), all talking to one app."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.accounts.service import Role, add_user
from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT
from tests.csrf import BASE_URL, page_token
from tests.server import imported_database

PASSWORD = "correct horse battery"
_FORM_TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


@pytest.fixture(scope="module")
def content_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("accounts") / "content.db")


@pytest.fixture
def team_settings(tmp_path: Path, content_database: Path) -> Settings:
    copy = copy_database(content_database, tmp_path / "team.db")
    return Settings(database_url=database_url(copy), content_dir=CONTENT, accounts=True, timezone="Asia/Shanghai")


@pytest.fixture
def team_engine(team_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(team_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def team_app(team_settings: Settings) -> Iterator[FastAPI]:
    """The app in team mode, started (its lifespan runs once, in this client) for the whole test."""
    app = create_app(team_settings)
    with TestClient(app, base_url=BASE_URL):
        yield app


AddUser = Callable[..., int]


@pytest.fixture
def make_user(team_engine: Engine) -> AddUser:
    def make(name: str, *, role: Role = "learner", password: str = PASSWORD) -> int:
        with Session(team_engine) as session:
            user_id = add_user(session=session, name=name, password=password, role=role).id
        assert user_id is not None
        return user_id

    return make


class Clock:
    """The app's clock, moved by hand (app.state.clock)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(team_app: FastAPI) -> Clock:
    fixed = Clock(datetime.now(UTC).replace(microsecond=0))
    team_app.state.clock = fixed
    return fixed


def visitor(app: FastAPI, **options: object) -> TestClient:
    """A new browser: a client of its own (cookies) on the started app, not signed in."""
    return TestClient(app, base_url=BASE_URL, **options)  # type: ignore[arg-type]


def form_token(client: TestClient, path: str = "/signin") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    found = _FORM_TOKEN.search(response.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, *, next_page: str = "/") -> TestClient:
    """Sign in through the form, as a browser does, then send the token of a signed-in page with every request."""
    token = form_token(client)
    response = client.post("/signin", data={"csrftoken": token, "name": name, "password": password,
                                            "next": next_page}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    page = client.get("/settings")
    assert page.status_code == 200
    client.headers["X-CSRFToken"] = page_token(page.text)
    return client


@pytest.fixture
def learners(team_app: FastAPI, make_user: AddUser) -> Iterator[tuple[TestClient, TestClient]]:
    """Two learners, ana and ben, each signed in in a browser of their own."""
    make_user("ana")
    make_user("ben")
    ana, ben = sign_in(visitor(team_app), "ana"), sign_in(visitor(team_app), "ben")
    yield ana, ben
    ana.close()
    ben.close()
