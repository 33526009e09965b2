"""Where exported data comes from: the one :class:`Provenance` record of every export.

Every lens starts with :func:`export_context` (the ``EXPORT_DATA`` check, the district
name, the extract line of the principal, the boundary attribution) and ends with
:meth:`ExportContext.provenance`, the ONLY place a :class:`Provenance` is built. The
renderers and writers of :mod:`cockpit.exports` read scope line, sources, "Demo-Daten",
data hash, CRS, extent and outline from it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError
from cockpit.domain.roles import Permission, Principal
from cockpit.models import District, Municipality
from cockpit.services import authz, maps
from cockpit.services.config import ServiceConfig

log = logging.getLogger(__name__)

Extent = tuple[float, float, float, float]

DEMO_NOTE: Final = "Demo-Daten"
DEMO_DISCLAIMER: Final = "Demo-Daten: Teile der Daten sind generiert und nicht amtlich."
COPYRIGHT_SIGN: Final = "©"
DEFAULT_DISTRICT_NAME: Final = "Landkreis"


@dataclass(frozen=True)
class Provenance:
    """Whose data, from where, in which state: printed on and embedded in every file.

    ``district_name``: the region ("Landkreis Görlitz"); ``scope_text``: the extract line
    of the principal ("Auszug für: Stadt Zittau" for a Kommune user); ``sources``:
    attribution lines (boundaries first); ``data_hash``: SHA-256 over the exported values,
    geometries and record versions; ``extent`` / ``outline``: map extent and district
    outline in ``metric_crs`` (``None`` for tables).
    """

    district_name: str
    scope_text: str
    sources: tuple[str, ...]
    is_demo: bool
    data_hash: str
    metric_crs: str
    extent: Extent | None = None
    outline: BaseGeometry | None = None


class WithProvenance:
    """Read access to the provenance of an export result (``self.provenance``)."""

    provenance: Provenance

    @property
    def scope_text(self) -> str:
        return self.provenance.scope_text

    @property
    def sources(self) -> tuple[str, ...]:
        return self.provenance.sources

    @property
    def is_demo(self) -> bool:
        return self.provenance.is_demo

    @property
    def data_hash(self) -> str:
        return self.provenance.data_hash

    @property
    def district_name(self) -> str:
        return self.provenance.district_name


class WithMapProvenance(WithProvenance):
    """:class:`WithProvenance` of a map: the extent is always known."""

    @property
    def extent(self) -> Extent:
        extent = self.provenance.extent
        if extent is None:
            raise ValueError("a map export without extent")
        return extent

    @property
    def district_outline(self) -> BaseGeometry | None:
        return self.provenance.outline


@dataclass(frozen=True)
class ExportContext:
    """The principal's export situation, gathered once per service call."""

    district_name: str
    scope_text: str
    boundary_attribution: str
    metric_crs: str

    def provenance(
        self,
        *,
        sources: Iterable[str] = (),
        is_demo: bool,
        data_hash: str,
        boundaries: bool = True,
        extent: Extent | None = None,
        outline: BaseGeometry | None = None,
    ) -> Provenance:
        """THE constructor of :class:`Provenance`: ``sources`` after the boundary
        attribution (``boundaries=False`` for data without geometry), duplicates dropped."""
        lines = [self.boundary_attribution] if boundaries else []
        return Provenance(
            district_name=self.district_name,
            scope_text=self.scope_text,
            sources=tuple(dict.fromkeys([*lines, *(s for s in sources if s)])),
            is_demo=is_demo,
            data_hash=data_hash,
            metric_crs=self.metric_crs,
            extent=extent,
            outline=outline,
        )


def combine(provenances: Sequence[Provenance]) -> Provenance:
    """The provenance of several results delivered in one file (the tables of a workbook):
    region, scope line and CRS of the first, all sources, "Demo-Daten" if any is, and a
    data hash over all data hashes."""
    first = provenances[0]
    return replace(
        first,
        sources=tuple(dict.fromkeys(s for p in provenances for s in p.sources)),
        is_demo=any(p.is_demo for p in provenances),
        data_hash=hash_payload([p.data_hash for p in provenances]),
    )


def require_export(principal: Principal) -> authz.Scope:
    """The ``EXPORT_DATA`` scope; :class:`AccessDeniedError` for roles without it."""
    scope = authz.scope_for(principal, Permission.EXPORT_DATA)
    if scope.is_empty:
        log.warning("export denied: user=%s role=%s", principal.log_ref, principal.role.value)
        raise AccessDeniedError(
            f"{principal.log_ref} may not export",
            "Sie haben keine Berechtigung für Exporte.",
        )
    return scope


def export_context(session: Session, principal: Principal, config: ServiceConfig) -> ExportContext:
    """Check ``EXPORT_DATA`` and gather what every export of ``principal`` prints."""
    require_export(principal)
    district_name = (
        maps.get_district_name(session, principal, config.district_ags) or DEFAULT_DISTRICT_NAME
    )
    return ExportContext(
        district_name=district_name,
        scope_text=_scope_text(session, principal, district_name),
        boundary_attribution=boundary_attribution(session, config.district_ags),
        metric_crs=config.metric_crs,
    )


def boundary_attribution(session: Session, district_ags: str) -> str:
    """The attribution of the boundaries, from the source stored at their import.

    The licence part (from ``©`` on) of the district's source, e.g. "VG250 Gemeinden
    (Gebietsstand 2016), © GeoBasis-DE / BKG (2016), …" gives "© GeoBasis-DE / BKG
    (2016), …"; a source without one (a file name) falls back to
    :data:`cockpit.services.maps.BOUNDARY_ATTRIBUTION`.
    """
    source = session.scalar(select(District.source).where(District.ags == district_ags)) or ""
    start = source.find(COPYRIGHT_SIGN)
    return source[start:].strip() if start >= 0 else maps.BOUNDARY_ATTRIBUTION


def _scope_text(session: Session, principal: Principal, district_name: str) -> str:
    """The extract line of every export: whose data the principal sees."""
    if (
        principal.is_district
        or authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL).all_municipalities
    ):
        return district_name
    names = [
        f"{m.kind.label} {m.name}"
        for m in session.scalars(
            select(Municipality)
            .where(Municipality.id.in_(sorted(principal.municipality_ids)))
            .order_by(Municipality.name)
        )
    ]
    return "Auszug für: " + (", ".join(names) if names else "keine Kommune zugeordnet")


def hash_payload(payload: object) -> str:
    """SHA-256 of ``payload`` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def geometry_digest(items: Iterable[tuple[str, BaseGeometry | None]]) -> str:
    """SHA-256 over ``(key, geometry)`` pairs (WKB), for the data hash."""
    digest = hashlib.sha256()
    for key, geometry in items:
        digest.update(key.encode())
        if geometry is not None:
            digest.update(shapely.to_wkb(geometry, hex=False))
    return digest.hexdigest()


def outline_of(geometries: Iterable[BaseGeometry | None]) -> BaseGeometry | None:
    """The district outline: the coverage union of the municipality boundaries."""
    parts = [g for g in geometries if g is not None]
    return shapely.coverage_union_all(parts) if parts else None


def bounds_of(geometries: Iterable[BaseGeometry | None]) -> Extent | None:
    """The total bounds of ``geometries`` (``None`` when there are none)."""
    parts = [g for g in geometries if g is not None]
    if not parts:
        return None
    min_x, min_y, max_x, max_y = (float(v) for v in shapely.total_bounds(parts))
    return min_x, min_y, max_x, max_y
