"""Download links next to maps and tables (targets: the ``/export/…`` routes).

Plain ``<a download>`` links: the browser downloads the file from a guarded, authorizing
Flask route, so no file travels through a Dash callback. On the overview the links follow
the current map state (indicator, year, classes, palette, visible extent) via one
client-side callback.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote, urlencode

from dash import Dash, Input, Output, html
from dash.development.base_component import Component

from cockpit.dashboard import ids

OVERVIEW_LINKS: Final = (
    ("Karte PDF (A4)", "/export/karte.pdf", {"paper": "A4"}),
    ("PDF (A3)", "/export/karte.pdf", {"paper": "A3"}),
    ("PNG", "/export/karte.png", {"dpi": "96"}),
    ("PNG 300 dpi", "/export/karte.png", {"dpi": "300"}),
    ("SVG", "/export/karte.svg", {}),
    ("Tabelle CSV", "/export/tabelle/karte.csv", {}),
    ("XLSX", "/export/tabelle/karte.xlsx", {}),
    ("GeoPackage", "/export/ebene/gemeinden.gpkg", {}),
    ("GeoJSON", "/export/ebene/gemeinden.geojson", {}),
)

_OVERVIEW_JS = """function(indicator, year, method, classes, palette, relayout) {
    if (!indicator || !year) { return []; }
    var state = {indicator: indicator, year: year, method: method || "", classes: classes || "",
                 palette: palette || ""};
    var derived = relayout && relayout["map._derived"];
    if (derived && derived.coordinates) {
        var lons = derived.coordinates.map(function(c) { return c[0]; });
        var lats = derived.coordinates.map(function(c) { return c[1]; });
        state.bbox = [Math.min.apply(null, lons), Math.min.apply(null, lats),
                      Math.max.apply(null, lons), Math.max.apply(null, lats)]
                     .map(function(v) { return v.toFixed(5); }).join(",");
    }
    var links = LINKS;
    var children = [{type: "Span", namespace: "dash_html_components",
                     props: {children: "Herunterladen: ", className: "export-label"}}];
    links.forEach(function(link, i) {
        var query = Object.assign({}, state, link[2]);
        var parts = Object.keys(query).filter(function(k) { return query[k] !== ""; })
            .map(function(k) { return k + "=" + encodeURIComponent(query[k]); });
        if (i > 0) {
            children.push({type: "Span", namespace: "dash_html_components",
                           props: {children: " · ", "aria-hidden": "true"}});
        }
        children.push({type: "A", namespace: "dash_html_components",
                       props: {children: link[0], href: link[1] + "?" + parts.join("&"),
                               download: "", className: "export-link"}});
    });
    return children;
}"""


def overview_downloads() -> Component:
    """Container of the overview's download links (filled by the client-side callback)."""
    return html.Div(
        id=ids.OVERVIEW_DOWNLOADS,
        className="export-links",
        role="group",
        **{"aria-label": "Karte und Tabelle herunterladen"},
    )


def register_overview_downloads(app: Dash) -> None:
    links = [[label, path, params] for label, path, params in OVERVIEW_LINKS]
    import json

    app.clientside_callback(
        _OVERVIEW_JS.replace("LINKS", json.dumps(links)),
        Output(ids.OVERVIEW_DOWNLOADS, "children"),
        Input(ids.OVERVIEW_INDICATOR, "value"),
        Input(ids.OVERVIEW_YEAR, "value"),
        Input(ids.OVERVIEW_METHOD, "value"),
        Input(ids.OVERVIEW_CLASSES, "value"),
        Input(ids.OVERVIEW_PALETTE, "value"),
        Input(ids.OVERVIEW_MAP, "relayoutData"),
    )


def _link(label: str, href: str) -> Any:
    return html.A(label, href=href, download="", className="export-link")


def _group(links: list[Any], group_id: str, label: str) -> html.Div:
    children: list[Any] = [html.Span("Herunterladen: ", className="export-label")]
    for i, link in enumerate(links):
        if i:
            children.append(html.Span(" · ", **{"aria-hidden": "true"}))
        children.append(link)
    return html.Div(
        children, className="export-links", id=group_id, role="group", **{"aria-label": label}
    )


