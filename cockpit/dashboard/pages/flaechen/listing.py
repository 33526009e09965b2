"""The area list: filter panel, map layers, table (sort, pages, selection) and download links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import export_links
from cockpit.dashboard.pages.flaechen.common import (
    MAP_DOWNLOADS_SLOT,
    MAP_IDS,
    TABLE_DOWNLOADS_SLOT,
    clicked,
    labelled,
    log_refusal,
    visible,
)
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaKind
from cockpit.services import areas, authz
from cockpit.services.areas import AreaFilter, AreaListResult
from cockpit.web import get_config, get_db

FILTER_INPUTS: Final = (
    ids.AREAS_F_KIND,
    ids.AREAS_F_STATUS,
    ids.AREAS_F_SOURCE,
    ids.AREAS_F_MUNICIPALITY,
    ids.AREAS_F_MIN_HA,
    ids.AREAS_F_MAX_HA,
    ids.AREAS_F_AGE,
    ids.AREAS_F_SEARCH,
    ids.AREAS_F_DELETED,
)
MAP_KINDS: Final = (AreaKind.GEWERBE, AreaKind.INDUSTRIE, AreaKind.BRACHE)  # layer outputs
# The values "Filter zurücksetzen" gives the filters (all but "gelöschte anzeigen").
RESET_VALUES: Final = ([], [], [], [], None, None, present.AGE_ALL, "")
MUNICIPALITY_LABELS: Final = {
    "search": "Suchen",
    "no_options_found": "Keine Gemeinde gefunden",
    "clear_selection": "Auswahl löschen",
    "select_all": "Alle auswählen",
    "deselect_all": "Keine auswählen",
}


# --------------------------------------------------------------------------- layout


def _checklist_fieldset(legend: str, component_id: str, options: Any) -> Component:
    """A filter group: a legend over an initially empty checklist."""
    return html.Fieldset(
        [
            html.Legend(legend),
            dcc.Checklist(id=component_id, options=options, value=[], className="fl-checklist"),
        ]
    )


def _size_input(label: str, component_id: str) -> Component:
    control = dcc.Input(
        id=component_id,
        type="number",
        min=0,
        step=0.1,
        debounce=True,
        className="fl-input fl-input-short",
    )
    return labelled(label, control)


def filter_panel(municipalities: list[dict[str, Any]], context: dict[str, Any]) -> Component:
    search = dcc.Input(
        id=ids.AREAS_F_SEARCH,
        type="search",
        debounce=True,
        placeholder="z. B. Gewerbegebiet Nord",
        className="fl-input",
    )
    municipality = dcc.Dropdown(
        id=ids.AREAS_F_MUNICIPALITY,
        options=municipalities,
        multi=True,
        placeholder="alle Gemeinden",
        labels=MUNICIPALITY_LABELS,
    )
    age = dcc.RadioItems(
        id=ids.AREAS_F_AGE,
        options=present.AGE_OPTIONS,
        value=present.AGE_ALL,
        className="fl-checklist",
    )
    sizes = html.Div(
        [_size_input("von", ids.AREAS_F_MIN_HA), _size_input("bis", ids.AREAS_F_MAX_HA)],
        className="fl-range",
    )
    children: list[Component] = [
        html.H2("Filter", className="fl-h2"),
        labelled("Suche (Name, Geoportal-ID)", search),
        _checklist_fieldset("Art", ids.AREAS_F_KIND, present.KIND_OPTIONS),
        _checklist_fieldset("Status", ids.AREAS_F_STATUS, present.STATUS_OPTIONS),
        html.Fieldset([html.Legend("Größe (ha)"), sizes]),
        labelled("Gemeinde", municipality),
        html.Fieldset([html.Legend("Bestätigung"), age]),
        _checklist_fieldset("Quelle", ids.AREAS_F_SOURCE, present.SOURCE_OPTIONS),
        dcc.Checklist(
            id=ids.AREAS_F_DELETED,
            options=[{"label": "gelöschte Flächen anzeigen", "value": "ja"}],
            value=[],
            className="fl-checklist",
            style=visible(context["can_edit"]),
        ),
        html.Button("Filter zurücksetzen", id=ids.AREAS_F_RESET, className="fl-button"),
    ]
    return html.Aside(children, className="fl-filters", **{"aria-label": "Filter der Flächenliste"})


# --------------------------------------------------------------------------- bundles


@dataclass(frozen=True)
class ListRequest:
    """The filter controls' values, read for ``principal`` (untrusted; the service checks)."""

    filters: AreaFilter
    fit_map: bool  # the user changed a filter: fit the map to the result

    @classmethod
    def from_inputs(
        cls, principal: Principal, values: tuple[Any, ...], trigger: Any
    ) -> ListRequest:
        kinds, statuses, sources, municipality_ids, min_ha, max_ha, age, search, deleted = values
        filters = present.build_filter(
            kinds=kinds,
            statuses=statuses,
            sources=sources,
            municipality_ids=municipality_ids,
            min_ha=min_ha,
            max_ha=max_ha,
            age=age,
            search=search,
            include_deleted=bool(deleted) and authz.may(principal, Permission.EDIT_AREAS),
        )
        return cls(filters, trigger in FILTER_INPUTS)


