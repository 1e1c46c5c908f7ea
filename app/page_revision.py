"""Which learner's pages a write may have changed: a counter per learner, bumped by the database itself.

Triggers on every table a cached page reads (app/page_cache.py) add one to `page_revision.revision` for the learner
who owns the written row, in the writing transaction: whoever writes (a route, `preplab import --progress`, `preplab
users`, `preplab db copy`, another worker, a hand-typed UPDATE), the counter moves when the data does and not before
it commits. Rows that belong to no learner (the shipped lab references) count under user 0. Bank content has its own
counter, the content revision an import bumps (app/shared_state.py), which every content cache already follows.

A page cached under (content revision, user 0's revision, the learner's revision, the epoch) is therefore current
exactly while those numbers are unchanged, in every process on the database. The counters only go up, except when
the data is replaced wholesale (`preplab restore`, `preplab db copy --replace`), which draws a new random epoch.

SQLite's ALTER TABLE cannot change most things in place, so Alembic's batch mode rebuilds a table, and a rebuilt
table has lost its triggers: `missing_triggers` names any that are gone (the page cache stays off then, and
tests/test_page_cache.py fails at head), and a migration that rebuilds one of these tables calls `create_triggers`
again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.clock import utcnow

TABLE = "page_revision"
# shared_state's row whose value is random, drawn again whenever the data is replaced wholesale (a restore, a
# copy over a database): counters that went back cannot then meet a page cached before.
EPOCH = "epoch"
FUNCTION = "preplab_page_revision"  # PostgreSQL's trigger function


@dataclass(frozen=True)
class Watched:
    """A table whose rows a cached page shows: `owner` is its learner column ("": rows of no learner's);
    `columns`, when given, are the only columns whose update can change a page (a lab's progress, written every
    second while it runs, cannot)."""

    table: str
    owner: str = "user_id"
    columns: tuple[str, ...] = ()


# The question page reads: the card and its review count, the note, the bookmark, the learner's controls, their
# preferences (language, theme, retention), their name and role (team mode's header), and the lab runs it shows.
WATCHED = (
    Watched("review_card"),
    Watched("review_log"),
    Watched("note"),
    Watched("bookmark"),
    Watched("learner_question"),
    Watched("user_settings"),
    Watched("user", owner="id", columns=("name", "role", "disabled")),
    Watched("lab_run", columns=("status", "result", "finished_at", "hidden", "reference", "user_id", "lab")),
    # No learner's (user 0): an import bumps the content revision too, but a question row written any other way
    # (its content hash is everything an import writes for it) still changes its page.
    Watched("question", owner=""),
)

def _name(watched: Watched, operation: str) -> str:
    return f"page_revision_{watched.table}_{operation}"


def _quoted(table: str) -> str:
    return f'"{table}"'  # "user" is a reserved word on PostgreSQL


def _sqlite_bump(owner: str, *, unless_same_as: str | None = None) -> str:
    target = f"COALESCE({owner}, 0)"
    other = f" AND {target} != COALESCE({unless_same_as}, 0)" if unless_same_as else ""
    return (f"INSERT OR IGNORE INTO {TABLE} (user_id, revision) VALUES ({target}, 0); "
            f"UPDATE {TABLE} SET revision = revision + 1 WHERE user_id = {target}{other};")


def _sqlite_statements() -> list[str]:
    statements = []
    for watched in WATCHED:
        table = _quoted(watched.table)
        old, new = (f"OLD.{watched.owner}", f"NEW.{watched.owner}") if watched.owner else ("NULL", "NULL")
        statements.append(f"CREATE TRIGGER {_name(watched, 'insert')} AFTER INSERT ON {table} BEGIN "
                          f"{_sqlite_bump(new)} END")
        statements.append(f"CREATE TRIGGER {_name(watched, 'delete')} AFTER DELETE ON {table} BEGIN "
                          f"{_sqlite_bump(old)} END")
        of = f" OF {', '.join(watched.columns)}" if watched.columns else ""
        # Both owners (once each): a row handed from one learner to another changes both learners' pages.
        statements.append(f"CREATE TRIGGER {_name(watched, 'update')} AFTER UPDATE{of} ON {table} BEGIN "
                          f"{_sqlite_bump(old)} {_sqlite_bump(new, unless_same_as=old)} END")
    return statements


_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    owners bigint[] := ARRAY[]::bigint[];
    owner bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        owners := owners || COALESCE((to_jsonb(NEW) ->> TG_ARGV[0])::bigint, 0);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        owners := owners || COALESCE((to_jsonb(OLD) ->> TG_ARGV[0])::bigint, 0);
    END IF;
    FOREACH owner IN ARRAY (SELECT array_agg(DISTINCT o) FROM unnest(owners) AS o) LOOP
        INSERT INTO {TABLE} (user_id, revision) VALUES (owner, 1)
        ON CONFLICT (user_id) DO UPDATE SET revision = {TABLE}.revision + 1;
    END LOOP;
    RETURN NULL;
END
$body$
"""


def _postgres_statements() -> list[str]:
    statements = [_POSTGRES_FUNCTION]
    for watched in WATCHED:
        table = _quoted(watched.table)
        call = f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}('{watched.owner}')"
        statements.append(f"CREATE TRIGGER {_name(watched, 'insert')} AFTER INSERT OR DELETE ON {table} {call}")
        of = f" OF {', '.join(watched.columns)}" if watched.columns else ""
        statements.append(f"CREATE TRIGGER {_name(watched, 'update')} AFTER UPDATE{of} ON {table} {call}")
    return statements


