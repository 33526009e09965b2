"""``cockpit backup FILE`` and ``cockpit restore FILE`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from babel.numbers import format_decimal
from flask.cli import with_appcontext

from cockpit.services.backup import BackupError, backup_database, restore_database
from cockpit.web import get_runtime, get_settings

log = logging.getLogger(__name__)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_cmd(file: Path) -> None:
    """Write a consistent backup of the configured database to FILE."""
    settings = get_settings()
    try:
        result = backup_database(settings.database_url, file)
    except BackupError as exc:
        log.error("backup failed: %s", exc)
        raise click.ClickException(exc.user_message) from exc
    size_kb = format_decimal(result.size_bytes / 1024, format="#,##0.0", locale="de_DE")
    click.echo(f"Sicherung geschrieben: {result.path} ({size_kb} KB).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Nicht nachfragen (für Skripte).")
@with_appcontext
def restore_cmd(file: Path, yes: bool) -> None:
    """Replace the content of the configured database with the backup FILE."""
    settings = get_settings()
    if not yes:
        click.confirm(
            "Der gesamte Inhalt der konfigurierten Datenbank wird durch die Sicherung "
            "ersetzt. Fortfahren?",
            abort=True,
        )
    get_runtime().engine.dispose()  # our own pooled connections must not block the restore
    try:
        restore_database(settings.database_url, file)
    except BackupError as exc:
        log.error("restore failed: %s", exc)
        raise click.ClickException(exc.user_message) from exc
    click.echo(
        f"Sicherung „{file.name}“ wiederhergestellt. Bitte führen Sie danach "
        "„cockpit init-db“ aus, falls die Sicherung älter als die Programmversion ist."
    )


COMMANDS = [backup_cmd, restore_cmd]
