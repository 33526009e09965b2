"""Use case: read the Kenndaten of one municipality (with the district staff benchmark)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError
from cockpit.domain.roles import Permission, Principal
from cockpit.models import Municipality, StaffCount, ThemeCluster
from cockpit.services import authz
from cockpit.services.kenndaten.snapshots import KenndatenItem, to_item
from cockpit.services.kenndaten.specs import GROUPS, GroupSpec


@dataclass(frozen=True)
class StaffBenchmark:
    """District median of staff per 1.000 inhabitants (aggregated, ≥ 5 municipalities)."""

    year: int
    own_per_1000: float | None
    median_per_1000: float
    municipality_count: int


@dataclass(frozen=True)
class KenndatenView:
    municipality_id: int
    ags: str
    name: str
    groups: Mapping[str, tuple[KenndatenItem, ...]]
    cluster_choices: tuple[tuple[str, str], ...]
    staff_benchmark: StaffBenchmark | None
    population: float | None
    can_edit: bool

    def items(self, group: str) -> tuple[KenndatenItem, ...]:
        return self.groups.get(group, ())


def require_municipality(session: Session, municipality_id: int) -> Municipality:
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise NotFoundError(
            f"municipality {municipality_id} not found", "Die Kommune wurde nicht gefunden."
        )
    return municipality


def cluster_choices(session: Session) -> tuple[tuple[str, str], ...]:
    """Theme clusters as (id, name) choices, in catalogue order (not municipal data)."""
    rows = session.scalars(
        select(ThemeCluster).order_by(ThemeCluster.sort_order, ThemeCluster.name)
    )
    return tuple((str(c.id), c.name) for c in rows)


def list_kenndaten(session: Session, principal: Principal, municipality_id: int) -> KenndatenView:
    """All Kenndaten of one municipality.

    Raises :class:`AccessDeniedError` unless the principal may view the municipality's
    confidential data (district roles; Kommune users for their own municipality only),
    :class:`NotFoundError` for an unknown municipality.
    """
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    municipality = require_municipality(session, municipality_id)
    groups: dict[str, tuple[KenndatenItem, ...]] = {}
    for spec in GROUPS.values():
        model = spec.model
        stmt = select(model).where(model.municipality_id == municipality_id)
        stmt = stmt.order_by(*_order_by(spec))
        groups[spec.key] = tuple(to_item(spec, row) for row in session.scalars(stmt))
    from cockpit.services.profile import population_of

    population = population_of(session, municipality_id)
    return KenndatenView(
        municipality_id=municipality.id,
        ags=municipality.ags,
        name=municipality.name,
        groups=groups,
        cluster_choices=cluster_choices(session),
        staff_benchmark=_staff_benchmark(session, municipality, groups["staff"]),
        population=population.value if population else None,
        can_edit=authz.may(principal, Permission.EDIT_KENNDATEN, municipality_id),
    )


def _order_by(spec: GroupSpec) -> tuple[Any, ...]:
    model = spec.model
    if spec.key == "staff":
        return (model.year,)
    if spec.key == "investments":
        return (model.sector, model.kind, model.year, model.id)
    if spec.key == "council":
        return (model.election_date.desc(), model.seats.desc(), model.party)
    if spec.key == "focus":
        return (model.cluster_id, model.focus, model.id)
    return (model.name, model.id)


def _staff_benchmark(
    session: Session, municipality: Municipality, own_staff: Sequence[KenndatenItem]
) -> StaffBenchmark | None:
    """Median staff per 1.000 inhabitants over the district, for the own latest year.

    Staff counts are confidential, so only the median over at least
    :data:`authz.MIN_AGGREGATE_GROUP` municipalities leaves this function (no single values).
    """
    if not own_staff:
        return None
    from cockpit.services.profile import population_by_municipality

    year = max(int(item.values["year"]) for item in own_staff)
    rows = session.execute(
        select(StaffCount.municipality_id, StaffCount.headcount)
        .join(Municipality, Municipality.id == StaffCount.municipality_id)
        .where(StaffCount.year == year, Municipality.district_id == municipality.district_id)
    ).all()
    population = population_by_municipality(session, municipality.district_id)
    ratios = {
        mid: headcount * 1000.0 / population[mid].value
        for mid, headcount in rows
        if mid in population and population[mid].value
    }
    if len(ratios) < authz.MIN_AGGREGATE_GROUP:
        return None
    return StaffBenchmark(
        year=year,
        own_per_1000=ratios.get(municipality.id),
        median_per_1000=statistics.median(ratios.values()),
        municipality_count=len(ratios),
    )
