"""Übersicht: the district choropleth map with controls, legend, KPIs and ranking.

Fast by design: the geometry is fetched once from the versioned geometry route; every later
change (indicator, year, classes, palette) returns a ``dash.Patch`` with values and colours
only. Legend, KPI cards and source line are rendered client-side from small JSON stores.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from dash import Dash, Input, Output, State, ctx, dash_table, dcc, html, no_update
from dash.development.base_component import Component
from flask import request

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import export_links
from cockpit.dashboard.geo import geojson_url
from cockpit.dashboard.presenters.choropleth import (
    CLASS_CHOICES,
    DEFAULT_CLASSES,
    DEFAULT_METHOD,
    KPI_LABELS,
    METHOD_LABELS,
    NO_DATA_EXPLANATION,
    NO_DATA_LABEL,
    ChoroplethView,
    MapOptions,
    build_figure,
    build_patch,
    build_view,
    kpi_values,
    legend_payload,
)
from cockpit.domain.errors import CockpitError, ValidationError
from cockpit.domain.formatting import NBSP, format_number
from cockpit.domain.roles import Principal
from cockpit.services import maps
from cockpit.services.maps import BOUNDARY_ATTRIBUTION, ChoroplethData, DistrictKpis, IndicatorInfo
from cockpit.web import get_db
from layers.palettes import DEFAULT_PALETTE, NO_DATA_COLOUR, PALETTES

log = logging.getLogger(__name__)

PATH = re.compile(r"^/$")
TITLE = "Übersicht"
NAV_ORDER: int | None = 0
HREF = "/"

RANKING_PAGE_SIZE: Final = 25
PREFERRED_DEFAULTS: Final = ("einwohner", "bevoelkerung", "population")
DROPDOWN_LABELS: Final = {
    "search": "Suchen",
    "clear_search": "Suche löschen",
    "clear_selection": "Auswahl löschen",
    "no_options_found": "Keine Treffer",
    "select_all": "Alle auswählen",
    "deselect_all": "Keine auswählen",
    "selected_count": "{num} ausgewählt",
}
GROUP_PREFIX: Final = "__group__"
MAP_LABEL: Final = "Karte der Gemeinden; die Rangliste unten enthält dieselben Werte."


# --------------------------------------------------------------------------- helpers


def _attrs(attributes: dict[str, str]) -> dict[str, Any]:
    """aria-*/role attributes for Dash html components (not Python identifiers)."""
    return attributes


def _aria(label: str) -> dict[str, Any]:
    return {"aria-label": label}


def default_indicator(catalogue: list[IndicatorInfo]) -> IndicatorInfo:
    for wanted in PREFERRED_DEFAULTS:
        for info in catalogue:
            if info.key.lower() == wanted:
                return info
    for wanted in PREFERRED_DEFAULTS:
        for info in catalogue:
            if wanted in info.key.lower():
                return info
    return catalogue[0]


def indicator_options(catalogue: list[IndicatorInfo]) -> list[dict[str, Any]]:
    """Dropdown options grouped by category (disabled group headers, items indented)."""
    options: list[dict[str, Any]] = []
    category = None
    for info in catalogue:
        if info.category != category:
            category = info.category
            options.append({"label": category, "value": GROUP_PREFIX + category, "disabled": True})
        demo = " (Demo-Daten)" if info.is_demo else ""
        options.append({"label": f"\u2003{info.label}{demo}", "value": info.key})
    return options


def catalogue_payload(catalogue: list[IndicatorInfo]) -> dict[str, dict[str, Any]]:
    return {
        info.key: {
            "label": info.label,
            "unit": info.unit,
            "years": list(info.years),
            "source": info.source,
            "licence": info.licence,
            "description": info.description,
            "demo": info.is_demo,
            "visibility": info.visibility.label,
        }
        for info in catalogue
    }


def info_payload(data: ChoroplethData, view: ChoroplethView, kpis: DistrictKpis) -> dict[str, Any]:
    payload = legend_payload(view)
    # NBSP -> space: "\u00a0" costs 6 bytes in JSON; the KPI cards use white-space: nowrap.
    kpi_texts = [text.replace(NBSP, " ") for text in kpi_values(kpis, data.indicator)]
    payload.update(key=data.indicator.key, year=data.year, kpis=kpi_texts)
    # Optional flags only when set: every byte counts in the switch response.
    if data.is_demo:
        payload["demo"] = True
    if not data.full_scope:
        payload["note"] = (
            "Werte anderer Gemeinden sind für Ihre Rolle nicht sichtbar und erscheinen grau."
        )
    if kpis.restricted:
        payload["restricted"] = True
    return payload


def _parse_year(year: object) -> int:
    try:
        return int(year)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError) as error:
        raise ValidationError(
            f"bad year {year!r}", "Bitte wählen Sie ein gültiges Jahr."
        ) from error


def _parse_indicator(key: object) -> str:
    if not isinstance(key, str) or not key or key.startswith(GROUP_PREFIX):
        raise ValidationError(f"bad indicator {key!r}", "Bitte wählen Sie eine Kennzahl.")
    return key


def _control(label: str, control_id: str, component: Component) -> Component:
    return html.Div(
        [html.Label(label, htmlFor=control_id, id=f"{control_id}-label"), component],
        className="control",
    )


def _dropdown(control_id: str, options: list[dict[str, Any]], value: Any, **extra: Any) -> Any:
    return dcc.Dropdown(
        id=control_id,
        options=options,
        value=value,
        clearable=False,
        labels=DROPDOWN_LABELS,  # type: ignore[arg-type]
        **extra,
    )


# --------------------------------------------------------------------------- layout


def _empty_page(text: str) -> Component:
    return html.Section(
        [html.H1("Übersicht"), html.P(text, className="notice")], className="page overview"
    )


def layout(principal: Principal, **params: str) -> Component:
    session = get_db()
    catalogue = [info for info in maps.list_indicators(session, principal) if info.years]
    if not catalogue:
        return _empty_page(
            "Es liegen noch keine Kennzahlen vor, die Sie sehen dürfen. "
            "Die Kreis-Redaktion kann Kennzahlen importieren."
        )
    geometry = maps.get_display_geometry(session, principal)
    if geometry.feature_count == 0:
        return _empty_page(
            "Es sind noch keine Gemeindegrenzen importiert. "
            "Bitte importieren Sie zuerst die Gemeindegrenzen."
        )
    indicator = default_indicator(catalogue)
    year = indicator.latest_year
    assert year is not None  # catalogue only holds indicators with years
    options = MapOptions()
    data = maps.get_choropleth_values(session, principal, indicator.key, year)
    kpis = maps.get_district_kpis(session, principal, indicator.key, year, data)
    view = build_view(data, options)
    figure = build_figure(
        data, view, geojson_url(geometry.version), geometry.bounds, origin=request.host_url
    )

    controls = html.Div(
        [
            _control(
                "Kennzahl",
                ids.OVERVIEW_INDICATOR,
                _dropdown(
                    ids.OVERVIEW_INDICATOR,
                    indicator_options(catalogue),
                    indicator.key,
                    search_order="original",
                ),
            ),
            _control(
                "Jahr",
                ids.OVERVIEW_YEAR,
                _dropdown(
                    ids.OVERVIEW_YEAR,
                    [{"label": str(y), "value": y} for y in reversed(indicator.years)],
                    year,
                    searchable=False,
                ),
            ),
            _control(
                "Klassenbildung",
                ids.OVERVIEW_METHOD,
                _dropdown(
                    ids.OVERVIEW_METHOD,
                    [{"label": label, "value": key} for key, label in METHOD_LABELS.items()],
                    DEFAULT_METHOD,
                    searchable=False,
                ),
            ),
            _control(
                "Klassen",
                ids.OVERVIEW_CLASSES,
                _dropdown(
                    ids.OVERVIEW_CLASSES,
                    [{"label": str(k), "value": k} for k in CLASS_CHOICES],
                    DEFAULT_CLASSES,
                    searchable=False,
                ),
            ),
            _control(
                "Farben",
                ids.OVERVIEW_PALETTE,
                _dropdown(
                    ids.OVERVIEW_PALETTE,
                    [{"label": p.label, "value": key} for key, p in PALETTES.items()],
                    DEFAULT_PALETTE,
                    searchable=False,
                ),
            ),
        ],
        className="overview-controls",
        role="group",
        **_aria("Kartenauswahl"),
    )

    map_panel = html.Div(
        [
            html.Div(
                dcc.Graph(
                    id=ids.OVERVIEW_MAP,
                    figure=figure,
                    config={
                        "displaylogo": False,
                        "scrollZoom": True,
                        "responsive": True,
                        "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"],
                    },
                    className="overview-map",
                    style={"height": "560px"},
                ),
                className="map-frame",
                role="figure",  # not "img": the map has focusable controls inside
                **_aria(MAP_LABEL),
            ),
            html.Aside(
                [
                    html.H2("Legende", className="legend-heading"),
                    html.Div(id=ids.OVERVIEW_LEGEND, className="legend"),
                ],
                className="legend-panel",
                **_aria("Legende"),
            ),
        ],
        className="map-panel",
    )

    source = html.Div(
        [
            html.Span("Demo-Daten", id=ids.OVERVIEW_DEMO_BADGE, className="badge badge-demo"),
            html.Span(id=ids.OVERVIEW_SOURCE),
            html.Span(BOUNDARY_ATTRIBUTION, className="attribution"),
        ],
        className="map-source",
    )

    ranking = html.Section(
        [
            html.H2("Rangliste", id="overview-ranking-heading"),
            html.P(
                "Alle Werte der Karte als Tabelle; sortierbar über die Spaltenköpfe.",
                className="hint",
            ),
            dash_table.DataTable(  # type: ignore[attr-defined]
                id=ids.OVERVIEW_RANKING,
                columns=[
                    {"name": "Rang", "id": "rank", "type": "numeric"},
                    {"name": "Gemeinde", "id": "name"},
                    {"name": "Wert", "id": "value_text"},
                    {"name": "Einheit", "id": "unit"},
                ],
                data=[],
                page_action="custom",
                page_current=0,
                page_size=RANKING_PAGE_SIZE,
                sort_action="custom",
                sort_mode="single",
                sort_by=[{"column_id": "rank", "direction": "asc"}],
                cell_selectable=False,
                style_as_list_view=True,
                style_cell={"textAlign": "left", "padding": "4px 8px", "fontFamily": "inherit"},
                style_cell_conditional=[
                    {"if": {"column_id": c}, "textAlign": "right"} for c in ("rank", "value_text")
                ],
                style_header={"fontWeight": "600"},
            ),
        ],
        className="ranking",
        **_attrs({"aria-labelledby": "overview-ranking-heading"}),
    )

    return html.Section(
        [
            dcc.Store(id=ids.OVERVIEW_CATALOGUE, data=catalogue_payload(catalogue)),
            dcc.Store(id=ids.OVERVIEW_INFO, data=info_payload(data, view, kpis)),
            html.Div(id=ids.OVERVIEW_NAV_SINK, hidden=True),
            html.H1("Übersicht"),
            controls,
            html.P(id=ids.OVERVIEW_STATUS, className="status", role="status"),
            html.Div(
                id=ids.OVERVIEW_KPIS,
                className="kpi-cards",
                role="region",
                **_aria("Kennzahlen des Landkreises"),
            ),
            map_panel,
            source,
            export_links.overview_downloads(),
            ranking,
        ],
        className="page overview",
    )


# --------------------------------------------------------------------------- callbacks

_YEARS_JS = """function(key, catalogue, current) {
    var entry = catalogue && catalogue[key];
    if (!entry) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    var years = entry.years.slice().reverse();
    var options = years.map(function(y) { return {label: String(y), value: y}; });
    var value = years.indexOf(current) >= 0 ? current : years[0];
    return [options, value];
}"""

_INFO_JS = (
    """function(info, catalogue) {
    if (!info) { return [[], [], "", {display: "none"}]; }
    var h = function(type, props, children) {
        props = props || {};
        if (children !== undefined) { props.children = children; }
        return {type: type, namespace: "dash_html_components", props: props};
    };
    var items = info.classes.map(function(c) {
        return h("Li", {}, [
            h("Span", {className: "swatch", style: {background: c[0]}, "aria-hidden": "true"}),
            h("Span", {className: "legend-label"}, c[1]),
            h("Span", {className: "legend-count"}, " (" + c[2] + ")")
        ]);
    });
    if (info.nodata > 0) {
        items.push(h("Li", {title: NO_DATA_EXPLANATION}, [
            h("Span", {className: "swatch", style: {background: NO_DATA_COLOUR},
                       "aria-hidden": "true"}),
            h("Span", {className: "legend-label"}, NO_DATA_LABEL),
            h("Span", {className: "legend-count"}, " (" + info.nodata + ")")
        ]));
    }
    var entry = (catalogue && catalogue[info.key]) || {};
    var title = (entry.label || "") + (entry.unit ? " in " + entry.unit : "") + ", " + info.year;
    var legend = [h("P", {className: "legend-title"}, title),
                  h("Ul", {className: "legend-list"}, items)];
    if (info.nodata > 0) {
        legend.push(h("P", {className: "legend-note"}, NO_DATA_LABEL_CAP + ": " +
                      NO_DATA_EXPLANATION));
    }
    if (info.note) { legend.push(h("P", {className: "legend-note"}, info.note)); }
    var labels = KPI_LABELS;
    var cards = [];
    for (var i = 0; i < labels.length; i++) {
        if (info.kpis[i] === "–" && i < 4 && (info.restricted || i === 0)) { continue; }
        cards.push(h("Div", {className: "kpi-card"}, [
            h("Span", {className: "kpi-label"}, labels[i]),
            h("Span", {className: "kpi-value"}, info.kpis[i])
        ]));
    }
    var parts = ["Stand: " + info.year];
    if (entry.source) { parts.push("Quelle: " + entry.source); }
    if (entry.licence) { parts.push("Lizenz: " + entry.licence); }
    var badge = (info.demo || entry.demo) ? {} : {display: "none"};
    return [legend, cards, parts.join(" · "), badge];
}""".replace("NO_DATA_EXPLANATION", repr(NO_DATA_EXPLANATION))
    .replace("NO_DATA_COLOUR", repr(NO_DATA_COLOUR))
    .replace("NO_DATA_LABEL_CAP", repr(NO_DATA_LABEL[:1].upper() + NO_DATA_LABEL[1:]))
    .replace("NO_DATA_LABEL", repr(NO_DATA_LABEL))
    .replace("KPI_LABELS", repr(list(KPI_LABELS)))
)

_CLICK_JS = """function(click) {
    var point = click && click.points && click.points[0];
    if (!point || !point.location) { return window.dash_clientside.no_update; }
    return "/kommune/" + point.location;
}"""


def update_map(
    principal: Principal, indicator: object, year: object, options: MapOptions
) -> tuple[Any, dict[str, Any]]:
    """Service + presenter for a map change: the figure Patch and the legend/KPI payload."""
    session = get_db()
    key, chosen_year = _parse_indicator(indicator), _parse_year(year)
    data = maps.get_choropleth_values(session, principal, key, chosen_year)
    kpis = maps.get_district_kpis(session, principal, key, chosen_year, data)
    view = build_view(data, options)
    return build_patch(view), info_payload(data, view, kpis)


def ranking_page(
    principal: Principal,
    indicator: object,
    year: object,
    page_current: int | None,
    sort_by: list[dict[str, str]] | None,
) -> tuple[list[dict[str, Any]], int]:
    data = maps.get_choropleth_values(
        get_db(), principal, _parse_indicator(indicator), _parse_year(year)
    )
    rows = maps.build_ranking(data)
    sort = (sort_by or [{"column_id": "rank", "direction": "asc"}])[0]
    reverse = sort.get("direction") == "desc"
    column = sort.get("column_id")
    if column == "name":
        rows.sort(key=lambda r: r.name.casefold(), reverse=reverse)
    elif reverse:
        rows.reverse()
    page = max(int(page_current or 0), 0)
    chunk = rows[page * RANKING_PAGE_SIZE : (page + 1) * RANKING_PAGE_SIZE]
    decimals, unit = data.indicator.decimals, data.indicator.unit
    table = [
        {
            "rank": r.rank,
            "name": r.name,
            "value_text": format_number(r.value, decimals),
            "unit": unit,
        }
        for r in chunk
    ]
    return table, max(1, -(-len(rows) // RANKING_PAGE_SIZE))


def register_callbacks(app: Dash) -> None:
    export_links.register_overview_downloads(app)
    app.clientside_callback(  # type: ignore[no-untyped-call]
        _YEARS_JS,
        Output(ids.OVERVIEW_YEAR, "options"),
        Output(ids.OVERVIEW_YEAR, "value"),
        Input(ids.OVERVIEW_INDICATOR, "value"),
        State(ids.OVERVIEW_CATALOGUE, "data"),
        State(ids.OVERVIEW_YEAR, "value"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.OVERVIEW_MAP, "figure"),
        Output(ids.OVERVIEW_INFO, "data"),
        Output(ids.OVERVIEW_STATUS, "children"),
        Input(ids.OVERVIEW_INDICATOR, "value"),
        Input(ids.OVERVIEW_YEAR, "value"),
        Input(ids.OVERVIEW_METHOD, "value"),
        Input(ids.OVERVIEW_CLASSES, "value"),
        Input(ids.OVERVIEW_PALETTE, "value"),
        State(ids.OVERVIEW_STATUS, "children"),
        prevent_initial_call=True,
    )
    def _on_map_change(
        indicator: object,
        year: object,
        method: object,
        classes: object,
        palette: object,
        status: object,
    ) -> tuple[Any, Any, Any]:
        try:
            patch, info = update_map(
                current_principal(),
                indicator,
                year,
                MapOptions.from_inputs(method, classes, palette),
            )
        except CockpitError as error:
            log.warning("overview map update refused (%s, %s): %s", indicator, year, error)
            return no_update, no_update, error.user_message
        return patch, info, ("" if status else no_update)

    app.clientside_callback(  # type: ignore[no-untyped-call]
        _INFO_JS,
        Output(ids.OVERVIEW_LEGEND, "children"),
        Output(ids.OVERVIEW_KPIS, "children"),
        Output(ids.OVERVIEW_SOURCE, "children"),
        Output(ids.OVERVIEW_DEMO_BADGE, "style"),
        Input(ids.OVERVIEW_INFO, "data"),
        State(ids.OVERVIEW_CATALOGUE, "data"),
    )

    @app.callback(
        Output(ids.OVERVIEW_RANKING, "data"),
        Output(ids.OVERVIEW_RANKING, "page_count"),
        Output(ids.OVERVIEW_RANKING, "page_current"),
        Input(ids.OVERVIEW_INDICATOR, "value"),
        Input(ids.OVERVIEW_YEAR, "value"),
        Input(ids.OVERVIEW_RANKING, "page_current"),
        Input(ids.OVERVIEW_RANKING, "sort_by"),
    )
    def _on_ranking(
        indicator: object,
        year: object,
        page_current: int | None,
        sort_by: list[dict[str, str]] | None,
    ) -> tuple[Any, Any, Any]:
        # A new indicator or year is a new ranking: start again on its first page.
        new_ranking = ctx.triggered_id in (ids.OVERVIEW_INDICATOR, ids.OVERVIEW_YEAR)
        page = 0 if new_ranking else page_current
        try:
            rows, page_count = ranking_page(current_principal(), indicator, year, page, sort_by)
        except CockpitError as error:
            log.warning("overview ranking refused (%s, %s): %s", indicator, year, error)
            return [], 1, 0
        return rows, page_count, (0 if new_ranking and page_current else no_update)

    app.clientside_callback(  # type: ignore[no-untyped-call]
        _CLICK_JS,
        Output(ids.URL, "pathname", allow_duplicate=True),
        Input(ids.OVERVIEW_MAP, "clickData"),
        prevent_initial_call=True,
    )
