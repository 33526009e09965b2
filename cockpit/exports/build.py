"""Shared export sequences: gather the data → build the export record → render the file.

Used by the download routes (:mod:`cockpit.exports.routes`), the CLI
(:mod:`cockpit.cli.exports`) and the report job, so that all of them produce identical
files. Each data call goes through one authorizing service of
:mod:`cockpit.services.exports`; the record comes from the result's
:class:`~cockpit.services.exports.Provenance` (:func:`metadata.record_for`). The callers
deliver or write the payload and write the audit entry themselves (with their own
``ip``/details).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from cockpit.domain.roles import Principal
from cockpit.exports import report, snapshot, tables
from cockpit.exports.metadata import ExportRecord, record_for
from cockpit.services import areas
from cockpit.services import exports as export_service
from cockpit.services.config import ServiceConfig

# --------------------------------------------------------------------------- snapshot


def build_snapshot(
    session: Session,
    principal: Principal,
    params: export_service.SnapshotParams,
    page: snapshot.PageSpec,
    config: ServiceConfig,
    *,
    created_at: str | None = None,
) -> tuple[bytes, ExportRecord, export_service.SnapshotData]:
    """Map snapshot (PDF/PNG/SVG) as ``(payload, record, data)``."""
    data = export_service.get_snapshot_data(session, principal, params, config=config)
    sheet = snapshot.sheet_of(data)
    payload, record = _render(sheet, params.to_dict(), page, principal, created_at)
    return payload, record, data


def build_cluster_snapshot(
    session: Session,
    principal: Principal,
    cluster_id: int | None,
    page: snapshot.PageSpec,
    config: ServiceConfig,
    *,
    created_at: str | None = None,
) -> tuple[bytes, ExportRecord, export_service.ClusterMapData]:
    """Map snapshot of the Themencluster lens (PDF/PNG/SVG) as ``(payload, record, data)``."""
    data = export_service.get_cluster_map_data(session, principal, cluster_id, config=config)
    payload, record = _render(
        snapshot.cluster_sheet(data), data.params, page, principal, created_at
    )
    return payload, record, data


def build_area_snapshot(
    session: Session,
    principal: Principal,
    filters: areas.AreaFilter,
    page: snapshot.PageSpec,
    config: ServiceConfig,
    *,
    created_at: str | None = None,
) -> tuple[bytes, ExportRecord, export_service.AreaMapData]:
    """Map snapshot of the Flächen page for ``filters`` (PDF/PNG/SVG) as
    ``(payload, record, data)``; the record's parameters are ``{"lens": "flaechen"}`` plus
    the filters in query form (:func:`cockpit.services.exports.area_filter_params`)."""
    data = export_service.get_area_map_data(session, principal, filters, config=config)
    payload, record = _render(snapshot.area_sheet(data), data.params, page, principal, created_at)
    return payload, record, data


def _render(
    sheet: snapshot.MapSheet,
    params: dict[str, Any],
    page: snapshot.PageSpec,
    principal: Principal,
    created_at: str | None,
) -> tuple[bytes, ExportRecord]:
    """Record and rendering of a map sheet (overview, Themencluster, Flächen)."""
    record = record_for(
        sheet.provenance,
        kind="snapshot",
        fmt=page.fmt,
        params=params,
        principal=principal,
        title=sheet.title,
        render=page.to_dict(),
        created_at=created_at,
    )
    return snapshot.render_snapshot(sheet, page, record), record


# --------------------------------------------------------------------------- report


def report_record(
    principal: Principal, data: export_service.ReportData, *, created_at: str | None = None
) -> ExportRecord:
    """The export record of one municipality's Steckbrief."""
    return record_for(
        data.provenance,
        kind="report",
        fmt="pdf",
        params={"municipality": data.profile.ags},
        principal=principal,
        title=report.title_of(data),
        created_at=created_at,
    )


def build_report(
    session: Session, principal: Principal, municipality_id: int, config: ServiceConfig
) -> tuple[bytes, ExportRecord, export_service.ReportData]:
    """Steckbrief (PDF) of one municipality as ``(payload, record, data)``."""
    data = export_service.get_report_data(session, principal, municipality_id, config=config)
    record = report_record(principal, data)
    return report.render_report(data, record), record, data


# --------------------------------------------------------------------------- tables


def build_layer(
    session: Session,
    principal: Principal,
    params: export_service.SnapshotParams,
    fmt: str,
    config: ServiceConfig,
) -> tuple[bytes, ExportRecord, export_service.TableData, int]:
    """Municipality layer of the map (``gpkg``, otherwise GeoJSON).

    Returns ``(payload, record, table, feature_count)``.
    """
    frame, table = export_service.get_map_layer(session, principal, params, config=config)
    return _layer(frame, table, params.to_dict(), fmt, principal, layer="gemeinden")


def _layer(
    frame: Any,
    table: export_service.TableData,
    params: dict[str, Any],
    fmt: str,
    principal: Principal,
    layer: str,
) -> tuple[bytes, ExportRecord, export_service.TableData, int]:
    """``frame`` as GeoPackage (``gpkg``, layer ``layer``) or GeoJSON, with its record."""
    record = record_for(
        table.provenance,
        kind="layer",
        fmt=fmt,
        params=params,
        principal=principal,
        title=table.title,
    )
    if fmt == "gpkg":
        payload = tables.to_gpkg(frame, record, layer=layer)
    else:
        payload = tables.to_geojson(frame, record)
    return payload, record, table, len(frame)


def build_area_layer(
    session: Session,
    principal: Principal,
    filters: areas.AreaFilter,
    fmt: str,
    config: ServiceConfig,
) -> tuple[bytes, ExportRecord, export_service.TableData, int]:
    """The filtered area potentials as a layer (``gpkg``, otherwise GeoJSON).

    Returns ``(payload, record, table, feature_count)``; the record's parameters are the
    filters (:func:`cockpit.services.exports.area_filter_params`).
    """
    frame, table = export_service.get_area_layer(session, principal, filters, config=config)
    return _layer(frame, table, dict(table.params), fmt, principal, layer=table.name)


def build_tables(
    principal: Principal,
    table_list: Sequence[export_service.TableData],
    fmt: str,
    *,
    kind: str = "table",
    title: str | None = None,
    separator: tables.Separator = ";",
    decimal: tables.DecimalMark = ",",
) -> tuple[bytes, ExportRecord]:
    """Tables as XLSX (``fmt == "xlsx"``), otherwise CSV files + metadata in a ZIP.

    ``title`` defaults to the title of the first table. Returns ``(payload, record)``.
    """
    first = table_list[0]
    record = record_for(
        export_service.combine([t.provenance for t in table_list]),
        kind=kind,
        fmt=fmt,
        params=dict(first.params),
        principal=principal,
        title=first.title if title is None else title,
    )
    if fmt == "xlsx":
        return tables.to_xlsx(table_list, record), record
    files = [
        (f"{t.name}.csv", tables.to_csv(t, separator=separator, decimal=decimal))
        for t in table_list
    ]
    files.append((f"{first.name}.metadaten.json", record.to_json(indent=2).encode()))
    return tables.zip_files(files, record), record
