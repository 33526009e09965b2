"""Themencluster lens ``/themencluster``: which municipalities focus on a theme cluster.

Cluster focus is Kenndaten: district roles see every municipality; Kommune users see only
their own municipality's focus plus the district-wide counts per cluster. Map and tables
have download links (``/export/themencluster/…``, ``/export/tabelle/themencluster.…``)
that export exactly this view for the principal.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html, no_update
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import export_links
from cockpit.dashboard.geo import geojson_url
from cockpit.dashboard.presenters.choropleth import map_viewport
from cockpit.dashboard.presenters.figures import new_figure
from cockpit.dashboard.presenters.kommune import (
    BOUNDARY_ATTRIBUTION,
    GRAPH_CONFIG,
    data_table,
    demo_badge,
    figure_block,
    source_note,
)
from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import Permission, Principal
from cockpit.services import authz, kenndaten, maps
from cockpit.services.exports import cluster_count_text, cluster_focus_codes
from cockpit.web import get_db
from layers.palettes import FOCUS_CATEGORIES

log = logging.getLogger(__name__)

PATH = re.compile(r"^/themencluster$")
TITLE = "Themencluster"
NAV_ORDER = 20
MAP_DOWNLOADS = f"{ids.CLUSTER_MAP_DOWNLOADS}-slot"  # wraps the links (which carry the id)

MAP_WIDTH, MAP_HEIGHT = 540, 460  # px of the map box on a 1366-px screen (cl-layout)
# z codes of the map: nothing visible, current, future, both (shared with the snapshot)
CATEGORIES = FOCUS_CATEGORIES


Bounds = tuple[float, float, float, float]


def _geometry(principal: Principal) -> tuple[str, list[tuple[str, str]], Bounds | None]:
    """URL of the cached GeoJSON route, the (AGS, name) list and the lon/lat bounds."""
    geometry = maps.get_display_geometry(get_db(), principal)
    features = json.loads(geometry.geojson)["features"]
    municipalities = [(f["properties"]["ags"], f["properties"]["name"]) for f in features]
    return geojson_url(geometry.version), municipalities, geometry.bounds


def cluster_map_figure(
    overview: kenndaten.ClusterOverview,
    geojson: str | dict[str, Any],
    municipalities: list[tuple[str, str]],
    bounds: Bounds | None = None,
) -> go.Figure:
    """Choropleth of the district: focus category per municipality (no tiles), fitted to
    ``bounds`` (lon/lat) in the page's map box."""
    codes = cluster_focus_codes(overview)
    labels = {code: label for code, label, _ in CATEGORIES}
    colourscale = []
    for code, _label, colour in CATEGORIES:
        colourscale += [[code / 3 - (0 if code == 0 else 0.0001), colour], [code / 3, colour]]
    colourscale[0][0] = 0.0
    center, zoom = map_viewport(bounds, width_px=MAP_WIDTH, height_px=MAP_HEIGHT)
    fig = new_figure(
        go.Choroplethmap(
            geojson=geojson,
            featureidkey="properties.ags",
            locations=[ags for ags, _ in municipalities],
            z=[codes.get(ags, 0) for ags, _ in municipalities],
            zmin=0,
            zmax=3,
            colorscale=colourscale,
            showscale=False,
            marker={"line": {"color": "#ffffff", "width": 0.8}},
            text=[f"{name}: {labels[codes.get(ags, 0)]}" for ags, name in municipalities],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        map={"style": "white-bg", "center": center, "zoom": zoom},
        height=MAP_HEIGHT,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
    )
    return fig


def legend() -> html.Div:
    return html.Div(
        [
            html.Span([html.Span(className="cl-swatch", style={"background": colour}), label])
            for _code, label, colour in CATEGORIES
        ],
        className="cl-legend",
    )


count_text = cluster_count_text


def may_export(principal: Principal) -> bool:
    return not authz.scope_for(principal, Permission.EXPORT_DATA).is_empty


def map_downloads(overview: kenndaten.ClusterOverview, principal: Principal) -> list[Any]:
    """Snapshot links of the selected cluster (none for roles without export permission)."""
    if overview.cluster_id is None or not may_export(principal):
        return []
    return [export_links.cluster_map_downloads(overview.cluster_id)]


def details(overview: kenndaten.ClusterOverview, principal: Principal | None = None) -> list[Any]:
    """Counts, entries table (with actors) and the visibility note."""
    children: list[Any] = [
        html.H2(f"Themencluster {overview.cluster_name}", id="cl-heading-details"),
        html.P(
            f"Derzeitiger Schwerpunkt in {count_text(overview.current_count)} Kommunen, "
            f"zukünftiger Schwerpunkt in {count_text(overview.future_count)} Kommunen "
            "des Landkreises.",
            className="kd-lead",
        ),
    ]
    if not overview.complete:
        children.append(
            html.P(
                "Schwerpunkte sind Kenndaten: Sie sehen die Angaben Ihrer eigenen Kommune; "
                "für den übrigen Landkreis nur die Anzahl.",
                className="kd-muted",
            )
        )
    rows = [
        [
            dcc.Link(e.name, href=f"/kommune/{e.ags}"),
            e.focus_label,
            e.description,
            html.Div([html.Div(f"{kind}: {', '.join(names)}") for kind, names in e.actors.items()]),
            demo_badge() if e.is_demo else "",
        ]
        for e in overview.entries
    ]
    children.append(
        data_table(
            f"Kommunen mit Schwerpunkt {overview.cluster_name}",
            ["Kommune", "Schwerpunkt", "Beschreibung", "Akteure", "Hinweis"],
            rows or [["keine sichtbaren Einträge", "", "", "", ""]],
        )
    )
    if principal is not None and overview.cluster_id is not None and may_export(principal):
        children.append(export_links.cluster_table_downloads(overview.cluster_id))
    return children


def counts_table(overview: kenndaten.ClusterOverview) -> html.Div:
    return data_table(
        "Anzahl der Kommunen je Themencluster",
        ["Themencluster", "derzeitiger Schwerpunkt", "zukünftiger Schwerpunkt"],
        [[c.name, count_text(c.current), count_text(c.future)] for c in overview.counts],
        numeric=(1, 2),
    )


def layout(principal: Principal, **_params: str) -> Component:
    overview = kenndaten.cluster_overview(get_db(), principal, None)
    if overview.cluster_id is None:
        return html.Div(
            [html.H1("Themencluster"), html.P("Es sind noch keine Themencluster angelegt.")],
            className="kd-page",
        )
    geojson, municipalities, bounds = _geometry(principal)
    options = [{"label": c.name, "value": c.cluster_id} for c in overview.counts]
    return html.Div(
        [
            html.H1("Themencluster"),
            html.P(
                "Wählen Sie ein Themencluster: Die Karte zeigt, welche Kommunen es als "
                "derzeitigen oder zukünftigen Schwerpunkt (Kernkompetenz bzw. "
                "Entwicklungsziel) angeben.",
            ),
            html.Fieldset(
                [
                    html.Legend("Themencluster"),
                    dcc.RadioItems(
                        id=ids.CLUSTER_SELECT,
                        options=options,
                        value=overview.cluster_id,
                        className="kd-radios",
                        labelClassName="kd-radio",
                    ),
                ],
                className="kd-fieldset",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            figure_block(
                                cluster_map_figure(overview, geojson, municipalities, bounds),
                                "Karte der Kommunen nach Schwerpunkt im gewählten Themencluster",
                                graph_id=ids.CLUSTER_MAP,
                            ),
                            legend(),
                            source_note([BOUNDARY_ATTRIBUTION, "Kenndaten der Kommunen"], None),
                            html.Div(map_downloads(overview, principal), id=MAP_DOWNLOADS),
                        ]
                    ),
                    html.Div(
                        [
                            html.Div(details(overview, principal), id=ids.CLUSTER_DETAILS),
                            html.Div(counts_table(overview), id=ids.CLUSTER_COUNTS),
                        ]
                    ),
                ],
                className="cl-layout",
            ),
        ],
        className="kd-page",
    )


