"""Alembic environment: the URL comes from the caller (cockpit.migrate) or the settings."""

from __future__ import annotations

from alembic import context

import cockpit.models  # noqa: F401  (registers every table)
from cockpit.db import Base, bind_storage_crs, make_engine
from cockpit.migrate import METRIC_CRS_OPTION, include_object
from cockpit.settings import load_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
metric_crs = config.get_main_option(METRIC_CRS_OPTION)


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    if metric_crs:
        # an existing database keeps its storage CRS; a fresh one gets the setting's
        bind_storage_crs(engine, metric_crs)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
