"""users: when the last failed login was (failed attempts count within a window)

Five failed logins lock a username for 15 minutes. A username with no account is counted the
same way, in a bounded store whose entries expire 15 minutes after their last attempt (typing a
million names fills nothing); so that the two cannot be told apart, an account's failures are
forgotten 15 minutes after the last one too, which needs the time of that failure.

Revision ID: 0005
Revises: 0003 (0004 belongs to another branch; the coordinator sets the chain on merge)
Create Date: 2026-12-05 05:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("failed_at")
