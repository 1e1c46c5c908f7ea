"""Re-importing edited banks: ids are stable, history survives, removed questions retire, twice is once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from app.models import Question, ReviewLog
from app.users import ensure_local_user
from tests.conftest import ImportInto


def _first_open_question(bank: Path) -> tuple[str, str]:
    """(id, prompt section text) of the first open question in a canonical bank file."""
    body = bank.read_text(encoding="utf-8")
    match = re.search(r"```yaml\nid: (\S+)\nkind: open\n.*?```\n\n### 题目\n\n(.+?)\n\n###", body, re.S)
    assert match, f"no open question with a 题目 section in {bank}"
    return match.group(1), match.group(2)


def _log_a_review(engine: Engine, question_id: str) -> None:
    with Session(engine) as session:
        user = ensure_local_user(session=session, name="local")
        assert user.id is not None
        session.add(ReviewLog(user_id=user.id, question_id=question_id, rating=3))
        session.commit()


def _logs(engine: Engine, question_id: str) -> list[int]:
    with Session(engine) as session:
        return [log.rating for log in session.exec(select(ReviewLog).where(ReviewLog.question_id == question_id))]


def _question(engine: Engine, question_id: str) -> Question:
    with Session(engine) as session:
        row = session.get(Question, question_id)
        assert row is not None
        return row


def _snapshot(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        return {t: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{t}"'))), key=repr) for t in tables}


def test_editing_a_prompt_keeps_the_id_and_the_review_log(
    engine: Engine, import_into: ImportInto,
    content_copy: Path,
) -> None:
    bank = sorted((content_copy / "banks").glob("*.md"))[0]
    question_id, prompt = _first_open_question(bank)
    import_into(content_copy)
    _log_a_review(engine, question_id)
    bank.write_text(bank.read_text(encoding="utf-8").replace(prompt, prompt + "（已修改）", 1), encoding="utf-8")
    report = import_into(content_copy)
    assert report.updated == 1 and report.added == 0 and report.retired == 0
    row = _question(engine, question_id)
    assert row.prompt.endswith("（已修改）") and not row.retired
    assert _logs(engine, question_id) == [3]


def test_deleting_a_question_retires_it_and_keeps_the_review_log(
    engine: Engine, import_into: ImportInto,
    content_copy: Path,
) -> None:
    bank = sorted((content_copy / "banks").glob("*.md"))[0]
    question_id, _prompt = _first_open_question(bank)
    import_into(content_copy)
    _log_a_review(engine, question_id)
    body = bank.read_text(encoding="utf-8")
    start = body.rindex("\n## ", 0, body.index(f"id: {question_id}\n"))
    end = body.find("\n## ", start + 1)
    bank.write_text(body[:start] + (body[end:] if end != -1 else "\n"), encoding="utf-8")
    report = import_into(content_copy)
    assert report.retired == 1 and report.added == 0
    assert _question(engine, question_id).retired
    assert _logs(engine, question_id) == [3]
    bank.write_text(body, encoding="utf-8")
    report = import_into(content_copy)
    assert report.restored == 1 and not _question(engine, question_id).retired


def test_importing_the_same_content_twice_changes_nothing(
    engine: Engine, import_into: ImportInto,
    content_copy: Path,
) -> None:
    first = import_into(content_copy)
    before = _snapshot(engine)
    second = import_into(content_copy)
    assert first.added == second.unchanged > 0
    assert (second.added, second.updated, second.retired, second.restored) == (0, 0, 0, 0)
    assert _snapshot(engine) == before