CLUSTER_MAP_LINKS: Final = (
    ("Karte PDF (A4)", "pdf", {"paper": "A4"}),
    ("PDF (A3)", "pdf", {"paper": "A3"}),
    ("PNG", "png", {"dpi": "96"}),
    ("PNG 300 dpi", "png", {"dpi": "300"}),
    ("SVG", "svg", {}),
)


def cluster_map_downloads(cluster_id: int) -> html.Div:
    """Snapshot links of the Themencluster map (the selected cluster)."""
    links = []
    for label, fmt, params in CLUSTER_MAP_LINKS:
        query = urlencode({"cluster": cluster_id, **params})
        links.append(_link(label, f"/export/themencluster/karte.{fmt}?{query}"))
    return _group(links, ids.CLUSTER_MAP_DOWNLOADS, "Karte herunterladen")


def cluster_table_downloads(cluster_id: int) -> html.Div:
    """Table links of the Themencluster lens (entries and counts per cluster)."""
    query = urlencode({"cluster": cluster_id})
    links = [
        _link("Tabellen XLSX", f"/export/tabelle/themencluster.xlsx?{query}"),
        _link("CSV", f"/export/tabelle/themencluster.csv?{query}"),
    ]
    return _group(links, ids.CLUSTER_TABLE_DOWNLOADS, "Tabellen herunterladen")


AREA_TABLE_LINKS: Final = (
    ("Tabelle CSV", "/export/tabelle/flaechen.csv"),
    ("XLSX", "/export/tabelle/flaechen.xlsx"),
)
AREA_MAP_LINKS: Final = (
    ("Karte als GeoPackage", "/export/ebene/flaechen.gpkg"),
    ("GeoJSON", "/export/ebene/flaechen.geojson"),
)
# Snapshots of the Flächen map (same filters + page options, as the Themencluster links).
AREA_SNAPSHOT_LINKS: Final = (
    ("Karte PDF (A4)", "pdf", {"paper": "A4"}),
    ("PDF (A3)", "pdf", {"paper": "A3"}),
    ("PNG", "png", {"dpi": "96"}),
    ("PNG 300 dpi", "png", {"dpi": "300"}),
    ("SVG", "svg", {}),
)


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def area_table_downloads(query: str) -> html.Div:
    """CSV/XLSX of the Flächen list; ``query`` carries the page's current filters."""
    links = [_link(label, _with_query(path, query)) for label, path in AREA_TABLE_LINKS]
    return _group(links, ids.AREAS_TABLE_DOWNLOADS, "Flächenliste herunterladen")


def area_map_downloads(query: str) -> html.Div:
    """Snapshot (PDF/PNG/SVG) and GeoPackage/GeoJSON of the Flächen map (same filters as
    the list)."""
    links = []
    for label, fmt, params in AREA_SNAPSHOT_LINKS:
        extra = urlencode(params)
        full = "&".join(part for part in (query, extra) if part)
        links.append(_link(label, _with_query(f"/export/flaechen/karte.{fmt}", full)))
    links += [_link(label, _with_query(path, query)) for label, path in AREA_MAP_LINKS]
    return _group(links, ids.AREAS_MAP_DOWNLOADS, "Karte und Flächen der Karte herunterladen")


def kommune_downloads(ags: str, full_access: bool) -> Component:
    """Steckbrief and tables of one municipality (Kenndaten only with confidential access)."""
    code = quote(ags)
    links: list[Any] = [
        _link("Steckbrief (PDF)", f"/export/steckbrief/{code}.pdf"),
        _link("Kennzahlen XLSX", f"/export/tabelle/kennzahlen/{code}.xlsx"),
        _link("Kennzahlen CSV", f"/export/tabelle/kennzahlen/{code}.csv"),
    ]
    if full_access:
        links.append(_link("Kenndaten XLSX", f"/export/tabelle/kenndaten/{code}.xlsx"))
        links.append(_link("Flächen XLSX", f"/export/tabelle/flaechen.xlsx?municipalities={code}"))
    return _group(links, "kd-downloads", "Steckbrief und Tabellen herunterladen")
