"""Conversation mode ("Erhebungsgespräch") for one municipality: walk its areas one by one.

Start (date, participants, method) -> for every area: bestätigt / geändert / entfällt, or
capture a new one -> close -> protocol as PDF and CSV. Kreis-Redaktion only (the services
refuse everyone else).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import AccessDeniedError, CockpitError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaKind, SurveyOutcome
from cockpit.exports.area_protocol import protocol_csv, protocol_filename, protocol_pdf
from cockpit.services import areas, authz
from cockpit.services.areas import AreaDetail
from cockpit.services.areas import survey as area_survey
from cockpit.services.areas.survey import SurveyRow, SurveyView
from cockpit.services.maps import get_display_geometry
from cockpit.services.municipalities import municipality_choices
from cockpit.services.profile import municipality_id_for_ags
from cockpit.web import get_config, get_db

log = logging.getLogger(__name__)

PATH = re.compile(r"^/flaechen/erhebung/(?P<ags>\d{8})$")
TITLE = "Erhebungsgespräch"
NAV_ORDER = None

MAP_IDS = amap.area_map_ids(ids.SURVEY_MAP_PREFIX)
HIDDEN: dict[str, str] = {"display": "none"}
SHOWN: dict[str, str] = {}


def _labelled(label: str, control: Component, hint: str = "") -> Component:
    control_id = getattr(control, "id", None)
    children: list[Component] = [
        html.Label(label, htmlFor=control_id if isinstance(control_id, str) else None),
        control,
    ]
    if hint:
        children.append(html.Small(hint, className="fl-hint"))
    return html.Div(children, className="fl-field")


def layout(principal: Principal, ags: str = "", **_params: str) -> Component:
    session = get_db()
    municipality_id = municipality_id_for_ags(session, principal, ags)
    if not authz.may(principal, Permission.EDIT_AREAS, municipality_id):
        raise AccessDeniedError(f"{principal.log_ref} may not run surveys")
    from cockpit.dashboard.geo import geojson_url

    boundaries_url = geojson_url(get_display_geometry(session, principal).version)
    choices = municipality_choices(session, principal)
    name = next((c.name for c in choices if c.id == municipality_id), ags)
    start = html.Section(
        id=ids.SURVEY_START_PANEL,
        className="fl-card",
        children=[
            html.H2("Gespräch beginnen", className="fl-h2"),
            _labelled(
                "Datum des Gesprächs",
                dcc.Input(
                    id=ids.SURVEY_DATE,
                    type="date",
                    value=dt.date.today().isoformat(),
                    className="fl-input fl-input-short",
                ),
            ),
            _labelled(
                "Teilnehmende",
                dcc.Textarea(
                    id=ids.SURVEY_PARTICIPANTS,
                    className="fl-input",
                    rows=2,
                    placeholder="z. B. Frau Muster (Bauamt), Herr Beispiel (Landratsamt)",
                ),
            ),
            html.Fieldset(
                [
                    html.Legend("Art der Erhebung"),
                    dcc.RadioItems(
                        id=ids.SURVEY_METHOD,
                        options=present.METHOD_OPTIONS,
                        value="gespraech",
                        className="fl-checklist",
                    ),
                ]
            ),
            html.Button("Gespräch beginnen", id=ids.SURVEY_START, className="fl-button fl-primary"),
        ],
    )
    walk = html.Section(
        id=ids.SURVEY_WALK_PANEL,
        style=HIDDEN,
        children=[
            html.Div(id=ids.SURVEY_PROGRESS, role="status"),
            html.Div(
                className="fl-two",
                children=[
                    amap.area_map(
                        MAP_IDS,
                        boundaries_url=boundaries_url,
                        editable=True,
                        height="380px",
                        label="Karte der Fläche",
                    ),
                    html.Div(
                        [
                            html.Div(id=ids.SURVEY_AREA, **{"aria-live": "polite"}),
                            _labelled(
                                "Bemerkung zu dieser Fläche",
                                dcc.Input(id=ids.SURVEY_NOTE, type="text", className="fl-input"),
                            ),
                            html.Div(
                                [
                                    html.Button(
                                        "bestätigt",
                                        id=ids.SURVEY_CONFIRM,
                                        className="fl-button fl-primary",
                                    ),
                                    html.Button(
                                        "geändert", id=ids.SURVEY_CHANGED, className="fl-button"
                                    ),
                                    html.Button(
                                        "entfällt",
                                        id=ids.SURVEY_DROPPED,
                                        className="fl-button fl-danger",
                                    ),
                                ],
                                className="fl-outcomes",
                                role="group",
                                **{"aria-label": "Ergebnis für diese Fläche"},
                            ),
                            html.Details(
                                [
                                    html.Summary("Änderungen für „geändert“"),
                                    _labelled(
                                        "Neuer Vermarktungsstand",
                                        dcc.Dropdown(
                                            id=ids.SURVEY_CHANGE_STATUS,
                                            options=present.STATUS_OPTIONS,
                                            placeholder="unverändert",
                                        ),
                                    ),
                                    _labelled(
                                        "Neue Bezeichnung",
                                        dcc.Input(
                                            id=ids.SURVEY_CHANGE_NAME,
                                            type="text",
                                            className="fl-input",
                                        ),
                                    ),
                                    _labelled(
                                        "Neue Nettofläche (ha)",
                                        dcc.Input(
                                            id=ids.SURVEY_CHANGE_NET,
                                            type="number",
                                            min=0,
                                            step=0.01,
                                            className="fl-input fl-input-short",
                                        ),
                                    ),
                                ],
                                open=True,
                            ),
                            html.Div(
                                [
                                    html.Button(
                                        "Zurück", id=ids.SURVEY_PREV, className="fl-button"
                                    ),
                                    html.Button(
                                        "Weiter", id=ids.SURVEY_NEXT, className="fl-button"
                                    ),
                                ],
                                className="fl-actions",
                            ),
                        ]
                    ),
                ],
            ),
            html.Details(
                [
                    html.Summary("Neue Fläche erfassen („neu“)"),
                    html.P(
                        "Zeichnen Sie die Fläche mit dem Polygon-Werkzeug in der Karte.",
                        className="fl-hint",
                    ),
                    _labelled(
                        "Bezeichnung",
                        dcc.Input(id=ids.SURVEY_NEW_NAME, type="text", className="fl-input"),
                    ),
                    _labelled(
                        "Art",
                        dcc.Dropdown(
                            id=ids.SURVEY_NEW_KIND,
                            options=present.KIND_OPTIONS,
                            value="gewerbe",
                            clearable=False,
                        ),
                    ),
                    _labelled(
                        "Vermarktungsstand",
                        dcc.Dropdown(
                            id=ids.SURVEY_NEW_STATUS,
                            options=present.STATUS_OPTIONS,
                            value="verfuegbar",
                            clearable=False,
                        ),
                    ),
                    html.Button("Neue Fläche speichern", id=ids.SURVEY_NEW, className="fl-button"),
                ],
                className="fl-card",
            ),
            html.Div(
                html.Button(
                    "Gespräch abschließen", id=ids.SURVEY_FINISH, className="fl-button fl-primary"
                ),
                className="fl-actions",
            ),
        ],
    )
    done = html.Section(
        id=ids.SURVEY_DONE_PANEL,
        style=HIDDEN,
        className="fl-card",
        children=[
            html.H2("Protokoll", className="fl-h2"),
            html.Div(id=f"{ids.SURVEY_DONE_PANEL}-text"),
            html.Div(
                [
                    html.Button(
                        "Protokoll als PDF", id=ids.SURVEY_PDF, className="fl-button fl-primary"
                    ),
                    html.Button("Protokoll als CSV", id=ids.SURVEY_CSV, className="fl-button"),
                ],
                className="fl-actions",
            ),
            dcc.Download(id=ids.SURVEY_DOWNLOAD),
        ],
    )
    return html.Div(
        className="fl-page",
        children=[
            dcc.Store(id=ids.SURVEY_CONTEXT, data={"municipality_id": municipality_id, "ags": ags}),
            dcc.Store(id=ids.SURVEY_ID, data=None),
            dcc.Store(id=ids.SURVEY_INDEX, data=0),
            dcc.Store(id=ids.SURVEY_REFRESH, data=0),
            html.Div(
                [
                    html.H1(f"Erhebungsgespräch – {name}"),
                    dcc.Link("Zurück zu den Flächen", href="/flaechen", className="fl-button"),
                ],
                className="fl-title",
            ),
            html.P(
                "Gehen Sie die Flächen der Gemeinde nacheinander durch und halten Sie fest, ob "
                "sie noch aktuell sind. Ergebnisse werden sofort gespeichert.",
                className="fl-muted",
            ),
            html.Div(id=ids.SURVEY_MESSAGE, **{"aria-live": "polite"}),
            start,
            walk,
            done,
        ],
    )


OUTCOMES = {
    ids.SURVEY_CONFIRM: SurveyOutcome.BESTAETIGT,
    ids.SURVEY_CHANGED: SurveyOutcome.GEAENDERT,
    ids.SURVEY_DROPPED: SurveyOutcome.ENTFAELLT,
}


SurveyPosition = tuple[SurveyView, SurveyRow | None, AreaDetail | None]


def _clicked() -> bool:
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


def start_survey(
    session: Session, principal: Principal, context: dict[str, Any], held_on: Any, *rest: Any
) -> SurveyView:
    """Start the conversation (date, participants, method) for the page's municipality."""
    participants, method = rest
    return area_survey.start_survey(
        session,
        principal,
        int(context["municipality_id"]),
        present.parse_day(held_on),
        participants or "",
        present.method(method),
    )


