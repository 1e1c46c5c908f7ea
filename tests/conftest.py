"""Shared fixtures: real SQLite databases in a temporary folder, migrated by Alembic, and the app over them."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.content.importer import ImportReport
from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from app.users import ensure_local_user
from tests.csrf import as_page, page_client

CONTENT = PROJECT_ROOT / "content"
DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def content_question_count() -> int:
    """How many questions content/banks holds: the five documents' 172 plus the banks written for PrepLab."""

    return sum(content_kinds().values())


@lru_cache(maxsize=1)
def content_kinds() -> dict[str, int]:
    """Questions per kind in content/banks, every kind listed."""
    from app.content.canonical import parse_bank

    kinds = dict.fromkeys(("mcq", "open", "code"), 0)
    for path in sorted((CONTENT / "banks").glob("*.md")):
        for question in parse_bank(path).questions:
            kinds[question.kind] += 1
    return kinds

ImportInto = Callable[..., ImportReport]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'preplab.db'}", content_dir=CONTENT)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def import_into(engine: Engine, settings: Settings) -> ImportInto:
    def run(*paths: Path) -> ImportReport:
        return import_paths(engine, list(paths) or [CONTENT], settings=settings)

    return run


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of content/ that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("sources"))
    return target


@pytest.fixture
def learner(session: Session) -> int:
    """The local user, the one the app serves; `session` is the feature's own fixture (its conftest)."""
    user_id = ensure_local_user(session=session, name="local").id
    session.commit()
    assert user_id is not None
    return user_id


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app in-process, talked to as its own pages do (tests/csrf.py): the CSRF check stays on."""
    with page_client(create_app(settings)) as test_client:
        yield as_page(test_client)
