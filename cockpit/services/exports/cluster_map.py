"""Themencluster lens: the focus map and the two tables of one theme cluster.

The data comes only from :func:`kenndaten.cluster_overview`: a Kommune user's foreign
municipalities have no visible focus, and district-wide counts below
:data:`authz.MIN_AGGREGATE_GROUP` read "weniger als 5" — exactly as on screen.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError
from cockpit.domain.roles import Principal
from cockpit.domain.vocab import FocusKind
from cockpit.services import authz, kenndaten
from cockpit.services.config import ServiceConfig
from cockpit.services.exports.outlines import load_outlines
from cockpit.services.exports.provenance import (
    Provenance,
    WithMapProvenance,
    export_context,
    hash_payload,
)
from cockpit.services.exports.tables import Column, TableData, make_table
from layers.palettes import FOCUS_CATEGORIES, FOCUS_CURRENT, FOCUS_FUTURE

log = logging.getLogger(__name__)

CLUSTER_LENS: Final = "themencluster"
CLUSTER_SOURCE: Final = "Kenndaten der Kommunen"
_UMLAUTS: Final = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)
ENTRY_COLUMNS: Final = (
    Column("ags", "Gemeindeschlüssel (AGS)"),
    Column("name", "Kommune"),
    Column("focus", "Schwerpunkt"),
    Column("description", "Beschreibung"),
    Column("actors", "Akteure"),
    Column("is_demo", "Demo-Daten", "bool"),
)
COUNT_COLUMNS: Final = (
    Column("cluster", "Themencluster"),
    Column("current", "derzeitiger Schwerpunkt (Anzahl Kommunen)", "int"),
    Column("future", "zukünftiger Schwerpunkt (Anzahl Kommunen)", "int"),
)


def cluster_count_text(count: int | None) -> str:
    """A municipality count of the lens; suppressed small counts read "weniger als 5"."""
    return f"weniger als {authz.MIN_AGGREGATE_GROUP}" if count is None else str(count)


def cluster_focus_codes(overview: kenndaten.ClusterOverview) -> dict[str, int]:
    """Focus category per AGS (see :data:`layers.palettes.FOCUS_CATEGORIES`); the screen map
    and the snapshot both colour by this, so they agree per municipality."""
    codes: dict[str, int] = {}
    for entry in overview.entries:
        bit = FOCUS_CURRENT if entry.focus == FocusKind.CURRENT.value else FOCUS_FUTURE
        codes[entry.ags] = codes.get(entry.ags, 0) | bit
    return codes


def _ascii_name(text: str) -> str:
    clean = "".join(c if c.isalnum() else "_" for c in text.translate(_UMLAUTS))
    return re.sub(r"_+", "_", clean).strip("_").lower().encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class ClusterLegendItem:
    code: int
    label: str
    colour: str
    count: int  # municipalities drawn in this category (what the principal sees)


@dataclass(frozen=True)
class ClusterMapData(WithMapProvenance):
    """Authorized content of the Themencluster map snapshot.

    ``frame``: one row per municipality (``ags``, ``name``, ``code``, ``label``, ``colour``,
    geometry in the metric CRS); only municipalities whose Kenndaten the principal may see
    can have a focus, all others are category 0 — as on the screen map.
    """

    overview: kenndaten.ClusterOverview
    frame: gpd.GeoDataFrame
    legend: tuple[ClusterLegendItem, ...]
    provenance: Provenance

    @property
    def params(self) -> dict[str, Any]:
        return _params(self.overview)


def _params(overview: kenndaten.ClusterOverview) -> dict[str, Any]:
    return {"lens": CLUSTER_LENS, "cluster": overview.cluster_id}


def _is_demo(overview: kenndaten.ClusterOverview) -> bool:
    return overview.any_demo or any(e.is_demo for e in overview.entries)


def _cluster_overview(
    session: Session, principal: Principal, cluster_id: int | None
) -> kenndaten.ClusterOverview:
    """The lens's data (scoped by :func:`kenndaten.cluster_overview`); unknown id = 404."""
    overview = kenndaten.cluster_overview(session, principal, cluster_id)
    if overview.cluster_id is None:
        raise NotFoundError("no theme clusters", "Es sind noch keine Themencluster angelegt.")
    if cluster_id is not None and overview.cluster_id != cluster_id:
        raise NotFoundError(
            f"unknown theme cluster {cluster_id}", "Das Themencluster wurde nicht gefunden."
        )
    return overview