@dataclass(frozen=True)
class SurveyStep:
    """Outputs of the current step: progress, area card, map layers and focus, note."""

    progress: Any
    card: Any
    layers: dict[AreaKind, dict[str, Any]] | None = None
    viewport: Any = no_update
    size_key: Any = no_update  # a new value makes Leaflet measure the (once hidden) map

    @classmethod
    def refused(cls, message: str) -> SurveyStep:
        return cls(present.alert(message, "error"), "")

    @classmethod
    def of(cls, step: SurveyPosition, index: Any, size_key: str) -> SurveyStep:
        view, row, detail = step
        viewport = (
            {"bounds": present.leaflet_bounds(detail.bounds), "transition": "flyToBounds"}
            if detail is not None
            else no_update
        )
        return cls(
            present.progress(view, index),
            present.area_card(view, row, detail),
            present.detail_layers(detail),
            viewport,
            size_key,
        )

    def outputs(self) -> tuple[Any, ...]:
        layers = self.layers or {}
        kinds = (AreaKind.GEWERBE, AreaKind.INDUSTRIE, AreaKind.BRACHE)
        return (
            self.progress,
            self.card,
            *(layers.get(kind, present.EMPTY_FC) for kind in kinds),
            self.viewport,
            "",
            self.size_key,
        )


