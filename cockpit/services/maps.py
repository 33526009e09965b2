"""District overview map: indicator catalogue, choropleth values, KPIs, ranking, geometry.

Every function authorizes first (``cockpit.services.authz``): indicator values are filtered
by :func:`authz.indicator_scope` for the indicator's visibility, so values the principal may
not see come back as "no data" (``None``), never as numbers. The display geometry is public
(boundaries, AGS and names only — never values) and cached per process by a cheap database
fingerprint; its version is a content hash, so it can be served as an immutable file.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import logging
import statistics
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import shapely
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import Visibility
from cockpit.models import District, Indicator, IndicatorValue, Municipality
from cockpit.services import authz

log = logging.getLogger(__name__)

# The scoped column of indicator values, typed for ``Scope.clause``.
_VALUE_MUNICIPALITY = cast(ColumnElement[int], IndicatorValue.municipality_id)

BOUNDARY_ATTRIBUTION = "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0"
# A Kommune user may see district aggregates of a non-public indicator only when they are
# computed over at least this many values (so no single foreign value can be inferred).
MIN_VALUES_FOR_RESTRICTED_AGGREGATES = authz.MIN_AGGREGATE_GROUP

_ADDITIVE_UNITS = frozenset(
    {
        "einwohner",
        "einw.",
        "ew",
        "personen",
        "anzahl",
        "beschäftigte",
        "arbeitslose",
        "ha",
        "km²",
        "km2",
        "€",
        "eur",
        "euro",
    }
)


@dataclass(frozen=True)
class IndicatorInfo:
    """One indicator of the catalogue as a principal sees it (``years``: with visible values)."""

    key: str
    label: str
    unit: str
    category: str
    description: str
    source: str
    licence: str
    visibility: Visibility
    higher_is_better: bool | None
    decimals: int
    is_demo: bool
    years: tuple[int, ...]

    @property
    def latest_year(self) -> int | None:
        return self.years[-1] if self.years else None

    @property
    def is_additive(self) -> bool:
        """Counts and amounts (population, ha, €) can be summed to a district total."""
        unit = self.unit.strip().lower()
        if any(marker in unit for marker in ("%", "/", " je ", "je ", "pro ", "‰")):
            return False
        return unit in _ADDITIVE_UNITS


@dataclass(frozen=True)
class ChoroplethData:
    """Values of one indicator and year for ALL municipalities, ordered by AGS.

    ``values[i]`` belongs to ``ags[i]``; ``None`` = no value or not visible to the principal.
    ``full_scope`` is True when the principal may see the values of every municipality.
    """

    indicator: IndicatorInfo
    year: int
    ags: tuple[str, ...]
    names: tuple[str, ...]
    values: tuple[float | None, ...]
    full_scope: bool
    is_demo: bool

    @property
    def count_with_data(self) -> int:
        return sum(1 for v in self.values if v is not None)


@dataclass(frozen=True)
class DistrictKpis:
    """District key figures of one indicator and year.

    ``restricted``: the principal may not see every value, so only the median and quartiles
    (over at least :data:`MIN_VALUES_FOR_RESTRICTED_AGGREGATES` values) are given.
    """

    municipalities_total: int
    municipalities_with_data: int
    total: float | None
    median: float | None
    lower_quartile: float | None
    upper_quartile: float | None
    minimum: float | None
    maximum: float | None
    minimum_name: str | None
    maximum_name: str | None
    restricted: bool


@dataclass(frozen=True)
class RankingRow:
    rank: int
    ags: str
    name: str
    value: float


@dataclass(frozen=True)
class DisplayGeometry:
    """The public display geometry as a GeoJSON FeatureCollection (EPSG:4326).

    Features carry only ``properties.ags`` and ``properties.name``.
    """

    version: str
    geojson: bytes
    gzipped: bytes
    feature_count: int
    bounds: tuple[float, float, float, float] | None  # min lon, min lat, max lon, max lat


# --------------------------------------------------------------------------- catalogue


def get_district_name(session: Session, principal: Principal, district_ags: str) -> str | None:
    """Display name of the district (e.g. "Landkreis Görlitz"), ``None`` if not imported."""
    authz.require(principal, Permission.VIEW_PUBLIC)
    district = session.scalar(select(District).where(District.ags == district_ags))
    if district is None:
        return None
    name = district.official_name or district.name
    return name if name.lower().startswith(("landkreis", "kreis")) else f"Landkreis {name}"


def _visible_years(
    session: Session, principal: Principal, visibilities: set[Visibility]
) -> dict[int, set[int]]:
    years: dict[int, set[int]] = {}
    for visibility in visibilities:
        scope = authz.indicator_scope(principal, visibility)
        stmt = (
            select(IndicatorValue.indicator_id, IndicatorValue.year)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(Indicator.visibility == visibility, IndicatorValue.value.is_not(None))
            .distinct()
        )
        for row in session.execute(stmt.where(scope.clause(_VALUE_MUNICIPALITY))):
            years.setdefault(int(row[0]), set()).add(int(row[1]))
    return years


def _info(indicator: Indicator, years: Sequence[int]) -> IndicatorInfo:
    return IndicatorInfo(
        key=indicator.key,
        label=indicator.label,
        unit=indicator.unit,
        category=indicator.category,
        description=indicator.description,
        source=indicator.source,
        licence=indicator.licence,
        visibility=indicator.visibility,
        higher_is_better=indicator.higher_is_better,
        decimals=indicator.decimals,
        is_demo=indicator.is_demo,
        years=tuple(sorted(years)),
    )


def list_indicators(session: Session, principal: Principal) -> list[IndicatorInfo]:
    """Indicators the principal may see, ordered by category and label, with visible years.

    Indicators without any visible value are included with ``years == ()``.
    """
    visibilities = authz.visible_indicator_visibilities(principal)
    if not visibilities:
        return []
    indicators = session.scalars(
        select(Indicator)
        .where(Indicator.visibility.in_(sorted(visibilities)))
        .order_by(Indicator.category, Indicator.label)
    ).all()
    years = _visible_years(session, principal, visibilities)
    return [_info(ind, sorted(years.get(ind.id, ()))) for ind in indicators]


def _require_indicator(
    session: Session, principal: Principal, indicator_key: str
) -> tuple[Indicator, authz.Scope]:
    indicator = session.scalar(select(Indicator).where(Indicator.key == indicator_key))
    if indicator is None:
        raise NotFoundError(
            f"indicator {indicator_key!r} does not exist",
            f"Die Kennzahl „{indicator_key}“ wurde nicht gefunden.",
        )
    scope = authz.indicator_scope(principal, indicator.visibility)
    if scope.is_empty:
        log.warning(
            "access denied: user=%s role=%s indicator=%s visibility=%s",
            principal.log_ref,
            principal.role.value,
            indicator.key,
            indicator.visibility.value,
        )
        raise AccessDeniedError(
            f"{principal.log_ref} may not see indicator {indicator.key}",
            "Sie haben keine Berechtigung für diese Kennzahl.",
        )
    return indicator, scope


# --------------------------------------------------------------------------- values


def get_choropleth_values(
    session: Session, principal: Principal, indicator_key: str, year: int
) -> ChoroplethData:
    """Values of ``indicator_key`` in ``year`` for every municipality (ordered by AGS).

    Values outside :func:`authz.indicator_scope` are ``None``. ``data.indicator.years`` is
    left empty here (it costs a query; :func:`list_indicators` has the years). Raises
    :class:`NotFoundError` for an unknown indicator and :class:`AccessDeniedError` when the
    principal may see no value of it at all.
    """
    indicator, scope = _require_indicator(session, principal, indicator_key)
    value_join = and_(
        IndicatorValue.municipality_id == Municipality.id,
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.year == year,
        scope.clause(_VALUE_MUNICIPALITY),
    )
    # Core execution (no ORM row processing): ~11,000 rows per map switch for all of Germany.
    rows = (
        session.connection()
        .execute(
            select(
                Municipality.ags, Municipality.name, IndicatorValue.value, IndicatorValue.is_demo
            )
            .select_from(Municipality)
            .outerjoin(IndicatorValue, value_join)
            .order_by(Municipality.ags)
        )
        .all()
    )
    return ChoroplethData(
        indicator=_info(indicator, ()),
        year=year,
        ags=tuple(r[0] for r in rows),
        names=tuple(r[1] for r in rows),
        values=tuple(None if r[2] is None else float(r[2]) for r in rows),
        full_scope=scope.all_municipalities,
        is_demo=indicator.is_demo or any(bool(r[3]) for r in rows if r[2] is not None),
    )


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def get_district_kpis(
    session: Session,
    principal: Principal,
    indicator_key: str,
    year: int,
    data: ChoroplethData | None = None,
) -> DistrictKpis:
    """District key figures of an indicator; pass ``data`` to reuse an authorized query.

    Public indicators and principals who see every value get total (additive units only),
    median, quartiles, minimum and maximum. Others (a Kommune with a non-public indicator)
    get only median and quartiles over all district values, and only from
    :data:`MIN_VALUES_FOR_RESTRICTED_AGGREGATES` values on.
    """
    if data is None or data.indicator.key != indicator_key or data.year != year:
        data = get_choropleth_values(session, principal, indicator_key, year)
    # ``data`` was authorized by get_choropleth_values; the scope decides what to aggregate.
    scope = authz.indicator_scope(principal, data.indicator.visibility)
    if scope.is_empty:
        raise AccessDeniedError(f"{principal.log_ref} may not see indicator {indicator_key}")
    total_count = len(data.ags)
    if scope.all_municipalities:
        array = np.array([np.nan if v is None else v for v in data.values], dtype=np.float64)
        present = np.flatnonzero(~np.isnan(array))
        if present.size == 0:
            return DistrictKpis(
                total_count, 0, None, None, None, None, None, None, None, None, False
            )
        values = array[present]
        q1, median, q3 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
        low, high = int(present[np.argmin(values)]), int(present[np.argmax(values)])
        return DistrictKpis(
            municipalities_total=total_count,
            municipalities_with_data=int(present.size),
            total=float(values.sum()) if data.indicator.is_additive else None,
            median=median,
            lower_quartile=q1,
            upper_quartile=q3,
            minimum=float(array[low]),
            maximum=float(array[high]),
            minimum_name=data.names[low],
            maximum_name=data.names[high],
            restricted=False,
        )
    indicator, _ = _require_indicator(session, principal, indicator_key)
    # Deliberately unscoped: only an aggregate over >= MIN values leaves this function.
    district_values = sorted(
        float(v)
        for v in session.scalars(
            select(IndicatorValue.value).where(
                IndicatorValue.indicator_id == indicator.id,
                IndicatorValue.year == year,
                IndicatorValue.value.is_not(None),
            )
        )
        if v is not None
    )
    if len(district_values) < MIN_VALUES_FOR_RESTRICTED_AGGREGATES:
        return DistrictKpis(
            total_count, len(district_values), None, None, None, None, None, None, None, None, True
        )
    q1, median, q3 = _quartiles(district_values)
    return DistrictKpis(
        municipalities_total=total_count,
        municipalities_with_data=len(district_values),
        total=None,
        median=median,
        lower_quartile=q1,
        upper_quartile=q3,
        minimum=None,
        maximum=None,
        minimum_name=None,
        maximum_name=None,
        restricted=True,
    )


def build_ranking(data: ChoroplethData, *, descending: bool = True) -> list[RankingRow]:
    """Rank the visible values of already authorized ``data`` (ties share a rank: 1, 2, 2, 4).

    Municipalities without a (visible) value are left out.
    """
    pairs = [
        (v, a, n)
        for v, a, n in zip(data.values, data.ags, data.names, strict=True)
        if v is not None
    ]
    pairs.sort(key=lambda p: (-p[0] if descending else p[0], p[2]))
    rows: list[RankingRow] = []
    previous: float | None = None
    rank = 0
    for position, (value, ags, name) in enumerate(pairs, start=1):
        if value != previous:
            rank = position
            previous = value
        rows.append(RankingRow(rank, ags, name, value))
    return rows


def get_ranking(
    session: Session,
    principal: Principal,
    indicator_key: str,
    year: int,
    *,
    descending: bool = True,
) -> list[RankingRow]:
    """Ranking of the municipalities by the values the principal may see."""
    return build_ranking(
        get_choropleth_values(session, principal, indicator_key, year), descending=descending
    )


# --------------------------------------------------------------------------- geometry

_GEOMETRY_CACHE: OrderedDict[tuple[str, int, str], DisplayGeometry] = OrderedDict()
_GEOMETRY_CACHE_SIZE = 4
_GEOMETRY_LOCK = threading.Lock()


def _fingerprint(session: Session) -> tuple[str, int, str]:
    count, latest = session.execute(
        select(func.count(Municipality.id), func.max(Municipality.updated_at))
    ).one()
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    stamp = latest.isoformat() if isinstance(latest, dt.datetime) else str(latest)
    return url, int(count), stamp


def _build_geometry(session: Session) -> DisplayGeometry:
    rows = session.execute(
        select(Municipality.ags, Municipality.name, Municipality.display_boundary).order_by(
            Municipality.ags
        )
    ).all()
    features: list[str] = []
    geometries = []
    missing: list[str] = []
    for ags, name, geometry in rows:
        if geometry is None or geometry.is_empty:
            missing.append(ags)
            continue
        geometries.append(geometry)
        properties = json.dumps({"ags": ags, "name": name}, ensure_ascii=False)
        features.append(
            f'{{"type":"Feature","properties":{properties},"geometry":{shapely.to_geojson(geometry)}}}'
        )
    if missing:
        log.warning(
            "%d municipalities have no display boundary (re-run the boundary import): %s",
            len(missing),
            ", ".join(missing[:10]),
        )
    payload = ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()
    version = hashlib.sha256(payload).hexdigest()[:16]
    bounds = None
    if geometries:
        min_x, min_y, max_x, max_y = (float(b) for b in shapely.total_bounds(geometries))
        bounds = (min_x, min_y, max_x, max_y)
    return DisplayGeometry(
        version, payload, gzip.compress(payload, 6, mtime=0), len(features), bounds
    )


def get_display_geometry(session: Session, principal: Principal) -> DisplayGeometry:
    """The display boundaries of all municipalities as GeoJSON (EPSG:4326), cached per process.

    The cache key is a cheap fingerprint (database URL, count and latest ``updated_at`` of the
    municipalities), so a re-import produces a new version in every worker process.
    """
    authz.require(principal, Permission.VIEW_PUBLIC)
    key = _fingerprint(session)
    with _GEOMETRY_LOCK:
        cached = _GEOMETRY_CACHE.get(key)
        if cached is not None:
            _GEOMETRY_CACHE.move_to_end(key)
            return cached
    built = _build_geometry(session)
    with _GEOMETRY_LOCK:
        _GEOMETRY_CACHE[key] = built
        while len(_GEOMETRY_CACHE) > _GEOMETRY_CACHE_SIZE:
            _GEOMETRY_CACHE.popitem(last=False)
    log.info("display geometry built: %d features, version %s", built.feature_count, built.version)
    return built
