"""``cockpit export-snapshot|export-report|export-table``: exports from the shell.

Every command runs as a named user (``--user``; the principal is loaded from the database),
so the same permissions apply as in the browser, and every export is audited. A snapshot
can be reproduced from any earlier export file (``export-snapshot --reproduce FILE``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import Principal
from cockpit.domain.vocab import JobState
from cockpit.exports import build, jobs, snapshot
from cockpit.exports.metadata import ExportRecord, read_record
from cockpit.jobqueue import get_queue
from cockpit.services import areas
from cockpit.services import exports as export_service
from cockpit.services import jobs as job_service
from cockpit.web import get_config, get_db
from layers.writers import atomic_target

log = logging.getLogger(__name__)


def _fail(error: CockpitError) -> click.ClickException:
    log.error("export command failed: %s", error)
    return click.ClickException(error.user_message)


def _principal(username: str) -> Principal:
    try:
        return export_service.principal_for_username(get_db(), username)
    except CockpitError as error:
        raise _fail(error) from error


def _write(path: Path, payload: bytes) -> None:
    """Write atomically: a failed export leaves no half-written file."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(path) as partial:
        partial.write_bytes(payload)


def _audit(principal: Principal, record: ExportRecord, target: str) -> None:
    export_service.record_export(
        get_db(),
        principal,
        kind=record.kind,
        target=target,
        details={**record.audit_details(), "via": "cli"},
        ip="cli",
    )


_SNAPSHOT_OPTIONS = [
    click.option("--indicator", help="Schlüssel der Kennzahl, z. B. bevoelkerung."),
    click.option("--year", type=int, help="Jahr der Werte."),
    click.option(
        "--method",
        default="quantiles",
        show_default=True,
        help="Klassenbildung: quantiles, equal_interval, natural_breaks.",
    ),
    click.option("--classes", type=int, default=5, show_default=True, help="Anzahl Klassen."),
    click.option("--palette", default="blues", show_default=True, help="Farbpalette."),
    click.option(
        "--layers",
        default="gemeinden,kreisgrenze",
        show_default=True,
        help="Kartenebenen, kommagetrennt: gemeinden, kreisgrenze, flaechen.",
    ),
    click.option("--municipalities", default="", help="Nur diese Gemeinden (AGS, kommagetrennt)."),
    click.option("--bbox", default="", help="Kartenausschnitt West,Süd,Ost,Nord (Grad)."),
]


def _with_snapshot_options(function: Any) -> Any:
    for option in reversed(_SNAPSHOT_OPTIONS):
        function = option(function)
    return function


# Filters of the Flächen page (as the query parameters of /export/…/flaechen.*; the AGS
# come from --municipalities). Parsed by services.exports.parse_area_filter, like the routes.
_AREA_FILTER_OPTIONS = [
    click.option("--kinds", default="", help="Flächen: Arten, kommagetrennt (gewerbe, …)."),
    click.option("--statuses", default="", help="Flächen: Vermarktungsstände (verfuegbar, …)."),
    click.option("--sources", default="", help="Flächen: Herkunft (geoportal, gespraech, …)."),
    click.option("--min-ha", "min_ha", default="", help="Flächen: Mindestgröße in ha."),
    click.option("--max-ha", "max_ha", default="", help="Flächen: Höchstgröße in ha."),
    click.option(
        "--age",
        type=click.Choice(["alle", "aktuell", "ueberfaellig"]),
        default="alle",
        show_default=True,
        help="Flächen: Bestätigung aktuell oder überfällig.",
    ),
    click.option("--search", default="", help="Flächen: Suche in Name und Geoportal-ID."),
    click.option(
        "--deleted", is_flag=True, help="Flächen: gelöschte Flächen einschließen (Redaktion)."
    ),
]


def _with_area_filter_options(function: Any) -> Any:
    for option in reversed(_AREA_FILTER_OPTIONS):
        function = option(function)
    return function


def _area_filter(municipalities: str, area_options: dict[str, Any]) -> areas.AreaFilter:
    """The area filter of the command-line options, parsed exactly as the export routes
    parse their query (:func:`cockpit.services.exports.parse_area_filter`)."""
    raw = {
        **{key: area_options.get(key, "") for key in export_service.AREA_QUERY_KEYS},
        "municipalities": municipalities,
        "deleted": "ja" if area_options.get("deleted") else "",
    }
    return export_service.parse_area_filter(get_db(), raw)


