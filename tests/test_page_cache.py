"""The page cache (app/page_cache.py) serves a question page from memory only while it is current.

The oracle: a second app on the same database with the cache off renders every page afresh. After each kind of
write a question page shows, made through the routes or behind the app's back (another connection, as another
worker or a CLI command would), the cached app's page must be byte for byte the page the uncached app renders for
the same browser, and a page nobody changed must come from memory (one statement: the revisions)."""

from __future__ import annotations

import gzip
import random
import re
import shutil
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.backup import BackupPolicy, restore
from app.backup import copy_database as copy_backup
from app.clock import utcnow
from app.content.service import import_paths
from app.db import make_engine
from app.main import create_app
from app.page_cache import Entry
from app.page_revision import WATCHED, missing_triggers
from app.settings import PROJECT_ROOT, Settings
from app.shared_state import WATCHER_THREAD
from tests.backends import copy_database, database_url, sqlite_only
from tests.csrf import BASE_URL, as_page
from tests.server import CONTENT, imported_database


@pytest.mark.parametrize("seed", range(6))
def test_a_stored_page_is_the_same_page_for_every_token_in_gzip_and_plain(seed: int) -> None:
    chooser = random.Random(seed)
    token = b"IjdmNGE5.Zx-" + bytes(chooser.choice(b"abcdef0123_-") for _ in range(chooser.randint(0, 40)))
    words = [b"<p>", "梯度分片".encode(), b"ZeRO-3 ", b"</p>", token, b"\n", bytes(range(32, 127))]
    if seed == 5:  # a piece longer than one stored block holds, and a token that long
        words, token = [b"x" * 70000, token], b"t" * 70000
    body = b"".join(chooser.choice(words) for _ in range(chooser.randint(0, 400)))
    body = (token if seed % 2 else b"") + body + (token if seed % 3 else b"")
    entry = Entry.make((1, 2, 3, 4), None, 200, [(b"content-type", b"text/html")], body, token)
    other = b"Other.token-" + bytes(chooser.choice(b"xyz") for _ in range(seed * 7))
    for asked in (token, other, b""):
        expected = body.replace(token, asked) if token else body
        assert entry.body(asked) == expected
        packed = entry.gzipped(asked)
        assert gzip.decompress(packed) == expected  # header, deflate stream, CRC-32 and length all checked
        assert zlib.decompress(packed, 31) == expected


@dataclass
class Pair:
    """The same browser (one CSRF cookie) on two apps over one database: `cached` with the page cache, `fresh`
    without it."""

    cached: TestClient
    fresh: TestClient
    engine: Engine  # a connection of neither app, as another worker or a CLI command would have

    def page(self, path: str) -> str:
        got = self.cached.get(path)
        expected = self.fresh.get(path)
        assert got.status_code == expected.status_code == 200, (got.status_code, expected.status_code)
        assert got.text == expected.text, f"{path}: the cached page differs from a fresh rendering"
        return got.text


def _statements(app: FastAPI) -> tuple[list[str], Callable[[], None]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if threading.current_thread().name != WATCHER_THREAD:
            seen.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(engine, "before_cursor_execute", count)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("page-cache") / "content.db")


@pytest.fixture
def pair(tmp_path: Path, template: Path) -> Iterator[Pair]:
    database = copy_database(template, tmp_path / "preplab.db")
    settings = Settings(database_url=database_url(database), content_dir=CONTENT, timezone="Asia/Shanghai")
    cached_app = create_app(settings)
    fresh_app = create_app(settings.model_copy(update={"page_cache_mb": 0}))
    engine = make_engine(settings.database_url)
    with TestClient(cached_app, base_url=BASE_URL) as cached, TestClient(fresh_app, base_url=BASE_URL) as fresh:
        as_page(cached)
        fresh.cookies.update(cached.cookies)
        fresh.headers["X-CSRFToken"] = cached.headers["X-CSRFToken"]
        yield Pair(cached, fresh, engine)
    engine.dispose()


def _lab_backed(engine: Engine) -> tuple[str, str]:
    """A question whose page shows a lab's reference result, and that lab."""
    with engine.connect() as connection:
        question, lab = connection.execute(text(
            "SELECT qc.question_id, r.lab FROM question_concept qc JOIN concept c ON c.id = qc.concept_id "
            "JOIN lab_run r ON r.reference AND CAST(c.labs AS TEXT) LIKE '%\"' || r.lab || '\"%' "
            "ORDER BY qc.question_id, r.lab LIMIT 1")).one()
    return str(question), str(lab)


def _lab_backed_question(engine: Engine) -> str:
    return _lab_backed(engine)[0]


def _run(engine: Engine, sql: str, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), values)


