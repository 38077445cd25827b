"""verification photos (核查照片), and when a ticket was last rectified (the bureau's clock stops there)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 15:50:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(kinds: str) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode rebuilds the table with the new one.
    with op.batch_alter_table('photos', recreate='auto') as batch:
        batch.drop_constraint(op.f('ck_photos_kind_known'), type_='check')
        batch.create_check_constraint(op.f('ck_photos_kind_known'), f"kind IN ({kinds})")


def upgrade() -> None:
    _kinds("'before', 'after', 'verification', 'spotcheck'")
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('rectified_at', api.database.UTCDateTime(timezone=True), nullable=True))
    # Tickets rectified before this column existed: the time of their last rectify event.
    op.execute("UPDATE tickets SET rectified_at = (SELECT max(at) FROM ticket_events e "
               "WHERE e.ticket_id = tickets.id AND e.action = 'rectify') "
               "WHERE status IN ('rectified', 'closed')")


def downgrade() -> None:
    # Photos are evidence: refuse rather than drop them.
    if op.get_bind().exec_driver_sql("SELECT count(*) FROM photos WHERE kind = 'verification'").scalar():
        raise RuntimeError("verification photos exist; downgrading would discard evidence")
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('rectified_at')
    _kinds("'before', 'after', 'spotcheck'")
