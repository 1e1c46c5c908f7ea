"""Team mode's sign-in: the gate in front of every page and API call, the session cookie's flags, sign-out and the
revocations that end sessions (disable, password reset), expiry, and the cross-site checks with a session."""

from __future__ import annotations

import html
from datetime import timedelta
from html.parser import HTMLParser

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.accounts.service import set_disabled, set_password
from app.accounts.sessions import COOKIE_NAME, token_hash
from app.clock import utcnow
from app.main import create_app
from app.settings import Settings
from tests.accounts.conftest import PASSWORD, AddUser, Clock, form_token, sign_in, visitor
from tests.csrf import BASE_URL


class _Forms(HTMLParser):
    """The POST forms of a page and the text of the signed-in user's name."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []
        self.fields: dict[str, list[str]] = {}
        self._form: str | None = None
        self.signed_in = ""
        self._in_signed_in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "").lower() == "post":
            self._form = values.get("action") or ""
            self.actions.append(self._form)
        elif tag == "input" and self._form is not None:
            self.fields.setdefault(self._form, []).append(values.get("name") or "")
        if values.get("data-testid") == "signed-in":
            self._in_signed_in = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "span":
            self._in_signed_in = False

    def handle_data(self, data: str) -> None:
        if self._in_signed_in:
            self.signed_in += data


def _forms(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def test_pages_redirect_to_sign_in_and_the_api_answers_401(team_app: FastAPI) -> None:
    browser = visitor(team_app)
    page = browser.get("/review?x=1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/signin?next=%2Freview%3Fx%3D1"
    assert browser.get("/", follow_redirects=False).headers["location"] == "/signin"
    api = browser.get("/api/dashboard")
    assert api.status_code == 401 and api.json()["code"] == "signed_out"
    htmx = browser.get("/review", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/signin?next=%2Freview"
    for public in ("/signin", "/docs", "/openapi.json", "/favicon.ico"):
        assert browser.get(public).status_code == 200, public
    assert browser.get("/api/session").status_code == 401


def test_sign_in_sets_an_http_only_lax_cookie_and_goes_on_to_the_page_asked_for(
        team_app: FastAPI, make_user: AddUser) -> None:
    make_user("ana")
    browser = visitor(team_app)
    token = form_token(browser, "/signin?next=/cards")
    response = browser.post("/signin", data={"csrftoken": token, "name": "ANA", "password": PASSWORD,
                                             "next": "/cards"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/cards"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would never come back
    page = browser.get("/cards")
    assert page.status_code == 200
    forms = _forms(page.text)
    assert "ana" in forms.signed_in
    assert "/signout" in forms.actions and forms.fields["/signout"] == ["csrftoken"]
    assert browser.get("/api/session").json() == {"user": "ana", "role": "learner", "is_admin": False}


def test_only_the_hash_of_the_token_is_stored(team_app: FastAPI, make_user: AddUser, team_engine: Engine) -> None:
    make_user("ana")
    browser = sign_in(visitor(team_app), "ana")
    token = browser.cookies[COOKIE_NAME]
    with team_engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM auth_session")).scalars().all()
    assert stored == [token_hash(token)] and token not in stored


def test_the_cookie_is_secure_over_https(team_settings: Settings, make_user: AddUser) -> None:
    make_user("ana")
    app = create_app(team_settings.model_copy(update={"allowed_hosts": ["preplab.example.org"]}))
    with TestClient(app, base_url="https://preplab.example.org") as browser:
        token = form_token(browser)
        response = browser.post("/signin", data={"csrftoken": token, "name": "ana", "password": PASSWORD},
                                headers={"Origin": "https://preplab.example.org"}, follow_redirects=False)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_behind_a_trusted_proxy_the_cookie_is_secure_and_an_untrusted_one_is_not_believed(
        team_settings: Settings, make_user: AddUser) -> None:
    make_user("ana")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for proxies, secure in ((["testclient"], True), (["10.9.9.9"], False)):
        # TestClient's peer address is "testclient": naming it is naming the proxy in front of PrepLab.
        app = create_app(team_settings.model_copy(update={"trusted_proxies": proxies}))
        with TestClient(app, base_url=BASE_URL) as browser:
            token = form_token(browser)
            response = browser.post("/signin", data={"csrftoken": token, "name": "ana", "password": PASSWORD},
                                    headers=forwarded, follow_redirects=False)
        assert response.status_code == 303
        assert ("Secure" in response.headers["set-cookie"]) is secure, proxies


def test_wrong_passwords_unknown_names_and_empty_fields_are_told_in_words(
        team_app: FastAPI, make_user: AddUser) -> None:
    make_user("ana")
    browser = visitor(team_app)
    token = form_token(browser)
    wrong = browser.post("/signin", data={"csrftoken": token, "name": "ana", "password": "not it at all"})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    nobody = browser.post("/signin", data={"csrftoken": token, "name": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401 and "用户名或密码不正确" in nobody.text  # the same words: no name is told
    empty = browser.post("/signin", data={"csrftoken": token, "name": "ana", "password": "", "lang": "en"})
    assert empty.status_code == 422 and "Please fill in 'Password'" in html.unescape(empty.text)
    assert COOKIE_NAME not in browser.cookies


def test_next_never_leaves_the_site(team_app: FastAPI, make_user: AddUser) -> None:
    make_user("ana")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        browser = visitor(team_app)
        token = form_token(browser)
        response = browser.post("/signin", data={"csrftoken": token, "name": "ana", "password": PASSWORD,
                                                 "next": target}, follow_redirects=False)
        assert response.headers["location"] == "/", target


def test_sign_out_revokes_the_session_in_the_database(team_app: FastAPI, make_user: AddUser) -> None:
    make_user("ana")
    browser = sign_in(visitor(team_app), "ana")
    stolen = browser.cookies[COOKIE_NAME]
    token = form_token(browser, "/settings")
    out = browser.post("/signout", data={"csrftoken": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signin?signed_out=1"
    assert browser.get("/settings", follow_redirects=False).status_code == 303
    replay = visitor(team_app, cookies={COOKIE_NAME: stolen})  # a copy of the cookie taken before sign-out
    assert replay.get("/api/dashboard").status_code == 401


def test_disabling_a_user_and_resetting_a_password_end_their_sessions(
        team_app: FastAPI, make_user: AddUser, team_engine: Engine) -> None:
    make_user("ana")
    make_user("ben")
    ana, ben = sign_in(visitor(team_app), "ana"), sign_in(visitor(team_app), "ben")
    with Session(team_engine) as session:
        set_disabled(session=session, name="ana", disabled=True, now=utcnow())
        set_password(session=session, name="ben", password="a new password", now=utcnow())
    assert ana.get("/api/dashboard").status_code == 401
    assert ben.get("/api/dashboard").status_code == 401
    disabled = visitor(team_app)
    assert disabled.post("/api/session", json={"name": "ana", "password": PASSWORD},
                         headers={"Origin": "http://127.0.0.1"}).status_code == 401
    assert visitor(team_app).post("/api/session", json={"name": "ben", "password": PASSWORD},
                                  headers={"Origin": "http://127.0.0.1"}).status_code == 401
    again = visitor(team_app)
    signed = again.post("/api/session", json={"name": "ben", "password": "a new password"},
                        headers={"Origin": "http://127.0.0.1"})
    assert signed.status_code == 200 and signed.json()["user"] == "ben"
    assert again.get("/api/dashboard").status_code == 200


def test_a_session_expires(team_app: FastAPI, make_user: AddUser, clock: Clock) -> None:
    make_user("ana")
    browser = sign_in(visitor(team_app), "ana")
    clock.now += timedelta(days=team_app.state.settings.session_days) - timedelta(minutes=1)
    assert browser.get("/api/dashboard").status_code == 200
    clock.now += timedelta(minutes=2)
    assert browser.get("/api/dashboard").status_code == 401


def test_the_api_signs_in_and_out_with_json(team_app: FastAPI, make_user: AddUser) -> None:
    make_user("boss", role="admin")
    script = visitor(team_app, headers={"Origin": "http://127.0.0.1"})
    response = script.post("/api/session", json={"name": "boss", "password": PASSWORD})
    assert response.status_code == 200 and response.json() == {"user": "boss", "role": "admin", "is_admin": True}
    assert script.get("/api/session").json()["is_admin"] is True
    assert script.delete("/api/session", headers={"Content-Type": "application/json"}).status_code == 204
    assert script.get("/api/dashboard").status_code == 401
    bad = script.post("/api/session", json={"name": "boss"})
    assert bad.status_code == 422 and "password" in bad.text


def test_a_cross_site_post_with_a_valid_session_is_refused(learners: tuple[TestClient, TestClient]) -> None:
    ana, _ben = learners
    token = ana.headers["X-CSRFToken"]
    before = ana.get("/api/settings").json()["daily_new_limit"]
    # The browser sends the session cookie along (SameSite=Lax lets a top-level POST from elsewhere through in
    # some browsers' first minutes), but the Origin names the other site: 403 before the session is looked at.
    forged = ana.post("/settings", data={"csrftoken": token, "daily_new_limit": "1", "desired_retention": "0.9",
                                         "language": "zh", "theme": "auto"},
                      headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403
    # Without an Origin (an old browser, or one that strips it), the missing CSRF token stops it.
    no_token = TestClient(ana.app, base_url="http://127.0.0.1", cookies={COOKIE_NAME: ana.cookies[COOKIE_NAME]})
    stripped = no_token.post("/settings", data={"daily_new_limit": "1", "desired_retention": "0.9",
                                                "language": "zh", "theme": "auto"}, follow_redirects=False)
    assert stripped.status_code == 403
    json_forged = no_token.put("/api/settings", json={"daily_new_limit": 1},
                               headers={"Origin": "https://evil.example"})
    assert json_forged.status_code == 403
    assert ana.get("/api/settings").json()["daily_new_limit"] == before
