"""Erhebungsgespräch: outcomes, protocol (CSV + PDF read back) and the due list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess

import pytest

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, NotFoundError, ValidationError
from cockpit.domain.roles import Role
from cockpit.domain.vocab import AreaStatus, ConfirmationMethod
from cockpit.exports.area_protocol import protocol_csv, protocol_pdf
from cockpit.services import areas
from cockpit.services.areas import survey as area_survey
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
    g = towns[GOERLITZ]
    ids = [
        areas.create_area(
            session, kreis, area_attrs(g, name), inner_square(g, 150, dx=dx), config=TEST_CONFIG
        ).area_id
        for name, dx in (("C Brache", 0), ("A Gewerbe", 400), ("B Industrie", 800))
    ]
    areas.create_area(
        session,
        kreis,
        area_attrs(towns[ZITTAU], "Z"),
        inner_square(towns[ZITTAU]),
        config=TEST_CONFIG,
    )
    yield session, towns, kreis, kommune, ids
    session.close()
    engine.dispose()


def test_survey_flow_and_protocol(world) -> None:
    session, towns, kreis, kommune, (c, a, b) = world
    g = towns[GOERLITZ]
    held = dt.date(2026, 11, 20)
    with pytest.raises(AccessDeniedError):
        area_survey.start_survey(session, kommune, g.id, held, "Bürgermeister")
    with pytest.raises(ValidationError):
        area_survey.start_survey(session, kreis, g.id, held, "  ")
    view = area_survey.start_survey(
        session,
        kreis,
        g.id,
        held,
        "Herr Müller (Bauamt), Frau Schulz (WiFö)",
        ConfirmationMethod.GESPRAECH,
    )
    assert [r.name for r in view.rows] == ["A Gewerbe", "B Industrie", "C Brache"]
    assert view.counts["offen"] == 3

    area_survey.record_outcome(session, kreis, view.id, a, "bestaetigt", 1, config=TEST_CONFIG)
    with pytest.raises(ValidationError):  # twice in one survey
        area_survey.record_outcome(session, kreis, view.id, a, "bestaetigt", 2, config=TEST_CONFIG)
    with pytest.raises(ValidationError):  # geändert without changes
        area_survey.record_outcome(session, kreis, view.id, b, "geaendert", 1, config=TEST_CONFIG)
    area_survey.record_outcome(
        session,
        kreis,
        view.id,
        b,
        "geaendert",
        1,
        changes={"status": "vermarktet", "notes": "an Firma Y"},
        note="Kaufvertrag 2026",
        config=TEST_CONFIG,
    )
    area_survey.record_new_area(
        session,
        kreis,
        view.id,
        {"name": "D Neu", "kind": "gewerbe", "status": "verfuegbar"},
        to_geojson(inner_square(g, 100, dx=-600)),
        config=TEST_CONFIG,
    )
    detail_a = areas.get_area(session, kreis, a, config=TEST_CONFIG)
    assert detail_a.last_confirmed_at == held and detail_a.history[0].action == "confirm"
    assert detail_a.last_confirmed_method is ConfirmationMethod.GESPRAECH
    detail_b = areas.get_area(session, kreis, b, config=TEST_CONFIG)
    assert detail_b.status is AreaStatus.VERMARKTET and detail_b.last_confirmed_at == held
    assert detail_b.version == 2

    # due list before closing: C (never confirmed) is due, Z in Zittau too
    per_town, due = area_survey.list_due(
        session, kreis, today=dt.date(2026, 11, 22), config=TEST_CONFIG
    )
    goerlitz = next(m for m in per_town if m.ags == GOERLITZ)
    assert (goerlitz.total, goerlitz.due, goerlitz.never_confirmed) == (4, 1, 1)
    assert {d.name for d in due} == {"C Brache", "Z"}
    own_towns, own_due = area_survey.list_due(
        session, kommune, today=dt.date(2026, 11, 22), config=TEST_CONFIG
    )
    assert [m.ags for m in own_towns] == [GOERLITZ] and [d.name for d in own_due] == ["C Brache"]

    area_survey.record_outcome(
        session, kreis, view.id, c, "entfaellt", 1, note="bebaut", config=TEST_CONFIG
    )
    protocol = area_survey.close_survey(session, kreis, view.id)
    with pytest.raises(ValidationError):
        area_survey.record_outcome(session, kreis, view.id, a, "bestaetigt", 2, config=TEST_CONFIG)
    assert [r.outcome_label for r in protocol.rows] == ["bestätigt", "geändert", "entfällt", "neu"]
    changed = protocol.rows[1]
    assert "Vermarktungsstand: verfügbar → vermarktet" in changed.changes
    assert "Bemerkungen: – → an Firma Y" in changed.changes

    raw = protocol_csv(protocol)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[1] == ["Gemeinde", f"Görlitz ({GOERLITZ})"]
    header = table.index(
        [
            "Kennung",
            "Bezeichnung",
            "Art",
            "Bruttofläche",
            "Vermarktungsstand",
            "Ergebnis",
            "Änderungen",
            "Bemerkung",
        ]
    )
    body = table[header + 1 :]
    assert [r[5] for r in body] == ["bestätigt", "geändert", "entfällt", "neu"]
    assert body[2][7] == "bebaut"

    pdf = protocol_pdf(protocol)
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "Protokoll Erhebungsgespräch – Görlitz" in text
    assert "Herr Müller (Bauamt)" in text and "20.11.2026" in text
    assert "GEÄNDERT: B Industrie" in text and "verfügbar → vermarktet" in text
    assert "ENTFÄLLT: C Brache" in text


def test_survey_ids_are_authorized_before_their_state_is_revealed(world) -> None:
    """A foreign survey, a closed foreign one and an unused id answer alike to a Kommune."""
    session, towns, kreis, kommune, _ids = world
    z = towns[ZITTAU]
    open_survey = area_survey.start_survey(session, kreis, z.id, dt.date(2026, 11, 1), "A")
    closed = area_survey.start_survey(session, kreis, z.id, dt.date(2026, 11, 2), "B")
    area_survey.close_survey(session, kreis, closed.id)
    answers = set()
    for survey_id in (open_survey.id, closed.id, 999_999):
        for call in (area_survey.get_survey, area_survey.get_protocol, area_survey.close_survey):
            with pytest.raises(AccessDeniedError) as caught:
                call(session, kommune, survey_id)
            answers.add(caught.value.user_message)
    assert len(answers) == 1
    with pytest.raises(NotFoundError):
        area_survey.get_survey(session, kreis, 999_999)
    with pytest.raises(ValidationError):  # the editor may learn that it is closed
        area_survey.close_survey(session, kreis, closed.id)
