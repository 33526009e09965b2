"""The overview page through the real Flask app: login, router, callbacks, geometry route."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cockpit import create_app
from cockpit.dashboard import ids, shell
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.roles import SYSTEM, Role
from cockpit.services import users
from cockpit.settings import Settings
from tests.dashboard.overview_world import PASSWORDS, seed_overview_world

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
GEOJSON_RE = re.compile(r"/geo/municipalities/([0-9a-f]+)\.geojson")


def _seed(url: str, *, goerlitz_users: bool = False) -> None:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            if goerlitz_users:
                users.create_user(
                    session,
                    SYSTEM,
                    username="kreis",
                    password=PASSWORDS["kreis"],
                    role=Role.KREIS_REDAKTION,
                    display_name="Kreis",
                )
            else:
                seed_overview_world(session, with_users=True)
    finally:
        engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    _seed(settings.database_url)
    app = create_app(settings)
    yield app
    app.extensions["cockpit"].engine.dispose()


def login(client: FlaskClient, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_RE.search(page) or re.search(r'id="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "login form without CSRF token"
    response = client.post(
        "/login",
        data={"csrf_token": match.group(1), "username": username, "password": PASSWORDS[username]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def callback(
    client: FlaskClient,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]] = (),  # type: ignore[assignment]
    changed: int = 0,
) -> tuple[int, bytes]:
    """POST a real ``/_dash-update-component`` payload like the Dash renderer does
    (``changed``: index of the input that triggered it)."""
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[changed][0]}.{inputs[changed][1]}"],
    }
    if len(outputs) == 1:
        body["output"] = f"{outputs[0][0]}.{outputs[0][1]}"
        body["outputs"] = body["outputs"][0]  # type: ignore[assignment]
    response = client.post("/_dash-update-component", json=body)
    return response.status_code, response.data


def route(client: FlaskClient, pathname: str) -> dict[str, Any]:
    status, data = callback(
        client,
        [(ids.PAGE, "children"), (ids.NAV, "children"), (ids.PAGE_TITLE, "data")],
        [(ids.URL, "pathname", pathname)],
    )
    assert status == 200, data[:500]
    result: dict[str, Any] = json.loads(data)["response"]
    return result


def map_update(client: FlaskClient, indicator: str, year: int, **options: Any) -> tuple[int, bytes]:
    return callback(
        client,
        [
            (ids.OVERVIEW_MAP, "figure"),
            (ids.OVERVIEW_INFO, "data"),
            (ids.OVERVIEW_STATUS, "children"),
        ],
        [
            (ids.OVERVIEW_INDICATOR, "value", indicator),
            (ids.OVERVIEW_YEAR, "value", year),
            (ids.OVERVIEW_METHOD, "value", options.get("method", "quantiles")),
            (ids.OVERVIEW_CLASSES, "value", options.get("classes", 5)),
            (ids.OVERVIEW_PALETTE, "value", options.get("palette", "blues")),
        ],
        [(ids.OVERVIEW_STATUS, "children", options.get("status"))],
    )


def _find(tree: Any, component_id: str) -> dict[str, Any] | None:
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree
        for value in tree.get("props", tree).values():
            found = _find(value, component_id)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for item in tree:
            found = _find(item, component_id)
            if found is not None:
                return found
    return None


def test_anonymous_callbacks_and_geometry_are_refused(app: Flask) -> None:
    client = app.test_client()
    status, _ = callback(client, [(ids.PAGE, "children")], [(ids.URL, "pathname", "/")])
    assert status == 401
    assert client.get("/geo/municipalities/abc.geojson").status_code in (302, 401)


def test_overview_page_for_kreis(app: Flask) -> None:
    client = app.test_client()
    login(client, "kreis")
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "Kommunal-Cockpit" in layout and "Landkreis Görlitz" in layout
    assert "Passwort ändern" in layout and "Abmelden" in layout
    assert "Benutzerverwaltung" not in layout
    response = route(client, "/")
    page = response[ids.PAGE]["children"]
    assert response[ids.PAGE_TITLE]["data"] == "Übersicht"
    graph = _find(page, ids.OVERVIEW_MAP)
    assert graph is not None
    figure = graph["props"]["figure"]
    assert len(figure["data"]) == 1
    values = figure["data"][0]
    assert values["locations"][1] == "14626110" and values["z"][1] == 54_664
    assert values["z"][2] is None  # Hähnichen: no value in 2022
    assert GEOJSON_RE.fullmatch(values["geojson"])
    assert "coordinates" not in json.dumps(page)
    catalogue = _find(page, ids.OVERVIEW_CATALOGUE)
    assert catalogue is not None
    assert set(catalogue["props"]["data"]) == {
        "bevoelkerung",
        "arbeitslosenquote",
        "investitionsrueckstand",
    }
    info = _find(page, ids.OVERVIEW_INFO)["props"]["data"]  # type: ignore[index]
    assert info["kpis"][0] == "114.038 Personen"  # district total of 2022
    assert info["nodata"] == 1
    nav = json.dumps(response[ids.NAV]["children"], ensure_ascii=False)
    assert "Übersicht" in nav and "aria-current" in nav


def test_indicator_switch_returns_a_small_patch(app: Flask) -> None:
    client = app.test_client()
    login(client, "analyse")
    route(client, "/")
    status, data = map_update(client, "arbeitslosenquote", 2022, method="natural_breaks")
    assert status == 200
    assert len(data) < 1024, len(data)
    response = json.loads(data)["response"]
    patch = response[ids.OVERVIEW_MAP]["figure"]
    assert patch["__dash_patch_update"] == "__dash_patch_update"
    merged = patch["operations"][0]["params"]["value"]
    assert merged["z"] == [7.5, 9.8, 5.1, 8.2, 11.4, 10.3]
    assert "%{z:,.1f} %" in merged["hovertemplate"]
    for forbidden in (b"coordinates", b"geojson", b"locations"):
        assert forbidden not in data
    info = response[ids.OVERVIEW_INFO]["data"]
    assert info["demo"] is True and info["kpis"][1] == "9,0 %"
    assert ids.OVERVIEW_STATUS not in response  # unchanged status is not sent


def test_kommune_sees_public_map_and_only_own_restricted_values(app: Flask) -> None:
    client = app.test_client()
    login(client, "kommune.goerlitz")
    page = route(client, "/")[ids.PAGE]["children"]
    catalogue = _find(page, ids.OVERVIEW_CATALOGUE)["props"]["data"]  # type: ignore[index]
    assert set(catalogue) == {"bevoelkerung", "investitionsrueckstand"}
    status, data = map_update(client, "investitionsrueckstand", 2022)
    assert status == 200
    response = json.loads(data)["response"]
    z = response[ids.OVERVIEW_MAP]["figure"]["operations"][0]["params"]["value"]["z"]
    assert z == [None, 2_000_000, None, None, None, None]
    info = response[ids.OVERVIEW_INFO]["data"]
    assert info["restricted"] is True and "nicht sichtbar" in info["note"]
    assert info["kpis"][2] == "–" and info["kpis"][3] == "–"  # no foreign min/max
    # a district-internal indicator is refused with a German message, the map stays
    status, data = map_update(client, "arbeitslosenquote", 2022)
    response = json.loads(data)["response"]
    assert ids.OVERVIEW_MAP not in response
    assert "keine Berechtigung" in response[ids.OVERVIEW_STATUS]["children"]


def test_bad_callback_input_gives_a_german_message(app: Flask) -> None:
    client = app.test_client()
    login(client, "kreis")
    _, data = map_update(client, "bevoelkerung", "zweitausend")
    assert "gültiges Jahr" in json.loads(data)["response"][ids.OVERVIEW_STATUS]["children"]
    _, data = map_update(client, "gibt_es_nicht", 2022)
    assert "nicht gefunden" in json.loads(data)["response"][ids.OVERVIEW_STATUS]["children"]


def test_ranking_table_pages_and_sorts(app: Flask) -> None:
    client = app.test_client()
    login(client, "kreis")

    def ranking(
        page: int, sort_by: list[dict[str, str]], changed: str = "page_current"
    ) -> dict[str, Any]:
        inputs = [
            (ids.OVERVIEW_INDICATOR, "value", "bevoelkerung"),
            (ids.OVERVIEW_YEAR, "value", 2021),
            (ids.OVERVIEW_RANKING, "page_current", page),
            (ids.OVERVIEW_RANKING, "sort_by", sort_by),
        ]
        status, data = callback(
            client,
            [
                (ids.OVERVIEW_RANKING, "data"),
                (ids.OVERVIEW_RANKING, "page_count"),
                (ids.OVERVIEW_RANKING, "page_current"),
            ],
            inputs,
            changed=[i[1] if i[0] == ids.OVERVIEW_RANKING else i[0] for i in inputs].index(changed),
        )
        assert status == 200
        result: dict[str, Any] = json.loads(data)["response"][ids.OVERVIEW_RANKING]
        return result

    table = ranking(0, [])
    assert table["page_count"] == 1
    assert "page_current" not in table  # paging or sorting keeps the page
    assert table["data"][0] == {
        "rank": 1,
        "name": "Görlitz",
        "value_text": "55.000",
        "unit": "Personen",
    }
    by_name = ranking(0, [{"column_id": "name", "direction": "asc"}], "sort_by")["data"]
    assert [r["name"] for r in by_name][:2] == ["Bad Muskau", "Görlitz"]
    lowest_first = ranking(0, [{"column_id": "rank", "direction": "desc"}], "sort_by")["data"]
    assert lowest_first[0]["name"] == "Hähnichen"
    # a new indicator (or year) while on page 2 starts the new ranking on its first page
    switched = ranking(1, [], ids.OVERVIEW_INDICATOR)
    assert switched["page_current"] == 0
    assert switched["data"][0]["rank"] == 1
    assert ranking(1, [])["data"] == []  # page 2 of a one-page ranking stays empty


def test_router_messages(app: Flask) -> None:
    client = app.test_client()
    login(client, "admin")
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "Benutzerverwaltung" in layout
    missing = route(client, "/gibt/es/nicht")
    assert missing[ids.PAGE_TITLE]["data"] == "Seite nicht gefunden"
    assert "gibt es nicht" in json.dumps(missing[ids.PAGE]["children"], ensure_ascii=False)
    # Admin may see public indicators only: the overview works with the public one
    page = route(client, "/")[ids.PAGE]["children"]
    catalogue = _find(page, ids.OVERVIEW_CATALOGUE)["props"]["data"]  # type: ignore[index]
    assert set(catalogue) == {"bevoelkerung"}


def test_geometry_route_is_versioned_cached_and_compressed(app: Flask) -> None:
    client = app.test_client()
    login(client, "kommune.goerlitz")
    page = route(client, "/")[ids.PAGE]["children"]
    url = _find(page, ids.OVERVIEW_MAP)["props"]["figure"]["data"][0]["geojson"]  # type: ignore[index]
    compressed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert compressed.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert compressed.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert compressed.mimetype == "application/geo+json"
    collection = json.loads(gzip.decompress(compressed.data))
    assert len(collection["features"]) == 6
    assert all(set(f["properties"]) == {"ags", "name"} for f in collection["features"])
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert json.loads(plain.data) == collection
    outdated = client.get("/geo/municipalities/0000000000000000.geojson")
    assert outdated.status_code == 302 and outdated.headers["Location"].endswith(url)
    etag = compressed.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_real_goerlitz_data(goerlitz_url: str, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "real.sqlite"
    shutil.copy(goerlitz_url.removeprefix("sqlite:///"), path)
    real = settings.with_overrides(database_url=f"sqlite:///{path}")
    _seed(real.database_url, goerlitz_users=True)
    app = create_app(real)
    try:
        client = app.test_client()
        login(client, "kreis")
        page = route(client, "/")[ids.PAGE]["children"]
        figure = _find(page, ids.OVERVIEW_MAP)["props"]["figure"]  # type: ignore[index]
        assert len(figure["data"][0]["locations"]) == 53
        assert sum(v is not None for v in figure["data"][0]["z"]) == 53
        geo = client.get(figure["data"][0]["geojson"], headers={"Accept-Encoding": "gzip"})
        collection = json.loads(gzip.decompress(geo.data))
        assert len(collection["features"]) == 53
        catalogue = _find(page, ids.OVERVIEW_CATALOGUE)["props"]["data"]  # type: ignore[index]
        for key, entry in catalogue.items():
            status, data = map_update(client, key, entry["years"][-1], method="natural_breaks")
            assert status == 200
            patch = json.loads(data)["response"][ids.OVERVIEW_MAP]["figure"]
            assert len(json.dumps(patch, separators=(",", ":"))) < 1024, key
    finally:
        app.extensions["cockpit"].engine.dispose()


def test_dash_json_is_gzipped_when_the_browser_accepts_it(app: Flask) -> None:
    client = app.test_client()
    login(client, "kreis")
    plain = client.get("/_dash-dependencies")
    assert "Content-Encoding" not in plain.headers  # no Accept-Encoding: identity
    packed = client.get("/_dash-dependencies", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3
    # the geometry route keeps its own (precomputed) encoding; pages are not touched here
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in page.headers
    # refusals stay readable for anonymous clients (and are tiny anyway)
    anonymous = app.test_client().get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert anonymous.status_code == 401
    assert "Content-Encoding" not in anonymous.headers


def test_page_loads_the_trimmed_plotly_bundle_and_no_full_plotly(app: Flask) -> None:
    client = app.test_client()
    login(client, "kreis")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<script src="/assets/vendor/plotly-cockpit\.min\.js\?m=[\d.]+"', page)
    assert shell.FULL_PLOTLY_JS_URL not in page  # no preload of the 4.8 MB bundle
    assert "async-mathjax" not in page  # Dash's async chunks load on demand
    # without the trimmed bundle the template preloads the full one instead
    assert shell.FULL_PLOTLY_JS_URL in shell.index_string(preload_full_plotly=True)
