"""ticket workflow: rework count, escalation (督办), dispatch time, parking (挂账), extensions (延期)

Existing rows get 0 / false / null.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 13:34:27.120743
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rework_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('escalated', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('dispatched_at', api.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('parked_at', api.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('parked_from', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('parked_seconds', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('extension_until', api.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extension_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('extension_reason')
        batch_op.drop_column('extension_until')
        batch_op.drop_column('parked_seconds')
        batch_op.drop_column('parked_from')
        batch_op.drop_column('parked_at')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('escalated')
        batch_op.drop_column('rework_count')

