"""review and release: sign-offs, review levels, releases, colophon, maps

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Sign-offs are the publisher's record of 三审三校: the database itself refuses to update or
delete one (a trigger on each dialect), so a correction can only be a new row. Review levels
hold one person per level and one level per person (two unique constraints). Proofs remember
the content hash of the album they were rendered from and the sha256 of the PDF written.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('review_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('album_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('album_id', 'level', name='uq_review_level_album_level'),
    sa.UniqueConstraint('album_id', 'user_id', name='uq_review_level_album_user')
    )
    with op.batch_alter_table('review_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_levels_album_id'), ['album_id'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('album_id', sa.Integer(), nullable=False),
    sa.Column('signed_proof_id', sa.Integer(), nullable=False),
    sa.Column('print_proof_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('signers', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['print_proof_id'], ['proofs.id'], ),
    sa.ForeignKeyConstraint(['signed_proof_id'], ['proofs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_album_id'), ['album_id'], unique=False)

    op.create_table('sign_offs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('album_id', sa.Integer(), nullable=False),
    sa.Column('proof_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('signer_name', sa.String(length=120), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('proof_sha256', sa.String(length=64), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], ),
    sa.ForeignKeyConstraint(['corrects_id'], ['sign_offs.id'], ),
    sa.ForeignKeyConstraint(['proof_id'], ['proofs.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_offs_album_id'), ['album_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_offs_proof_id'), ['proof_id'], unique=False)

    with op.batch_alter_table('albums', schema=None) as batch_op:
        batch_op.add_column(sa.Column('colophon', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('glossary', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_map', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('map_basis', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('map_reference', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('proofs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('pdf_sha256', sa.String(length=64), server_default='', nullable=False))

    _create_append_only_triggers()



def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table('proofs', schema=None) as batch_op:
        batch_op.drop_column('pdf_sha256')
        batch_op.drop_column('content_hash')

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('map_reference')
        batch_op.drop_column('map_basis')
        batch_op.drop_column('has_map')

    with op.batch_alter_table('albums', schema=None) as batch_op:
        batch_op.drop_column('glossary')
        batch_op.drop_column('colophon')

    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_offs_proof_id'))
        batch_op.drop_index(batch_op.f('ix_sign_offs_album_id'))

    op.drop_table('sign_offs')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_album_id'))

    op.drop_table('releases')
    with op.batch_alter_table('review_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_levels_album_id'))

    op.drop_table('review_levels')


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION sign_offs_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'sign_offs are append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER sign_offs_append_only BEFORE UPDATE OR DELETE ON sign_offs
            FOR EACH ROW EXECUTE FUNCTION sign_offs_append_only()""")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER sign_offs_no_{action.lower()} BEFORE {action} ON sign_offs
            BEGIN SELECT RAISE(ABORT, 'sign_offs are append-only: {action} refused'); END""")


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sign_offs_append_only ON sign_offs")
        op.execute("DROP FUNCTION IF EXISTS sign_offs_append_only()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS sign_offs_no_{action}")
