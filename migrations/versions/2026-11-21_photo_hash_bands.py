"""photo hash bands: each received photo's perceptual hash, byte by byte, so the near-duplicate check
reads the photos sharing a byte with the new one instead of every hash (api/photos/service.py)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 19:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bands = op.create_table(
        'photo_hash_bands',
        sa.Column('band', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('photo_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_photo_hash_bands_photo_id_photos')),
        sa.PrimaryKeyConstraint('band', 'value', 'photo_id', name=op.f('pk_photo_hash_bands')),
    )
    photos = sa.table('photos', sa.column('id', sa.Uuid()), sa.column('phash', sa.String()))
    rows = op.get_bind().execute(sa.select(photos.c.id, photos.c.phash).where(photos.c.phash.is_not(None))).all()
    batch = []
    for photo_id, phash in rows:
        batch += [{"band": band, "value": int(phash[2 * band:2 * band + 2], 16), "photo_id": photo_id}
                  for band in range(8)]
        if len(batch) >= 8000:
            op.bulk_insert(bands, batch)
            batch = []
    if batch:
        op.bulk_insert(bands, batch)


def downgrade() -> None:
    op.drop_table('photo_hash_bands')
