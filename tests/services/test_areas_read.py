"""Read side of the area potentials: list (filters, scope, map payload) and detail."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.domain.roles import Role
from cockpit.domain.vocab import AreaKind, AreaSource, AreaStatus
from cockpit.services import areas
from cockpit.services.areas import AreaFilter
from tests.areas_support import (
    GOERLITZ,
    MARKERSDORF,
    ZITTAU,
    area_attrs,
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
    towns = load_municipalities(session, GOERLITZ, ZITTAU, MARKERSDORF)
    kreis = make_principal(session, "redaktion", Role.KREIS_REDAKTION)
    kommune = make_principal(session, "zittau", Role.KOMMUNE, [towns[ZITTAU]])
    ids = {}
    ids["g1"] = areas.create_area(
        session,
        kreis,
        area_attrs(towns[GOERLITZ], "GE Görlitz Nord"),
        to_geojson(inner_square(towns[GOERLITZ], 300)),
        source=AreaSource.GEOPORTAL,
        config=TEST_CONFIG,
    ).area_id
    ids["g2"] = areas.create_area(
        session,
        kreis,
        area_attrs(towns[GOERLITZ], "Brache Bahnhof", kind="brache", status="reserviert"),
        inner_square(towns[GOERLITZ], 100, dx=1000),
        config=TEST_CONFIG,
    ).area_id
    ids["z1"] = areas.create_area(
        session,
        kreis,
        area_attrs(towns[ZITTAU], "Industriepark Zittau", kind=AreaKind.INDUSTRIE),
        to_geojson(inner_square(towns[ZITTAU], 500)),
        config=TEST_CONFIG,
    ).area_id
    areas.confirm_area(session, kreis, ids["z1"], 1, on=dt.date(2026, 1, 10))
    yield session, towns, kreis, kommune, ids
    session.close()
    engine.dispose()


def test_list_scoped_and_filtered(world) -> None:
    session, towns, kreis, kommune, _ids = world
    today = dt.date(2026, 11, 22)
    everything = areas.list_areas(session, kreis, AreaFilter(), today=today, config=TEST_CONFIG)
    assert everything.total == 3
    assert {i.name for i in everything.items} == {
        "GE Görlitz Nord",
        "Brache Bahnhof",
        "Industriepark Zittau",
    }
    nord = next(i for i in everything.items if i.name == "GE Görlitz Nord")
    assert nord.area_ha == pytest.approx(9.0, rel=0.01)
    assert nord.area_text == "9,01\u00a0ha"  # equal-area: 9 ha drawn in UTM are 9,007 ha
    assert nord.municipality_name == "Görlitz" and nord.municipality_ags == GOERLITZ
    assert nord.stale and nord.last_confirmed_text == "nie bestätigt"
    assert everything.stale_count == 2
    assert len(everything.geojson["features"]) == 3 and not everything.clustered

    own = areas.list_areas(session, kommune, AreaFilter(), today=today, config=TEST_CONFIG)
    assert [i.name for i in own.items] == ["Industriepark Zittau"]
    assert not own.items[0].stale
    with pytest.raises(AccessDeniedError):
        areas.list_areas(
            session,
            kommune,
            AreaFilter(municipality_ids=(towns[GOERLITZ].id,)),
            today=today,
            config=TEST_CONFIG,
        )

    def names(f: AreaFilter) -> set[str]:
        return {
            i.name
            for i in areas.list_areas(session, kreis, f, today=today, config=TEST_CONFIG).items
        }

    assert names(AreaFilter(kinds=(AreaKind.BRACHE,))) == {"Brache Bahnhof"}
    assert names(AreaFilter(statuses=(AreaStatus.RESERVIERT,))) == {"Brache Bahnhof"}
    assert names(AreaFilter(min_ha=5, max_ha=10)) == {"GE Görlitz Nord"}
    assert names(AreaFilter(stale=False)) == {"Industriepark Zittau"}
    assert names(AreaFilter(stale=True)) == {"GE Görlitz Nord", "Brache Bahnhof"}
    assert names(AreaFilter(sources=(AreaSource.GEOPORTAL,))) == {"GE Görlitz Nord"}
    assert names(AreaFilter(municipality_ids=(towns[ZITTAU].id,))) == {"Industriepark Zittau"}
    assert names(AreaFilter(search="bahnhof")) == {"Brache Bahnhof"}
    # a stale period of 400 days makes the Zittau confirmation (Jan 2026) current, not 200
    later = dt.date(2026, 12, 31)
    short = areas.list_areas(
        session,
        kreis,
        AreaFilter(stale=True),
        today=later,
        config=replace(TEST_CONFIG, stale_after_days=200),
    )
    assert short.total == 3


def test_map_geojson_is_wgs84_rounded_and_capped(world) -> None:
    session, towns, kreis, _kommune, _ids = world
    result = areas.list_areas(session, kreis, AreaFilter(), config=TEST_CONFIG)
    feature = result.geojson["features"][0]
    coords = feature["geometry"]["coordinates"]
    ring = coords[0] if feature["geometry"]["type"] == "Polygon" else coords[0][0]
    lon, lat = ring[0]
    assert 14.0 < lon < 15.2 and 50.8 < lat < 51.7
    assert len(repr(lon).split(".")[1]) <= 6
    assert set(feature["properties"]) == {
        "id",
        "name",
        "kind",
        "status",
        "status_label",
        "stale",
        "area_ha",
    }
    json.dumps(result.geojson)

    capped = areas.list_areas(session, kreis, AreaFilter(), max_map_features=2, config=TEST_CONFIG)
    assert capped.clustered and "Bitte Ausschnitt verkleinern" in capped.hint
    assert sum(f["properties"]["count"] for f in capped.geojson["features"]) == 3
    assert capped.total == 3 and len(capped.items) == 3

    # a bbox around Zittau only returns the Zittau area on the map
    z = towns[ZITTAU]
    detail = areas.get_area(session, kreis, _ids["z1"], config=TEST_CONFIG)
    w, s, e, n = detail.bounds
    view = areas.list_areas(
        session,
        kreis,
        AreaFilter(bbox=(w - 0.01, s - 0.01, e + 0.01, n + 0.01)),
        config=TEST_CONFIG,
    )
    assert [f["properties"]["name"] for f in view.geojson["features"]] == ["Industriepark Zittau"]
    assert z.name == "Zittau"


def test_bounds_of_the_filtered_result_and_its_geometries(world) -> None:
    """``bounds`` is the extent of every matching area (also when the map is clustered or
    restricted to a bbox); ``list_area_records`` gives the same areas with their stored
    geometry, same scope."""
    session, towns, kreis, kommune, ids = world
    extents = {
        key: areas.get_area(session, kreis, area_id, config=TEST_CONFIG).bounds
        for key, area_id in ids.items()
    }

    def union(*keys: str) -> tuple[float, ...]:
        boxes = [extents[k] for k in keys]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    everything = areas.list_areas(session, kreis, AreaFilter(), config=TEST_CONFIG)
    assert everything.bounds == pytest.approx(union("g1", "g2", "z1"))
    clustered = areas.list_areas(
        session, kreis, AreaFilter(), max_map_features=1, config=TEST_CONFIG
    )
    assert clustered.clustered and clustered.bounds == everything.bounds
    goerlitz = areas.list_areas(
        session, kreis, AreaFilter(municipality_ids=(towns[GOERLITZ].id,)), config=TEST_CONFIG
    )
    assert goerlitz.bounds == pytest.approx(union("g1", "g2"))
    brache = areas.list_areas(
        session, kreis, AreaFilter(kinds=(AreaKind.BRACHE,)), config=TEST_CONFIG
    )
    assert brache.bounds == pytest.approx(extents["g2"])
    in_view = areas.list_areas(
        session,
        kreis,
        AreaFilter(kinds=(AreaKind.BRACHE,), bbox=(13.0, 50.0, 16.0, 52.0)),
        config=TEST_CONFIG,
    )
    assert in_view.bounds == pytest.approx(extents["g2"])
    assert (
        areas.list_areas(session, kreis, AreaFilter(search="nichts"), config=TEST_CONFIG).bounds
        is None
    )
    assert areas.list_areas(
        session, kommune, AreaFilter(), config=TEST_CONFIG
    ).bounds == pytest.approx(extents["z1"])

    def records(principal, filters):
        return areas.list_area_records(
            session, principal, filters, config=replace(TEST_CONFIG, stale_after_days=365)
        )

    stored = {r.item.public_id: r for r in records(kreis, AreaFilter(min_ha=2.0))}
    listed = areas.list_areas(session, kreis, AreaFilter(min_ha=2.0), config=TEST_CONFIG)
    assert list(stored) == [i.public_id for i in listed.items] and len(stored) == 2
    for item in listed.items:
        assert stored[item.public_id].item == item
        assert stored[item.public_id].geometry.area / 10_000 == pytest.approx(
            item.area_ha, rel=1e-3
        )
    # the bbox of the browser's view never narrows a file
    boxed = records(kreis, AreaFilter(min_ha=2.0, bbox=(0.0, 0.0, 1.0, 1.0)))
    assert [r.item.public_id for r in boxed] == list(stored)
    own = records(kommune, AreaFilter())
    assert [r.item.public_id for r in own] == [
        i.public_id for i in areas.list_areas(session, kommune, config=TEST_CONFIG).items
    ]
    assert len(own) == 1
    with pytest.raises(AccessDeniedError):
        records(kommune, AreaFilter(municipality_ids=(towns[GOERLITZ].id,)))
    with pytest.raises(AccessDeniedError):
        records(kommune, AreaFilter(include_deleted=True))


def test_detail_with_labels_history_and_confirmation(world) -> None:
    session, _towns, kreis, kommune, ids = world
    detail = areas.get_area(
        session, kreis, ids["z1"], today=dt.date(2026, 3, 1), config=TEST_CONFIG
    )
    labels = {row.label: row.text for row in detail.attributes}
    assert labels["Art"] == "Industriefläche"
    assert labels["Vermarktungsstand"] == "verfügbar"
    assert labels["Gemeinde"] == "Zittau"
    assert labels["zuletzt bestätigt am"] == "10.01.2026"
    assert detail.confirmation_text.startswith("Zuletzt bestätigt am 10.01.2026 von Redaktion")
    assert [h.action for h in detail.history] == ["confirm", "create"]
    assert detail.version == 2 and not detail.stale
    assert detail.geojson["geometry"]["type"] == "MultiPolygon"
    # Kommune sees its own area, not others
    assert (
        areas.get_area(session, kommune, ids["z1"], config=TEST_CONFIG).name
        == "Industriepark Zittau"
    )
    with pytest.raises(AccessDeniedError):
        areas.get_area(session, kommune, ids["g1"], config=TEST_CONFIG)
    with pytest.raises(NotFoundError):
        areas.get_area(session, kreis, 999_999, config=TEST_CONFIG)


def test_sessions_are_independent(world) -> None:
    session: Session = world[0]
    assert session.is_active


def test_demo_data_is_readable_with_history(demo_url: str) -> None:
    """The demo generator's areas (another module) work with the read side."""
    from sqlalchemy import select

    from cockpit.models import User

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        kreis = session.scalar(select(User).where(User.username == "kreis")).to_principal()
        zittau = session.scalar(
            select(User).where(User.username == "kommune.zittau")
        ).to_principal()
        everything = areas.list_areas(session, kreis, AreaFilter(), config=TEST_CONFIG)
        assert everything.total > 100
        own = areas.list_areas(session, zittau, AreaFilter(), config=TEST_CONFIG)
        assert 0 < own.total < everything.total
        assert {i.municipality_ags for i in own.items} == {ZITTAU}
        detail = areas.get_area(session, zittau, own.items[0].id, config=TEST_CONFIG)
        assert detail.history and detail.attributes
        json.dumps(own.geojson)
    engine.dispose()


