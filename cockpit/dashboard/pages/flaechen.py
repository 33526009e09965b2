"""District page "Flächen": map layers, filters, table, detail, editing, due list, exchange.

Callbacks are thin: read inputs, get the principal and the session, call one service, hand
the result to :mod:`cockpit.dashboard.presenters.areas`, return. The services authorize
every call; the UI only hides what a role cannot use.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.components import export_links
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import (
    AccessDeniedError,
    CockpitError,
    ConflictError,
    ValidationError,
)
from cockpit.domain.roles import Permission, Principal
from cockpit.services import areas, authz
from cockpit.services.areas import exchange as area_exchange
from cockpit.services.areas import export as area_export
from cockpit.services.areas import mapping as area_mapping
from cockpit.services.areas import review as area_review
from cockpit.services.areas import survey as area_survey
from cockpit.services.maps import get_display_geometry
from cockpit.services.profile import municipality_id_for_ags
from cockpit.web import get_config, get_db, get_settings

log = logging.getLogger(__name__)

PATH = re.compile(r"^/flaechen$")
TITLE = "Flächen"
NAV_ORDER = 10

MAP_IDS = amap.area_map_ids(ids.AREAS_MAP_PREFIX)
HIDDEN: dict[str, str] = {"display": "none"}
SHOWN: dict[str, str] = {}
FIELD_ID = ids.AREAS_FORM_FIELD
# Slots of the download links (the link groups carry ids.AREAS_*_DOWNLOADS themselves).
MAP_DOWNLOADS_SLOT = f"{ids.AREAS_MAP_DOWNLOADS}-slot"
TABLE_DOWNLOADS_SLOT = f"{ids.AREAS_TABLE_DOWNLOADS}-slot"
FILTER_INPUTS = (
    ids.AREAS_F_KIND,
    ids.AREAS_F_STATUS,
    ids.AREAS_F_SOURCE,
    ids.AREAS_F_MUNICIPALITY,
    ids.AREAS_F_MIN_HA,
    ids.AREAS_F_MAX_HA,
    ids.AREAS_F_AGE,
    ids.AREAS_F_SEARCH,
    ids.AREAS_F_DELETED,
)
ERROR_ID = ids.AREAS_FORM_ERROR

FORM_TITLES = {
    "new": "Neue Fläche anlegen",
    "edit": "Fläche bearbeiten",
    "propose_new": "Fläche vorschlagen",
    "propose_fix": "Korrektur vorschlagen",
}


# --------------------------------------------------------------------------- helpers


def _municipality_rows(principal: Principal) -> list[tuple[str, int, str]]:
    """(name, id, AGS) of the municipalities whose areas the principal may see, by name."""
    session = get_db()
    geometry = get_display_geometry(session, principal)
    features = json.loads(geometry.geojson).get("features", [])
    scope = authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)
    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        ags = str(props.get("ags", ""))
        municipality_id = municipality_id_for_ags(session, principal, ags)
        if scope.allows(municipality_id):
            rows.append((str(props.get("name", "")), municipality_id, ags))
    return sorted(rows, key=lambda r: r[0].casefold())


def municipality_choices(principal: Principal) -> list[dict[str, Any]]:
    """Dropdown options (id, name) of the municipalities whose areas the principal may see."""
    return [{"label": name, "value": mid} for name, mid, _ags in _municipality_rows(principal)]


def _context(principal: Principal) -> dict[str, Any]:
    propose_scope = authz.scope_for(principal, Permission.PROPOSE_AREAS)
    return {
        "can_edit": authz.may(principal, Permission.EDIT_AREAS),
        "can_review": authz.may(principal, Permission.REVIEW_AREAS),
        "can_propose": not propose_scope.is_empty and not propose_scope.all_municipalities,
        "can_export": not authz.scope_for(principal, Permission.EXPORT_DATA).is_empty,
        "can_import": authz.may(principal, Permission.IMPORT_DATA),
    }


def _labelled(label: str, control: Component, field: str | None = None, hint: str = "") -> Any:
    children: list[Component] = [html.Label(label, htmlFor=_dom_id(control)), control]
    if hint:
        children.append(html.Small(hint, className="fl-hint"))
    if field:
        children.append(
            html.Div(
                id={"type": ERROR_ID, "field": field}, className="fl-field-error", role="alert"
            )
        )
    return html.Div(children, className="fl-field")


def _dom_id(control: Component) -> str | None:
    """The DOM id Dash renders (pattern ids become sorted, compact JSON)."""
    control_id = getattr(control, "id", None)
    if isinstance(control_id, dict):
        return json.dumps(control_id, sort_keys=True, separators=(",", ":"))
    return control_id if isinstance(control_id, str) else None


def _form_field(field: str, label: str, control: Component, hint: str = "") -> Any:
    return _labelled(label, control, field, hint)


def _checklist_fieldset(legend: str, component_id: str, options: Any) -> Component:
    """A filter group: a legend over an initially empty checklist."""
    return html.Fieldset(
        [
            html.Legend(legend),
            dcc.Checklist(id=component_id, options=options, value=[], className="fl-checklist"),
        ]
    )


def _filter_panel(municipalities: list[dict[str, Any]], context: dict[str, Any]) -> Component:
    children: list[Component] = [
        html.H2("Filter", className="fl-h2"),
        _labelled(
            "Suche (Name, Geoportal-ID)",
            dcc.Input(
                id=ids.AREAS_F_SEARCH,
                type="search",
                debounce=True,
                placeholder="z. B. Gewerbegebiet Nord",
                className="fl-input",
            ),
        ),
        _checklist_fieldset("Art", ids.AREAS_F_KIND, present.KIND_OPTIONS),
        _checklist_fieldset("Status", ids.AREAS_F_STATUS, present.STATUS_OPTIONS),
        html.Fieldset(
            [
                html.Legend("Größe (ha)"),
                html.Div(
                    [
                        _labelled(
                            "von",
                            dcc.Input(
                                id=ids.AREAS_F_MIN_HA,
                                type="number",
                                min=0,
                                step=0.1,
                                debounce=True,
                                className="fl-input fl-input-short",
                            ),
                        ),
                        _labelled(
                            "bis",
                            dcc.Input(
                                id=ids.AREAS_F_MAX_HA,
                                type="number",
                                min=0,
                                step=0.1,
                                debounce=True,
                                className="fl-input fl-input-short",
                            ),
                        ),
                    ],
                    className="fl-range",
                ),
            ]
        ),
        _labelled(
            "Gemeinde",
            dcc.Dropdown(
                id=ids.AREAS_F_MUNICIPALITY,
                options=municipalities,
                multi=True,
                placeholder="alle Gemeinden",
                labels={
                    "search": "Suchen",
                    "no_options_found": "Keine Gemeinde gefunden",
                    "clear_selection": "Auswahl löschen",
                    "select_all": "Alle auswählen",
                    "deselect_all": "Keine auswählen",
                },
            ),
        ),
        html.Fieldset(
            [
                html.Legend("Bestätigung"),
                dcc.RadioItems(
                    id=ids.AREAS_F_AGE,
                    options=present.AGE_OPTIONS,
                    value=present.AGE_ALL,
                    className="fl-checklist",
                ),
            ]
        ),
        _checklist_fieldset("Quelle", ids.AREAS_F_SOURCE, present.SOURCE_OPTIONS),
    ]
    children.append(
        dcc.Checklist(
            id=ids.AREAS_F_DELETED,
            options=[{"label": "gelöschte Flächen anzeigen", "value": "ja"}],
            value=[],
            className="fl-checklist",
            style=SHOWN if context["can_edit"] else HIDDEN,
        )
    )
    children.append(html.Button("Filter zurücksetzen", id=ids.AREAS_F_RESET, className="fl-button"))
    return html.Aside(children, className="fl-filters", **{"aria-label": "Filter der Flächenliste"})


def _form_panel(municipalities: list[dict[str, Any]]) -> Component:
    def field_id(name: str) -> dict[str, str]:
        return {"type": FIELD_ID, "field": name}

    return html.Section(
        id=ids.AREAS_FORM,
        className="fl-form",
        style=HIDDEN,
        **{"aria-labelledby": ids.AREAS_FORM_TITLE},
        children=[
            html.H3("Fläche", id=ids.AREAS_FORM_TITLE),
            html.Div(id=ids.AREAS_FORM_MESSAGE, **{"aria-live": "polite"}),
            _form_field(
                "name",
                "Bezeichnung *",
                dcc.Input(id=field_id("name"), type="text", maxLength=200, className="fl-input"),
            ),
            _form_field(
                "kind",
                "Art *",
                dcc.Dropdown(id=field_id("kind"), options=present.KIND_OPTIONS, clearable=False),
            ),
            _form_field(
                "municipality_id",
                "Gemeinde *",
                dcc.Dropdown(
                    id=field_id("municipality_id"), options=municipalities, placeholder="Gemeinde"
                ),
            ),
            _form_field(
                "status",
                "Vermarktungsstand *",
                dcc.Dropdown(
                    id=field_id("status"), options=present.STATUS_OPTIONS, clearable=False
                ),
            ),
            _form_field(
                "planning_status",
                "Planungsrecht",
                dcc.Dropdown(id=field_id("planning_status"), options=present.PLANNING_OPTIONS),
            ),
            _form_field(
                "ownership",
                "Eigentum",
                dcc.Dropdown(id=field_id("ownership"), options=present.OWNERSHIP_OPTIONS),
            ),
            _form_field(
                "net_area_ha",
                "Nettofläche (ha)",
                dcc.Input(
                    id=field_id("net_area_ha"),
                    type="number",
                    min=0,
                    step=0.01,
                    className="fl-input",
                ),
                "Bruttofläche wird aus der Geometrie berechnet.",
            ),
            html.Fieldset(
                [
                    html.Legend("Erschließung"),
                    dcc.Checklist(
                        id=field_id("servicing"),
                        options=present.SERVICING_CHOICES,
                        className="fl-checklist",
                    ),
                    html.Div(
                        id={"type": ERROR_ID, "field": "servicing"}, className="fl-field-error"
                    ),
                ]
            ),
            html.Fieldset(
                [
                    html.Legend("Hemmnisse"),
                    dcc.Checklist(
                        id=field_id("obstacles"),
                        options=present.OBSTACLE_CHOICES,
                        className="fl-checklist",
                    ),
                    html.Div(
                        id={"type": ERROR_ID, "field": "obstacles"}, className="fl-field-error"
                    ),
                ]
            ),
            _form_field(
                "notes",
                "Bemerkungen",
                dcc.Textarea(id=field_id("notes"), className="fl-input", rows=3),
            ),
            _form_field(
                "geoportal_id",
                "Geoportal-ID",
                dcc.Input(id=field_id("geoportal_id"), type="text", className="fl-input"),
            ),
            _form_field(
                "kwis_id",
                "KWIS-ID",
                dcc.Input(id=field_id("kwis_id"), type="text", className="fl-input"),
            ),
            html.Fieldset(
                [
                    html.Legend("Geometrie"),
                    html.P(
                        "Zeichnen Sie die Fläche mit dem Polygon-Werkzeug links oben in der "
                        "Karte oder laden Sie eine Datei hoch (GeoJSON, GeoPackage, "
                        "Shapefile als ZIP).",
                        className="fl-hint",
                    ),
                    html.Button(
                        "Vorhandene Geometrie in der Karte bearbeiten",
                        id=ids.AREAS_FORM_EDIT_GEOMETRY,
                        className="fl-button fl-button-small",
                    ),
                    dcc.Upload(
                        id=ids.AREAS_FORM_UPLOAD,
                        children=html.Div(
                            ["Geometrie-Datei hierher ziehen oder ", html.U("auswählen")]
                        ),
                        className="fl-upload",
                        multiple=False,
                    ),
                    html.Div(id=ids.AREAS_FORM_GEOMETRY_INFO, className="fl-hint", role="status"),
                    html.Div(
                        id={"type": ERROR_ID, "field": "geometry"},
                        className="fl-field-error",
                        role="alert",
                    ),
                    html.Button(
                        "Geometrie prüfen",
                        id=ids.AREAS_FORM_CHECK,
                        className="fl-button fl-button-small",
                    ),
                ]
            ),
            _form_field(
                "reason",
                "Begründung / Kommentar",
                dcc.Textarea(id=ids.AREAS_FORM_REASON, className="fl-input", rows=2),
            ),
            html.Div(
                [
                    html.Button(
                        "Speichern", id=ids.AREAS_FORM_SAVE, className="fl-button fl-primary"
                    ),
                    html.Button("Abbrechen", id=ids.AREAS_FORM_CANCEL, className="fl-button"),
                ],
                className="fl-actions",
            ),
        ],
    )


def _action_bar(context: dict[str, Any]) -> Component:
    buttons = [
        html.Button(
            "Neue Fläche",
            id=ids.AREAS_NEW,
            className="fl-button fl-primary",
            style=SHOWN if context["can_edit"] else HIDDEN,
        ),
        html.Button("Bearbeiten", id=ids.AREAS_EDIT, className="fl-button", style=HIDDEN),
        html.Button(
            "Fläche vorschlagen",
            id=ids.AREAS_PROPOSE_NEW,
            className="fl-button fl-primary",
            style=SHOWN if context["can_propose"] else HIDDEN,
        ),
        html.Button(
            "Korrektur vorschlagen", id=ids.AREAS_PROPOSE_FIX, className="fl-button", style=HIDDEN
        ),
        html.Div(
            [
                _labelled(
                    "Grund für das Löschen",
                    dcc.Input(id=ids.AREAS_DELETE_REASON, type="text", className="fl-input"),
                ),
                html.Button("Löschen", id=ids.AREAS_DELETE, className="fl-button fl-danger"),
            ],
            id=f"{ids.AREAS_DELETE}-group",
            className="fl-delete",
            style=HIDDEN,
        ),
        html.Button("Wiederherstellen", id=ids.AREAS_RESTORE, className="fl-button", style=HIDDEN),
        html.Button(
            "Neu laden", id=ids.AREAS_RELOAD, className="fl-button fl-primary", style=HIDDEN
        ),
    ]
    return html.Div(buttons, id=ids.AREAS_ACTIONS, className="fl-actions")


def _export_targets(context: dict[str, Any]) -> list[dict[str, str]]:
    """Geoportal/KWIS sync exports only for editors (the service refuses them otherwise)."""
    analysis = [{"label": "Analyse", "value": "analysis"}]
    if not context["can_edit"]:
        return analysis
    sync = [{"label": "Geoportal", "value": "geoportal"}, {"label": "KWIS", "value": "kwis"}]
    return sync + analysis


def _exchange_panel(context: dict[str, Any]) -> Component:
    children: list[Component] = []
    if context["can_export"]:
        children.append(
            html.Section(
                [
                    html.H2("Export für Geoportal und KWIS", className="fl-h2"),
                    html.Fieldset(
                        [
                            html.Legend("Ziel"),
                            dcc.RadioItems(
                                id=ids.AREAS_EXPORT_TARGET,
                                options=_export_targets(context),
                                value=_export_targets(context)[0]["value"],
                                className="fl-checklist",
                            ),
                        ]
                    ),
                    html.Fieldset(
                        [
                            html.Legend("Format"),
                            dcc.RadioItems(
                                id=ids.AREAS_EXPORT_FORMAT,
                                options=[
                                    {"label": "GeoPackage", "value": "gpkg"},
                                    {"label": "Shapefile (ZIP)", "value": "shp"},
                                    {"label": "GeoJSON", "value": "geojson"},
                                    {"label": "CSV", "value": "csv"},
                                ],
                                value="gpkg",
                                className="fl-checklist",
                            ),
                        ]
                    ),
                    dcc.Checklist(
                        id=ids.AREAS_EXPORT_CHANGES,
                        options=[
                            {"label": "nur Änderungen seit dem letzten Export", "value": "ja"}
                        ],
                        value=[],
                        className="fl-checklist",
                    ),
                    html.Button(
                        "Export herunterladen",
                        id=ids.AREAS_EXPORT_BUTTON,
                        className="fl-button fl-primary",
                    ),
                    html.Div(id=ids.AREAS_EXPORT_MESSAGE, **{"aria-live": "polite"}),
                    dcc.Download(id=ids.AREAS_EXPORT_DOWNLOAD),
                ],
                className="fl-card",
            )
        )
    if context["can_import"]:
        children.append(
            html.Section(
                [
                    html.H2("Import aus dem Geoportal", className="fl-h2"),
                    html.P(
                        "1. Datei wählen (GeoPackage, Shapefile als ZIP, GeoJSON) · "
                        "2. Felder zuordnen · 3. Vorschau prüfen · 4. übernehmen.",
                        className="fl-hint",
                    ),
                    _labelled(
                        "Quelle (Name der Geoportal-Ebene)",
                        dcc.Input(
                            id=ids.AREAS_IMPORT_SOURCE,
                            type="text",
                            value="Geoportal",
                            className="fl-input",
                        ),
                    ),
                    dcc.Upload(
                        id=ids.AREAS_IMPORT_UPLOAD,
                        children=html.Div(
                            ["Geoportal-Datei hierher ziehen oder ", html.U("auswählen")]
                        ),
                        className="fl-upload",
                        multiple=False,
                    ),
                    html.Div(id=ids.AREAS_IMPORT_MAPPING),
                    html.Button(
                        "Vorschau erstellen",
                        id=ids.AREAS_IMPORT_PREVIEW_BUTTON,
                        className="fl-button",
                    ),
                    html.Div(id=ids.AREAS_IMPORT_PREVIEW),
                    dcc.Checklist(
                        id=ids.AREAS_IMPORT_DELETE_MISSING,
                        options=[
                            {"label": "fehlende Flächen löschen (sonst behalten)", "value": "ja"}
                        ],
                        value=[],
                        className="fl-checklist",
                    ),
                    html.Button(
                        "Import übernehmen",
                        id=ids.AREAS_IMPORT_APPLY,
                        className="fl-button fl-primary",
                    ),
                    dcc.Store(id=ids.AREAS_IMPORT_TOKEN),
                    html.Div(id=ids.AREAS_IMPORT_MESSAGE, **{"aria-live": "polite"}),
                ],
                className="fl-card",
            )
        )
    return html.Div(children, className="fl-exchange")


# --------------------------------------------------------------------------- layout


def layout(principal: Principal, **_params: str) -> Component:
    """The page for ``principal`` (Kreis roles: all municipalities; Kommune: its own)."""
    if authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL).is_empty:
        raise AccessDeniedError(f"{principal.log_ref} may not view areas")
    settings = get_settings()
    session = get_db()
    geometry = get_display_geometry(session, principal)
    municipality_rows = _municipality_rows(principal)
    municipalities = [{"label": name, "value": mid} for name, mid, _ags in municipality_rows]
    context = _context(principal)
    from cockpit.dashboard.geo import geojson_url

    map_component = amap.area_map(
        MAP_IDS,
        boundaries_url=geojson_url(geometry.version),
        bounds=present.leaflet_bounds(geometry.bounds, pad=0.0),
        basemap_url=settings.basemap_url,
        basemap_attribution=settings.basemap_attribution,
        editable=context["can_edit"] or context["can_propose"],
    )
    main = html.Div(
        className="fl-grid",
        children=[
            _filter_panel(municipalities, context),
            html.Section(
                [
                    html.Div(id=ids.AREAS_MESSAGE, **{"aria-live": "polite"}),
                    map_component,
                    amap.legend(),
                    html.Div(id=MAP_DOWNLOADS_SLOT, className="fl-downloads"),
                    html.P(id=ids.AREAS_SUMMARY, className="fl-summary", role="status"),
                    html.P(id=ids.AREAS_HINT, className="fl-hint"),
                    html.Div(id=TABLE_DOWNLOADS_SLOT, className="fl-downloads"),
                    html.Div(id=ids.AREAS_TABLE, className="fl-table-wrap"),
                ],
                className="fl-main",
                **{"aria-label": "Karte und Tabelle"},
            ),
            html.Section(
                [
                    _action_bar(context),
                    _form_panel(municipalities),
                    _labelled(
                        "Stand am",
                        dcc.Input(id=ids.AREAS_AS_OF, type="date", className="fl-input"),
                        hint="Leer lassen für den aktuellen Stand. Mit genau einer gewählten "
                        "Gemeinde zeigt das Datum alle ihre Flächen zu diesem Tag.",
                    ),
                    html.Div(
                        html.P(
                            "Wählen Sie eine Fläche in der Karte oder in der Tabelle.",
                            className="fl-muted",
                        ),
                        id=ids.AREAS_DETAIL,
                        **{"aria-live": "polite"},
                    ),
                ],
                className="fl-side",
                **{"aria-label": "Details der Fläche"},
            ),
        ],
    )
    tabs = [dcc.Tab(label="Karte und Liste", value="karte", children=main)]
    tabs.append(
        dcc.Tab(
            label="Fällige Bestätigungen",
            value="faellig",
            children=html.Div(id=ids.AREAS_DUE, className="fl-card"),
        )
    )
    if context["can_export"] or context["can_import"]:
        tabs.append(
            dcc.Tab(label="Import und Export", value="austausch", children=_exchange_panel(context))
        )
    header_links: list[Component] = []
    if context["can_review"]:
        header_links.append(
            dcc.Link("Vorschläge prüfen", href="/flaechen/pruefung", className="fl-button")
        )
    return html.Div(
        className="fl-page",
        children=[
            dcc.Store(id=ids.AREAS_CONTEXT, data=context),
            dcc.Store(
                id=ids.AREAS_MUNICIPALITY_AGS,
                data={str(mid): ags for _name, mid, ags in municipality_rows},
            ),
            dcc.Store(id=ids.AREAS_ROWS, data=[]),
            dcc.Store(id=ids.AREAS_SORT, data={"col": "name", "asc": True}),
            dcc.Store(id=ids.AREAS_SELECTED, data=None),
            dcc.Store(id=ids.AREAS_REFRESH, data=0),
            dcc.Store(id=ids.AREAS_DETAIL_STATE, data=None),
            dcc.Store(id=ids.AREAS_FORM_MODE, data=None),
            dcc.Store(id=ids.AREAS_FORM_GEOMETRY, data=None),
            html.Div(
                [html.H1("Flächenpotenziale"), html.Div(header_links, className="fl-actions")],
                className="fl-title",
            ),
            html.P(
                "Gewerbe-, Industrie- und Brachflächen im Landkreis. Stand: aktuelle Daten der "
                "Kreis-Redaktion; " + amap.ATTRIBUTION_BOUNDARIES + ".",
                className="fl-muted",
            ),
            dcc.Tabs(id=ids.AREAS_TABS, value="karte", children=tabs),
        ],
    )


# --------------------------------------------------------------------------- callbacks


@dataclass(frozen=True)
class FormOutcome:
    area_id: int | None
    message: Component


def _submit_form(
    principal: Principal,
    form_mode: dict[str, Any],
    values: dict[str, Any],
    reason: str,
    geometry: dict[str, Any] | None,
) -> FormOutcome:
    """Send the form to the one service its mode stands for (the services authorize)."""
    session = get_db()
    mode = form_mode.get("mode")
    attributes = present.attributes_from_form(values)
    if mode == "new":
        if geometry is None:
            raise ValidationError(
                "new area without geometry",
                "Bitte zeichnen Sie die Fläche in der Karte oder laden Sie eine Geometrie hoch.",
                "geometry",
            )
        result = areas.create_area(
            session, principal, attributes, geometry, reason=reason, config=get_config()
        )
        return FormOutcome(result.area_id, present.write_message(result, "Angelegt:"))
    if mode == "edit":
        result = areas.update_area(
            session,
            principal,
            int(form_mode["area_id"]),
            int(form_mode["version"]),
            present.changed_attributes(values, form_mode.get("original")),
            geometry,
            reason=reason,
            config=get_config(),
        )
        return FormOutcome(result.area_id, present.write_message(result, "Gespeichert:"))
    if mode == "propose_new":
        if geometry is None:
            raise ValidationError(
                "proposal without geometry",
                "Bitte zeichnen Sie die Fläche in der Karte oder laden Sie eine Geometrie hoch.",
                "geometry",
            )
        municipality = attributes.pop("municipality_id", None)
        if municipality in (None, ""):
            raise ValidationError(
                "proposal without municipality", "Bitte wählen Sie die Gemeinde.", "municipality_id"
            )
        info = area_review.propose_area(
            session,
            principal,
            int(municipality),
            attributes,
            geometry,
            comment=reason,
            config=get_config(),
        )
        return FormOutcome(
            None,
            present.alert(
                f"Ihr Vorschlag (Nr. {info.id}) wurde an die Kreis-Redaktion übermittelt. "
                "Er wird nach der Prüfung übernommen.",
                "success",
            ),
        )
    if mode == "propose_fix":
        changes = present.changed_attributes(values, form_mode.get("original"))
        changes.pop("municipality_id", None)
        info = area_review.propose_correction(
            session,
            principal,
            int(form_mode["area_id"]),
            int(form_mode["version"]),
            changes,
            geometry,
            comment=reason,
            config=get_config(),
        )
        return FormOutcome(
            None,
            present.alert(
                f"Ihr Korrekturvorschlag (Nr. {info.id}) wurde an die Kreis-Redaktion übermittelt.",
                "success",
            ),
        )
    raise ValidationError(f"unknown form mode {mode!r}", "Das Formular ist nicht geöffnet.")


def _bump(value: Any) -> int:
    return int(value or 0) + 1


def _errors_for(outputs: list[dict[str, Any]], errors: dict[str, str]) -> list[str]:
    return [errors.get(str(o["id"]["field"]), "") for o in outputs]


def _download_links(
    principal: Principal, filters: areas.AreaFilter, ags_by_id: dict[str, str] | None
) -> tuple[list[Any], list[Any]]:
    """(table links, map links) carrying ``filters``; none without export permission (the
    export routes authorize again: the Kommune's scope, deleted areas only for editors)."""
    if authz.scope_for(principal, Permission.EXPORT_DATA).is_empty:
        return [], []
    query = present.export_query(filters, ags_by_id if isinstance(ags_by_id, dict) else {})
    return [export_links.area_table_downloads(query)], [export_links.area_map_downloads(query)]


def register_callbacks(app: Dash) -> None:
    """All callbacks of the page (registered on ``app``, never globally)."""

    @app.callback(
        Output(MAP_IDS.gewerbe, "data"),
        Output(MAP_IDS.industrie, "data"),
        Output(MAP_IDS.brache, "data"),
        Output(ids.AREAS_ROWS, "data"),
        Output(ids.AREAS_SUMMARY, "children"),
        Output(ids.AREAS_HINT, "children"),
        Output(TABLE_DOWNLOADS_SLOT, "children"),
        Output(MAP_DOWNLOADS_SLOT, "children"),
        Output(MAP_IDS.map, "viewport", allow_duplicate=True),
        *(Input(component, "value") for component in FILTER_INPUTS),
        Input(ids.AREAS_REFRESH, "data"),
        State(ids.AREAS_MUNICIPALITY_AGS, "data"),
        # Runs on page load too (fills list and links); the map keeps its initial view then.
        prevent_initial_call="initial_duplicate",
    )
    def update_list(
        kinds: list[str] | None,
        statuses: list[str] | None,
        sources: list[str] | None,
        municipality_ids: list[Any] | None,
        min_ha: Any,
        max_ha: Any,
        age: str | None,
        search: str | None,
        deleted: list[str] | None,
        _refresh: int | None,
        ags_by_id: dict[str, str] | None,
    ) -> tuple[Any, ...]:
        principal = current_principal()
        filters = present.build_filter(
            kinds=kinds,
            statuses=statuses,
            sources=sources,
            municipality_ids=municipality_ids,
            min_ha=min_ha,
            max_ha=max_ha,
            age=age,
            search=search,
            include_deleted=bool(deleted) and authz.may(principal, Permission.EDIT_AREAS),
        )
        try:
            result = areas.list_areas(get_db(), principal, filters, config=get_config())
        except CockpitError as error:
            log.warning("area list refused for %s: %s", principal.log_ref, error)
            empty = present.EMPTY_FC
            return empty, empty, empty, [], error.user_message, "", [], [], no_update
        layers = present.split_layers(result.geojson)
        table_links, map_links = _download_links(principal, filters, ags_by_id)
        # Fit the map to the result when the user changed a filter (not on load, not after
        # a save, which shows the saved area; panning never runs this callback).
        viewport = (
            present.fit_viewport(result.bounds) if ctx.triggered_id in FILTER_INPUTS else None
        )
        return (
            layers[present.AreaKind.GEWERBE],
            layers[present.AreaKind.INDUSTRIE],
            layers[present.AreaKind.BRACHE],
            present.table_rows(result.items),
            present.summary_text(result),
            result.hint,
            table_links,
            map_links,
            viewport if viewport is not None else no_update,
        )

    @app.callback(
        Output(ids.AREAS_F_KIND, "value"),
        Output(ids.AREAS_F_STATUS, "value"),
        Output(ids.AREAS_F_SOURCE, "value"),
        Output(ids.AREAS_F_MUNICIPALITY, "value"),
        Output(ids.AREAS_F_MIN_HA, "value"),
        Output(ids.AREAS_F_MAX_HA, "value"),
        Output(ids.AREAS_F_AGE, "value"),
        Output(ids.AREAS_F_SEARCH, "value"),
        Input(ids.AREAS_F_RESET, "n_clicks"),
        prevent_initial_call=True,
    )
    def reset_filters(_n: int | None) -> tuple[Any, ...]:
        return [], [], [], [], None, None, present.AGE_ALL, ""

    @app.callback(
        Output(ids.AREAS_TABLE, "children"),
        Input(ids.AREAS_ROWS, "data"),
        Input(ids.AREAS_SORT, "data"),
        Input(ids.AREAS_SELECTED, "data"),
    )
    def render_table(
        rows: list[dict[str, Any]] | None, sort: dict[str, Any] | None, selected: Any
    ) -> Any:
        sort = sort or {}
        rows = rows or []
        column, ascending = str(sort.get("col", "name")), bool(sort.get("asc", True))
        page = int(sort.get("page", 0) or 0)
        if ctx.triggered_id == ids.AREAS_SELECTED and isinstance(selected, int):
            page = present.page_of(rows, column, ascending, selected)  # show the picked area
        elif ctx.triggered_id == ids.AREAS_ROWS:
            page = 0  # new filter result: start at the top
        return present.area_table(
            rows,
            sort_column=column,
            ascending=ascending,
            selected=selected if isinstance(selected, int) else None,
            row_button_type=ids.AREAS_ROW,
            sort_button_type=ids.AREAS_SORT_BUTTON,
            page=page,
            page_button_type=ids.AREAS_PAGE_BUTTON,
        )

    @app.callback(
        Output(ids.AREAS_SORT, "data", allow_duplicate=True),
        Input({"type": ids.AREAS_PAGE_BUTTON, "page": ALL}, "n_clicks"),
        State(ids.AREAS_SORT, "data"),
        prevent_initial_call=True,
    )
    def change_page(_clicks: list[int | None], sort: dict[str, Any] | None) -> Any:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update
        return {**(sort or {}), "page": int(ctx.triggered_id["page"])}

    @app.callback(
        Output(ids.AREAS_SORT, "data"),
        Input({"type": ids.AREAS_SORT_BUTTON, "col": ALL}, "n_clicks"),
        State(ids.AREAS_SORT, "data"),
        prevent_initial_call=True,
    )
    def change_sort(_clicks: list[int | None], sort: dict[str, Any] | None) -> Any:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update
        column = str(ctx.triggered_id["col"])
        sort = sort or {}
        ascending = not sort.get("asc", True) if sort.get("col") == column else True
        return {"col": column, "asc": ascending, "page": 0}

    @app.callback(
        Output(ids.AREAS_SELECTED, "data"),
        Input({"type": ids.AREAS_ROW, "index": ALL}, "n_clicks"),
        Input(MAP_IDS.gewerbe, "clickData"),
        Input(MAP_IDS.industrie, "clickData"),
        Input(MAP_IDS.brache, "clickData"),
        prevent_initial_call=True,
    )
    def select_area(_clicks: list[int | None], *_click_data: Any) -> Any:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update
        trigger = ctx.triggered_id
        if isinstance(trigger, dict):
            return int(trigger["index"])
        feature = ctx.triggered[0]["value"] or {}
        area_id = (feature.get("properties") or {}).get("id")
        return int(area_id) if isinstance(area_id, int) else no_update

    @app.callback(
        Output(ids.AREAS_DETAIL, "children"),
        Output(ids.AREAS_DETAIL_STATE, "data"),
        Output(MAP_IDS.map, "viewport"),
        Output(MAP_IDS.highlight, "data"),
        Output(MAP_IDS.gewerbe, "hideout"),
        Output(MAP_IDS.industrie, "hideout"),
        Output(MAP_IDS.brache, "hideout"),
        Output(ids.AREAS_EDIT, "style"),
        Output(ids.AREAS_PROPOSE_FIX, "style"),
        Output(f"{ids.AREAS_DELETE}-group", "style"),
        Output(ids.AREAS_RESTORE, "style"),
        Input(ids.AREAS_SELECTED, "data"),
        Input(ids.AREAS_AS_OF, "value"),
        Input(ids.AREAS_REFRESH, "data"),
        State(ids.AREAS_F_MUNICIPALITY, "value"),
        State(ids.AREAS_CONTEXT, "data"),
    )
    def show_detail(
        selected: Any,
        as_of: str | None,
        _refresh: int | None,
        municipality_ids: list[Any] | None,
        context: dict[str, Any] | None,
    ) -> tuple[Any, ...]:
        context = context or {}
        hidden4 = (HIDDEN, HIDDEN, HIDDEN, HIDDEN)
        hideout = {"selected": selected}
        principal = current_principal()
        session = get_db()
        when = present.as_of_datetime(as_of)
        try:
            if when is not None and not isinstance(selected, int):
                chosen = present.int_tuple(municipality_ids)
                if len(chosen) != 1:
                    message = present.alert(
                        "Für „Stand am“ wählen Sie bitte eine Fläche oder genau eine Gemeinde.",
                        "info",
                    )
                    return (
                        message,
                        None,
                        no_update,
                        present.EMPTY_FC,
                        hideout,
                        hideout,
                        hideout,
                        *hidden4,
                    )
                snapshots = areas.list_areas_as_of(
                    session, principal, chosen[0], when, config=get_config()
                )
                name = next(
                    (
                        o["label"]
                        for o in municipality_choices(principal)
                        if o["value"] == chosen[0]
                    ),
                    "",
                )
                features = [s.geojson for s in snapshots]
                panel = present.snapshots_table(snapshots, when.date() - dt.timedelta(days=1), name)
                fc = {"type": "FeatureCollection", "features": features}
                return (panel, None, no_update, fc, hideout, hideout, hideout, *hidden4)
            if not isinstance(selected, int):
                return (
                    no_update,
                    None,
                    no_update,
                    present.EMPTY_FC,
                    hideout,
                    hideout,
                    hideout,
                    *hidden4,
                )
            detail = areas.get_area(session, principal, selected, config=get_config())
        except CockpitError as error:
            log.info("area detail %s refused for %s: %s", selected, principal.log_ref, error)
            return (
                present.alert(error.user_message, "error"),
                None,
                no_update,
                present.EMPTY_FC,
                hideout,
                hideout,
                hideout,
                *hidden4,
            )
        viewport = {"bounds": present.leaflet_bounds(detail.bounds), "transition": "flyToBounds"}
        can_edit = bool(context.get("can_edit")) and detail.may_edit
        panel_children: list[Component] = []
        if when is not None:
            snapshot = areas.get_area_as_of(session, principal, selected, when, config=get_config())
            panel_children.append(
                present.snapshot_panel(snapshot, when.date() - dt.timedelta(days=1))
            )
            highlight = present.highlight_feature(snapshot.geojson if snapshot else None)
        else:
            highlight = present.highlight_feature(detail.geojson)
        panel_children.append(
            present.detail_panel(
                detail, can_restore=can_edit, restore_button_type=ids.AREAS_RESTORE_VERSION
            )
        )
        state = {
            "id": detail.id,
            "version": detail.version,
            "deleted": detail.is_deleted,
            "values": present.form_values(detail),
            "feature": detail.geojson,
            "municipality_id": detail.municipality_id,
        }
        can_propose = bool(context.get("can_propose")) and not detail.is_deleted
        return (
            html.Div(panel_children),
            state,
            viewport,
            highlight,
            hideout,
            hideout,
            hideout,
            SHOWN if can_edit and not detail.is_deleted else HIDDEN,
            SHOWN if can_propose and not can_edit else HIDDEN,
            SHOWN if can_edit and not detail.is_deleted else HIDDEN,
            SHOWN if can_edit and detail.is_deleted else HIDDEN,
        )

    # ----------------------------------------------------------------- form

    @app.callback(
        Output(ids.AREAS_FORM_MODE, "data"),
        Output(ids.AREAS_FORM, "style"),
        Output(ids.AREAS_FORM_TITLE, "children"),
        Output({"type": FIELD_ID, "field": ALL}, "value"),
        Output({"type": FIELD_ID, "field": ALL}, "disabled"),
        Output(ids.AREAS_FORM_GEOMETRY, "data", allow_duplicate=True),
        Output(ids.AREAS_FORM_GEOMETRY_INFO, "children", allow_duplicate=True),
        Output(ids.AREAS_FORM_MESSAGE, "children", allow_duplicate=True),
        Output(ids.AREAS_FORM_REASON, "value"),
        Output(ids.AREAS_FORM_EDIT_GEOMETRY, "style"),
        Output(MAP_IDS.edit_group, "children", allow_duplicate=True),
        Input(ids.AREAS_NEW, "n_clicks"),
        Input(ids.AREAS_EDIT, "n_clicks"),
        Input(ids.AREAS_PROPOSE_NEW, "n_clicks"),
        Input(ids.AREAS_PROPOSE_FIX, "n_clicks"),
        Input(ids.AREAS_FORM_CANCEL, "n_clicks"),
        State(ids.AREAS_DETAIL_STATE, "data"),
        State(ids.AREAS_CONTEXT, "data"),
        prevent_initial_call=True,
    )
    def open_form(*args: Any) -> tuple[Any, ...]:
        detail_state: dict[str, Any] | None = args[5]
        trigger = ctx.triggered_id
        outputs = ctx.outputs_list[3]
        fields = [str(o["id"]["field"]) for o in outputs]
        fresh_edit = amap.edit_children(MAP_IDS.edit_control)
        if trigger == ids.AREAS_FORM_CANCEL or not ctx.triggered[0].get("value"):
            return (
                None,
                HIDDEN,
                no_update,
                [no_update] * len(fields),
                [False] * len(fields),
                None,
                "",
                "",
                "",
                HIDDEN,
                fresh_edit,
            )
        mode = {
            ids.AREAS_NEW: "new",
            ids.AREAS_EDIT: "edit",
            ids.AREAS_PROPOSE_NEW: "propose_new",
            ids.AREAS_PROPOSE_FIX: "propose_fix",
        }[str(trigger)]
        existing = mode in ("edit", "propose_fix")
        if existing and not detail_state:
            return (no_update,) * 11
        values = detail_state["values"] if existing and detail_state else present.form_values(None)
        disabled = {f: (mode == "propose_fix" and f == "municipality_id") for f in fields}
        form_mode = {
            "mode": mode,
            "area_id": detail_state["id"] if existing and detail_state else None,
            "version": detail_state["version"] if existing and detail_state else None,
            "original": values if existing else None,
        }
        return (
            form_mode,
            SHOWN,
            FORM_TITLES[mode],
            [values.get(f) for f in fields],
            [disabled[f] for f in fields],
            None,
            present.pending_geometry_text(mode),
            "",
            "",
            SHOWN if existing else HIDDEN,
            fresh_edit,
        )

    @app.callback(
        Output(MAP_IDS.edit_group, "children", allow_duplicate=True),
        Input(ids.AREAS_FORM_EDIT_GEOMETRY, "n_clicks"),
        State(ids.AREAS_DETAIL_STATE, "data"),
        prevent_initial_call=True,
    )
    def edit_existing_geometry(n_clicks: int | None, detail_state: dict[str, Any] | None) -> Any:
        if not n_clicks or not detail_state:
            return no_update
        return amap.edit_children(
            MAP_IDS.edit_control, present.edit_rings(detail_state.get("feature"))
        )

    @app.callback(
        Output(ids.AREAS_FORM_GEOMETRY, "data", allow_duplicate=True),
        Output(ids.AREAS_FORM_GEOMETRY_INFO, "children", allow_duplicate=True),
        Output({"type": ERROR_ID, "field": "geometry"}, "children", allow_duplicate=True),
        Input(MAP_IDS.edit_control, "geojson"),
        Input(ids.AREAS_FORM_UPLOAD, "contents"),
        State(ids.AREAS_FORM_UPLOAD, "filename"),
        State(ids.AREAS_FORM_MODE, "data"),
        prevent_initial_call=True,
    )
    def capture_geometry(
        drawn: dict[str, Any] | None,
        contents: str | None,
        filename: str | None,
        form_mode: dict[str, Any] | None,
    ) -> tuple[Any, ...]:
        if not form_mode:
            return no_update, no_update, no_update
        if ctx.triggered_id == ids.AREAS_FORM_UPLOAD:
            try:
                payload, name = present.decode_upload(contents, filename)
                geometry = present.upload_to_geojson(payload, name, get_config().metric_crs)
            except present.UploadProblem as error:
                log.info("geometry upload refused: %s", error)
                return no_update, "", error.message
            count = len(geometry["features"])
            return geometry, f"Geometrie aus „{name}“ übernommen ({count} Teilfläche(n)).", ""
        geometry = present.drawn_geometry(drawn)
        if geometry is None:
            return None, present.pending_geometry_text(form_mode.get("mode")), ""
        count = len(geometry["features"])
        return geometry, f"Gezeichnete Geometrie übernommen ({count} Teilfläche(n)).", ""

    @app.callback(
        Output(ids.AREAS_FORM_MESSAGE, "children", allow_duplicate=True),
        Input(ids.AREAS_FORM_CHECK, "n_clicks"),
        State(ids.AREAS_FORM_GEOMETRY, "data"),
        State({"type": FIELD_ID, "field": "municipality_id"}, "value"),
        State(ids.AREAS_FORM_MODE, "data"),
        prevent_initial_call=True,
    )
    def check_geometry(
        n_clicks: int | None,
        geometry: dict[str, Any] | None,
        municipality_id: Any,
        form_mode: dict[str, Any] | None,
    ) -> Any:
        if not n_clicks:
            return no_update
        if not geometry:
            return present.alert("Bitte zeichnen Sie zuerst eine Fläche oder laden Sie eine hoch.")
        if municipality_id in (None, ""):
            return present.alert("Bitte wählen Sie zuerst die Gemeinde.", "error")
        try:
            check = areas.check_geometry(
                get_db(),
                current_principal(),
                geometry,
                int(municipality_id),
                exclude_area_id=(form_mode or {}).get("area_id"),
                config=get_config(),
            )
        except CockpitError as error:
            return present.alert(error.user_message, "error")
        return present.check_message(check)

    @app.callback(
        Output(ids.AREAS_FORM_MESSAGE, "children", allow_duplicate=True),
        Output({"type": ERROR_ID, "field": ALL}, "children"),
        Output(ids.AREAS_REFRESH, "data", allow_duplicate=True),
        Output(ids.AREAS_SELECTED, "data", allow_duplicate=True),
        Output(ids.AREAS_FORM, "style", allow_duplicate=True),
        Output(ids.AREAS_MESSAGE, "children", allow_duplicate=True),
        Output(ids.AREAS_RELOAD, "style", allow_duplicate=True),
        Input(ids.AREAS_FORM_SAVE, "n_clicks"),
        State(ids.AREAS_FORM_MODE, "data"),
        State({"type": FIELD_ID, "field": ALL}, "value"),
        State(ids.AREAS_FORM_REASON, "value"),
        State(ids.AREAS_FORM_GEOMETRY, "data"),
        State(ids.AREAS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def save_form(
        n_clicks: int | None,
        form_mode: dict[str, Any] | None,
        field_values: list[Any],
        reason: str | None,
        geometry: dict[str, Any] | None,
        refresh: int | None,
    ) -> tuple[Any, ...]:
        error_outputs = ctx.outputs_list[1]
        no_errors = _errors_for(error_outputs, {})
        if not n_clicks or not form_mode:
            return (no_update, no_errors, no_update, no_update, no_update, no_update, no_update)
        fields = [str(s["id"]["field"]) for s in ctx.states_list[1]]
        values = dict(zip(fields, field_values, strict=True))
        principal = current_principal()
        try:
            outcome = _submit_form(principal, form_mode, values, reason or "", geometry)
        except ConflictError as error:
            log.info("area form conflict for %s: %s", principal.log_ref, error)
            return (
                present.alert(
                    [
                        html.P(error.user_message),
                        html.P("Nutzen Sie „Neu laden“, um den aktuellen Stand zu sehen."),
                    ],
                    "error",
                ),
                no_errors,
                no_update,
                no_update,
                no_update,
                no_update,
                SHOWN,
            )
        except ValidationError as error:
            log.info("area form rejected for %s: %s", principal.log_ref, error)
            errors = present.field_error_texts(error.field, error.user_message)
            return (
                present.alert(error.user_message, "error"),
                _errors_for(error_outputs, errors),
                no_update,
                no_update,
                no_update,
                no_update,
                no_update,
            )
        except CockpitError as error:
            log.warning("area form failed for %s: %s", principal.log_ref, error)
            return (
                present.alert(error.user_message, "error"),
                no_errors,
                no_update,
                no_update,
                no_update,
                no_update,
                no_update,
            )
        return (
            "",
            no_errors,
            _bump(refresh),
            outcome.area_id if outcome.area_id is not None else no_update,
            HIDDEN,
            outcome.message,
            HIDDEN,
        )

    # ----------------------------------------------------------------- delete / restore

    @app.callback(
        Output(ids.AREAS_MESSAGE, "children", allow_duplicate=True),
        Output(ids.AREAS_REFRESH, "data", allow_duplicate=True),
        Output(ids.AREAS_RELOAD, "style", allow_duplicate=True),
        Output(ids.AREAS_DELETE_REASON, "value"),
        Input(ids.AREAS_DELETE, "n_clicks"),
        Input(ids.AREAS_RESTORE, "n_clicks"),
        Input({"type": ids.AREAS_RESTORE_VERSION, "version": ALL}, "n_clicks"),
        Input(ids.AREAS_RELOAD, "n_clicks"),
        State(ids.AREAS_DETAIL_STATE, "data"),
        State(ids.AREAS_DELETE_REASON, "value"),
        State(ids.AREAS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def area_action(
        _delete: int | None,
        _restore: int | None,
        _versions: list[int | None],
        _reload: int | None,
        detail_state: dict[str, Any] | None,
        reason: str | None,
        refresh: int | None,
    ) -> tuple[Any, ...]:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update, no_update, no_update
        trigger = ctx.triggered_id
        if trigger == ids.AREAS_RELOAD:
            return "", _bump(refresh), HIDDEN, no_update
        if not detail_state:
            return no_update, no_update, no_update, no_update
        principal = current_principal()
        session = get_db()
        area_id, version = int(detail_state["id"]), int(detail_state["version"])
        try:
            if trigger == ids.AREAS_DELETE:
                areas.delete_area(session, principal, area_id, version, reason or "")
                text = "Die Fläche wurde gelöscht (wiederherstellbar)."
            elif trigger == ids.AREAS_RESTORE:
                areas.restore_area(session, principal, area_id, version)
                text = "Die Fläche wurde wiederhergestellt."
            else:
                old = int(trigger["version"])
                areas.restore_version(
                    session, principal, area_id, old, version, config=get_config()
                )
                text = f"Der Stand von Version {old} ist wieder aktuell (als neue Version)."
        except ConflictError as error:
            return present.alert(error.user_message, "error"), no_update, SHOWN, no_update
        except CockpitError as error:
            log.info("area action refused for %s: %s", principal.log_ref, error)
            return present.alert(error.user_message, "error"), no_update, no_update, no_update
        return present.alert(text, "success"), _bump(refresh), HIDDEN, ""

    # ----------------------------------------------------------------- due list

    @app.callback(
        Output(ids.AREAS_DUE, "children"),
        Input(ids.AREAS_TABS, "value"),
        Input(ids.AREAS_REFRESH, "data"),
        State(ids.AREAS_CONTEXT, "data"),
    )
    def due_list(tab: str | None, _refresh: int | None, context: dict[str, Any] | None) -> Any:
        if tab != "faellig":
            return no_update
        try:
            per_municipality, due = area_survey.list_due(
                get_db(), current_principal(), config=get_config()
            )
        except CockpitError as error:
            return present.alert(error.user_message, "error")
        return present.due_panel(
            per_municipality, due, can_survey=bool((context or {}).get("can_edit"))
        )

    # ----------------------------------------------------------------- export / import

    @app.callback(
        Output(ids.AREAS_EXPORT_DOWNLOAD, "data"),
        Output(ids.AREAS_EXPORT_MESSAGE, "children"),
        Input(ids.AREAS_EXPORT_BUTTON, "n_clicks"),
        State(ids.AREAS_EXPORT_TARGET, "value"),
        State(ids.AREAS_EXPORT_FORMAT, "value"),
        State(ids.AREAS_EXPORT_CHANGES, "value"),
        prevent_initial_call=True,
    )
    def export(
        n_clicks: int | None, target: str | None, file_format: str | None, changes: list[str] | None
    ) -> tuple[Any, Any]:
        if not n_clicks:
            return no_update, no_update
        principal = current_principal()
        with tempfile.TemporaryDirectory(prefix="cockpit-export-") as tmp:
            try:
                result = area_export.export_areas(
                    get_db(),
                    principal,
                    target=str(target or "analysis"),
                    file_format=str(file_format or "gpkg"),
                    out_dir=Path(tmp),
                    changes_only=bool(changes),
                    config=get_config(),
                )
            except CockpitError as error:
                log.info("export refused for %s: %s", principal.log_ref, error)
                return no_update, present.alert(error.user_message, "error")
            payload, filename = present.export_download(result.files, result.manifest_path)
        return (
            dcc.send_bytes(payload, filename),
            present.alert(present.export_summary(result.manifest), "success"),
        )

    _register_import(app)


def _register_import(app: Dash) -> None:
    """Geoportal import: upload -> mapping -> preview -> apply (Kreis-Redaktion)."""

    @app.callback(
        Output(ids.AREAS_IMPORT_MAPPING, "children"),
        Output(ids.AREAS_IMPORT_MESSAGE, "children", allow_duplicate=True),
        Input(ids.AREAS_IMPORT_UPLOAD, "contents"),
        State(ids.AREAS_IMPORT_UPLOAD, "filename"),
        State(ids.AREAS_IMPORT_SOURCE, "value"),
        prevent_initial_call=True,
    )
    def import_mapping(contents: str | None, filename: str | None, source: str | None) -> Any:
        principal = current_principal()
        try:
            payload, name = present.decode_upload(contents, filename)
            layer = area_exchange.read_import_layer(principal, payload, name, config=get_config())
            saved = area_mapping.get_mapping(get_db(), principal, source or "Geoportal")
        except present.UploadProblem as error:
            return "", present.alert(error.message, "error")
        except CockpitError as error:
            return "", present.alert(error.user_message, "error")
        mapping = saved or area_mapping.suggest_mapping(layer.fields)
        return (
            present.mapping_form(layer.fields, mapping, ids.AREAS_IMPORT_MAP_FIELD),
            present.alert(
                f"„{name}“: {layer.feature_count} Objekte, Felder: {', '.join(layer.fields)}.",
                "info",
            ),
        )

    @app.callback(
        Output(ids.AREAS_IMPORT_PREVIEW, "children"),
        Output(ids.AREAS_IMPORT_TOKEN, "data"),
        Output(ids.AREAS_IMPORT_MESSAGE, "children", allow_duplicate=True),
        Input(ids.AREAS_IMPORT_PREVIEW_BUTTON, "n_clicks"),
        State(ids.AREAS_IMPORT_UPLOAD, "contents"),
        State(ids.AREAS_IMPORT_UPLOAD, "filename"),
        State(ids.AREAS_IMPORT_SOURCE, "value"),
        State({"type": ids.AREAS_IMPORT_MAP_FIELD, "source": ALL}, "value"),
        prevent_initial_call=True,
    )
    def import_preview(
        n_clicks: int | None,
        contents: str | None,
        filename: str | None,
        source: str | None,
        choices: list[str | None],
    ) -> tuple[Any, Any, Any]:
        if not n_clicks:
            return no_update, no_update, no_update
        mapping = present.mapping_from_form(ctx.states_list[3], choices)
        principal = current_principal()
        try:
            payload, name = present.decode_upload(contents, filename)
            layer = area_exchange.read_import_layer(principal, payload, name, config=get_config())
            preview = area_exchange.preview_import(
                get_db(), principal, layer, source or "Geoportal", mapping, config=get_config()
            )
        except present.UploadProblem as error:
            return "", None, present.alert(error.message, "error")
        except CockpitError as error:
            return "", None, present.alert(error.user_message, "error")
        return present.preview_panel(preview), preview.token, ""

    @app.callback(
        Output(ids.AREAS_IMPORT_MESSAGE, "children", allow_duplicate=True),
        Output(ids.AREAS_REFRESH, "data", allow_duplicate=True),
        Output(ids.AREAS_IMPORT_PREVIEW, "children", allow_duplicate=True),
        Input(ids.AREAS_IMPORT_APPLY, "n_clicks"),
        State(ids.AREAS_IMPORT_UPLOAD, "contents"),
        State(ids.AREAS_IMPORT_UPLOAD, "filename"),
        State(ids.AREAS_IMPORT_SOURCE, "value"),
        State({"type": ids.AREAS_IMPORT_MAP_FIELD, "source": ALL}, "value"),
        State(ids.AREAS_IMPORT_TOKEN, "data"),
        State(ids.AREAS_IMPORT_DELETE_MISSING, "value"),
        State(ids.AREAS_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def import_apply(
        n_clicks: int | None,
        contents: str | None,
        filename: str | None,
        source: str | None,
        choices: list[str | None],
        token: str | None,
        delete_missing: list[str] | None,
        refresh: int | None,
    ) -> tuple[Any, Any, Any]:
        if not n_clicks:
            return no_update, no_update, no_update
        if not token:
            return (
                present.alert("Bitte erstellen Sie zuerst die Vorschau.", "error"),
                no_update,
                no_update,
            )
        mapping = present.mapping_from_form(ctx.states_list[3], choices)
        principal = current_principal()
        try:
            payload, name = present.decode_upload(contents, filename)
            layer = area_exchange.read_import_layer(principal, payload, name, config=get_config())
            result = area_exchange.apply_import(
                get_db(),
                principal,
                layer,
                source or "Geoportal",
                mapping,
                expected_token=token,
                delete_missing=bool(delete_missing),
                config=get_config(),
            )
        except present.UploadProblem as error:
            return present.alert(error.message, "error"), no_update, no_update
        except CockpitError as error:
            return present.alert(error.user_message, "error"), no_update, no_update
        return present.import_result_message(result), _bump(refresh), ""


__all__ = ["NAV_ORDER", "PATH", "TITLE", "layout", "municipality_choices", "register_callbacks"]
