"""Copy a whole PrepLab database into another, SQLite to PostgreSQL and back: every learner's progress, the banks,
the lab runs and the accounts, row for row, with the same ids.

The tables are whatever both databases hold (reflected, not listed here), so a table added by a later migration is
copied without a change to this module. Both must be at the code's schema revision: the target is migrated to it
first, and a source that is behind is refused (migrating it is its owner's step, with its automatic backup). The
source is read from one snapshot; the target is written in one transaction that also fixes PostgreSQL's sequences
after the explicit ids, rebuilds the search index where it is a table of its own (SQLite's FTS5) and checks every
table's row count against the source's: a copy that fails anywhere leaves the target as it was. A target that
already holds rows is refused unless `replace=True`, which empties it inside the same transaction; rows that every
freshly migrated database holds (a counter a migration seeds) are not data of anyone's and are replaced either way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    delete,
    func,
    insert,
    null,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.db import SEARCH_TABLE, alembic_config, make_engine, upgrade_database
from app.page_revision import TABLE as PAGE_REVISION_TABLE
from app.page_revision import new_epoch

BATCH_ROWS = 1000
# Alembic's own bookkeeping (the target has its own, at the same revision), SQLite's internal tables and the FTS5
# search index with its shadow tables (rebuilt from the questions on the target instead); the page revisions are
# the target's own too: its triggers count the copy's writes, and its counters must only ever go up (a server on
# the target may hold pages made under them: app/page_revision.py).
_NOT_DATA = ("alembic_version", PAGE_REVISION_TABLE)
_NULL_FLAG = "__preplab_sql_null_"


class CopyError(Exception):
    """A copy that cannot be made, or one that did not come out whole; the target is unchanged."""


@dataclass
class CopyReport:
    revision: str
    rows: dict[str, int] = field(default_factory=dict)  # table → rows copied, in the order they were written
    emptied: dict[str, int] = field(default_factory=dict)  # table → rows the target held and `replace` removed
    search_rows: int = 0  # rows of the rebuilt search index (0 where the index lives in the question table itself)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def is_data_table(name: str) -> bool:
    return not (name in _NOT_DATA or name.startswith(SEARCH_TABLE) or name.startswith("sqlite_"))


def copy_database(source: Engine, target: Engine, *, replace: bool = False, batch_rows: int = BATCH_ROWS) -> CopyReport:
    """Copy every data table of `source` into `target`; see the module's docstring for the guarantees."""
    started = time.perf_counter()
    head = ScriptDirectory.from_config(alembic_config(_url(target))).get_current_head()
    assert head is not None
    if _url(source) == _url(target):
        raise CopyError("源数据库和目标数据库是同一个 / the source and the target are the same database")
    with source.connect() as reading:
        _begin_snapshot(reading)
        revision = MigrationContext.configure(reading).get_current_revision()
        if revision is None:
            raise CopyError("源数据库不是 PrepLab 数据库（没有结构版本）/ the source is not a PrepLab database (it has "
                            "no schema revision)")
        if revision != head:
            raise CopyError(f"源数据库的结构版本是 {revision}，本程序是 {head}：请先对源数据库运行 preplab migrate / "
                            f"the source is at schema revision {revision}, this PrepLab at {head}: run `preplab "
                            "migrate` on the source first")
        upgrade_database(target)
        source_tables = _reflect(reading)
        report = CopyReport(revision=revision)
        with target.begin() as writing:
            target_tables = _reflect(writing)
            ordered = [table for table in target_tables.sorted_tables if is_data_table(table.name)]
            _check_tables(source_tables, ordered)
            _make_room(writing, ordered, replace=replace, report=report)
            for table in ordered:
                origin = source_tables.tables.get(table.name)
                try:
                    report.rows[table.name] = 0 if origin is None else _copy_table(reading, origin, writing, table,
                                                                                   batch_rows)
                except DBAPIError as error:  # a row the source holds and the target's types or constraints refuse
                    raise CopyError(f"目标数据库拒绝了 {table.name} 表的一行，已回滚 / the target refused a row of "
                                    f"{table.name}, rolled back: {str(error.orig).strip()}") from error
            if writing.dialect.name == "postgresql":
                _advance_sequences(writing, ordered)
            report.search_rows = _rebuild_search(writing)
            _verify(reading, source_tables, writing, ordered, report)
            # The copied counters are the source's, and a server on the target may hold pages cached under the
            # target's old ones: the target's epoch is its own (app/page_revision.py).
            new_epoch(writing)
    report.seconds = time.perf_counter() - started
    return report


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _begin_snapshot(connection: Connection) -> None:
    """One read transaction, so every table is read as of the same moment while the app may still be writing."""
    if connection.dialect.name == "sqlite":
        # pysqlite opens no transaction for SELECTs; an explicit one holds a single WAL snapshot until the end.
        connection.exec_driver_sql("BEGIN")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def _reflect(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection, only=lambda name, _metadata: is_data_table(name))
    return metadata


def _copied_columns(table: Table) -> list[Column[Any]]:
    """A generated column (PostgreSQL's search vector, say) is computed by the database, never copied."""
    return [column for column in table.columns if column.computed is None]


