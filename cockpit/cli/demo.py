"""``cockpit demo``: load the demo data set (real LK Görlitz data plus generated demo data)."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask.cli import with_appcontext

from cockpit.demo import DemoReport, has_municipalities, load_demo
from cockpit.domain.errors import CockpitError
from cockpit.web import get_config, get_db, get_settings

log = logging.getLogger(__name__)


@click.command("demo")
@click.option(
    "--seed",
    type=int,
    default=2026,
    show_default=True,
    help="Startwert des Zufallsgenerators; gleicher Wert ergibt dieselben Demo-Daten.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Nichts tun, wenn bereits Gemeinden in der Datenbank sind (für „make run“).",
)
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Verzeichnis mit den echten Daten (Standard: Einstellung COCKPIT_DATA_DIR).",
)
@with_appcontext
def demo_cmd(seed: int, if_empty: bool, data_dir: Path | None) -> None:
    """Demo-Datenbestand laden: echte Gemeindegrenzen und Kennzahlen des Landkreises
    Görlitz plus generierte, als „Demo-Daten“ gekennzeichnete Kenndaten, Flächenpotenziale,
    Vorschläge und je Rolle einen Demo-Benutzer.

    Auf einer Datenbank, die schon Demo-Daten enthält, wird der Befehl abgelehnt und nichts
    geändert; für einen Neuaufbau die Datenbank löschen und „cockpit init-db“ sowie
    „cockpit demo“ erneut ausführen. Die Demo-Passwörter werden am Ende einmal angezeigt
    (nur für die Demo).
    """
    session = get_db()
    if if_empty and has_municipalities(session):
        click.echo("Die Datenbank enthält bereits Gemeinden; Demo-Daten werden nicht geladen.")
        return
    directory = data_dir or get_settings().data_dir
    if directory is None:
        raise click.ClickException(
            "Kein Datenverzeichnis gefunden. Bitte geben Sie es mit --data-dir oder "
            "COCKPIT_DATA_DIR an."
        )
    try:
        report = load_demo(session, directory, config=get_config(), seed=seed, progress=click.echo)
    except CockpitError as exc:
        log.error("cockpit demo failed: %s", exc)
        raise click.ClickException(exc.user_message) from exc
    _print_report(report)


def _print_report(report: DemoReport) -> None:
    click.echo(
        f"Demo-Daten geladen: {report.municipalities} Gemeinden, "
        f"{report.counts.get('area_potential', 0)} Flächenpotenziale, "
        f"{report.counts.get('area_proposal', 0)} Vorschläge, "
        f"{sum(report.counts.values())} Datensätze in {report.seconds:.1f} s "
        f"(Startwert {report.seed})."
    )
    click.echo("")
    click.echo("Demo-Zugänge – nur für die Demo, nie produktiv verwenden:")
    header = f"  {'Benutzername':<18} {'Rolle':<16} {'Passwort':<24} Anzeigename"
    click.echo(header)
    click.echo("  " + "-" * (len(header) - 2))
    for spec in report.users:
        click.echo(
            f"  {spec.username:<18} {spec.role.label:<16} {spec.password:<24} {spec.display_name}"
        )


COMMANDS = [demo_cmd]
