"""Area potentials on the command line: ``cockpit import-areas`` and ``cockpit export-areas``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import SYSTEM, Principal
from cockpit.models import Municipality, User
from cockpit.services.areas import exchange as area_exchange
from cockpit.services.areas import export as area_export
from cockpit.web import get_config, get_db, get_settings
from layers.upload import UploadError, UploadLimits, read_upload, read_wfs


def _principal(username: str | None) -> Principal:
    if not username:
        return SYSTEM
    user = get_db().scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise click.ClickException(f"Benutzer „{username}“ gibt es nicht (oder er ist gesperrt).")
    return user.to_principal()


def _load_mapping(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    path = Path(value)
    text = path.read_text(encoding="utf-8") if path.exists() else value
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"Die Feldzuordnung ist kein gültiges JSON: {exc}") from exc
    if not isinstance(mapping, dict):
        raise click.ClickException("Die Feldzuordnung muss ein JSON-Objekt sein.")
    return {str(k): str(v) for k, v in mapping.items()}


@click.command("import-areas")
@click.argument("source", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--wfs", "wfs_url", help="WFS-Adresse (statt einer Datei).")
@click.option("--layer", help="Ebene (GeoPackage) bzw. Feature-Typ (WFS).")
@click.option("--source-name", required=True, help="Name der Quelle (Feldzuordnung je Quelle).")
@click.option("--mapping", help="Feldzuordnung als JSON oder Pfad zu einer JSON-Datei.")
@click.option("--apply", "do_apply", is_flag=True, help="Schreiben (sonst nur Vorschau).")
@click.option("--delete-missing", is_flag=True, help="Im Geoportal fehlende Flächen löschen.")
@click.option("--user", "username", help="Als dieser Benutzer (Standard: System).")
@with_appcontext
def import_areas(
    source: str | None,
    wfs_url: str | None,
    layer: str | None,
    source_name: str,
    mapping: str | None,
    do_apply: bool,
    delete_missing: bool,
    username: str | None,
) -> None:
    """Flächenpotenziale aus dem Geoportal importieren (Datei oder WFS); erst Vorschau."""
    settings = get_settings()
    limits = UploadLimits(max_bytes=settings.max_upload_mb * 1024 * 1024)
    if bool(source) == bool(wfs_url):
        raise click.UsageError("Bitte genau eine Quelle angeben: eine Datei oder --wfs URL.")
    try:
        if wfs_url:
            if not layer:
                raise click.UsageError("Für --wfs bitte --layer (Feature-Typ) angeben.")
            data = read_wfs(wfs_url, layer, limits=limits, metric_crs=settings.metric_crs)
        else:
            assert source is not None
            data = read_upload(
                Path(source),
                Path(source).name,
                layer=layer,
                limits=limits,
                metric_crs=settings.metric_crs,
            )
    except UploadError as exc:
        raise click.ClickException(exc.message) from exc
    for warning in data.warnings:
        click.echo(f"Hinweis: {warning}")
    session = get_db()
    principal = _principal(username)
    try:
        preview = area_exchange.preview_import(
            session, principal, data, source_name, _load_mapping(mapping), config=get_config()
        )
        counts = preview.counts
        click.echo(
            f"Vorschau „{source_name}“: {counts['new']} neu, {counts['changed']} geändert, "
            f"{counts['unchanged']} unverändert, {counts['missing']} fehlen im Geoportal."
        )
        for row in preview.changed:
            diff = "; ".join(f"{c.label}: {c.old_text} → {c.new_text}" for c in row.changes)
            geometry = " (Geometrie geändert)" if row.geometry_changed else ""
            click.echo(f"  geändert {row.geoportal_id} {row.name}: {diff}{geometry}")
        for missing in preview.missing:
            click.echo(
                f"  fehlt {missing.geoportal_id} {missing.name} ({missing.municipality_name})"
            )
        if not do_apply:
            click.echo("Nichts geschrieben (Vorschau). Mit --apply übernehmen.")
            return
        result = area_exchange.apply_import(
            session,
            principal,
            data,
            source_name,
            preview.mapping,
            expected_token=preview.token,
            delete_missing=delete_missing,
            config=get_config(),
        )
    except CockpitError as exc:
        raise click.ClickException(exc.user_message) from exc
    click.echo(
        f"Übernommen: {result.created} neu, {result.updated} geändert, {result.deleted} gelöscht."
    )


@click.command("export-areas")
@click.option("--target", type=click.Choice(area_export.EXPORT_TARGETS), default="geoportal")
@click.option(
    "--format", "file_format", type=click.Choice(area_export.EXPORT_FORMATS), default="gpkg"
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
@click.option("--changes-only", is_flag=True, help="Nur Änderungen seit dem letzten Export.")
@click.option("--municipality", "ags", help="Nur diese Gemeinde (AGS).")
@click.option("--csv-geometry", type=click.Choice(["wkt", "centroid"]), default="wkt")
@click.option("--user", "username", help="Als dieser Benutzer (Standard: System).")
@with_appcontext
def export_areas(
    target: str,
    file_format: str,
    out_dir: str,
    changes_only: bool,
    ags: str | None,
    csv_geometry: str,
    username: str | None,
) -> None:
    """Flächenpotenziale für Geoportal/KWIS exportieren (mit Manifest)."""
    session = get_db()
    municipality_id = None
    if ags:
        municipality_id = session.scalar(select(Municipality.id).where(Municipality.ags == ags))
        if municipality_id is None:
            raise click.ClickException(f"Eine Gemeinde mit AGS {ags} gibt es nicht.")
    try:
        result = area_export.export_areas(
            session,
            _principal(username),
            target=target,
            file_format=file_format,
            out_dir=Path(out_dir),
            changes_only=changes_only,
            municipality_id=municipality_id,
            csv_geometry=csv_geometry,
            config=get_config(),
        )
    except CockpitError as exc:
        raise click.ClickException(exc.user_message) from exc
    for path in [*result.files, result.manifest_path]:
        click.echo(str(path))
    click.echo(f"{result.manifest['anzahl']['objekte']} Flächen exportiert.")


COMMANDS = [import_areas, export_areas]
