"""Report lens: the content of one municipality's Steckbrief, and the targets of
"Steckbriefe aller Gemeinden" (district roles)."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError
from cockpit.domain.roles import Permission, Principal
from cockpit.models import Municipality
from cockpit.services import areas, authz, kenndaten, profile
from cockpit.services.config import ServiceConfig
from cockpit.services.exports.provenance import (
    Provenance,
    WithProvenance,
    export_context,
    geometry_digest,
    hash_payload,
)
from cockpit.services.exports.tables import profile_sources


@dataclass(frozen=True)
class NeighbourShape:
    ags: str
    name: str
    geometry: BaseGeometry  # metric CRS


@dataclass(frozen=True)
class ReportData(WithProvenance):
    """Authorized content of one Steckbrief.

    ``kenndaten`` and ``area_list`` are ``None`` unless the principal may see the
    municipality's confidential data (``profile.full_access``).
    """

    profile: profile.MunicipalityProfile
    boundary: BaseGeometry  # metric CRS
    neighbours: tuple[NeighbourShape, ...]
    kenndaten: kenndaten.KenndatenView | None
    area_list: list[areas.AreaListItem] | None
    area_geometries: tuple[tuple[str, str, BaseGeometry], ...]  # (name, kind, metric geometry)
    provenance: Provenance


def _is_demo(
    prof: profile.MunicipalityProfile,
    view: kenndaten.KenndatenView | None,
    area_items: list[areas.AreaListItem] | None,
) -> bool:
    return (
        any(k.is_demo for k in prof.kpis)
        or bool(view and any(i.is_demo for items in view.groups.values() for i in items))
        or bool(area_items and any(a.is_demo for a in area_items))
    )


def get_report_data(
    session: Session,
    principal: Principal,
    municipality_id: int,
    *,
    config: ServiceConfig,
) -> ReportData:
    """Everything of a Steckbrief the principal may see (public profile for everyone;
    Kenndaten and area potentials only with ``VIEW_CONFIDENTIAL`` for the municipality).
    """
    context = export_context(session, principal, config)
    prof = profile.get_profile(session, principal, municipality_id, config=config)
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:  # get_profile raised already; keeps the type checker honest
        raise NotFoundError(f"municipality {municipality_id} not found")
    neighbours = tuple(
        NeighbourShape(ags, name, geometry)
        for ags, name, geometry in session.execute(
            select(Municipality.ags, Municipality.name, Municipality.boundary)
            .where(Municipality.district_id == municipality.district_id)
            .order_by(Municipality.ags)
        )
        if geometry is not None
    )
    view = None
    area_items = None
    area_geometries: tuple[tuple[str, str, BaseGeometry], ...] = ()
    if prof.full_access:
        view = kenndaten.list_kenndaten(session, principal, municipality_id)
        records = areas.list_area_records(
            session, principal, areas.AreaFilter(municipality_ids=(municipality_id,)), config=config
        )
        area_items = [r.item for r in records]
        area_geometries = tuple(
            (r.item.name, r.item.kind.value, r.geometry) for r in records if r.geometry is not None
        )
    data_hash = hash_payload(
        {
            "municipality": prof.ags,
            "kpis": [[k.key, [list(p) for p in k.series]] for k in prof.kpis],
            "kenndaten": (
                {g: [[i.id, i.version] for i in items] for g, items in view.groups.items()}
                if view
                else None
            ),
            "areas": [[a.id, a.version] for a in area_items] if area_items else None,
            "geometry": geometry_digest([(prof.ags, municipality.boundary)]),
        }
    )
    return ReportData(
        profile=prof,
        boundary=municipality.boundary,
        neighbours=neighbours,
        kenndaten=view,
        area_list=area_items,
        area_geometries=area_geometries,
        provenance=context.provenance(
            sources=profile_sources(prof),
            is_demo=_is_demo(prof, view, area_items),
            data_hash=data_hash,
        ),
    )


@dataclass(frozen=True)
class ReportTarget:
    id: int
    ags: str
    name: str


def list_report_targets(session: Session, principal: Principal) -> list[ReportTarget]:
    """All municipalities for a "Steckbriefe aller Gemeinden" run (district roles only)."""
    authz.require(principal, Permission.EXPORT_DATA)
    authz.require(principal, Permission.VIEW_CONFIDENTIAL)
    return [
        ReportTarget(mid, ags, name)
        for mid, ags, name in session.execute(
            select(Municipality.id, Municipality.ags, Municipality.name).order_by(Municipality.ags)
        )
    ]
