"""Write side of the area potentials: validation, locking, history, soft delete."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from shapely.geometry import LineString, box
from sqlalchemy import func, select

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, ConflictError, ValidationError
from cockpit.domain.roles import Role
from cockpit.domain.vocab import AreaStatus
from cockpit.models import AreaPotential, AreaVersion
from cockpit.services import areas
from cockpit.services.areas import AreaFilter
from tests.areas_support import (
    GOERLITZ,
    ZITTAU,
    area_attrs,
    bowtie,
    inner_square,
    load_municipalities,
    make_principal,
    to_geojson,
)
from tests.config_support import TEST_CONFIG


@pytest.fixture
def world(any_db_url: str):
    engine = make_engine(any_db_url)
    session = make_session_factory(engine)()
    towns = load_municipalities(session, GOERLITZ, ZITTAU)
    kreis = make_principal(session, "redaktion", Role.KREIS_REDAKTION)
    kommune = make_principal(session, "goerlitz", Role.KOMMUNE, [towns[GOERLITZ]])
    yield session, towns, kreis, kommune
    session.close()
    engine.dispose()


def _count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))


def test_create_validates_geometry_with_german_messages(world) -> None:
    session, towns, kreis, _ = world
    g = towns[GOERLITZ]
    with pytest.raises(ValidationError) as bad:
        areas.create_area(session, kreis, area_attrs(g), to_geojson(bowtie(g)), config=TEST_CONFIG)
    assert "überschneidet sich selbst bei" in bad.value.user_message
    assert "° O" in bad.value.user_message and bad.value.field == "geometry"

    centre = g.boundary.representative_point()
    line = LineString([(centre.x, centre.y), (centre.x + 100, centre.y)])
    with pytest.raises(ValidationError) as not_polygon:
        areas.create_area(session, kreis, area_attrs(g), to_geojson(line), config=TEST_CONFIG)
    assert "keine Fläche" in not_polygon.value.user_message

    zittau_square = inner_square(towns[ZITTAU], 300)
    with pytest.raises(ValidationError) as outside:
        areas.create_area(
            session, kreis, area_attrs(g), to_geojson(zittau_square), config=TEST_CONFIG
        )
    assert "außerhalb der Gemeinde Görlitz" in outside.value.user_message

    with pytest.raises(ValidationError) as bad_status:
        areas.create_area(
            session,
            kreis,
            area_attrs(g, status="verkauft"),
            to_geojson(inner_square(g)),
            config=TEST_CONFIG,
        )
    assert "verkauft" in bad_status.value.user_message and bad_status.value.field == "status"
    with pytest.raises(ValidationError):
        areas.create_area(
            session,
            kreis,
            area_attrs(g),
            {
                "type": "Polygon",
                "coordinates": [
                    [[500000, 5600000], [500100, 5600000], [500100, 5600100], [500000, 5600000]]
                ],
            },
            config=TEST_CONFIG,
        )
    # nothing was written by the refused calls
    assert _count(session, AreaPotential) == 0 and _count(session, AreaVersion) == 0


def test_small_overhang_is_tolerated_and_overlaps_are_reported(world) -> None:
    session, towns, kreis, _ = world
    g = towns[GOERLITZ]
    # a square straddling the boundary by ~5 m: allowed (≤ 10 m tolerance)
    edge = g.boundary.boundary.interpolate(0.3, normalized=True)
    inside = g.boundary.buffer(-5)
    straddle = box(edge.x - 60, edge.y - 60, edge.x + 60, edge.y + 60).intersection(
        g.boundary.buffer(5)
    )
    assert not straddle.within(g.boundary) and inside.is_valid
    first = areas.create_area(
        session, kreis, area_attrs(g, "Rand"), to_geojson(straddle), config=TEST_CONFIG
    )
    assert first.version == 1 and first.warnings == ()

    a = areas.create_area(
        session, kreis, area_attrs(g, "Alt"), inner_square(g, 200), config=TEST_CONFIG
    )
    b = areas.create_area(
        session, kreis, area_attrs(g, "Neu"), inner_square(g, 200, dx=100), config=TEST_CONFIG
    )
    assert len(b.warnings) == 1
    assert "„Alt“" in b.warnings[0] and "2,00 ha" in b.warnings[0]
    assert a.area_ha == pytest.approx(4.0, rel=1e-3)


def test_update_locking_history_delete_restore(world) -> None:
    session, towns, kreis, kommune = world
    g = towns[GOERLITZ]
    created = areas.create_area(
        session, kreis, area_attrs(g, notes="alt"), inner_square(g, 200), config=TEST_CONFIG
    )
    t_created = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    r2 = areas.update_area(
        session,
        kreis,
        created.area_id,
        1,
        {"status": "reserviert", "notes": "neu"},
        reason="Anruf",
        config=TEST_CONFIG,
    )
    assert r2.version == 2
    # stale form: conflict, nothing overwritten
    with pytest.raises(ConflictError) as conflict:
        areas.update_area(
            session, kreis, created.area_id, 1, {"notes": "überschrieben?"}, config=TEST_CONFIG
        )
    assert "inzwischen" in conflict.value.user_message
    assert areas.get_area(session, kreis, created.area_id, config=TEST_CONFIG).notes == "neu"
    # geometry change updates size and bbox
    r3 = areas.update_area(
        session,
        kreis,
        created.area_id,
        2,
        geometry=to_geojson(inner_square(g, 400)),
        config=TEST_CONFIG,
    )
    assert r3.area_ha == pytest.approx(16.0, rel=1e-3)
    area = session.get(AreaPotential, created.area_id)
    assert area is not None and area.max_lon - area.min_lon > 0.004
    # Kommune may not edit directly
    with pytest.raises(AccessDeniedError):
        areas.update_area(session, kommune, created.area_id, 3, {"notes": "x"}, config=TEST_CONFIG)
    with pytest.raises(ValidationError):
        areas.delete_area(session, kreis, created.area_id, 3, reason=" ")
    areas.delete_area(session, kreis, created.area_id, 3, reason="bebaut")
    assert areas.list_areas(session, kreis, AreaFilter(), config=TEST_CONFIG).total == 0
    assert (
        areas.list_areas(session, kreis, AreaFilter(include_deleted=True), config=TEST_CONFIG).total
        == 1
    )
    areas.restore_area(session, kreis, created.area_id, 4)
    detail = areas.get_area(session, kreis, created.area_id, config=TEST_CONFIG)
    assert [h.action for h in detail.history] == ["restore", "delete", "update", "update", "create"]
    assert detail.history[3].reason == "Anruf" and detail.history[3].changed_by_name == "Redaktion"
    # as-of: the state right after creation
    old = areas.get_area_as_of(session, kreis, created.area_id, t_created, config=TEST_CONFIG)
    assert old is not None and old.version == 1 and old.attributes["notes"] == "alt"
    assert (
        areas.get_area_as_of(
            session, kreis, created.area_id, t_created - dt.timedelta(days=1), config=TEST_CONFIG
        )
        is None
    )
    listed = areas.list_areas_as_of(session, kreis, g.id, t_created, config=TEST_CONFIG)
    assert [s.attributes["status"] for s in listed] == ["verfuegbar"]
    # back to version 1 as a new version 6
    r6 = areas.restore_version(
        session, kreis, created.area_id, 1, expected_version=5, config=TEST_CONFIG
    )
    assert r6.version == 6 and r6.area_ha == pytest.approx(4.0, rel=1e-3)
    detail = areas.get_area(session, kreis, created.area_id, config=TEST_CONFIG)
    assert detail.status is AreaStatus.VERFUEGBAR and detail.notes == "alt"
    assert detail.history[0].action == "revert"
    assert _count(session, AreaVersion) == 6