@click.command("export-snapshot")
@with_appcontext
@click.option("--user", "username", required=True, help="Benutzername; dessen Rechte gelten.")
@_with_snapshot_options
@click.option(
    "--format", "fmt", type=click.Choice(snapshot.FORMATS), default="pdf", show_default=True
)
@click.option("--paper", type=click.Choice(snapshot.PAPERS), default="A4", show_default=True)
@click.option(
    "--orientation",
    type=click.Choice(snapshot.ORIENTATIONS),
    default="landscape",
    show_default=True,
    help="landscape = quer, portrait = hoch.",
)
@click.option(
    "--dpi", type=click.Choice(["96", "300"]), default="96", show_default=True, help="Nur PNG."
)
@click.option(
    "--cluster",
    "cluster_id",
    type=int,
    help="Themencluster-Karte (ID des Clusters) statt der Kennzahl-Karte.",
)
@click.option(
    "--flaechen",
    "area_map",
    is_flag=True,
    help="Karte der Flächenseite (Flächenpotenziale) mit den Flächenfiltern "
    "(--kinds, --statuses, --sources, --municipalities, --min-ha, --max-ha, --age, "
    "--search, --deleted) statt der Kennzahl-Karte.",
)
@_with_area_filter_options
@click.option(
    "--reproduce",
    "reproduce_from",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Eine frühere Export-Datei (PNG, SVG, PDF, JSON): dieselbe Karte erneut erzeugen.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_snapshot(
    username: str,
    indicator: str | None,
    year: int | None,
    method: str,
    classes: int,
    palette: str,
    layers: str,
    municipalities: str,
    bbox: str,
    fmt: str,
    paper: str,
    orientation: str,
    dpi: str,
    cluster_id: int | None,
    area_map: bool,
    reproduce_from: Path | None,
    output: Path,
    **area_options: Any,
) -> None:
    """Kartenausschnitt als PDF, PNG oder SVG exportieren (wie in der Übersicht).

    Mit --cluster ID die Karte der Themencluster-Ansicht für dieses Cluster; mit
    --flaechen die Karte der Flächenseite mit den Flächenfiltern.

    Mit --reproduce werden Kennzahl, Jahr, Klassen, Farben, Ebenen, Ausschnitt, Format und
    Exportdatum aus der Datei übernommen; bei unverändertem Datenstand entsteht dieselbe
    Karte. Ein geänderter Datenstand wird gemeldet.
    """
    principal = _principal(username)
    try:
        created_at = None
        recorded_hash = None
        if reproduce_from is not None:
            recorded = read_record(reproduce_from)
            if recorded.kind != "snapshot":
                raise click.ClickException("Die Datei enthält keinen Kartenexport.")
            render = dict(recorded.render)
            page = snapshot.PageSpec(
                fmt=render.get("fmt", fmt),
                paper=render.get("paper", paper),
                orientation=render.get("orientation", orientation),
                dpi=int(render.get("dpi", dpi)),
            )
            if recorded.params.get("lens") == "themencluster":
                raw = recorded.params.get("cluster")
                cluster = int(raw) if raw is not None else None
                _cluster_snapshot(principal, cluster, page, output, recorded)
                return
            if recorded.params.get("lens") == export_service.AREA_LENS:
                filters = export_service.parse_area_filter(get_db(), recorded.params)
                _area_snapshot(principal, filters, page, output, recorded)
                return
            params = export_service.SnapshotParams.from_mapping(recorded.params)
            created_at = recorded.created_at
            recorded_hash = recorded.data_hash
            if recorded.user != principal.username:
                click.echo(
                    f"Hinweis: Der Export wurde von {recorded.user} erstellt; mit den Rechten "
                    f"von {principal.username} kann das Ergebnis abweichen.",
                    err=True,
                )
        elif cluster_id is not None and area_map:
            raise click.UsageError("Bitte geben Sie entweder --cluster oder --flaechen an.")
        elif cluster_id is not None:
            page = snapshot.PageSpec(fmt, paper, orientation, int(dpi))  # type: ignore[arg-type]
            _cluster_snapshot(principal, cluster_id, page, output)
            return
        elif area_map:
            page = snapshot.PageSpec(fmt, paper, orientation, int(dpi))  # type: ignore[arg-type]
            _area_snapshot(principal, _area_filter(municipalities, area_options), page, output)
            return
        else:
            params = export_service.SnapshotParams.from_mapping(
                {
                    "indicator": indicator,
                    "year": year,
                    "method": method,
                    "classes": classes,
                    "palette": palette,
                    "layers": layers,
                    "municipalities": municipalities,
                    "bbox": bbox,
                }
            )
            page = snapshot.PageSpec(fmt, paper, orientation, int(dpi))  # type: ignore[arg-type]
        payload, record, data = build.build_snapshot(
            get_db(), principal, params, page, get_config(), created_at=created_at
        )
        _write(output, payload)
        _audit(principal, record, f"{params.indicator}:{params.year}")
    except CockpitError as error:
        raise _fail(error) from error
    _saved(output, payload, data.data_hash, recorded_hash)


def _saved(output: Path, payload: bytes, data_hash: str, recorded_hash: str | None) -> None:
    """Say what was written and, when reproducing, whether the data changed since."""
    if recorded_hash is not None and recorded_hash != data_hash:
        click.echo(
            "Achtung: Der Datenstand hat sich seit dem ursprünglichen Export geändert "
            f"({recorded_hash[:12]} → {data_hash[:12]}); die Karte kann abweichen.",
            err=True,
        )
    elif recorded_hash is not None:
        click.echo(f"Datenstand unverändert ({data_hash[:12]}).")
    click.echo(f"Karte gespeichert: {output} ({len(payload):,} Bytes)".replace(",", "."))


def _cluster_snapshot(
    principal: Principal,
    cluster: int | None,
    page: snapshot.PageSpec,
    output: Path,
    recorded: ExportRecord | None = None,
) -> None:
    """A Themencluster map snapshot; with ``recorded``: again, as of that export."""
    payload, record, data = build.build_cluster_snapshot(
        get_db(),
        principal,
        cluster,
        page,
        get_config(),
        created_at=recorded.created_at if recorded is not None else None,
    )
    _write(output, payload)
    _audit(principal, record, f"themencluster:{data.overview.cluster_id}")
    _saved(output, payload, data.data_hash, recorded.data_hash if recorded else None)


def _area_snapshot(
    principal: Principal,
    filters: areas.AreaFilter,
    page: snapshot.PageSpec,
    output: Path,
    recorded: ExportRecord | None = None,
) -> None:
    """The Flächen map snapshot; with ``recorded``: again, as of that export."""
    payload, record, data = build.build_area_snapshot(
        get_db(),
        principal,
        filters,
        page,
        get_config(),
        created_at=recorded.created_at if recorded is not None else None,
    )
    _write(output, payload)
    _audit(principal, record, export_service.AREA_LENS)
    _saved(output, payload, data.data_hash, recorded.data_hash if recorded else None)
    click.echo(f"{len(data.areas)} Flächen auf der Karte.")


@click.command("export-report")
@with_appcontext
@click.option("--user", "username", required=True, help="Benutzername; dessen Rechte gelten.")
@click.option(
    "--ags",
    default="",
    help="Gemeindeschlüssel (AGS) der Gemeinde; mehrere kommagetrennt: ZIP (Kreisrollen).",
)
@click.option(
    "--all", "all_municipalities", is_flag=True, help="Alle Gemeinden als ZIP (Kreisrollen)."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_report(username: str, ags: str, all_municipalities: bool, output: Path) -> None:
    """Steckbrief einer Gemeinde (PDF), mehrerer oder aller Gemeinden (ZIP) exportieren."""
    if bool(ags) == all_municipalities:
        raise click.UsageError("Bitte geben Sie entweder --ags oder --all an.")
    principal = _principal(username)
    session = get_db()
    started = time.perf_counter()
    try:
        several = [a.strip() for a in ags.split(",") if a.strip()] if "," in ags else []
        if all_municipalities or several:
            _all_reports(principal, output, started, several)
            return
        municipality_id = export_service.municipality_id_for_ags(session, principal, ags)
        payload, record, data = build.build_report(
            session, principal, municipality_id, get_config()
        )
        _write(output, payload)
        _audit(principal, record, data.profile.ags)
    except CockpitError as error:
        raise _fail(error) from error
    click.echo(f"Steckbrief gespeichert: {output} ({time.perf_counter() - started:.1f} s)")


def _all_reports(principal: Principal, output: Path, started: float, only: list[str]) -> None:
    """Steckbriefe of all (or ``only`` these) municipalities as a job run in this process
    (recorded like any other job)."""
    queue = get_queue()
    job = jobs.start_all_reports(
        queue, get_db(), principal, get_config(), only=only, ip="cli", inline=True
    )
    state = job_service.get_job(get_db(), principal, job.id, get_config())
    if state.state is not JobState.DONE:
        raise click.ClickException(f"Export fehlgeschlagen: {state.message}")
    name = job_service.result_file(get_db(), principal, job.id, get_config())
    _write(output, (queue.result_dir / name).read_bytes())
    click.echo(
        f"{state.done} Steckbriefe gespeichert: {output} ({time.perf_counter() - started:.1f} s)"
    )


TABLES = ("karte", "ebene", "kennzahlen", "kenndaten", "flaechen")


@click.command("export-table")
@with_appcontext
@click.option("--user", "username", required=True, help="Benutzername; dessen Rechte gelten.")
@click.option(
    "--table",
    type=click.Choice(TABLES),
    required=True,
    help="karte = Werte der Übersichtskarte, ebene = Gemeinden mit Werten als Geodaten, "
    "kennzahlen/kenndaten = einer Gemeinde (--ags), flaechen = Flächenpotenziale "
    "(mit den Flächenfiltern).",
)
@_with_snapshot_options
@_with_area_filter_options
@click.option("--ags", default="", help="Gemeindeschlüssel für kennzahlen/kenndaten.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "gpkg", "geojson"]),
    default="xlsx",
    show_default=True,
    help="csv (ZIP mit metadaten.json), xlsx; für --table ebene: gpkg, geojson.",
)
@click.option("--sep", type=click.Choice([";", ","]), default=";", show_default=True)
@click.option("--decimal", type=click.Choice([",", "."]), default=",", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_table(
    username: str,
    table: str,
    indicator: str | None,
    year: int | None,
    method: str,
    classes: int,
    palette: str,
    layers: str,
    municipalities: str,
    bbox: str,
    ags: str,
    fmt: str,
    sep: str,
    decimal: str,
    output: Path,
    **area_options: Any,
) -> None:
    """Tabelle hinter einer Karte oder Grafik exportieren (CSV, XLSX, GeoPackage, GeoJSON).

    --table flaechen nimmt die Filter der Flächenseite (--kinds, --statuses, --sources,
    --municipalities, --min-ha, --max-ha, --age, --search, --deleted).
    """
    principal = _principal(username)
    session = get_db()
    if sep == decimal:
        raise click.UsageError("Trennzeichen und Dezimalzeichen müssen verschieden sein.")
    if (table == "ebene") != (fmt in ("gpkg", "geojson")):
        raise click.UsageError("GeoPackage/GeoJSON gibt es nur für --table ebene (und umgekehrt).")
    try:
        snapshot_raw = {
            "indicator": indicator,
            "year": year,
            "method": method,
            "classes": classes,
            "palette": palette,
            "municipalities": municipalities,
        }
        if table == "ebene":
            params = export_service.SnapshotParams.from_mapping(snapshot_raw)
            payload, record, data, count = build.build_layer(
                session, principal, params, fmt, get_config()
            )
            _write(output, payload)
            _audit(principal, record, data.name)
            click.echo(f"Ebene gespeichert: {output} ({count} Gemeinden)")
            return
        if table == "karte":
            params = export_service.SnapshotParams.from_mapping(snapshot_raw)
            table_list = [
                export_service.get_map_table(session, principal, params, config=get_config())
            ]
        elif table in ("kennzahlen", "kenndaten"):
            if not ags:
                raise click.UsageError("Bitte geben Sie --ags an.")
            mid = export_service.municipality_id_for_ags(session, principal, ags)
            if table == "kennzahlen":
                table_list = [
                    export_service.get_kpi_table(session, principal, mid, config=get_config())
                ]
            else:
                table_list = export_service.get_kenndaten_tables(
                    session, principal, mid, config=get_config()
                )
        else:
            table_list = [
                export_service.get_area_table(
                    session,
                    principal,
                    _area_filter(municipalities, area_options),
                    config=get_config(),
                )
            ]
        payload, record = build.build_tables(
            principal,
            table_list,
            fmt,
            separator=sep,  # type: ignore[arg-type]
            decimal=decimal,  # type: ignore[arg-type]
        )
        _write(output, payload)
        _audit(principal, record, table_list[0].name)
    except CockpitError as error:
        raise _fail(error) from error
    rows = sum(len(t.rows) for t in table_list)
    click.echo(f"Tabelle gespeichert: {output} ({rows} Zeilen)")


COMMANDS = [export_snapshot, export_report, export_table]
