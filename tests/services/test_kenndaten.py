"""Kenndaten use cases: authorization per role, validation, optimistic locking, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, ConflictError, ValidationError
from cockpit.models import ChangeRecord, ContactPerson, FocusActor, InvestmentItem, StaffCount
from cockpit.services import kenndaten as kd
from tests.services.kenndaten_world import World, build_world

CONTACT = {
    "name": "Max Beispiel",
    "function": "Bürgermeister",
    "phone": "+49 3581 672-100",
    "email": "max.beispiel@example.org",
    "as_of": "2025-03-01",
    "source": "Erhebung Landratsamt",
}


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _records(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ChangeRecord)) or 0


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("who", ["kreis", "analyse", "goerlitz_user"])
def test_district_roles_and_own_kommune_read_kenndaten(
    session: Session, world: World, who: str
) -> None:
    view = kd.list_kenndaten(session, getattr(world, who), world.goerlitz)
    assert view.name == "Görlitz"
    contacts = view.items("contacts")
    assert [c.values["name"] for c in contacts] == ["Erika Muster"]
    assert contacts[0].is_demo
    assert set(view.groups) == set(kd.GROUP_ORDER)
    assert view.can_edit is (who == "kreis")


@pytest.mark.parametrize("who", ["zittau_user", "admin"])
def test_foreign_kommune_and_admin_are_refused(session: Session, world: World, who: str) -> None:
    with pytest.raises(AccessDeniedError):
        kd.list_kenndaten(session, getattr(world, who), world.goerlitz)
    with pytest.raises(AccessDeniedError):
        kd.municipality_history(session, getattr(world, who), world.goerlitz)


def test_staff_benchmark_is_aggregated_median(session: Session, world: World) -> None:
    view = kd.list_kenndaten(session, world.goerlitz_user, world.goerlitz)
    bench = view.staff_benchmark
    assert bench is not None
    assert bench.year == 2023
    assert bench.municipality_count == 6
    assert bench.own_per_1000 == pytest.approx(420 * 1000 / 54664)
    ratios = sorted([420 / 54.664, 230 / 25.585, 140 / 15.348, 40 / 5.8, 20 / 2.2, 30 / 3.6])
    assert bench.median_per_1000 == pytest.approx((ratios[2] + ratios[3]) / 2)


def test_staff_benchmark_needs_five_municipalities(session: Session, world: World) -> None:
    for row in session.scalars(select(StaffCount)).all()[:2]:
        session.delete(row)
    session.commit()
    view = kd.list_kenndaten(session, world.kreis, world.goerlitz)
    assert view.staff_benchmark is None


# --------------------------------------------------------------------------- writing


def test_create_update_delete_contact_with_history(session: Session, world: World) -> None:
    item = kd.save_item(session, world.kreis, world.goerlitz, "contacts", None, CONTACT, None)
    assert item.version == 1
    assert item.values["email"] == "max.beispiel@example.org"
    assert item.as_of == dt.date(2025, 3, 1)
    assert not item.is_demo

    changed = dict(CONTACT, phone="03581 672-200", function="Oberbürgermeister")
    updated = kd.save_item(
        session, world.kreis, world.goerlitz, "contacts", item.id, changed, expected_version=1
    )
    assert updated.version == 2
    stored = session.get(ContactPerson, item.id)
    assert stored is not None
    assert stored.phone == "03581 672-200"
    assert stored.updated_by_id == world.kreis.user_id

    history = kd.item_history(session, world.goerlitz_user, world.goerlitz, "contacts", item.id)
    assert [h.action for h in history] == ["update", "create"]
    latest = history[0]
    assert latest.user_name == "Test kreis"
    assert latest.action_label == "geändert"
    assert {c.label: (c.old, c.new) for c in latest.changes} == {
        "Funktion": ("Bürgermeister", "Oberbürgermeister"),
        "Telefon": ("+49 3581 672-100", "03581 672-200"),
    }

    kd.delete_item(session, world.kreis, world.goerlitz, "contacts", item.id, expected_version=2)
    assert session.get(ContactPerson, item.id) is None
    history = kd.item_history(session, world.kreis, world.goerlitz, "contacts", item.id)
    assert history[0].action == "delete"
    assert history[0].title == "Max Beispiel"
    assert {c.field for c in history[0].changes} >= {"name", "email"}
    per_municipality = kd.municipality_history(session, world.kreis, world.goerlitz)
    assert len(per_municipality) == 3


def test_saving_unchanged_values_records_nothing(session: Session, world: World) -> None:
    item = kd.save_item(session, world.kreis, world.goerlitz, "contacts", None, CONTACT, None)
    again = kd.save_item(session, world.kreis, world.goerlitz, "contacts", item.id, CONTACT, 1)
    assert again.version == 1
    assert _records(session) == 1


@pytest.mark.parametrize("who", ["goerlitz_user", "analyse", "zittau_user", "admin"])
def test_only_kreis_redaktion_may_edit(session: Session, world: World, who: str) -> None:
    with pytest.raises(AccessDeniedError):
        kd.save_item(session, getattr(world, who), world.goerlitz, "contacts", None, CONTACT, None)
    with pytest.raises(AccessDeniedError):
        kd.delete_item(session, getattr(world, who), world.goerlitz, "contacts", 1, 1)
    assert _records(session) == 0


@pytest.mark.parametrize(
    ("group", "values", "field", "message"),
    [
        ("contacts", {"name": ""}, "name", "Name: Bitte füllen Sie dieses Pflichtfeld aus."),
        (
            "contacts",
            {"name": "A", "email": "kein-at-zeichen.de"},
            "email",
            "E-Mail: Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        ),
        ("contacts", {"name": "A", "phone": "abc"}, "phone", "Telefon: Bitte geben Sie"),
        (
            "staff",
            {"year": "1989", "headcount": "10"},
            "year",
            "Jahr: Das Jahr muss zwischen 1990 und 2100 liegen.",
        ),
        ("staff", {"year": "2024", "headcount": "12,5"}, "headcount", "ganze Zahl"),
        (
            "investments",
            {"sector": "schulen", "kind": "backlog", "year": "2024", "amount_eur": "-5"},
            "amount_eur",
            "Betrag (EUR): Der Wert darf nicht negativ sein.",
        ),
        (
            "investments",
            {"sector": "mond", "kind": "backlog", "year": "2024", "amount_eur": "5"},
            "sector",
            "Bereich: Bitte wählen Sie einen Eintrag aus der Liste.",
        ),
        (
            "council",
            {"election_date": "01.01.1989", "party": "CDU", "seats": "5"},
            "election_date",
            "Wahltag: Der Wahltag muss zwischen dem 06.05.1990 und heute liegen.",
        ),
        (
            "council",
            {"election_date": "2024-06-09", "party": "CDU", "seats": "0"},
            "seats",
            "mindestens 1",
        ),
        (
            "contacts",
            {"name": "A", "as_of": "31.02.2024"},
            "as_of",
            "Stand: Bitte geben Sie ein Datum als TT.MM.JJJJ ein.",
        ),
    ],
)
def test_validation_messages_name_the_field(
    session: Session, world: World, group: str, values: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(kd.KenndatenValidationError) as info:
        kd.save_item(session, world.kreis, world.goerlitz, group, None, values, None)
    assert message in info.value.errors[field]
    assert message in info.value.user_message
    assert _records(session) == 0


def test_several_errors_are_reported_at_once(session: Session, world: World) -> None:
    with pytest.raises(kd.KenndatenValidationError) as info:
        kd.save_item(
            session,
            world.kreis,
            world.goerlitz,
            "contacts",
            None,
            {"name": "", "email": "x", "phone": "1"},
            None,
        )
    assert set(info.value.errors) == {"name", "email", "phone"}


def test_german_amounts_are_parsed(session: Session, world: World) -> None:
    item = kd.save_item(
        session,
        world.kreis,
        world.goerlitz,
        "investments",
        None,
        {"sector": "schulen", "kind": "planned", "year": 2026, "amount_eur": "1.250.000,50 €"},
        None,
    )
    stored = session.get(InvestmentItem, item.id)
    assert stored is not None
    assert stored.amount_eur == pytest.approx(1_250_000.50)
    assert kd.validate_values(
        kd.GROUPS["investments"],
        {"sector": "kitas", "kind": "backlog", "year": "2025", "amount_eur": "1.234.567"},
    )["amount_eur"] == pytest.approx(1_234_567)


def test_duplicate_staff_year_is_a_field_error(session: Session, world: World) -> None:
    with pytest.raises(kd.KenndatenValidationError) as info:
        kd.save_item(
            session,
            world.kreis,
            world.goerlitz,
            "staff",
            None,
            {"year": 2023, "headcount": 10},
            None,
        )
    assert info.value.errors == {"year": "Für das Jahr 2023 ist bereits ein Wert erfasst."}


def test_unknown_group_is_refused(session: Session, world: World) -> None:
    with pytest.raises(ValidationError):
        kd.save_item(session, world.kreis, world.goerlitz, "gehaelter", None, {}, None)


def test_stale_form_is_refused_and_nothing_overwritten(session: Session, world: World) -> None:
    item = kd.save_item(session, world.kreis, world.goerlitz, "contacts", None, CONTACT, None)
    kd.save_item(
        session, world.kreis, world.goerlitz, "contacts", item.id, dict(CONTACT, name="Neu"), 1
    )
    with pytest.raises(ConflictError) as info:
        kd.save_item(
            session, world.kreis, world.goerlitz, "contacts", item.id, dict(CONTACT, name="Alt"), 1
        )
    assert info.value.user_message.startswith("Der Datensatz wurde inzwischen")
    with pytest.raises(ConflictError):
        kd.delete_item(session, world.kreis, world.goerlitz, "contacts", item.id, 1)
    session.expire_all()
    stored = session.get(ContactPerson, item.id)
    assert stored is not None
    assert (stored.name, stored.version) == ("Neu", 2)
    assert _records(session) == 2


def test_item_of_another_municipality_cannot_be_edited_through_own_id(
    session: Session, world: World
) -> None:
    foreign = kd.save_item(session, world.kreis, world.zittau, "contacts", None, CONTACT, None)
    with pytest.raises(ConflictError):
        kd.save_item(
            session,
            world.kreis,
            world.goerlitz,
            "contacts",
            foreign.id,
            dict(CONTACT, name="Übernommen"),
            1,
        )
    with pytest.raises(AccessDeniedError):
        kd.item_history(session, world.goerlitz_user, world.zittau, "contacts", foreign.id)
    session.expire_all()
    stored = session.get(ContactPerson, foreign.id)
    assert stored is not None
    assert stored.name == "Max Beispiel"


def test_focus_with_actors_versions_actor_only_changes(session: Session, world: World) -> None:
    values = {
        "cluster_id": str(world.energie_id),
        "focus": "current",
        "description": "Wasserstoff und Strukturwandel",
        "companies": "Siemens Energy\nStadtwerke Görlitz",
        "research": ["Hochschule Zittau/Görlitz"],
    }
    item = kd.save_item(session, world.kreis, world.goerlitz, "focus", None, values, None)
    assert item.values["cluster_name"] == "Energie"
    assert item.values["companies"] == ["Siemens Energy", "Stadtwerke Görlitz"]
    assert item.values["research"] == ["Hochschule Zittau/Görlitz"]

    changed = dict(values, companies="Siemens Energy")
    updated = kd.save_item(session, world.kreis, world.goerlitz, "focus", item.id, changed, 1)
    assert updated.version == 2
    assert updated.values["companies"] == ["Siemens Energy"]
    assert session.scalar(select(func.count()).select_from(FocusActor)) == 2
    history = kd.item_history(session, world.kreis, world.goerlitz, "focus", item.id)
    assert history[0].title == "Energie – derzeitiger Schwerpunkt"
    assert [(c.field, c.old, c.new) for c in history[0].changes] == [
        ("companies", ["Siemens Energy", "Stadtwerke Görlitz"], ["Siemens Energy"])
    ]
    with pytest.raises(kd.KenndatenValidationError) as info:
        kd.save_item(session, world.kreis, world.goerlitz, "focus", None, values, None)
    assert "focus" in info.value.errors
    with pytest.raises(kd.KenndatenValidationError) as info:
        kd.save_item(
            session,
            world.kreis,
            world.goerlitz,
            "focus",
            None,
            dict(values, cluster_id="999"),
            None,
        )
    assert "cluster_id" in info.value.errors


def test_cluster_overview_hides_foreign_focus_from_kommune(session: Session, world: World) -> None:
    for mid in (world.goerlitz, world.zittau):
        kd.save_item(
            session,
            world.kreis,
            mid,
            "focus",
            None,
            {"cluster_id": str(world.energie_id), "focus": "future"},
            None,
        )
    full = kd.cluster_overview(session, world.analyse, world.energie_id)
    assert {e.municipality_id for e in full.entries} == {world.goerlitz, world.zittau}
    assert full.future_count == 2
    assert full.complete
    own = kd.cluster_overview(session, world.zittau_user, world.energie_id)
    assert {e.municipality_id for e in own.entries} == {world.zittau}
    assert own.future_count is None  # 2 < 5: a small count would single out the other one
    assert not own.complete


# --------------------------------------------------------------------------- concurrency


@pytest.fixture
def two_sessions(any_db_url: str) -> Iterator[tuple[Session, Session]]:
    engine = make_engine(any_db_url)
    factory = make_session_factory(engine)
    with factory() as first, factory() as second:
        yield first, second
    engine.dispose()


def test_concurrent_edits_conflict_on_both_databases(two_sessions: tuple[Session, Session]) -> None:
    first, second = two_sessions
    world = build_world(first)
    item = kd.save_item(first, world.kreis, world.goerlitz, "contacts", None, CONTACT, None)
    # Both editors loaded version 1; the first one saves.
    kd.list_kenndaten(second, world.kreis, world.goerlitz)
    kd.save_item(
        first, world.kreis, world.goerlitz, "contacts", item.id, dict(CONTACT, name="Erste"), 1
    )
    with pytest.raises(ConflictError):
        kd.save_item(
            second,
            world.kreis,
            world.goerlitz,
            "contacts",
            item.id,
            dict(CONTACT, name="Zweite"),
            1,
        )
    second.expire_all()
    stored = second.get(ContactPerson, item.id)
    assert stored is not None
    assert stored.name == "Erste"