def load_cluster(
    session: Session, principal: Principal, cluster_id: Any
) -> tuple[kenndaten.ClusterOverview, tuple[str, list[tuple[str, str]], Bounds | None]]:
    """The overview of the chosen cluster (``None``: all) and the map geometry."""
    chosen = int(cluster_id) if cluster_id is not None else None
    return kenndaten.cluster_overview(session, principal, chosen), _geometry(principal)


def register_callbacks(app: Dash) -> None:
    @app.callback(
        Output(ids.CLUSTER_MAP, "figure"),
        Output(ids.CLUSTER_DETAILS, "children"),
        Output(MAP_DOWNLOADS, "children"),
        Input(ids.CLUSTER_SELECT, "value"),
        prevent_initial_call=True,
    )
    def _select(cluster_id: Any) -> tuple[Any, Any, Any]:
        principal = current_principal()
        try:
            overview, geometry = load_cluster(get_db(), principal, cluster_id)
        except (CockpitError, ValueError, TypeError) as exc:
            log.warning("themencluster selection refused: %s", exc)
            message = getattr(exc, "user_message", "Ungültige Auswahl.")
            return no_update, html.P(message, role="alert"), no_update
        figure = cluster_map_figure(overview, *geometry)
        return figure, details(overview, principal), map_downloads(overview, principal)


__all__ = ["GRAPH_CONFIG", "layout", "register_callbacks"]