@dataclass(frozen=True)
class ListView:
    """Outputs of the list callback: three map layers, rows, texts, links, viewport."""

    layers: dict[AreaKind, dict[str, Any]]
    rows: list[dict[str, Any]]
    summary: str
    hint: str
    table_links: list[Any]
    map_links: list[Any]
    viewport: Any = no_update

    @classmethod
    def refused(cls, message: str) -> ListView:
        return cls({kind: present.EMPTY_FC for kind in MAP_KINDS}, [], message, "", [], [])

    @classmethod
    def of(
        cls, result: AreaListResult, request: ListRequest, links: tuple[list[Any], list[Any]]
    ) -> ListView:
        # Fit the map to the result after a filter change only (not on load, not after a
        # save, which shows the saved area; panning never runs this callback).
        viewport = present.fit_viewport(result.bounds) if request.fit_map else None
        return cls(
            present.split_layers(result.geojson),
            present.table_rows(result.items),
            present.summary_text(result),
            result.hint,
            *links,
            no_update if viewport is None else viewport,
        )

    def outputs(self) -> tuple[Any, ...]:
        return (
            *(self.layers[kind] for kind in MAP_KINDS),
            self.rows,
            self.summary,
            self.hint,
            self.table_links,
            self.map_links,
            self.viewport,
        )


def download_links(
    principal: Principal, filters: AreaFilter, ags_by_id: Any
) -> tuple[list[Any], list[Any]]:
    """(table links, map links) carrying ``filters``; none without export permission (the
    export routes authorize again: the Kommune's scope, deleted areas only for editors)."""
    if authz.scope_for(principal, Permission.EXPORT_DATA).is_empty:
        return [], []
    query = present.export_query(filters, ags_by_id if isinstance(ags_by_id, dict) else {})
    return [export_links.area_table_downloads(query)], [export_links.area_map_downloads(query)]


def table_view(rows: Any, sort: Any, selected: Any, trigger: Any) -> Component:
    """The table page to show: the picked area's page, the first after a new result."""
    sort, rows = sort or {}, rows or []
    column, ascending = str(sort.get("col", "name")), bool(sort.get("asc", True))
    picked = selected if isinstance(selected, int) else None
    page = int(sort.get("page", 0) or 0)
    if trigger == ids.AREAS_SELECTED and picked is not None:
        page = present.page_of(rows, column, ascending, picked)
    elif trigger == ids.AREAS_ROWS:
        page = 0
    return present.area_table(
        rows,
        sort_column=column,
        ascending=ascending,
        selected=picked,
        row_button_type=ids.AREAS_ROW,
        sort_button_type=ids.AREAS_SORT_BUTTON,
        page=page,
        page_button_type=ids.AREAS_PAGE_BUTTON,
    )


def next_sort(sort: dict[str, Any] | None, column: str) -> dict[str, Any]:
    """A click on a column header: that column ascending, or the other direction."""
    sort = sort or {}
    ascending = not sort.get("asc", True) if sort.get("col") == column else True
    return {"col": column, "asc": ascending, "page": 0}


