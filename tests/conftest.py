"""Shared fixtures: settings, migrated databases (SQLite and PostgreSQL/PostGIS), app, client.

Migrating takes a second or two, so each dialect is migrated once per test session into a
template; every test gets its own copy (SQLite: a file copy; PostgreSQL: a fresh database
created from the template).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.migrate import upgrade
from cockpit.services.config import ServiceConfig
from cockpit.settings import PROJECT_ROOT, Settings, load_settings
from tests.config_support import TEST_CONFIG, TEST_METRIC_CRS

PG_ADMIN_URL = os.environ.get(
    "COCKPIT_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DATA_DIR = Path(os.environ.get("COCKPIT_DATA_DIR", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real open data (../shared/data); the suite needs it and fails loudly without."""
    if not (DATA_DIR / "lk_goerlitz_gemeinden_vg250_2016.gpkg").exists():
        pytest.fail(f"real data not found in {DATA_DIR}; set COCKPIT_DATA_DIR")
    return DATA_DIR


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    upgrade(f"sqlite:///{path}", metric_crs=TEST_METRIC_CRS)
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "cockpit.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _pg_admin_engine() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@contextmanager
def pg_database(prefix: str, template: str | None = None) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database (``CREATE DATABASE … [TEMPLATE …]``), dropped afterwards;
    yields its name and URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield name, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostGIS database used as template for per-test databases."""
    with pg_database("cockpit_tpl") as (name, url):
        upgrade(url, metric_crs=TEST_METRIC_CRS)
        yield name


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    with pg_database("cockpit_t", pg_template) as (_, url):
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.db)])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL/PostGIS."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path, data_dir: Path) -> Settings:
    return load_settings(
        environ={},
        database_url=sqlite_url,
        instance_dir=tmp_path / "instance",
        data_dir=data_dir,
        env="test",
        secret_key="test-secret-key-" + "x" * 32,
    )


@pytest.fixture
def service_config(settings: Settings) -> ServiceConfig:
    return ServiceConfig.from_settings(settings)


# --- browser tests -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Debian Chromium per test session (Playwright, no browser download)."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: object) -> Iterator[object]:
    """A fresh browser context (own cookies) and page, 1366×768, German locale."""
    context = chromium.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1366, "height": 768}, locale="de-DE"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def goerlitz_template(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Path:
    """ONE migrated SQLite file with the 53 Görlitz municipalities (VG250 2016) and the
    indicators of ``lk_goerlitz_kennzahlen.csv`` imported (copy it, never write to it)."""
    path = tmp_path_factory.mktemp("goerlitz") / "goerlitz.sqlite"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with make_session_factory(engine)() as session:
            seed_goerlitz(session, data_dir)
    finally:
        engine.dispose()
    return path


def seed_goerlitz(session: Session, data_dir: Path) -> None:
    """Import the 53 Görlitz municipalities (VG250 2016) and ``lk_goerlitz_kennzahlen.csv``."""
    from cockpit.domain.roles import SYSTEM
    from cockpit.services.importing import import_boundaries, import_indicators

    import_boundaries(
        session,
        SYSTEM,
        data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg",
        "14626",
        district_name="Landkreis Görlitz",
        config=TEST_CONFIG,
    )
    import_indicators(session, SYSTEM, data_dir / "lk_goerlitz_kennzahlen.csv")


@pytest.fixture
def goerlitz_url(goerlitz_template: Path, tmp_path: Path) -> str:
    """A per-test copy of ``goerlitz_template`` (53 municipalities + indicators)."""
    path = tmp_path / "goerlitz.sqlite"
    shutil.copy(goerlitz_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_template(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Path:
    """ONE migrated SQLite file with the full demo data set (``load_demo``, seed 2026, dates
    relative to today) — real LK Görlitz data plus generated demo data and the five demo
    users (see ``cockpit.demo.DEMO_USERS``). Copy it, never write to it."""
    from cockpit.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with make_session_factory(engine)() as session:
            load_demo(session, data_dir, config=TEST_CONFIG, seed=2026)
        with engine.connect() as conn:  # fold the WAL into the file that gets copied
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    """A per-test copy of ``demo_template`` (full demo data set)."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_pg_template(pg_template: str, data_dir: Path) -> Iterator[str]:
    """ONE PostGIS database with the full demo data set (as ``demo_template``); template
    for ``demo_pg_url``."""
    from cockpit.demo import load_demo

    with pg_database("cockpit_demo_tpl", pg_template) as (name, url):
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                load_demo(session, data_dir, config=TEST_CONFIG, seed=2026)
        finally:
            engine.dispose()
        yield name


@pytest.fixture
def demo_pg_url(demo_pg_template: str) -> Iterator[str]:
    """A per-test PostGIS copy of the full demo data set."""
    with pg_database("cockpit_demo", demo_pg_template) as (_, url):
        yield url


@pytest.fixture
def demo_settings(demo_url: str, tmp_path: Path, data_dir: Path) -> Settings:
    """Like ``settings``, but on a per-test copy of the full demo database."""
    return load_settings(
        environ={},
        database_url=demo_url,
        instance_dir=tmp_path / "instance",
        data_dir=data_dir,
        env="test",
        secret_key="test-secret-key-" + "x" * 32,
    )
