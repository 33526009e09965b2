"""Presenters of the areas pages: pure functions, no browser, no database."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from dash import html

from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import ValidationError
from cockpit.domain.vocab import AreaKind, AreaSource, AreaStatus, ConfirmationMethod, SurveyOutcome
from cockpit.services.areas import AreaListItem, AreaListResult
from cockpit.services.areas.survey import SurveyRow, SurveyView


def _item(area_id: int, name: str, ha: float, confirmed: dt.date | None, **kw: Any) -> AreaListItem:
    values: dict[str, Any] = {
        "id": area_id,
        "public_id": f"p-{area_id}",
        "name": name,
        "municipality_id": 1,
        "municipality_name": "Görlitz",
        "municipality_ags": "14626110",
        "kind": AreaKind.GEWERBE,
        "kind_label": "Gewerbefläche",
        "area_ha": ha,
        "area_text": "",
        "status": AreaStatus.VERFUEGBAR,
        "status_label": "verfügbar",
        "last_confirmed_at": confirmed,
        "last_confirmed_text": confirmed.strftime("%d.%m.%Y") if confirmed else "nie bestätigt",
        "stale": confirmed is None,
        "source": AreaSource.GEOPORTAL,
        "source_label": "Geoportal",
        "version": 1,
        "is_deleted": False,
        "is_demo": False,
    }
    values.update(kw)
    return AreaListItem(**values)


def _texts(component: Any) -> list[str]:
    """All strings inside a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for child in component for t in _texts(child)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def test_build_filter_ignores_unknown_codes_and_orders_range() -> None:
    filters = present.build_filter(
        kinds=["gewerbe", "quatsch"],
        statuses=["verfuegbar"],
        sources=["geoportal", 7],
        municipality_ids=["3", "x", 5],
        min_ha="12",
        max_ha=2,
        age=present.AGE_STALE,
        search="  Nord  ",
    )
    assert filters.kinds == (AreaKind.GEWERBE,)
    assert filters.statuses == (AreaStatus.VERFUEGBAR,)
    assert filters.sources == (AreaSource.GEOPORTAL,)
    assert filters.municipality_ids == (3, 5)
    assert (filters.min_ha, filters.max_ha) == (2.0, 12.0)
    assert filters.stale is True
    assert filters.search == "Nord"
    assert present.build_filter(age=present.AGE_CURRENT, min_ha=-1).stale is False
    assert present.build_filter(min_ha=-1).min_ha is None
    assert present.build_filter().stale is None


def _hrefs(component: Any) -> dict[str, str]:
    """Link text -> href of the ``<a>`` elements in a Dash component tree."""
    if isinstance(component, (list, tuple)):
        return {k: v for child in component for k, v in _hrefs(child).items()}
    if isinstance(component, html.A):
        return {str(component.children): str(component.href)}
    children = getattr(component, "children", None)
    return _hrefs(children) if children is not None else {}


