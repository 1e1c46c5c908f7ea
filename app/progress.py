"""A learner's progress as one JSON document: settings, card states and the review log, notes, bookmarks, their own
controls on questions, quiz and mock-interview history with every answer, and the lab runs they made or imported.

`preplab export --progress` writes it and `preplab import --progress FILE` reads it into another database (SQLite or
PostgreSQL), for the local learner. Rows are matched on what names them outside one database (a card by its
question, a log by its question and instant, a round by its start), never on row ids, so importing one document
twice changes nothing, and rows whose question this database does not hold are skipped and counted."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table, and_, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables)
from app.jsonsafe import loads_bounded
from app.labs.service import LabResultError, parse_result
from labs.registry import LABS

FORMAT = "preplab-progress"
VERSION = 1
# section -> (table, the columns that name a row besides the learner); children follow their parent.
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "settings": ("user_settings", ()),
    "cards": ("review_card", ("question_id",)),
    "review_log": ("review_log", ("question_id", "reviewed_at", "rating", "origin")),
    "notes": ("note", ("question_id",)),
    "bookmarks": ("bookmark", ("question_id",)),
    "question_controls": ("learner_question", ("question_id",)),
    "quizzes": ("quiz_session", ("created_at",)),
    "mock_interviews": ("mock_interview", ("started_at",)),
}
CHILDREN = {"quizzes": ("quiz_answer", "quiz_id"), "mock_interviews": ("mock_answer", "interview_id")}
FINISHED_RUNS = ("done", "failed", "cancelled", "oom")


class ProgressError(Exception):
    """A document that is not PrepLab progress, or one this code cannot read."""


@dataclass
class ImportReport:
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # their question is not in this database

    @property
    def changed(self) -> bool:
        return bool(sum(self.added.values()) + sum(self.updated.values()))


def _table(name: str) -> Table | None:
    table = SQLModel.metadata.tables.get(name)
    return table if isinstance(table, Table) else None


def _out(value: Any) -> Any:
    """Instants as aware UTC (SQLite hands them back naive, PostgreSQL in the session's zone): one document whichever
    database wrote it."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def _in(table: Table, name: str, value: Any) -> Any:
    column_type = table.columns[name].type
    if value is None or not isinstance(value, str):
        return value
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    return value


def _row_out(table: Table, row: Mapping[Any, Any], drop: Iterable[str]) -> dict[str, Any]:
    skip = set(drop)
    return {str(name): _out(value) for name, value in row.items() if name not in skip and name in table.columns}


def _row_in(table: Table, data: Mapping[str, Any], drop: Iterable[str]) -> dict[str, Any]:
    skip = set(drop)
    return {name: _in(table, name, value) for name, value in data.items() if name in table.columns and name not in skip}


def export_progress(engine: Engine, *, user_id: int, user_name: str, revision: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "schema_revision": revision,
                                "exported_at": datetime.now(UTC).isoformat(), "user": user_name}
    with engine.connect() as connection:
        for section, (name, _key) in SECTIONS.items():
            table = _table(name)
            if table is None:
                continue
            rows = connection.execute(select(table).where(table.c.user_id == user_id)
                                      .order_by(*table.primary_key.columns)).mappings().all()
            items = [_row_out(table, row, ("id", "user_id")) for row in rows]
            if section in CHILDREN:
                child_name, parent_key = CHILDREN[section]
                child = _table(child_name)
                assert child is not None
                for item, row in zip(items, rows, strict=True):
                    answers = connection.execute(select(child).where(child.c[parent_key] == row["id"])
                                                 .order_by(child.c.position)).mappings().all()
                    item["answers"] = [_row_out(child, answer, ("id", parent_key)) for answer in answers]
            document[section] = (items[0] if items else None) if section == "settings" else items
        runs = _table("lab_run")
        assert runs is not None
        query = select(runs).where(runs.c.reference.is_(False), runs.c.status.in_(FINISHED_RUNS))
        if "user_id" in runs.c:  # team mode: the learner's own runs, and those from before accounts (everyone's)
            query = query.where(or_(runs.c.user_id == user_id, runs.c.user_id.is_(None)))
        own = connection.execute(query.order_by(runs.c.id)).mappings().all()
        document["lab_runs"] = [_row_out(runs, row, ("id", "user_id")) for row in own]
    return document


def read_document(text: str | bytes) -> dict[str, Any]:
    try:
        document = loads_bounded(text)
    except ValueError as error:
        raise ProgressError(f"不是有效的 JSON / not valid JSON: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ProgressError("不是 PrepLab 学习进度文件 / not a PrepLab progress document (no \"format\": "
                            f"\"{FORMAT}\")")
    if not isinstance(document.get("version"), int) or document["version"] > VERSION:
        raise ProgressError(f"进度文件版本 {document.get('version')!r} 比本程序新 / progress document version "
                            f"{document.get('version')!r} is newer than this PrepLab ({VERSION})")
    return document


def import_progress(engine: Engine, document: Mapping[str, Any], *, user_id: int) -> ImportReport:
    """Everything in one transaction: a document that fails half-way changes nothing."""
    report = ImportReport()
    with engine.begin() as connection:
        questions = _question_ids(connection)
        for section, (name, key) in SECTIONS.items():
            table = _table(name)
            if table is None or document.get(section) is None:
                continue
            items = [document[section]] if section == "settings" else document[section]
            if not isinstance(items, list):
                raise ProgressError(f"「{section}」应为列表 / \"{section}\" must be a list")
            for item in items:
                if not isinstance(item, dict):
                    raise ProgressError(f"「{section}」的条目应为对象 / items of \"{section}\" must be objects")
                if "question_id" in table.columns and item.get("question_id") not in questions:
                    report.skipped[section] += 1
                    continue
                values = {**_row_in(table, item, ("id", "user_id", "answers")), "user_id": user_id}
                if section == "review_log":
                    values["idempotency_key"] = _own_key(values.get("idempotency_key"), user_id)
                row_id = _upsert(connection, table, values, ("user_id", *key), report, section,
                                 insert_only=section in ("review_log", "bookmarks"))
                if section in CHILDREN:
                    _children(connection, section, row_id, item.get("answers") or [], questions, report)
        _lab_runs(connection, document.get("lab_runs") or [], report, user_id)
    return report


def _question_ids(connection: Connection) -> set[str]:
    question = _table("question")
    assert question is not None
    return set(connection.execute(select(question.c.id)).scalars())


def _own_key(key: Any, user_id: int) -> Any:
    """A review log's idempotency key names its learner first ("{user}:{question}:{reps}"): here, this one."""
    if isinstance(key, str) and ":" in key:
        return f"{user_id}:{key.split(':', 1)[1]}"
    return key


def _children(connection: Connection, section: str, parent_id: Any, answers: list[Any], questions: set[str],
              report: ImportReport) -> None:
    child_name, parent_key = CHILDREN[section]
    child = _table(child_name)
    assert child is not None
    for answer in answers:
        if not isinstance(answer, dict) or answer.get("question_id") not in questions:
            report.skipped[f"{section}.answers"] += 1
            continue
        values = {**_row_in(child, answer, ("id", parent_key)), parent_key: parent_id}
        _upsert(connection, child, values, (parent_key, "position"), report, f"{section}.answers")


def _lab_runs(connection: Connection, runs: list[Any], report: ImportReport, user_id: int) -> None:
    table = _table("lab_run")
    assert table is not None
    for run in runs:
        if not isinstance(run, dict) or run.get("reference") or not _acceptable_lab_run(run):
            report.skipped["lab_runs"] += 1
            continue
        # A process of another machine, and an id of another database: the run is this learner's here.
        values = _row_in(table, run, ("id", "pid", "server_pid", "run_token", "server", "user_id"))
        values["reference"] = False
        key: tuple[str, ...] = ("lab", "started_at", "device", "reference")
        if "user_id" in table.columns:
            values["user_id"] = user_id
            key += ("user_id",)
        # The learner's own copy: a shipped reference run of the same measurement (every started database holds
        # them), or another learner's copy, is not this learner's run and does not stand in for it.
        _upsert(connection, table, values, key, report, "lab_runs", insert_only=True)


def _acceptable_lab_run(run: Mapping[str, Any]) -> bool:
    """A finished run of a registered lab whose result passes the checks an upload meets (app/labs/service.py)."""
    if run.get("lab") not in LABS or run.get("status") not in FINISHED_RUNS:
        return False
    if run.get("result") is None:
        return True
    try:
        return parse_result(json.dumps(run["result"]), source="lab_runs").lab == run["lab"]
    except (LabResultError, TypeError, ValueError):
        return False


def _upsert(connection: Connection, table: Table, values: dict[str, Any], key: tuple[str, ...],
            report: ImportReport, section: str, *, insert_only: bool = False) -> Any:
    """Insert the row, or bring the row with the same key to the document's values; returns its primary key."""
    missing = [name for name in key if name not in values]
    if missing:
        raise ProgressError(f"「{section}」的条目缺少 {missing} / an item of \"{section}\" lacks {missing}")
    match = and_(*(table.c[name] == values[name] for name in key))
    existing = connection.execute(select(table).where(match)).mappings().first()
    primary = list(table.primary_key.columns)
    if existing is None:
        result = connection.execute(insert(table).values(**values))
        report.added[section] += 1
        return result.inserted_primary_key[0] if result.inserted_primary_key else None
    identity = existing[primary[0].name]
    changes = {name: value for name, value in values.items() if not _same(existing[name], value)}
    if insert_only or not changes:
        report.unchanged[section] += 1
        return identity
    connection.execute(update(table).where(match).values(**changes))
    report.updated[section] += 1
    return identity


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _same(stored: Any, given: Any) -> bool:
    if isinstance(stored, datetime) and isinstance(given, datetime):
        return _naive_utc(stored) == _naive_utc(given)
    if isinstance(stored, dict | list) or isinstance(given, dict | list):
        return json.dumps(stored, sort_keys=True) == json.dumps(given, sort_keys=True)
    return bool(stored == given)
