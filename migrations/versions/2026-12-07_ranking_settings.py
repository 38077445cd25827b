"""ranking settings, closed periods' frozen counts and the event index the indicators read: a county's weights of the composite score, its
minimum of tickets due and the lengths of the red and black lists (one row, set by a configuration import);
a period's events of one kind, and the tickets changed since a moment, read off (action, at, ticket_id, to_status)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 16:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ranking_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('min_due', sa.Integer(), nullable=False),
    sa.Column('red', sa.Integer(), nullable=False),
    sa.Column('black', sa.Integer(), nullable=False),
    sa.Column('updated_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_settings'))
    )
    op.create_table('indicator_tallies',
    sa.Column('grouping', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('starts_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('counted_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('grouping', 'starts_at', 'ends_at', name=op.f('pk_indicator_tallies'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_action_at', ['action', 'at', 'ticket_id', 'to_status'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_action_at')
    op.drop_table('indicator_tallies')
    op.drop_table('ranking_settings')
