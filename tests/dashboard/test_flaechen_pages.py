"""Areas pages without a browser: layouts per role and the form submission through the real
services on the demo database (the callbacks' work, minus the Dash transport)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cockpit import create_app
from cockpit.dashboard.pages import erhebung, flaechen, pruefung
from cockpit.dashboard.pages.flaechen.form import submit_form
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import AccessDeniedError, ConflictError, ValidationError
from cockpit.domain.roles import Principal
from cockpit.models import AreaPotential, AreaProposal, Municipality, User
from cockpit.services import areas
from cockpit.services.municipalities import municipality_choices
from cockpit.settings import Settings
from cockpit.web import get_db
from tests.config_support import TEST_CONFIG, TEST_METRIC_CRS

GOERLITZ = "14626110"
ZITTAU = "14626610"


@pytest.fixture
def app(demo_settings: Settings) -> Iterator[Flask]:
    application = create_app(demo_settings)
    with application.test_request_context("/flaechen"):
        yield application


def _principal(username: str) -> Principal:
    user = get_db().scalars(select(User).where(User.username == username)).one()
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        municipality_ids=frozenset(m.id for m in user.municipalities),
        display_name=user.display_name,
    )


def _ids(component: Any) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
            return
        node_id = getattr(node, "id", None)
        if node_id is not None:
            found.add(node_id if isinstance(node_id, str) else json.dumps(node_id, sort_keys=True))
        for prop in ("children", "label"):
            value = getattr(node, prop, None)
            if value is not None and not isinstance(value, str):
                walk(value)

    walk(component)
    return found


def _style(component: Any, component_id: str) -> Any:
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if getattr(node, "id", None) == component_id:
            return getattr(node, "style", None)
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    raise AssertionError(f"{component_id} not in layout")


def _municipality_id(ags: str) -> int:
    return get_db().scalars(select(Municipality.id).where(Municipality.ags == ags)).one()


def _square(ags: str) -> dict[str, Any]:
    """A 100 m square around a point well inside the municipality (GeoJSON, EPSG:4326)."""
    import shapely

    from layers.crs import metric_to_web

    boundary = get_db().scalars(select(Municipality.boundary).where(Municipality.ags == ags)).one()
    inner = boundary.buffer(-400)
    point = inner.representative_point()
    web = metric_to_web(
        shapely.box(point.x - 50, point.y - 50, point.x + 50, point.y + 50), TEST_METRIC_CRS
    )
    return {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(web)}


def test_layout_for_kreis_offers_editing_and_exchange(app: Flask) -> None:
    kreis = _principal("kreis")
    page = flaechen.layout(kreis)
    found = _ids(page)
    for component_id in (
        "areas-map",
        "areas-layer-gewerbe",
        "areas-layer-industrie",
        "areas-layer-brache",
        "areas-edit-control",
        "areas-export-button",
        "areas-import-upload",
        "areas-table",
    ):
        assert component_id in found
    assert _style(page, "areas-new") == {}
    assert _style(page, "areas-propose-new") == {"display": "none"}
    choices = municipality_choices(get_db(), kreis)
    assert len(choices) == 53 and choices[0].name < choices[-1].name


def test_layout_for_kommune_offers_proposals_only_for_own_municipality(app: Flask) -> None:
    kommune = _principal("kommune.goerlitz")
    page = flaechen.layout(kommune)
    assert _style(page, "areas-new") == {"display": "none"}
    assert _style(page, "areas-propose-new") == {}
    assert "areas-import-upload" not in _ids(page)
    assert [c.name for c in municipality_choices(get_db(), kommune)] == ["Görlitz"]
    with pytest.raises(AccessDeniedError):
        erhebung.layout(kommune, ags=GOERLITZ)
    assert "review-list" in _ids(pruefung.layout(kommune))


def test_admin_gets_no_areas_page(app: Flask) -> None:
    with pytest.raises(AccessDeniedError):
        flaechen.layout(_principal("admin"))
    with pytest.raises(AccessDeniedError):
        pruefung.layout(_principal("admin"))


def test_submit_new_area_then_conflict_on_stale_version(app: Flask) -> None:
    kreis = _principal("kreis")
    values = {
        **present.form_values(None),
        "name": "Seitentest Gewerbe",
        "municipality_id": _municipality_id(GOERLITZ),
        "servicing": ["strasse", "strom"],
    }
    outcome = submit_form(get_db(), kreis, {"mode": "new"}, values, "Test", _square(GOERLITZ))
    assert outcome.area_id is not None
    created = get_db().get(AreaPotential, outcome.area_id)
    assert created is not None and created.servicing == ["strasse", "strom"]
    assert 0.9 < created.area_ha < 1.1

    detail = areas.get_area(get_db(), kreis, outcome.area_id, config=TEST_CONFIG)
    form_mode = {
        "mode": "edit",
        "area_id": detail.id,
        "version": detail.version,
        "original": present.form_values(detail),
    }
    changed = {**present.form_values(detail), "status": "reserviert"}
    submit_form(get_db(), kreis, form_mode, changed, "Reservierung", None)
    assert get_db().get(AreaPotential, detail.id).status.value == "reserviert"
    # The same (now outdated) form again: refused, nothing overwritten.
    with pytest.raises(ConflictError):
        submit_form(get_db(), kreis, form_mode, {**changed, "status": "vermarktet"}, "", None)
    get_db().expire_all()
    assert get_db().get(AreaPotential, detail.id).status.value == "reserviert"


def test_submit_without_geometry_names_the_field(app: Flask) -> None:
    with pytest.raises(ValidationError) as error:
        submit_form(
            get_db(), _principal("kreis"), {"mode": "new"}, present.form_values(None), "", None
        )
    assert error.value.field == "geometry"
    assert present.field_error_texts(error.value.field, error.value.user_message) == {
        "geometry": error.value.user_message
    }


def test_kommune_proposal_is_scoped_to_own_municipality(app: Flask) -> None:
    kommune = _principal("kommune.goerlitz")
    values = {**present.form_values(None), "name": "Vorschlag Seitentest"}
    before = len(get_db().scalars(select(AreaProposal.id)).all())
    outcome = submit_form(
        get_db(),
        kommune,
        {"mode": "propose_new"},
        {**values, "municipality_id": _municipality_id(GOERLITZ)},
        "bitte aufnehmen",
        _square(GOERLITZ),
    )
    assert outcome.area_id is None
    assert len(get_db().scalars(select(AreaProposal.id)).all()) == before + 1
    # A foreign municipality id from a manipulated dropdown is refused by the service.
    with pytest.raises(AccessDeniedError):
        submit_form(
            get_db(),
            kommune,
            {"mode": "propose_new"},
            {**values, "municipality_id": _municipality_id(ZITTAU)},
            "",
            _square(ZITTAU),
        )
    # Kommune users cannot create areas directly either.
    with pytest.raises(AccessDeniedError):
        submit_form(
            get_db(),
            kommune,
            {"mode": "new"},
            {**values, "municipality_id": _municipality_id(GOERLITZ)},
            "",
            _square(GOERLITZ),
        )
