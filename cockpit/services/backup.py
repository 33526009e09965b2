"""Backup and restore of the whole cockpit database (SQLite and PostgreSQL/PostGIS).

- SQLite: Python's ``sqlite3`` online backup API — a consistent copy while the app runs;
  restore copies the backup into the configured file in one step (the target is locked
  during the copy and never left half-written).
- PostgreSQL: ``pg_dump --format=custom`` / ``pg_restore --clean --if-exists --no-owner
  --single-transaction --exit-on-error`` into the configured database: the restore is one
  transaction, so a broken dump changes nothing. The PostGIS extension itself is not
  dropped or re-created (that needs superuser rights); it must exist or be creatable.

These are operator commands on the database as a whole (run on the server by someone who
already holds its credentials), not use cases of a logged-in user, so they take no
``Principal``; no user-facing route calls them.

Errors raise :class:`BackupError` with a German ``user_message``; the technical reason
(tool output) is logged with passwords masked.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, MetaData, Table, make_url, select, text
from sqlalchemy.engine import URL

from cockpit.domain.errors import CockpitError
from layers.writers import atomic_target

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_TOOL_TIMEOUT_S = 3600


class BackupError(CockpitError):
    """A backup or restore was refused or failed; nothing was changed."""

    user_message = "Die Datensicherung ist fehlgeschlagen; es wurde nichts geändert."


@dataclass(frozen=True)
class BackupResult:
    path: Path
    dialect: str
    size_bytes: int


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    checksum: str


def _dialect(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in {"sqlite", "postgresql"}:
        raise BackupError(
            f"unsupported database backend {name!r}",
            f"Datensicherung für die Datenbankart „{name}“ wird nicht unterstützt.",
        )
    return name


def backup_database(database_url: str, target: Path) -> BackupResult:
    """Write a consistent backup of the database at ``database_url`` to ``target``.

    The file appears only when complete (written beside it, then renamed).
    Raises :class:`BackupError`.
    """
    dialect = _dialect(database_url)
    target = Path(target).expanduser().resolve()
    if not target.parent.is_dir():
        raise BackupError(
            f"backup target directory missing: {target.parent}",
            f"Das Verzeichnis „{target.parent}“ für die Sicherung existiert nicht.",
        )
    if target.is_dir():
        raise BackupError(
            f"backup target is a directory: {target}",
            f"„{target}“ ist ein Verzeichnis; bitte geben Sie einen Dateinamen an.",
        )
    with atomic_target(target) as partial:
        if dialect == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            _pg_backup(make_url(database_url), partial)
    size = target.stat().st_size
    log.info("backup written: dialect=%s file=%s bytes=%d", dialect, target, size)
    return BackupResult(target, dialect, size)


def restore_database(database_url: str, source: Path) -> BackupResult:
    """Replace the content of the database at ``database_url`` with the backup ``source``.

    The backup is checked first (right format, readable, a cockpit database); the
    restore itself runs as one step, so on any error the database stays as it was.
    Raises :class:`BackupError`.
    """
    dialect = _dialect(database_url)
    source = Path(source).expanduser().resolve()
    if not source.is_file():
        raise BackupError(
            f"backup file not found: {source}",
            f"Die Sicherungsdatei „{source}“ wurde nicht gefunden.",
        )
    if dialect == "sqlite":
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        _pg_restore(source, make_url(database_url))
    log.info("restore finished: dialect=%s file=%s", dialect, source)
    return BackupResult(source, dialect, source.stat().st_size)


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError(
            "in-memory SQLite database cannot be backed up",
            "Eine Datenbank im Arbeitsspeicher kann nicht gesichert werden.",
        )
    return Path(database).expanduser().resolve()


def _sqlite_backup(database: Path, partial: Path) -> None:
    if not database.is_file():
        raise BackupError(
            f"sqlite database missing: {database}",
            f"Die Datenbankdatei „{database}“ existiert nicht.",
        )
    source = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # pages=-1: one consistent snapshot
        # A self-contained single file: no -wal/-shm companions next to the backup.
        target.execute("PRAGMA journal_mode=DELETE")
        _sqlite_check(target, partial)
    except sqlite3.Error as exc:
        log.error("sqlite backup of %s failed: %s", database, exc)
        raise BackupError(f"sqlite backup failed: {exc}") from exc
    finally:
        target.close()
        source.close()


def _sqlite_check(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse files that are not intact cockpit databases."""
    (result,) = connection.execute("PRAGMA integrity_check").fetchone()
    if result != "ok":
        raise BackupError(
            f"sqlite integrity check of {path} failed: {result}",
            f"Die Sicherungsdatei „{path.name}“ ist beschädigt.",
        )
    has_version = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).fetchone()
    if not has_version:
        raise BackupError(
            f"{path} has no alembic_version table",
            f"„{path.name}“ ist keine Sicherung einer Kommunal-Cockpit-Datenbank.",
        )


