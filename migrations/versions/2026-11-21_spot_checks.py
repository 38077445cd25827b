"""spot checks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 13:39:17.583987
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('spotcheck_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('closed_from', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_to', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('min_per_bureau', sa.Integer(), nullable=False),
    sa.Column('drawn_by', sa.Integer(), nullable=False),
    sa.Column('drawn_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by'], ['users.id'], name=op.f('fk_spotcheck_draws_drawn_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_draws'))
    )
    op.create_table('spotchecks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Uuid(), nullable=False),
    sa.Column('bureau_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('result_by', sa.Integer(), nullable=True),
    sa.Column('result_at', api.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('action_id', sa.Uuid(), nullable=True),
    sa.Column('request_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("status IN ('open', 'passed', 'failed')", name=op.f('ck_spotchecks_status_known')),
    sa.ForeignKeyConstraint(['bureau_code'], ['bureaus.code'], name=op.f('fk_spotchecks_bureau_code_bureaus')),
    sa.ForeignKeyConstraint(['draw_id'], ['spotcheck_draws.id'], name=op.f('fk_spotchecks_draw_id_spotcheck_draws')),
    sa.ForeignKeyConstraint(['result_by'], ['users.id'], name=op.f('fk_spotchecks_result_by_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_spotchecks_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotchecks')),
    sa.UniqueConstraint('action_id', name=op.f('uq_spotchecks_action_id'))
    )
    with op.batch_alter_table('spotchecks', schema=None) as batch_op:
        batch_op.create_index('ix_spotchecks_status_bureau', ['status', 'bureau_code'], unique=False)
        batch_op.create_index('ix_spotchecks_ticket_id', ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('spotchecks', schema=None) as batch_op:
        batch_op.drop_index('ix_spotchecks_ticket_id')
        batch_op.drop_index('ix_spotchecks_status_bureau')

    op.drop_table('spotchecks')
    op.drop_table('spotcheck_draws')