def trigger_names(dialect: str) -> set[str]:
    operations = ("insert", "delete", "update") if dialect == "sqlite" else ("insert", "update")
    return {_name(watched, operation) for watched in WATCHED for operation in operations}


def create_triggers(connection: Connection) -> None:
    """The triggers on every watched table (dropped first, so a migration may call this again after a rebuild)."""
    drop_triggers(connection)
    statements = _sqlite_statements() if connection.dialect.name == "sqlite" else _postgres_statements()
    for statement in statements:
        connection.execute(text(statement))


def drop_triggers(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    for watched in WATCHED:
        for operation in ("insert", "delete", "update"):
            name = _name(watched, operation)
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}" if sqlite else
                                    f"DROP TRIGGER IF EXISTS {name} ON {_quoted(watched.table)}"))
    if not sqlite:
        connection.execute(text(f"DROP FUNCTION IF EXISTS {FUNCTION}()"))


def missing_triggers(connection: Connection) -> set[str]:
    """The triggers this module installs that the database does not have (all of them before migration 0011)."""
    if connection.dialect.name == "sqlite":
        found = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
    else:
        found = connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars()
    return trigger_names(connection.dialect.name) - set(found)


# What a cached page depends on, in one statement: (content, no one's rows, the learner's, the epoch).
Revisions = tuple[int, int, int, int]
REVISIONS = text(
    "SELECT (SELECT revision FROM shared_state WHERE name = 'content'), "
    f"(SELECT revision FROM {TABLE} WHERE user_id = 0), "
    f"(SELECT revision FROM {TABLE} WHERE user_id = :user_id), "
    f"(SELECT revision FROM shared_state WHERE name = '{EPOCH}')")


def revisions(connection: Connection, user_id: int) -> Revisions:
    row = connection.execute(REVISIONS, {"user_id": user_id}).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


def epoch_statements() -> tuple[str, str]:
    """(update, insert) of a new epoch, each with :value and :now; the insert only where the update found no row."""
    return (f"UPDATE shared_state SET revision = :value, changed_at = :now WHERE name = '{EPOCH}'",
            f"INSERT INTO shared_state (name, revision, changed_at) VALUES ('{EPOCH}', :value, :now)")


def epoch_value() -> int:
    """A random epoch that fits shared_state.revision (a 32-bit INTEGER on PostgreSQL), never 0 (no epoch yet)."""
    return secrets.randbelow(2**31 - 2) + 1


def new_epoch(connection: Connection) -> None:
    """The database's data was replaced wholesale (`preplab db copy --replace`): every counter may now hold a value
    it held before, so every page cached under the old ones is made stale by a new random epoch."""
    update, insert = epoch_statements()
    values = {"value": epoch_value(), "now": utcnow()}
    if connection.execute(text(update), values).rowcount == 0:
        connection.execute(text(insert), values)
