"""Ids, styles and small helpers shared by the modules of the Flächen page."""

from __future__ import annotations

import json
import logging
from typing import Any, Final

from dash import ctx, dcc, html
from dash.development.base_component import Component

from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.presenters.areas import UploadProblem, alert
from cockpit.domain.errors import CockpitError, ConflictError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.services import authz

log = logging.getLogger("cockpit.dashboard.pages.flaechen")

MAP_IDS: Final = amap.area_map_ids(ids.AREAS_MAP_PREFIX)
HIDDEN: Final[dict[str, str]] = {"display": "none"}
SHOWN: Final[dict[str, str]] = {}
FIELD_ID: Final = ids.AREAS_FORM_FIELD
ERROR_ID: Final = ids.AREAS_FORM_ERROR
DELETE_GROUP: Final = f"{ids.AREAS_DELETE}-group"
# Slots of the download links (the link groups carry ids.AREAS_*_DOWNLOADS themselves).
MAP_DOWNLOADS_SLOT: Final = f"{ids.AREAS_MAP_DOWNLOADS}-slot"
TABLE_DOWNLOADS_SLOT: Final = f"{ids.AREAS_TABLE_DOWNLOADS}-slot"


def page_context(principal: Principal) -> dict[str, bool]:
    """What the UI offers ``principal`` (the services authorize every call again)."""
    propose_scope = authz.scope_for(principal, Permission.PROPOSE_AREAS)
    return {
        "can_edit": authz.may(principal, Permission.EDIT_AREAS),
        "can_review": authz.may(principal, Permission.REVIEW_AREAS),
        "can_propose": not propose_scope.is_empty and not propose_scope.all_municipalities,
        "can_export": not authz.scope_for(principal, Permission.EXPORT_DATA).is_empty,
        "can_import": authz.may(principal, Permission.IMPORT_DATA),
    }


def visible(shown: bool) -> dict[str, str]:
    """The style that shows or hides a component."""
    return SHOWN if shown else HIDDEN


def dom_id(control: Component) -> str | None:
    """The DOM id Dash renders (pattern ids become sorted, compact JSON)."""
    control_id = getattr(control, "id", None)
    if isinstance(control_id, dict):
        return json.dumps(control_id, sort_keys=True, separators=(",", ":"))
    return control_id if isinstance(control_id, str) else None


def labelled(label: str, control: Component, field: str | None = None, hint: str = "") -> Any:
    """A form field: label, control, optional hint and (with ``field``) its error slot."""
    children: list[Component] = [html.Label(label, htmlFor=dom_id(control)), control]
    if hint:
        children.append(html.Small(hint, className="fl-hint"))
    if field:
        children.append(
            html.Div(
                id={"type": ERROR_ID, "field": field}, className="fl-field-error", role="alert"
            )
        )
    return html.Div(children, className="fl-field")


def upload_box(component_id: str, what: str) -> Component:
    """A drop zone for one file ("<what> hierher ziehen oder auswählen")."""
    return dcc.Upload(
        id=component_id,
        children=html.Div([f"{what} hierher ziehen oder ", html.U("auswählen")]),
        className="fl-upload",
        multiple=False,
    )


def bump(value: Any) -> int:
    """The next value of a refresh counter store."""
    return int(value or 0) + 1


def clicked() -> bool:
    """Whether the triggering input carries a value (Dash also fires for new components)."""
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


def refusal_text(error: CockpitError | UploadProblem) -> str:
    """The German text of a refused service call or an unusable upload."""
    return error.message if isinstance(error, UploadProblem) else error.user_message


def refusal_alert(error: CockpitError | UploadProblem) -> html.Div:
    return alert(refusal_text(error), "error")


def log_refusal(what: str, principal: Principal, error: Exception) -> None:
    """Expected refusals (bad input, conflicts, uploads) at INFO, everything else at WARNING."""
    expected = isinstance(error, (ConflictError, ValidationError, UploadProblem))
    level = logging.INFO if expected else logging.WARNING
    log.log(level, "%s refused for %s: %s", what, principal.log_ref, error)
