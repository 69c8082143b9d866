"""proofs: heartbeat and attempts of a render job; chapters: the editor's opener photo

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

A running job's worker writes ``heartbeat_at`` every few seconds, so a job whose worker died on
another machine is recognised by its stale heartbeat and retried (``attempts`` counts the tries)
instead of counting as alive for ever. ``opener_photo_id`` is the photo an editor picked for a
chapter's opener page; None lets the layout engine choose.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opener_photo_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("heartbeat_at")
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_column("opener_photo_id")
