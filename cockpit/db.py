"""Database plumbing: declarative base, the portable geometry type, engines and sessions.

Geometry is stored as WKB in SQLite and as PostGIS ``geometry(<type>, <srid>)`` in
PostgreSQL. Python code only ever sees Shapely geometries.

**Storage CRS.** Metric geometry columns are declared ``Geometry("MULTIPOLYGON")`` without an
SRID: they are stored in the deployment's metric CRS (``COCKPIT_METRIC_CRS``), chosen once by
the first migration and recorded in the table ``deployment_info`` (key ``storage_crs``). An
engine learns it from the database on first connect (:func:`storage_srid`), or is told it
explicitly (migrations of a fresh database). A deployment whose setting differs from its
database is refused at start-up (:func:`check_storage_crs`).
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

    def __init__(self, geometry_type: str = "MULTIPOLYGON", srid: int | None = None) -> None:
        """``srid=None``: the deployment's metric storage SRID (see the module docstring)."""
        super().__init__()
        self.geometry_type = geometry_type
        self.srid = srid

    def __repr__(self) -> str:  # rendered into Alembic migrations
        if self.srid is None:
            return f"Geometry({self.geometry_type!r})"
        return f"Geometry({self.geometry_type!r}, {self.srid})"

    def srid_for(self, dialect: Dialect) -> int:
        if self.srid is not None:
            return self.srid
        srid: int | None = getattr(dialect, STORAGE_SRID_ATTR, None)
        if srid is None:
            raise RuntimeError(
                "metric storage SRID unknown: migrate the database (cockpit init-db) or pass "
                "metric_crs to make_engine()"
            )
        return srid

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        # GeoAlchemy2's DDL hooks probe with dialect=None: answer "not a managed column".
        if dialect is None:
            return LargeBinary()
        if dialect.name == "postgresql":
            return dialect.type_descriptor(
                PostGISGeometry(
                    self.geometry_type, srid=self.srid_for(dialect), spatial_index=False
                )
            )
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, BaseGeometry):
            raise TypeError(f"expected a Shapely geometry, got {type(value).__name__}")
        if dialect.name == "postgresql":
            # EWKT is what GeoAlchemy2's bind expression (ST_GeomFromEWKT) expects.
            srid = self.srid_for(dialect)
            return f"SRID={srid};{shapely.to_wkt(value, rounding_precision=-1)}"
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


STORAGE_SRID_ATTR = "cockpit_storage_srid"


def srid_of(crs: str) -> int:
    """``"EPSG:25832" -> 25832`` (the metric CRS settings are EPSG codes)."""
    authority, _, code = crs.partition(":")
    if authority.upper() != "EPSG" or not code.isdigit():
        raise ValueError(f"metric CRS must be an EPSG code like EPSG:25833, got {crs!r}")
    return int(code)


def _read_storage_crs(dbapi_connection: Any) -> str | None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT value FROM deployment_info WHERE key = 'storage_crs'")
        row = cursor.fetchone()
    except Exception:
        row = None
    finally:
        cursor.close()
    if row is None and hasattr(dbapi_connection, "rollback"):
        dbapi_connection.rollback()  # PostgreSQL: leave no aborted transaction behind
    return str(row[0]) if row else None


def make_engine(database_url: str, *, metric_crs: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and WAL, PostgreSQL a pre-pinged pool.

    ``metric_crs`` is the storage CRS of metric geometry columns; without it the engine reads
    it from the database's ``deployment_info`` on first connect.
    """
    engine = _create(database_url, **kwargs)
    if metric_crs is not None:
        setattr(engine.dialect, STORAGE_SRID_ATTR, srid_of(metric_crs))
    else:

        @event.listens_for(engine, "first_connect")
        def _learn_storage_crs(dbapi_connection: Any, _record: Any) -> None:
            stored = _read_storage_crs(dbapi_connection)
            if stored is not None:
                setattr(engine.dialect, STORAGE_SRID_ATTR, srid_of(stored))

    return engine


def storage_srid(engine: Engine) -> int | None:
    """The metric storage SRID the engine uses (None: not migrated and not told)."""
    srid: int | None = getattr(engine.dialect, STORAGE_SRID_ATTR, None)
    if srid is None:  # not known yet, or the database was migrated after first connect
        with engine.connect() as connection:
            stored = _read_storage_crs(connection.connection.dbapi_connection)
        if stored is not None:
            srid = srid_of(stored)
            setattr(engine.dialect, STORAGE_SRID_ATTR, srid)
    return srid


def bind_storage_crs(engine: Engine, metric_crs: str) -> None:
    """Use the database's storage CRS, or ``metric_crs`` for a database not migrated yet.

    Raises ``RuntimeError`` when the setting differs from what the database stores.
    """
    stored = storage_srid(engine)
    if stored is None:
        setattr(engine.dialect, STORAGE_SRID_ATTR, srid_of(metric_crs))
    elif stored != srid_of(metric_crs):
        raise RuntimeError(
            f"COCKPIT_METRIC_CRS is {metric_crs}, but this database stores its geometries in "
            f"EPSG:{stored}; the storage CRS cannot change after the first migration"
        )


def _create(database_url: str, **kwargs: Any) -> Engine:
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
