"""Use case: the Themencluster lens (who has a cluster as current or future focus)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import ActorKind, FocusKind
from cockpit.models import ClusterFocus, Municipality, ThemeCluster
from cockpit.services import authz


@dataclass(frozen=True)
class ClusterEntry:
    """One municipality's focus in a theme cluster."""

    municipality_id: int
    ags: str
    name: str
    focus: str
    focus_label: str
    description: str
    actors: Mapping[str, tuple[str, ...]]  # ActorKind label -> names
    is_demo: bool


@dataclass(frozen=True)
class ClusterCount:
    """Municipalities per cluster; ``None`` = suppressed (1–4, shown only as "weniger als 5")."""

    cluster_id: int
    name: str
    current: int | None
    future: int | None


@dataclass(frozen=True)
class ClusterOverview:
    """The Themencluster lens: who has a cluster as current or future focus.

    ``entries`` holds only municipalities the principal may see Kenndaten of; the counts
    are district-wide aggregates. ``complete`` says whether ``entries`` is the full list;
    ``any_demo`` whether any counted record is demo data (so aggregates get the demo note).
    """

    cluster_id: int | None
    cluster_name: str
    entries: tuple[ClusterEntry, ...]
    current_count: int | None
    future_count: int | None
    counts: tuple[ClusterCount, ...]
    complete: bool
    any_demo: bool = False


def cluster_overview(
    session: Session, principal: Principal, cluster_id: int | None
) -> ClusterOverview:
    """Which municipalities have ``cluster_id`` as focus (scoped), plus counts per cluster.

    ``cluster_id`` is untrusted; ``None`` or an unknown id selects the first cluster.
    """
    authz.require(principal, Permission.VIEW_PUBLIC)
    scope = authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)
    clusters = session.scalars(
        select(ThemeCluster).order_by(ThemeCluster.sort_order, ThemeCluster.name)
    ).all()
    counts_raw: dict[tuple[int, FocusKind], set[int]] = {}
    any_demo = False
    for cid, mid, focus, is_demo in session.execute(
        select(
            ClusterFocus.cluster_id,
            ClusterFocus.municipality_id,
            ClusterFocus.focus,
            ClusterFocus.is_demo,
        )
    ):
        counts_raw.setdefault((cid, focus), set()).add(mid)
        any_demo = any_demo or bool(is_demo)

    def count(cid: int, focus: FocusKind) -> int | None:
        # Counts of a confidential field single out municipalities when small: principals
        # without district-wide access get them only from authz.MIN_AGGREGATE_GROUP upwards.
        n = len(counts_raw.get((cid, focus), ()))
        if scope.all_municipalities or n == 0 or n >= authz.MIN_AGGREGATE_GROUP:
            return n
        return None

    counts = tuple(
        ClusterCount(c.id, c.name, count(c.id, FocusKind.CURRENT), count(c.id, FocusKind.FUTURE))
        for c in clusters
    )
    selected = next((c for c in clusters if c.id == cluster_id), clusters[0] if clusters else None)
    if selected is None:
        return ClusterOverview(None, "", (), 0, 0, counts, scope.all_municipalities, any_demo)
    stmt = (
        select(ClusterFocus, Municipality)
        .join(Municipality, Municipality.id == ClusterFocus.municipality_id)
        .where(ClusterFocus.cluster_id == selected.id)
        .where(scope.clause(ClusterFocus.__table__.c.municipality_id))
        .order_by(Municipality.name, ClusterFocus.focus)
    )
    entries = []
    for focus_item, municipality in session.execute(stmt):
        actors: dict[str, tuple[str, ...]] = {}
        for kind in ActorKind:
            names = tuple(a.name for a in focus_item.actors if a.kind is kind)
            if names:
                actors[kind.label] = names
        entries.append(
            ClusterEntry(
                municipality_id=municipality.id,
                ags=municipality.ags,
                name=municipality.name,
                focus=focus_item.focus.value,
                focus_label=focus_item.focus.label,
                description=focus_item.description,
                actors=actors,
                is_demo=focus_item.is_demo,
            )
        )
    selected_count = next(c for c in counts if c.cluster_id == selected.id)
    return ClusterOverview(
        cluster_id=selected.id,
        cluster_name=selected.name,
        entries=tuple(entries),
        current_count=selected_count.current,
        future_count=selected_count.future,
        counts=counts,
        complete=scope.all_municipalities,
        any_demo=any_demo,
    )
