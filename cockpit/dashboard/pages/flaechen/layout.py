"""The page layout: title, tabs, the map with filters and table, the side column, stores."""

from __future__ import annotations

from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.geo import geojson_url
from cockpit.dashboard.pages.flaechen import due
from cockpit.dashboard.pages.flaechen.common import (
    MAP_DOWNLOADS_SLOT,
    MAP_IDS,
    TABLE_DOWNLOADS_SLOT,
    page_context,
)
from cockpit.dashboard.pages.flaechen.detail import detail_side
from cockpit.dashboard.pages.flaechen.exchange import exchange_panel
from cockpit.dashboard.pages.flaechen.form_layout import form_panel
from cockpit.dashboard.pages.flaechen.listing import filter_panel
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import AccessDeniedError
from cockpit.domain.roles import Permission, Principal
from cockpit.services import authz
from cockpit.services.maps import get_display_geometry
from cockpit.services.municipalities import MunicipalityChoice, municipality_choices
from cockpit.web import get_db, get_settings

INTRO = (
    "Gewerbe-, Industrie- und Brachflächen im Landkreis. Stand: aktuelle Daten der "
    "Kreis-Redaktion; " + amap.ATTRIBUTION_BOUNDARIES + "."
)


def _map_and_table(map_component: Component) -> Component:
    return html.Section(
        [
            html.Div(id=ids.AREAS_MESSAGE, **{"aria-live": "polite"}),
            map_component,
            amap.legend(),
            html.Div(id=MAP_DOWNLOADS_SLOT, className="fl-downloads"),
            html.P(id=ids.AREAS_SUMMARY, className="fl-summary", role="status"),
            html.P(id=ids.AREAS_HINT, className="fl-hint"),
            html.Div(id=TABLE_DOWNLOADS_SLOT, className="fl-downloads"),
            html.Div(id=ids.AREAS_TABLE, className="fl-table-wrap"),
        ],
        className="fl-main",
        **{"aria-label": "Karte und Tabelle"},
    )


def _tabs(main: Component, context: dict[str, Any]) -> list[Component]:
    due_tab = html.Div(id=ids.AREAS_DUE, className="fl-card")
    tabs = [
        dcc.Tab(label="Karte und Liste", value="karte", children=main),
        dcc.Tab(label="Fällige Bestätigungen", value=due.TAB, children=due_tab),
    ]
    if context["can_export"] or context["can_import"]:
        tabs.append(
            dcc.Tab(label="Import und Export", value="austausch", children=exchange_panel(context))
        )
    return tabs


def _stores(context: dict[str, Any], choices: list[MunicipalityChoice]) -> list[Component]:
    return [
        dcc.Store(id=ids.AREAS_CONTEXT, data=context),
        dcc.Store(id=ids.AREAS_MUNICIPALITY_AGS, data={str(c.id): c.ags for c in choices}),
        dcc.Store(id=ids.AREAS_ROWS, data=[]),
        dcc.Store(id=ids.AREAS_SORT, data={"col": "name", "asc": True}),
        dcc.Store(id=ids.AREAS_SELECTED, data=None),
        dcc.Store(id=ids.AREAS_REFRESH, data=0),
        dcc.Store(id=ids.AREAS_DETAIL_STATE, data=None),
        dcc.Store(id=ids.AREAS_FORM_MODE, data=None),
        dcc.Store(id=ids.AREAS_FORM_GEOMETRY, data=None),
    ]


def layout(principal: Principal, **_params: str) -> Component:
    """The page for ``principal`` (Kreis roles: all municipalities; Kommune: its own)."""
    if authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL).is_empty:
        raise AccessDeniedError(f"{principal.log_ref} may not view areas")
    settings, session = get_settings(), get_db()
    geometry = get_display_geometry(session, principal)
    choices = municipality_choices(session, principal)
    options = [{"label": c.name, "value": c.id} for c in choices]
    context = page_context(principal)
    map_component = amap.area_map(
        MAP_IDS,
        boundaries_url=geojson_url(geometry.version),
        bounds=present.leaflet_bounds(geometry.bounds, pad=0.0),
        basemap_url=settings.basemap_url,
        basemap_attribution=settings.basemap_attribution,
        editable=context["can_edit"] or context["can_propose"],
    )
    main = html.Div(
        [
            filter_panel(options, context),
            _map_and_table(map_component),
            detail_side(context, form_panel(options)),
        ],
        className="fl-grid",
    )
    header_links: list[Component] = []
    if context["can_review"]:
        header_links.append(
            dcc.Link("Vorschläge prüfen", href="/flaechen/pruefung", className="fl-button")
        )
    title = [html.H1("Flächenpotenziale"), html.Div(header_links, className="fl-actions")]
    return html.Div(
        [
            *_stores(context, choices),
            html.Div(title, className="fl-title"),
            html.P(INTRO, className="fl-muted"),
            dcc.Tabs(id=ids.AREAS_TABS, value="karte", children=_tabs(main, context)),
        ],
        className="fl-page",
    )