def test_download_links_carry_the_current_filters() -> None:
    from cockpit.dashboard.components import export_links
    from cockpit.dashboard.pages.flaechen.listing import download_links
    from cockpit.domain.roles import Principal, Role

    filters = present.build_filter(
        kinds=["brache", "gewerbe"],
        statuses=["vermarktet"],
        sources=["gespraech"],
        municipality_ids=["7", 9, 404],  # 404: not among the page's choices -> left out
        min_ha="1.5",
        max_ha=20,
        age=present.AGE_STALE,
        search="Nord & Süd",
        include_deleted=True,
    )
    ags = {"7": "14626110", 9: "14626610"}
    query = present.export_query(filters, ags)
    assert query == (
        "kinds=brache,gewerbe&statuses=vermarktet&sources=gespraech"
        "&municipalities=14626110,14626610&min_ha=1.5&max_ha=20.0&age=ueberfaellig"
        "&search=Nord+%26+S%C3%BCd&deleted=ja"
    )
    assert present.export_query(present.build_filter(), ags) == ""
    assert present.export_query(present.build_filter(age=present.AGE_CURRENT), {}) == "age=aktuell"

    table = _hrefs(export_links.area_table_downloads(query))
    assert table == {
        "Tabelle CSV": f"/export/tabelle/flaechen.csv?{query}",
        "XLSX": f"/export/tabelle/flaechen.xlsx?{query}",
    }
    layer = _hrefs(export_links.area_map_downloads(query))
    assert layer == {
        "Karte PDF (A4)": f"/export/flaechen/karte.pdf?{query}&paper=A4",
        "PDF (A3)": f"/export/flaechen/karte.pdf?{query}&paper=A3",
        "PNG": f"/export/flaechen/karte.png?{query}&dpi=96",
        "PNG 300 dpi": f"/export/flaechen/karte.png?{query}&dpi=300",
        "SVG": f"/export/flaechen/karte.svg?{query}",
        "Karte als GeoPackage": f"/export/ebene/flaechen.gpkg?{query}",
        "GeoJSON": f"/export/ebene/flaechen.geojson?{query}",
    }
    unfiltered = _hrefs(export_links.area_map_downloads(""))
    assert unfiltered["Karte PDF (A4)"] == "/export/flaechen/karte.pdf?paper=A4"
    assert unfiltered["SVG"] == "/export/flaechen/karte.svg"
    assert _hrefs(export_links.area_table_downloads(""))["XLSX"] == "/export/tabelle/flaechen.xlsx"

    # The page writes them for roles with export permission only.
    kommune = Principal(1, "k", Role.KOMMUNE, frozenset({7}))
    table_links, map_links = download_links(kommune, filters, {"7": "14626110"})
    own_query = query.replace("14626110,14626610", "14626110")
    assert _hrefs(table_links)["Tabelle CSV"] == f"/export/tabelle/flaechen.csv?{own_query}"
    assert _hrefs(map_links)["GeoJSON"].startswith("/export/ebene/flaechen.geojson?kinds=")
    assert _hrefs(map_links)["Karte PDF (A4)"] == (
        f"/export/flaechen/karte.pdf?{own_query}&paper=A4"
    )
    admin = Principal(2, "a", Role.ADMIN)
    assert download_links(admin, filters, ags) == ([], [])


def test_fit_viewport_flies_to_the_result_bounds() -> None:
    viewport = present.fit_viewport((14.9, 51.1, 15.0, 51.2))
    assert viewport is not None and viewport["transition"] == "flyToBounds"
    assert viewport["bounds"] == [
        [pytest.approx(51.098), pytest.approx(14.898)],
        [pytest.approx(51.202), pytest.approx(15.002)],
    ]
    assert present.fit_viewport(None) is None


def test_split_layers_by_kind_with_escaped_tooltip_and_no_clusters() -> None:
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": 1,
                "properties": {
                    "id": 1,
                    "name": "A <b>",
                    "kind": "gewerbe",
                    "status_label": "verfügbar",
                    "area_ha": 12.34,
                    "stale": True,
                },
                "geometry": {"type": "Point", "coordinates": [14.9, 51.1]},
            },
            {
                "type": "Feature",
                "properties": {"id": 2, "name": "B", "kind": "brache", "area_ha": 1},
                "geometry": None,
            },
            {"type": "Feature", "properties": {"cluster": True, "count": 9}, "geometry": None},
        ],
    }
    layers = present.split_layers(geojson)
    assert [len(layers[k]["features"]) for k in AreaKind] == [1, 0, 1]
    tooltip = layers[AreaKind.GEWERBE]["features"][0]["properties"]["tooltip"]
    assert tooltip == "A &lt;b&gt; · 12,34\u00a0ha · verfügbar · Bestätigung überfällig"


def test_leaflet_bounds_and_feature_bounds() -> None:
    assert present.leaflet_bounds((14.0, 51.0, 15.0, 52.0), pad=0) == [[51.0, 14.0], [52.0, 15.0]]
    assert present.leaflet_bounds(None) is None
    feature = {
        "type": "Feature",
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [[[[14.1, 51.1], [14.3, 51.1], [14.3, 51.2], [14.1, 51.1]]]],
        },
    }
    bounds = present.feature_bounds([feature, None])
    assert bounds is not None
    assert bounds[0][0] == pytest.approx(51.098) and bounds[1][1] == pytest.approx(14.302)
    assert present.feature_bounds([None]) is None


