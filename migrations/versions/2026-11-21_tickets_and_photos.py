"""tickets and photos

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:37:33.104438
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tickets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('category_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('point_type_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('located_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('captured_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cell_override', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=True),
    sa.Column('cell_code', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=True),
    sa.Column('bureau_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('routing_rule_id', sa.Integer(), nullable=True),
    sa.Column('routing_source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('routing_reason', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
    sa.Column('routing_reason_en', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
    sa.Column('deadline_at', api.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recurring_of', sa.Uuid(), nullable=True),
    sa.Column('request_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', api.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', api.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("source IN ('inspection', 'supervision')", name=op.f('ck_tickets_source_known')),
    sa.CheckConstraint("status IN ('incomplete', 'reported', 'dispatched', 'accepted', 'rectified', 'rework', 'closed', 'returned', 'parked', 'cancelled')", name=op.f('ck_tickets_status_known')),
    sa.CheckConstraint('lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180', name=op.f('ck_tickets_location_in_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_tickets_author_id_users')),
    sa.ForeignKeyConstraint(['bureau_code'], ['bureaus.code'], name=op.f('fk_tickets_bureau_code_bureaus')),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_tickets_category_code_categories')),
    sa.ForeignKeyConstraint(['cell_code'], ['grid_cells.code'], name=op.f('fk_tickets_cell_code_grid_cells')),
    sa.ForeignKeyConstraint(['cell_override'], ['grid_cells.code'], name=op.f('fk_tickets_cell_override_grid_cells')),
    sa.ForeignKeyConstraint(['point_type_code'], ['point_types.code'], name=op.f('fk_tickets_point_type_code_point_types')),
    sa.ForeignKeyConstraint(['recurring_of'], ['tickets.id'], name=op.f('fk_tickets_recurring_of_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_bureau_status_deadline', ['bureau_code', 'status', 'deadline_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_cell_category_created', ['cell_code', 'category_code', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_status_deadline', ['status', 'deadline_at', 'id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('ticket_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('client_exif', sa.JSON(), nullable=True),
    sa.Column('received_at', api.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('exif', sa.JSON(), nullable=True),
    sa.Column('phash', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('before', 'after', 'spotcheck')", name=op.f('ck_photos_kind_known')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_photos_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_photos_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index('ix_photos_sha256', ['sha256'], unique=False)
        batch_op.create_index('ix_photos_ticket_id_position', ['ticket_id', 'position'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Uuid(), nullable=False),
    sa.Column('at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_ticket_events_actor_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events')),
    sa.UniqueConstraint('action_id', name=op.f('uq_ticket_events_action_id'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_ticket_id_id', ['ticket_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_ticket_id_id')

    op.drop_table('ticket_events')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index('ix_photos_ticket_id_position')
        batch_op.drop_index('ix_photos_sha256')

    op.drop_table('photos')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_status_deadline')
        batch_op.drop_index('ix_tickets_created')
        batch_op.drop_index('ix_tickets_cell_category_created')
        batch_op.drop_index('ix_tickets_bureau_status_deadline')
        batch_op.drop_index('ix_tickets_author_created')

    op.drop_table('tickets')
