"""The layout of the area form: attributes, Erschließung / Hemmnisse, geometry, buttons."""

from __future__ import annotations

from typing import Any, Final

from dash import dcc, html
from dash.development.base_component import Component

from cockpit.dashboard import ids
from cockpit.dashboard.pages.flaechen.common import (
    ERROR_ID,
    FIELD_ID,
    HIDDEN,
    labelled,
    upload_box,
)
from cockpit.dashboard.presenters import areas as present

GEOMETRY_HELP: Final = (
    "Zeichnen Sie die Fläche mit dem Polygon-Werkzeug links oben in der Karte oder laden Sie "
    "eine Datei hoch (GeoJSON, GeoPackage, Shapefile als ZIP)."
)


def _field_id(name: str) -> dict[str, str]:
    return {"type": FIELD_ID, "field": name}


def _dropdown(name: str, options: Any, **extra: Any) -> Component:
    return dcc.Dropdown(id=_field_id(name), options=options, **extra)


def _choice_fieldset(legend: str, name: str, options: Any) -> Component:
    return html.Fieldset(
        [
            html.Legend(legend),
            dcc.Checklist(id=_field_id(name), options=options, className="fl-checklist"),
            html.Div(id={"type": ERROR_ID, "field": name}, className="fl-field-error"),
        ]
    )


def _text(name: str, **extra: Any) -> Component:
    return dcc.Input(id=_field_id(name), type="text", className="fl-input", **extra)


def _geometry_fieldset() -> Component:
    upload = upload_box(ids.AREAS_FORM_UPLOAD, "Geometrie-Datei")
    return html.Fieldset(
        [
            html.Legend("Geometrie"),
            html.P(GEOMETRY_HELP, className="fl-hint"),
            html.Button(
                "Vorhandene Geometrie in der Karte bearbeiten",
                id=ids.AREAS_FORM_EDIT_GEOMETRY,
                className="fl-button fl-button-small",
            ),
            upload,
            html.Div(id=ids.AREAS_FORM_GEOMETRY_INFO, className="fl-hint", role="status"),
            html.Div(
                id={"type": ERROR_ID, "field": "geometry"},
                className="fl-field-error",
                role="alert",
            ),
            html.Button(
                "Geometrie prüfen", id=ids.AREAS_FORM_CHECK, className="fl-button fl-button-small"
            ),
        ]
    )


def form_panel(municipalities: list[dict[str, Any]]) -> Component:
    net_area = dcc.Input(
        id=_field_id("net_area_ha"), type="number", min=0, step=0.01, className="fl-input"
    )
    buttons = html.Div(
        [
            html.Button("Speichern", id=ids.AREAS_FORM_SAVE, className="fl-button fl-primary"),
            html.Button("Abbrechen", id=ids.AREAS_FORM_CANCEL, className="fl-button"),
        ],
        className="fl-actions",
    )
    return html.Section(
        id=ids.AREAS_FORM,
        className="fl-form",
        style=HIDDEN,
        **{"aria-labelledby": ids.AREAS_FORM_TITLE},
        children=[
            html.H3("Fläche", id=ids.AREAS_FORM_TITLE),
            html.Div(id=ids.AREAS_FORM_MESSAGE, **{"aria-live": "polite"}),
            labelled("Bezeichnung *", _text("name", maxLength=200), "name"),
            labelled("Art *", _dropdown("kind", present.KIND_OPTIONS, clearable=False), "kind"),
            labelled(
                "Gemeinde *",
                _dropdown("municipality_id", municipalities, placeholder="Gemeinde"),
                "municipality_id",
            ),
            labelled(
                "Vermarktungsstand *",
                _dropdown("status", present.STATUS_OPTIONS, clearable=False),
                "status",
            ),
            labelled(
                "Planungsrecht",
                _dropdown("planning_status", present.PLANNING_OPTIONS),
                "planning_status",
            ),
            labelled("Eigentum", _dropdown("ownership", present.OWNERSHIP_OPTIONS), "ownership"),
            labelled(
                "Nettofläche (ha)",
                net_area,
                "net_area_ha",
                "Bruttofläche wird aus der Geometrie berechnet.",
            ),
            _choice_fieldset("Erschließung", "servicing", present.SERVICING_CHOICES),
            _choice_fieldset("Hemmnisse", "obstacles", present.OBSTACLE_CHOICES),
            labelled(
                "Bemerkungen",
                dcc.Textarea(id=_field_id("notes"), className="fl-input", rows=3),
                "notes",
            ),
            labelled("Geoportal-ID", _text("geoportal_id"), "geoportal_id"),
            labelled("KWIS-ID", _text("kwis_id"), "kwis_id"),
            _geometry_fieldset(),
            labelled(
                "Begründung / Kommentar",
                dcc.Textarea(id=ids.AREAS_FORM_REASON, className="fl-input", rows=2),
                "reason",
            ),
            buttons,
        ],
    )
