"""capture times before the year 1000 readable again on SQLite: the capture path stored such a year
unpadded ('999-06-01 …'), which no read parses, and the ticket broke its author's list for good. Their
year is padded, as the ORM writes it; captures are now refused outside a plausible window (api/inputs.py),
so none arrive anew. PostgreSQL stored them as timestamps, and needs nothing.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As SQLite holds them: text.
tickets = sa.table("tickets", sa.column("id", sa.String), sa.column("located_at", sa.String),
                   sa.column("captured_at", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for column in (tickets.c.located_at, tickets.c.captured_at):
        unpadded = bind.execute(sa.select(tickets.c.id, column).where(sa.func.substr(column, 5, 1) != "-")).all()
        for ticket_id, value in unpadded:
            year, rest = value.split("-", 1)
            bind.execute(sa.update(tickets).where(tickets.c.id == ticket_id)
                         .values({column.name: f"{int(year):04d}-{rest}"}))


def downgrade() -> None:
    pass  # a padded year is what every read expects