def test_edit_rings_swap_axes_and_split_multipolygons() -> None:
    feature = {
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [
                [[[14.0, 51.0], [14.1, 51.0], [14.1, 51.1], [14.0, 51.0]]],
                [[[15.0, 52.0], [15.1, 52.0], [15.1, 52.1], [15.0, 52.0]]],
            ],
        }
    }
    rings = present.edit_rings(feature)
    assert len(rings) == 2
    assert rings[0][0][0] == [51.0, 14.0]
    children = amap.edit_children("ctl", rings)
    assert [type(c).__name__ for c in children] == ["Polygon", "Polygon", "EditControl"]
    assert present.edit_rings({"geometry": {"type": "Point", "coordinates": [1, 2]}}) == []


def test_drawn_geometry_keeps_polygons_only() -> None:
    drawn = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"type": "polygon", "_leaflet_id": 77},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[14.0, 51.0], [14.1, 51.0], [14.1, 51.1], [14.0, 51.0]]],
                },
            },
            {
                "type": "Feature",
                "properties": {"type": "marker"},
                "geometry": {"type": "Point", "coordinates": [14.0, 51.0]},
            },
        ],
    }
    result = present.drawn_geometry(drawn)
    assert result is not None
    assert [f["geometry"]["type"] for f in result["features"]] == ["Polygon"]
    assert result["features"][0]["properties"] == {}
    assert present.drawn_geometry({"type": "FeatureCollection", "features": []}) is None
    assert present.drawn_geometry(None) is None


def test_pending_geometry_text_keeps_the_old_geometry_when_editing() -> None:
    # An empty edit layer (toolbar re-created) must not read as "the area has no geometry".
    for mode in ("edit", "propose_fix"):
        assert "bisherige Geometrie bleibt" in present.pending_geometry_text(mode)
    for mode in ("new", "propose_new", None):
        assert "bitte zeichnen Sie" in present.pending_geometry_text(mode)


def test_decode_upload_and_geojson_upload(tmp_path: Path) -> None:
    with pytest.raises(present.UploadProblem) as missing:
        present.decode_upload(None, None)
    assert missing.value.message == "Bitte wählen Sie eine Datei aus."
    with pytest.raises(present.UploadProblem) as broken:
        present.decode_upload("data:application/json;base64,@@@", "x.geojson")
    assert broken.value.message == "Die Datei „x.geojson“ konnte nicht gelesen werden."
    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [14.98, 51.15],
                            [14.985, 51.15],
                            [14.985, 51.153],
                            [14.98, 51.153],
                            [14.98, 51.15],
                        ]
                    ],
                },
            }
        ],
    }
    encoded = base64.b64encode(json.dumps(feature).encode()).decode()
    payload, name = present.decode_upload(
        f"data:application/geo+json;base64,{encoded}", "a/b.geojson"
    )
    assert name == "b.geojson"
    collection = present.upload_to_geojson(payload, name, "EPSG:25833")
    geometry = collection["features"][0]["geometry"]
    assert geometry["type"] in ("Polygon", "MultiPolygon")
    with pytest.raises(present.UploadProblem) as error:
        present.upload_to_geojson(b"not a geo file", "kaputt.txt", "EPSG:25833")
    assert "kaputt.txt" in error.value.message


def test_table_rows_sort_and_render_with_badges() -> None:
    items = [
        _item(1, "Nord", 12.0, dt.date(2026, 1, 5)),
        _item(2, "alpha", 3.5, None),
        _item(3, "Mitte", 7.25, dt.date(2025, 3, 1), is_demo=True),
    ]
    rows = present.table_rows(items)
    assert rows[0]["area_text"] == "12,0\u00a0ha"
    assert [r["name"] for r in present.sort_rows(rows, "name", True)] == ["alpha", "Mitte", "Nord"]
    assert [r["id"] for r in present.sort_rows(rows, "area", False)] == [1, 3, 2]
    assert [r["id"] for r in present.sort_rows(rows, "confirmed", True)] == [2, 3, 1]
    table = present.area_table(
        rows,
        sort_column="area",
        ascending=False,
        selected=3,
        row_button_type="row",
        sort_button_type="sort",
    )
    texts = _texts(table)
    assert "Fläche ▼" in texts and "überfällig" in texts and "Demo-Daten" in texts
    body = table.children[2]
    assert [tr.className for tr in body.children] == ["fl-row", "fl-row fl-row-selected", "fl-row"]
    empty = present.area_table(
        [],
        sort_column="name",
        ascending=True,
        selected=None,
        row_button_type="r",
        sort_button_type="s",
    )
    assert isinstance(empty, html.P)


