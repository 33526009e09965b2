"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22

On PostgreSQL this also enables PostGIS, adds GiST indexes on the geometry columns,
and on both dialects makes ``audit_log`` append-only with triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cockpit.db
from cockpit.migrate import storage_srid


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


GIST_INDEXES = {
    "district": "boundary",
    "municipality": "boundary",
    "area_potential": "geom",
}


def upgrade() -> None:
    # metric columns are created in the deployment's storage CRS (COCKPIT_METRIC_CRS)
    srid = storage_srid()
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('kommune', 'kreis_redaktion', 'analyse', 'admin', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('session_generation', sa.Integer(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('district',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ags', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('official_name', sa.String(length=200), nullable=False),
    sa.Column('boundary', cockpit.db.Geometry('MULTIPOLYGON', srid), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('territorial_status', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district')),
    sa.UniqueConstraint('ags', name=op.f('uq_district_ags'))
    )
    op.create_table('import_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_name', sa.String(length=200), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mapping')),
    sa.UniqueConstraint('source_name', name=op.f('uq_import_mapping_source_name'))
    )
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('licence', sa.Text(), nullable=False),
    sa.Column('visibility', sa.Enum('public', 'district_internal', 'own_municipality', name='visibility', native_enum=False, length=32), nullable=False),
    sa.Column('higher_is_better', sa.Boolean(), nullable=True),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('key', name=op.f('uq_indicator_key'))
    )
    op.create_table('theme_cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_cluster')),
    sa.UniqueConstraint('key', name=op.f('uq_theme_cluster_key'))
    )
    op.create_table('export_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('target', sa.String(length=50), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('file_format', sa.String(length=20), nullable=False),
    sa.Column('feature_count', sa.Integer(), nullable=False),
    sa.Column('changes_only', sa.Boolean(), nullable=False),
    sa.Column('data_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_export_run_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_run'))
    )
    with op.batch_alter_table('export_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_run_at'), ['at'], unique=False)

    op.create_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('ars', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('official_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('Stadt', 'Gemeinde', name='municipalitykind', native_enum=False, length=32), nullable=False),
    sa.Column('boundary', cockpit.db.Geometry('MULTIPOLYGON', srid), nullable=False),
    sa.Column('display_boundary', cockpit.db.Geometry('MULTIPOLYGON', 4326), nullable=True),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('territorial_status', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_municipality_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('ags', name=op.f('uq_municipality_ags'))
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_district_id'), ['district_id'], unique=False)

    op.create_table('area_potential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('gewerbe', 'industrie', 'brache', name='areakind', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geom', cockpit.db.Geometry('MULTIPOLYGON', srid), nullable=False),
    sa.Column('area_ha', sa.Float(), nullable=False),
    sa.Column('net_area_ha', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('verfuegbar', 'reserviert', 'in_entwicklung', 'vermarktet', 'nicht_verfuegbar', name='areastatus', native_enum=False, length=32), nullable=False),
    sa.Column('planning_status', sa.Enum('bplan', 'bplan_aufstellung', 'innenbereich_34', 'aussenbereich_35', 'fnp', name='planningstatus', native_enum=False, length=32), nullable=True),
    sa.Column('ownership', sa.Enum('kommunal', 'privat', 'gemischt', 'land_bund', 'treuhand_lmbv', name='ownership', native_enum=False, length=32), nullable=True),
    sa.Column('servicing', sa.JSON(), nullable=False),
    sa.Column('obstacles', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('source', sa.Enum('geoportal', 'gespraech', 'import', 'vorschlag', name='areasource', native_enum=False, length=32), nullable=False),
    sa.Column('geoportal_id', sa.String(length=100), nullable=True),
    sa.Column('kwis_id', sa.String(length=100), nullable=True),
    sa.Column('last_confirmed_at', sa.Date(), nullable=True),
    sa.Column('last_confirmed_by', sa.String(length=200), nullable=False),
    sa.Column('last_confirmed_method', sa.Enum('gespraech', 'ortsbegehung', 'geoportal_abgleich', name='confirmationmethod', native_enum=False, length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_area_potential_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_potential')),
    sa.UniqueConstraint('public_id', name=op.f('uq_area_potential_public_id'))
    )
    with op.batch_alter_table('area_potential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_potential_geoportal_id'), ['geoportal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_potential_is_deleted'), ['is_deleted'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_potential_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_potential_kwis_id'), ['kwis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_potential_last_confirmed_at'), ['last_confirmed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_potential_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_potential_status'), ['status'], unique=False)

    op.create_table('change_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('old_values', sa.JSON(), nullable=True),
    sa.Column('new_values', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_change_record_municipality_id_municipality'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_change_record_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_record'))
    )
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_record_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_record_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('cluster_focus',
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('focus', sa.Enum('current', 'future', name='focuskind', native_enum=False, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['theme_cluster.id'], name=op.f('fk_cluster_focus_cluster_id_theme_cluster')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_cluster_focus_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_cluster_focus_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_focus')),
    sa.UniqueConstraint('municipality_id', 'cluster_id', 'focus', name=op.f('uq_cluster_focus_municipality_id_cluster_id_focus'))
    )
    with op.batch_alter_table('cluster_focus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_focus_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cluster_focus_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('contact_person',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('function', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_contact_person_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_contact_person_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_person'))
    )
    with op.batch_alter_table('contact_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_person_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('council_seat',
    sa.Column('election_date', sa.Date(), nullable=False),
    sa.Column('party', sa.String(length=200), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_council_seat_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_council_seat_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_seat')),
    sa.UniqueConstraint('municipality_id', 'election_date', 'party', name=op.f('uq_council_seat_municipality_id_election_date_party'))
    )
    with op.batch_alter_table('council_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_seat_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_value_indicator_id_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_indicator_value_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_indicator_value_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
    sa.UniqueConstraint('indicator_id', 'municipality_id', 'year', name=op.f('uq_indicator_value_indicator_id_municipality_id_year'))
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_value_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('investment_item',
    sa.Column('sector', sa.Enum('schulen', 'kitas', 'strassen', 'feuerwehr', 'sport', 'verwaltung', 'wasser', 'kultur', 'digital', 'sonstiges', name='investmentsector', native_enum=False, length=32), nullable=False),
    sa.Column('kind', sa.Enum('backlog', 'planned', name='investmentkind', native_enum=False, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_eur', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_investment_item_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_investment_item_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investment_item'))
    )
    with op.batch_alter_table('investment_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investment_item_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('membership',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('zweckverband', 'verwaltungsverband', 'verein', 'region', 'sonstige', name='membershipkind', native_enum=False, length=32), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_membership_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_membership_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('municipal_enterprise',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_form', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_municipal_enterprise_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_municipal_enterprise_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipal_enterprise'))
    )
    with op.batch_alter_table('municipal_enterprise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipal_enterprise_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('staff_count',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('full_time_equivalent', sa.Float(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_staff_count_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_staff_count_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_count')),
    sa.UniqueConstraint('municipality_id', 'year', name=op.f('uq_staff_count_municipality_id_year'))
    )
    with op.batch_alter_table('staff_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_count_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('method', sa.Enum('gespraech', 'ortsbegehung', 'geoportal_abgleich', name='confirmationmethod', native_enum=False, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_survey_created_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_survey_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey'))
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('user_municipality',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_user_municipality_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_municipality_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'municipality_id', name=op.f('pk_user_municipality'))
    )
    op.create_table('area_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('geom', cockpit.db.Geometry('MULTIPOLYGON', srid), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('open', 'accepted', 'rejected', name='reviewstate', native_enum=False, length=32), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area_potential.id'], name=op.f('fk_area_proposal_area_id_area_potential')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_area_proposal_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['app_user.id'], name=op.f('fk_area_proposal_proposed_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_area_proposal_reviewed_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_proposal'))
    )
    with op.batch_alter_table('area_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_proposal_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_proposal_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_proposal_state'), ['state'], unique=False)

    op.create_table('area_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_name', sa.String(length=200), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('geom', cockpit.db.Geometry('MULTIPOLYGON', srid), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area_potential.id'], name=op.f('fk_area_version_area_id_area_potential'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], name=op.f('fk_area_version_changed_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_version')),
    sa.UniqueConstraint('area_id', 'version', name=op.f('uq_area_version_area_id_version'))
    )
    with op.batch_alter_table('area_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_version_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_version_valid_from'), ['valid_from'], unique=False)

    op.create_table('focus_actor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('focus_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('company', 'institution', 'research', name='actorkind', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['focus_id'], ['cluster_focus.id'], name=op.f('fk_focus_actor_focus_id_cluster_focus'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_focus_actor'))
    )
    with op.batch_alter_table('focus_actor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_focus_actor_focus_id'), ['focus_id'], unique=False)

    op.create_table('survey_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('bestaetigt', 'geaendert', 'entfaellt', 'neu', name='surveyoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area_potential.id'], name=op.f('fk_survey_item_area_id_area_potential')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_item_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_item')),
    sa.UniqueConstraint('survey_id', 'area_id', name=op.f('uq_survey_item_survey_id_area_id'))
    )
    with op.batch_alter_table('survey_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_item_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_item_survey_id'), ['survey_id'], unique=False)

    # ### end Alembic commands ###
    if dialect == "postgresql":
        for table, column in GIST_INDEXES.items():
            op.execute(f"CREATE INDEX gix_{table}_{column} ON {table} USING gist ({column})")
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
        for table, column in GIST_INDEXES.items():
            op.execute(f"DROP INDEX IF EXISTS gix_{table}_{column}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('survey_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_item_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_item_area_id'))

    op.drop_table('survey_item')
    with op.batch_alter_table('focus_actor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_focus_actor_focus_id'))

    op.drop_table('focus_actor')
    with op.batch_alter_table('area_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_version_valid_from'))
        batch_op.drop_index(batch_op.f('ix_area_version_area_id'))

    op.drop_table('area_version')
    with op.batch_alter_table('area_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_proposal_state'))
        batch_op.drop_index(batch_op.f('ix_area_proposal_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_area_proposal_area_id'))

    op.drop_table('area_proposal')
    op.drop_table('user_municipality')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_municipality_id'))

    op.drop_table('survey')
    with op.batch_alter_table('staff_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_count_municipality_id'))

    op.drop_table('staff_count')
    with op.batch_alter_table('municipal_enterprise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipal_enterprise_municipality_id'))

    op.drop_table('municipal_enterprise')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_municipality_id'))

    op.drop_table('membership')
    with op.batch_alter_table('investment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_investment_item_municipality_id'))

    op.drop_table('investment_item')
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_value_indicator_id'))

    op.drop_table('indicator_value')
    with op.batch_alter_table('council_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_seat_municipality_id'))

    op.drop_table('council_seat')
    with op.batch_alter_table('contact_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_person_municipality_id'))

    op.drop_table('contact_person')
    with op.batch_alter_table('cluster_focus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_focus_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_cluster_focus_cluster_id'))

    op.drop_table('cluster_focus')
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_record_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_change_record_at'))

    op.drop_table('change_record')
    with op.batch_alter_table('area_potential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_potential_status'))
        batch_op.drop_index(batch_op.f('ix_area_potential_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_area_potential_last_confirmed_at'))
        batch_op.drop_index(batch_op.f('ix_area_potential_kwis_id'))
        batch_op.drop_index(batch_op.f('ix_area_potential_kind'))
        batch_op.drop_index(batch_op.f('ix_area_potential_is_deleted'))
        batch_op.drop_index(batch_op.f('ix_area_potential_geoportal_id'))

    op.drop_table('area_potential')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_district_id'))

    op.drop_table('municipality')
    with op.batch_alter_table('export_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_run_at'))

    op.drop_table('export_run')
    op.drop_table('theme_cluster')
    op.drop_table('indicator')
    op.drop_table('import_mapping')
    op.drop_table('district')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    op.drop_table('app_user')
    # ### end Alembic commands ###
