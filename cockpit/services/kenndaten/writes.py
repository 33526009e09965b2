"""Use cases: create, update and delete Kenndaten items (optimistic locking, change records)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ConflictError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import FocusKind
from cockpit.models import ChangeRecord, FocusActor, User
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.kenndaten.reads import cluster_choices, require_municipality
from cockpit.services.kenndaten.snapshots import (
    KenndatenItem,
    editable_part,
    item_title,
    snapshot,
    to_item,
)
from cockpit.services.kenndaten.specs import ACTOR_FIELDS, GroupSpec, get_group
from cockpit.services.kenndaten.validation import KenndatenValidationError, validate_values
from cockpit.services.unit_of_work import transaction

log = logging.getLogger(__name__)


def _load_item(session: Session, spec: GroupSpec, municipality_id: int, item_id: int) -> Any:
    model = spec.model
    item = session.scalars(
        select(model).where(model.id == item_id, model.municipality_id == municipality_id)
    ).one_or_none()
    if item is None:
        # Deleted meanwhile, or an id of another municipality (untrusted input): same answer.
        log.warning("%s %s not found for municipality %s", spec.entity, item_id, municipality_id)
        raise ConflictError(
            f"{spec.entity} {item_id} missing in municipality {municipality_id}",
            "Der Datensatz wurde inzwischen gelöscht oder existiert nicht. "
            "Bitte laden Sie die Seite neu.",
        )
    return item


def _user_id(session: Session, principal: Principal) -> int | None:
    return principal.user_id if session.get(User, principal.user_id) is not None else None


def _check_unique(
    session: Session,
    spec: GroupSpec,
    municipality_id: int,
    item_id: int | None,
    clean: Mapping[str, object],
) -> None:
    model = spec.model
    if spec.key == "staff":
        stmt = select(model.id).where(model.year == clean["year"])
        message, fieldname = f"Für das Jahr {clean['year']} ist bereits ein Wert erfasst.", "year"
    elif spec.key == "council":
        stmt = select(model.id).where(
            model.election_date == clean["election_date"], model.party == clean["party"]
        )
        message = "Für diese Partei/Liste und diesen Wahltag ist bereits ein Eintrag erfasst."
        fieldname = "party"
    elif spec.key == "focus":
        stmt = select(model.id).where(
            model.cluster_id == int(str(clean["cluster_id"])),
            model.focus == FocusKind(str(clean["focus"])),
        )
        message = "Dieser Schwerpunkt ist für das Themencluster bereits erfasst."
        fieldname = "focus"
    else:
        return
    stmt = stmt.where(model.municipality_id == municipality_id)
    if item_id is not None:
        stmt = stmt.where(model.id != item_id)
    if session.scalars(stmt).first() is not None:
        raise KenndatenValidationError(f"duplicate {spec.key} item", {fieldname: message})


def _apply(spec: GroupSpec, item: Any, clean: Mapping[str, object]) -> None:
    for fspec in spec.fields:
        value = clean[fspec.name]
        if fspec.kind == "lines":
            continue
        if fspec.kind == "choice":
            if fspec.name == "cluster_id":
                value = int(str(value))
            elif value is not None:
                enum_cls = getattr(spec.model, fspec.name).type.enum_class
                value = enum_cls(str(value))
        if fspec.kind in ("text", "longtext", "email", "phone") and value is None:
            value = ""
        setattr(item, fspec.name, value)
    if spec.key == "focus":
        wanted = [
            (name, kind)
            for fieldname, kind in ACTOR_FIELDS.items()
            for name in clean[fieldname]  # type: ignore[attr-defined]
        ]
        current = {(a.name, a.kind): a for a in item.actors}
        item.actors = [current.get(key) or FocusActor(name=key[0], kind=key[1]) for key in wanted]


def _record(
    session: Session,
    principal: Principal,
    user_id: int | None,
    municipality_id: int,
    spec: GroupSpec,
    entity_id: int,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> None:
    session.add(
        ChangeRecord(
            at=utcnow(),
            user_id=user_id,
            user_name=principal.display_name or principal.username,
            municipality_id=municipality_id,
            entity=spec.entity,
            entity_id=entity_id,
            action=action,
            old_values=old,
            new_values=new,
        )
    )


class _Unchanged(Exception):
    """An update that changes nothing: its transaction is rolled back (no version, no record)."""

    def __init__(self, item_id: int) -> None:
        super().__init__(item_id)
        self.item_id = item_id


def save_item(
    session: Session,
    principal: Principal,
    municipality_id: int,
    group: str,
    item_id: int | None,
    values: Mapping[str, object],
    expected_version: int | None,
) -> KenndatenItem:
    """Create (``item_id`` None) or update one Kenndaten item and record the change.

    Raises :class:`AccessDeniedError` without ``EDIT_KENNDATEN``,
    :class:`KenndatenValidationError` (per-field German messages) for bad values,
    :class:`ConflictError` when ``expected_version`` is not the stored version (nothing is
    overwritten). Commits on success, rolls back on every error.
    """
    authz.require(principal, Permission.EDIT_KENNDATEN, municipality_id)
    spec = get_group(group)
    try:
        with transaction(session, f"{spec.entity} {item_id or 'new'} save"):
            require_municipality(session, municipality_id)
            choices = cluster_choices(session) if spec.key == "focus" else ()
            clean = validate_values(spec, values, choices)
            user_id = _user_id(session, principal)
            old: dict[str, Any] | None = None
            if item_id is None:
                item = _create(session, spec, municipality_id, clean, user_id)
            else:
                item, old = _update(
                    session, spec, municipality_id, item_id, expected_version, clean, user_id
                )
            action = "create" if old is None else "update"
            new = snapshot(spec, item)
            _record(session, principal, user_id, municipality_id, spec, item.id, action, old, new)
    except _Unchanged as unchanged:
        return to_item(spec, _load_item(session, spec, municipality_id, unchanged.item_id))
    log.info(
        "kenndaten %s: %s %s id=%s municipality=%s by %s",
        action,
        spec.entity,
        item_title(spec.key, new),
        item.id,
        municipality_id,
        principal.log_ref,
    )
    return to_item(spec, item)


def _create(
    session: Session,
    spec: GroupSpec,
    municipality_id: int,
    clean: Mapping[str, object],
    user_id: int | None,
) -> Any:
    item = spec.model(municipality_id=municipality_id, version=1, is_demo=False)
    if spec.key == "focus":
        item.actors = []
    _check_unique(session, spec, municipality_id, None, clean)
    _apply(spec, item, clean)
    item.updated_by_id = user_id
    session.add(item)
    session.flush()
    session.refresh(item)
    return item


def _update(
    session: Session,
    spec: GroupSpec,
    municipality_id: int,
    item_id: int,
    expected_version: int | None,
    clean: Mapping[str, object],
    user_id: int | None,
) -> tuple[Any, dict[str, Any]]:
    """Apply ``clean`` to the stored item; returns it and its old snapshot.

    Raises :class:`_Unchanged` if the values are the stored ones (no new version).
    """
    if expected_version is None:
        raise ValidationError(
            f"update of {spec.entity} {item_id} without version",
            "Dem Formular fehlt die Versionsnummer. Bitte laden Sie die Seite neu.",
        )
    item = _load_item(session, spec, municipality_id, item_id)
    if item.version != expected_version:
        raise ConflictError(
            f"{spec.entity} {item_id}: form version {expected_version}, stored {item.version}"
        )
    old = snapshot(spec, item)
    _check_unique(session, spec, municipality_id, item_id, clean)
    _apply(spec, item, clean)
    if editable_part(snapshot(spec, item)) == editable_part(old):
        raise _Unchanged(item_id)
    # Force one UPDATE of the row (bumps ``version`` even if only actors changed).
    item.updated_at = utcnow()
    item.updated_by_id = user_id
    session.flush()
    session.refresh(item)
    return item, old


def delete_item(
    session: Session,
    principal: Principal,
    municipality_id: int,
    group: str,
    item_id: int,
    expected_version: int,
) -> None:
    """Delete one item (old values stay in the history). Same errors as :func:`save_item`."""
    authz.require(principal, Permission.EDIT_KENNDATEN, municipality_id)
    spec = get_group(group)
    with transaction(session, f"{spec.entity} {item_id} delete"):
        item = _load_item(session, spec, municipality_id, item_id)
        if item.version != expected_version:
            raise ConflictError(
                f"delete {spec.entity} {item_id}: form version {expected_version}, "
                f"stored {item.version}"
            )
        old = snapshot(spec, item)
        user_id = _user_id(session, principal)
        session.delete(item)
        session.flush()
        _record(session, principal, user_id, municipality_id, spec, item_id, "delete", old, None)
    log.info(
        "kenndaten delete: %s id=%s municipality=%s by %s",
        spec.entity,
        item_id,
        municipality_id,
        principal.log_ref,
    )
