"""render_parts: a render drawn in parts by several workers; proofs: parts total and done

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

Each part of a distributed render is its own small job (claimed, beating, retried alone); the
proof counts its parts so that the worker finishing the last one, and only that one, starts
the join, and so that progress is parts done over parts total.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "render_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proof_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("first_sheet", sa.Integer(), nullable=False),
        sa.Column("stop_sheet", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["proof_id"], ["proofs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proof_id", "index", name="uq_render_part_proof_index"),
    )
    with op.batch_alter_table("render_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_render_parts_proof_id"), ["proof_id"], unique=False)
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts_total", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("parts_done", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.drop_column("parts_done")
        batch_op.drop_column("parts_total")
    with op.batch_alter_table("render_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_render_parts_proof_id"))
    op.drop_table("render_parts")
