"""search tokens (SQLite): word and two-character tokens beside the trigram index, and a compact row per question for
ranking and filters, filled from the index as it stands (app/search/tokens.py)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.search.tokens import CREATE_STATEMENTS, GRAMS_TABLE, ROWS_TABLE, WORDS_TABLE, sync_companions

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL searches its own question_search table (app/search/postgres.py)
    for statement in CREATE_STATEMENTS:
        op.execute(sa.text(statement))
    rows = {rowid: tuple(row) for rowid, *row in connection.execute(
        sa.text("SELECT rowid, question_id, title, prompt, answer, extra FROM question_search"))}
    sync_companions(connection, before=rows, after=rows)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in (ROWS_TABLE, GRAMS_TABLE, WORDS_TABLE):
        op.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
