"""exports (台账): one row per ledger export, generated in the background under a lease, its file named by
SHA-256, with who made it, when and with which filters; a CSV feed's token kept hashed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = api.database.UTCDateTime


def upgrade() -> None:
    op.create_table('exports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('format', String(length=8), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('status', String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.Column('sha256', String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('file_name', String(length=200), nullable=False),
    sa.Column('error', String(length=500), nullable=True),
    sa.Column('error_en', String(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_token', sa.Uuid(), nullable=True),
    sa.Column('lease_until', UTC(timezone=True), nullable=True),
    sa.Column('feed_token_sha256', String(length=64), nullable=True),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('generated_at', UTC(timezone=True), nullable=True),
    sa.Column('expires_at', UTC(timezone=True), nullable=True),
    sa.CheckConstraint("format IN ('xlsx', 'pdf', 'csv')", name=op.f('ck_exports_format_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_exports_status_known')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_exports_progress_in_range')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_exports_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exports'))
    )
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.create_index('ix_exports_status_lease', ['status', 'lease_until'], unique=False)
        batch_op.create_index('ix_exports_expires', ['expires_at'], unique=False)
        batch_op.create_index('ix_exports_creator', ['created_by', 'created_at'], unique=False)
        batch_op.create_index('ix_exports_feed_token', ['feed_token_sha256'], unique=True)


def downgrade() -> None:
    op.drop_table('exports')
