"""Cross-site requests are refused: an Origin or Referer that is not PrepLab's own, or no CSRF token, is a 403 that
changes nothing; a Host PrepLab does not answer to is a 400; every response carries the security headers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.main import create_app
from app.settings import Settings
from tests.backends import ON_POSTGRES
from tests.csrf import page_client

EVIL = {"Origin": "http://evil.example"}
REFERENCE = Path(__file__).resolve().parents[2] / "labs" / "results" / "lora_1xH200_20261123.json"


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def first_question(client: TestClient) -> str:
    return str(client.get("/api/review/next").json()["card"]["question_id"])


# The state-changing forms the issue names: (what it posts, the table that must not change).
FORMS: dict[str, tuple[Callable[[TestClient, str, dict[str, str]], object], str]] = {
    "settings": (lambda c, q, h: c.post("/settings", data={"daily_new_limit": "5", "desired_retention": "0.8",
                                                            "language": "en", "theme": "dark"}, headers=h),
                 "user_settings"),
    "note": (lambda c, q, h: c.post(f"/questions/{q}/note", data={"body": "planted"}, headers=h), "note"),
    "grade": (lambda c, q, h: c.post(f"/review/{q}", data={"rating": "1", "reps": "0"}, headers=h), "review_log"),
    "mock": (lambda c, q, h: c.post("/mock", data={"count": "2", "minutes": "5"}, headers=h), "mock_interview"),
    "lab run": (lambda c, q, h: c.post("/labs/lora/runs", data={"device": "cpu"}, headers=h), "lab_run"),
    "lab upload": (lambda c, q, h: c.post("/labs/import", headers=h, files={
        "file": ("lora.json", REFERENCE.read_bytes(), "application/json")}), "lab_run"),
}


@pytest.mark.parametrize("name", FORMS)
def test_a_form_posted_from_another_site_is_refused_and_changes_nothing(
        name: str, client: TestClient, stranger: TestClient, engine: Engine) -> None:
    post, table = FORMS[name]
    question = first_question(client)
    before = count(engine, table)
    for headers in (EVIL, {"Referer": "http://evil.example/page.html"}, {"Origin": "null"}):
        response = post(stranger, question, headers)
        assert response.status_code == 403, (name, headers, response.text[:200])  # type: ignore[attr-defined]
        assert "另一个网站" in response.text and "another site" in response.text  # type: ignore[attr-defined]
    # A browser or extension that strips Origin and Referer: the missing token refuses it all the same.
    response = post(stranger, question, {})
    assert response.status_code == 403 and "CSRF" in response.text  # type: ignore[attr-defined]
    assert count(engine, table) == before


def test_an_evil_origin_is_refused_even_with_a_valid_token(client: TestClient, engine: Engine) -> None:
    question = first_question(client)
    response = client.post(f"/questions/{question}/note", data={"body": "x"}, headers=EVIL)
    assert response.status_code == 403 and count(engine, "note") == 0


def test_the_pages_own_forms_and_htmx_requests_are_accepted(client: TestClient, stranger: TestClient,
                                                            engine: Engine) -> None:
    question = first_question(client)
    page = client.get(f"/questions/{question}")
    token = client.headers["X-CSRFToken"]
    assert f'name="csrftoken" value="{token}"' in page.text  # every POST form carries it, first
    assert 'hx-headers=\'{"X-CSRFToken": "' + token + '"}\'' in page.text  # and HTMX sends it as a header
    plain = TestClient(client.app, base_url="http://127.0.0.1", cookies=dict(client.cookies))
    saved = plain.post(f"/questions/{question}/note", data={"csrftoken": token, "body": "表单"},
                       headers={"Origin": "http://127.0.0.1"}, follow_redirects=False)
    assert saved.status_code in (200, 303), saved.text[:300]
    htmx = client.post(f"/questions/{question}/note", data={"body": "片段"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and count(engine, "note") == 1
    forged = stranger.post(f"/questions/{question}/note", data={"csrftoken": "forged.token", "body": "x"})
    assert forged.status_code == 403


def test_json_api_needs_the_token_or_its_own_origin(client: TestClient, stranger: TestClient) -> None:
    assert client.put("/api/settings", json={"theme": "dark"}).status_code == 200  # token header
    own = stranger.put("/api/settings", json={"theme": "light"}, headers={"Origin": "http://127.0.0.1"})
    assert own.status_code == 200 and own.json()["theme"] == "light"
    bare = stranger.put("/api/settings", json={"theme": "dark"})
    assert bare.status_code == 403 and bare.json()["code"] == "csrf" and "CSRF" in bare.json()["detail"]
    evil = stranger.put("/api/settings", json={"theme": "dark"}, headers=EVIL)
    assert evil.status_code == 403 and evil.json()["code"] == "cross_site"
    # A form-encoded body to the API with its own Origin still needs the token (a cross-site form can send one).
    form = stranger.post("/api/review/undo", headers={"Origin": "http://127.0.0.1"})
    assert form.status_code == 403
    assert client.get("/api/settings").json()["theme"] == "light"


def test_an_unknown_host_is_refused(client: TestClient, settings: Settings) -> None:
    for host in ("attacker.example", "127.0.0.1.evil.example", "evil.example:8000"):
        response = client.get("/", headers={"Host": host})
        assert response.status_code == 400 and "PREPLAB_ALLOWED_HOSTS" in response.text, host
        assert client.get("/api/banks", headers={"Host": host}).json()["code"] == "bad_host"
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000"):
        assert client.get("/api/banks", headers={"Host": host}).status_code == 200, host
    team = settings.model_copy(update={"allowed_hosts": ["prep.example.org", ".team.example"]})
    with page_client(create_app(team)) as other:
        assert other.get("/api/banks", headers={"Host": "prep.example.org"}).status_code == 200
        assert other.get("/api/banks", headers={"Host": "a.team.example"}).status_code == 200
        assert other.get("/api/banks").status_code == 400  # loopback is no longer listed


def test_allowed_hosts_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREPLAB_ALLOWED_HOSTS", "prep.example.org, .Team.Example")
    assert Settings().allowed_hosts == ["prep.example.org", ".team.example"]
    assert Settings(_env_file=None).allowed_hosts  # type: ignore[call-arg]
    monkeypatch.delenv("PREPLAB_ALLOWED_HOSTS")
    assert Settings().allowed_hosts == ["127.0.0.1", "localhost", "::1"]


def test_security_headers_on_pages_files_refusals_and_errors(client: TestClient, stranger: TestClient) -> None:
    responses = [client.get("/"), client.get("/static/js/app.js"), client.get("/api/banks"),
                 client.get("/questions/no-such-question"), stranger.post("/settings/theme", data={"theme": "dark"}),
                 client.get("/", headers={"Host": "attacker.example"})]
    for response in responses:
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy, response.url
        assert "style-src 'self';" in policy and "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"


def test_templates_hold_no_inline_script_style_or_handler() -> None:
    root = Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert " style=" not in source, path  # CSP: data-pct and static/js/app.js instead
        assert not re.search(r"<style\b", source), path
        for tag in re.findall(r"<script\b[^>]*>", source):  # a file, or data that never runs
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        for handler in (" onclick=", " onload=", " onsubmit=", " onchange=", " oninput="):
            assert handler not in source, (path, handler)


def test_a_form_body_that_cannot_be_read_is_a_400(stranger: TestClient) -> None:
    bad_utf8 = stranger.post("/settings/theme", content=b"theme=%FF%FE&csrftoken=\xff\xfe",
                             headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "csrftoken=x"})
    assert bad_utf8.status_code in (400, 403), bad_utf8.text[:200]
    no_boundary = stranger.post("/labs/import", content=b"--x\r\n",
                                headers={"Content-Type": "multipart/form-data;boundary=x"})
    assert no_boundary.status_code in (400, 403), no_boundary.text[:200]


def test_the_csrf_key_lasts_across_restarts(settings: Settings, tmp_path: Path) -> None:
    with page_client(create_app(settings)) as first:
        token = first.get("/settings").cookies.get("csrftoken") or first.cookies.get("csrftoken")
    # Beside the SQLite file; for PostgreSQL in the working directory (app/security.csrf_secret)
    key = (Path("preplab.secret") if ON_POSTGRES else tmp_path / "preplab.secret").read_text().strip()
    assert key and token
    with page_client(create_app(settings), cookies={"csrftoken": token}) as second:  # the server came back
        response = second.put("/api/settings", content=json.dumps({"theme": "dark"}),
                              headers={"X-CSRFToken": token, "Content-Type": "application/json"})
        assert response.status_code == 200
