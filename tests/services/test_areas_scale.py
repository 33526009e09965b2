"""Many areas: the map stays within its payload budget and clusters beyond the cap."""

from __future__ import annotations

import json

import pytest

from benchmarks.area_generator import generate_areas
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.roles import SYSTEM
from cockpit.services import areas
from cockpit.services.areas import MAP_BUDGET_BYTES, AreaFilter
from tests.config_support import TEST_CONFIG


@pytest.mark.slow
def test_map_payload_and_clusters_with_many_areas(goerlitz_url: str) -> None:
    engine = make_engine(goerlitz_url)
    with make_session_factory(engine)() as session:
        assert generate_areas(session, 4_000, seed=7) == 4_000
        everything = areas.list_areas(session, SYSTEM, AreaFilter(), limit=100, config=TEST_CONFIG)
        assert everything.total == 4_000 and everything.clustered
        assert "Bitte Ausschnitt verkleinern" in everything.hint
        features = everything.geojson["features"]
        assert sum(f["properties"]["count"] for f in features) == 4_000
        assert sum(f["properties"]["area_ha"] for f in features) == pytest.approx(
            everything.total_area_ha, rel=1e-3
        )
        assert len(everything.items) == 100
        assert [i.name for i in everything.items] == sorted(i.name for i in everything.items)
        page2 = areas.list_areas(
            session, SYSTEM, AreaFilter(), offset=100, limit=100, config=TEST_CONFIG
        )
        assert page2.items[0].name >= everything.items[-1].name

        # zoomed in: real polygons, under the payload budget
        some = everything.items[0]
        detail = areas.get_area(session, SYSTEM, some.id, config=TEST_CONFIG)
        w, s, e, n = detail.bounds
        view = areas.list_areas(
            session,
            SYSTEM,
            AreaFilter(bbox=(w - 0.05, s - 0.03, e + 0.05, n + 0.03)),
            limit=100,
            config=TEST_CONFIG,
        )
        assert not view.clustered and 0 < view.map_feature_count <= areas.MAX_MAP_FEATURES
        assert any(f["id"] == some.id for f in view.geojson["features"])
        size = len(json.dumps(view.geojson, separators=(",", ":")))
        assert size <= MAP_BUDGET_BYTES

        # a tight budget makes even a small view fall back to clusters (never > budget)
        tight = areas.list_areas(
            session,
            SYSTEM,
            AreaFilter(bbox=(w - 0.05, s - 0.03, e + 0.05, n + 0.03)),
            max_map_features=5,
            config=TEST_CONFIG,
        )
        assert tight.clustered and tight.total == 4_000
    engine.dispose()
