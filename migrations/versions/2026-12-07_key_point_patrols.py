"""key points as a domain of their own: the registry's new columns, checklists by point type (versioned),
patrols and their photos, and the key point, patrol and checklist item a ticket was raised at

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 11:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = api.database.UTCDateTime
AT_KEY_POINT = "key_point_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table('key_points', schema=None) as batch_op:
        batch_op.drop_constraint('fk_key_points_owner_bureau_code_bureaus', type_='foreignkey')
        batch_op.alter_column('owner_bureau_code', new_column_name='bureau_code',
                              existing_type=sa.String(length=32), existing_nullable=True)
    with op.batch_alter_table('key_points', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_key_points_bureau_code_bureaus'), 'bureaus', ['bureau_code'],
                                    ['code'])
        batch_op.create_index(batch_op.f('ix_key_points_bureau_code'), ['bureau_code'], unique=False)
        batch_op.add_column(sa.Column('camera_no', String(length=32), nullable=True))
        batch_op.add_column(sa.Column('camera_view', String(length=128), nullable=True))
        # Existing points: CCTV and declared ones were the daily ones already.
        batch_op.add_column(sa.Column('patrol_frequency', String(length=8), nullable=False,
                                      server_default='daily'))
        batch_op.add_column(sa.Column('active_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('active_to', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('updated_at', UTC(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.create_check_constraint('frequency_known', "patrol_frequency IN ('daily', 'weekly')")
        batch_op.create_check_constraint('location_in_range', 'lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180')
    key_points = sa.table('key_points', sa.column('patrol_frequency', sa.String), sa.column('has_cctv', sa.Boolean),
                          sa.column('is_declared', sa.Boolean))
    op.execute(key_points.update().where(~key_points.c.has_cctv & ~key_points.c.is_declared)
               .values(patrol_frequency='weekly'))
    with op.batch_alter_table('key_points', schema=None) as batch_op:
        for column in ('patrol_frequency', 'is_active', 'updated_at'):
            batch_op.alter_column(column, server_default=None)

    op.create_table('checklist_versions',
    sa.Column('point_type_code', String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('updated_at', UTC(timezone=True), nullable=False),
    sa.Column('updated_by', String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['point_type_code'], ['point_types.code'],
                            name=op.f('fk_checklist_versions_point_type_code_point_types')),
    sa.PrimaryKeyConstraint('point_type_code', 'version', name=op.f('pk_checklist_versions'))
    )
    op.create_table('patrols',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key_point_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('started_at', UTC(timezone=True), nullable=False),
    sa.Column('finished_at', UTC(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('located_at', UTC(timezone=True), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('off_site_reason', String(length=500), nullable=True),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('request_sha256', String(length=64), nullable=False),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_patrols_inspector_id_users')),
    sa.ForeignKeyConstraint(['key_point_id'], ['key_points.id'], name=op.f('fk_patrols_key_point_id_key_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrols'))
    )
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.create_index('ix_patrols_day', ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrols_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index('ix_patrols_key_point_day', ['key_point_id', 'day'], unique=False)
    op.create_table('patrol_photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('patrol_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sha256', String(length=64), nullable=False),
    sa.Column('content_type', String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('received_at', UTC(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id'], name=op.f('fk_patrol_photos_patrol_id_patrols')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_photos'))
    )
    with op.batch_alter_table('patrol_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_photos_patrol_id'), ['patrol_id'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_point_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('patrol_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('checklist_item', String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_key_point_id_key_points'), 'key_points',
                                    ['key_point_id'], ['id'])
        # The readiness board reads a key point's tickets from this index alone: only tickets raised at a key
        # point, with every column it reads (a plain (key_point_id, created_at) index made SQLite scan the
        # table, its statistics counting the tickets without a point as one key value).
        batch_op.create_index('ix_tickets_key_point', ['key_point_id', 'created_at', 'status', 'closed_at',
                                                       'deadline_at', 'rectified_at', 'category_code', 'id'],
                              unique=False, postgresql_where=sa.text(AT_KEY_POINT),
                              sqlite_where=sa.text(AT_KEY_POINT))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_key_point')
        batch_op.drop_constraint(batch_op.f('fk_tickets_key_point_id_key_points'), type_='foreignkey')
        batch_op.drop_column('checklist_item')
        batch_op.drop_column('patrol_id')
        batch_op.drop_column('key_point_id')
    with op.batch_alter_table('patrol_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_photos_patrol_id'))
    op.drop_table('patrol_photos')
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.drop_index('ix_patrols_key_point_day')
        batch_op.drop_index(batch_op.f('ix_patrols_inspector_id'))
        batch_op.drop_index('ix_patrols_day')
    op.drop_table('patrols')
    op.drop_table('checklist_versions')
    with op.batch_alter_table('key_points', schema=None) as batch_op:
        batch_op.drop_constraint('location_in_range', type_='check')
        batch_op.drop_constraint('frequency_known', type_='check')
        for column in ('updated_at', 'is_active', 'active_to', 'active_from', 'patrol_frequency', 'camera_view',
                       'camera_no'):
            batch_op.drop_column(column)
        batch_op.drop_index(batch_op.f('ix_key_points_bureau_code'))
        batch_op.drop_constraint(batch_op.f('fk_key_points_bureau_code_bureaus'), type_='foreignkey')
        batch_op.alter_column('bureau_code', new_column_name='owner_bureau_code',
                              existing_type=sa.String(length=32), existing_nullable=True)
    with op.batch_alter_table('key_points', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_key_points_owner_bureau_code_bureaus', 'bureaus', ['owner_bureau_code'],
                                    ['code'])
