"""Tab "Fällige Bestätigungen": areas whose confirmation is due, with survey links."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.pages.flaechen.common import refusal_alert
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import CockpitError
from cockpit.services.areas import survey as area_survey
from cockpit.web import get_config, get_db

TAB = "faellig"


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.AREAS_DUE, "children"),
        Input(ids.AREAS_TABS, "value"),
        Input(ids.AREAS_REFRESH, "data"),
        State(ids.AREAS_CONTEXT, "data"),
    )
    def due_list(tab: str | None, _refresh: int | None, context: dict[str, Any] | None) -> Any:
        if tab != TAB:
            return no_update
        principal = current_principal()
        try:
            counts, due = area_survey.list_due(get_db(), principal, config=get_config())
        except CockpitError as error:
            return refusal_alert(error)
        return present.due_panel(counts, due, can_survey=bool((context or {}).get("can_edit")))
