"""The one Provenance of every export: attribution from the imported boundary source,
district name, scope line, de-duplicated sources, refused roles, combined tables."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapely.geometry import box
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError
from cockpit.domain.roles import Principal, Role
from cockpit.domain.vocab import MunicipalityKind
from cockpit.models import District, Municipality
from cockpit.services import exports, maps
from cockpit.services.exports.provenance import boundary_attribution, export_context
from tests.config_support import TEST_CONFIG

BKG_2024 = "© GeoBasis-DE / BKG (2024), dl-de/by-2-0"
CONFIG = replace(TEST_CONFIG, district_ags="14626")


def _district(session: Session, source: str) -> Municipality:
    district = District(ags="14626", name="Görlitz", source=source)
    session.add(district)
    session.flush()
    town = Municipality(
        ags="14626110",
        district_id=district.id,
        name="Görlitz",
        kind=MunicipalityKind.STADT,
        boundary=box(0, 0, 1000, 1000),
        area_km2=1.0,
    )
    session.add(town)
    session.commit()
    return town


def test_attribution_comes_from_the_stored_boundary_source(session: Session) -> None:
    _district(session, f"VG250 Gemeinden (Gebietsstand 2024), {BKG_2024}")
    kreis = Principal(1, "kreis", Role.KREIS_REDAKTION)
    context = export_context(session, kreis, CONFIG)
    assert context.boundary_attribution == BKG_2024
    assert context.district_name == context.scope_text == "Landkreis Görlitz"

    provenance = context.provenance(sources=["INKAR", "", "INKAR"], is_demo=True, data_hash="h")
    assert provenance.sources == (BKG_2024, "INKAR")
    assert provenance.metric_crs == CONFIG.metric_crs and provenance.extent is None
    tables_only = context.provenance(
        sources=["Kommune"], is_demo=False, data_hash="h", boundaries=False
    )
    assert tables_only.sources == ("Kommune",)

    both = exports.combine([provenance, tables_only])
    assert both.sources == (BKG_2024, "INKAR", "Kommune") and both.is_demo
    assert both.data_hash == exports.hash_payload(["h", "h"])


def test_source_without_licence_falls_back_to_the_bkg_line(session: Session) -> None:
    _district(session, "lk_goerlitz_gemeinden_vg250_2016.gpkg")
    assert boundary_attribution(session, "14626") == maps.BOUNDARY_ATTRIBUTION
    assert boundary_attribution(session, "99999") == maps.BOUNDARY_ATTRIBUTION


def test_kommune_scope_line_and_refused_admin(session: Session) -> None:
    town = _district(session, "")
    kommune = Principal(2, "kommune", Role.KOMMUNE, frozenset({town.id}))
    assert export_context(session, kommune, CONFIG).scope_text == "Auszug für: Stadt Görlitz"
    with pytest.raises(AccessDeniedError):
        export_context(session, Principal(3, "admin", Role.ADMIN), CONFIG)
