"""bulletins (通报): one row per document, generated in the background under a lease, its PDF named by SHA-256,
and a version number unique among a period's published ones

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = api.database.UTCDateTime
PUBLISHED = "published_at IS NOT NULL"


def upgrade() -> None:
    op.create_table('bulletins',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', String(length=16), nullable=False),
    sa.Column('period', String(length=16), nullable=False),
    sa.Column('status', String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('showcase_ticket_ids', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Uuid(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('sha256', String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('error', String(length=500), nullable=True),
    sa.Column('error_en', String(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_token', sa.Uuid(), nullable=True),
    sa.Column('lease_until', UTC(timezone=True), nullable=True),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('generated_at', UTC(timezone=True), nullable=True),
    sa.Column('published_at', UTC(timezone=True), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('weekly', 'monthly', 'quarterly')", name=op.f('ck_bulletins_kind_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_bulletins_status_known')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_bulletins_progress_in_range')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_bulletins_created_by_users')),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_bulletins_published_by_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['bulletins.id'], name=op.f('fk_bulletins_supersedes_id_bulletins')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletins'))
    )
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.create_index('ix_bulletins_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_bulletins_status_lease', ['status', 'lease_until'], unique=False)
        batch_op.create_index('uq_bulletins_published_version', ['kind', 'period', 'version'], unique=True,
                              postgresql_where=sa.text(PUBLISHED), sqlite_where=sa.text(PUBLISHED))


def downgrade() -> None:
    op.drop_table('bulletins')
