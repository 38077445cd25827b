"""Open311: the county's settings of public reporting (one row), the keys other systems post requests with, and
each report's channel (the page or Open311) and, for Open311, its key and link

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 20:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = api.database.UTCDateTime


def upgrade() -> None:
    op.create_table('citizen_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reviewer_role', String(length=16), nullable=False),
    sa.Column('per_device_hourly', sa.Integer(), nullable=False),
    sa.Column('per_address_hourly', sa.Integer(), nullable=False),
    sa.Column('open311_sources', sa.JSON(), nullable=False),
    sa.Column('location_decimals', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', String(length=64), nullable=True),
    sa.Column('updated_at', UTC(timezone=True), nullable=True),
    sa.Column('updated_by', String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_settings'))
    )
    op.create_table('open311_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system', String(length=64), nullable=False),
    sa.Column('key_sha256', String(length=64), nullable=False),
    sa.Column('prefix', String(length=16), nullable=False),
    sa.Column('hourly_limit', sa.Integer(), nullable=False),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.Column('created_by', String(length=64), nullable=False),
    sa.Column('revoked_at', UTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
    sa.UniqueConstraint('key_sha256', name=op.f('uq_open311_keys_key_sha256'))
    )
    # SQLite cannot add a CHECK constraint or a foreign key to a table: batch mode rebuilds it.
    with op.batch_alter_table('public_reports', recreate='auto') as batch:
        batch.add_column(sa.Column('channel', String(length=16), nullable=False, server_default='page'))
        batch.add_column(sa.Column('api_key_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('media_url', String(length=500), nullable=True))
        batch.create_check_constraint(op.f('ck_public_reports_channel_known'), "channel IN ('page', 'open311')")
        batch.create_foreign_key(op.f('fk_public_reports_api_key_id_open311_keys'), 'open311_keys',
                                 ['api_key_id'], ['id'])
        batch.create_index('ix_public_reports_api_key_received', ['api_key_id', 'received_at'], unique=False)
    with op.batch_alter_table('public_reports') as batch:
        batch.alter_column('channel', server_default=None)


def downgrade() -> None:
    # Reports sent through Open311 are evidence like the others: refuse rather than lose where they came from.
    reports = sa.table('public_reports', sa.column('channel'))
    if op.get_bind().execute(sa.select(sa.func.count()).select_from(reports)
                             .where(reports.c.channel == 'open311')).scalar():
        raise RuntimeError("reports sent through Open311 exist; downgrading would discard where they came from")
    with op.batch_alter_table('public_reports', recreate='auto') as batch:
        batch.drop_index('ix_public_reports_api_key_received')
        batch.drop_constraint(op.f('fk_public_reports_api_key_id_open311_keys'), type_='foreignkey')
        batch.drop_constraint(op.f('ck_public_reports_channel_known'), type_='check')
        batch.drop_column('media_url')
        batch.drop_column('api_key_id')
        batch.drop_column('channel')
    op.drop_table('open311_keys')
    op.drop_table('citizen_settings')
