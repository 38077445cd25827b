"""audit trail: one row per admin change (who, when, which entity, the changed fields before and after)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = api.database.UTCDateTime


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UTC(timezone=True), nullable=False),
    sa.Column('actor', String(length=64), nullable=False),
    sa.Column('entity', String(length=32), nullable=False),
    sa.Column('entity_key', String(length=128), nullable=False),
    sa.Column('action', String(length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_entity_id', ['entity', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('audit_entries')