def test_summary_text_in_german() -> None:
    result = AreaListResult(
        items=[_item(1, "A", 1, None)],
        total=1234,
        total_area_ha=5678.91,
        stale_count=3,
        offset=0,
        limit=500,
        geojson={},
        map_feature_count=0,
        clustered=False,
        hint="",
        stale_after_days=365,
        today=dt.date(2026, 11, 22),
    )
    assert present.summary_text(result) == (
        "1.234 Flächen · 5.678,91\u00a0ha · 3 mit überfälliger Bestätigung · "
        "Tabelle zeigt die ersten 1"
    )


def test_form_values_round_trip_and_changed_attributes() -> None:
    empty = present.form_values(None)
    assert empty["kind"] == "gewerbe" and empty["servicing"] == []
    values = {
        **empty,
        "name": " Neu ",
        "municipality_id": 4,
        "planning_status": "",
        "net_area_ha": "",
    }
    attrs = present.attributes_from_form(values)
    assert (
        attrs["name"] == "Neu" and attrs["planning_status"] is None and attrs["net_area_ha"] is None
    )
    changed = present.changed_attributes({**values, "status": "reserviert"}, values)
    assert changed == {"status": "reserviert"}
    assert present.field_error_texts("geometry", "kaputt") == {"geometry": "kaputt"}
    assert present.field_error_texts("unbekannt", "x") == {}


def test_as_of_datetime_is_end_of_day() -> None:
    when = present.as_of_datetime("2026-03-01")
    assert when == dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert present.as_of_datetime("") is None
    assert present.as_of_datetime("gestern") is None


def test_export_download_single_file_or_zip(tmp_path: Path) -> None:
    data = tmp_path / "flaechen.gpkg"
    data.write_bytes(b"SQLite format 3\x00")
    manifest = tmp_path / "flaechen_manifest.json"
    manifest.write_text("{}", encoding="utf-8")
    payload, name = present.export_download([data], manifest)
    assert (payload, name) == (b"SQLite format 3\x00", "flaechen.gpkg")
    extra = tmp_path / "flaechen.cpg"
    extra.write_text("UTF-8", encoding="utf-8")
    payload, name = present.export_download([data, extra], manifest)
    assert name == "flaechen.zip"
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert sorted(archive.namelist()) == [
            "flaechen.cpg",
            "flaechen.gpkg",
            "flaechen_manifest.json",
        ]
    summary = present.export_summary(
        {"anzahl": {"objekte": 3, "new": 1, "changed": 2, "deleted": 0}, "nur_aenderungen": True}
    )
    assert summary == (
        "Export erstellt (nur Änderungen seit dem letzten Export): 3 Flächen "
        "(1 neu, 2 geändert, 0 gelöscht)."
    )


def _survey(outcomes: list[SurveyOutcome | None]) -> SurveyView:
    rows = [
        SurveyRow(
            area_id=i,
            public_id=f"p{i}",
            name=f"Fläche {i}",
            kind_label="Gewerbefläche",
            status_label="verfügbar",
            area_ha=1.0,
            area_text="1,0 ha",
            version=1,
            last_confirmed_at=None,
            is_deleted=False,
            outcome=o,
            outcome_label=o.label if o else "offen",
            note="",
        )
        for i, o in enumerate(outcomes, start=1)
    ]
    return SurveyView(
        id=1,
        municipality_id=1,
        municipality_name="Görlitz",
        held_on=dt.date(2026, 11, 22),
        held_on_text="22.11.2026",
        participants="Frau Muster",
        method=ConfirmationMethod.GESPRAECH,
        method_label="Gespräch",
        closed_at=None,
        is_closed=False,
        rows=rows,
        counts={},
    )


