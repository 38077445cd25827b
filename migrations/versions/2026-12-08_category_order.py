"""category order: the place the admin gives each category in the inspector's capture list (categories.position).

Existing categories start in the order the capture screen used until now: the county's common problems first
(parking, stalls, garbage, piled goods…), then the rest by code.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 12:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The PWA's built-in order before this revision (pwa/src/categories.js, COUNTY_ORDER).
COMMON_FIRST = ['0506', '0505', '0502', '0501', '0504', '0102', '0508', '0507', '0201', '0104', '0108', '0509',
                '0510', '0103', '0601', '0606', '0401', '0402', '0403', '0202', '0511']

categories = sa.table("categories", sa.column("code", sa.String), sa.column("position", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
    bind = op.get_bind()
    codes = bind.execute(sa.select(categories.c.code).order_by(categories.c.code)).scalars().all()
    ordered = [c for c in COMMON_FIRST if c in codes] + [c for c in codes if c not in COMMON_FIRST]
    for place, code in enumerate(ordered, 1):
        bind.execute(sa.update(categories).where(categories.c.code == code).values(position=place))


def downgrade() -> None:
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('position')
