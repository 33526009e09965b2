"""Conversation mode ("Erhebungsgespräch"): progress, area card, protocol."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dash import html
from dash.development.base_component import Component

from cockpit.dashboard.presenters.areas.common import EMPTY_FC
from cockpit.dashboard.presenters.areas.detail import definition_list
from cockpit.dashboard.presenters.areas.geometry import split_layers
from cockpit.domain.errors import ValidationError
from cockpit.domain.vocab import AreaKind, ConfirmationMethod, SurveyOutcome
from cockpit.services.areas import AreaDetail
from cockpit.services.areas.survey import SurveyProtocol, SurveyRow, SurveyView


def parse_day(value: str | None) -> dt.date:
    """``YYYY-MM-DD`` from a date input; German message when missing or malformed."""
    try:
        return dt.date.fromisoformat(str(value or "")[:10])
    except ValueError as error:
        raise ValidationError(
            f"bad date {value!r}", "Bitte geben Sie ein gültiges Datum an.", "held_on"
        ) from error


def method(value: str | None) -> ConfirmationMethod:
    try:
        return ConfirmationMethod(value or ConfirmationMethod.GESPRAECH.value)
    except ValueError as error:
        raise ValidationError(
            f"bad method {value!r}", "Bitte wählen Sie die Art der Erhebung.", "method"
        ) from error


def _walk_rows(view: SurveyView) -> list[SurveyRow]:
    """The areas to discuss: every non-deleted area plus those handled in this survey."""
    return [r for r in view.rows if not r.is_deleted or r.outcome is not None]


def current_row(view: SurveyView, index: Any) -> SurveyRow | None:
    rows = _walk_rows(view)
    if not rows:
        return None
    position = index if isinstance(index, int) else 0
    return rows[min(max(position, 0), len(rows) - 1)]


def next_open_index(view: SurveyView, index: Any) -> int:
    """The next area without an outcome (after the current one, else from the start)."""
    rows = _walk_rows(view)
    start = index if isinstance(index, int) else 0
    order = list(range(start + 1, len(rows))) + list(range(0, start + 1))
    for position in order:
        if rows[position].outcome is None:
            return position
    return min(start, max(len(rows) - 1, 0))


def progress(view: SurveyView, index: Any) -> Component:
    """``Fläche 3 von 7`` plus how many are done, as text and bar."""
    rows = _walk_rows(view)
    total = len(rows)
    done = sum(1 for r in rows if r.outcome is not None)
    position = (min(max(index, 0), total - 1) + 1) if isinstance(index, int) and total else 0
    percent = round(100 * done / total) if total else 100
    return html.Div(
        [
            html.P(
                f"Fläche {position} von {total} · erledigt: {done} von {total}",
                className="fl-progress",
            ),
            html.Div(
                html.Div(style={"width": f"{percent}%"}),
                className="fl-progress-bar",
                role="progressbar",
                **{"aria-valuenow": str(done), "aria-valuemin": "0", "aria-valuemax": str(total)},
            ),
            html.P(
                f"{view.municipality_name} · {view.held_on_text} · {view.method_label} · "
                f"{view.participants}",
                className="fl-muted",
            ),
        ]
    )


def area_card(view: SurveyView, row: SurveyRow | None, detail: AreaDetail | None) -> Component:
    if row is None or detail is None:
        return html.P(
            f"{view.municipality_name} hat keine erfassten Flächen. Erfassen Sie neue Flächen "
            "unten mit „Neue Fläche erfassen“."
        )
    outcome = (
        html.P(f"Ergebnis in diesem Gespräch: {row.outcome_label}", className="fl-summary")
        if row.outcome is not None
        else html.P("Noch kein Ergebnis.", className="fl-muted")
    )
    wanted = ("kind", "area_ha", "net_area_ha", "status", "planning_status", "ownership")
    return html.Article(
        [
            html.H2(detail.name, id="survey-area-heading"),
            outcome,
            html.P(detail.confirmation_text, className="fl-confirmation"),
            definition_list((a.label, a.text) for a in detail.attributes if a.key in wanted),
        ],
        className="fl-detail",
    )


def detail_layers(detail: AreaDetail | None) -> dict[AreaKind, dict[str, Any]]:
    if detail is None:
        return {kind: EMPTY_FC for kind in AreaKind}
    feature = dict(detail.geojson)
    feature["properties"] = {
        **(feature.get("properties") or {}),
        "id": detail.id,
        "name": detail.name,
        "kind": detail.kind.value,
        "status": detail.status.value,
        "status_label": detail.status.label,
        "area_ha": detail.area_ha,
        "stale": detail.stale,
    }
    return split_layers({"type": "FeatureCollection", "features": [feature]})


def changes(status: str | None, name: str | None, net_area_ha: Any) -> dict[str, Any]:
    """The "geändert" form: only filled fields count as changes."""
    result: dict[str, Any] = {}
    if status:
        result["status"] = status
    if name and name.strip():
        result["name"] = name.strip()
    if net_area_ha not in (None, ""):
        result["net_area_ha"] = net_area_ha
    return result


def _outcome_label(key: str) -> str:
    try:
        return str(SurveyOutcome(key).label)
    except ValueError:
        return key


def protocol_summary(protocol: SurveyProtocol) -> Component:
    counts = ", ".join(f"{_outcome_label(key)}: {count}" for key, count in protocol.counts.items())
    return html.Div(
        [
            html.P(
                f"Gespräch mit {protocol.municipality_name} am {protocol.held_on_text} "
                f"abgeschlossen ({protocol.closed_text})."
            ),
            html.P(f"Ergebnisse – {counts}."),
            html.P(f"Teilnehmende: {protocol.participants}", className="fl-muted"),
        ]
    )
