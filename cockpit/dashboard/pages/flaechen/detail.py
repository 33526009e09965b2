"""The selected area: action bar, detail panel, "Stand am" and delete / restore / reload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.pages.flaechen.common import (
    DELETE_GROUP,
    HIDDEN,
    MAP_IDS,
    SHOWN,
    bump,
    clicked,
    labelled,
    log_refusal,
    visible,
)
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import CockpitError, ConflictError
from cockpit.domain.roles import Principal
from cockpit.services import areas
from cockpit.services.areas import AreaDetail, AreaSnapshot
from cockpit.services.municipalities import municipality_choices
from cockpit.web import get_config, get_db

AS_OF_HINT = (
    "Leer lassen für den aktuellen Stand. Mit genau einer gewählten Gemeinde zeigt das Datum "
    "alle ihre Flächen zu diesem Tag."
)
AS_OF_NEEDS_CHOICE = "Für „Stand am“ wählen Sie bitte eine Fläche oder genau eine Gemeinde."


# --------------------------------------------------------------------------- layout


def action_bar(context: dict[str, Any]) -> Component:
    delete_reason = dcc.Input(id=ids.AREAS_DELETE_REASON, type="text", className="fl-input")
    buttons = [
        html.Button(
            "Neue Fläche",
            id=ids.AREAS_NEW,
            className="fl-button fl-primary",
            style=visible(context["can_edit"]),
        ),
        html.Button("Bearbeiten", id=ids.AREAS_EDIT, className="fl-button", style=HIDDEN),
        html.Button(
            "Fläche vorschlagen",
            id=ids.AREAS_PROPOSE_NEW,
            className="fl-button fl-primary",
            style=visible(context["can_propose"]),
        ),
        html.Button(
            "Korrektur vorschlagen", id=ids.AREAS_PROPOSE_FIX, className="fl-button", style=HIDDEN
        ),
        html.Div(
            [
                labelled("Grund für das Löschen", delete_reason),
                html.Button("Löschen", id=ids.AREAS_DELETE, className="fl-button fl-danger"),
            ],
            id=DELETE_GROUP,
            className="fl-delete",
            style=HIDDEN,
        ),
        html.Button("Wiederherstellen", id=ids.AREAS_RESTORE, className="fl-button", style=HIDDEN),
        html.Button(
            "Neu laden", id=ids.AREAS_RELOAD, className="fl-button fl-primary", style=HIDDEN
        ),
    ]
    return html.Div(buttons, id=ids.AREAS_ACTIONS, className="fl-actions")


def detail_side(context: dict[str, Any], form: Component) -> Component:
    """The side column: actions, the form, "Stand am" and the detail panel."""
    as_of = dcc.Input(id=ids.AREAS_AS_OF, type="date", className="fl-input")
    placeholder = html.P(
        "Wählen Sie eine Fläche in der Karte oder in der Tabelle.", className="fl-muted"
    )
    return html.Section(
        [
            action_bar(context),
            form,
            labelled("Stand am", as_of, hint=AS_OF_HINT),
            html.Div(placeholder, id=ids.AREAS_DETAIL, **{"aria-live": "polite"}),
        ],
        className="fl-side",
        **{"aria-label": "Details der Fläche"},
    )


# --------------------------------------------------------------------------- bundles


def _day_before(when: dt.datetime) -> dt.date:
    """The day "Stand am" names (``when`` is the end of that day)."""
    return when.date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class DetailView:
    """Outputs of the detail callback: panel, state, map focus and the action buttons."""

    selected: Any  # the layers' hideout marks the selected area
    panel: Any = no_update
    state: dict[str, Any] | None = None
    viewport: Any = no_update
    highlight: dict[str, Any] | None = None
    # Which of "Bearbeiten", "Korrektur vorschlagen", "Löschen", "Wiederherstellen" show.
    edit: bool = False
    propose_fix: bool = False
    delete: bool = False
    restore: bool = False

    @classmethod
    def refused(cls, selected: Any, message: str) -> DetailView:
        return cls(selected, present.alert(message, "error"))

    @classmethod
    def snapshots(
        cls, selected: Any, snapshots: list[AreaSnapshot], when: dt.datetime, name: str
    ) -> DetailView:
        """All areas of one municipality on the "Stand am" day."""
        panel = present.snapshots_table(snapshots, _day_before(when), name)
        features = {"type": "FeatureCollection", "features": [s.geojson for s in snapshots]}
        return cls(selected, panel, highlight=features)

    @classmethod
    def of(
        cls,
        detail: AreaDetail,
        snapshot: tuple[dt.datetime, AreaSnapshot | None] | None,
        context: dict[str, Any],
    ) -> DetailView:
        """One area (with its state on the "Stand am" day when ``snapshot`` is given)."""
        can_edit = bool(context.get("can_edit")) and detail.may_edit
        can_propose = bool(context.get("can_propose")) and not detail.is_deleted
        children: list[Component] = []
        highlight = present.highlight_feature(detail.geojson)
        if snapshot is not None:
            when, state = snapshot
            children.append(present.snapshot_panel(state, _day_before(when)))
            highlight = present.highlight_feature(state.geojson if state else None)
        children.append(
            present.detail_panel(
                detail, can_restore=can_edit, restore_button_type=ids.AREAS_RESTORE_VERSION
            )
        )
        live = can_edit and not detail.is_deleted
        return cls(
            detail.id,
            html.Div(children),
            _detail_state(detail),
            {"bounds": present.leaflet_bounds(detail.bounds), "transition": "flyToBounds"},
            highlight,
            edit=live,
            propose_fix=can_propose and not can_edit,
            delete=live,
            restore=can_edit and detail.is_deleted,
        )

    def outputs(self) -> tuple[Any, ...]:
        hideout = {"selected": self.selected}
        return (
            self.panel,
            self.state,
            self.viewport,
            self.highlight or present.EMPTY_FC,
            hideout,
            hideout,
            hideout,
            *(visible(shown) for shown in (self.edit, self.propose_fix, self.delete, self.restore)),
        )


def _detail_state(detail: AreaDetail) -> dict[str, Any]:
    """What the form and the actions need of the shown area (browser store)."""
    return {
        "id": detail.id,
        "version": detail.version,
        "deleted": detail.is_deleted,
        "values": present.form_values(detail),
        "feature": detail.geojson,
        "municipality_id": detail.municipality_id,
    }


def load_detail(
    session: Session,
    principal: Principal,
    selected: Any,
    when: dt.datetime | None,
    municipality_ids: Any,
    context: dict[str, Any],
) -> DetailView:
    """The area ``selected`` (optionally as of ``when``), or with ``when`` and no area all
    areas of the one chosen municipality on that day."""
    config = get_config()
    if isinstance(selected, int):
        detail = areas.get_area(session, principal, selected, config=config)
        if when is None:
            return DetailView.of(detail, None, context)
        state = areas.get_area_as_of(session, principal, selected, when, config=config)
        return DetailView.of(detail, (when, state), context)
    if when is None:
        return DetailView(selected)
    chosen = present.int_tuple(municipality_ids)
    if len(chosen) != 1:
        return DetailView(selected, present.alert(AS_OF_NEEDS_CHOICE, "info"))
    snapshots = areas.list_areas_as_of(session, principal, chosen[0], when, config=config)
    choices = municipality_choices(session, principal)
    name = next((c.name for c in choices if c.id == chosen[0]), "")
    return DetailView.snapshots(selected, snapshots, when, name)


@dataclass(frozen=True)
class ActionView:
    """Outputs of delete / restore / reload: message, refresh, "Neu laden", delete reason."""

    message: Any = no_update
    refresh: Any = no_update
    reload: Any = no_update
    reason: Any = no_update

    @classmethod
    def reloaded(cls, refresh: Any) -> ActionView:
        return cls("", bump(refresh), HIDDEN)

    @classmethod
    def refused(cls, error: CockpitError) -> ActionView:
        """A conflict offers "Neu laden"; other refusals only say why."""
        reload = SHOWN if isinstance(error, ConflictError) else no_update
        return cls(present.alert(error.user_message, "error"), reload=reload)

    @classmethod
    def done(cls, text: str, refresh: Any) -> ActionView:
        return cls(present.alert(text, "success"), bump(refresh), HIDDEN, "")

    def outputs(self) -> tuple[Any, ...]:
        return self.message, self.refresh, self.reload, self.reason


def run_action(
    session: Session, principal: Principal, trigger: Any, detail_state: dict[str, Any], reason: str
) -> str:
    """Delete, restore or restore an old version of the shown area; the German result."""
    area_id, version = int(detail_state["id"]), int(detail_state["version"])
    if trigger == ids.AREAS_DELETE:
        areas.delete_area(session, principal, area_id, version, reason)
        return "Die Fläche wurde gelöscht (wiederherstellbar)."
    if trigger == ids.AREAS_RESTORE:
        areas.restore_area(session, principal, area_id, version)
        return "Die Fläche wurde wiederhergestellt."
    old = int(trigger["version"])
    areas.restore_version(session, principal, area_id, old, version, config=get_config())
    return f"Der Stand von Version {old} ist wieder aktuell (als neue Version)."


# --------------------------------------------------------------------------- callbacks


def register(app: Dash) -> None:
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
        Output(DELETE_GROUP, "style"),
        Output(ids.AREAS_RESTORE, "style"),
        Input(ids.AREAS_SELECTED, "data"),
        Input(ids.AREAS_AS_OF, "value"),
        Input(ids.AREAS_REFRESH, "data"),
        State(ids.AREAS_F_MUNICIPALITY, "value"),
        State(ids.AREAS_CONTEXT, "data"),
    )
    def show_detail(
        selected: Any, as_of: str | None, _refresh: Any, municipality_ids: Any, context: Any
    ) -> tuple[Any, ...]:
        principal, when = current_principal(), present.as_of_datetime(as_of)
        try:
            view = load_detail(get_db(), principal, selected, when, municipality_ids, context or {})
        except CockpitError as error:
            log_refusal(f"area detail {selected}", principal, error)
            return DetailView.refused(selected, error.user_message).outputs()
        return view.outputs()

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
    def area_action(*args: Any) -> tuple[Any, ...]:
        detail_state, reason, refresh = args[-3:]
        if ctx.triggered_id == ids.AREAS_RELOAD and clicked():
            return ActionView.reloaded(refresh).outputs()
        if not clicked() or not detail_state:
            return ActionView().outputs()
        principal = current_principal()
        try:
            text = run_action(get_db(), principal, ctx.triggered_id, detail_state, reason or "")
        except CockpitError as error:
            log_refusal("area action", principal, error)
            return ActionView.refused(error).outputs()
        return ActionView.done(text, refresh).outputs()
