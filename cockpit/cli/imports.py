"""Import commands: ``cockpit import-boundaries`` and ``cockpit import-indicators``.

Both run as the system principal inside the Flask app context and print a German summary;
a rejected file ends with a German message and exit code 1 (nothing was written).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import SYSTEM
from cockpit.services.importing import import_boundaries, import_indicators, load_catalogue
from cockpit.web import get_config, get_db, get_settings

ProgressCallback = Callable[[int, int], None]

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@contextmanager
def _progress(label: str) -> Iterator[ProgressCallback]:
    """A click progress bar whose length is learnt from the first callback."""
    state: dict[str, Any] = {"bar": None, "done": 0}

    def callback(done: int, total: int) -> None:
        bar = state["bar"]
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.update(max(done - state["done"], 0))
        state["done"] = max(done, state["done"])

    try:
        yield callback
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


def _finish(report: Any, failure: CockpitError | None) -> None:
    """Print the German summary, or the German error and exit with status 1."""
    if failure is not None or report is None:
        message = failure.user_message if failure else "Der Import ist fehlgeschlagen."
        click.echo(f"Fehler: {message}", err=True)
        click.get_current_context().exit(1)
    for line in report.summary_lines():
        click.echo(line)


@click.command("import-boundaries")
@with_appcontext
@click.argument("file", type=FILE)
@click.option(
    "--district",
    "district_ags",
    metavar="AGS",
    help="Kreisschlüssel (5 Ziffern), z. B. 14626. Standard: COCKPIT_DISTRICT_AGS.",
)
@click.option("--layer", help="Ebene der Datei (GeoPackage) bzw. Datei im ZIP-Archiv.")
@click.option("--name", "district_name", help="Name des Landkreises, z. B. 'Landkreis Görlitz'.")
@click.option("--source", default="", help="Quellenangabe, die bei den Gemeinden gespeichert wird.")
@click.option(
    "--gebietsstand",
    "territorial_status",
    type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]),
    help="Gebietsstand der Datei (z. B. 01.01.2016); sonst das neueste Änderungsdatum (WSK).",
)
def import_boundaries_cmd(
    file: Path,
    district_ags: str | None,
    layer: str | None,
    district_name: str | None,
    source: str,
    territorial_status: dt.datetime | None,
) -> None:
    """Gemeindegrenzen eines Landkreises aus FILE importieren (GeoPackage, Shapefile, ZIP,
    GeoJSON; VG250-Spalten AGS/ARS, GEN, BEZ).

    Vorhandene Gemeinden werden anhand des AGS aktualisiert, neue angelegt; nichts wird
    gelöscht. Bei einem Fehler bleibt die Datenbank unverändert.
    """
    settings = get_settings()
    report = None
    failure: CockpitError | None = None
    with _progress("Gemeindegrenzen") as callback:
        try:
            report = import_boundaries(
                get_db(),
                SYSTEM,
                file,
                district_ags or settings.district_ags,
                layer=layer,
                district_name=district_name,
                source=source,
                progress=callback,
                territorial_status=territorial_status.date() if territorial_status else None,
                config=get_config(),
            )
        except CockpitError as error:
            failure = error
    _finish(report, failure)


@click.command("import-indicators")
@with_appcontext
@click.argument("file", type=FILE)
@click.option(
    "--year",
    type=click.IntRange(1900, 2100),
    help="Jahr für Spalten ohne Jahresangabe im Namen (z. B. 'kaufkraft' statt 'kaufkraft_2022').",
)
@click.option(
    "--catalogue",
    type=FILE,
    help="Indikatorkatalog (TOML). Standard: data/indicators.toml.",
)
@click.option("--source", default="", help="Quellenangabe für Werte ohne Katalogquelle.")
def import_indicators_cmd(
    file: Path, year: int | None, catalogue: Path | None, source: str
) -> None:
    """Indikatorwerte je Gemeinde aus der CSV-Datei FILE importieren.

    Erwartet eine Spalte AGS und Wertespalten '<kennung>_<JJJJ>' (z. B.
    'erholungsflaeche_anteil_pct_2022'); deutsches oder englisches Zahlenformat,
    Trennzeichen Komma oder Semikolon. Bei einem Fehler bleibt die Datenbank unverändert.
    """
    report = None
    failure: CockpitError | None = None
    with _progress("Indikatoren") as callback:
        try:
            entries = load_catalogue(catalogue) if catalogue else None
            report = import_indicators(
                get_db(),
                SYSTEM,
                file,
                catalogue=entries,
                year=year,
                source=source,
                progress=callback,
            )
        except CockpitError as error:
            failure = error
    _finish(report, failure)


COMMANDS = [import_boundaries_cmd, import_indicators_cmd]