def _cluster_hash(overview: kenndaten.ClusterOverview, geometry: str) -> str:
    return hash_payload(
        {
            "cluster": overview.cluster_id,
            "entries": [
                [e.ags, e.focus, e.description, {k: list(v) for k, v in e.actors.items()}]
                for e in overview.entries
            ],
            "counts": [[c.cluster_id, c.current, c.future] for c in overview.counts],
            "geometry": geometry,
        }
    )


def get_cluster_map_data(
    session: Session,
    principal: Principal,
    cluster_id: int | None,
    *,
    config: ServiceConfig,
) -> ClusterMapData:
    """The Themencluster map as the principal sees it (needs ``EXPORT_DATA``).

    Raises :class:`NotFoundError` for an unknown cluster.
    """
    context = export_context(session, principal, config)
    overview = _cluster_overview(session, principal, cluster_id)
    codes = cluster_focus_codes(overview)
    categories = {code: (label, colour) for code, label, colour in FOCUS_CATEGORIES}
    outlines = load_outlines(session)
    frame = outlines.frame(
        config.metric_crs,
        code=[codes.get(a, 0) for a in outlines.ags],
        label=[categories[codes.get(a, 0)][0] for a in outlines.ags],
        colour=[categories[codes.get(a, 0)][1] for a in outlines.ags],
    )
    legend = tuple(
        ClusterLegendItem(code, label, colour, int((frame["code"] == code).sum()))
        for code, label, colour in FOCUS_CATEGORIES
    )
    data_hash = _cluster_hash(overview, outlines.digest)
    log.info(
        "cluster map data: user=%s cluster=%s entries=%d hash=%s",
        principal.log_ref,
        overview.cluster_id,
        len(overview.entries),
        data_hash[:12],
    )
    return ClusterMapData(
        overview=overview,
        frame=frame,
        legend=legend,
        provenance=context.provenance(
            sources=(CLUSTER_SOURCE,),
            is_demo=_is_demo(overview),
            data_hash=data_hash,
            extent=outlines.extent,
            outline=outlines.outline,
        ),
    )


def get_cluster_tables(
    session: Session,
    principal: Principal,
    cluster_id: int | None,
    *,
    config: ServiceConfig,
) -> tuple[str, list[TableData]]:
    """The two tables of the Themencluster lens, exactly as shown (needs ``EXPORT_DATA``):
    the visible municipalities with a focus in the cluster, and the municipalities per
    cluster (suppressed small counts as "weniger als 5" for roles without district access).
    Returns ``(title, tables)``; the title names the cluster.
    """
    context = export_context(session, principal, config)
    overview = _cluster_overview(session, principal, cluster_id)
    entry_rows = [
        (
            e.ags,
            e.name,
            e.focus_label,
            e.description,
            "; ".join(f"{kind}: {', '.join(names)}" for kind, names in e.actors.items()),
            e.is_demo,
        )
        for e in overview.entries
    ]
    count_rows = [
        (
            c.name,
            c.current if c.current is not None else cluster_count_text(None),
            c.future if c.future is not None else cluster_count_text(None),
        )
        for c in overview.counts
    ]
    common: dict[str, Any] = {
        "sources": (CLUSTER_SOURCE,),
        "is_demo": _is_demo(overview),
        "params": _params(overview),
    }
    return f"Themencluster {overview.cluster_name}", [
        make_table(
            context,
            f"themencluster_{_ascii_name(overview.cluster_name)}",
            "Kommunen mit Schwerpunkt",
            ENTRY_COLUMNS,
            entry_rows,
            **common,
        ),
        make_table(
            context,
            "themencluster_anzahl",
            "Anzahl je Themencluster",
            COUNT_COLUMNS,
            count_rows,
            **common,
        ),
    ]