def test_past_of_a_reassigned_area_follows_the_municipality_of_each_version(world) -> None:
    """An area recorded for Görlitz and corrected to Zittau: Zittau sees the area now, but
    neither its Görlitz-era state (as-of) nor the reasons of Görlitz-era versions."""
    session, towns, kreis, kommune, ids = world
    g, z = towns[GOERLITZ], towns[ZITTAU]
    areas.update_area(
        session,
        kreis,
        ids["g2"],
        1,
        {"notes": "Preis 9 €/m² (vertraulich Görlitz)"},
        config=TEST_CONFIG,
    )
    areas.update_area(
        session,
        kreis,
        ids["g2"],
        2,
        {"municipality_id": z.id, "name": "Brache Zittau", "notes": ""},
        inner_square(z, 100, dy=400),
        reason="falscher Gemeinde zugeordnet",
        config=TEST_CONFIG,
    )
    kreis_history = areas.get_area(session, kreis, ids["g2"], config=TEST_CONFIG).history
    assert [h.version for h in kreis_history] == [3, 2, 1]
    goerlitz_era = kreis_history[1].valid_from
    now = dt.datetime.now(dt.UTC)
    # The Kreis sees every version.
    past = areas.get_area_as_of(session, kreis, ids["g2"], goerlitz_era, config=TEST_CONFIG)
    assert past is not None and past.attributes["municipality_id"] == g.id
    # Zittau: the current state and its own era only.
    detail = areas.get_area(session, kommune, ids["g2"], config=TEST_CONFIG)
    assert detail.name == "Brache Zittau"
    assert [h.version for h in detail.history] == [3]
    assert "vertraulich" not in repr(detail.history)
    assert (
        areas.get_area_as_of(session, kommune, ids["g2"], goerlitz_era, config=TEST_CONFIG) is None
    )
    current = areas.get_area_as_of(session, kommune, ids["g2"], now, config=TEST_CONFIG)
    assert current is not None and current.attributes["name"] == "Brache Zittau"
    # ... and the same as the municipality-wide "Stand am" list.
    listed = areas.list_areas_as_of(session, kommune, z.id, goerlitz_era, config=TEST_CONFIG)
    assert ids["g2"] not in {s.area_id for s in listed}
    # Görlitz (not the area's municipality any more) gets no access to any of it.
    goerlitz_user = make_principal(session, "goerlitz", Role.KOMMUNE, [g])
    with pytest.raises(AccessDeniedError):
        areas.get_area_as_of(session, goerlitz_user, ids["g2"], goerlitz_era, config=TEST_CONFIG)


