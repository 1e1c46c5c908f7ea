"""A migrated database holding all of content/ (copied per test) and the app over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT
from tests.csrf import as_page, page_client
from tests.server import imported_database


@pytest.fixture(scope="session")
def content_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("security-template") / "content.db")


@pytest.fixture
def settings(tmp_path: Path, content_template: Path) -> Settings:
    copy = copy_database(content_template, tmp_path / "preplab.db")
    return Settings(database_url=database_url(copy), content_dir=CONTENT)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A page of PrepLab's own: its cookie and token on every request."""
    with page_client(create_app(settings), raise_server_exceptions=False) as test_client:
        yield as_page(test_client)


@pytest.fixture
def stranger(client: TestClient) -> Iterator[TestClient]:
    """Another client of the same app with no cookie and no token: what a hostile page's request looks like."""
    with page_client(client.app, raise_server_exceptions=False) as other:
        yield other
