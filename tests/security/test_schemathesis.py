"""Schemathesis against PrepLab's own OpenAPI schema: generated requests to every operation (minus the two that
start a lab process) must never get a 5xx. Bounded for CI: a fixed seed (derandomized Hypothesis) and a few
examples per operation, well under three minutes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from app.main import create_app
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT
from tests.csrf import page_token
from tests.server import imported_database

EXAMPLES_PER_OPERATION = 6  # × 2 modes × ~120 operations: about 1,400 requests


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("schemathesis")
    database = folder / "fuzz.db"
    copy_database(imported_database(folder / "content.db"), database)
    # Schemathesis's ASGI client names its host "testserver"; the app is told to answer to it, nothing else changes.
    app_settings = Settings(database_url=database_url(database), content_dir=CONTENT, allowed_hosts=["testserver"],
                            backup_interval_h=0)
    app = create_app(app_settings)
    with TestClient(app) as client:  # runs the lifespan (migrations, the local user) and gets a page's token
        token = page_token(client.get("/settings").text)
        yield app, {"X-CSRFToken": token, "Cookie": f"csrftoken={token}"}


# Starting a lab run spawns a process per example: those two operations are left to tests/labs_app.
SPAWNS_A_PROCESS = r"^/(api/)?labs/\{lab_id\}/runs$"


def test_no_operation_answers_5xx(fuzzed_app: tuple[Any, dict[str, str]]) -> None:
    """Every operation, with data that fits its schema and data that does not; the first 5xx fails the test."""
    app, headers = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex=SPAWNS_A_PROCESS)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            def probe(case: Any) -> None:
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query or ''} {case.body!r:.200}"
                                    f" -> {response.status_code}: {response.text[:200]}")

            try:
                probe()
            except Unsatisfiable:  # nothing negative to generate for an operation without parameters
                pass
    assert not failures, "\n".join(failures[:20])


def test_the_schema_is_the_apps_own(fuzzed_app: tuple[Any, dict[str, str]]) -> None:
    app, _headers = fuzzed_app
    paths = app.openapi()["paths"]
    assert "/api/review/{question_id}" in paths and "/api/mock-interviews/{interview_id}/answers/{position}" in paths
