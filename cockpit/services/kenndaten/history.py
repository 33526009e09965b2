"""Use cases: the change history of a Kenndaten item or of a whole municipality."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.roles import Permission, Principal
from cockpit.models import ChangeRecord
from cockpit.services import authz
from cockpit.services.kenndaten.snapshots import item_title
from cockpit.services.kenndaten.specs import (
    ACTION_LABELS,
    ENTITY_LABELS,
    GROUPS,
    get_group,
    group_for_entity,
)
from cockpit.services.kenndaten.validation import is_empty


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: dt.datetime
    user_name: str
    action: str
    action_label: str
    group: str
    entity_label: str
    entity_id: int
    title: str
    changes: tuple[FieldChange, ...] = field(default_factory=tuple)


def _history_entry(record: ChangeRecord) -> HistoryEntry:
    spec = group_for_entity(record.entity)
    old = record.old_values or {}
    new = record.new_values or {}
    changes: list[FieldChange] = []
    if spec is not None:
        for fspec in spec.fields:
            before, after = old.get(fspec.name), new.get(fspec.name)
            if record.action == "update" and before == after:
                continue
            if record.action != "update" and is_empty(before) and is_empty(after):
                continue
            changes.append(FieldChange(fspec.name, fspec.label, before, after))
    group = spec.key if spec else record.entity
    return HistoryEntry(
        id=record.id,
        at=record.at,
        user_name=record.user_name,
        action=record.action,
        action_label=ACTION_LABELS.get(record.action, record.action),
        group=group,
        entity_label=ENTITY_LABELS.get(record.entity, record.entity),
        entity_id=record.entity_id,
        title=item_title(group, new or old),
        changes=tuple(changes),
    )


def item_history(
    session: Session, principal: Principal, municipality_id: int, group: str, item_id: int
) -> list[HistoryEntry]:
    """Change history of one item, newest first (also for deleted items)."""
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    spec = get_group(group)
    records = session.scalars(
        select(ChangeRecord)
        .where(
            ChangeRecord.municipality_id == municipality_id,
            ChangeRecord.entity == spec.entity,
            ChangeRecord.entity_id == item_id,
        )
        .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
    )
    return [_history_entry(r) for r in records]


def municipality_history(
    session: Session, principal: Principal, municipality_id: int, limit: int = 50
) -> list[HistoryEntry]:
    """The latest Kenndaten changes of one municipality, newest first."""
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    entities = [spec.entity for spec in GROUPS.values()]
    records = session.scalars(
        select(ChangeRecord)
        .where(ChangeRecord.municipality_id == municipality_id, ChangeRecord.entity.in_(entities))
        .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    return [_history_entry(r) for r in records]
