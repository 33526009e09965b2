"""Municipality profile: public facts for everyone, KPIs and bands filtered per principal."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError, NotFoundError, ValidationError
from cockpit.domain.roles import Principal, Role
from cockpit.domain.vocab import Visibility
from cockpit.services import profile
from tests.config_support import TEST_CONFIG
from tests.services.kenndaten_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_ags_from_url_is_validated(session: Session, world: World) -> None:
    assert profile.municipality_id_for_ags(session, world.zittau_user, "14626110") == world.goerlitz
    with pytest.raises(ValidationError) as info:
        profile.municipality_id_for_ags(session, world.kreis, "14626110' OR 1=1")
    assert "8 Ziffern" in info.value.user_message
    with pytest.raises(NotFoundError) as missing:
        profile.municipality_id_for_ags(session, world.kreis, "01001000")
    assert "01001000" in missing.value.user_message


def test_district_editor_sees_everything(session: Session, world: World) -> None:
    result = profile.get_profile(session, world.kreis, world.goerlitz, config=TEST_CONFIG)
    assert (result.name, result.kind, result.district_name) == (
        "Görlitz",
        "Stadt",
        "Landkreis Görlitz",
    )
    assert result.population is not None
    assert (result.population.value, result.population.year) == (54664, 2022)
    assert result.population.source == "Zensus 2022"
    assert result.density == pytest.approx(54664 / 64.0)
    assert result.full_access and result.can_edit
    assert {k.key for k in result.kpis} == {"population", "haushalt_intern", "kita_plaetze"}
    population = next(k for k in result.kpis if k.key == "population")
    assert [year for year, _ in population.series] == [2020, 2021, 2022]
    assert population.band is not None
    assert population.band.municipality_count == 6
    assert not population.band.aggregated_only
    # Areas are reprojected to EPSG:4326 for the map.
    assert len(result.areas) == 1
    minx, miny, _, _ = result.areas[0].geometry.bounds
    assert 10 < minx < 20 and 50 < miny < 52
    assert result.areas[0].kind_label == "Gewerbefläche"


def test_foreign_kommune_gets_public_profile_only(session: Session, world: World) -> None:
    result = profile.get_profile(session, world.zittau_user, world.goerlitz, config=TEST_CONFIG)
    assert not result.full_access and not result.can_edit
    assert result.areas == ()
    assert [k.key for k in result.kpis] == ["population"]
    assert result.kpis[0].visibility is Visibility.PUBLIC
    assert result.boundary is not None


def test_own_kommune_sees_confidential_indicator_with_aggregated_band(
    session: Session, world: World
) -> None:
    result = profile.get_profile(session, world.goerlitz_user, world.goerlitz, config=TEST_CONFIG)
    keys = {k.key for k in result.kpis}
    assert keys == {"population", "kita_plaetze"}  # not the district-internal one
    own = next(k for k in result.kpis if k.key == "kita_plaetze")
    assert own.series == ((2022, 80.0),)
    assert own.band is not None
    assert own.band.aggregated_only
    assert own.band.municipality_count == 6
    assert own.band.median == pytest.approx(82.5)
    assert len(result.areas) == 1


def test_band_never_exposes_min_or_max() -> None:
    fields = {f.name for f in dataclasses.fields(profile.Band)}
    assert not fields & {"min", "max", "minimum", "maximum", "values"}


def test_small_groups_give_no_aggregated_band() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert profile.compute_band(values, 2022, aggregated_only=True) is None
    band = profile.compute_band(values, 2022, aggregated_only=False)
    assert band is not None
    assert (band.lower_quartile, band.median, band.upper_quartile) == (1.75, 2.5, 3.25)
    assert profile.compute_band([1.0, 2.0], 2022, aggregated_only=False) is None


def test_unknown_municipality_is_not_found(session: Session, world: World) -> None:
    with pytest.raises(NotFoundError):
        profile.get_profile(session, world.kreis, 9999, config=TEST_CONFIG)


def test_principal_without_any_permission_is_refused(session: Session, world: World) -> None:
    nobody = Principal(user_id=999, username="x", role=Role.KOMMUNE)
    # Every role may see the public profile; an unknown id still gives "not found".
    with pytest.raises(NotFoundError):
        profile.get_profile(session, nobody, 9999, config=TEST_CONFIG)
    with pytest.raises(AccessDeniedError):
        from cockpit.services import kenndaten

        kenndaten.list_kenndaten(session, nobody, world.goerlitz)
