"""Overview map services: catalogue, values per role, KPIs, ranking, display geometry."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.models import Indicator, IndicatorValue, Municipality
from cockpit.services import maps
from tests.dashboard.overview_world import OverviewWorld, seed_overview_world


@pytest.fixture
def world(session: Session) -> OverviewWorld:
    return seed_overview_world(session)


def _values(data: maps.ChoroplethData) -> dict[str, float | None]:
    return dict(zip(data.ags, data.values, strict=True))


def test_catalogue_per_role(session: Session, world: OverviewWorld) -> None:
    keys = {i.key: i for i in maps.list_indicators(session, world.kreis)}
    assert set(keys) == {"bevoelkerung", "arbeitslosenquote", "investitionsrueckstand"}
    assert keys["bevoelkerung"].years == (2021, 2022)
    assert keys["bevoelkerung"].is_additive
    assert not keys["arbeitslosenquote"].is_additive
    # ordered by category, then label
    assert [i.category for i in maps.list_indicators(session, world.kreis)] == [
        "Arbeitsmarkt",
        "Bevölkerung",
        "Finanzen",
    ]
    kommune = {i.key for i in maps.list_indicators(session, world.kommune)}
    assert kommune == {"bevoelkerung", "investitionsrueckstand"}
    admin = {i.key for i in maps.list_indicators(session, world.admin)}
    assert admin == {"bevoelkerung"}


def test_values_ordered_by_ags_with_gaps_as_none(session: Session, world: OverviewWorld) -> None:
    data = maps.get_choropleth_values(session, world.kreis, "bevoelkerung", 2022)
    assert list(data.ags) == sorted(data.ags)
    assert len(data.ags) == 6
    values = _values(data)
    assert values["14626110"] == 54_664
    assert values["14626240"] is None  # no value for 2022
    assert data.count_with_data == 5
    assert data.full_scope
    assert not data.is_demo


def test_kommune_sees_only_own_values_of_own_municipality_indicator(
    session: Session, world: OverviewWorld
) -> None:
    data = maps.get_choropleth_values(session, world.kommune, "investitionsrueckstand", 2022)
    values = _values(data)
    assert values["14626110"] == 2_000_000
    assert all(v is None for ags, v in values.items() if ags != "14626110")
    assert not data.full_scope
    assert data.is_demo
    # public indicators: every value
    public = maps.get_choropleth_values(session, world.kommune, "bevoelkerung", 2021)
    assert public.count_with_data == 6


def test_indicator_access_is_refused(session: Session, world: OverviewWorld) -> None:
    with pytest.raises(AccessDeniedError) as denied:
        maps.get_choropleth_values(session, world.kommune, "arbeitslosenquote", 2022)
    assert "keine Berechtigung" in denied.value.user_message
    with pytest.raises(AccessDeniedError):
        maps.get_choropleth_values(session, world.admin, "investitionsrueckstand", 2022)
    with pytest.raises(NotFoundError) as missing:
        maps.get_choropleth_values(session, world.kreis, "gibt_es_nicht", 2022)
    assert "gibt_es_nicht" in missing.value.user_message


def test_district_kpis_for_district_roles(session: Session, world: OverviewWorld) -> None:
    kpis = maps.get_district_kpis(session, world.analyse, "bevoelkerung", 2022)
    assert kpis.municipalities_total == 6
    assert kpis.municipalities_with_data == 5
    assert kpis.total == 3_652 + 54_664 + 14_789 + 15_348 + 25_585
    assert kpis.median == 15_348
    assert (kpis.minimum, kpis.minimum_name) == (3_652, "Bad Muskau")
    assert (kpis.maximum, kpis.maximum_name) == (54_664, "Görlitz")
    assert not kpis.restricted
    rate = maps.get_district_kpis(session, world.kreis, "arbeitslosenquote", 2022)
    assert rate.total is None  # a percentage is not additive


def test_kommune_gets_only_median_and_quartiles_of_restricted_indicator(
    session: Session, world: OverviewWorld
) -> None:
    kpis = maps.get_district_kpis(session, world.kommune, "investitionsrueckstand", 2022)
    assert kpis.restricted
    assert kpis.median == 3_500_000  # over all six district values
    assert kpis.lower_quartile is not None and kpis.upper_quartile is not None
    assert kpis.total is None and kpis.minimum is None and kpis.maximum is None
    assert kpis.minimum_name is None and kpis.maximum_name is None


def test_restricted_aggregates_need_five_values(session: Session, world: OverviewWorld) -> None:
    backlog = session.query(Indicator).filter_by(key="investitionsrueckstand").one()
    session.query(IndicatorValue).filter(
        IndicatorValue.indicator_id == backlog.id,
        IndicatorValue.municipality_id.in_([world.ids["14626380"], world.ids["14626600"]]),
    ).delete()
    session.commit()
    kpis = maps.get_district_kpis(session, world.kommune, "investitionsrueckstand", 2022)
    assert kpis.restricted
    assert kpis.median is None


def test_ranking_shares_ranks_on_ties(session: Session, world: OverviewWorld) -> None:
    rows = maps.get_ranking(session, world.kreis, "bevoelkerung", 2022)
    assert [r.name for r in rows] == ["Görlitz", "Zittau", "Weißwasser/O.L.", "Löbau", "Bad Muskau"]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5]
    data = maps.get_choropleth_values(session, world.kreis, "bevoelkerung", 2022)
    tied = maps.ChoroplethData(
        data.indicator, 2022, ("1", "2", "3"), ("A", "B", "C"), (5.0, 7.0, 7.0), True, False
    )
    assert [(r.rank, r.name) for r in maps.build_ranking(tied)] == [(1, "B"), (1, "C"), (3, "A")]
    ascending = maps.build_ranking(tied, descending=False)
    assert [r.name for r in ascending] == ["A", "B", "C"]


def test_kommune_ranking_contains_only_visible_values(
    session: Session, world: OverviewWorld
) -> None:
    rows = maps.get_ranking(session, world.kommune, "investitionsrueckstand", 2022)
    assert [(r.name, r.rank) for r in rows] == [("Görlitz", 1)]


def test_display_geometry_is_public_cached_and_versioned(
    session: Session, world: OverviewWorld
) -> None:
    geometry = maps.get_display_geometry(session, world.kommune)
    collection = json.loads(geometry.geojson)
    assert geometry.feature_count == 6 == len(collection["features"])
    feature = collection["features"][0]
    assert feature["properties"] == {"ags": "14626010", "name": "Bad Muskau"}  # never values
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert json.loads(gzip.decompress(geometry.gzipped)) == collection
    assert geometry.bounds == pytest.approx((14.6, 51.0, 15.2, 51.1))
    assert maps.get_display_geometry(session, world.kreis) is geometry  # cached
    # a changed boundary gives a new version
    goerlitz = session.get(Municipality, world.ids["14626110"])
    assert goerlitz is not None
    goerlitz.name = "Görlitz, Stadt"
    session.commit()
    changed = maps.get_display_geometry(session, world.kreis)
    assert changed.version != geometry.version
    assert b"G\xc3\xb6rlitz, Stadt" in changed.geojson


def test_district_name(session: Session, world: OverviewWorld) -> None:
    assert maps.get_district_name(session, world.admin, "14626") == "Landkreis Görlitz"
    assert maps.get_district_name(session, world.admin, "14625") is None


@pytest.mark.db
def test_values_and_geometry_on_postgis(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with make_session_factory(engine)() as session:
            world = seed_overview_world(session)
            data = maps.get_choropleth_values(
                session, world.kommune, "investitionsrueckstand", 2022
            )
            assert _values(data)["14626110"] == 2_000_000
            assert data.count_with_data == 1
            assert maps.get_display_geometry(session, world.kreis).feature_count == 6
            assert [i.key for i in maps.list_indicators(session, world.admin)] == ["bevoelkerung"]
    finally:
        engine.dispose()
