"""Every time a person sees is Europe/Berlin — area history, proposals and Kenndaten history.

Before the kernel, area history and proposals printed the stored UTC time while the Kenndaten
history printed Berlin time: the same moment read 10:00 on one page and 12:00 on the other.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from cockpit.dashboard.presenters import kommune as kommune_presenter
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.roles import Role
from cockpit.models import AreaProposal, AreaVersion, ChangeRecord
from cockpit.services import areas, kenndaten
from cockpit.services.areas import review as area_review
from tests.areas_support import (
    GOERLITZ,
    area_attrs,
    inner_square,
    load_municipalities,
    make_principal,
    to_geojson,
)
from tests.config_support import TEST_CONFIG

# 10:00 UTC is 12:00 in Berlin in summer (CEST) and 11:00 in winter (CET).
MOMENTS = [
    (dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC), "01.07.2026, 12:00"),
    (dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC), "15.01.2026, 11:00"),
    (dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), "01.01.2027, 00:30"),  # next day
]


@pytest.mark.parametrize(("moment", "shown"), MOMENTS)
def test_same_moment_same_berlin_time_everywhere(
    any_db_url: str, moment: dt.datetime, shown: str
) -> None:
    engine = make_engine(any_db_url)
    session = make_session_factory(engine)()
    try:
        town = load_municipalities(session, GOERLITZ)[GOERLITZ]
        kreis = make_principal(session, "redaktion", Role.KREIS_REDAKTION)
        kommune = make_principal(session, "goerlitz", Role.KOMMUNE, [town])
        created = areas.create_area(
            session,
            kreis,
            area_attrs(town),
            to_geojson(inner_square(town, 150)),
            config=TEST_CONFIG,
        )
        proposal = area_review.propose_area(
            session,
            kommune,
            town.id,
            area_attrs(town, "GE Süd"),
            to_geojson(inner_square(town)),
            config=TEST_CONFIG,
        )
        kenndaten.save_item(
            session, kreis, town.id, "staff", None, {"year": "2024", "headcount": "12"}, None
        )
        for model, column in (
            (AreaVersion, AreaVersion.valid_from),
            (AreaProposal, AreaProposal.created_at),
            (ChangeRecord, ChangeRecord.at),
        ):
            session.execute(update(model).values({column.key: moment}))
        session.commit()
        session.expire_all()

        history = areas.get_area(session, kreis, created.area_id, config=TEST_CONFIG).history
        proposals = area_review.list_proposals(session, kreis)
        entries = kenndaten.municipality_history(session, kreis, town.id)
        table = kommune_presenter.history_table(entries, "Änderungen")

        assert [v.valid_from_text for v in history] == [shown]
        assert [p.created_text for p in proposals if p.id == proposal.id] == [shown]
        assert entries and shown in json.dumps(table.to_plotly_json(), default=str)
    finally:
        session.close()
        engine.dispose()
