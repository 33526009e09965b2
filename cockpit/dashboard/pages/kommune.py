"""Municipality cockpit ``/kommune/<AGS>``: profile, KPIs, every Kenndaten group, editing.

Foreign municipalities show Kommune users the public profile only (the services refuse
the Kenndaten reads anyway). Editing (Kreis-Redaktion) happens in a dialog per item.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import export_links
from cockpit.dashboard.components import kenndaten_forms as forms
from cockpit.dashboard.presenters import kommune as present
from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import Permission, Principal
from cockpit.services import authz, kenndaten, profile
from cockpit.web import get_config, get_db

log = logging.getLogger(__name__)

PATH = re.compile(r"^/kommune/(?P<ags>\d{8})$")
TITLE = "Kommunal-Cockpit"
NAV_ORDER = None

MODAL_CLOSED = "kd-modal"
MODAL_OPEN = "kd-modal is-open"
SECTIONS_CLASS = "kd-sections"
EDITING_CLASS = "kd-sections is-editing"


def layout(principal: Principal, **params: str) -> Component:
    """The cockpit page of the municipality with AGS ``params["ags"]`` (untrusted)."""
    session = get_db()
    municipality_id = profile.municipality_id_for_ags(session, principal, params.get("ags", ""))
    prof = profile.get_profile(session, principal, municipality_id, config=get_config())
    children: list[Any] = [
        present.header_block(prof),
        export_links.kommune_downloads(prof.ags, prof.full_access),
        present.kpi_block(prof),
    ]
    if prof.full_access:
        view = kenndaten.list_kenndaten(session, principal, municipality_id)
        history = kenndaten.municipality_history(session, principal, municipality_id)
        children.append(_kenndaten_block(view, history))
    else:
        children.append(
            html.Section(
                [
                    html.H2("Kenndaten"),
                    html.P(
                        "Sie sehen das öffentliche Profil dieser Kommune. Kenndaten "
                        "(Ansprechpartner, Verwaltung, Investitionen, Gremien, Schwerpunkte) "
                        "sind nur für die eigene Kommune und den Landkreis sichtbar."
                    ),
                ],
                className="kd-section kd-public-note",
                id="kd-public-note",
            )
        )
    return html.Div(
        [
            *children,
            html.Div(
                id=ids.KOMMUNE_MODAL,
                className=MODAL_CLOSED,
                role="dialog",
                **{"aria-modal": "true", "aria-labelledby": forms.DIALOG_TITLE_ID},
            ),
            _store(ids.KOMMUNE_CONTEXT, {"municipality_id": municipality_id}),
            _store(ids.KOMMUNE_FORM_STORE, None),
        ],
        className="kd-page",
    )


def _store(component_id: str, data: Any) -> Component:
    return dcc.Store(id=component_id, data=data)


def _kenndaten_block(
    view: kenndaten.KenndatenView, history: list[kenndaten.HistoryEntry]
) -> html.Div:
    toolbar: list[Any] = []
    if view.can_edit:
        toolbar.append(
            html.Button(
                "Bearbeiten",
                id=ids.KOMMUNE_EDIT_MODE,
                className="kd-btn kd-btn-primary",
                type="button",
                title="Bearbeitungsmodus ein- oder ausschalten",
            )
        )
    if view.can_edit:
        toolbar.append(dcc.Link("Kennzahl per Datei aktualisieren", href="/indikatoren/import"))
    toolbar.append(
        html.P(
            id=ids.KOMMUNE_STATUS, role="status", className="kd-status", **{"aria-live": "polite"}
        )
    )
    return html.Div(
        [
            html.Div(toolbar, className="kd-toolbar"),
            html.Div(
                present.kenndaten_sections(view), id=ids.KOMMUNE_SECTIONS, className=SECTIONS_CLASS
            ),
            html.Section(
                [
                    html.H2("Änderungsverlauf", id="kd-heading-history"),
                    html.Div(
                        present.history_table(
                            history,
                            "Letzte Änderungen an den Kenndaten",
                            with_item=True,
                            cluster_names=dict(view.cluster_choices),
                        ),
                        id=ids.KOMMUNE_HISTORY,
                    ),
                ],
                className="kd-section",
                **{"aria-labelledby": "kd-heading-history"},
            ),
        ]
    )


# --------------------------------------------------------------------------- callbacks


def _municipality_id(context: Any) -> int:
    try:
        return int(context["municipality_id"])
    except (KeyError, TypeError, ValueError):
        raise CockpitError("kommune page: context store missing or malformed") from None


def _refresh(principal: Principal, municipality_id: int) -> tuple[list[Any], Component]:
    session = get_db()
    view = kenndaten.list_kenndaten(session, principal, municipality_id)
    history = kenndaten.municipality_history(session, principal, municipality_id)
    return present.kenndaten_sections(view), present.history_table(
        history,
        "Letzte Änderungen an den Kenndaten",
        with_item=True,
        cluster_names=dict(view.cluster_choices),
    )


def open_dialog(trigger: Any, context: Any) -> tuple[Any, str, Any]:
    """Dialog body, dialog class and form store for an edit/add/history click."""
    principal = current_principal()
    session = get_db()
    municipality_id = _municipality_id(context)
    group = str(trigger["group"])
    spec = kenndaten.get_group(group)
    try:
        view = kenndaten.list_kenndaten(session, principal, municipality_id)
        if trigger["type"] == ids.KOMMUNE_ITEM_HISTORY:
            item_id = int(trigger["item"])
            entries = kenndaten.item_history(session, principal, municipality_id, group, item_id)
            title = next(
                (
                    kenndaten.item_title(group, i.values)
                    for i in view.items(group)
                    if i.id == item_id
                ),
                entries[0].title if entries else "",
            )
            table = present.history_table(
                entries,
                f"Verlauf: {spec.item_label} „{title}“",
                cluster_names=dict(view.cluster_choices),
            )
            return (
                forms.history_dialog(f"Verlauf – {spec.item_label} „{title}“", table),
                MODAL_OPEN,
                None,
            )
        authz.require(principal, Permission.EDIT_KENNDATEN, municipality_id)
        item = None
        if trigger["type"] == ids.KOMMUNE_ITEM_EDIT:
            item_id = int(trigger["item"])
            item = next((i for i in view.items(group) if i.id == item_id), None)
            if item is None:
                return (
                    forms.message_dialog(
                        "Eintrag nicht gefunden",
                        "Der Datensatz wurde inzwischen gelöscht. Bitte laden Sie die Seite neu.",
                    ),
                    MODAL_OPEN,
                    None,
                )
        store = {
            "group": group,
            "item_id": item.id if item else None,
            "version": item.version if item else None,
        }
        body = forms.item_form(spec, item, view.name, view.cluster_choices)
        return body, MODAL_OPEN, store
    except CockpitError as exc:
        log.warning("kommune dialog refused: %s", exc)
        return forms.message_dialog("Aktion nicht möglich", exc.user_message), MODAL_OPEN, None


def save_form(
    values: list[Any], field_ids: list[dict[str, str]], store: Any, context: Any
) -> tuple[list[str], Any, Any, Any, Any, Any]:
    """Validate + save; returns (field errors, message, dialog class, sections, history, status)."""
    names = [fid["name"] for fid in field_ids]
    no_errors = [""] * len(names)
    if not store:
        return (
            no_errors,
            "Das Formular ist abgelaufen. Bitte öffnen Sie es erneut.",
            no_update,
            no_update,
            no_update,
            no_update,
        )
    principal = current_principal()
    municipality_id = _municipality_id(context)
    try:
        item = kenndaten.save_item(
            get_db(),
            principal,
            municipality_id,
            str(store["group"]),
            store.get("item_id"),
            dict(zip(names, values, strict=True)),
            store.get("version"),
        )
    except kenndaten.KenndatenValidationError as exc:
        return (
            [exc.errors.get(name, "") for name in names],
            html.Span(exc.user_message, className="is-error"),
            no_update,
            no_update,
            no_update,
            no_update,
        )
    except CockpitError as exc:
        log.info("kommune save refused: %s", exc)
        return (
            no_errors,
            html.Span(exc.user_message, className="is-error"),
            no_update,
            no_update,
            no_update,
            no_update,
        )
    sections, history = _refresh(principal, municipality_id)
    label = kenndaten.GROUPS[item.group].item_label
    status = f"{label} „{kenndaten.item_title(item.group, item.values)}“ wurde gespeichert."
    return no_errors, "", MODAL_CLOSED, sections, history, status


def delete_confirmed(store: Any, context: Any) -> tuple[Any, Any, Any, Any, Any]:
    """Delete the item of the open form.

    Returns (message, dialog class, sections, history, status).
    """
    if not store or store.get("item_id") is None:
        return "Kein Eintrag ausgewählt.", no_update, no_update, no_update, no_update
    principal = current_principal()
    municipality_id = _municipality_id(context)
    group = str(store["group"])
    try:
        kenndaten.delete_item(
            get_db(),
            principal,
            municipality_id,
            group,
            int(store["item_id"]),
            int(store["version"]),
        )
    except CockpitError as exc:
        log.info("kommune delete refused: %s", exc)
        return (
            html.Span(exc.user_message, className="is-error"),
            no_update,
            no_update,
            no_update,
            no_update,
        )
    sections, history = _refresh(principal, municipality_id)
    status = f"{kenndaten.GROUPS[group].item_label} wurde gelöscht."
    return "", MODAL_CLOSED, sections, history, status


def register_callbacks(app: Dash) -> None:
    _register_dialog(app)
    _register_save(app)
    _register_delete(app)


def _register_dialog(app: Dash) -> None:
    @app.callback(
        Output(ids.KOMMUNE_SECTIONS, "className"),
        Output(ids.KOMMUNE_EDIT_MODE, "children"),
        Input(ids.KOMMUNE_EDIT_MODE, "n_clicks"),
        prevent_initial_call=True,
    )
    def _toggle_edit_mode(n_clicks: int | None) -> tuple[str, str]:
        editing = bool(n_clicks) and n_clicks % 2 == 1
        return (EDITING_CLASS, "Bearbeiten beenden") if editing else (SECTIONS_CLASS, "Bearbeiten")

    @app.callback(
        Output(ids.KOMMUNE_MODAL, "children"),
        Output(ids.KOMMUNE_MODAL, "className"),
        Output(ids.KOMMUNE_FORM_STORE, "data"),
        Input({"type": ids.KOMMUNE_ITEM_EDIT, "group": ALL, "item": ALL}, "n_clicks"),
        Input({"type": ids.KOMMUNE_ITEM_ADD, "group": ALL}, "n_clicks"),
        Input({"type": ids.KOMMUNE_ITEM_HISTORY, "group": ALL, "item": ALL}, "n_clicks"),
        State(ids.KOMMUNE_CONTEXT, "data"),
        prevent_initial_call=True,
    )
    def _open(_edit: Any, _add: Any, _history: Any, context: Any) -> tuple[Any, Any, Any]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update, no_update  # buttons (re)rendered, nothing clicked
        return open_dialog(trigger, context)

    @app.callback(
        Output(ids.KOMMUNE_MODAL, "className", allow_duplicate=True),
        Output(ids.KOMMUNE_MODAL, "children", allow_duplicate=True),
        Input(ids.KOMMUNE_CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )
    def _close(n_clicks: int | None) -> tuple[Any, Any]:
        if not n_clicks:
            return no_update, no_update
        return MODAL_CLOSED, []


def _register_save(app: Dash) -> None:
    @app.callback(
        Output({"type": ids.KOMMUNE_FIELD_ERROR, "name": ALL}, "children"),
        Output(ids.KOMMUNE_FORM_MESSAGE, "children"),
        Output(ids.KOMMUNE_MODAL, "className", allow_duplicate=True),
        Output(ids.KOMMUNE_SECTIONS, "children"),
        Output(ids.KOMMUNE_HISTORY, "children"),
        Output(ids.KOMMUNE_STATUS, "children"),
        Input(ids.KOMMUNE_SAVE, "n_clicks"),
        State({"type": ids.KOMMUNE_FIELD, "name": ALL}, "value"),
        State({"type": ids.KOMMUNE_FIELD, "name": ALL}, "id"),
        State(ids.KOMMUNE_FORM_STORE, "data"),
        State(ids.KOMMUNE_CONTEXT, "data"),
        prevent_initial_call=True,
    )
    def _save(
        n_clicks: int | None,
        values: list[Any],
        field_ids: list[dict[str, str]],
        store: Any,
        context: Any,
    ) -> tuple[Any, ...]:
        if not n_clicks:
            return (
                [no_update] * len(field_ids),
                no_update,
                no_update,
                no_update,
                no_update,
                no_update,
            )
        return save_form(values, field_ids, store, context)


def _register_delete(app: Dash) -> None:
    @app.callback(
        Output(ids.KOMMUNE_DELETE_CONFIRM, "hidden"),
        Output(ids.KOMMUNE_FORM_MESSAGE, "children", allow_duplicate=True),
        Input(ids.KOMMUNE_DELETE, "n_clicks"),
        prevent_initial_call=True,
    )
    def _ask_delete(n_clicks: int | None) -> tuple[Any, Any]:
        if not n_clicks:
            return no_update, no_update
        return False, html.Span(
            "Möchten Sie diesen Eintrag wirklich löschen? Die alten Werte bleiben im Verlauf "
            "erhalten. Bestätigen Sie mit „Endgültig löschen“.",
            className="is-warning",
        )

    @app.callback(
        Output(ids.KOMMUNE_FORM_MESSAGE, "children", allow_duplicate=True),
        Output(ids.KOMMUNE_MODAL, "className", allow_duplicate=True),
        Output(ids.KOMMUNE_SECTIONS, "children", allow_duplicate=True),
        Output(ids.KOMMUNE_HISTORY, "children", allow_duplicate=True),
        Output(ids.KOMMUNE_STATUS, "children", allow_duplicate=True),
        Input(ids.KOMMUNE_DELETE_CONFIRM, "n_clicks"),
        State(ids.KOMMUNE_FORM_STORE, "data"),
        State(ids.KOMMUNE_CONTEXT, "data"),
        prevent_initial_call=True,
    )
    def _delete(n_clicks: int | None, store: Any, context: Any) -> tuple[Any, ...]:
        if not n_clicks:
            return (no_update,) * 5
        return delete_confirmed(store, context)
