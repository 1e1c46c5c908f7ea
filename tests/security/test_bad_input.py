"""Bad input is a 4xx that names the field, never a 500: ids past SQLite's INTEGER in every integer path parameter
and in offset=, NUL in a search term, values the settings form never offers, NaN and Infinity in JSON, lone
surrogates in text, true and "3" for a rating, JSON nested thousands deep."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.settings import Settings
from tests import forkserver

TOO_BIG = str(2**63)  # one past 2^63-1


def json_post(client: TestClient, method: str, path: str, body: bytes) -> object:
    return client.request(method, path, content=body, headers={"Content-Type": "application/json"})


def integer_routes(client: TestClient) -> list[tuple[str, str, list[str]]]:
    """(method, path, its integer path parameters) for every operation of the app's OpenAPI schema."""
    found = []
    for path, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, operation in operations.items():
            integers = [param["name"] for param in operation.get("parameters", [])
                        if param["in"] == "path" and param.get("schema", {}).get("type") == "integer"]
            if integers:
                found.append((method.upper(), path, integers))
    return found


def test_ids_past_sqlite_integers_are_a_422_naming_the_parameter_on_every_route(client: TestClient) -> None:
    routes = integer_routes(client)
    assert any("/api/mock-interviews/{interview_id}" == path for _method, path, _names in routes)
    for method, path, names in routes:
        url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m, names=names: TOO_BIG if m.group(1) in names else "lora", path)
        response = client.request(method, url)
        assert response.status_code < 500, (method, url, response.text[:200])
        if response.status_code == 422:
            assert any(name in response.text for name in names), (method, url, response.text[:200])
    answer = client.get(f"/api/mock-interviews/{TOO_BIG}")
    assert answer.status_code == 422 and answer.json()["fields"] == ["interview_id"]


def test_offset_past_sqlite_integers(client: TestClient) -> None:
    response = client.get(f"/api/search?q=zero&offset={TOO_BIG}")
    assert response.status_code == 422 and response.json()["fields"] == ["offset"]
    assert client.get(f"/search?q=zero&offset={TOO_BIG}").status_code == 200


def test_nul_in_a_search_term(client: TestClient) -> None:
    response = client.get("/api/search?q=ab%00c")
    assert response.status_code == 422 and response.json()["fields"] == ["q"]
    assert "NUL" in response.json()["message"]
    assert client.get("/search?q=ab%00c").status_code == 200  # the page reads NUL as a space


def test_settings_form_values_it_never_offers(client: TestClient) -> None:
    base = {"daily_new_limit": "20", "desired_retention": "0.9", "language": "zh", "theme": "auto"}
    for field, value in (("language", "xx"), ("theme", "00"), ("daily_new_limit", "lots"),
                         ("desired_retention", "nan"), ("daily_new_limit", TOO_BIG)):
        response = client.post("/settings", data={**base, field: value})
        assert response.status_code == 422 and f"「{field}」" in response.text, (field, value)
    theme = client.post("/settings/theme", data={"theme": "00"}, headers={"HX-Request": "true"})
    assert theme.status_code == 422 and "theme" in theme.text
    language = client.post("/settings/language", data={"language": "xx"})
    assert language.status_code == 422 and "language" in language.text
    assert client.get("/api/settings").json()["theme"] == "auto"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/review/{question}", b'{"rating": NaN}', "rating"),
    ("/api/review/{question}", b'{"rating": Infinity}', "rating"),
    ("/api/mock-interviews", b'{"count": 2, "minutes": NaN}', "minutes"),
    ("/api/mock-interviews", b'{"count": Infinity, "minutes": 5}', "count"),
    ("/api/quizzes", b'{"count": -Infinity}', "count"),
    ("/api/review/{question}", b'{"rating": true}', "rating"),
    ("/api/review/{question}", b'{"rating": "3"}', "rating"),
    ("/api/review/{question}", b'{"rating": 3, "duration_ms": 1e400}', "duration_ms"),
    ("/api/mock-interviews", b'{"count": true, "minutes": 5}', "count"),
])
def test_json_numbers_are_strict_and_finite(client: TestClient, engine: Engine, path: str, body: bytes,
                                            field: str) -> None:
    question = client.get("/api/review/next").json()["card"]["question_id"]
    response = client.post(path.format(question=question), content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert field in response.json()["fields"], response.json()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM review_log")).scalar() == 0


def test_lone_surrogates_in_a_note_and_an_autosave(client: TestClient, engine: Engine) -> None:
    question = client.get("/api/review/next").json()["card"]["question_id"]
    note = client.put(f"/api/questions/{question}/note", content=b'{"body": "\\ud800"}',
                      headers={"Content-Type": "application/json"})
    assert note.status_code == 422 and note.json()["fields"] == ["body"]
    created = client.post("/api/mock-interviews", json={"count": 1, "minutes": 5, "mix": {"open": 1}}).json()
    save = client.put(f"/api/mock-interviews/{created['id']}/answers/1", content=b'{"answer": "ok \\udfff"}',
                      headers={"Content-Type": "application/json"})
    assert save.status_code == 422 and save.json()["fields"] == ["answer"]
    quiz = client.post("/api/quizzes", json={"count": 1, "kinds": ["open"]}).json()
    answer = client.post(f"/api/quizzes/{quiz['id']}/answers/1", content=b'{"answer": "\\ud83d"}',
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.json()["fields"] == ["answer"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM note")).scalar() == 0


def test_deeply_nested_json_is_a_4xx(client: TestClient) -> None:
    question = client.get("/api/review/next").json()["card"]["question_id"]
    for depth in (100, 50_000):
        body = b"[" * depth + b"]" * depth
        response = client.post(f"/api/review/{question}", content=body, headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (depth, response.status_code)


def test_lab_import_of_a_deeply_nested_file_says_so(tmp_path: Path, settings: Settings) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 20_000 + "]" * 20_000)
    run = forkserver.preplab("lab", "import", str(deep), env={"PREPLAB_DATABASE_URL": settings.database_url,
                                                               "PATH": "/usr/bin:/bin"},
                             cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "nested deeper" in run.stderr and "deep.json" in run.stderr
