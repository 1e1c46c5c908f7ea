"""lab runs: the child process of an active run (pid, server pid, start token) and hidden reference results

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every row written before keeps its values; none of them is hidden, and none has a process to look after.
    with op.batch_alter_table("lab_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("server_pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("run_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lab_run", schema=None) as batch_op:
        batch_op.drop_column("run_token")
        batch_op.drop_column("server_pid")
        batch_op.drop_column("pid")
        batch_op.drop_column("hidden")
