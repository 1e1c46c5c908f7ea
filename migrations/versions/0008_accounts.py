"""accounts (team mode): a user's password hash, role and disabled flag; sign-in sessions; sign-in attempts (the
back-off); who started a lab run

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Users written before keep their names and data: no password (they cannot sign in until an admin sets one),
    # role learner, enabled. created_at was nullable since 0001; rows without one get the migration's time.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default="learner"))
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text('UPDATE "user" SET created_at = CURRENT_TIMESTAMP WHERE created_at IS NULL'))
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name="fk_auth_session_user_id_user"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index("ux_auth_session_token_hash", ["token_hash"], unique=True)
        batch_op.create_index("ix_auth_session_user_id", ["user_id"], unique=False)
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_attempt_user_time", ["user_name", "attempted_at"], unique=False)
        batch_op.create_index("ix_sign_in_attempt_client_time", ["client", "attempted_at"], unique=False)
    # The shipped references belong to no one. Runs measured before on a PrepLab of one user are that user's; on
    # a database of several users (or none) nobody can tell whose they were, so they stay everyone's, as before.
    with op.batch_alter_table("lab_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_lab_run_user_id", ["user_id"], unique=False)
        batch_op.create_foreign_key("fk_lab_run_user_id_user", "user", ["user_id"], ["id"])
    op.execute(sa.text(
        'UPDATE lab_run SET user_id = (SELECT min(id) FROM "user") '
        'WHERE reference = :no AND (SELECT count(*) FROM "user") = 1').bindparams(no=False))


def downgrade() -> None:
    with op.batch_alter_table("lab_run", schema=None) as batch_op:
        batch_op.drop_constraint("fk_lab_run_user_id_user", type_="foreignkey")
        batch_op.drop_index("ix_lab_run_user_id")
        batch_op.drop_column("user_id")
    op.drop_table("sign_in_attempt")
    op.drop_table("auth_session")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("disabled")
        batch_op.drop_column("role")
        batch_op.drop_column("password_hash")
