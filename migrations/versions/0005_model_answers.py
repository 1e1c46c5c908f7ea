"""questions carry PrepLab's model answer beside the document's original; corrections quote the wrong claim

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Until the next import every stored answer is the document's own, so it is copied as the original.
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_answer", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("original_explanation", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("has_model_answer", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("model_references", sa.JSON(), nullable=False, server_default="[]"))
    op.execute("UPDATE question SET original_answer = answer, original_explanation = explanation")
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.drop_column("quote")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_column("model_references")
        batch_op.drop_column("has_model_answer")
        batch_op.drop_column("original_explanation")
        batch_op.drop_column("original_answer")
