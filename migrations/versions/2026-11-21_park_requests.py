"""park requests: a bureau asks the dispatcher to park a ticket it cannot fix in time (挂账申请)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 16:20:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "park_requested_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('park_requested_at', api.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('park_request_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=True))
        # By deadline, the desk's order, like pending extension requests (0006).
        batch_op.create_index('ix_tickets_park_requested_deadline', ['deadline_at', 'id'], unique=False,
                              postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_park_requested_deadline')
        batch_op.drop_column('park_request_reason')
        batch_op.drop_column('park_requested_at')
