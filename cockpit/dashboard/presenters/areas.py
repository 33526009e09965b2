"""Presenters for the area pages: service results -> Dash components / component props.

Pure functions (no database, no Flask request): the page callbacks call one service and hand
its result here. Everything the user reads is German; numbers and dates via Babel.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html
from dash.development.base_component import Component

from cockpit.domain.errors import ValidationError
from cockpit.domain.formatting import format_date, format_datetime, format_ha, format_number
from cockpit.domain.parsing import NumberFormatError, parse_optional_number
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    Ownership,
    PlanningStatus,
    ReviewState,
    SurveyOutcome,
)
from cockpit.services.areas import (
    AreaDetail,
    AreaFilter,
    AreaListItem,
    AreaListResult,
    AreaSnapshot,
    AreaWriteResult,
)
from cockpit.services.areas.exchange import ImportPreview, ImportResult
from cockpit.services.areas.fields import EDITABLE_FIELDS, FIELD
from cockpit.services.areas.mapping import IMPORT_FIELDS
from cockpit.services.areas.review import ProposalInfo, ProposalReview
from cockpit.services.areas.survey import SurveyProtocol, SurveyRow, SurveyView
from layers.area_geometry import GeometryCheck, to_web_geometries
from layers.upload import UploadedLayer, UploadError, read_upload

EMPTY_FC: dict[str, Any] = {"type": "FeatureCollection", "features": []}

AGE_ALL = "alle"
AGE_CURRENT = "aktuell"
AGE_STALE = "ueberfaellig"
AGE_OPTIONS = [
    {"label": "alle", "value": AGE_ALL},
    {"label": "aktuell bestätigt", "value": AGE_CURRENT},
    {"label": "Bestätigung überfällig", "value": AGE_STALE},
]

# Table columns: key, German header, sort key in the row dict.
TABLE_COLUMNS: list[tuple[str, str, str]] = [
    ("name", "Bezeichnung", "name"),
    ("municipality", "Gemeinde", "municipality"),
    ("kind", "Art", "kind_label"),
    ("area", "Fläche", "area_ha"),
    ("status", "Status", "status_label"),
    ("confirmed", "zuletzt bestätigt", "confirmed_sort"),
]
SORTABLE = {key: sort_key for key, _label, sort_key in TABLE_COLUMNS}


def enum_options(enum_cls: Iterable[Any]) -> list[dict[str, str]]:
    """Dropdown/checklist options (German label, code value) of a labelled enum."""
    return [{"label": member.label, "value": member.value} for member in enum_cls]


def code_options(options: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"label": label, "value": code} for code, label in options.items()]


KIND_OPTIONS = enum_options(AreaKind)
STATUS_OPTIONS = enum_options(AreaStatus)
SOURCE_OPTIONS = enum_options(AreaSource)
PLANNING_OPTIONS = enum_options(PlanningStatus)
OWNERSHIP_OPTIONS = enum_options(Ownership)
METHOD_OPTIONS = enum_options(ConfirmationMethod)
SERVICING_CHOICES = code_options(SERVICING_OPTIONS)
OBSTACLE_CHOICES = code_options(OBSTACLE_OPTIONS)


# --------------------------------------------------------------------------- filters


def _enum_values(enum_cls: type[Any], values: Iterable[Any] | None) -> tuple[Any, ...]:
    """Known enum members from untrusted values (unknown codes are ignored)."""
    result = []
    for value in values or ():
        try:
            result.append(enum_cls(value))
        except ValueError:
            continue
    return tuple(result)


def _float_or_none(value: Any) -> float | None:
    """A non-negative number under the one number rule; None for empty or bad input."""
    try:
        number = parse_optional_number(value)
    except NumberFormatError:
        return None
    return number if number is not None and number >= 0 else None


def int_tuple(values: Iterable[Any] | Any | None) -> tuple[int, ...]:
    if values is None or values == "":
        return ()
    if not isinstance(values, (list, tuple)):
        values = [values]
    result = []
    for value in values:
        try:
            result.append(int(value))
        except (TypeError, ValueError):
            continue
    return tuple(result)


def build_filter(
    *,
    kinds: Iterable[Any] | None = None,
    statuses: Iterable[Any] | None = None,
    sources: Iterable[Any] | None = None,
    municipality_ids: Iterable[Any] | Any | None = None,
    min_ha: Any = None,
    max_ha: Any = None,
    age: str | None = None,
    search: str | None = None,
    include_deleted: bool = False,
) -> AreaFilter:
    """An :class:`AreaFilter` from raw control values (untrusted; the service checks ids).

    An empty kind/status/source selection means "all" (the service's convention).
    """
    stale = {AGE_STALE: True, AGE_CURRENT: False}.get(age or AGE_ALL)
    low, high = _float_or_none(min_ha), _float_or_none(max_ha)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return AreaFilter(
        kinds=_enum_values(AreaKind, kinds),
        statuses=_enum_values(AreaStatus, statuses),
        sources=_enum_values(AreaSource, sources),
        municipality_ids=int_tuple(municipality_ids),
        min_ha=low,
        max_ha=high,
        stale=stale,
        search=(search or "").strip()[:100],
        include_deleted=include_deleted,
    )


def export_query(filters: AreaFilter, ags_by_id: Mapping[Any, str]) -> str:
    """URL query of the area exports for ``filters`` (the page's current filters).

    Same keys and values as :func:`cockpit.services.exports.parse_area_filter` reads, so
    the downloaded file holds exactly the filtered areas; municipalities as AGS
    (``ags_by_id`` maps the dropdown's ids — as int or JSON string keys — to AGS).
    Unset filters are left out.
    """
    municipalities = [
        str(ags_by_id.get(i, ags_by_id.get(str(i), ""))) for i in filters.municipality_ids
    ]
    stale = filters.stale
    params: list[tuple[str, str]] = [
        ("kinds", ",".join(k.value for k in filters.kinds)),
        ("statuses", ",".join(s.value for s in filters.statuses)),
        ("sources", ",".join(s.value for s in filters.sources)),
        ("municipalities", ",".join(m for m in municipalities if m)),
        ("min_ha", "" if filters.min_ha is None else repr(float(filters.min_ha))),
        ("max_ha", "" if filters.max_ha is None else repr(float(filters.max_ha))),
        ("age", "" if stale is None else (AGE_STALE if stale else AGE_CURRENT)),
        ("search", filters.search),
        ("deleted", "ja" if filters.include_deleted else ""),
    ]
    return urlencode([(k, v) for k, v in params if v], safe=",")


def fit_viewport(bounds: Sequence[float] | None) -> dict[str, Any] | None:
    """Map viewport that fits the filtered areas (``AreaListResult.bounds``), or ``None``."""
    box = leaflet_bounds(bounds)
    if box is None:
        return None
    return {"bounds": box, "transition": "flyToBounds"}


# --------------------------------------------------------------------------- map


def tooltip_text(properties: Mapping[str, Any]) -> str:
    """Hover text of an area polygon (plain text; Leaflet tooltips are not HTML-escaped)."""
    parts = [str(properties.get("name", ""))]
    if properties.get("area_ha") is not None:
        parts.append(format_ha(float(properties["area_ha"])))
    if properties.get("status_label"):
        parts.append(str(properties["status_label"]))
    if properties.get("stale"):
        parts.append("Bestätigung überfällig")
    return " · ".join(_escape(p) for p in parts if p)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_layers(geojson: Mapping[str, Any]) -> dict[AreaKind, dict[str, Any]]:
    """One FeatureCollection per kind (the map's toggleable layers), with tooltip text.

    Cluster points (too many areas for the view) are left out; the page shows the hint.
    """
    layers: dict[AreaKind, list[dict[str, Any]]] = {kind: [] for kind in AreaKind}
    for feature in geojson.get("features", []):
        properties = dict(feature.get("properties") or {})
        if properties.get("cluster"):
            continue
        try:
            kind = AreaKind(properties.get("kind"))
        except ValueError:
            continue
        properties["tooltip"] = tooltip_text(properties)
        layers[kind].append({**feature, "properties": properties})
    return {kind: {"type": "FeatureCollection", "features": f} for kind, f in layers.items()}


def leaflet_bounds(bounds: Sequence[float] | None, pad: float = 0.002) -> list[list[float]] | None:
    """(min_lon, min_lat, max_lon, max_lat) -> Leaflet's [[south, west], [north, east]]."""
    if not bounds or len(bounds) != 4:
        return None
    west, south, east, north = (float(b) for b in bounds)
    return [[south - pad, west - pad], [north + pad, east + pad]]


def highlight_feature(detail_geojson: Mapping[str, Any] | None) -> dict[str, Any]:
    if not detail_geojson:
        return EMPTY_FC
    return {"type": "FeatureCollection", "features": [dict(detail_geojson)]}


def edit_rings(feature: Mapping[str, Any] | None) -> list[list[list[list[float]]]]:
    """Polygons of a GeoJSON feature as Leaflet rings ([lat, lon]) for the edit layer.

    Leaflet.draw cannot edit MultiPolygons, so each part becomes its own polygon.
    """
    if not feature:
        return []
    geometry = feature.get("geometry") or {}
    if geometry.get("type") == "Polygon":
        parts = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        parts = list(geometry["coordinates"])
    else:
        return []
    return [[[[pt[1], pt[0]] for pt in ring] for ring in polygon] for polygon in parts]


def drawn_geometry(edit_geojson: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The polygons of the EditControl's ``geojson`` as one FeatureCollection (or ``None``).

    dash-leaflet reports every layer in the edit group (drawn and mounted ones); markers and
    lines are ignored because areas are polygonal.
    """
    if not edit_geojson:
        return None
    features = [
        {"type": "Feature", "properties": {}, "geometry": f["geometry"]}
        for f in edit_geojson.get("features", [])
        if (f.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")
    ]
    if not features:
        return None
    return {"type": "FeatureCollection", "features": features}


def pending_geometry_text(mode: str | None) -> str:
    """The form's geometry note while nothing new is drawn or uploaded.

    Editing an existing area keeps its geometry; only a new area or proposal needs one.
    (Leaflet.draw reports an empty layer whenever the edit toolbar is re-created.)
    """
    if mode in ("edit", "propose_fix"):
        return "Noch keine neue Geometrie – die bisherige Geometrie bleibt erhalten."
    return "Noch keine Geometrie – bitte zeichnen Sie die Fläche oder laden Sie eine Datei hoch."


class UploadProblem(ValueError):
    """An upload cannot be used (German ``message``; the log gets ``str(error)``)."""

    def __init__(self, log_message: str, message: str) -> None:
        super().__init__(log_message)
        self.message = message


def decode_upload(contents: str | None, filename: str | None) -> tuple[bytes, str]:
    """dcc.Upload's data URL -> (bytes, file name)."""
    name = Path(filename or "Upload").name
    if not contents or "," not in contents:
        raise UploadProblem("upload without content", "Bitte wählen Sie eine Datei aus.")
    try:
        payload = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError) as error:
        raise UploadProblem(
            f"{name}: not base64: {error}", f"Die Datei „{name}“ konnte nicht gelesen werden."
        ) from error
    return payload, name


def read_layer(payload: bytes, name: str, metric_crs: str) -> UploadedLayer:
    """Read and check an uploaded vector file (size, type, CRS, geometry; see layers.upload)."""
    try:
        return read_upload(payload, name, metric_crs=metric_crs)
    except UploadError as error:
        raise UploadProblem(str(error), error.message) from error


def upload_to_geojson(payload: bytes, name: str, metric_crs: str) -> dict[str, Any]:
    """An uploaded geometry file as a FeatureCollection in EPSG:4326 (for the form store)."""
    layer = read_layer(payload, name, metric_crs)
    geometries = [g for g in layer.frame.geometry if g is not None and not g.is_empty]
    if not geometries:
        raise UploadProblem(f"{name}: no polygons", f"Die Datei „{name}“ enthält keine Fläche.")
    web = to_web_geometries(geometries, metric_crs=metric_crs, tolerance_m=0)
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": g} for g in web],
    }


# --------------------------------------------------------------------------- table


def table_rows(items: Sequence[AreaListItem]) -> list[dict[str, Any]]:
    """Plain rows for the table store (JSON-serialisable, with sort keys)."""
    return [
        {
            "id": item.id,
            "name": item.name,
            "municipality": item.municipality_name,
            "ags": item.municipality_ags,
            "kind": item.kind.value,
            "kind_label": item.kind_label,
            "area_ha": item.area_ha,
            "area_text": format_ha(item.area_ha),
            "status": item.status.value,
            "status_label": item.status_label,
            "confirmed_text": item.last_confirmed_text,
            "confirmed_sort": item.last_confirmed_at.isoformat() if item.last_confirmed_at else "",
            "stale": item.stale,
            "deleted": item.is_deleted,
            "demo": item.is_demo,
            "version": item.version,
        }
        for item in items
    ]


def sort_rows(rows: Sequence[Mapping[str, Any]], column: str, ascending: bool) -> list[Any]:
    key = SORTABLE.get(column, "name")

    def sort_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        value = row.get(key)
        if isinstance(value, str):
            return (0, value.casefold(), row.get("id", 0))
        return (0 if value is not None else 1, value or 0, row.get("id", 0))

    return sorted(rows, key=sort_key, reverse=not ascending)


TABLE_PAGE_SIZE = 25  # rows per table page: every row is a component the browser tracks


def page_of(rows: Sequence[Mapping[str, Any]], column: str, ascending: bool, area_id: int) -> int:
    """The table page (0-based) on which ``area_id`` appears in the given sort order."""
    ordered = sort_rows(rows, column, ascending)
    index = next((i for i, row in enumerate(ordered) if row["id"] == area_id), 0)
    return index // TABLE_PAGE_SIZE


def _pager(page: int, pages: int, total: int, page_button_type: str) -> Component:
    return html.Nav(
        [
            html.Button(
                "‹ Vorherige Seite",
                id={"type": page_button_type, "page": page - 1},
                className="fl-pager-button",
                disabled=page == 0,
            ),
            html.Span(
                f"Seite {page + 1} von {pages} ({format_number(total)} Flächen)",
                className="fl-pager-text",
                role="status",
            ),
            html.Button(
                "Nächste Seite ›",
                id={"type": page_button_type, "page": page + 1},
                className="fl-pager-button",
                disabled=page >= pages - 1,
            ),
        ],
        className="fl-pager",
        **{"aria-label": "Seiten der Flächentabelle"},
    )


def area_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    sort_column: str,
    ascending: bool,
    selected: int | None,
    row_button_type: str,
    sort_button_type: str,
    page: int = 0,
    page_button_type: str = "",
) -> Component:
    """Accessible, sortable HTML table, one page of :data:`TABLE_PAGE_SIZE` rows at a time;
    the area name is a button that selects the area."""
    if not rows:
        return html.P(
            "Keine Flächen für die gewählten Filter gefunden.", className="fl-empty", role="status"
        )
    header_cells = []
    for key, label, _sort_key in TABLE_COLUMNS:
        active = key == sort_column
        arrow = (" ▲" if ascending else " ▼") if active else ""
        sort_state = ("ascending" if ascending else "descending") if active else "none"
        header_cells.append(
            html.Th(
                html.Button(
                    label + arrow,
                    id={"type": sort_button_type, "col": key},
                    className="fl-sort",
                    title=f"Nach „{label}“ sortieren",
                ),
                scope="col",
                **{"aria-sort": sort_state},
                className="fl-num" if key == "area" else None,
            )
        )
    pages = max(1, -(-len(rows) // TABLE_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    start = page * TABLE_PAGE_SIZE
    body = []
    for row in sort_rows(rows, sort_column, ascending)[start : start + TABLE_PAGE_SIZE]:
        badges: list[Component] = []
        if row.get("stale"):
            badges.append(html.Span("überfällig", className="fl-badge fl-badge-stale"))
        if row.get("deleted"):
            badges.append(html.Span("gelöscht", className="fl-badge fl-badge-deleted"))
        if row.get("demo"):
            badges.append(html.Span("Demo-Daten", className="fl-badge fl-badge-demo"))
        classes = ["fl-row"]
        if selected is not None and row["id"] == selected:
            classes.append("fl-row-selected")
        body.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Button(
                                row["name"],
                                id={"type": row_button_type, "index": row["id"]},
                                className="fl-link",
                                title="Fläche auf der Karte zeigen und Details öffnen",
                            ),
                            *badges,
                        ]
                    ),
                    html.Td(row["municipality"]),
                    html.Td(
                        [
                            html.Span(className=f"fl-dot fl-dot-{row['kind']}"),
                            row["kind_label"],
                        ]
                    ),
                    html.Td(row["area_text"], className="fl-num"),
                    html.Td(row["status_label"]),
                    html.Td(row["confirmed_text"]),
                ],
                className=" ".join(classes),
                **({"aria-selected": "true"} if "fl-row-selected" in classes else {}),
            )
        )
    table = html.Table(
        [
            html.Caption("Flächenpotenziale (Tabelle zur Karte)", className="fl-sr-only"),
            html.Thead(html.Tr(header_cells)),
            html.Tbody(body),
        ],
        className="fl-table",
    )
    if pages == 1 or not page_button_type:
        return table
    return html.Div([table, _pager(page, pages, len(rows), page_button_type)])


