"""Dashboard callbacks and the aggregates they show, seen by a Kommune user.

The overview map and ranking are POSTed to ``/_dash-update-component`` like the Dash
renderer does; aggregates are checked at the service level with small groups.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from cockpit.dashboard import ids
from cockpit.models import Indicator, IndicatorValue, Municipality
from cockpit.services import kenndaten, maps, profile
from cockpit.services.maps import MIN_VALUES_FOR_RESTRICTED_AGGREGATES
from tests.config_support import TEST_CONFIG
from tests.security.conftest import DemoWorld, demo_login

OWN_ONLY = "investitionsrueckstand_je_ew"  # demo indicator, visibility own_municipality
DISTRICT_INTERNAL = "foerderbedarf_index"  # demo indicator, visibility district_internal
ORIGIN = {"Origin": "http://localhost"}


def _callback(
    client: FlaskClient,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]] | None = None,
) -> dict[str, Any]:
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state or []],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    response = client.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Cache-Control"] == "no-store"
    result: dict[str, Any] = response.get_json()["response"]
    return result


def _map_update(client: FlaskClient, indicator: str, year: int) -> dict[str, Any]:
    return _callback(
        client,
        [
            (ids.OVERVIEW_MAP, "figure"),
            (ids.OVERVIEW_INFO, "data"),
            (ids.OVERVIEW_STATUS, "children"),
        ],
        [
            (ids.OVERVIEW_INDICATOR, "value", indicator),
            (ids.OVERVIEW_YEAR, "value", year),
            (ids.OVERVIEW_METHOD, "value", "quantiles"),
            (ids.OVERVIEW_CLASSES, "value", 5),
            (ids.OVERVIEW_PALETTE, "value", "blues"),
        ],
        [(ids.OVERVIEW_STATUS, "children", None)],
    )


def _find_key(tree: Any, key: str) -> list[Any]:
    found: list[Any] = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                found.append(v)
            found.extend(_find_key(v, key))
    elif isinstance(tree, list):
        for item in tree:
            found.extend(_find_key(item, key))
    return found


def _latest_year(demo: DemoWorld, key: str) -> int:
    info = next(
        i for i in maps.list_indicators(demo.session, demo.principal("kreis")) if i.key == key
    )
    assert info.latest_year is not None
    return info.latest_year


def _values(demo: DemoWorld, key: str, year: int) -> dict[str, float]:
    rows = demo.session.execute(
        select(Municipality.ags, IndicatorValue.value)
        .join(IndicatorValue, IndicatorValue.municipality_id == Municipality.id)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(Indicator.key == key, IndicatorValue.year == year)
    ).all()
    return {ags: float(v) for ags, v in rows if v is not None}


def test_overview_callback_shows_only_own_value_of_own_municipality_indicator(
    demo: DemoWorld, demo_app: Flask
) -> None:
    year = _latest_year(demo, OWN_ONLY)
    values = _values(demo, OWN_ONLY, year)
    assert len(values) == 53
    client = demo_app.test_client()
    demo_login(client, "kommune.goerlitz")
    response = _map_update(client, OWN_ONLY, year)
    text = json.dumps(response, ensure_ascii=False)
    z_lists = [z for z in _find_key(response, "z") if isinstance(z, list)]
    assert z_lists, text[:400]
    for z in z_lists:
        present = [v for v in z if v is not None]
        assert len(present) == 1, f"more than the own value in the map: {present[:5]}"
        assert round(present[0]) == round(values["14626110"])
    info = response[ids.OVERVIEW_INFO]["data"]
    assert info.get("restricted") is True
    # KPI cards: no total, no minimum/maximum (they would name and show single values).
    assert info["kpis"][0] == "–" and info["kpis"][2] == "–" and info["kpis"][3] == "–"
    assert "Zittau" not in text
    # Ranking: exactly one row, Görlitz.
    ranking = _callback(
        client,
        [
            (ids.OVERVIEW_RANKING, "data"),
            (ids.OVERVIEW_RANKING, "page_count"),
            (ids.OVERVIEW_RANKING, "page_current"),
        ],
        [
            (ids.OVERVIEW_INDICATOR, "value", OWN_ONLY),
            (ids.OVERVIEW_YEAR, "value", year),
            (ids.OVERVIEW_RANKING, "page_current", 0),
            (ids.OVERVIEW_RANKING, "sort_by", []),
        ],
    )
    rows = ranking[ids.OVERVIEW_RANKING]["data"]
    assert [r["name"] for r in rows] == ["Görlitz"]


def test_overview_callback_refuses_district_internal_indicator(
    demo: DemoWorld, demo_app: Flask
) -> None:
    year = _latest_year(demo, DISTRICT_INTERNAL)
    client = demo_app.test_client()
    demo_login(client, "kommune.goerlitz")
    response = _map_update(client, DISTRICT_INTERNAL, year)
    assert ids.OVERVIEW_MAP not in response and ids.OVERVIEW_INFO not in response
    assert "Berechtigung" in response[ids.OVERVIEW_STATUS]["children"]
    ranking = _callback(
        client,
        [
            (ids.OVERVIEW_RANKING, "data"),
            (ids.OVERVIEW_RANKING, "page_count"),
            (ids.OVERVIEW_RANKING, "page_current"),
        ],
        [
            (ids.OVERVIEW_INDICATOR, "value", DISTRICT_INTERNAL),
            (ids.OVERVIEW_YEAR, "value", year),
            (ids.OVERVIEW_RANKING, "page_current", 0),
            (ids.OVERVIEW_RANKING, "sort_by", []),
        ],
    )
    assert ranking[ids.OVERVIEW_RANKING]["data"] == []
    # Positive control: the Kreis gets all 53 values of the same indicator.
    kreis = demo_app.test_client()
    demo_login(kreis, "kreis")
    full = _map_update(kreis, DISTRICT_INTERNAL, year)
    z = next(z for z in _find_key(full, "z") if isinstance(z, list))
    assert sum(v is not None for v in z) == 53


def test_restricted_aggregates_need_five_values(demo: DemoWorld) -> None:
    """Median/quartiles of a non-public indicator over fewer than five municipalities
    would reveal foreign values: the overview KPIs and the profile band must be empty."""
    year = _latest_year(demo, OWN_ONLY)
    indicator = demo.session.scalar(select(Indicator).where(Indicator.key == OWN_ONLY))
    assert indicator is not None
    keep = demo.session.scalars(
        select(Municipality.id)
        .where(Municipality.id != demo.goerlitz.id)
        .order_by(Municipality.ags)
        .limit(MIN_VALUES_FOR_RESTRICTED_AGGREGATES - 2)
    ).all()
    keep_ids = [demo.goerlitz.id, *keep]  # four values in total
    demo.session.execute(
        delete(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.year == year,
            IndicatorValue.municipality_id.not_in(keep_ids),
        )
    )
    demo.session.commit()
    user = demo.principal("kommune.goerlitz")
    kpis = maps.get_district_kpis(demo.session, user, OWN_ONLY, year)
    assert kpis.restricted
    assert kpis.median is None and kpis.lower_quartile is None and kpis.upper_quartile is None
    assert kpis.minimum is None and kpis.maximum is None and kpis.total is None
    prof = profile.get_profile(demo.session, user, demo.goerlitz.id, config=TEST_CONFIG)
    kpi = next(k for k in prof.kpis if k.key == OWN_ONLY)
    assert kpi.band is None or kpi.band.year != year


def test_themencluster_counts_do_not_single_out_few_municipalities(demo: DemoWorld) -> None:
    """HOLE (low): the Themencluster lens gives a Kommune exact district-wide counts of a
    confidential Kenndaten field (which municipalities have a cluster as focus), also
    when only 1–4 municipalities have it. Elsewhere confidential figures are only shown
    aggregated over at least five municipalities (``MIN_AGGREGATE_GROUP``,
    ``MIN_BENCHMARK_GROUP``); a count of 1 tells a Kommune that exactly one other
    municipality pursues that cluster (and combined with public knowledge, which one).
    """
    user = demo.principal("kommune.goerlitz")
    overview = kenndaten.cluster_overview(demo.session, user, None)
    assert not overview.complete
    small = [
        (c.name, c.current, c.future)
        for c in overview.counts
        if any(n is not None and 0 < n < profile.MIN_AGGREGATE_GROUP for n in (c.current, c.future))
    ]
    assert not small, f"exact small counts shown to a Kommune user: {small[:5]}"
