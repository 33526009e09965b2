"""Backup and restore: a backup restored into a fresh database gives identical content."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.models import District, Municipality
from cockpit.services.backup import (
    BackupError,
    backup_database,
    database_fingerprint,
    restore_database,
)
from cockpit.settings import Settings
from tests.config_support import TEST_CONFIG
from tests.conftest import PG_ADMIN_URL
from tests.deploy.support import fill_sample_data


@pytest.fixture
def fresh_url(any_db_url: str, tmp_path: Path) -> Iterator[str]:
    """An EMPTY database of the same kind as ``any_db_url`` (not migrated, no PostGIS)."""
    if any_db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh' / 'restored.sqlite'}"
        return
    name = f"cockpit_fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    engine = make_engine(url)
    try:
        return {k: (v.rows, v.checksum) for k, v in database_fingerprint(engine).items()}
    finally:
        engine.dispose()


def _geometries(url: str) -> dict[str, tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(
                select(Municipality.ags, Municipality.boundary, Municipality.display_boundary)
            ).all()
            district = session.scalar(select(District.boundary))
        return {"district": (district,), **{ags: (b, d) for ags, b, d in rows}}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_backup_restored_into_fresh_database_is_identical(
    any_db_url: str, fresh_url: str, data_dir: Path, tmp_path: Path
) -> None:
    fill_sample_data(any_db_url, data_dir)
    if fresh_url.startswith("sqlite"):
        Path(fresh_url.removeprefix("sqlite:///")).parent.mkdir()
    target = tmp_path / "cockpit.backup"

    result = backup_database(any_db_url, target)
    assert result.path == target and result.size_bytes > 100_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cockpit.backup")]
    restore_database(fresh_url, target)

    original, restored = _fingerprint(any_db_url), _fingerprint(fresh_url)
    assert restored == original
    assert original["municipality"][0] == 53
    assert original["indicator_value"][0] == 53
    assert original["app_user"][0] == 4
    assert original["user_municipality"][0] == 1
    assert original["alembic_version"][0] == 1
    before, after = _geometries(any_db_url), _geometries(fresh_url)
    assert before.keys() == after.keys() and len(before) == 54
    for key, geometries in before.items():
        for expected, actual in zip(geometries, after[key], strict=True):
            assert actual is not None and expected is not None
            assert actual.equals_exact(expected, tolerance=0), key  # type: ignore[attr-defined]
    # The restored database is fully usable, e.g. the append-only audit trigger came along.
    engine = make_engine(fresh_url)
    try:
        with engine.connect() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_restore_over_existing_content_replaces_it(
    any_db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    fill_sample_data(any_db_url, data_dir)
    backup = tmp_path / "before.backup"
    backup_database(any_db_url, backup)
    expected = _fingerprint(any_db_url)
    engine = make_engine(any_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE municipality SET name = 'Geändert' WHERE ags = '14626110'"))
            conn.execute(text("DELETE FROM indicator_value"))
    finally:
        engine.dispose()
    assert _fingerprint(any_db_url) != expected
    restore_database(any_db_url, backup)
    assert _fingerprint(any_db_url) == expected


def test_restore_refuses_files_that_are_no_backup(any_db_url: str, tmp_path: Path) -> None:
    before = _fingerprint(any_db_url)
    garbage = tmp_path / "kaputt.backup"
    garbage.write_bytes(b"das ist keine Sicherung\n" * 100)
    with pytest.raises(BackupError) as info:
        restore_database(any_db_url, garbage)
    assert "kaputt.backup" in info.value.user_message
    with pytest.raises(BackupError) as info:
        restore_database(any_db_url, tmp_path / "fehlt.backup")
    assert info.value.user_message == (
        f"Die Sicherungsdatei „{tmp_path / 'fehlt.backup'}“ wurde nicht gefunden."
    )
    assert _fingerprint(any_db_url) == before


def test_sqlite_restore_refuses_a_foreign_sqlite_file(sqlite_url: str, tmp_path: Path) -> None:
    before = _fingerprint(sqlite_url)
    foreign = tmp_path / "fremd.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE x (a INTEGER)")
    conn.close()
    with pytest.raises(BackupError) as info:
        restore_database(sqlite_url, foreign)
    assert info.value.user_message == (
        "„fremd.sqlite“ ist keine Sicherung einer Kommunal-Cockpit-Datenbank."
    )
    assert _fingerprint(sqlite_url) == before


@pytest.mark.db
@pytest.mark.slow
def test_postgres_restore_of_truncated_dump_changes_nothing(
    pg_url: str, data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill_sample_data(pg_url, data_dir)
    backup = tmp_path / "full.dump"
    backup_database(pg_url, backup)
    before = _fingerprint(pg_url)
    truncated = tmp_path / "truncated.dump"
    data = backup.read_bytes()
    truncated.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(BackupError) as info:
        restore_database(pg_url, truncated)
    assert info.value.user_message == (
        "Die Datensicherung ist fehlgeschlagen; es wurde nichts geändert."
    )
    assert "pg_restore" in caplog.text
    assert _fingerprint(pg_url) == before  # one transaction: nothing half-restored


def test_backup_refuses_missing_target_directory(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(BackupError) as info:
        backup_database(sqlite_url, tmp_path / "gibt-es-nicht" / "x.backup")
    assert "existiert nicht" in info.value.user_message


def test_cli_backup_and_restore(settings: Settings, tmp_path: Path, data_dir: Path) -> None:
    fill_sample_data(settings.database_url, data_dir)
    expected = _fingerprint(settings.database_url)
    runner = create_app(settings).test_cli_runner()
    target = tmp_path / "cli.backup"

    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Sicherung geschrieben: {target} (" in result.output and "KB)." in result.output

    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM indicator_value"))
    engine.dispose()

    refused = runner.invoke(args=["restore", str(target)], input="n\n")
    assert refused.exit_code == 1 and "Fortfahren?" in refused.output
    assert _fingerprint(settings.database_url) != expected

    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    assert "Sicherung „cli.backup“ wiederhergestellt." in result.output
    assert _fingerprint(settings.database_url) == expected

    bad = tmp_path / "bad.backup"
    bad.write_text("kein SQLite")
    result = runner.invoke(args=["restore", "--yes", str(bad)])
    assert result.exit_code == 1
    assert "„bad.backup“ ist keine SQLite-Sicherung (falsches Dateiformat)." in result.output


@pytest.mark.slow
def test_full_demo_database_round_trips(demo_url: str, tmp_path: Path) -> None:
    """The whole demo (areas with version history, Kenndaten, users, audit) round-trips."""
    backup = tmp_path / "demo.backup"
    backup_database(demo_url, backup)
    restored = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    restore_database(restored, backup)
    original = _fingerprint(demo_url)
    assert _fingerprint(restored) == original
    assert original["area_potential"][0] > 100 and original["area_version"][0] > 100
    assert original["app_user"][0] == 5


@pytest.mark.db
@pytest.mark.slow
def test_full_demo_round_trips_on_postgres(pg_url: str, data_dir: Path, tmp_path: Path) -> None:
    from cockpit.demo import load_demo

    engine = make_engine(pg_url)
    try:
        with make_session_factory(engine)() as session:
            load_demo(session, data_dir, config=TEST_CONFIG, seed=2026)
    finally:
        engine.dispose()
    name = f"cockpit_fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        backup = tmp_path / "demo.dump"
        backup_database(pg_url, backup)
        restore_database(fresh, backup)
        original = _fingerprint(pg_url)
        assert _fingerprint(fresh) == original
        assert original["area_potential"][0] > 100 and original["app_user"][0] == 5
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
