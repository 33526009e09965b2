"""Database plumbing: declarative base, the portable geometry type, engines and sessions.

Geometry is stored as WKB in SQLite and as PostGIS ``geometry(<type>, <srid>)`` in
PostgreSQL. Python code only ever sees Shapely geometries.
"""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geometry as PostGISGeometry
from geoalchemy2.elements import WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, LargeBinary, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Geometry(TypeDecorator[BaseGeometry]):
    """Portable geometry column: Shapely in Python, WKB on SQLite, PostGIS on PostgreSQL."""

    impl = LargeBinary
    cache_ok = True
    # Read by GeoAlchemy2's DDL hooks: we create our GiST indexes in the migrations ourselves.
    spatial_index = False
    use_N_D_index = False
    dimension = 2
    use_typmod = None

    def __init__(self, geometry_type: str = "MULTIPOLYGON", srid: int = 25833) -> None:
        super().__init__()
        self.geometry_type = geometry_type
        self.srid = srid

    def __repr__(self) -> str:  # rendered into Alembic migrations
        return f"Geometry({self.geometry_type!r}, {self.srid})"

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        # GeoAlchemy2's DDL hooks probe with dialect=None: answer "not a managed column".
        if dialect is None:
            return LargeBinary()
        if dialect.name == "postgresql":
            return dialect.type_descriptor(
                PostGISGeometry(self.geometry_type, srid=self.srid, spatial_index=False)
            )
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, BaseGeometry):
            raise TypeError(f"expected a Shapely geometry, got {type(value).__name__}")
        if dialect.name == "postgresql":
            # EWKT is what GeoAlchemy2's bind expression (ST_GeomFromEWKT) expects.
            return f"SRID={self.srid};{shapely.to_wkt(value, rounding_precision=-1)}"
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if isinstance(value, WKBElement):
            value = value.data
        if isinstance(value, memoryview):
            value = bytes(value)
        geom = shapely.from_wkb(value)
        return shapely.set_srid(geom, 0) if shapely.get_srid(geom) else geom


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and WAL, PostgreSQL a pre-pinged pool."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(database_url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
