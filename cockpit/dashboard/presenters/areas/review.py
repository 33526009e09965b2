"""Review queue ("Prüfung"): proposal list and the old/new comparison."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dash import html
from dash.development.base_component import Component

from cockpit.dashboard.presenters.areas.common import alert
from cockpit.dashboard.presenters.areas.geometry import leaflet_bounds
from cockpit.domain.vocab import ReviewState
from cockpit.services.areas.review import ProposalInfo, ProposalReview


def review_state(value: str | None) -> ReviewState | None:
    try:
        return ReviewState(value) if value else None
    except ValueError:
        return ReviewState.OPEN


def proposal_list(items: Sequence[ProposalInfo], selected: Any, row_type: str) -> Component:
    if not items:
        return html.P("Keine Vorschläge in dieser Ansicht.", role="status")
    entries = []
    for item in items:
        current = isinstance(selected, int) and item.id == selected
        entries.append(
            html.Li(
                [
                    html.Button(
                        f"Nr. {item.id}: {item.area_name or 'ohne Namen'}",
                        id={"type": row_type, "index": item.id},
                        className="fl-link",
                        **({"aria-current": "true"} if current else {}),
                    ),
                    html.Div(
                        f"{item.kind_label} · {item.municipality_name} · {item.created_text} · "
                        f"{item.state_label}",
                        className="fl-muted",
                    ),
                ],
                className="fl-row-selected" if current else None,
            )
        )
    return html.Ul(entries, className="fl-proposals")


def feature_bounds(features: Iterable[Mapping[str, Any] | None]) -> list[list[float]] | None:
    """Leaflet bounds around the given GeoJSON features (EPSG:4326)."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], (int, float)):
            xs.append(float(coords[0]))
            ys.append(float(coords[1]))
            return
        for part in coords or ():
            walk(part)

    for feature in features:
        if feature:
            walk((feature.get("geometry") or {}).get("coordinates"))
    if not xs:
        return None
    return leaflet_bounds((min(xs), min(ys), max(xs), max(ys)))


def review_panel(review: ProposalReview) -> Component:
    """Old vs. new attributes side by side, with warnings and the proposal's comment."""
    info = review.proposal
    children: list[Component] = [
        html.H2(f"Vorschlag Nr. {info.id}: {info.area_name}", id="review-heading"),
        html.P(
            f"{info.kind_label} · {info.municipality_name} · eingereicht {info.created_text}"
            + (f" von {info.proposed_by_name}" if info.proposed_by_name else "")
            + f" · {info.state_label}",
            className="fl-muted",
        ),
    ]
    if info.comment:
        children.append(html.P(f"Kommentar der Gemeinde: {info.comment}"))
    if info.review_reason:
        children.append(html.P(f"Begründung der Prüfung: {info.review_reason}"))
    if review.warnings:
        children.append(alert(html.Ul([html.Li(w) for w in review.warnings]), "warning"))
    rows = [
        html.Tr([html.Th(d.label, scope="row"), html.Td(d.old_text), html.Td(d.new_text)])
        for d in review.diffs
    ]
    children.append(
        html.Table(
            [
                html.Caption("Änderungen"),
                html.Thead(
                    html.Tr(
                        [
                            html.Th("Feld", scope="col"),
                            html.Th("bisher", scope="col"),
                            html.Th("Vorschlag", scope="col"),
                        ]
                    )
                ),
                html.Tbody(rows or [html.Tr(html.Td("keine Attributänderungen", colSpan=3))]),
            ],
            className="fl-table",
        )
    )
    return html.Article(children, className="fl-detail")
