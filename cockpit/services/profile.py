"""The municipality profile: header facts, KPI time series and district comparison bands.

Public facts (name, type, population, area, public indicators) are visible to every role.
Non-public indicators and area potentials follow :mod:`cockpit.services.authz`; comparison
bands over values the principal may not see individually are only given as median and
quartiles over at least :data:`MIN_AGGREGATE_GROUP` municipalities (never min/max).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import Visibility
from cockpit.models import AreaPotential, District, Indicator, IndicatorValue, Municipality
from cockpit.services import authz
from cockpit.services.config import ServiceConfig
from layers.crs import metric_to_web

log = logging.getLogger(__name__)

MIN_AGGREGATE_GROUP = authz.MIN_AGGREGATE_GROUP
MIN_BAND_GROUP = 3  # fewer values make quartiles meaningless
# Indicator keys that hold the population (first match wins; importers may use either).
POPULATION_KEYS = ("population", "einwohner", "bevoelkerung", "ewz", "ewz_2022")
_AGS = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class Figure:
    """One value with its year and source (e.g. the population)."""

    value: float
    year: int | None
    source: str
    is_demo: bool = False


@dataclass(frozen=True)
class Band:
    """District comparison for one year: median and interquartile range."""

    year: int
    median: float
    lower_quartile: float
    upper_quartile: float
    municipality_count: int
    aggregated_only: bool  # True: built from values the principal may not see one by one


@dataclass(frozen=True)
class KpiSeries:
    indicator_id: int
    key: str
    label: str
    unit: str
    category: str
    decimals: int
    higher_is_better: bool | None
    visibility: Visibility
    source: str
    licence: str
    is_demo: bool
    series: tuple[tuple[int, float], ...]
    band: Band | None

    @property
    def latest(self) -> tuple[int, float] | None:
        return self.series[-1] if self.series else None

    @property
    def previous(self) -> tuple[int, float] | None:
        return self.series[-2] if len(self.series) > 1 else None


@dataclass(frozen=True)
class AreaOutline:
    """An area potential as outline on the profile map (geometry in EPSG:4326)."""

    id: int
    name: str
    kind: str
    kind_label: str
    status_label: str
    area_ha: float
    geometry: BaseGeometry
    is_demo: bool


@dataclass(frozen=True)
class MunicipalityProfile:
    id: int
    ags: str
    name: str
    official_name: str
    kind: str
    district_name: str
    population: Figure | None
    area_km2: float
    area_source: str
    territorial_status: dt.date | None
    boundary: BaseGeometry | None  # EPSG:4326
    areas: tuple[AreaOutline, ...]
    kpis: tuple[KpiSeries, ...]
    full_access: bool  # may see Kenndaten and confidential data of this municipality
    can_edit: bool

    @property
    def density(self) -> float | None:
        if self.population is None or not self.area_km2:
            return None
        return self.population.value / self.area_km2


def municipality_id_for_ags(session: Session, principal: Principal, ags: str) -> int:
    """Resolve an (untrusted) AGS from a URL to a municipality id.

    Raises :class:`ValidationError` for a malformed key, :class:`NotFoundError` if unknown.
    """
    authz.require(principal, Permission.VIEW_PUBLIC)
    if not _AGS.match(ags or ""):
        raise ValidationError(
            f"malformed AGS {ags!r}",
            "Der Gemeindeschlüssel (AGS) muss aus 8 Ziffern bestehen.",
        )
    municipality_id = session.scalar(select(Municipality.id).where(Municipality.ags == ags))
    if municipality_id is None:
        raise NotFoundError(
            f"no municipality with AGS {ags}",
            f"Eine Kommune mit dem Gemeindeschlüssel {ags} ist nicht erfasst.",
        )
    return municipality_id


def _population_indicator(session: Session) -> Indicator | None:
    rows = session.scalars(
        select(Indicator).where(
            Indicator.visibility == Visibility.PUBLIC,
            or_(*(Indicator.key == key for key in POPULATION_KEYS)),
        )
    ).all()
    by_key = {row.key: row for row in rows}
    for key in POPULATION_KEYS:
        if key in by_key:
            return by_key[key]
    return None


def population_by_municipality(session: Session, district_id: int) -> dict[int, Figure]:
    """Latest population per municipality of a district (public statistics only)."""
    indicator = _population_indicator(session)
    if indicator is None:
        return {}
    rows = session.execute(
        select(
            IndicatorValue.municipality_id,
            IndicatorValue.year,
            IndicatorValue.value,
            IndicatorValue.source,
            IndicatorValue.is_demo,
        )
        .join(Municipality, Municipality.id == IndicatorValue.municipality_id)
        .where(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.value.is_not(None),
            Municipality.district_id == district_id,
        )
        .order_by(IndicatorValue.year)
    ).all()
    result: dict[int, Figure] = {}
    for mid, year, value, source, is_demo in rows:
        if value is not None:
            result[mid] = Figure(float(value), year, source or indicator.source, is_demo)
    return result


def population_of(session: Session, municipality_id: int) -> Figure | None:
    """Latest population of one municipality (public statistics only)."""
    indicator = _population_indicator(session)
    if indicator is None:
        return None
    row = session.execute(
        select(IndicatorValue)
        .where(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.municipality_id == municipality_id,
            IndicatorValue.value.is_not(None),
        )
        .order_by(IndicatorValue.year.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None or row.value is None:
        return None
    return Figure(float(row.value), row.year, row.source or indicator.source, row.is_demo)


def compute_band(values: Sequence[float], year: int, aggregated_only: bool) -> Band | None:
    """Median and quartiles of ``values``; ``None`` when the group is too small.

    An ``aggregated_only`` band (values the viewer may not see one by one) needs at least
    :data:`MIN_AGGREGATE_GROUP` values.
    """
    minimum = MIN_AGGREGATE_GROUP if aggregated_only else MIN_BAND_GROUP
    if len(values) < minimum:
        return None
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Band(year, median, q1, q3, len(values), aggregated_only)


def get_profile(
    session: Session,
    principal: Principal,
    municipality_id: int,
    *,
    config: ServiceConfig,
) -> MunicipalityProfile:
    """Header, map and KPI data of one municipality, filtered to what ``principal`` may see.

    ``metric_crs`` is the storage CRS of area geometries (reprojected to EPSG:4326 here).
    Raises :class:`NotFoundError` for an unknown municipality.
    """
    authz.require(principal, Permission.VIEW_PUBLIC, municipality_id)
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise NotFoundError(
            f"municipality {municipality_id} not found", "Die Kommune wurde nicht gefunden."
        )
    district = session.get(District, municipality.district_id)
    full_access = authz.may(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    areas: tuple[AreaOutline, ...] = ()
    if full_access:
        areas = tuple(
            AreaOutline(
                id=area.id,
                name=area.name,
                kind=area.kind.value,
                kind_label=area.kind.label,
                status_label=area.status.label,
                area_ha=area.area_ha,
                geometry=metric_to_web(area.geom, config.metric_crs),
                is_demo=area.is_demo,
            )
            for area in session.scalars(
                select(AreaPotential)
                .where(
                    AreaPotential.municipality_id == municipality_id,
                    AreaPotential.is_deleted.is_(False),
                )
                .order_by(AreaPotential.kind, AreaPotential.name)
            )
        )
    return MunicipalityProfile(
        id=municipality.id,
        ags=municipality.ags,
        name=municipality.name,
        official_name=municipality.official_name or municipality.name,
        kind=municipality.kind.label,
        district_name=district.name if district else "",
        population=population_of(session, municipality_id),
        area_km2=municipality.area_km2,
        area_source=municipality.source,
        territorial_status=municipality.territorial_status,
        boundary=municipality.display_boundary,
        areas=areas,
        kpis=tuple(_kpis(session, principal, municipality)),
        full_access=full_access,
        can_edit=authz.may(principal, Permission.EDIT_KENNDATEN, municipality_id),
    )


def _kpis(session: Session, principal: Principal, municipality: Municipality) -> list[KpiSeries]:
    indicators = [
        ind
        for ind in session.scalars(select(Indicator).order_by(Indicator.category, Indicator.label))
        if authz.indicator_scope(principal, ind.visibility).allows(municipality.id)
    ]
    if not indicators:
        return []
    rows = session.execute(
        select(
            IndicatorValue.indicator_id,
            IndicatorValue.municipality_id,
            IndicatorValue.year,
            IndicatorValue.value,
        )
        .join(Municipality, Municipality.id == IndicatorValue.municipality_id)
        .where(
            IndicatorValue.indicator_id.in_([ind.id for ind in indicators]),
            IndicatorValue.value.is_not(None),
            Municipality.district_id == municipality.district_id,
        )
    ).all()
    own: dict[int, list[tuple[int, float]]] = defaultdict(list)
    by_year: dict[tuple[int, int], list[float]] = defaultdict(list)
    for indicator_id, mid, year, value in rows:
        if value is None:
            continue
        by_year[(indicator_id, year)].append(float(value))
        if mid == municipality.id:
            own[indicator_id].append((year, float(value)))
    result: list[KpiSeries] = []
    for ind in indicators:
        series = tuple(sorted(own.get(ind.id, [])))
        if not series:
            continue
        year = series[-1][0]
        scope = authz.indicator_scope(principal, ind.visibility)
        band = compute_band(
            by_year[(ind.id, year)], year, aggregated_only=not scope.all_municipalities
        )
        result.append(
            KpiSeries(
                indicator_id=ind.id,
                key=ind.key,
                label=ind.label,
                unit=ind.unit,
                category=ind.category,
                decimals=ind.decimals,
                higher_is_better=ind.higher_is_better,
                visibility=ind.visibility,
                source=ind.source,
                licence=ind.licence,
                is_demo=ind.is_demo,
                series=series,
                band=band,
            )
        )
    return result