def test_lookup_by_id_authorizes_before_revealing_existence_or_deletion(world) -> None:
    """A scoped principal gets the same answer for a foreign, a deleted foreign and a
    non-existent id; "not found"/"deleted" only for ids it may see."""
    session, _towns, kreis, kommune, ids = world
    areas.delete_area(session, kreis, ids["g2"], 1, "bebaut")
    answers = []
    for area_id in (ids["g1"], ids["g2"], 999_999):
        with pytest.raises(AccessDeniedError) as caught:
            areas.get_area(session, kommune, area_id, config=TEST_CONFIG)
        answers.append(caught.value.user_message)
        with pytest.raises(AccessDeniedError):
            areas.get_area_as_of(
                session, kommune, area_id, dt.datetime.now(dt.UTC), config=TEST_CONFIG
            )
        with pytest.raises(AccessDeniedError):
            areas.update_area(session, kommune, area_id, 1, {"name": "x"}, config=TEST_CONFIG)
    assert len(set(answers)) == 1
    # Principals who could see the id learn that it does not exist / was deleted.
    with pytest.raises(NotFoundError):
        areas.get_area_as_of(session, kreis, 999_999, dt.datetime.now(dt.UTC), config=TEST_CONFIG)
    with pytest.raises(NotFoundError):
        areas.update_area(session, kreis, 999_999, 1, {"name": "x"}, config=TEST_CONFIG)
    areas.delete_area(session, kreis, ids["z1"], 2, "entfällt")
    with pytest.raises(NotFoundError) as deleted:
        areas.get_area(session, kommune, ids["z1"], config=TEST_CONFIG)
    assert deleted.value.user_message == "Die Fläche wurde gelöscht."
    assert areas.get_area(session, kreis, ids["z1"], config=TEST_CONFIG).is_deleted