def summary_text(result: AreaListResult) -> str:
    """``"12 Flächen · 123,4 ha · 3 mit überfälliger Bestätigung"``."""
    count = "1 Fläche" if result.total == 1 else f"{format_number(result.total)} Flächen"
    parts = [count, format_ha(result.total_area_ha)]
    if result.stale_count:
        parts.append(f"{format_number(result.stale_count)} mit überfälliger Bestätigung")
    if result.total > len(result.items):
        parts.append(f"Tabelle zeigt die ersten {format_number(len(result.items))}")
    return " · ".join(parts)


# --------------------------------------------------------------------------- detail


def _definition_list(rows: Iterable[tuple[str, str]]) -> html.Dl:
    children: list[Component] = []
    for label, text in rows:
        children.append(html.Dt(label))
        children.append(html.Dd(text or "–"))
    return html.Dl(children, className="fl-attributes")


def history_table(detail: AreaDetail, *, can_restore: bool, restore_button_type: str) -> Component:
    """Versions newest first: when, who, what, why (+ "wiederherstellen" for editors)."""
    if not detail.history:
        return html.P("Keine Versionen vorhanden.")
    header = ["Version", "Zeitpunkt", "Aktion", "Bearbeitet von", "Begründung"]
    if can_restore:
        header.append("")
    rows = []
    for entry in detail.history:
        cells: list[Component] = [
            html.Td(str(entry.version)),
            html.Td(format_datetime(entry.valid_from)),
            html.Td(entry.action_label),
            html.Td(entry.changed_by_name or "–"),
            html.Td(entry.reason or "–"),
        ]
        if can_restore:
            cells.append(
                html.Td(
                    html.Button(
                        "wiederherstellen",
                        id={"type": restore_button_type, "version": entry.version},
                        className="fl-button fl-button-small",
                        title=f"Stand von Version {entry.version} wiederherstellen",
                    )
                    if entry.version != detail.version
                    else ""
                )
            )
        rows.append(html.Tr(cells))
    return html.Table(
        [
            html.Caption("Versionen (neueste zuerst)"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody(rows),
        ],
        className="fl-table fl-history",
    )


def detail_panel(detail: AreaDetail, *, can_restore: bool, restore_button_type: str) -> Component:
    """Everything about one area: attributes, confirmation, history."""
    badges: list[Component] = [
        html.Span(detail.kind.label, className=f"fl-badge fl-badge-{detail.kind.value}"),
        html.Span(detail.status.label, className="fl-badge"),
    ]
    if detail.stale:
        badges.append(html.Span("Bestätigung überfällig", className="fl-badge fl-badge-stale"))
    if detail.is_deleted:
        badges.append(html.Span("gelöscht", className="fl-badge fl-badge-deleted"))
    if detail.is_demo:
        badges.append(html.Span("Demo-Daten", className="fl-badge fl-badge-demo"))
    return html.Article(
        [
            html.H3(detail.name, id="fl-detail-heading"),
            html.P(
                f"{detail.municipality_name} (AGS {detail.municipality_ags}) · "
                f"Version {detail.version}",
                className="fl-muted",
            ),
            html.Div(badges, className="fl-badges"),
            html.P(detail.confirmation_text, className="fl-confirmation"),
            _definition_list((row.label, row.text) for row in detail.attributes),
            html.H4("Verlauf"),
            history_table(detail, can_restore=can_restore, restore_button_type=restore_button_type),
        ],
        className="fl-detail",
        **{"aria-labelledby": "fl-detail-heading"},
    )


def snapshot_panel(snapshot: AreaSnapshot | None, when: dt.date) -> Component:
    """The area as it was on ``when`` (read-only)."""
    if snapshot is None:
        return html.Div(
            html.P(f"Am {format_date(when)} gab es diese Fläche noch nicht.", role="status"),
            className="fl-detail",
        )
    return html.Article(
        [
            html.H3(f"Stand am {format_date(when)}"),
            html.P(
                f"Version {snapshot.version} vom {format_datetime(snapshot.valid_from)}"
                + (" – zu diesem Zeitpunkt gelöscht" if snapshot.is_deleted else ""),
                className="fl-muted",
            ),
            _definition_list((row.label, row.text) for row in snapshot.attribute_rows),
        ],
        className="fl-detail fl-detail-past",
    )


def snapshots_table(snapshots: Sequence[AreaSnapshot], when: dt.date, municipality: str) -> Any:
    if not snapshots:
        return html.P(f"{municipality}: am {format_date(when)} keine Flächen erfasst.")
    rows = []
    for snap in snapshots:
        attrs = snap.attributes
        rows.append(
            html.Tr(
                [
                    html.Td(str(attrs.get("name", ""))),
                    html.Td(_label(AreaKind, attrs.get("kind"))),
                    html.Td(format_ha(_float_or_none(attrs.get("area_ha")))),
                    html.Td(_label(AreaStatus, attrs.get("status"))),
                    html.Td(f"{snap.version} ({format_date(snap.valid_from)})"),
                ]
            )
        )
    return html.Table(
        [
            html.Caption(f"{municipality}: Flächen am {format_date(when)}"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in ("Bezeichnung", "Art", "Fläche", "Status", "Version")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="fl-table",
    )


def _label(enum_cls: type[Any], value: Any) -> str:
    try:
        return str(enum_cls(value).label)
    except ValueError:
        return str(value or "–")


def as_of_datetime(value: str | None) -> dt.datetime | None:
    """DatePicker value (``YYYY-MM-DD``) -> end of that day (local midnight next day, UTC)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


# --------------------------------------------------------------------------- editing

# The edit form shows every editable attribute of the field catalogue.
FORM_FIELDS: tuple[str, ...] = EDITABLE_FIELDS
ERROR_FIELDS: tuple[str, ...] = (*FORM_FIELDS, "geometry", "reason")
NEW_AREA_DEFAULTS: dict[str, str] = {
    "kind": AreaKind.GEWERBE.value,
    "status": AreaStatus.VERFUEGBAR.value,
}


def _form_value(key: str, value: Any) -> Any:
    kind = FIELD[key].kind
    if kind == "codes":
        return list(value or [])
    if kind == "choice":
        return value.value if value is not None else None
    if kind in ("text", "code", "longtext"):
        return value or ""
    return value


def form_values(detail: AreaDetail | None) -> dict[str, Any]:
    """Initial values of the edit form (empty form for a new area)."""
    if detail is None:
        return {key: NEW_AREA_DEFAULTS.get(key, _form_value(key, None)) for key in FORM_FIELDS}
    return {key: _form_value(key, getattr(detail, key)) for key in FORM_FIELDS}


def attributes_from_form(values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values -> service attributes (empty optional fields become ``None``)."""
    result: dict[str, Any] = {}
    for key in FORM_FIELDS:
        spec = FIELD[key]
        value = values.get(key)
        if isinstance(value, str):
            value = value.strip()
        if spec.kind == "codes":
            value = list(value or [])
        elif spec.kind == "longtext":
            value = value or ""
        elif not spec.required:
            value = value if value not in ("", None) else None
        result[key] = value
    return result


def changed_attributes(
    values: Mapping[str, Any], original: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Only what differs from the loaded state (a correction proposal lists changes only)."""
    attrs = attributes_from_form(values)
    if not original:
        return attrs
    base = attributes_from_form(original)
    return {k: v for k, v in attrs.items() if v != base.get(k)}


def write_message(result: AreaWriteResult, what: str) -> Component:
    """Success message with overlap warnings."""
    children: list[Component] = [
        html.P(f"{what} Fläche: {format_ha(result.area_ha)}, Version {result.version}.")
    ]
    if result.warnings:
        children.append(html.Ul([html.Li(w) for w in result.warnings], className="fl-warnings"))
    return alert(children, "warning" if result.warnings else "success")


def check_message(check: GeometryCheck) -> Component:
    """Result of "Geometrie prüfen": size and overlap warnings."""
    children: list[Component] = [html.P(f"Die Geometrie ist gültig: {format_ha(check.area_ha)}.")]
    if check.warnings:
        children.append(html.Ul([html.Li(w) for w in check.warnings], className="fl-warnings"))
    return alert(children, "warning" if check.warnings else "success")


def alert(children: Any, level: str = "info") -> html.Div:
    """A message box; errors are announced immediately (role=alert)."""
    role = "alert" if level == "error" else "status"
    return html.Div(children, className=f"fl-alert fl-alert-{level}", role=role)


def field_error_texts(field: str, message: str) -> dict[str, str]:
    """Map a service ValidationError's field to the form's error slots."""
    key = field if field in ERROR_FIELDS else ""
    return {key: message} if key else {}


# --------------------------------------------------------------------------- due list


def due_panel(
    per_municipality: Sequence[Any], due_areas: Sequence[Any], *, can_survey: bool
) -> Component:
    """ "Fällige Bestätigungen": per municipality (with link to the conversation) and per area."""
    if not per_municipality:
        return html.P("Keine Flächen erfasst.", role="status")
    rows = []
    for entry in per_municipality:
        action: Component = ""
        if can_survey and entry.total:
            action = dcc.Link(
                "Erhebungsgespräch starten",
                href=f"/flaechen/erhebung/{entry.ags}",
                className="fl-button fl-button-small",
            )
        rows.append(
            html.Tr(
                [
                    html.Td(entry.name),
                    html.Td(format_number(entry.total), className="fl-num"),
                    html.Td(
                        format_number(entry.due),
                        className="fl-num" + (" fl-due" if entry.due else ""),
                    ),
                    html.Td(format_number(entry.never_confirmed), className="fl-num"),
                    html.Td(format_date(entry.oldest_confirmation)),
                    html.Td(action),
                ]
            )
        )
    total_due = sum(e.due for e in per_municipality)
    table = html.Table(
        [
            html.Caption(
                f"Fällige Bestätigungen: {format_number(total_due)} Flächen in "
                f"{format_number(sum(1 for e in per_municipality if e.due))} Gemeinden"
            ),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in (
                            "Gemeinde",
                            "Flächen",
                            "fällig",
                            "nie bestätigt",
                            "älteste Bestätigung",
                            "",
                        )
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="fl-table",
    )
    area_items = [
        html.Li(f"{a.municipality_name}: {a.name} ({a.area_text}, {a.last_confirmed_text})")
        for a in due_areas[:200]
    ]
    return html.Div(
        [
            table,
            html.Details(
                [html.Summary(f"Einzelne fällige Flächen ({len(due_areas)})"), html.Ul(area_items)]
            ),
        ]
    )


# --------------------------------------------------------------------------- export


def export_download(files: Sequence[Path], manifest_path: Path) -> tuple[bytes, str]:
    """The bytes the browser downloads: a single data file, or a zip of several + manifest."""
    data_files = [f for f in files if f != manifest_path]
    if len(data_files) == 1:
        return data_files[0].read_bytes(), data_files[0].name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in [*data_files, manifest_path]:
            archive.write(path, path.name)
    base = data_files[0].stem if data_files else "export"
    return buffer.getvalue(), f"{base}.zip"


def export_summary(manifest: Mapping[str, Any]) -> str:
    """``"Export erstellt: 12 Flächen (3 neu, 2 geändert, 1 gelöscht)."``"""
    counts = manifest.get("anzahl") or {}
    total = int(counts.get("objekte", 0))
    detail = ", ".join(
        f"{format_number(int(counts.get(key, 0)))} {label}"
        for key, label in (("new", "neu"), ("changed", "geändert"), ("deleted", "gelöscht"))
    )
    noun = "Fläche" if total == 1 else "Flächen"
    scope = " (nur Änderungen seit dem letzten Export)" if manifest.get("nur_aenderungen") else ""
    return f"Export erstellt{scope}: {format_number(total)} {noun} ({detail})."


# --------------------------------------------------------------------------- import

NOT_MAPPED = ""


def mapping_form(fields: Sequence[str], mapping: Mapping[str, str], id_type: str) -> Component:
    """One dropdown per source field: which of our fields it fills (or none)."""
    options = [{"label": "– nicht übernehmen –", "value": NOT_MAPPED}] + [
        {"label": label, "value": key} for key, label in IMPORT_FIELDS.items()
    ]
    rows = []
    for source in fields:
        control_id = {"type": id_type, "source": source}
        rows.append(
            html.Tr(
                [
                    html.Th(source, scope="row"),
                    html.Td(
                        dcc.Dropdown(
                            id=control_id,
                            options=options,
                            value=mapping.get(source, NOT_MAPPED),
                            clearable=False,
                        )
                    ),
                ]
            )
        )
    return html.Table(
        [
            html.Caption("Feldzuordnung (Feld der Datei → Feld im Cockpit)"),
            html.Thead(
                html.Tr([html.Th("Feld der Datei", scope="col"), html.Th("Zielfeld", scope="col")])
            ),
            html.Tbody(rows),
        ],
        className="fl-table fl-mapping",
    )


def mapping_from_form(states: Sequence[Mapping[str, Any]], values: Sequence[Any]) -> dict[str, str]:
    """The mapping dict from the pattern-matched dropdowns (ids carry the source field)."""
    mapping: dict[str, str] = {}
    for state, value in zip(states, values, strict=False):
        source = str(state["id"]["source"])
        if value and value != NOT_MAPPED:
            mapping[source] = str(value)
    return mapping


PREVIEW_COLUMNS = ("Ergebnis", "Geoportal-ID", "Name", "Gemeinde", "Änderungen")


def _preview_table(rows: list[Component], caption: str) -> Component:
    return html.Div(
        html.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in PREVIEW_COLUMNS])),
                html.Tbody(rows),
            ],
            className="fl-table",
        ),
        className="fl-table-wrap",
    )


def preview_panel(preview: ImportPreview) -> Component:
    """neu / geändert / unverändert / fehlend, with field differences.

    New and changed areas are listed in full; the areas missing from the file (a partial
    Geoportal layer can miss hundreds) are folded away so the decision stays in view.
    """
    counts = preview.counts
    summary = html.P(
        f"{format_number(counts['new'])} neu · {format_number(counts['changed'])} geändert · "
        f"{format_number(counts['unchanged'])} unverändert · "
        f"{format_number(counts['missing'])} fehlend (im Cockpit, nicht in der Datei)",
        className="fl-summary",
        role="status",
    )
    children: list[Component] = [html.H3("Vorschau"), summary]
    if preview.warnings:
        children.append(html.Ul([html.Li(w) for w in preview.warnings], className="fl-warnings"))
    rows = []
    for state_label, items in (("neu", preview.new), ("geändert", preview.changed)):
        for row in items:
            changes = "; ".join(f"{c.label}: {c.old_text} → {c.new_text}" for c in row.changes)
            if row.geometry_changed:
                changes = (changes + "; " if changes else "") + "Geometrie geändert"
            rows.append(
                html.Tr(
                    [
                        html.Td(state_label),
                        html.Td(row.geoportal_id),
                        html.Td(row.name),
                        html.Td(row.municipality_name),
                        html.Td(changes or "–"),
                    ]
                )
            )
    if rows:
        children.append(_preview_table(rows, "Neue und geänderte Flächen"))
    if preview.missing:
        missing_rows = [
            html.Tr(
                [
                    html.Td("fehlend"),
                    html.Td(missing.geoportal_id),
                    html.Td(missing.name),
                    html.Td(missing.municipality_name),
                    html.Td("nicht mehr in der Datei"),
                ]
            )
            for missing in preview.missing
        ]
        children.append(
            html.Details(
                [
                    html.Summary(
                        f"{format_number(counts['missing'])} fehlende Flächen anzeigen "
                        "(bleiben erhalten, außer Sie wählen „fehlende Flächen löschen“)"
                    ),
                    _preview_table(
                        missing_rows, "Fehlende Flächen (im Cockpit, nicht in der Datei)"
                    ),
                ],
                className="fl-preview-missing",
            )
        )
    return html.Div(children, className="fl-preview")


def import_result_message(result: ImportResult) -> Component:
    text = (
        f"Import übernommen: {format_number(result.created)} neu, "
        f"{format_number(result.updated)} geändert, {format_number(result.unchanged)} unverändert, "
        f"{format_number(result.deleted)} gelöscht, {format_number(result.missing_kept)} fehlende "
        "behalten."
    )
    children: list[Component] = [html.P(text)]
    if result.warnings:
        children.append(html.Ul([html.Li(w) for w in result.warnings], className="fl-warnings"))
    return alert(children, "warning" if result.warnings else "success")


# --------------------------------------------------------------------------- survey


def parse_day(value: str | None) -> dt.date:
    """``YYYY-MM-DD`` from a date input; German message when missing or malformed."""
    try:
        return dt.date.fromisoformat(str(value or "")[:10])
    except ValueError as error:
        raise ValidationError(
            f"bad date {value!r}", "Bitte geben Sie ein gültiges Datum an.", "held_on"
        ) from error


def method(value: str | None) -> ConfirmationMethod:
    try:
        return ConfirmationMethod(value or ConfirmationMethod.GESPRAECH.value)
    except ValueError as error:
        raise ValidationError(
            f"bad method {value!r}", "Bitte wählen Sie die Art der Erhebung.", "method"
        ) from error


def _walk_rows(view: SurveyView) -> list[SurveyRow]:
    """The areas to discuss: every non-deleted area plus those handled in this survey."""
    return [r for r in view.rows if not r.is_deleted or r.outcome is not None]


def current_row(view: SurveyView, index: Any) -> SurveyRow | None:
    rows = _walk_rows(view)
    if not rows:
        return None
    position = index if isinstance(index, int) else 0
    return rows[min(max(position, 0), len(rows) - 1)]


def next_open_index(view: SurveyView, index: Any) -> int:
    """The next area without an outcome (after the current one, else from the start)."""
    rows = _walk_rows(view)
    start = index if isinstance(index, int) else 0
    order = list(range(start + 1, len(rows))) + list(range(0, start + 1))
    for position in order:
        if rows[position].outcome is None:
            return position
    return min(start, max(len(rows) - 1, 0))


def progress(view: SurveyView, index: Any) -> Component:
    """``Fläche 3 von 7`` plus how many are done, as text and bar."""
    rows = _walk_rows(view)
    total = len(rows)
    done = sum(1 for r in rows if r.outcome is not None)
    position = (min(max(index, 0), total - 1) + 1) if isinstance(index, int) and total else 0
    percent = round(100 * done / total) if total else 100
    return html.Div(
        [
            html.P(
                f"Fläche {position} von {total} · erledigt: {done} von {total}",
                className="fl-progress",
            ),
            html.Div(
                html.Div(style={"width": f"{percent}%"}),
                className="fl-progress-bar",
                role="progressbar",
                **{"aria-valuenow": str(done), "aria-valuemin": "0", "aria-valuemax": str(total)},
            ),
            html.P(
                f"{view.municipality_name} · {view.held_on_text} · {view.method_label} · "
                f"{view.participants}",
                className="fl-muted",
            ),
        ]
    )


def area_card(view: SurveyView, row: SurveyRow | None, detail: AreaDetail | None) -> Component:
    if row is None or detail is None:
        return html.P(
            f"{view.municipality_name} hat keine erfassten Flächen. Erfassen Sie neue Flächen "
            "unten mit „Neue Fläche erfassen“."
        )
    outcome = (
        html.P(f"Ergebnis in diesem Gespräch: {row.outcome_label}", className="fl-summary")
        if row.outcome is not None
        else html.P("Noch kein Ergebnis.", className="fl-muted")
    )
    wanted = ("kind", "area_ha", "net_area_ha", "status", "planning_status", "ownership")
    return html.Article(
        [
            html.H2(detail.name, id="survey-area-heading"),
            outcome,
            html.P(detail.confirmation_text, className="fl-confirmation"),
            _definition_list((a.label, a.text) for a in detail.attributes if a.key in wanted),
        ],
        className="fl-detail",
    )


def detail_layers(detail: AreaDetail | None) -> dict[AreaKind, dict[str, Any]]:
    if detail is None:
        return {kind: EMPTY_FC for kind in AreaKind}
    feature = dict(detail.geojson)
    feature["properties"] = {
        **(feature.get("properties") or {}),
        "id": detail.id,
        "name": detail.name,
        "kind": detail.kind.value,
        "status": detail.status.value,
        "status_label": detail.status.label,
        "area_ha": detail.area_ha,
        "stale": detail.stale,
    }
    return split_layers({"type": "FeatureCollection", "features": [feature]})


def changes(status: str | None, name: str | None, net_area_ha: Any) -> dict[str, Any]:
    """The "geändert" form: only filled fields count as changes."""
    result: dict[str, Any] = {}
    if status:
        result["status"] = status
    if name and name.strip():
        result["name"] = name.strip()
    if net_area_ha not in (None, ""):
        result["net_area_ha"] = net_area_ha
    return result


def _outcome_label(key: str) -> str:
    try:
        return str(SurveyOutcome(key).label)
    except ValueError:
        return key


def protocol_summary(protocol: SurveyProtocol) -> Component:
    counts = ", ".join(f"{_outcome_label(key)}: {count}" for key, count in protocol.counts.items())
    return html.Div(
        [
            html.P(
                f"Gespräch mit {protocol.municipality_name} am {protocol.held_on_text} "
                f"abgeschlossen ({protocol.closed_text})."
            ),
            html.P(f"Ergebnisse – {counts}."),
            html.P(f"Teilnehmende: {protocol.participants}", className="fl-muted"),
        ]
    )


# --------------------------------------------------------------------------- review


def review_state(value: str | None) -> ReviewState | None:
    try:
        return ReviewState(value) if value else None
    except ValueError:
        return ReviewState.OPEN


def proposal_list(items: Sequence[ProposalInfo], selected: Any, row_type: str) -> Component:
    if not items:
        return html.P("Keine Vorschläge in dieser Ansicht.", role="status")
    entries = []
    for item in items:
        current = isinstance(selected, int) and item.id == selected
        entries.append(
            html.Li(
                [
                    html.Button(
                        f"Nr. {item.id}: {item.area_name or 'ohne Namen'}",
                        id={"type": row_type, "index": item.id},
                        className="fl-link",
                        **({"aria-current": "true"} if current else {}),
                    ),
                    html.Div(
                        f"{item.kind_label} · {item.municipality_name} · {item.created_text} · "
                        f"{item.state_label}",
                        className="fl-muted",
                    ),
                ],
                className="fl-row-selected" if current else None,
            )
        )
    return html.Ul(entries, className="fl-proposals")


def feature_bounds(features: Iterable[Mapping[str, Any] | None]) -> list[list[float]] | None:
    """Leaflet bounds around the given GeoJSON features (EPSG:4326)."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], (int, float)):
            xs.append(float(coords[0]))
            ys.append(float(coords[1]))
            return
        for part in coords or ():
            walk(part)

    for feature in features:
        if feature:
            walk((feature.get("geometry") or {}).get("coordinates"))
    if not xs:
        return None
    return leaflet_bounds((min(xs), min(ys), max(xs), max(ys)))


def review_panel(review: ProposalReview) -> Component:
    """Old vs. new attributes side by side, with warnings and the proposal's comment."""
    info = review.proposal
    children: list[Component] = [
        html.H2(f"Vorschlag Nr. {info.id}: {info.area_name}", id="review-heading"),
        html.P(
            f"{info.kind_label} · {info.municipality_name} · eingereicht {info.created_text}"
            + (f" von {info.proposed_by_name}" if info.proposed_by_name else "")
            + f" · {info.state_label}",
            className="fl-muted",
        ),
    ]
    if info.comment:
        children.append(html.P(f"Kommentar der Gemeinde: {info.comment}"))
    if info.review_reason:
        children.append(html.P(f"Begründung der Prüfung: {info.review_reason}"))
    if review.warnings:
        children.append(alert(html.Ul([html.Li(w) for w in review.warnings]), "warning"))
    rows = [
        html.Tr([html.Th(d.label, scope="row"), html.Td(d.old_text), html.Td(d.new_text)])
        for d in review.diffs
    ]
    children.append(
        html.Table(
            [
                html.Caption("Änderungen"),
                html.Thead(
                    html.Tr(
                        [
                            html.Th("Feld", scope="col"),
                            html.Th("bisher", scope="col"),
                            html.Th("Vorschlag", scope="col"),
                        ]
                    )
                ),
                html.Tbody(rows or [html.Tr(html.Td("keine Attributänderungen", colSpan=3))]),
            ],
            className="fl-table",
        )
    )
    return html.Article(children, className="fl-detail")