def test_a_page_nobody_changed_is_served_from_memory_with_one_statement(pair: Pair) -> None:
    path = f"/questions/{_lab_backed_question(pair.engine)}"
    first = pair.page(path)
    seen, stop = _statements(pair.cached.app)  # type: ignore[arg-type]
    try:
        again = pair.cached.get(path)
        plain = pair.cached.get(path, headers={"Accept-Encoding": "identity"})
    finally:
        stop()
    assert again.text == plain.text == first
    assert again.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert "Accept-Encoding" in again.headers["vary"] and "Cookie" in again.headers["vary"]
    assert len(seen) == 2, seen  # one read of the revisions each, nothing rendered


# Each write a question page shows: through the app's routes (as the learner) or behind its back.
Write = Callable[[Pair, str], None]


def _ok(reply: object) -> None:
    status = getattr(reply, "status_code", 0)
    assert status < 400, getattr(reply, "text", "")[:300]


WRITES: dict[str, Write] = {
    "grade": lambda p, q: _ok(p.cached.post(f"/api/review/{q}", json={"rating": 3})),
    "grade again": lambda p, q: _ok(p.cached.post(f"/api/review/{q}", json={"rating": 1})),
    "note": lambda p, q: _ok(p.cached.put(f"/api/questions/{q}/note", json={"body": "我的笔记：ZeRO-3 切参数"})),
    "note elsewhere": lambda p, q: _run(p.engine, "UPDATE note SET body = '另一个进程写的' WHERE question_id = :q",
                                        q=q),
    "bookmark": lambda p, q: _ok(p.cached.put(f"/api/questions/{q}/bookmark")),
    "unbookmark": lambda p, q: _ok(p.cached.delete(f"/api/questions/{q}/bookmark")),
    "suspend": lambda p, q: _ok(p.cached.put(f"/api/questions/{q}/suspend")),
    "flag": lambda p, q: _ok(p.cached.put(f"/api/questions/{q}/flag", json={"flag": "orange"})),
    "own prompt": lambda p, q: _ok(p.cached.put(f"/api/questions/{q}/own-prompt", json={"text": "用自己的话问"})),
    "bury": lambda p, q: _ok(p.cached.put(f"/api/questions/{q}/bury")),
    "language": lambda p, q: _ok(p.cached.post("/settings/language", data={"language": "en"},
                                               follow_redirects=False)),
    "theme": lambda p, q: _ok(p.cached.post("/settings/theme", data={"theme": "dark"}, follow_redirects=False)),
    "own lab run elsewhere": lambda p, q: _run(
        p.engine, "INSERT INTO lab_run (lab, status, reference, device, params, result, error, started_at, "
                  "finished_at, hidden, user_id) SELECT lab, 'done', false, 'cpu: a learner''s laptop', params, "
                  "result, '', started_at, finished_at, false, (SELECT min(id) FROM \"user\") FROM lab_run "
                  "WHERE reference AND NOT hidden AND lab = :lab ORDER BY id LIMIT 1", lab=_lab_backed(p.engine)[1]),
    "reference hidden elsewhere": lambda p, q: _run(p.engine, "UPDATE lab_run SET hidden = true WHERE reference"),
    "history reset elsewhere": lambda p, q: _run(
        p.engine, "DELETE FROM review_log WHERE question_id = :q", q=q),
    "card removed elsewhere": lambda p, q: _run(p.engine, "DELETE FROM review_card WHERE question_id = :q", q=q),
    "settings removed elsewhere": lambda p, q: _run(p.engine, "DELETE FROM user_settings"),
}


def test_every_write_a_question_page_shows_is_on_the_next_visit(pair: Pair) -> None:
    question = _lab_backed_question(pair.engine)
    path = f"/questions/{question}"
    before = pair.page(path)
    for name, write in WRITES.items():
        write(pair, question)
        after = pair.page(path)  # asserts it is what a fresh rendering shows
        assert after != before, f"{name}: the page did not change"
        assert pair.page(path) == after  # and now from memory
        before = after


def test_a_buried_card_comes_back_when_its_time_is_up(pair: Pair) -> None:
    question = _lab_backed_question(pair.engine)
    path = f"/questions/{question}"
    pair.page(path)
    until = utcnow() + timedelta(seconds=1.5)
    _run(pair.engine, "INSERT INTO learner_question (user_id, question_id, suspended, buried_until, updated_at) "
                      "SELECT min(id), :q, false, :until, :now FROM \"user\"", q=question, until=until, now=utcnow())
    assert 'data-buried="true"' in pair.page(path)
    assert 'data-buried="true"' in pair.cached.get(path).text  # stored, with the instant it stops being true
    time.sleep(max(0.0, (until - utcnow()).total_seconds()) + 0.1)
    assert 'data-buried="false"' in pair.page(path)


