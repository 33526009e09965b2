"""Tab "Import und Export": export for Geoportal / KWIS, Geoportal import in four steps."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.pages.flaechen.common import (
    bump,
    labelled,
    log_refusal,
    refusal_alert,
    upload_box,
)
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import Principal
from cockpit.services.areas import exchange as area_exchange
from cockpit.services.areas import export as area_export
from cockpit.services.areas import mapping as area_mapping
from cockpit.web import get_config, get_db
from layers.upload import UploadedLayer

DEFAULT_SOURCE: Final = "Geoportal"
FORMATS: Final = [
    {"label": "GeoPackage", "value": "gpkg"},
    {"label": "Shapefile (ZIP)", "value": "shp"},
    {"label": "GeoJSON", "value": "geojson"},
    {"label": "CSV", "value": "csv"},
]
IMPORT_STEPS: Final = (
    "1. Datei wählen (GeoPackage, Shapefile als ZIP, GeoJSON) · 2. Felder zuordnen · "
    "3. Vorschau prüfen · 4. übernehmen."
)
UploadRefusal = (present.UploadProblem, CockpitError)


# --------------------------------------------------------------------------- layout


def _export_targets(context: dict[str, Any]) -> list[dict[str, str]]:
    """Geoportal/KWIS sync exports only for editors (the service refuses them otherwise)."""
    analysis = [{"label": "Analyse", "value": "analysis"}]
    if not context["can_edit"]:
        return analysis
    sync = [{"label": "Geoportal", "value": "geoportal"}, {"label": "KWIS", "value": "kwis"}]
    return sync + analysis


def _radio_fieldset(legend: str, component_id: str, options: Any, value: str) -> Component:
    radio = dcc.RadioItems(id=component_id, options=options, value=value, className="fl-checklist")
    return html.Fieldset([html.Legend(legend), radio])


def _yes_checkbox(component_id: str, label: str) -> Component:
    options = [{"label": label, "value": "ja"}]
    return dcc.Checklist(id=component_id, options=options, value=[], className="fl-checklist")


def _export_card(context: dict[str, Any]) -> Component:
    targets = _export_targets(context)
    return html.Section(
        [
            html.H2("Export für Geoportal und KWIS", className="fl-h2"),
            _radio_fieldset("Ziel", ids.AREAS_EXPORT_TARGET, targets, targets[0]["value"]),
            _radio_fieldset("Format", ids.AREAS_EXPORT_FORMAT, FORMATS, "gpkg"),
            _yes_checkbox(ids.AREAS_EXPORT_CHANGES, "nur Änderungen seit dem letzten Export"),
            html.Button(
                "Export herunterladen", id=ids.AREAS_EXPORT_BUTTON, className="fl-button fl-primary"
            ),
            html.Div(id=ids.AREAS_EXPORT_MESSAGE, **{"aria-live": "polite"}),
            dcc.Download(id=ids.AREAS_EXPORT_DOWNLOAD),
        ],
        className="fl-card",
    )


def _import_card() -> Component:
    source = dcc.Input(
        id=ids.AREAS_IMPORT_SOURCE, type="text", value=DEFAULT_SOURCE, className="fl-input"
    )
    upload = upload_box(ids.AREAS_IMPORT_UPLOAD, "Geoportal-Datei")
    return html.Section(
        [
            html.H2("Import aus dem Geoportal", className="fl-h2"),
            html.P(IMPORT_STEPS, className="fl-hint"),
            labelled("Quelle (Name der Geoportal-Ebene)", source),
            upload,
            html.Div(id=ids.AREAS_IMPORT_MAPPING),
            html.Button(
                "Vorschau erstellen", id=ids.AREAS_IMPORT_PREVIEW_BUTTON, className="fl-button"
            ),
            html.Div(id=ids.AREAS_IMPORT_PREVIEW),
            _yes_checkbox(
                ids.AREAS_IMPORT_DELETE_MISSING, "fehlende Flächen löschen (sonst behalten)"
            ),
            html.Button(
                "Import übernehmen", id=ids.AREAS_IMPORT_APPLY, className="fl-button fl-primary"
            ),
            dcc.Store(id=ids.AREAS_IMPORT_TOKEN),
            html.Div(id=ids.AREAS_IMPORT_MESSAGE, **{"aria-live": "polite"}),
        ],
        className="fl-card",
    )


def exchange_panel(context: dict[str, Any]) -> Component:
    children: list[Component] = []
    if context["can_export"]:
        children.append(_export_card(context))
    if context["can_import"]:
        children.append(_import_card())
    return html.Div(children, className="fl-exchange")


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportDownload:
    """Outputs of "Export herunterladen": the file and the summary of its manifest."""

    payload: bytes
    filename: str
    summary: str

    def outputs(self) -> tuple[Any, Any]:
        download = dcc.send_bytes(self.payload, self.filename)
        return download, present.alert(self.summary, "success")


def export_file(
    session: Session, principal: Principal, target: Any, file_format: Any, changes: Any
) -> ExportDownload:
    """Run the export into a temporary directory and pack its files for the download."""
    with tempfile.TemporaryDirectory(prefix="cockpit-export-") as tmp:
        result = area_export.export_areas(
            session,
            principal,
            target=str(target or "analysis"),
            file_format=str(file_format or "gpkg"),
            out_dir=Path(tmp),
            changes_only=bool(changes),
            config=get_config(),
        )
        payload, filename = present.export_download(result.files, result.manifest_path)
    return ExportDownload(payload, filename, present.export_summary(result.manifest))


# --------------------------------------------------------------------------- import


def _read_layer(principal: Principal, contents: Any, filename: Any) -> tuple[UploadedLayer, str]:
    """The uploaded Geoportal layer and its file name (the service checks permission first)."""
    payload, name = present.decode_upload(contents, filename)
    return area_exchange.read_import_layer(principal, payload, name, config=get_config()), name


def mapping_view(
    session: Session, principal: Principal, contents: Any, filename: Any, source: Any
) -> tuple[Component, Component]:
    """Step 2: the field mapping (saved for the source, else suggested) and the file facts."""
    layer, name = _read_layer(principal, contents, filename)
    saved = area_mapping.get_mapping(session, principal, source or DEFAULT_SOURCE)
    mapping = saved or area_mapping.suggest_mapping(layer.fields)
    facts = f"„{name}“: {layer.feature_count} Objekte, Felder: {', '.join(layer.fields)}."
    form = present.mapping_form(layer.fields, mapping, ids.AREAS_IMPORT_MAP_FIELD)
    return form, present.alert(facts, "info")


@dataclass(frozen=True)
class ImportRequest:
    """What the import steps 3 and 4 read from the page."""

    contents: Any
    filename: Any
    source: str
    mapping: dict[str, str]

    @classmethod
    def from_inputs(cls, contents: Any, filename: Any, source: Any, choices: Any) -> ImportRequest:
        mapping = present.mapping_from_form(ctx.states_list[3], choices)
        return cls(contents, filename, source or DEFAULT_SOURCE, mapping)


def preview(session: Session, principal: Principal, request: ImportRequest) -> tuple[Any, ...]:
    """Step 3: the preview table and its token (the apply step must match it)."""
    layer, _name = _read_layer(principal, request.contents, request.filename)
    result = area_exchange.preview_import(
        session, principal, layer, request.source, request.mapping, config=get_config()
    )
    return present.preview_panel(result), result.token, ""


def apply(
    session: Session, principal: Principal, request: ImportRequest, token: str, delete: Any
) -> Component:
    """Step 4: apply the previewed import; the German result."""
    layer, _name = _read_layer(principal, request.contents, request.filename)
    result = area_exchange.apply_import(
        session,
        principal,
        layer,
        request.source,
        request.mapping,
        expected_token=token,
        delete_missing=bool(delete),
        config=get_config(),
    )
    return present.import_result_message(result)


# --------------------------------------------------------------------------- callbacks


def register(app: Dash) -> None:
    _register_export(app)
    _register_import(app)


def _register_export(app: Dash) -> None:
    @app.callback(
        Output(ids.AREAS_EXPORT_DOWNLOAD, "data"),
        Output(ids.AREAS_EXPORT_MESSAGE, "children"),
        Input(ids.AREAS_EXPORT_BUTTON, "n_clicks"),
        State(ids.AREAS_EXPORT_TARGET, "value"),
        State(ids.AREAS_EXPORT_FORMAT, "value"),
        State(ids.AREAS_EXPORT_CHANGES, "value"),
        prevent_initial_call=True,
    )
    def export(n_clicks: Any, target: Any, file_format: Any, changes: Any) -> tuple[Any, Any]:
        if not n_clicks:
            return no_update, no_update
        principal = current_principal()
        try:
            download = export_file(get_db(), principal, target, file_format, changes)
        except CockpitError as error:
            log_refusal("export", principal, error)
            return no_update, refusal_alert(error)
        return download.outputs()


def _register_import(app: Dash) -> None:
    @app.callback(
        Output(ids.AREAS_IMPORT_MAPPING, "children"),
        Output(ids.AREAS_IMPORT_MESSAGE, "children", allow_duplicate=True),
        Input(ids.AREAS_IMPORT_UPLOAD, "contents"),
        State(ids.AREAS_IMPORT_UPLOAD, "filename"),
        State(ids.AREAS_IMPORT_SOURCE, "value"),
        prevent_initial_call=True,
    )
    def import_mapping(contents: Any, filename: Any, source: Any) -> tuple[Any, Any]:
        try:
            return mapping_view(get_db(), current_principal(), contents, filename, source)
        except UploadRefusal as error:
            return "", refusal_alert(error)

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
    def import_preview(n_clicks: Any, *upload: Any) -> tuple[Any, ...]:
        if not n_clicks:
            return no_update, no_update, no_update
        try:
            return preview(get_db(), current_principal(), ImportRequest.from_inputs(*upload))
        except UploadRefusal as error:
            return "", None, refusal_alert(error)

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
    def import_apply(n_clicks: Any, *args: Any) -> tuple[Any, Any, Any]:
        token, delete_missing, refresh = args[4:]
        if not n_clicks:
            return no_update, no_update, no_update
        if not token:
            message = present.alert("Bitte erstellen Sie zuerst die Vorschau.", "error")
            return message, no_update, no_update
        request = ImportRequest.from_inputs(*args[:4])
        try:
            message = apply(get_db(), current_principal(), request, token, delete_missing)
        except UploadRefusal as error:
            return refusal_alert(error), no_update, no_update
        return message, bump(refresh), ""