def _check_tables(source: MetaData, ordered: Sequence[Table]) -> None:
    """Refuse a copy that would leave data behind: a table or a column the target does not have."""
    names = {table.name: table for table in ordered}
    missing_tables = sorted(set(source.tables) - set(names))
    if missing_tables:
        raise CopyError(f"目标数据库没有这些表 / the target has no table {', '.join(missing_tables)}")
    for name, table in source.tables.items():
        missing = [column.name for column in _copied_columns(table) if column.name not in names[name].columns]
        if missing:
            raise CopyError(f"目标数据库的 {name} 表没有这些列 / the target's table {name} has no column "
                            f"{', '.join(missing)}")


@cache
def seeded_rows() -> dict[str, int]:
    """Rows per table of a database just migrated (on SQLite in memory): what a migration writes is no one's data."""
    scratch = make_engine("sqlite://")
    try:
        upgrade_database(scratch)
        with scratch.connect() as connection:
            tables = _reflect(connection)
            return {table.name: count for table in tables.sorted_tables if (count := _count(connection, table))}
    finally:
        scratch.dispose()


def _make_room(connection: Connection, ordered: Sequence[Table], *, replace: bool, report: CopyReport) -> None:
    held = {table.name: _count(connection, table) for table in ordered}
    seeded = seeded_rows()
    occupied = {name: count for name, count in held.items() if count > seeded.get(name, 0)}
    if occupied and not replace:
        listing = ", ".join(f"{name} ({count})" for name, count in occupied.items())
        raise CopyError(f"目标数据库已有数据：{listing}。加 --replace 清空后再复制 / the target already holds rows: "
                        f"{listing}; add --replace to empty it first (in the same transaction)")
    for table in reversed(ordered):  # children before their parents
        if held[table.name]:
            connection.execute(delete(table))
            if table.name in occupied:
                report.emptied[table.name] = held[table.name]


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _copy_table(reading: Connection, origin: Table, writing: Connection, table: Table, batch_rows: int) -> int:
    columns = [column for column in _copied_columns(table) if column.name in origin.columns]
    if not columns:
        return 0
    copied = 0
    for batch in _batches(reading, origin, [column.name for column in columns], batch_rows):
        writing.execute(insert(table), [_row_for(table, columns, row) for row in batch])
        copied += len(batch)
    return copied


def _batches(connection: Connection, table: Table, names: list[str], batch_rows: int) -> Iterator[list[Any]]:
    """The rows in primary-key order, `batch_rows` at a time; a JSON column also says whether it is SQL NULL (which
    reads back as None, like the JSON value null: the copy keeps the two apart)."""
    flags = [table.c[name].is_(None).label(_NULL_FLAG + name) for name in names if isinstance(table.c[name].type, JSON)]
    query = select(*(table.c[name] for name in names), *flags)
    order = list(table.primary_key.columns) or [table.c[name] for name in names]
    result = connection.execute(query.order_by(*order).execution_options(yield_per=batch_rows))
    for partition in result.mappings().partitions(batch_rows):
        yield list(partition)


def _row_for(table: Table, columns: Sequence[Column[Any]], row: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in columns:
        value = row[column.name]
        if isinstance(column.type, JSON) and row.get(_NULL_FLAG + column.name):
            value = null()
        elif isinstance(value, datetime):
            value = _moment(value, aware=bool(isinstance(column.type, DateTime) and column.type.timezone))
        values[column.name] = value
    return values


def _moment(value: datetime, *, aware: bool) -> datetime:
    """SQLite keeps instants as naive UTC text and PostgreSQL hands them back in the session's zone: both to UTC."""
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc if aware else utc.replace(tzinfo=None)


def _advance_sequences(connection: Connection, ordered: Sequence[Table]) -> None:
    """Explicit ids leave a serial's sequence at 1: move each past the largest id, or the next insert collides."""
    preparer = connection.dialect.identifier_preparer
    for table in ordered:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                      {"table": preparer.format_table(table), "column": keys[0].name}).scalar()
        if sequence is None:
            continue
        largest = connection.execute(select(func.max(keys[0]))).scalar()
        connection.execute(text("SELECT setval(:sequence, :value, :called)"),
                           {"sequence": sequence, "value": largest or 1, "called": largest is not None})


def _rebuild_search(connection: Connection) -> int:
    from app.search.index import rebuild_index

    with Session(bind=connection) as session:  # joins the copy's transaction; commits nothing of its own
        return rebuild_index(session)


def _verify(reading: Connection, source: MetaData, writing: Connection, ordered: Sequence[Table],
            report: CopyReport) -> None:
    """Every table holds as many rows as the source's snapshot did; anything else rolls the copy back."""
    wrong = []
    for table in ordered:
        origin = source.tables.get(table.name)
        expected = 0 if origin is None else _count(reading, origin)
        found = _count(writing, table)
        if not expected == found == report.rows[table.name]:
            wrong.append(f"{table.name}: {expected} → {found}")
    if wrong:
        raise CopyError(f"复制后行数不一致，已回滚 / row counts differ after the copy, rolled back: {'; '.join(wrong)}")
