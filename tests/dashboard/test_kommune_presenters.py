"""Presenters and forms of the municipality cockpit, without a browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.dashboard import ids
from cockpit.dashboard.components import kenndaten_forms as forms
from cockpit.dashboard.presenters import kommune as present
from cockpit.services import kenndaten as kd
from cockpit.services import profile
from tests.config_support import TEST_CONFIG
from tests.services.kenndaten_world import World, build_world


def walk(node: Any) -> Iterator[Any]:
    """Every component and string in a Dash tree."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)
        return
    yield node
    if isinstance(node, Component):
        yield from walk(getattr(node, "children", None))


def texts(node: Any) -> str:
    return " ".join(str(n) for n in walk(node) if isinstance(n, str | int | float))


def ids_of(node: Any) -> list[Any]:
    return [getattr(n, "id", None) for n in walk(node) if getattr(n, "id", None) is not None]


@pytest.fixture
def world(session: Session) -> World:
    w = build_world(session)
    save = kd.save_item
    mid = w.goerlitz
    save(
        session,
        w.kreis,
        mid,
        "investments",
        None,
        {"sector": "schulen", "kind": "backlog", "year": 2024, "amount_eur": "1.250.000"},
        None,
    )
    save(
        session,
        w.kreis,
        mid,
        "investments",
        None,
        {"sector": "schulen", "kind": "planned", "year": 2026, "amount_eur": 400000},
        None,
    )
    save(
        session,
        w.kreis,
        mid,
        "investments",
        None,
        {"sector": "strassen", "kind": "backlog", "year": 2024, "amount_eur": 2_000_000},
        None,
    )
    for party, seats in (("CDU", 10), ("AfD", 12), ("Bürger für Görlitz", 6)):
        save(
            session,
            w.kreis,
            mid,
            "council",
            None,
            {"election_date": "2024-06-09", "party": party, "seats": seats, "source": "StaLa"},
            None,
        )
    save(
        session,
        w.kreis,
        mid,
        "focus",
        None,
        {
            "cluster_id": str(w.energie_id),
            "focus": "future",
            "description": "Wasserstoff",
            "research": "Fraunhofer IWU",
        },
        None,
    )
    save(
        session,
        w.kreis,
        mid,
        "enterprises",
        None,
        {"name": "Städtische Wohnungsbaugesellschaft", "employees": 120},
        None,
    )
    save(
        session,
        w.kreis,
        mid,
        "memberships",
        None,
        {"name": "Abwasserzweckverband", "kind": "zweckverband"},
        None,
    )
    return w


def test_all_sections_render_with_german_numbers(session: Session, world: World) -> None:
    view = kd.list_kenndaten(session, world.kreis, world.goerlitz)
    sections = present.kenndaten_sections(view)
    assert [s.id for s in sections] == [f"kd-section-{g}" for g in kd.GROUP_ORDER]
    text = texts(sections)
    assert "1.250.000\u00a0€" in text  # backlog Schulen
    assert "3.250.000\u00a0€" in text  # sum of backlog
    assert "Wahl vom 09.06.2024: 28 Sitze" in text
    assert "Demo-Daten" in text  # the demo contact
    assert "Fraunhofer IWU" in text
    assert "Abwasserzweckverband" in text
    # staff per 1.000 inhabitants: 420 / 54.664 * 1000 = 7,7
    assert "7,7" in text
    # every chart has a table beside it
    figures = [n for n in walk(sections) if n.__class__.__name__ == "Figure"]
    tables = [n for n in walk(sections) if n.__class__.__name__ == "Table"]
    assert figures and len(tables) >= len(figures)
    # Kreis-Redaktion gets edit, add and history buttons
    buttons = [i for i in ids_of(sections) if isinstance(i, dict)]
    assert {"type": ids.KOMMUNE_ITEM_ADD, "group": "contacts"} in buttons
    assert any(b["type"] == ids.KOMMUNE_ITEM_EDIT for b in buttons)


def test_own_kommune_sees_no_edit_buttons(session: Session, world: World) -> None:
    view = kd.list_kenndaten(session, world.goerlitz_user, world.goerlitz)
    buttons = [i for i in ids_of(present.kenndaten_sections(view)) if isinstance(i, dict)]
    assert buttons
    assert {b["type"] for b in buttons} == {ids.KOMMUNE_ITEM_HISTORY}


def test_investment_totals_and_figure(session: Session, world: World) -> None:
    view = kd.list_kenndaten(session, world.kreis, world.goerlitz)
    totals = present.investment_totals(view.items("investments"))
    assert totals == [
        ("schulen", "Schulen", 1_250_000.0, 400_000.0),
        ("strassen", "Straßen, Wege und Brücken", 2_000_000.0, 0.0),
    ]
    fig = present.investment_figure(totals)
    assert [t.name for t in fig.data] == ["Investitionsrückstand", "geplante Investitionen"]
    assert fig.data[0].text[0] == "1.250.000\u00a0€"
    assert fig.layout.separators == ",."


