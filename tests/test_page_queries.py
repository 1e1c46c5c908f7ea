"""Pages ask the database a bounded number of questions: counted with SQLAlchemy's cursor events on the app's own
engine, for the question, concept, review and dashboard pages, before and after the learner has data (grades, a
note, a bookmark, a lab run of their own), so a page whose queries grow with the data (N+1) fails here."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.main import create_app
from app.settings import Settings
from app.shared_state import WATCHER_THREAD
from tests.backends import database_url
from tests.csrf import as_page, page_client
from tests.server import CONTENT, imported_database

# The most statements each page may run (the viewer's preferences included); today's counts are a little under. A
# question page, once its bank content is rendered (app/study/question_page.py), asks for the viewer, then in one
# statement for the content version and the learner's card, note, bookmark and controls, and in one more for the
# lab runs it shows (app/labs/shown.py), however many labs: PER_LAB is what each lab shown may add on top.
BOUNDS = {"question": 3, "concept": 8, "review": 20, "dashboard": 22}
PER_LAB = 0


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    database = imported_database(tmp_path_factory.mktemp("queries") / "content.db")
    # The page cache off: these bounds are for rendering a page (a page served from memory costs one statement,
    # tests/test_page_cache.py).
    app = create_app(Settings(database_url=database_url(database), content_dir=CONTENT, timezone="UTC",
                              page_cache_mb=0))
    with page_client(app) as test_client:
        yield as_page(test_client)


def statements(client: TestClient, path: str) -> list[str]:
    """The statements one GET of `path` runs, after a first GET has warmed whatever is computed once."""
    assert client.get(path).status_code == 200
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        # The watcher's thread (content revision, lab queue) reads once a second whatever the page does.
        if threading.current_thread().name != WATCHER_THREAD:
            seen.append(statement)

    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def lab_backed_questions(client: TestClient, count: int) -> list[str]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT DISTINCT qc.question_id FROM question_concept qc JOIN concept c ON c.id = qc.concept_id "
            "WHERE CAST(c.labs AS TEXT) != '[]' ORDER BY qc.question_id LIMIT :count"), {"count": count}).all()
    return [row[0] for row in rows]


def labs_shown(client: TestClient, path: str) -> int:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    kind, _, key = path.strip("/").partition("/")
    query = {"questions": "SELECT CAST(c.labs AS TEXT) FROM concept c JOIN question_concept qc ON qc.concept_id = c.id "
                          "WHERE qc.question_id = :key",
             "concepts": "SELECT CAST(labs AS TEXT) FROM concept WHERE id = :key"}.get(kind)
    if query is None:
        return 0
    with engine.connect() as connection:
        labs = {lab for row in connection.execute(text(query), {"key": key}).all() for lab in json.loads(row[0])}
    return len(labs)


def pages(question_ids: list[str]) -> dict[str, list[str]]:
    return {"question": [f"/questions/{qid}" for qid in question_ids], "concept": ["/concepts/zero", "/concepts/lora"],
            "review": ["/review"], "dashboard": ["/"]}


def over_bound(client: TestClient, kind: str, path: str) -> tuple[int, int]:
    """(statements, bound) for one page."""
    return len(statements(client, path)), BOUNDS[kind] + PER_LAB * labs_shown(client, path)


def counts(client: TestClient, question_ids: list[str]) -> dict[str, tuple[int, int]]:
    return {path: over_bound(client, kind, path) for kind, paths in pages(question_ids).items() for path in paths}


def test_pages_run_a_bounded_number_of_statements_whatever_the_learner_has(client: TestClient) -> None:
    question_ids = lab_backed_questions(client, 4)
    before = counts(client, question_ids)
    assert all(found <= bound for found, bound in before.values()), before

    # The learner studies: grades (the shown questions' cards among them), a note and a bookmark.
    study(client, question_ids, first=0, many=20)
    after = counts(client, question_ids)
    assert all(found <= bound for found, bound in after.values()), after
    # ... and studies more: a learner's page costs the same with 20 graded cards or 80.
    study(client, question_ids, first=20, many=60)
    assert counts(client, question_ids) == after


def study(client: TestClient, question_ids: list[str], *, first: int, many: int) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        graded = [row[0] for row in connection.execute(
            text("SELECT id FROM question WHERE NOT retired ORDER BY id LIMIT :many OFFSET :first"),
            {"many": many, "first": first}).all()]
    for question_id in [*graded, *(question_ids if first == 0 else [])]:
        reply = client.post(f"/api/review/{question_id}", json={"rating": 3})
        assert reply.status_code == 200, reply.text
    for question_id in question_ids:
        assert client.put(f"/api/questions/{question_id}/note", json={"body": f"笔记 {first}"}).status_code == 200
        assert client.put(f"/api/questions/{question_id}/bookmark").status_code == 200


def test_a_question_page_stays_in_bounds_however_many_concepts_and_labs_it_has(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        plain = connection.execute(text(
            "SELECT q.id FROM question q WHERE NOT EXISTS (SELECT 1 FROM question_concept qc WHERE "
            "qc.question_id = q.id) LIMIT 1")).scalar_one_or_none()
    paths = [f"/questions/{qid}" for qid in [*lab_backed_questions(client, 6), *([plain] if plain else [])]]
    found = {path: over_bound(client, "question", path) for path in paths}
    assert all(count <= bound for count, bound in found.values()), found
