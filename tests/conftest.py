"""Shared fixtures: real databases (SQLite files, or PostgreSQL with PREPLAB_TEST_POSTGRES_URL: tests/backends.py),
migrated by Alembic once per session and copied per test, and the app over them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url
from sqlmodel import Session

from app.accounts import passwords
from app.content.importer import ImportReport
from app.content.service import import_paths
from app.db import make_engine, upgrade_database
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from app.users import ensure_local_user
from tests.backends import ON_POSTGRES, SERVER_URL, built_database, copy_database, database_url, drop_created
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


# Tests that never open a database (the labs' own measurements, the reference solutions run as programs): the
# PostgreSQL half leaves them to the SQLite half, where they run exactly as they would here. PREPLAB_TEST_PG_ALL=1
# runs them on PostgreSQL too.
DATABASE_FREE = ("labs", "solutions/test_originals.py", "solutions/test_registry.py", "solutions/test_runs.py",
                 "postgres/test_pg_server.py")
# Browser tests whose subject is what Chromium does with a page — layout at desktop and phone widths, Markdown and
# KaTeX rendering, the Content-Security-Policy and the cross-origin refusal, the offline API docs, the planner's and
# the lab calculator's scripts — and not what the server stores: the PostgreSQL half leaves them to the SQLite half
# too. The browser tests that write through the server (grades, notes, bookmarks, mock autosaves and reloads,
# quizzes, search, lab uploads and runs, two learners at once) run in both halves. PREPLAB_TEST_PG_ALL=1 runs these.
PRESENTATION = ("browser/test_api_docs.py", "browser/test_corrections.py", "browser/test_rendering.py",
                "browser/test_model_answers.py", "browser/test_lab_pages.py", "browser/test_planner.py",
                "browser/test_security.py", "browser/test_phone_english.py")
# A browser test of that kind in a module of the other kind is marked `presentation` (KaTeX and highlighting, a
# reveal, a filter's swap, a chart drawn, a layout at phone width): the PostgreSQL half leaves it to the SQLite half.


@pytest.fixture(autouse=True)
def cheap_password_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's argon2 parameters (argon2-cffi's defaults, RFC 9106's low-memory profile) cost about 0.2 s of CPU
    per hash, and the suite makes hundreds of accounts. In-process tests hash with argon2-cffi's CHEAPEST profile,
    which its documentation offers for tests; server processes, CLI commands and tests marked real_argon2 use the
    real parameters (tests/accounts/test_passwords.py checks them, and that a cheaper stored hash is upgraded)."""
    if request.node.get_closest_marker("real_argon2") is None:
        monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


def pytest_report_header(config: pytest.Config) -> str:
    if ON_POSTGRES:
        return (f"database: PostgreSQL ({make_url(SERVER_URL or '').render_as_string()}); tests that open no database "
                f"({', '.join(DATABASE_FREE)}) and browser tests of presentation only ({', '.join(PRESENTATION)}, "
                "and those marked presentation) run in the SQLite half only (PREPLAB_TEST_PG_ALL=1 runs them here too)")
    return "database: SQLite (set PREPLAB_TEST_POSTGRES_URL to run on PostgreSQL)"


def _database_free(item: pytest.Item) -> bool:
    if item.get_closest_marker("presentation") is not None:
        return True
    relative = Path(str(item.path)).relative_to(Path(__file__).parent).as_posix()
    return any(relative == path or relative.startswith(path + "/") for path in (*DATABASE_FREE, *PRESENTATION))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_created()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (--dist loadgroup) the reference solutions stay on one worker: they share one session
    fixture that runs every solution, which each worker would otherwise run again."""
    for item in items:
        if "solutions" in Path(str(item.path)).relative_to(Path(__file__).parent).parts[:1]:
            item.add_marker(pytest.mark.xdist_group("solutions"))
    if ON_POSTGRES and os.environ.get("PREPLAB_TEST_PG_ALL") != "1":
        left = [item for item in items if _database_free(item)]
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = [item for item in items if not _database_free(item)]
    if os.environ.get("PREPLAB_TEST_MODULE_ORDER") == "reverse":
        # tests/suite.py runs the PostgreSQL half's modules last to first, so that the two halves' browser tests
        # (and their waits) do not fall at the same time. A module's own tests keep their order.
        modules = list(dict.fromkeys(str(item.path) for item in items))
        place = {path: index for index, path in enumerate(reversed(modules))}
        items.sort(key=lambda item: place[str(item.path)])


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest revision, migrated once per session and copied by each test that needs one."""
    return built_database(tmp_path_factory.mktemp("migrated") / "migrated.db")


def migrated_copy(folder: Path, template: Path) -> str:
    """The URL of a fresh copy of `template` (a migrated database) in `folder`."""
    return database_url(copy_database(template, folder / "preplab.db"))


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    return Settings(database_url=migrated_copy(tmp_path, migrated_database), content_dir=CONTENT)


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
