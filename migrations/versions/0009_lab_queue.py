"""lab queue and cross-process state: one running lab per device across every worker (a partial unique index), the
server process that owns a run, a run's stop request and progress in its row; the shared content revision

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_table(
        "shared_state",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute(sa.text("INSERT INTO shared_state (name, revision) VALUES ('content', 0)"))
    with op.batch_alter_table("lab_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("server", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column("stop_reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("progress", sa.JSON(), nullable=True))
    # Before the index can hold, a device may have only one run marked running: older servers refused a second
    # start, so more than one is a leftover of a crash; the newest is kept (the start-up sweep judges it).
    op.execute(sa.text(
        "UPDATE lab_run SET status = 'failed', error = 'left behind by an earlier server' "
        "WHERE status = 'running' AND id NOT IN "
        "(SELECT newest FROM (SELECT max(id) AS newest FROM lab_run WHERE status = 'running' GROUP BY device) kept)"))
    op.create_index("ux_lab_run_running_device", "lab_run", ["device"], unique=True,
                    sqlite_where=RUNNING, postgresql_where=RUNNING)
    op.create_index("ix_lab_run_status", "lab_run", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lab_run_status", table_name="lab_run")
    op.drop_index("ux_lab_run_running_device", table_name="lab_run")
    with op.batch_alter_table("lab_run", schema=None) as batch_op:
        batch_op.drop_column("progress")
        batch_op.drop_column("stop_reason")
        batch_op.drop_column("server")
    op.drop_table("shared_state")
