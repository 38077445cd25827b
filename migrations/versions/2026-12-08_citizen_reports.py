"""citizens' reports (随手拍): the reports and their photos, the county's public categories, and `citizen` as a
ticket's source

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 18:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = api.database.UTCDateTime


def _sources(sources: str) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode rebuilds the table with the new one.
    with op.batch_alter_table('tickets', recreate='auto') as batch:
        batch.drop_constraint(op.f('ck_tickets_source_known'), type_='check')
        batch.create_check_constraint(op.f('ck_tickets_source_known'), f"source IN ({sources})")


def upgrade() -> None:
    _sources("'inspection', 'supervision', 'citizen'")
    op.create_table('public_categories',
    sa.Column('category_code', String(length=8), nullable=False),
    sa.Column('public_name', String(length=32), nullable=False),
    sa.Column('public_name_en', String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'],
                            name=op.f('fk_public_categories_category_code_categories')),
    sa.PrimaryKeyConstraint('category_code', name=op.f('pk_public_categories'))
    )
    op.create_table('public_reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tracking_code', String(length=16), nullable=False),
    sa.Column('category_code', String(length=8), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('located_at', UTC(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('phone', String(length=20), nullable=True),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.Column('received_at', UTC(timezone=True), nullable=False),
    sa.Column('status', String(length=16), nullable=False),
    sa.Column('reject_reason', String(length=200), nullable=True),
    sa.Column('ticket_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', UTC(timezone=True), nullable=True),
    sa.Column('address_key', String(length=64), nullable=False),
    sa.Column('device_key', String(length=64), nullable=True),
    sa.Column('request_sha256', String(length=64), nullable=False),
    sa.CheckConstraint("status IN ('received', 'accepted', 'merged', 'rejected')",
                       name=op.f('ck_public_reports_status_known')),
    sa.CheckConstraint('lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180',
                       name=op.f('ck_public_reports_location_in_range')),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'],
                            name=op.f('fk_public_reports_category_code_categories')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_public_reports_reviewed_by_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_public_reports_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_reports')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_public_reports_tracking_code'))
    )
    with op.batch_alter_table('public_reports', schema=None) as batch_op:
        batch_op.create_index('ix_public_reports_status_received', ['status', 'received_at', 'id'], unique=False)
        batch_op.create_index('ix_public_reports_address_received', ['address_key', 'received_at'], unique=False)
        batch_op.create_index('ix_public_reports_device_received', ['device_key', 'received_at'], unique=False)
    op.create_table('public_report_photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sha256', String(length=64), nullable=False),
    sa.Column('content_type', String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('received_at', UTC(timezone=True), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['public_reports.id'],
                            name=op.f('fk_public_report_photos_report_id_public_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report_photos'))
    )
    with op.batch_alter_table('public_report_photos', schema=None) as batch_op:
        batch_op.create_index('ix_public_report_photos_report_id', ['report_id', 'position'], unique=False)


def downgrade() -> None:
    # Reports and the tickets made of them are evidence: refuse rather than drop them.
    if op.get_bind().execute(sa.select(sa.func.count()).select_from(sa.table('public_reports'))).scalar():
        raise RuntimeError("citizens' reports exist; downgrading would discard them")
    op.drop_table('public_report_photos')
    op.drop_table('public_reports')
    op.drop_table('public_categories')
    _sources("'inspection', 'supervision'")