def test_survey_walk_progress_and_next_open_area() -> None:
    view = _survey([SurveyOutcome.BESTAETIGT, None, SurveyOutcome.GEAENDERT, None])
    assert present.next_open_index(view, 0) == 1
    assert present.next_open_index(view, 1) == 3
    assert present.next_open_index(view, 3) == 1
    row = present.current_row(view, 99)
    assert row is not None and row.area_id == 4
    texts = _texts(present.progress(view, 2))
    assert "Fläche 3 von 4 · erledigt: 2 von 4" in texts
    assert present.changes("reserviert", "  ", None) == {"status": "reserviert"}
    assert present.parse_day("2026-11-22") == dt.date(2026, 11, 22)
    with pytest.raises(ValidationError):
        present.parse_day("22.11.")


def test_mapping_form_round_trip() -> None:
    form = present.mapping_form(["OBJECTID", "NAME"], {"OBJECTID": "geoportal_id"}, "map")
    dropdowns = [row.children[1].children for row in form.children[2].children]
    assert [d.value for d in dropdowns] == ["geoportal_id", ""]
    states = [{"id": d.id} for d in dropdowns]
    assert present.mapping_from_form(states, ["geoportal_id", "name"]) == {
        "OBJECTID": "geoportal_id",
        "NAME": "name",
    }
    assert present.mapping_from_form(states, ["geoportal_id", ""]) == {"OBJECTID": "geoportal_id"}


def test_area_table_pages_rows_and_finds_the_page_of_an_area() -> None:
    rows = [
        {
            "id": i,
            "name": f"Fläche {i:03d}",
            "municipality": "Görlitz",
            "kind": "gewerbe",
            "kind_label": "Gewerbefläche",
            "area": float(i),
            "area_text": f"{i} ha",
            "status_label": "verfügbar",
            "confirmed_text": "nie bestätigt",
            "confirmed": None,
        }
        for i in range(60)
    ]
    table = present.area_table(
        rows,
        sort_column="name",
        ascending=True,
        selected=None,
        row_button_type="row",
        sort_button_type="sort",
        page=2,
        page_button_type="page",
    )
    text = str(table.to_plotly_json())
    assert "Seite 3 von 3 (60 Flächen)" in text
    assert "Fläche 050" in text and "Fläche 049" not in text
    assert present.page_of(rows, "name", True, 30) == 1
    assert present.page_of(rows, "name", False, 59) == 0


def _import_row(index: int, gid: str, name: str, state: str, **kw: Any) -> Any:
    from cockpit.services.areas.exchange import ImportRow

    values: dict[str, Any] = {
        "area_id": None,
        "changes": [],
        "geometry_changed": False,
        "warnings": (),
    }
    values.update(kw)
    return ImportRow(index, gid, name, "Görlitz", state, **values)


def test_preview_panel_lists_new_and_changed_and_folds_the_missing_away() -> None:
    from cockpit.services.areas.exchange import FieldChange, ImportPreview, MissingRow

    changed = _import_row(
        2,
        "GP-2",
        "Gewerbegebiet Ost",
        "changed",
        area_id=7,
        changes=[FieldChange("status", "Vermarktungsstand", "verfügbar", "reserviert")],
        geometry_changed=True,
    )
    missing = [MissingRow(10 + i, f"GP-{10 + i}", f"Fläche {i}", "Zittau") for i in range(1200)]
    preview = ImportPreview(
        "Geoportal",
        {},
        [_import_row(1, "GP-1", "Alte Tuchfabrik", "new")],
        [changed],
        [_import_row(3, "GP-3", "Industriepark", "unchanged", area_id=8)],
        missing,
        [],
        {"objectid": "geoportal_id"},
        "token",
    )
    panel = present.preview_panel(preview)
    texts = _texts(panel)
    assert (
        "1 neu · 1 geändert · 1 unverändert · 1.200 fehlend (im Cockpit, nicht in der Datei)"
        in (texts)
    )
    assert "Vermarktungsstand: verfügbar → reserviert; Geometrie geändert" in texts
    details = [c for c in panel.children if isinstance(c, html.Details)]
    assert len(details) == 1
    assert str(details[0].children[0].children).startswith("1.200 fehlende Flächen anzeigen")
    assert "GP-1199" in _texts(details[0]) and "GP-1199" not in _texts(panel.children[2])
    assert "GP-1" in _texts(panel.children[2]) and "Industriepark" not in texts
