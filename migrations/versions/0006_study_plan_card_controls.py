"""an interview date and topics, a daily review cap; a learner's own controls on a question (suspend, bury, flag,
their own wording)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Settings rows written before the planner keep every value; the new ones start empty (no interview yet).
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("daily_review_limit", sa.Integer(), nullable=False, server_default="100"))
        batch_op.add_column(sa.Column("interview_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("interview_topics", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "learner_question",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("buried_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag", sa.Integer(), nullable=True),
        sa.Column("own_prompt", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id", "question_id"),
    )


def downgrade() -> None:
    op.drop_table("learner_question")
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.drop_column("interview_topics")
        batch_op.drop_column("interview_date")
        batch_op.drop_column("daily_review_limit")
