"""Conversation mode ("Erhebungsgespräch") for one municipality: walk its areas one by one.

Start (date, participants, method) -> for every area: bestätigt / geändert / entfällt, or
capture a new one -> close -> protocol as PDF and CSV. Kreis-Redaktion only (the services
refuse everyone else).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.pages.flaechen import municipality_choices
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import AccessDeniedError, CockpitError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import SurveyOutcome
from cockpit.exports.area_protocol import protocol_csv, protocol_filename, protocol_pdf
from cockpit.services import areas, authz
from cockpit.services.areas import survey as area_survey
from cockpit.services.maps import get_display_geometry
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
    name = next(
        (o["label"] for o in municipality_choices(principal) if o["value"] == municipality_id), ags
    )
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


def register_callbacks(app: Dash) -> None:
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
        n_clicks: int | None,
        context: dict[str, Any] | None,
        held_on: str | None,
        participants: str | None,
        method: str | None,
    ) -> tuple[Any, ...]:
        if not n_clicks or not context:
            return no_update, no_update, no_update, no_update
        principal = current_principal()
        try:
            day = present.parse_day(held_on)
            view = area_survey.start_survey(
                get_db(),
                principal,
                int(context["municipality_id"]),
                day,
                participants or "",
                present.method(method),
            )
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
    def show_current(survey_id: Any, index: Any, _refresh: Any) -> tuple[Any, ...]:
        if not isinstance(survey_id, int):
            return (no_update,) * 8
        principal = current_principal()
        session = get_db()
        try:
            view = area_survey.get_survey(session, principal, survey_id)
            row = present.current_row(view, index)
            detail = (
                areas.get_area(session, principal, row.area_id, config=get_config())
                if row is not None
                else None
            )
        except CockpitError as error:
            empty = present.EMPTY_FC
            return (
                present.alert(error.user_message, "error"),
                "",
                empty,
                empty,
                empty,
                no_update,
                "",
            )
        layers = present.detail_layers(detail)
        viewport = (
            {"bounds": present.leaflet_bounds(detail.bounds), "transition": "flyToBounds"}
            if detail is not None
            else no_update
        )
        return (
            present.progress(view, index),
            present.area_card(view, row, detail),
            layers[present.AreaKind.GEWERBE],
            layers[present.AreaKind.INDUSTRIE],
            layers[present.AreaKind.BRACHE],
            viewport,
            "",
            # The map was created hidden (size 0): let Leaflet measure it again.
            f"{survey_id}-{index}-{_refresh}",
        )

    @app.callback(
        Output(ids.SURVEY_INDEX, "data", allow_duplicate=True),
        Input(ids.SURVEY_PREV, "n_clicks"),
        Input(ids.SURVEY_NEXT, "n_clicks"),
        State(ids.SURVEY_INDEX, "data"),
        prevent_initial_call=True,
    )
    def navigate(_prev: int | None, _next: int | None, index: Any) -> Any:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update
        current = index if isinstance(index, int) else 0
        return max(current + (1 if ctx.triggered_id == ids.SURVEY_NEXT else -1), 0)

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
    def record(
        _c: int | None,
        _g: int | None,
        _d: int | None,
        survey_id: Any,
        index: Any,
        note: str | None,
        new_status: str | None,
        new_name: str | None,
        new_net: Any,
        refresh: Any,
    ) -> tuple[Any, ...]:
        if not ctx.triggered or not ctx.triggered[0].get("value") or not isinstance(survey_id, int):
            return no_update, no_update, no_update
        outcome = {
            ids.SURVEY_CONFIRM: SurveyOutcome.BESTAETIGT,
            ids.SURVEY_CHANGED: SurveyOutcome.GEAENDERT,
            ids.SURVEY_DROPPED: SurveyOutcome.ENTFAELLT,
        }[str(ctx.triggered_id)]
        principal = current_principal()
        session = get_db()
        try:
            view = area_survey.get_survey(session, principal, survey_id)
            row = present.current_row(view, index)
            if row is None:
                raise ValidationError(
                    "no current area", "Es ist keine Fläche ausgewählt; bitte „Zurück“ nutzen."
                )
            changes = (
                present.changes(new_status, new_name, new_net)
                if outcome is SurveyOutcome.GEAENDERT
                else None
            )
            area_survey.record_outcome(
                session,
                principal,
                survey_id,
                row.area_id,
                outcome,
                row.version,
                changes=changes,
                note=note or "",
                config=get_config(),
            )
            view = area_survey.get_survey(session, principal, survey_id)
        except CockpitError as error:
            log.info("survey outcome refused for %s: %s", principal.log_ref, error)
            return present.alert(error.user_message, "error"), no_update, no_update
        message = present.alert(f"„{row.name}“: {outcome.label}.", "success")
        return message, present.next_open_index(view, index), int(refresh or 0) + 1

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
    def record_new(
        n_clicks: int | None,
        survey_id: Any,
        name: str | None,
        kind: str | None,
        status: str | None,
        drawn: dict[str, Any] | None,
        note: str | None,
        refresh: Any,
    ) -> tuple[Any, ...]:
        if not n_clicks or not isinstance(survey_id, int):
            return no_update, no_update, no_update
        geometry = present.drawn_geometry(drawn)
        if geometry is None:
            return (
                present.alert("Bitte zeichnen Sie die neue Fläche in der Karte.", "error"),
                no_update,
                no_update,
            )
        principal = current_principal()
        try:
            result = area_survey.record_new_area(
                get_db(),
                principal,
                survey_id,
                {"name": name or "", "kind": kind, "status": status},
                geometry,
                note=note or "",
                config=get_config(),
            )
        except CockpitError as error:
            return present.alert(error.user_message, "error"), no_update, no_update
        return (
            present.write_message(result, "Neu erfasst:"),
            int(refresh or 0) + 1,
            amap.edit_children(MAP_IDS.edit_control),
        )

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
        if not ctx.triggered or not ctx.triggered[0].get("value") or not isinstance(survey_id, int):
            return no_update
        protocol = area_survey.get_protocol(get_db(), current_principal(), survey_id)
        if ctx.triggered_id == ids.SURVEY_PDF:
            return dcc.send_bytes(protocol_pdf(protocol), protocol_filename(protocol, "pdf"))
        return dcc.send_bytes(protocol_csv(protocol), protocol_filename(protocol, "csv"))
