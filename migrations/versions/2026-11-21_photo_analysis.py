"""photo analysis: photos are analysed (copies, perceptual hash, likeness flags) after the upload is
acknowledged; analysed_at records when, a partial index finds those still waiting, and
analysis_attempts counts the worker's tries at one whose analysis keeps failing

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 21:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "received_at IS NOT NULL AND analysed_at IS NULL"


def upgrade() -> None:
    op.add_column('photos', sa.Column('analysed_at', api.database.UTCDateTime(timezone=True), nullable=True))
    op.add_column('photos', sa.Column('analysis_attempts', sa.Integer(), nullable=False, server_default='0'))
    # Photos received so far were analysed on upload, before this change.
    op.execute("UPDATE photos SET analysed_at = received_at WHERE received_at IS NOT NULL")
    op.create_index('ix_photos_analysis_pending', 'photos', ['received_at'], unique=False,
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index('ix_photos_analysis_pending', table_name='photos',
                  postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    # Plain ALTER TABLE on both engines (SQLite >= 3.35): a batch copy of photos would trip the foreign
    # keys that point at it.
    op.execute("ALTER TABLE photos DROP COLUMN analysis_attempts")
    op.execute("ALTER TABLE photos DROP COLUMN analysed_at")
