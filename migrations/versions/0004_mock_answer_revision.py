"""mock answers carry the revision of their stored text

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Answers saved before revisions existed start at 0: any client revision (1 and up) is newer than them.
    with op.batch_alter_table("mock_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("mock_answer", schema=None) as batch_op:
        batch_op.drop_column("revision")
