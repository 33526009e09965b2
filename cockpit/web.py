"""Flask-side runtime: settings, engine and the per-request database session.

Adapters (auth, dashboard, CLI) get what they need from here; services receive a
``Session`` and a ``Principal`` as arguments and never touch Flask.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from cockpit.db import bind_storage_crs, make_engine, make_session_factory
from cockpit.services.config import ServiceConfig
from cockpit.settings import Settings, SettingsError

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    config: ServiceConfig


def init_runtime(app: Flask, settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    _bind_storage_crs(engine, settings)
    runtime = Runtime(
        settings, engine, make_session_factory(engine), ServiceConfig.from_settings(settings)
    )
    app.extensions["cockpit"] = runtime

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()  # services commit what they mean to keep
            session.close()

    return runtime


def _bind_storage_crs(engine: Engine, settings: Settings) -> None:
    """Refuse to serve a database stored in another CRS than COCKPIT_METRIC_CRS says."""
    try:
        bind_storage_crs(engine, settings.metric_crs)
    except OperationalError as exc:  # database not reachable yet: /readyz reports it
        log.warning("storage CRS not checked, database unavailable: %s", exc)
    except RuntimeError as exc:
        raise SettingsError(str(exc)) from exc


def get_runtime() -> Runtime:
    runtime: Runtime = current_app.extensions["cockpit"]
    return runtime


def get_settings() -> Settings:
    return get_runtime().settings


def get_config() -> ServiceConfig:
    """The :class:`ServiceConfig` every service call receives."""
    return get_runtime().config


def get_db() -> Session:
    """The database session of the current request (opened lazily, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = get_runtime().session_factory()
    session: Session = g.db_session
    return session
