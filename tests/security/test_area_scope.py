"""Area potentials: a Kommune user must never read another municipality's area data.

Covers the read paths that take an (untrusted) area id: the detail, the version history
("Stand am"), and the proposal path; plus what the Dash detail callback answers to a
crafted foreign area id.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from flask import Flask
from sqlalchemy import select

from cockpit.dashboard import ids
from cockpit.dashboard.pages.flaechen import MAP_IDS
from cockpit.domain.errors import AccessDeniedError, CockpitError
from cockpit.models import AreaPotential
from cockpit.services import areas
from cockpit.services.areas import review as area_review
from tests.areas_support import inner_square
from tests.config_support import TEST_CONFIG
from tests.security.conftest import DemoWorld, demo_login

SECRET_NAME = "Geheimfläche Zittau Ost"
SECRET_NOTE = "Verhandlung mit Investor X, Preis 12 EUR/m² (vertraulich Zittau)"


def _foreign_area(demo: DemoWorld) -> AreaPotential:
    area = demo.session.scalar(
        select(AreaPotential)
        .where(AreaPotential.municipality_id == demo.zittau.id, AreaPotential.is_deleted.is_(False))
        .order_by(AreaPotential.id)
        .limit(1)
    )
    assert area is not None, "the demo data set has areas in Zittau"
    return area


def test_kommune_cannot_get_foreign_area_by_id(demo: DemoWorld) -> None:
    goerlitz_user = demo.principal("kommune.goerlitz")
    foreign = _foreign_area(demo)
    with pytest.raises(AccessDeniedError):
        areas.get_area(demo.session, goerlitz_user, foreign.id, config=TEST_CONFIG)
    with pytest.raises(AccessDeniedError):
        areas.get_area_as_of(
            demo.session, goerlitz_user, foreign.id, dt.datetime.now(dt.UTC), config=TEST_CONFIG
        )
    with pytest.raises(AccessDeniedError):
        areas.list_areas_as_of(
            demo.session, goerlitz_user, demo.zittau.id, dt.datetime.now(dt.UTC), config=TEST_CONFIG
        )
    with pytest.raises(AccessDeniedError):
        areas.list_areas(
            demo.session,
            goerlitz_user,
            areas.AreaFilter(municipality_ids=(demo.zittau.id,)),
            config=TEST_CONFIG,
        )
    # Positive control: the own list has rows, all of them Görlitz.
    own = areas.list_areas(demo.session, goerlitz_user, config=TEST_CONFIG)
    assert own.total > 0
    assert {item.municipality_id for item in own.items} == {demo.goerlitz.id}
    features = own.geojson["features"]
    own_ids = set(
        demo.session.scalars(
            select(AreaPotential.id).where(AreaPotential.municipality_id == demo.goerlitz.id)
        )
    )
    assert features and {f["properties"]["id"] for f in features} <= own_ids


def test_area_history_does_not_reveal_foreign_era_of_a_moved_area(demo: DemoWorld) -> None:
    """HOLE: ``get_area_as_of`` authorizes against the area's CURRENT municipality only.

    An area recorded for Zittau and later re-assigned to Görlitz (a correction by the
    Kreis-Redaktion) hands Görlitz its complete Zittau-era state: name, notes, geometry.
    ``list_areas_as_of`` filters versions by the municipality they belonged to; the
    single-area variant must do the same (or refuse).
    """
    kreis = demo.principal("kreis")
    goerlitz_user = demo.principal("kommune.goerlitz")
    created = areas.create_area(
        demo.session,
        kreis,
        {
            "name": SECRET_NAME,
            "municipality_id": demo.zittau.id,
            "kind": "gewerbe",
            "status": "verfuegbar",
            "notes": SECRET_NOTE,
        },
        inner_square(demo.zittau, 150.0),
        config=TEST_CONFIG,
    )
    time.sleep(0.02)
    zittau_era = dt.datetime.now(dt.UTC)
    time.sleep(0.02)
    areas.update_area(
        demo.session,
        kreis,
        created.area_id,
        created.version,
        {"municipality_id": demo.goerlitz.id, "name": "Fläche West", "notes": ""},
        inner_square(demo.goerlitz, 150.0, dx=40.0, dy=-60.0),
        config=TEST_CONFIG,
    )
    # The area is now Görlitz's: its current detail is legitimately visible ...
    detail = areas.get_area(demo.session, goerlitz_user, created.area_id, config=TEST_CONFIG)
    assert detail.municipality_id == demo.goerlitz.id
    # ... its Zittau past is not.
    try:
        snapshot = areas.get_area_as_of(
            demo.session, goerlitz_user, created.area_id, zittau_era, config=TEST_CONFIG
        )
    except AccessDeniedError:
        return
    if snapshot is None:
        return
    leaked = repr(snapshot.attributes) + repr(snapshot.attribute_rows)
    assert SECRET_NAME not in leaked and SECRET_NOTE not in leaked, (
        "Görlitz received the Zittau-era version of the area (name and notes of Zittau)"
    )
    assert snapshot.attributes.get("municipality_id") == demo.goerlitz.id


def test_proposal_on_foreign_area_answers_the_same_whether_deleted_or_not(
    demo: DemoWorld,
) -> None:
    """HOLE (oracle, low): ``propose_correction`` checks "deleted?" before authorizing.

    For a foreign area it answers "not found" when the area is deleted and "no permission"
    when it is not, so a Kommune user learns the deletion state of any foreign area id.
    Authorize first; the answer must not depend on the foreign area's state.
    """
    kreis = demo.principal("kreis")
    goerlitz_user = demo.principal("kommune.goerlitz")
    live = _foreign_area(demo)
    deleted = demo.session.scalar(
        select(AreaPotential)
        .where(AreaPotential.municipality_id == demo.zittau.id, AreaPotential.id != live.id)
        .order_by(AreaPotential.id)
        .limit(1)
    )
    assert deleted is not None
    if not deleted.is_deleted:
        areas.delete_area(demo.session, kreis, deleted.id, deleted.version, "Test: entfällt")
    answers = []
    for area_id in (live.id, deleted.id):
        with pytest.raises(CockpitError) as caught:
            area_review.propose_correction(
                demo.session, goerlitz_user, area_id, 1, {"name": "Umbenannt"}, config=TEST_CONFIG
            )
        answers.append((type(caught.value).__name__, caught.value.user_message))
    assert answers[0] == answers[1], f"foreign live vs. deleted area answer differently: {answers}"
    assert answers[0][0] == "AccessDeniedError"


def test_dash_detail_callback_refuses_foreign_area_id(demo: DemoWorld, demo_app: Flask) -> None:
    """A crafted ``areas-selected`` value with a Zittau area id shows no Zittau data."""
    foreign = _foreign_area(demo)
    client = demo_app.test_client()
    demo_login(client, "kommune.zittau")
    own_body = _detail(client, foreign.id)
    assert foreign.name in own_body  # positive control: Zittau sees its own area
    client = demo_app.test_client()
    demo_login(client, "kommune.goerlitz")
    body = _detail(client, foreign.id)
    assert foreign.name not in body
    assert foreign.public_id not in body
    assert "Berechtigung" in body


def _detail(client, area_id: int) -> str:  # type: ignore[no-untyped-def]
    outputs = [
        (ids.AREAS_DETAIL, "children"),
        (ids.AREAS_DETAIL_STATE, "data"),
        (MAP_IDS.map, "viewport"),
        (MAP_IDS.highlight, "data"),
        (MAP_IDS.gewerbe, "hideout"),
        (MAP_IDS.industrie, "hideout"),
        (MAP_IDS.brache, "hideout"),
        (ids.AREAS_EDIT, "style"),
        (ids.AREAS_PROPOSE_FIX, "style"),
        (f"{ids.AREAS_DELETE}-group", "style"),
        (ids.AREAS_RESTORE, "style"),
    ]
    payload = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [
            {"id": ids.AREAS_SELECTED, "property": "data", "value": area_id},
            {"id": ids.AREAS_AS_OF, "property": "value", "value": None},
            {"id": ids.AREAS_REFRESH, "property": "data", "value": 0},
        ],
        "state": [
            {"id": ids.AREAS_F_MUNICIPALITY, "property": "value", "value": []},
            {"id": ids.AREAS_CONTEXT, "property": "data", "value": {"can_propose": True}},
        ],
        "changedPropIds": [f"{ids.AREAS_SELECTED}.data"],
    }
    response = client.post(
        "/_dash-update-component", json=payload, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    # Dash escapes non-ASCII characters; compare on the decoded text.
    return json.dumps(response.get_json(), ensure_ascii=False)
