"""foundation

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 12:20:28.149692
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.database

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bureaus',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('webhook_url', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.CheckConstraint("kind IN ('department', 'street', 'enterprise', 'office')", name=op.f('ck_bureaus_kind_known')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_bureaus'))
    )
    op.create_table('calendar_overrides',
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_overrides'))
    )
    op.create_table('grid_areas',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('parent_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.CheckConstraint("level IN ('county', 'street', 'community')", name=op.f('ck_grid_areas_level_known')),
    sa.ForeignKeyConstraint(['parent_code'], ['grid_areas.code'], name=op.f('fk_grid_areas_parent_code_grid_areas')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_grid_areas'))
    )
    op.create_table('grid_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('imported_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('source_crs', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('feature_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_revisions'))
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_client_ip_at', ['client_ip', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_username_at', ['username', 'at'], unique=False)

    op.create_table('point_types',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_point_types'))
    )
    op.create_table('categories',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('family', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('pinyin', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('default_bureau_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('deadline_value', sa.Integer(), nullable=False),
    sa.Column('deadline_unit', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.CheckConstraint("deadline_unit IN ('wh', 'wd')", name=op.f('ck_categories_deadline_unit_known')),
    sa.CheckConstraint('deadline_value > 0', name=op.f('ck_categories_deadline_positive')),
    sa.ForeignKeyConstraint(['default_bureau_code'], ['bureaus.code'], name=op.f('fk_categories_default_bureau_code_bureaus')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    op.create_table('grid_cells',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('community_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('centroid_lat', sa.Float(), nullable=False),
    sa.Column('centroid_lon', sa.Float(), nullable=False),
    sa.Column('responsible_bureau_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('updated_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_code'], ['grid_areas.code'], name=op.f('fk_grid_cells_community_code_grid_areas')),
    sa.ForeignKeyConstraint(['responsible_bureau_code'], ['bureaus.code'], name=op.f('fk_grid_cells_responsible_bureau_code_bureaus')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_grid_cells'))
    )
    with op.batch_alter_table('grid_cells', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_cells_community_code'), ['community_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_cells_responsible_bureau_code'), ['responsible_bureau_code'], unique=False)

    op.create_table('routing_rules',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('category_codes', sa.JSON(), nullable=False),
    sa.Column('point_type_codes', sa.JSON(), nullable=False),
    sa.Column('cell_prefixes', sa.JSON(), nullable=False),
    sa.Column('time_from', sa.Time(), nullable=True),
    sa.Column('time_to', sa.Time(), nullable=True),
    sa.Column('weekdays', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
    sa.Column('target_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('bureau_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("target_kind <> 'bureau' OR bureau_code IS NOT NULL", name=op.f('ck_routing_rules_bureau_target_has_bureau')),
    sa.CheckConstraint("target_kind IN ('bureau', 'cell_unit')", name=op.f('ck_routing_rules_target_kind_known')),
    sa.CheckConstraint('(time_from IS NULL) = (time_to IS NULL)', name=op.f('ck_routing_rules_time_window_complete')),
    sa.ForeignKeyConstraint(['bureau_code'], ['bureaus.code'], name=op.f('fk_routing_rules_bureau_code_bureaus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
    sa.UniqueConstraint('position', name=op.f('uq_routing_rules_position'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('bureau_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'bureau' OR bureau_code IS NOT NULL", name=op.f('ck_users_bureau_role_has_bureau')),
    sa.CheckConstraint("role IN ('inspector', 'bureau', 'dispatcher', 'supervisor', 'ledger', 'leader', 'admin')", name=op.f('ck_users_role_known')),
    sa.ForeignKeyConstraint(['bureau_code'], ['bureaus.code'], name=op.f('fk_users_bureau_code_bureaus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_bureau_code'), ['bureau_code'], unique=False)

    op.create_table('auth_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('device_name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('created_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', api.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', api.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('session', 'device')", name=op.f('ck_auth_tokens_kind_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('digest', name=op.f('uq_auth_tokens_digest'))
    )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('cell_inspectors',
    sa.Column('cell_code', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cell_code'], ['grid_cells.code'], name=op.f('fk_cell_inspectors_cell_code_grid_cells')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cell_inspectors_user_id_users')),
    sa.PrimaryKeyConstraint('cell_code', 'user_id', name=op.f('pk_cell_inspectors'))
    )
    with op.batch_alter_table('cell_inspectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cell_inspectors_user_id'), ['user_id'], unique=False)

    op.create_table('key_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('point_type_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('cell_code', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=True),
    sa.Column('owner_bureau_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('has_cctv', sa.Boolean(), nullable=False),
    sa.Column('is_declared', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['cell_code'], ['grid_cells.code'], name=op.f('fk_key_points_cell_code_grid_cells')),
    sa.ForeignKeyConstraint(['owner_bureau_code'], ['bureaus.code'], name=op.f('fk_key_points_owner_bureau_code_bureaus')),
    sa.ForeignKeyConstraint(['point_type_code'], ['point_types.code'], name=op.f('fk_key_points_point_type_code_point_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_points')),
    sa.UniqueConstraint('name', name=op.f('uq_key_points_name'))
    )
    with op.batch_alter_table('key_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_points_cell_code'), ['cell_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_points_point_type_code'), ['point_type_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('key_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_points_point_type_code'))
        batch_op.drop_index(batch_op.f('ix_key_points_cell_code'))

    op.drop_table('key_points')
    with op.batch_alter_table('cell_inspectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cell_inspectors_user_id'))

    op.drop_table('cell_inspectors')
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_tokens_user_id'))

    op.drop_table('auth_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_bureau_code'))

    op.drop_table('users')
    op.drop_table('routing_rules')
    with op.batch_alter_table('grid_cells', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_cells_responsible_bureau_code'))
        batch_op.drop_index(batch_op.f('ix_grid_cells_community_code'))

    op.drop_table('grid_cells')
    op.drop_table('categories')
    op.drop_table('point_types')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_username_at')
        batch_op.drop_index('ix_login_failures_client_ip_at')

    op.drop_table('login_failures')
    op.drop_table('grid_revisions')
    op.drop_table('grid_areas')
    op.drop_table('calendar_overrides')
    op.drop_table('bureaus')
