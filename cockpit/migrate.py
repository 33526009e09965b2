"""Alembic entry points used by the CLI and the tests (no alembic.ini needed)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from cockpit.settings import PROJECT_ROOT


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave objects alone that are not ours: PostGIS tables and our hand-made GiST indexes."""
    if type_ == "table" and reflected and compare_to is None:
        return False
    return not (type_ == "index" and reflected and (name or "").startswith("gix_"))


def schema_differences(engine: Engine) -> list[object]:
    """Differences between the models and the migrated database (empty = in sync)."""
    import cockpit.models  # noqa: F401  (registers every table)
    from cockpit.db import Base, storage_srid

    storage_srid(engine)  # (re-)read the storage CRS: the database may be new since connect
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


METRIC_CRS_OPTION = "cockpit.metric_crs"


def alembic_config(database_url: str, metric_crs: str | None = None) -> Config:
    """Alembic configuration; ``metric_crs`` is the storage CRS a fresh database gets."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if metric_crs is not None:
        config.set_main_option(METRIC_CRS_OPTION, metric_crs)
    return config


def storage_srid() -> int:
    """Inside a migration: the SRID metric geometry columns are created with."""
    from alembic import op

    from cockpit.db import STORAGE_SRID_ATTR

    srid: int = getattr(op.get_bind().dialect, STORAGE_SRID_ATTR)
    return srid


def upgrade(database_url: str, revision: str = "head", *, metric_crs: str) -> None:
    """Migrate to ``revision``; a fresh database stores metric geometry in ``metric_crs``."""
    command.upgrade(alembic_config(database_url, metric_crs), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(str(engine.url))