def picked_area(trigger: Any, value: Any) -> Any:
    """The area id of a table row click or a map feature click (``no_update`` if none)."""
    if isinstance(trigger, dict):
        return int(trigger["index"])
    area_id = ((value or {}).get("properties") or {}).get("id")
    return int(area_id) if isinstance(area_id, int) else no_update


# --------------------------------------------------------------------------- callbacks


def register(app: Dash) -> None:
    _register_list(app)
    _register_table(app)


def _register_list(app: Dash) -> None:
    @app.callback(
        Output(MAP_IDS.gewerbe, "data"),
        Output(MAP_IDS.industrie, "data"),
        Output(MAP_IDS.brache, "data"),
        Output(ids.AREAS_ROWS, "data"),
        Output(ids.AREAS_SUMMARY, "children"),
        Output(ids.AREAS_HINT, "children"),
        Output(TABLE_DOWNLOADS_SLOT, "children"),
        Output(MAP_DOWNLOADS_SLOT, "children"),
        Output(MAP_IDS.map, "viewport", allow_duplicate=True),
        *(Input(component, "value") for component in FILTER_INPUTS),
        Input(ids.AREAS_REFRESH, "data"),
        State(ids.AREAS_MUNICIPALITY_AGS, "data"),
        # Runs on page load too (fills list and links); the map keeps its initial view then.
        prevent_initial_call="initial_duplicate",
    )
    def update_list(*values: Any) -> tuple[Any, ...]:
        principal = current_principal()
        request = ListRequest.from_inputs(principal, values[:9], ctx.triggered_id)
        try:
            result = areas.list_areas(get_db(), principal, request.filters, config=get_config())
        except CockpitError as error:
            log_refusal("area list", principal, error)
            return ListView.refused(error.user_message).outputs()
        links = download_links(principal, request.filters, values[-1])
        return ListView.of(result, request, links).outputs()

    @app.callback(
        *(Output(component, "value") for component in FILTER_INPUTS[:-1]),
        Input(ids.AREAS_F_RESET, "n_clicks"),
        prevent_initial_call=True,
    )
    def reset_filters(_n: int | None) -> tuple[Any, ...]:
        return RESET_VALUES


def _register_table(app: Dash) -> None:
    @app.callback(
        Output(ids.AREAS_TABLE, "children"),
        Input(ids.AREAS_ROWS, "data"),
        Input(ids.AREAS_SORT, "data"),
        Input(ids.AREAS_SELECTED, "data"),
    )
    def render_table(rows: Any, sort: Any, selected: Any) -> Any:
        return table_view(rows, sort, selected, ctx.triggered_id)

    @app.callback(
        Output(ids.AREAS_SORT, "data", allow_duplicate=True),
        Input({"type": ids.AREAS_PAGE_BUTTON, "page": ALL}, "n_clicks"),
        State(ids.AREAS_SORT, "data"),
        prevent_initial_call=True,
    )
    def change_page(_clicks: list[int | None], sort: dict[str, Any] | None) -> Any:
        if not clicked():
            return no_update
        return {**(sort or {}), "page": int(ctx.triggered_id["page"])}

    @app.callback(
        Output(ids.AREAS_SORT, "data"),
        Input({"type": ids.AREAS_SORT_BUTTON, "col": ALL}, "n_clicks"),
        State(ids.AREAS_SORT, "data"),
        prevent_initial_call=True,
    )
    def change_sort(_clicks: list[int | None], sort: dict[str, Any] | None) -> Any:
        if not clicked():
            return no_update
        return next_sort(sort, str(ctx.triggered_id["col"]))

    @app.callback(
        Output(ids.AREAS_SELECTED, "data"),
        Input({"type": ids.AREAS_ROW, "index": ALL}, "n_clicks"),
        Input(MAP_IDS.gewerbe, "clickData"),
        Input(MAP_IDS.industrie, "clickData"),
        Input(MAP_IDS.brache, "clickData"),
        prevent_initial_call=True,
    )
    def select_area(_clicks: list[int | None], *_click_data: Any) -> Any:
        if not clicked():
            return no_update
        return picked_area(ctx.triggered_id, ctx.triggered[0]["value"])