def test_council_figure_orders_and_colours(session: Session, world: World) -> None:
    view = kd.list_kenndaten(session, world.kreis, world.goerlitz)
    seats = [(str(i.values["party"]), int(i.values["seats"])) for i in view.items("council")]
    assert seats[0] == ("AfD", 12)  # ordered by seats
    fig = present.council_figure(seats)
    assert list(fig.data[0].x) == [12, 10, 6]
    assert fig.data[0].marker.color[2] == present.OTHER_PARTY_COLOUR


def test_profile_header_map_and_kpis(session: Session, world: World) -> None:
    prof = profile.get_profile(session, world.kreis, world.goerlitz, config=TEST_CONFIG)
    facts = {label: value for label, value, _ in present.header_facts(prof)}
    assert facts["Einwohner"] == "54.664"
    assert facts["Fläche"] == "64,0\u00a0km²"
    fig = present.profile_map_figure(prof)
    assert fig.layout.map.style == "white-bg"
    assert [t.type for t in fig.data] == ["scattermap", "scattermap"]
    assert fig.data[1].name == "Gewerbefläche"
    header = present.header_block(prof)
    assert "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0" in texts(header)
    population = next(k for k in prof.kpis if k.key == "population")
    spark = present.sparkline_figure(population)
    assert len(spark["layout"]["shapes"]) == 2  # band + median
    assert spark["data"][0]["y"] == [v for _, v in population.series]
    assert present.trend_text(population).startswith("▼ −")
    assert "Kreis-Median 2022" in present.band_text(population)
    block = present.kpi_block(prof)
    assert "Kennzahlen als Tabelle" in texts(block)


def test_public_profile_has_no_area_table(session: Session, world: World) -> None:
    prof = profile.get_profile(session, world.zittau_user, world.goerlitz, config=TEST_CONFIG)
    header = present.header_block(prof)
    assert "Flächenpotenziale als Tabelle" not in texts(header)
    assert len(present.profile_map_figure(prof).data) == 1


def test_history_table_shows_old_and_new(session: Session, world: World) -> None:
    item = kd.list_kenndaten(session, world.kreis, world.goerlitz).items("investments")[0]
    kd.save_item(
        session,
        world.kreis,
        world.goerlitz,
        "investments",
        item.id,
        {**item.values, "amount_eur": "1.300.000"},
        item.version,
    )
    entries = kd.item_history(session, world.kreis, world.goerlitz, "investments", item.id)
    table = present.history_table(entries, "Verlauf")
    text = texts(table)
    assert "Betrag (EUR): " in text
    assert "1.250.000\u00a0€" in text and "1.300.000\u00a0€" in text
    assert "Test kreis" in text
    assert "geändert" in text


def test_item_form_is_labelled_and_prefilled(session: Session, world: World) -> None:
    view = kd.list_kenndaten(session, world.kreis, world.goerlitz)
    contact = view.items("contacts")[0]
    form = forms.item_form(kd.GROUPS["contacts"], contact, view.name)
    field_ids = [i for i in ids_of(form) if isinstance(i, dict) and i["type"] == ids.KOMMUNE_FIELD]
    assert [i["name"] for i in field_ids] == [f.name for f in kd.GROUPS["contacts"].fields]
    inputs = {
        n.id["name"]: n
        for n in walk(form)
        if isinstance(getattr(n, "id", None), dict) and n.id["type"] == ids.KOMMUNE_FIELD
    }
    assert inputs["email"].value == "erika.muster@goerlitz.de"
    assert inputs["email"].type == "email"
    assert inputs["as_of"].value == "2025-01-15"
    labels = [n for n in walk(form) if n.__class__.__name__ == "Label"]
    assert len(labels) == len(field_ids)  # every input sits inside its label
    assert ids.KOMMUNE_DELETE in ids_of(form)
    new_form = forms.item_form(kd.GROUPS["focus"], None, view.name, view.cluster_choices)
    radios = [n for n in walk(new_form) if n.__class__.__name__ == "RadioItems"]
    assert {r.id["name"] for r in radios} == {"cluster_id", "focus"}
    assert ids.KOMMUNE_DELETE not in ids_of(new_form)


def test_money_field_round_trips_in_german(session: Session, world: World) -> None:
    spec = kd.GROUPS["investments"]
    assert forms.field_value(spec.field("amount_eur"), 1250000.5) == "1250000,50"
    clean = kd.validate_values(
        spec,
        {"sector": "schulen", "kind": "backlog", "year": "2024", "amount_eur": "1250000,50"},
    )
    assert clean["amount_eur"] == 1250000.5
