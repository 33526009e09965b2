"""The area form: values, changed attributes, write and check messages, field errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html
from dash.development.base_component import Component

from cockpit.dashboard.presenters.areas.common import alert
from cockpit.domain.formatting import format_ha
from cockpit.domain.vocab import AreaKind, AreaStatus
from cockpit.services.areas import AreaDetail, AreaWriteResult
from layers.area_geometry import GeometryCheck

FORM_FIELDS: tuple[str, ...] = (
    "name",
    "kind",
    "municipality_id",
    "status",
    "planning_status",
    "ownership",
    "net_area_ha",
    "servicing",
    "obstacles",
    "notes",
    "geoportal_id",
    "kwis_id",
)
ERROR_FIELDS: tuple[str, ...] = (*FORM_FIELDS, "geometry", "reason")


def form_values(detail: AreaDetail | None) -> dict[str, Any]:
    """Initial values of the edit form (empty form for a new area)."""
    if detail is None:
        return {
            "name": "",
            "kind": AreaKind.GEWERBE.value,
            "municipality_id": None,
            "status": AreaStatus.VERFUEGBAR.value,
            "planning_status": None,
            "ownership": None,
            "net_area_ha": None,
            "servicing": [],
            "obstacles": [],
            "notes": "",
            "geoportal_id": "",
            "kwis_id": "",
        }
    return {
        "name": detail.name,
        "kind": detail.kind.value,
        "municipality_id": detail.municipality_id,
        "status": detail.status.value,
        "planning_status": detail.planning_status.value if detail.planning_status else None,
        "ownership": detail.ownership.value if detail.ownership else None,
        "net_area_ha": detail.net_area_ha,
        "servicing": list(detail.servicing),
        "obstacles": list(detail.obstacles),
        "notes": detail.notes,
        "geoportal_id": detail.geoportal_id or "",
        "kwis_id": detail.kwis_id or "",
    }


def attributes_from_form(values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values -> service attributes (empty optional fields become ``None``)."""
    result: dict[str, Any] = {}
    for key in FORM_FIELDS:
        value = values.get(key)
        if isinstance(value, str):
            value = value.strip()
        if key in ("servicing", "obstacles"):
            value = list(value or [])
        elif key in ("planning_status", "ownership", "geoportal_id", "kwis_id", "net_area_ha"):
            value = value if value not in ("", None) else None
        elif key == "notes":
            value = value or ""
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


def field_error_texts(field: str, message: str) -> dict[str, str]:
    """Map a service ValidationError's field to the form's error slots."""
    key = field if field in ERROR_FIELDS else ""
    return {key: message} if key else {}