def test_each_browser_gets_its_own_token_in_a_stored_page(pair: Pair, template: Path) -> None:
    path = f"/questions/{_lab_backed_question(pair.engine)}"
    mine = pair.page(path)
    with TestClient(pair.cached.app, base_url=BASE_URL) as other:
        as_page(other)
        theirs = other.get(path)
    token, their_token = pair.cached.headers["X-CSRFToken"], other.headers["X-CSRFToken"]
    assert token != their_token and theirs.status_code == 200
    assert token not in theirs.text and theirs.text.count(their_token) == mine.count(token) >= 3
    assert theirs.text.replace(their_token, token) == mine


def test_a_browser_without_a_cookie_gets_one_and_a_rendered_page(pair: Pair) -> None:
    path = f"/questions/{_lab_backed_question(pair.engine)}"
    pair.page(path)
    with TestClient(pair.cached.app, base_url=BASE_URL) as newcomer:
        first = newcomer.get(path)
    assert first.status_code == 200 and "csrftoken=" in first.headers.get("set-cookie", "")
    assert newcomer.cookies.get("csrftoken") in first.text


def test_an_import_elsewhere_is_on_the_next_visit(pair: Pair, tmp_path: Path) -> None:
    """A bank's answer edited and imported through another engine (as `preplab import` beside the server)."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    bank = sorted((copy / "banks").glob("*.md"))[0]
    source = bank.read_text(encoding="utf-8")
    first = re.search(r"^id: (q-[0-9a-f]+)$", source, re.MULTILINE)
    assert first is not None and "### 参考答案\n\n" in source
    path = f"/questions/{first.group(1)}"
    before = pair.page(path)
    bank.write_text(source.replace("### 参考答案\n\n", "### 参考答案\n\n本答案已修订（导入测试）。\n\n", 1),
                    encoding="utf-8")
    import_paths(pair.engine, [copy], settings=Settings(content_dir=copy))
    after = pair.page(path)  # what a fresh rendering shows
    assert "本答案已修订（导入测试）" in after and "本答案已修订（导入测试）" not in before


def test_the_cache_stays_off_when_a_trigger_is_missing(tmp_path: Path, template: Path) -> None:
    database = copy_database(template, tmp_path / "preplab.db")
    settings = Settings(database_url=database_url(database), content_dir=CONTENT, timezone="UTC")
    engine = make_engine(settings.database_url)
    with engine.begin() as connection:
        assert missing_triggers(connection) == set()  # every trigger is there at head
        name = "page_revision_note_update"
        connection.execute(text(f"DROP TRIGGER {name}" if connection.dialect.name == "sqlite"
                                else f"DROP TRIGGER {name} ON note"))
        assert missing_triggers(connection) == {name}
        question = connection.execute(text("SELECT id FROM question ORDER BY id LIMIT 1")).scalar_one()
    engine.dispose()
    app = create_app(settings)
    with TestClient(app, base_url=BASE_URL) as client:
        as_page(client)
        client.get(f"/questions/{question}")
        seen, stop = _statements(app)
        try:
            client.get(f"/questions/{question}")
        finally:
            stop()
    assert len(seen) > 1, "a page was served from memory with a trigger missing"


def test_every_watched_table_has_its_triggers_at_head(template: Path, tmp_path: Path) -> None:
    engine = make_engine(database_url(copy_database(template, tmp_path / "preplab.db")))
    with engine.connect() as connection:
        assert missing_triggers(connection) == set()
        columns = {watched.table: watched.owner for watched in WATCHED}
        for table, owner in columns.items():  # each names a real table and owner column
            connection.execute(text(f'SELECT {owner or "1"} FROM "{table}" LIMIT 0'))
    engine.dispose()


@sqlite_only("preplab restore puts a SQLite backup back into the live file")
def test_counters_that_went_back_with_a_restore_never_meet_a_page_cached_before(pair: Pair, tmp_path: Path) -> None:
    """A backup holds older counters. Restored under a running server and written to as often as before, they are
    the very numbers a page was cached under: the restore's new epoch is what keeps that page from being served."""
    question = _lab_backed_question(pair.engine)
    path = f"/questions/{question}"
    database = Path(pair.engine.url.database or "")
    saved = copy_backup(database, tmp_path / "before-the-note.db")
    _ok(pair.cached.put(f"/api/questions/{question}/note", json={"body": "备份之后写的笔记"}))
    assert "备份之后写的笔记" in pair.page(path)  # cached under the counters after one more write
    restore(database, saved, BackupPolicy(folder=tmp_path / "kept", keep=3),
            ScriptDirectory(str(PROJECT_ROOT / "migrations")))
    _run(pair.engine, "INSERT INTO note (user_id, question_id, body, updated_at) SELECT min(id), :q, "
                      "'恢复之后的另一条笔记', :now FROM \"user\"", q=question, now=utcnow())
    page = pair.page(path)  # the same count of writes since the backup, so the same counters, but a new epoch
    assert "恢复之后的另一条笔记" in page and "备份之后写的笔记" not in page
