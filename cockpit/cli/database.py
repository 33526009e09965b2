"""Database commands."""

from __future__ import annotations

import click

from cockpit.migrate import upgrade
from cockpit.web import get_settings


@click.command("init-db")
def init_db() -> None:
    """Bring the database schema to the newest migration (creates it if empty)."""
    settings = get_settings()
    if settings.is_sqlite:
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, metric_crs=settings.metric_crs)
    click.echo("Datenbank ist auf dem neuesten Stand.")


COMMANDS = [init_db]