def load_step(session: Session, principal: Principal, survey_id: int, index: Any) -> SurveyPosition:
    """The survey, its row at step ``index`` and that area (``None`` past the last one)."""
    view = area_survey.get_survey(session, principal, survey_id)
    row = present.current_row(view, index)
    if row is None:
        return view, None, None
    return view, row, areas.get_area(session, principal, row.area_id, config=get_config())


def record_step(
    session: Session,
    principal: Principal,
    survey_id: int,
    index: Any,
    outcome: SurveyOutcome,
    changed: tuple[Any, Any, Any],
    note: str,
) -> tuple[Component, int]:
    """Record the outcome for the current area; the message and the next open step."""
    view = area_survey.get_survey(session, principal, survey_id)
    row = present.current_row(view, index)
    if row is None:
        raise ValidationError(
            "no current area", "Es ist keine Fläche ausgewählt; bitte „Zurück“ nutzen."
        )
    changes = present.changes(*changed) if outcome is SurveyOutcome.GEAENDERT else None
    area_survey.record_outcome(
        session,
        principal,
        survey_id,
        row.area_id,
        outcome,
        row.version,
        changes=changes,
        note=note,
        config=get_config(),
    )
    view = area_survey.get_survey(session, principal, survey_id)
    message = present.alert(f"„{row.name}“: {outcome.label}.", "success")
    return message, present.next_open_index(view, index)


