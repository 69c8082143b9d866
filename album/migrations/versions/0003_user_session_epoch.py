"""users: session_epoch, so that signing out ends a user's sessions on the server

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

A session cookie carries the user's id and the epoch it was issued in; signing out, a new
password or disabling the account moves the epoch on, and every cookie issued before (a copy
included) stops opening anything.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
