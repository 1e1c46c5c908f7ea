"""text fixes per question, a lab on each correction

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:12:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_fix",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("fixed", sa.Text(), nullable=False),
        sa.Column("source_document", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("text_fix", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_text_fix_question_id"), ["question_id"], unique=False)

    # Existing corrections name no lab: the column is nullable and needs no backfill.
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lab", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.drop_column("lab")

    with op.batch_alter_table("text_fix", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_fix_question_id"))

    op.drop_table("text_fix")
