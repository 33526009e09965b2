"""Command-line interface: ``cockpit <command>`` (or ``flask --app app <command>``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from cockpit.cli import database

    for module in (database,):
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _create_app() -> Flask:
    from cockpit import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Kommunal-Cockpit: Verwaltung der Datenbank, Importe, Demo-Daten und Benutzer."""
