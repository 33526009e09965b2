"""Command-line interface: ``cockpit <command>`` (or ``flask --app app <command>``).

Every module in this package that defines ``COMMANDS`` (a list of click commands) is
registered automatically.
"""

from __future__ import annotations

import importlib
import pkgutil

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            app.cli.add_command(command)


def _create_app() -> Flask:
    from cockpit import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Kommunal-Cockpit: Datenbank, Importe, Demo-Daten und Benutzer verwalten."""