def record_new(
    session: Session,
    principal: Principal,
    survey_id: int,
    attributes: dict[str, Any],
    geometry: dict[str, Any],
    note: str,
) -> Component:
    """Capture an area that came up in the conversation; the German result."""
    result = area_survey.record_new_area(
        session, principal, survey_id, attributes, geometry, note=note, config=get_config()
    )
    return present.write_message(result, "Neu erfasst:")


def register_callbacks(app: Dash) -> None:
    _register_start(app)
    _register_record(app)
    _register_finish(app)


def _register_start(app: Dash) -> None:
    @app.callback(
        Output(ids.SURVEY_ID, "data"),
        Output(ids.SURVEY_START_PANEL, "style"),
        Output(ids.SURVEY_WALK_PANEL, "style"),
        Output(ids.SURVEY_MESSAGE, "children", allow_duplicate=True),
        Input(ids.SURVEY_START, "n_clicks"),
        State(ids.SURVEY_CONTEXT, "data"),
        State(ids.SURVEY_DATE, "value"),
        State(ids.SURVEY_PARTICIPANTS, "value"),
        State(ids.SURVEY_METHOD, "value"),
        prevent_initial_call=True,
    )
    def start(
        n_clicks: Any, context: Any, held_on: Any, participants: Any, method: Any
    ) -> tuple[Any, ...]:
        if not n_clicks or not context:
            return no_update, no_update, no_update, no_update
        principal = current_principal()
        try:
            view = start_survey(get_db(), principal, context, held_on, participants, method)
        except CockpitError as error:
            log.info("survey start refused for %s: %s", principal.log_ref, error)
            return no_update, no_update, no_update, present.alert(error.user_message, "error")
        return view.id, HIDDEN, SHOWN, ""

    @app.callback(
        Output(ids.SURVEY_PROGRESS, "children"),
        Output(ids.SURVEY_AREA, "children"),
        Output(MAP_IDS.gewerbe, "data"),
        Output(MAP_IDS.industrie, "data"),
        Output(MAP_IDS.brache, "data"),
        Output(MAP_IDS.map, "viewport"),
        Output(ids.SURVEY_NOTE, "value"),
        Output(MAP_IDS.map, "invalidateSize"),
        Input(ids.SURVEY_ID, "data"),
        Input(ids.SURVEY_INDEX, "data"),
        Input(ids.SURVEY_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def show_current(survey_id: Any, index: Any, refresh: Any) -> tuple[Any, ...]:
        if not isinstance(survey_id, int):
            return (no_update,) * 8
        try:
            step = load_step(get_db(), current_principal(), survey_id, index)
        except CockpitError as error:
            return SurveyStep.refused(error.user_message).outputs()
        return SurveyStep.of(step, index, f"{survey_id}-{index}-{refresh}").outputs()

    @app.callback(
        Output(ids.SURVEY_INDEX, "data", allow_duplicate=True),
        Input(ids.SURVEY_PREV, "n_clicks"),
        Input(ids.SURVEY_NEXT, "n_clicks"),
        State(ids.SURVEY_INDEX, "data"),
        prevent_initial_call=True,
    )
    def navigate(_prev: int | None, _next: int | None, index: Any) -> Any:
        if not _clicked():
            return no_update
        current = index if isinstance(index, int) else 0
        return max(current + (1 if ctx.triggered_id == ids.SURVEY_NEXT else -1), 0)


def _register_record(app: Dash) -> None:
    @app.callback(
        Output(ids.SURVEY_MESSAGE, "children", allow_duplicate=True),
        Output(ids.SURVEY_INDEX, "data", allow_duplicate=True),
        Output(ids.SURVEY_REFRESH, "data", allow_duplicate=True),
        Input(ids.SURVEY_CONFIRM, "n_clicks"),
        Input(ids.SURVEY_CHANGED, "n_clicks"),
        Input(ids.SURVEY_DROPPED, "n_clicks"),
        State(ids.SURVEY_ID, "data"),
        State(ids.SURVEY_INDEX, "data"),
        State(ids.SURVEY_NOTE, "value"),
        State(ids.SURVEY_CHANGE_STATUS, "value"),
        State(ids.SURVEY_CHANGE_NAME, "value"),
        State(ids.SURVEY_CHANGE_NET, "value"),
        State(ids.SURVEY_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def record(*args: Any) -> tuple[Any, ...]:
        survey_id, index, note, *changed, refresh = args[3:]
        if not _clicked() or not isinstance(survey_id, int):
            return no_update, no_update, no_update
        outcome, principal = OUTCOMES[str(ctx.triggered_id)], current_principal()
        try:
            message, next_index = record_step(
                get_db(), principal, survey_id, index, outcome, tuple(changed), note or ""
            )
        except CockpitError as error:
            log.info("survey outcome refused for %s: %s", principal.log_ref, error)
            return present.alert(error.user_message, "error"), no_update, no_update
        return message, next_index, int(refresh or 0) + 1

    @app.callback(
        Output(ids.SURVEY_MESSAGE, "children", allow_duplicate=True),
        Output(ids.SURVEY_REFRESH, "data", allow_duplicate=True),
        Output(MAP_IDS.edit_group, "children"),
        Input(ids.SURVEY_NEW, "n_clicks"),
        State(ids.SURVEY_ID, "data"),
        State(ids.SURVEY_NEW_NAME, "value"),
        State(ids.SURVEY_NEW_KIND, "value"),
        State(ids.SURVEY_NEW_STATUS, "value"),
        State(MAP_IDS.edit_control, "geojson"),
        State(ids.SURVEY_NOTE, "value"),
        State(ids.SURVEY_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def record_new_area(
        n_clicks: Any, survey_id: Any, name: Any, kind: Any, status: Any, *rest: Any
    ) -> tuple[Any, ...]:
        drawn, note, refresh = rest
        if not n_clicks or not isinstance(survey_id, int):
            return no_update, no_update, no_update
        geometry = present.drawn_geometry(drawn)
        if geometry is None:
            message = present.alert("Bitte zeichnen Sie die neue Fläche in der Karte.", "error")
            return message, no_update, no_update
        attributes = {"name": name or "", "kind": kind, "status": status}
        try:
            message = record_new(
                get_db(), current_principal(), survey_id, attributes, geometry, note or ""
            )
        except CockpitError as error:
            return present.alert(error.user_message, "error"), no_update, no_update
        return message, int(refresh or 0) + 1, amap.edit_children(MAP_IDS.edit_control)


def _register_finish(app: Dash) -> None:
    @app.callback(
        Output(ids.SURVEY_WALK_PANEL, "style", allow_duplicate=True),
        Output(ids.SURVEY_DONE_PANEL, "style"),
        Output(f"{ids.SURVEY_DONE_PANEL}-text", "children"),
        Output(ids.SURVEY_MESSAGE, "children", allow_duplicate=True),
        Input(ids.SURVEY_FINISH, "n_clicks"),
        State(ids.SURVEY_ID, "data"),
        prevent_initial_call=True,
    )
    def finish(n_clicks: int | None, survey_id: Any) -> tuple[Any, ...]:
        if not n_clicks or not isinstance(survey_id, int):
            return no_update, no_update, no_update, no_update
        try:
            protocol = area_survey.close_survey(get_db(), current_principal(), survey_id)
        except CockpitError as error:
            return no_update, no_update, no_update, present.alert(error.user_message, "error")
        return HIDDEN, SHOWN, present.protocol_summary(protocol), ""

    @app.callback(
        Output(ids.SURVEY_DOWNLOAD, "data"),
        Input(ids.SURVEY_PDF, "n_clicks"),
        Input(ids.SURVEY_CSV, "n_clicks"),
        State(ids.SURVEY_ID, "data"),
        prevent_initial_call=True,
    )
    def download(_pdf: int | None, _csv: int | None, survey_id: Any) -> Any:
        if not _clicked() or not isinstance(survey_id, int):
            return no_update
        protocol = area_survey.get_protocol(get_db(), current_principal(), survey_id)
        if ctx.triggered_id == ids.SURVEY_PDF:
            return dcc.send_bytes(protocol_pdf(protocol), protocol_filename(protocol, "pdf"))
        return dcc.send_bytes(protocol_csv(protocol), protocol_filename(protocol, "csv"))
