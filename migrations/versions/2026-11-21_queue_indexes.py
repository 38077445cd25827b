"""queue indexes: partial indexes that hand out queue pages in order

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 15:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same WHERE terms as api.tickets.models (queries repeat them word for word, so SQLite uses the indexes).
BUREAU_OPEN = "status IN ('dispatched', 'accepted', 'rework', 'rectified')"
REPORTED = "status IN ('reported')"
EXTENSION_PENDING = "extension_until IS NOT NULL"


def _where(sql: str) -> dict:
    return {"postgresql_where": sa.text(sql), "sqlite_where": sa.text(sql)}


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_bureau_open_deadline', ['bureau_code', 'deadline_at', 'id'], unique=False,
                              **_where(BUREAU_OPEN))
        batch_op.create_index('ix_tickets_reported_created', ['created_at', 'id'], unique=False, **_where(REPORTED))
        batch_op.create_index('ix_tickets_extension_pending_deadline', ['deadline_at', 'id'], unique=False,
                              **_where(EXTENSION_PENDING))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_extension_pending_deadline')
        batch_op.drop_index('ix_tickets_reported_created')
        batch_op.drop_index('ix_tickets_bureau_open_deadline')
