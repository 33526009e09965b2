"""Edit dialog for Kenndaten items, generated from the service's :class:`GroupSpec`.

Every input is labelled (``<label>`` wrapping the native input, or ``<fieldset>`` with
``<legend>`` for choices), has its German error slot beside it, and the form carries the
item's ``version`` (optimistic locking) in a store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from cockpit.dashboard import ids
from cockpit.services.kenndaten import FieldSpec, GroupSpec, KenndatenItem

DIALOG_TITLE_ID = "kommune-dialog-title"


def field_value(spec: FieldSpec, value: Any) -> Any:
    """A stored value as the input expects it (ISO date string, text, lines)."""
    if value is None:
        return "" if spec.kind != "choice" else None
    if spec.kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if spec.kind == "lines":
        return "\n".join(value)
    if spec.kind == "money":
        number = float(value)
        return f"{number:.2f}".replace(".", ",") if number % 1 else f"{int(number)}"
    if spec.kind == "float":
        return str(value).replace(".", ",")
    return str(value)


def _input(spec: FieldSpec, value: Any, autofocus: bool = False) -> Component:
    component_id = {"type": ids.KOMMUNE_FIELD, "name": spec.name}
    if spec.kind in ("longtext", "lines"):
        return dcc.Textarea(
            id=component_id,
            value=value,
            maxLength=spec.max_length,
            rows=4 if spec.kind == "lines" else 3,
            className="kd-input",
        )
    kwargs: dict[str, Any] = {}
    input_type = "text"
    if spec.kind == "email":
        input_type = "email"
        kwargs["autoComplete"] = "email"
    elif spec.kind == "phone":
        input_type = "tel"
        kwargs["autoComplete"] = "tel"
    elif spec.kind == "date":
        input_type = "date"
        kwargs.update(min="1990-01-01", max="2100-12-31")
    elif spec.kind in ("int", "year"):
        kwargs["inputMode"] = "numeric"
    elif spec.kind in ("float", "money"):
        kwargs["inputMode"] = "decimal"
    if spec.kind in ("text", "email", "phone"):
        kwargs["maxLength"] = spec.max_length
    if autofocus:
        kwargs["autoFocus"] = True
    return dcc.Input(
        id=component_id,
        type=input_type,
        value=value,
        required=spec.required,
        debounce=False,
        className="kd-input",
        **kwargs,
    )


def _error_slot(spec: FieldSpec, errors: Mapping[str, str]) -> html.P:
    return html.P(
        errors.get(spec.name, ""),
        id={"type": ids.KOMMUNE_FIELD_ERROR, "name": spec.name},
        className="kd-field-error",
        **{"aria-live": "polite"},
    )


def _label_text(spec: FieldSpec) -> list[Any]:
    parts: list[Any] = [spec.label]
    if spec.required:
        parts.append(html.Span(" *", className="kd-required", title="Pflichtfeld"))
    if spec.help:
        parts.append(html.Span(f" ({spec.help})", className="kd-help"))
    return parts


def form_field(
    spec: FieldSpec,
    value: Any,
    errors: Mapping[str, str],
    choices: Sequence[tuple[str, str]] = (),
    autofocus: bool = False,
) -> html.Div:
    """One labelled field with its error slot (``autofocus``: focus it when the dialog opens)."""
    if spec.kind == "choice":
        options = [{"label": label, "value": code} for code, label in (choices or spec.choices)]
        return html.Div(
            html.Fieldset(
                [
                    html.Legend(_label_text(spec)),
                    dcc.RadioItems(
                        id={"type": ids.KOMMUNE_FIELD, "name": spec.name},
                        options=options,
                        value=value,
                        className="kd-radios",
                        labelClassName="kd-radio",
                        inputClassName="kd-radio-input",
                    ),
                    _error_slot(spec, errors),
                ],
                className="kd-fieldset",
            ),
            className="kd-field kd-field-wide",
        )
    wide = spec.kind in ("longtext", "lines")
    return html.Div(
        [
            html.Label(
                [html.Span(_label_text(spec), className="kd-label"), _input(spec, value, autofocus)]
            ),
            _error_slot(spec, errors),
        ],
        className="kd-field" + (" kd-field-wide" if wide else ""),
    )


def item_form(
    spec: GroupSpec,
    item: KenndatenItem | None,
    municipality_name: str,
    cluster_choices: Sequence[tuple[str, str]] = (),
    errors: Mapping[str, str] | None = None,
) -> html.Div:
    """The dialog body to create (``item`` None) or edit one item of ``spec``."""
    errors = errors or {}
    values: Mapping[str, Any] = item.values if item is not None else {}
    if item is not None:
        values = {**values, "as_of": item.as_of, "source": item.source}
    fields = [
        form_field(
            fspec,
            field_value(fspec, values.get(fspec.name)),
            errors,
            cluster_choices if fspec.name == "cluster_id" else (),
            autofocus=index == 0,
        )
        for index, fspec in enumerate(spec.fields)
    ]
    title = (
        f"{spec.item_label} bearbeiten – {municipality_name}"
        if item is not None
        else f"{spec.item_label} hinzufügen – {municipality_name}"
    )
    buttons: list[Component] = [
        html.Button(
            "Speichern", id=ids.KOMMUNE_SAVE, className="kd-btn kd-btn-primary", type="button"
        ),
        html.Button("Abbrechen", id=ids.KOMMUNE_CANCEL, className="kd-btn", type="button"),
    ]
    if item is not None:
        buttons += [
            html.Button(
                "Löschen …", id=ids.KOMMUNE_DELETE, className="kd-btn kd-btn-danger", type="button"
            ),
            html.Button(
                "Endgültig löschen",
                id=ids.KOMMUNE_DELETE_CONFIRM,
                className="kd-btn kd-btn-danger",
                type="button",
                hidden=True,
            ),
        ]
    info = (
        f"Version {item.version}" + (" · Demo-Daten" if item.is_demo else "")
        if item is not None
        else "Neuer Eintrag"
    )
    return html.Div(
        [
            html.H2(title, id=DIALOG_TITLE_ID),
            html.P(
                ["Pflichtfelder sind mit * markiert. ", html.Span(info, className="kd-muted")],
                className="kd-form-hint",
            ),
            html.Div(id=ids.KOMMUNE_FORM_MESSAGE, className="kd-form-message", role="alert"),
            html.Div(fields, className="kd-form-grid"),
            html.Div(buttons, className="kd-form-buttons"),
        ],
        className="kd-dialog-box",
    )


def history_dialog(title: str, table: Component) -> html.Div:
    """Dialog body showing a change history table."""
    return html.Div(
        [
            html.H2(title, id=DIALOG_TITLE_ID),
            table,
            html.Div(
                html.Button("Schließen", id=ids.KOMMUNE_CANCEL, className="kd-btn", type="button"),
                className="kd-form-buttons",
            ),
        ],
        className="kd-dialog-box",
    )


def message_dialog(title: str, text: str) -> html.Div:
    return history_dialog(title, html.P(text, role="alert", className="kd-form-message is-error"))
