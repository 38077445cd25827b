"""the readiness board's index of the tickets at key points by closing time: the open ones and those closed in
its window, without walking every older ticket of a point

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As api.patrols.models.WORKED_AT_KEY_POINT (the board's query repeats it word for word, so SQLite uses the index).
WORKED_AT_KEY_POINT = ("key_point_id IS NOT NULL AND status IN ('reported', 'dispatched', 'accepted', 'rectified', "
                       "'rework', 'returned', 'parked', 'closed')")


def upgrade() -> None:
    op.create_index('ix_tickets_key_point_closed', 'tickets',
                    ['key_point_id', 'closed_at', 'created_at', 'status', 'deadline_at', 'rectified_at',
                     'category_code', 'id'], unique=False,
                    postgresql_where=sa.text(WORKED_AT_KEY_POINT), sqlite_where=sa.text(WORKED_AT_KEY_POINT))


def downgrade() -> None:
    op.drop_index('ix_tickets_key_point_closed', table_name='tickets')
