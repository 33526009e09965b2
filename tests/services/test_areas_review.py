"""Proposals of a municipality and their review by the Kreis-Redaktion."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import (
    AccessDeniedError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from cockpit.domain.roles import Role
from cockpit.domain.vocab import AreaSource, AreaStatus, ReviewState
from cockpit.models import AreaPotential
from cockpit.services import areas
from cockpit.services.areas import AreaFilter
from cockpit.services.areas import review as area_review
from tests.areas_support import (
    GOERLITZ,
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
    towns = load_municipalities(session, GOERLITZ, ZITTAU)
    kreis = make_principal(session, "redaktion", Role.KREIS_REDAKTION)
    kommune = make_principal(session, "goerlitz", Role.KOMMUNE, [towns[GOERLITZ]])
    yield session, towns, kreis, kommune
    session.close()
    engine.dispose()


def test_new_area_proposal_accepted(world) -> None:
    session, towns, kreis, kommune = world
    g = towns[GOERLITZ]
    info = area_review.propose_area(
        session,
        kommune,
        g.id,
        {"name": "GE Süd", "kind": "Gewerbefläche", "status": "verfügbar"},
        to_geojson(inner_square(g, 200)),
        comment="neu erschlossen",
        config=TEST_CONFIG,
    )
    assert info.kind_label == "neue Fläche" and info.state is ReviewState.OPEN
    assert info.proposed_by_name == "Goerlitz"
    # proposals are not current data
    assert areas.list_areas(session, kreis, AreaFilter(), config=TEST_CONFIG).total == 0
    with pytest.raises(AccessDeniedError):
        area_review.propose_area(
            session,
            kommune,
            towns[ZITTAU].id,
            area_attrs(towns[ZITTAU]),
            to_geojson(inner_square(towns[ZITTAU])),
            config=TEST_CONFIG,
        )
    with pytest.raises(AccessDeniedError):
        area_review.accept_proposal(session, kommune, info.id, config=TEST_CONFIG)
    queue = area_review.list_proposals(session, kreis)
    assert [p.id for p in queue] == [info.id]
    review = area_review.get_proposal_review(session, kreis, info.id, config=TEST_CONFIG)
    assert review.old_geojson is None and review.new_geojson is not None
    assert {d.label: d.new_text for d in review.diffs}["Art"] == "Gewerbefläche"
    result = area_review.accept_proposal(session, kreis, info.id, config=TEST_CONFIG)
    detail = areas.get_area(session, kreis, result.area_id, config=TEST_CONFIG)
    assert detail.source is AreaSource.VORSCHLAG and detail.history[0].action == "proposal"
    assert area_review.list_proposals(session, kreis) == []
    with pytest.raises(ValidationError):
        area_review.accept_proposal(session, kreis, info.id, config=TEST_CONFIG)


def test_correction_reviewed_side_by_side_and_rejected(world) -> None:
    session, towns, kreis, kommune = world
    g = towns[GOERLITZ]
    created = areas.create_area(
        session, kreis, area_attrs(g, "GE Ost"), inner_square(g, 200), config=TEST_CONFIG
    )
    with pytest.raises(ValidationError):
        area_review.propose_correction(
            session, kommune, created.area_id, 1, {"status": "verfuegbar"}, config=TEST_CONFIG
        )
    info = area_review.propose_correction(
        session,
        kommune,
        created.area_id,
        1,
        {"status": "vermarktet", "notes": "an Firma X"},
        to_geojson(inner_square(g, 300)),
        config=TEST_CONFIG,
    )
    review = area_review.get_proposal_review(session, kreis, info.id, config=TEST_CONFIG)
    diff = {d.key: (d.old_text, d.new_text) for d in review.diffs}
    assert diff["status"] == ("verfügbar", "vermarktet")
    assert diff["geometry"] == ("4,0\u00a0ha", "9,01\u00a0ha")  # equal-area hectares
    assert review.old_geojson and review.new_geojson and not review.outdated
    with pytest.raises(ValidationError) as no_reason:
        area_review.reject_proposal(session, kreis, info.id, "  ")
    assert "Grund" in no_reason.value.user_message
    rejected = area_review.reject_proposal(session, kreis, info.id, "Fläche ist noch frei")
    assert rejected.state_label == "abgelehnt" and rejected.review_reason == "Fläche ist noch frei"
    assert (
        areas.get_area(session, kreis, created.area_id, config=TEST_CONFIG).status
        is AreaStatus.VERFUEGBAR
    )
    # the municipality sees its rejected proposal with the reason
    mine = area_review.list_proposals(session, kommune, state=None)
    assert [p.review_reason for p in mine] == ["Fläche ist noch frei"]


def test_correction_accept_applies_version_and_detects_conflict(world) -> None:
    session, towns, kreis, kommune = world
    g = towns[GOERLITZ]
    created = areas.create_area(
        session, kreis, area_attrs(g, "GE West"), inner_square(g, 200), config=TEST_CONFIG
    )
    info = area_review.propose_correction(
        session, kommune, created.area_id, 1, {"status": "reserviert"}, config=TEST_CONFIG
    )
    areas.update_area(
        session, kreis, created.area_id, 1, {"notes": "zwischendurch"}, config=TEST_CONFIG
    )
    review = area_review.get_proposal_review(session, kreis, info.id, config=TEST_CONFIG)
    assert review.outdated and review.warnings
    with pytest.raises(ConflictError):
        area_review.accept_proposal(session, kreis, info.id, config=TEST_CONFIG)
    result = area_review.accept_proposal(
        session, kreis, info.id, expected_version=review.current_version, config=TEST_CONFIG
    )
    assert result.version == 3
    detail = areas.get_area(session, kreis, created.area_id, config=TEST_CONFIG)
    assert detail.status is AreaStatus.RESERVIERT and detail.notes == "zwischendurch"
    assert detail.source is AreaSource.VORSCHLAG
    assert session.scalar(select(func.count()).select_from(AreaPotential)) == 1


def test_lookups_by_id_answer_foreign_deleted_and_missing_ids_alike(world) -> None:
    """Authorization before state: a Kommune cannot tell a foreign live area, a foreign
    deleted one and an unused id apart; nor foreign and unused proposal ids."""
    session, towns, kreis, kommune = world
    g, z = towns[GOERLITZ], towns[ZITTAU]
    live = areas.create_area(
        session, kreis, area_attrs(z, "Z live"), inner_square(z, 200), config=TEST_CONFIG
    )
    gone = areas.create_area(
        session, kreis, area_attrs(z, "Z weg"), inner_square(z, 100, dx=400), config=TEST_CONFIG
    )
    areas.delete_area(session, kreis, gone.area_id, 1, "entfällt")
    answers = set()
    for area_id in (live.area_id, gone.area_id, 999_999):
        with pytest.raises(AccessDeniedError) as caught:
            area_review.propose_correction(
                session, kommune, area_id, 1, {"name": "Neu"}, config=TEST_CONFIG
            )
        answers.add(caught.value.user_message)
    assert len(answers) == 1
    # The own deleted area: the Kommune may know about it, so it is told.
    own = areas.create_area(
        session, kreis, area_attrs(g, "G weg"), inner_square(g, 200), config=TEST_CONFIG
    )
    areas.delete_area(session, kreis, own.area_id, 1, "entfällt")
    with pytest.raises(NotFoundError):
        area_review.propose_correction(
            session, kommune, own.area_id, 2, {"name": "Neu"}, config=TEST_CONFIG
        )
    # Proposals: a foreign one and an unused id answer the same to the Kommune ...
    zittau_user = make_principal(session, "zittau", Role.KOMMUNE, [z])
    foreign = area_review.propose_area(
        session,
        zittau_user,
        z.id,
        area_attrs(z, "Z Vorschlag"),
        to_geojson(inner_square(z, 80)),
        config=TEST_CONFIG,
    )
    for proposal_id in (foreign.id, 999_999):
        with pytest.raises(AccessDeniedError):
            area_review.get_proposal_review(session, kommune, proposal_id, config=TEST_CONFIG)
        with pytest.raises(AccessDeniedError):
            area_review.reject_proposal(session, kommune, proposal_id, "nein")
    # ... while the reviewer learns that an id does not exist.
    with pytest.raises(NotFoundError):
        area_review.get_proposal_review(session, kreis, 999_999, config=TEST_CONFIG)
    with pytest.raises(NotFoundError):
        area_review.accept_proposal(session, kreis, 999_999, config=TEST_CONFIG)


def test_proposal_review_hides_the_state_of_an_area_moved_to_another_municipality(
    world,
) -> None:
    session, towns, kreis, kommune = world
    g, z = towns[GOERLITZ], towns[ZITTAU]
    created = areas.create_area(
        session, kreis, area_attrs(g, "GE Grenze"), inner_square(g, 200), config=TEST_CONFIG
    )
    info = area_review.propose_correction(
        session, kommune, created.area_id, 1, {"status": "reserviert"}, config=TEST_CONFIG
    )
    areas.update_area(
        session,
        kreis,
        created.area_id,
        1,
        {"municipality_id": z.id, "name": "Zittau Geheim", "notes": "vertraulich Zittau"},
        inner_square(z, 200),
        config=TEST_CONFIG,
    )
    review = area_review.get_proposal_review(session, kommune, info.id, config=TEST_CONFIG)
    assert review.old_geojson is None and review.current_version is None
    assert "Zittau Geheim" not in repr(review) and "vertraulich" not in repr(review)
    [listed] = area_review.list_proposals(session, kommune)
    assert listed.area_name != "Zittau Geheim"
    # The reviewer still sees both sides.
    full = area_review.get_proposal_review(session, kreis, info.id, config=TEST_CONFIG)
    assert full.old_geojson is not None and full.proposal.area_name == "Zittau Geheim"
