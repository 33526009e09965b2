"""deployment_info: the storage CRS of metric geometry columns, fixed at the first migration

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'deployment_info',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_deployment_info')),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        # what 0001 created the columns with (older databases: 25833)
        srid = bind.execute(sa.text(
            "SELECT srid FROM geometry_columns "
            "WHERE f_table_name = 'municipality' AND f_geometry_column = 'boundary'"
        )).scalar_one()
    else:
        # SQLite stores plain WKB: the coordinates always were in the configured CRS
        from cockpit.migrate import storage_srid

        srid = storage_srid()
    op.bulk_insert(table, [{'key': 'storage_crs', 'value': f'EPSG:{srid}'}])


def downgrade() -> None:
    op.drop_table('deployment_info')
