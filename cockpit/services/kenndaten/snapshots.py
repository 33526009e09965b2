"""Kenndaten items as the UI sees them, and their JSON snapshots for the change records."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cockpit.services.kenndaten.specs import ACTOR_FIELDS, GROUPS, GroupSpec


@dataclass(frozen=True)
class KenndatenItem:
    """One Kenndaten item as the UI sees it (``values`` holds Python values per field)."""

    group: str
    id: int
    version: int
    values: Mapping[str, Any]
    source: str
    as_of: dt.date | None
    is_demo: bool
    updated_at: dt.datetime | None


def _json_value(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _item_values(spec: GroupSpec, item: Any) -> dict[str, Any]:
    """The editable values of ``item`` as Python values (enums as their string value)."""
    values: dict[str, Any] = {}
    for fspec in spec.fields:
        if fspec.kind == "lines":
            kind = ACTOR_FIELDS[fspec.name]
            values[fspec.name] = [a.name for a in item.actors if a.kind is kind]
            continue
        value = getattr(item, fspec.name)
        if isinstance(value, enum.Enum):
            value = value.value
        if fspec.name == "cluster_id" and value is not None:
            value = str(value)
        values[fspec.name] = value
    return values


def snapshot(spec: GroupSpec, item: Any) -> dict[str, Any]:
    snap = {k: _json_value(v) for k, v in _item_values(spec, item).items()}
    if spec.key == "focus" and item.cluster is not None:
        snap["cluster_name"] = item.cluster.name
    return snap


def editable_part(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k != "cluster_name"}


def to_item(spec: GroupSpec, item: Any) -> KenndatenItem:
    values = _item_values(spec, item)
    if spec.key == "focus":
        values["cluster_name"] = item.cluster.name if item.cluster is not None else ""
    return KenndatenItem(
        group=spec.key,
        id=item.id,
        version=item.version,
        values=values,
        source=item.source,
        as_of=item.as_of,
        is_demo=item.is_demo,
        updated_at=item.updated_at,
    )


def item_title(group: str, values: Mapping[str, Any]) -> str:
    """A short German title for an item (used in histories and confirmations)."""
    if group in ("contacts", "enterprises", "memberships"):
        return str(values.get("name") or "")
    if group == "staff":
        return f"Jahr {values.get('year')}"
    if group == "investments":
        sector = GROUPS["investments"].field("sector")
        kind = GROUPS["investments"].field("kind")
        return " – ".join(
            [
                dict(sector.choices).get(str(values.get("sector")), str(values.get("sector"))),
                dict(kind.choices).get(str(values.get("kind")), str(values.get("kind"))),
                str(values.get("year")),
            ]
        )
    if group == "council":
        return f"{values.get('party')} ({values.get('election_date')})"
    if group == "focus":
        focus = dict(GROUPS["focus"].field("focus").choices).get(str(values.get("focus")), "")
        return f"{values.get('cluster_name') or values.get('cluster_id')} – {focus}"
    return ""
