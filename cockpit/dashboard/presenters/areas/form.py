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
from cockpit.services.areas.fields import EDITABLE_FIELDS, FIELD
from layers.area_geometry import GeometryCheck

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


def field_error_texts(field: str, message: str) -> dict[str, str]:
    """Map a service ValidationError's field to the form's error slots."""
    key = field if field in ERROR_FIELDS else ""
    return {key: message} if key else {}
