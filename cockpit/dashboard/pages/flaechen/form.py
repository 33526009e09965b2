"""The area form: open it (new / edit / propose) and save it through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.pages.flaechen.common import (
    ERROR_ID,
    FIELD_ID,
    HIDDEN,
    MAP_IDS,
    SHOWN,
    bump,
    clicked,
    log_refusal,
    visible,
)
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import CockpitError, ConflictError, ValidationError
from cockpit.domain.roles import Principal
from cockpit.services import areas
from cockpit.services.areas import review as area_review
from cockpit.web import get_config, get_db

FORM_TITLES: Final = {
    "new": "Neue Fläche anlegen",
    "edit": "Fläche bearbeiten",
    "propose_new": "Fläche vorschlagen",
    "propose_fix": "Korrektur vorschlagen",
}
FORM_MODES: Final = {
    ids.AREAS_NEW: "new",
    ids.AREAS_EDIT: "edit",
    ids.AREAS_PROPOSE_NEW: "propose_new",
    ids.AREAS_PROPOSE_FIX: "propose_fix",
}
EXISTING_MODES: Final = ("edit", "propose_fix")
NEEDS_GEOMETRY: Final = (
    "Bitte zeichnen Sie die Fläche in der Karte oder laden Sie eine Geometrie hoch."
)


# --------------------------------------------------------------------------- open


@dataclass(frozen=True)
class FormOpening:
    """Outputs of opening / closing the form (``no_update`` where nothing changes)."""

    mode: Any = no_update
    style: Any = no_update
    title: Any = no_update
    values: Any = no_update  # one per form field
    disabled: Any = no_update
    geometry: Any = no_update
    geometry_info: Any = no_update
    message: Any = no_update
    reason: Any = no_update
    edit_geometry: Any = no_update
    edit_children: Any = no_update

    @classmethod
    def closed(cls, fields: list[str]) -> FormOpening:
        return cls(
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
            amap.edit_children(MAP_IDS.edit_control),
        )

    @classmethod
    def opened(
        cls, mode: str, detail_state: dict[str, Any] | None, fields: list[str]
    ) -> FormOpening:
        """The form for ``mode``; editing and corrections start from the shown area."""
        existing = mode in EXISTING_MODES
        if existing and not detail_state:
            return cls()
        shown = detail_state if existing and detail_state else {}
        values = shown.get("values") or present.form_values(None)
        form_mode = {
            "mode": mode,
            "area_id": shown.get("id"),
            "version": shown.get("version"),
            "original": values if existing else None,
        }
        return cls(
            form_mode,
            SHOWN,
            FORM_TITLES[mode],
            [values.get(f) for f in fields],
            [mode == "propose_fix" and f == "municipality_id" for f in fields],
            None,
            present.pending_geometry_text(mode),
            "",
            "",
            visible(existing),
            amap.edit_children(MAP_IDS.edit_control),
        )

    def outputs(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__dataclass_fields__)


# --------------------------------------------------------------------------- save


@dataclass(frozen=True)
class FormOutcome:
    area_id: int | None
    message: Component


def _geometry_or_refuse(geometry: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if geometry is None:
        raise ValidationError(f"{what} without geometry", NEEDS_GEOMETRY, "geometry")
    return geometry


def _create(
    s: Session, p: Principal, form: dict[str, Any], values: Any, reason: str, geo: Any
) -> FormOutcome:
    attributes = present.attributes_from_form(values)
    result = areas.create_area(
        s, p, attributes, _geometry_or_refuse(geo, "new area"), reason=reason, config=get_config()
    )
    return FormOutcome(result.area_id, present.write_message(result, "Angelegt:"))


def _update(
    s: Session, p: Principal, form: dict[str, Any], values: Any, reason: str, geo: Any
) -> FormOutcome:
    changes = present.changed_attributes(values, form.get("original"))
    area_id, version = int(form["area_id"]), int(form["version"])
    result = areas.update_area(
        s, p, area_id, version, changes, geo, reason=reason, config=get_config()
    )
    return FormOutcome(result.area_id, present.write_message(result, "Gespeichert:"))


def _propose_new(
    s: Session, p: Principal, form: dict[str, Any], values: Any, reason: str, geo: Any
) -> FormOutcome:
    geometry = _geometry_or_refuse(geo, "proposal")
    attributes = present.attributes_from_form(values)
    municipality = attributes.pop("municipality_id", None)
    if municipality in (None, ""):
        raise ValidationError(
            "proposal without municipality", "Bitte wählen Sie die Gemeinde.", "municipality_id"
        )
    info = area_review.propose_area(
        s, p, int(municipality), attributes, geometry, comment=reason, config=get_config()
    )
    text = (
        f"Ihr Vorschlag (Nr. {info.id}) wurde an die Kreis-Redaktion übermittelt. "
        "Er wird nach der Prüfung übernommen."
    )
    return FormOutcome(None, present.alert(text, "success"))


def _propose_fix(
    s: Session, p: Principal, form: dict[str, Any], values: Any, reason: str, geo: Any
) -> FormOutcome:
    changes = present.changed_attributes(values, form.get("original"))
    changes.pop("municipality_id", None)
    area_id, version = int(form["area_id"]), int(form["version"])
    info = area_review.propose_correction(
        s, p, area_id, version, changes, geo, comment=reason, config=get_config()
    )
    text = f"Ihr Korrekturvorschlag (Nr. {info.id}) wurde an die Kreis-Redaktion übermittelt."
    return FormOutcome(None, present.alert(text, "success"))


SUBMIT: Final[dict[str, Callable[..., FormOutcome]]] = {
    "new": _create,
    "edit": _update,
    "propose_new": _propose_new,
    "propose_fix": _propose_fix,
}


def submit_form(
    session: Session,
    principal: Principal,
    form_mode: dict[str, Any],
    values: dict[str, Any],
    reason: str,
    geometry: dict[str, Any] | None,
) -> FormOutcome:
    """Send the form to the one service its mode stands for (the services authorize)."""
    mode = form_mode.get("mode")
    submit = SUBMIT.get(str(mode))
    if submit is None:
        raise ValidationError(f"unknown form mode {mode!r}", "Das Formular ist nicht geöffnet.")
    return submit(session, principal, form_mode, values, reason, geometry)


@dataclass(frozen=True)
class SaveView:
    """Outputs of "Speichern": form message, field errors, refresh, selection, visibility."""

    errors: list[str]  # one text per error slot of the form
    message: Any = no_update
    refresh: Any = no_update
    selected: Any = no_update
    form_style: Any = no_update
    page_message: Any = no_update
    reload: Any = no_update

    @classmethod
    def idle(cls, slots: list[str]) -> SaveView:
        return cls([""] * len(slots))

    @classmethod
    def refused(cls, error: CockpitError, slots: list[str]) -> SaveView:
        """Field errors for bad input; "Neu laden" for a conflict; otherwise the reason."""
        if isinstance(error, ConflictError):
            hint = html.P("Nutzen Sie „Neu laden“, um den aktuellen Stand zu sehen.")
            message = present.alert([html.P(error.user_message), hint], "error")
            return cls([""] * len(slots), message, reload=SHOWN)
        texts: dict[str, str] = {}
        if isinstance(error, ValidationError):
            texts = present.field_error_texts(error.field, error.user_message)
        errors = [texts.get(slot, "") for slot in slots]
        return cls(errors, present.alert(error.user_message, "error"))

    @classmethod
    def saved(cls, outcome: FormOutcome, refresh: Any, slots: list[str]) -> SaveView:
        selected = no_update if outcome.area_id is None else outcome.area_id
        return cls([""] * len(slots), "", bump(refresh), selected, HIDDEN, outcome.message, HIDDEN)

    def outputs(self) -> tuple[Any, ...]:
        return (
            self.message,
            self.errors,
            self.refresh,
            self.selected,
            self.form_style,
            self.page_message,
            self.reload,
        )


# --------------------------------------------------------------------------- callbacks


def _pattern_fields(specs: list[dict[str, Any]]) -> list[str]:
    """The ``field`` of each pattern-matched output or state (their order in the page)."""
    return [str(spec["id"]["field"]) for spec in specs]


def register(app: Dash) -> None:
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
        fields = _pattern_fields(ctx.outputs_list[3])
        if ctx.triggered_id == ids.AREAS_FORM_CANCEL or not clicked():
            return FormOpening.closed(fields).outputs()
        mode = FORM_MODES[str(ctx.triggered_id)]
        return FormOpening.opened(mode, args[5], fields).outputs()

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
        n_clicks: Any,
        form_mode: Any,
        field_values: list[Any],
        reason: Any,
        geometry: Any,
        refresh: Any,
    ) -> tuple[Any, ...]:
        slots = _pattern_fields(ctx.outputs_list[1])
        if not n_clicks or not form_mode:
            return SaveView.idle(slots).outputs()
        values = dict(zip(_pattern_fields(ctx.states_list[1]), field_values, strict=True))
        principal = current_principal()
        try:
            outcome = submit_form(get_db(), principal, form_mode, values, reason or "", geometry)
        except CockpitError as error:
            log_refusal("area form", principal, error)
            return SaveView.refused(error, slots).outputs()
        return SaveView.saved(outcome, refresh, slots).outputs()