def _sqlite_restore(source: Path, database: Path) -> None:
    with source.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    if magic != SQLITE_MAGIC:
        raise BackupError(
            f"{source} is not an SQLite file",
            f"„{source.name}“ ist keine SQLite-Sicherung (falsches Dateiformat).",
        )
    if not database.parent.is_dir():
        raise BackupError(
            f"database directory missing: {database.parent}",
            f"Das Datenbankverzeichnis „{database.parent}“ existiert nicht.",
        )
    backup = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        try:
            _sqlite_check(backup, source)
        except sqlite3.DatabaseError as exc:
            raise BackupError(
                f"{source} unreadable: {exc}",
                f"Die Sicherungsdatei „{source.name}“ ist beschädigt oder unlesbar.",
            ) from exc
        target = sqlite3.connect(database, timeout=30)
        try:
            backup.backup(target)  # one step under an exclusive lock of the target
        except sqlite3.Error as exc:
            log.error("sqlite restore into %s failed: %s", database, exc)
            raise BackupError(f"sqlite restore failed: {exc}") from exc
        finally:
            target.close()
    finally:
        backup.close()


# --- PostgreSQL -----------------------------------------------------------------------


def _pg_env(url: URL) -> dict[str, str]:
    """libpq connection settings as environment (keeps the password off the command line)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    parts = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": None if url.password is None else str(url.password),
        "PGDATABASE": url.database,
    }
    env.update({k: v for k, v in parts.items() if v})
    for key, value in url.query.items():
        if key in {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"}:
            env[f"PG{key.upper()}"] = value if isinstance(value, str) else value[0]
    env["PGAPPNAME"] = "cockpit-backup"
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found on PATH",
            f"Das Programm „{name}“ ist nicht installiert (Debian-Paket postgresql-client).",
        )
    return path


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=PG_TOOL_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} timed out after {PG_TOOL_TIMEOUT_S}s") from exc
    if completed.returncode != 0:
        log.error("%s failed (exit %d): %s", what, completed.returncode, completed.stderr.strip())
        raise BackupError(f"{what} failed with exit code {completed.returncode}")
    return completed.stdout


def _pg_backup(url: URL, partial: Path) -> None:
    _run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"],
        _pg_env(url),
        "pg_dump",
    )


def _pg_restore(source: Path, url: URL) -> None:
    env = _pg_env(url)
    pg_restore = _pg_tool("pg_restore")
    try:
        listing = _run([pg_restore, "--list", str(source)], env, "pg_restore --list")
    except BackupError as exc:
        raise BackupError(
            str(exc),
            f"„{source.name}“ ist keine gültige PostgreSQL-Sicherung (pg_dump -Fc).",
        ) from exc
    entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
    if not any(" TABLE " in line and " alembic_version " in line for line in entries):
        raise BackupError(
            f"{source} holds no alembic_version table",
            f"„{source.name}“ ist keine Sicherung einer Kommunal-Cockpit-Datenbank.",
        )
    # The extension stays as it is: dropping/creating it needs superuser rights, and the
    # data types it provides are what the restored tables are built on.
    kept = [line for line in entries if " EXTENSION " not in line]
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as handle:
        handle.write("\n".join(kept) + "\n")
        list_file = Path(handle.name)
    try:
        _ensure_postgis(url, env)
        _run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--use-list={list_file}",
                f"--dbname={url.database}",
                str(source),
            ],
            env,
            "pg_restore",
        )
    finally:
        list_file.unlink(missing_ok=True)


def _ensure_postgis(url: URL, env: dict[str, str]) -> None:
    psql = _pg_tool("psql")
    _run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE EXTENSION IF NOT EXISTS postgis"],
        env | {"PGDATABASE": url.database or ""},
        "CREATE EXTENSION postgis",
    )


# --- verification ---------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, BaseGeometry):
        return "wkb:" + shapely.to_wkb(value, hex=True)
    if isinstance(value, bytes | memoryview):
        return "hex:" + bytes(value).hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return repr(value)


def database_fingerprint(
    engine: Engine, metadata: MetaData | None = None
) -> dict[str, TableFingerprint]:
    """Row count and SHA-256 over all rows (ordered by primary key) for every table.

    Two databases with equal fingerprints hold the same content, geometries included
    (compared as WKB). ``metadata`` defaults to the cockpit models plus ``alembic_version``.
    """
    if metadata is None:
        import cockpit.models  # noqa: F401  (registers every table)
        from cockpit.db import Base

        metadata = Base.metadata
    tables: list[Table] = list(metadata.sorted_tables)
    result: dict[str, TableFingerprint] = {}
    with engine.connect() as connection:
        for table in tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            rows = 0
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False).encode())
                digest.update(b"\n")
                rows += 1
            result[table.name] = TableFingerprint(rows, digest.hexdigest())
        version = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        result["alembic_version"] = TableFingerprint(
            len(version), hashlib.sha256(repr(sorted(version)).encode()).hexdigest()
        )
    return result
