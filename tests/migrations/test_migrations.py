"""Migrations build the schema on fresh SQLite and PostGIS databases, matching the models."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from cockpit.db import make_engine, make_session_factory
from cockpit.migrate import downgrade, is_at_head, schema_differences, upgrade
from cockpit.models import AuditLog, District


def test_migrated_schema_matches_models(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        assert is_at_head(engine)
        assert schema_differences(engine) == []
        assert "area_potential" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(any_db_url: str) -> None:
    downgrade(any_db_url, "base")
    engine = make_engine(any_db_url)
    try:
        assert "municipality" not in inspect(engine).get_table_names()
        upgrade(any_db_url, metric_crs="EPSG:25833")
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_geometry_round_trip_keeps_srid_and_type(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    square = shapely.MultiPolygon([shapely.box(500_000, 5_600_000, 501_000, 5_601_000)])
    try:
        with make_session_factory(engine)() as session:
            session.add(District(ags="14626", name="Görlitz", boundary=square))
            session.commit()
            session.expire_all()
            stored = session.query(District).one().boundary
            assert stored is not None and stored.equals(square)
            if engine.dialect.name == "postgresql":
                srid, kind = session.execute(
                    text("SELECT ST_SRID(boundary), GeometryType(boundary) FROM district")
                ).one()
                assert (srid, kind) == (25833, "MULTIPOLYGON")
    finally:
        engine.dispose()


def test_audit_log_is_append_only(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    try:
        with make_session_factory(engine)() as session:
            session.add(AuditLog(action="login", actor_name="test"))
            session.commit()
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with engine.connect() as conn, pytest.raises(DatabaseError, match="append-only"):
                conn.execute(text(statement))
    finally:
        engine.dispose()
