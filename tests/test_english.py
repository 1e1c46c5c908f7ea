"""English mode is complete: every page (error pages included) shows no Chinese of its own. Han characters may appear
only where they are content: the banks' questions, answers, key points and corrections, concept names and aliases,
the original documents, and what the learner wrote. The walk covers every GET page the app declares, so a new page
without a sample here fails the test."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT, DATA
from tests.csrf import as_page, page_client
from tests.server import imported_database

# Han characters with the CJK punctuation and digits around them; Latin words and " · " separators end a run.
HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff][\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef0-9]*")
SKIPPED_TAGS = {"script", "style", "textarea", "code", "pre"}  # code and the learner's own textarea text
CONTENT_CLASSES = {"markdown"}  # rendered bank text


@pytest.fixture(scope="module")
def content_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("english") / "content.db")


@pytest.fixture
def english(tmp_path: Path, content_database: Path) -> Iterator[TestClient]:
    copy = tmp_path / "preplab.db"
    copy_database(content_database, copy)
    settings = Settings(database_url=database_url(copy), content_dir=CONTENT, timezone="Asia/Shanghai")
    with page_client(create_app(settings)) as client:
        as_page(client)
        assert client.put("/api/settings", json={"language": "en"}).status_code == 200
        yield client


def corpus(database_url: str) -> str:
    """Every piece of content text a page of this database may show in Chinese, joined."""
    engine = make_engine(database_url)
    queries = ["SELECT title || ' ' || prompt || ' ' || answer || ' ' || explanation || ' ' || original_answer"
               " || ' ' || original_explanation || ' ' || coalesce(topic, '') || ' ' || coalesce(skill, '')"
               " || ' ' || model_references FROM question",
               "SELECT text FROM choice", "SELECT text FROM key_point", "SELECT answer FROM alternate",
               "SELECT text || ' ' || coalesce(quote, '') || ' ' || sources FROM correction",
               "SELECT original || ' ' || fixed FROM text_fix",
               "SELECT name_zh || ' ' || summary || ' ' || aliases || ' ' || topic FROM concept",
               "SELECT title || ' ' || description FROM bank", "SELECT body FROM note",
               "SELECT answer FROM mock_answer", "SELECT answer FROM quiz_answer",
               "SELECT coalesce(own_prompt, '') FROM learner_question", "SELECT title FROM mock_interview"]
    with engine.connect() as connection:
        pieces = [str(row[0]) for query in queries for row in connection.execute(text(query))]
        for query in ("SELECT sources FROM correction", "SELECT aliases FROM concept",
                      "SELECT model_references FROM question"):  # JSON lists, stored with \u escapes
            # SQLite hands back the JSON text, PostgreSQL (a json column) the list itself
            pieces += [item for row in connection.execute(text(query))
                       for item in (row[0] if isinstance(row[0], list) else json.loads(row[0] or "[]"))]
    engine.dispose()
    pieces += [path.read_text(encoding="utf-8") for path in (CONTENT / "sources").glob("*.txt")]
    pieces.append((CONTENT / "documents.yaml").read_text(encoding="utf-8"))
    return normal("\n".join(pieces))


class _Text(HTMLParser):
    """Visible text outside code, scripts, the learner's textareas and rendered bank Markdown; attributes people
    read (title, aria-label, placeholder, alt) as well."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        # Content marked as Chinese (a concept's Chinese name) and the switch to 中文 are Chinese on purpose.
        skip = (tag in SKIPPED_TAGS or bool(classes & CONTENT_CLASSES) or values.get("lang") == "zh-CN"
                or values.get("data-testid") == "lang-switch")
        if not self._skipping() and not skip:
            self.found += [values[name] or "" for name in ("title", "aria-label", "placeholder", "alt")
                           if values.get(name)]
        if tag not in {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area"}:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.found.append(data)


def normal(value: str) -> str:
    """Text as compared with the content: letters, digits and Han only (rendering drops, moves and curls the
    punctuation: Markdown marks, typographic quotes, a snippet's ellipses)."""
    return re.sub(r"[^0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]", "", value)


def stray_chinese(html: str, content: str) -> list[str]:
    """Han text on the page that is not content: each run must occur in the content together with the text around
    it in its node (a UI label beside content, "Sources: XLNet 论文", passes; a word of Chinese inside an English
    sentence does not)."""
    parser = _Text()
    parser.feed(html)
    stray = []
    for piece in parser.found:
        for found in HAN_RUN.finditer(piece):
            around = normal(piece[max(0, found.start() - CONTEXT):found.end() + CONTEXT])
            run = normal(found.group())
            if run not in content or (len(run) < LONG_RUN and not _in_context(run, around, content)):
                stray.append(found.group().strip())
    return stray


CONTEXT = 12  # characters of the node on each side of a run that must also be content
LONG_RUN = 6  # a run this long that occurs in the content is content, whatever surrounds it (a page title)


def _in_context(run: str, around: str, content: str) -> bool:
    """Some stretch of `around` that holds the run and at least one neighbour is content (or the node is the run)."""
    if around == run:
        return True
    at = around.find(run)
    left, right = around[:at], around[at + len(run):]
    return any(piece in content for piece in (left[-4:] + run, run + right[:4])
               if len(piece) > len(run))


def samples(client: TestClient) -> dict[str, str]:
    """One address for every page path the app declares."""
    quiz = client.post("/api/quizzes", json={"count": 2, "mix": {"mcq": 1, "open": 1}, "seed": 3}).json()
    quiz_done = client.post("/api/quizzes", json={"count": 1, "mix": {"mcq": 1}, "seed": 4}).json()
    client.post(f"/api/quizzes/{quiz_done['id']}/answers/1", json={"choice": "A"})
    running = client.post("/api/mock-interviews", json={"count": 2, "minutes": 30, "seed": 5}).json()
    finished = client.post("/api/mock-interviews", json={"count": 2, "minutes": 30, "seed": 6,
                                                         "mix": {"mcq": 1, "open": 1}}).json()
    client.put(f"/api/mock-interviews/{finished['id']}/answers/1", json={"answer": "my answer", "choice": None})
    client.post(f"/api/mock-interviews/{finished['id']}/finish")
    question = client.get("/api/review/next").json()["card"]["question_id"]
    client.post(f"/api/review/{question}", json={"rating": 3, "reps": 0})
    client.put(f"/api/questions/{question}/flag", json={"flag": "red"})
    client.put("/api/settings", json={"interview_date": "2099-01-01"})
    lab = client.get("/api/labs").json()
    lab_id = (lab[0] if isinstance(lab, list) else lab["labs"][0])["id"]
    topic = client.get("/api/topics").json()[0]["topic"]
    own_run = client.post("/labs/import", follow_redirects=False, files={"file": (
        "lora.json", (DATA / "labs" / "cpu-lora.json").read_bytes(), "application/json")}).headers["location"]
    return {
        "/": "/", "/topics": "/topics", "/topics/{topic}": f"/topics/{topic}", "/corrections": "/corrections",
        "/questions/{question_id}": f"/questions/{question}?reveal=1", "/bookmarks": "/bookmarks",
        "/concepts/{concept_id}": "/concepts/zero", "/sources": "/sources",
        "/sources/{document}": "/sources/003_bd4bf7e953bc6448.txt", "/review": "/review", "/cards": "/cards",
        "/plan": "/plan", "/plan/final": "/plan/final", "/quiz": "/quiz", "/quiz/{quiz_id}": f"/quiz/{quiz['id']}",
        "/quiz/{quiz_id}/results": f"/quiz/{quiz_done['id']}/results",
        "/quiz/{quiz_id}/{position}": f"/quiz/{quiz['id']}/1", "/mock": "/mock",
        "/mock/{interview_id}": f"/mock/{running['id']}",
        "/mock/{interview_id}/finish": f"/mock/{running['id']}/finish",
        "/mock/{interview_id}/report": f"/mock/{finished['id']}/report",
        "/mock/{interview_id}/report.md": f"/mock/{finished['id']}/report.md",
        "/search": "/search?q=ZeRO", "/settings": "/settings", "/labs": "/labs", "/labs/{lab_id}": f"/labs/{lab_id}",
        "/labs/{lab_id}/calculator": f"/labs/{lab_id}/calculator", "/labs/runs/{run_id}": "/labs/runs/1",
        "/labs/runs/{run_id}/delete": f"/labs/runs/{own_run.split('mine=')[1]}/delete",
        "/planner": "/planner", "/planner/result": "/planner/result", "/cohort": "/cohort",
        "404": "/no/such/page",
    }


def test_every_page_in_english_has_no_stray_chinese(english: TestClient) -> None:
    pages = samples(english)
    declared = {path for path, operations in english.app.openapi()["paths"].items()  # type: ignore[attr-defined]
                if "get" in operations and not path.startswith("/api")}
    assert declared <= set(pages), f"pages without a sample: {sorted(declared - set(pages))}"
    content = corpus(str(english.app.state.settings.database_url))  # type: ignore[attr-defined]
    problems: dict[str, list[str]] = {}
    for address in pages.values():
        response = english.get(address)
        if response.headers.get("content-type", "").startswith("text/html"):
            stray = stray_chinese(response.text, content)
            if stray:
                problems[address] = sorted(set(stray))[:12]
    assert problems == {}, "\n".join(f"{page}: {found}" for page, found in problems.items())


def test_team_mode_pages_in_english_have_no_stray_chinese(tmp_path: Path, content_database: Path) -> None:
    """Team mode's own pages (app/accounts): the sign-in page in English, its errors, and a signed-in page's header
    (who is signed in, the admin mark, sign-out)."""
    from sqlmodel import Session

    from app.accounts.service import add_user
    from tests.csrf import page_token

    copy = copy_database(content_database, tmp_path / "team.db")
    settings = Settings(database_url=database_url(copy), content_dir=CONTENT, accounts=True)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        add_user(session=session, name="boss", password="a long password", role="admin")
    engine.dispose()
    content = corpus(settings.database_url)
    with page_client(create_app(settings)) as client:
        sign_in = client.get("/signin?lang=en&next=/review")
        assert sign_in.status_code == 200 and stray_chinese(sign_in.text, content) == []
        token = re.search(r'name="csrftoken" value="([^"]+)"', sign_in.text)
        assert token is not None
        form = {"csrftoken": token.group(1), "name": "boss", "password": "wrong password", "lang": "en"}
        wrong = client.post("/signin", data=form)
        assert wrong.status_code == 401 and stray_chinese(wrong.text, content) == []
        empty = client.post("/signin", data={**form, "password": ""})
        assert empty.status_code == 422 and stray_chinese(empty.text, content) == []
        assert client.post("/signin", data={**form, "password": "a long password"}).status_code == 200
        client.headers["X-CSRFToken"] = page_token(client.get("/settings").text)
        assert client.put("/api/settings", json={"language": "en"}).status_code == 200
        for address in ("/", "/settings", "/signin?signed_out=1&lang=en"):
            page = client.get(address)
            assert page.status_code == 200 and stray_chinese(page.text, content) == [], address
        assert "Signed in as boss" in client.get("/").text
