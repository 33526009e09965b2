"""Review queue ("Prüfung"): proposals of the municipalities, old vs. new, accept / reject.

Kreis-Redaktion reviews; a Kommune user sees its own proposals and their state (read-only).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import AccessDeniedError, CockpitError, ConflictError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import ReviewState
from cockpit.services import authz
from cockpit.services.areas import review as area_review
from cockpit.services.areas.review import ProposalReview
from cockpit.services.maps import get_display_geometry
from cockpit.web import get_config, get_db

log = logging.getLogger(__name__)

PATH = re.compile(r"^/flaechen/pruefung$")
TITLE = "Prüfung"
NAV_ORDER = 11

HIDDEN: dict[str, str] = {"display": "none"}
SHOWN: dict[str, str] = {}
OLD_LAYER = f"{ids.REVIEW_OLD_MAP}-layer"
NEW_LAYER = f"{ids.REVIEW_NEW_MAP}-layer"
STATE_OPTIONS = [
    {"label": "offen", "value": ReviewState.OPEN.value},
    {"label": "angenommen", "value": ReviewState.ACCEPTED.value},
    {"label": "abgelehnt", "value": ReviewState.REJECTED.value},
    {"label": "alle", "value": "alle"},
]


def layout(principal: Principal, **_params: str) -> Component:
    may_review = authz.may(principal, Permission.REVIEW_AREAS)
    if not may_review and authz.scope_for(principal, Permission.PROPOSE_AREAS).is_empty:
        raise AccessDeniedError(f"{principal.log_ref} may not see proposals")
    from cockpit.dashboard.geo import geojson_url

    geometry = get_display_geometry(get_db(), principal)
    url = geojson_url(geometry.version)
    bounds = present.leaflet_bounds(geometry.bounds, pad=0.0)
    intro = (
        "Vorschläge der Gemeinden: prüfen Sie alten und neuen Stand und nehmen Sie den "
        "Vorschlag an oder lehnen Sie ihn mit Begründung ab."
        if may_review
        else "Ihre Vorschläge und deren Bearbeitungsstand."
    )
    decision = html.Div(
        [
            html.Div(
                [
                    html.Label("Begründung (bei Ablehnung Pflicht)", htmlFor=ids.REVIEW_REASON),
                    dcc.Textarea(id=ids.REVIEW_REASON, className="fl-input", rows=2),
                ],
                className="fl-field",
            ),
            html.Div(
                [
                    html.Button("Annehmen", id=ids.REVIEW_ACCEPT, className="fl-button fl-primary"),
                    html.Button("Ablehnen", id=ids.REVIEW_REJECT, className="fl-button fl-danger"),
                ],
                className="fl-actions",
            ),
        ],
        id=f"{ids.REVIEW_DETAIL}-decision",
        style=HIDDEN,
    )
    return html.Div(
        className="fl-page",
        children=[
            dcc.Store(id=ids.REVIEW_SELECTED, data=None),
            dcc.Store(id=ids.REVIEW_REFRESH, data=0),
            dcc.Store(id=f"{ids.REVIEW_DETAIL}-state", data={"may_review": may_review}),
            html.Div(
                [
                    html.H1("Prüfung der Vorschläge" if may_review else "Meine Vorschläge"),
                    dcc.Link("Zurück zu den Flächen", href="/flaechen", className="fl-button"),
                ],
                className="fl-title",
            ),
            html.P(intro, className="fl-muted"),
            html.Div(id=ids.REVIEW_MESSAGE, **{"aria-live": "polite"}),
            html.Div(
                className="fl-review-grid",
                children=[
                    html.Aside(
                        [
                            html.Fieldset(
                                [
                                    html.Legend("Bearbeitungsstand"),
                                    dcc.RadioItems(
                                        id=ids.REVIEW_STATE,
                                        options=STATE_OPTIONS,
                                        value=ReviewState.OPEN.value,
                                        className="fl-checklist",
                                        inline=True,
                                    ),
                                ]
                            ),
                            html.Div(id=ids.REVIEW_LIST),
                        ],
                        className="fl-card",
                        **{"aria-label": "Liste der Vorschläge"},
                    ),
                    html.Section(
                        [
                            html.Div(
                                html.P("Wählen Sie links einen Vorschlag.", className="fl-muted"),
                                id=ids.REVIEW_DETAIL,
                            ),
                            html.Div(
                                [
                                    html.Div(
                                        [
                                            html.H3("Bisheriger Stand"),
                                            amap.small_map(
                                                ids.REVIEW_OLD_MAP,
                                                OLD_LAYER,
                                                boundaries_url=url,
                                                bounds=bounds,
                                                colour="#6b6b6b",
                                                label="Karte: bisherige Geometrie",
                                            ),
                                        ]
                                    ),
                                    html.Div(
                                        [
                                            html.H3("Vorschlag"),
                                            amap.small_map(
                                                ids.REVIEW_NEW_MAP,
                                                NEW_LAYER,
                                                boundaries_url=url,
                                                bounds=bounds,
                                                colour="#D55E00",
                                                label="Karte: vorgeschlagene Geometrie",
                                            ),
                                        ]
                                    ),
                                ],
                                className="fl-two",
                            ),
                            decision,
                        ],
                        className="fl-card",
                        **{"aria-label": "Vorschlag im Vergleich"},
                    ),
                ],
            ),
        ],
    )


@dataclass(frozen=True)
class ReviewView:
    """Outputs of the proposal callback: panel, old/new layers, viewports, decision, state."""

    state: dict[str, Any]  # the page's review state (proposal, version, may_review)
    panel: Any = no_update
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    viewport: Any = no_update
    decision: bool = False  # the accept / reject controls show

    @classmethod
    def of(cls, review: ProposalReview, state: dict[str, Any]) -> ReviewView:
        proposal = review.proposal
        bounds = present.feature_bounds([review.old_geojson, review.new_geojson])
        state = {**state, "proposal": proposal.id, "version": review.current_version}
        return cls(
            state,
            present.review_panel(review),
            present.highlight_feature(review.old_geojson),
            present.highlight_feature(review.new_geojson),
            {"bounds": bounds, "transition": "fitBounds"} if bounds else no_update,
            proposal.state is ReviewState.OPEN and bool(state.get("may_review")),
        )

    def outputs(self) -> tuple[Any, ...]:
        return (
            self.panel,
            self.old or present.EMPTY_FC,
            self.new or present.EMPTY_FC,
            self.viewport,
            self.viewport,
            SHOWN if self.decision else HIDDEN,
            self.state,
        )


def decide_proposal(
    session: Session, principal: Principal, accept: bool, state: dict[str, Any], reason: str
) -> Component:
    """Accept (against the area version shown) or reject the proposal; the German result."""
    proposal_id = int(state["proposal"])
    if not accept:
        area_review.reject_proposal(session, principal, proposal_id, reason)
        return present.alert(f"Vorschlag Nr. {proposal_id} abgelehnt.", "success")
    version = state.get("version")
    result = area_review.accept_proposal(
        session,
        principal,
        proposal_id,
        expected_version=version if isinstance(version, int) else None,
        reason=reason,
        config=get_config(),
    )
    return present.write_message(result, f"Vorschlag Nr. {proposal_id} angenommen:")


def register_callbacks(app: Dash) -> None:
    _register_proposals(app)
    _register_review(app)


def _register_proposals(app: Dash) -> None:
    @app.callback(
        Output(ids.REVIEW_LIST, "children"),
        Input(ids.REVIEW_STATE, "value"),
        Input(ids.REVIEW_REFRESH, "data"),
        Input(ids.REVIEW_SELECTED, "data"),
    )
    def proposals(state: str | None, _refresh: Any, selected: Any) -> Any:
        wanted = None if state == "alle" else present.review_state(state)
        try:
            items = area_review.list_proposals(get_db(), current_principal(), wanted)
        except CockpitError as error:
            return present.alert(error.user_message, "error")
        return present.proposal_list(items, selected, ids.REVIEW_ROW)

    @app.callback(
        Output(ids.REVIEW_SELECTED, "data"),
        Input({"type": ids.REVIEW_ROW, "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def select(_clicks: list[int | None]) -> Any:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update
        return int(ctx.triggered_id["index"])


def _register_review(app: Dash) -> None:
    @app.callback(
        Output(ids.REVIEW_DETAIL, "children"),
        Output(OLD_LAYER, "data"),
        Output(NEW_LAYER, "data"),
        Output(ids.REVIEW_OLD_MAP, "viewport"),
        Output(ids.REVIEW_NEW_MAP, "viewport"),
        Output(f"{ids.REVIEW_DETAIL}-decision", "style"),
        Output(f"{ids.REVIEW_DETAIL}-state", "data"),
        Input(ids.REVIEW_SELECTED, "data"),
        Input(ids.REVIEW_REFRESH, "data"),
        State(f"{ids.REVIEW_DETAIL}-state", "data"),
    )
    def show(selected: Any, _refresh: Any, state: dict[str, Any] | None) -> tuple[Any, ...]:
        state = dict(state or {})
        if not isinstance(selected, int):
            return ReviewView(state).outputs()
        principal = current_principal()
        try:
            review = area_review.get_proposal_review(
                get_db(), principal, selected, config=get_config()
            )
        except CockpitError as error:
            return ReviewView(state, present.alert(error.user_message, "error")).outputs()
        return ReviewView.of(review, state).outputs()

    @app.callback(
        Output(ids.REVIEW_MESSAGE, "children"),
        Output(ids.REVIEW_REFRESH, "data"),
        Output(ids.REVIEW_REASON, "value"),
        Input(ids.REVIEW_ACCEPT, "n_clicks"),
        Input(ids.REVIEW_REJECT, "n_clicks"),
        State(f"{ids.REVIEW_DETAIL}-state", "data"),
        State(ids.REVIEW_REASON, "value"),
        State(ids.REVIEW_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def decide(
        _accept: Any, _reject: Any, state: dict[str, Any] | None, reason: Any, refresh: Any
    ) -> tuple[Any, ...]:
        clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
        if not clicked or not state or not isinstance(state.get("proposal"), int):
            return no_update, no_update, no_update
        principal, accept = current_principal(), ctx.triggered_id == ids.REVIEW_ACCEPT
        try:
            message = decide_proposal(get_db(), principal, accept, state, reason or "")
        except CockpitError as error:
            log.info("review decision refused for %s: %s", principal.log_ref, error)
            # A conflict (the area changed meanwhile) reloads the comparison.
            refreshed = int(refresh or 0) + 1 if isinstance(error, ConflictError) else no_update
            return present.alert(error.user_message, "error"), refreshed, no_update
        return message, int(refresh or 0) + 1, ""
