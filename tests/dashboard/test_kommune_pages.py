"""Page layouts of the municipality cockpit, Themencluster lens and indicator import
(rendered inside a real app's request context, real SQLite database)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from cockpit import create_app
from cockpit.dashboard import ids
from cockpit.dashboard.pages import indicator_import, kommune, themencluster
from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.services import bulk_indicators, kenndaten
from cockpit.settings import Settings
from tests.config_support import TEST_CONFIG
from tests.dashboard.test_kommune_presenters import ids_of, texts, walk
from tests.services.kenndaten_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    w = build_world(session)
    for mid, focus in ((w.goerlitz, "current"), (w.zittau, "future"), (w.goerlitz, "future")):
        kenndaten.save_item(
            session,
            w.kreis,
            mid,
            "focus",
            None,
            {"cluster_id": str(w.energie_id), "focus": focus, "companies": "Beispiel GmbH"},
            None,
        )
    return w


@pytest.fixture
def app(settings: Settings, world: World) -> Iterator[Flask]:
    # ``settings`` points at the same SQLite file as ``session`` (sqlite_url).
    yield create_app(settings)


def _render(app: Flask, page: Any, principal: Any, **params: str) -> Any:
    with app.test_request_context("/"):
        return page.layout(principal, **params)


def test_kommune_page_for_editor_has_sections_and_edit_toggle(app: Flask, world: World) -> None:
    tree = _render(app, kommune, world.kreis, ags="14626110")
    found = ids_of(tree)
    assert ids.KOMMUNE_EDIT_MODE in found
    assert ids.KOMMUNE_SECTIONS in found
    assert all(f"kd-section-{g}" in found for g in kenndaten.GROUP_ORDER)
    assert "Änderungsverlauf" in texts(tree)


def test_kommune_page_for_own_kommune_is_read_only(app: Flask, world: World) -> None:
    tree = _render(app, kommune, world.goerlitz_user, ags="14626110")
    found = ids_of(tree)
    assert ids.KOMMUNE_SECTIONS in found
    assert ids.KOMMUNE_EDIT_MODE not in found
    assert "Erika Muster" in texts(tree)


def test_kommune_page_for_foreign_kommune_is_public_profile(app: Flask, world: World) -> None:
    tree = _render(app, kommune, world.zittau_user, ags="14626110")
    found = ids_of(tree)
    assert "kd-public-note" in found
    assert ids.KOMMUNE_SECTIONS not in found
    text = texts(tree)
    assert "Görlitz" in text and "54.664" in text
    assert "Erika Muster" not in text
    assert "Gewerbegebiet Nord" not in text


def test_unknown_ags_is_not_found(app: Flask, world: World) -> None:
    with pytest.raises(NotFoundError):
        _render(app, kommune, world.kreis, ags="14626999")


def test_themencluster_for_district_and_kommune(app: Flask, world: World) -> None:
    tree = _render(app, themencluster, world.analyse)
    graph = next(n for n in walk(tree) if getattr(n, "id", None) == ids.CLUSTER_MAP)
    trace = graph.figure.data[0]
    z = dict(zip(trace.locations, trace.z, strict=True))
    assert z["14626110"] == 3 and z["14626610"] == 2 and z["14626240"] == 0
    assert graph.figure.layout.map.style == "white-bg"
    assert "Beispiel GmbH" in texts(tree)

    own = _render(app, themencluster, world.zittau_user)
    graph = next(n for n in walk(own) if getattr(n, "id", None) == ids.CLUSTER_MAP)
    z = dict(zip(graph.figure.data[0].locations, graph.figure.data[0].z, strict=True))
    assert z["14626110"] == 0  # Görlitz's focus is not shown to Zittau
    assert z["14626610"] == 2
    text = texts(own)
    # Counts below 5 would single out municipalities: a Kommune user sees them suppressed.
    assert "Derzeitiger Schwerpunkt in weniger als 5 Kommunen" in text
    assert "für den übrigen Landkreis nur die Anzahl" in text


def test_indicator_import_page_needs_import_permission(app: Flask, world: World) -> None:
    tree = _render(app, indicator_import, world.kreis)
    assert ids.INDICATOR_IMPORT_UPLOAD in ids_of(tree)
    with pytest.raises(AccessDeniedError):
        _render(app, indicator_import, world.goerlitz_user)


def test_import_preview_block_lists_statuses(app: Flask, world: World, session: Session) -> None:
    preview = bulk_indicators.preview_indicator_update(
        session,
        world.kreis,
        world.population_id,
        2022,
        "werte.csv",
        b"AGS;Wert\n14626110;55000\n14626999;1\n",
        config=TEST_CONFIG,
    )
    text = texts(indicator_import.preview_block(preview))
    assert "geändert: 1" in text and "AGS unbekannt: 1" in text
    assert "54.664" in text and "55.000" in text


@pytest.mark.slow
def test_every_demo_municipality_renders_for_every_role(demo_settings: Settings) -> None:
    """The full demo (53 real municipalities, generated Kenndaten) renders without errors."""
    from sqlalchemy import select

    from cockpit.models import Municipality, User
    from cockpit.web import get_db

    app = create_app(demo_settings)
    with app.test_request_context("/"):
        session = get_db()
        users = {u.username: u.to_principal() for u in session.scalars(select(User))}
        agss = list(session.scalars(select(Municipality.ags).order_by(Municipality.ags)))
    assert len(agss) == 53
    for ags in agss:
        tree = _render(app, kommune, users["kreis"], ags=ags)
        assert ids.KOMMUNE_SECTIONS in ids_of(tree)
    goerlitz = _render(app, kommune, users["kommune.goerlitz"], ags="14626110")
    text = texts(goerlitz)
    assert "Demo-Daten" in text
    assert "Sitzverteilung" in text
    foreign = _render(app, kommune, users["kommune.goerlitz"], ags="14626610")
    assert ids.KOMMUNE_SECTIONS not in ids_of(foreign)
    lens = _render(app, themencluster, users["analyse"])
    assert ids.CLUSTER_MAP in ids_of(lens)
