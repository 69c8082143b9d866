"""collection campaign: units, rounds, targets, issued reports, letters sent

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

供稿单位 becomes a table (省直部门 / 市州 / 县（市、区）, with contacts and aliases); users and
photos point at a unit while ``photos.unit`` keeps the caption's text as printed. An existing
home's free-text units become unit rows here, one per distinct name, their level guessed from
the name's ending (editors correct levels and parents afterwards), and photos and users are
mapped to them.
"""
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 县、区、旗 are county-level; 州、盟、地区 and other 市 are taken as 市州; the rest as 省直部门.
COUNTY_ENDINGS = ("县", "区", "旗")
CITY_ENDINGS = ("州", "盟", "地区", "市")


def _guess_level(name: str) -> str:
    if name.endswith(COUNTY_ENDINGS):
        return "county"
    if name.endswith(CITY_ENDINGS):
        return "city"
    return "province"


def _units_from_free_text(bind: sa.Connection) -> None:
    """One unit per distinct non-empty 供稿单位 text of photos and users; rows point at it."""
    names = set()
    for table in ("photos", "users"):
        names.update(n.strip() for n in bind.execute(sa.text(f"SELECT DISTINCT unit FROM {table}")).scalars()
                     if n and n.strip())
    units = sa.table("units", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("level", sa.String), sa.column("contact", sa.String),
                     sa.column("phone", sa.String), sa.column("email", sa.String),
                     sa.column("aliases", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    if names:
        bind.execute(units.insert(), [
            {"name": n, "level": _guess_level(n), "contact": "", "phone": "", "email": "",
             "aliases": [], "created_at": now} for n in sorted(names)])
    for table in ("photos", "users"):
        bind.execute(sa.text(f"UPDATE {table} SET unit_id = (SELECT units.id FROM units "
                             f"WHERE units.name = TRIM({table}.unit)) WHERE unit <> ''"))


def upgrade() -> None:
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.Enum('province', 'city', 'county', name='unitlevel', native_enum=False, length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('contact', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=60), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('collection_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('album_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('album_id', 'number', name='uq_round_album_number')
    )
    with op.batch_alter_table('collection_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_rounds_album_id'), ['album_id'], unique=False)

    op.create_table('letters_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('album_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['collection_rounds.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('letters_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_sent_album_id'), ['album_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_sent_unit_id'), ['unit_id'], unique=False)

    op.create_table('progress_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('album_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['album_id'], ['albums.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['collection_rounds.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('album_id', 'number', name='uq_progress_report_number')
    )
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_reports_album_id'), ['album_id'], unique=False)

    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapters.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['collection_rounds.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_targets_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_targets_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_photos_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key('fk_photos_unit_id', 'units', ['unit_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key('fk_users_unit_id', 'units', ['unit_id'], ['id'], ondelete='SET NULL')

    _units_from_free_text(op.get_bind())



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('fk_users_unit_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_unit_id'))
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_constraint('fk_photos_unit_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_photos_unit_id'))
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_targets_unit_id'))
        batch_op.drop_index(batch_op.f('ix_targets_round_id'))

    op.drop_table('targets')
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_reports_album_id'))

    op.drop_table('progress_reports')
    with op.batch_alter_table('letters_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_sent_unit_id'))
        batch_op.drop_index(batch_op.f('ix_letters_sent_album_id'))

    op.drop_table('letters_sent')
    with op.batch_alter_table('collection_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_rounds_album_id'))

    op.drop_table('collection_rounds')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))

    op.drop_table('units')
