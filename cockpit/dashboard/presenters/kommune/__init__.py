"""Presenters of the municipality cockpit: service results -> Plotly figures and Dash trees.

Pure functions (no database, no request): every chart comes with a data table (accessible
alternative), its source and "Stand"; demo records are labelled "Demo-Daten". One module per
feature; this package re-exports the names the pages and tests use."""

from __future__ import annotations

from cockpit.dashboard.presenters.kommune.header import (
    header_block,
    header_facts,
    profile_map_figure,
)
from cockpit.dashboard.presenters.kommune.history import history_table
from cockpit.dashboard.presenters.kommune.investments import investment_figure, investment_totals
from cockpit.dashboard.presenters.kommune.kpis import (
    band_text,
    kpi_block,
    sparkline_figure,
    trend_text,
)
from cockpit.dashboard.presenters.kommune.parts import (
    BOUNDARY_ATTRIBUTION,
    GRAPH_CONFIG,
    OTHER_PARTY_COLOUR,
    data_table,
    demo_badge,
    figure_block,
    source_note,
)
from cockpit.dashboard.presenters.kommune.sections import council_figure, kenndaten_sections

__all__ = [
    "BOUNDARY_ATTRIBUTION",
    "GRAPH_CONFIG",
    "OTHER_PARTY_COLOUR",
    "band_text",
    "council_figure",
    "data_table",
    "demo_badge",
    "figure_block",
    "header_block",
    "header_facts",
    "history_table",
    "investment_figure",
    "investment_totals",
    "kenndaten_sections",
    "kpi_block",
    "profile_map_figure",
    "source_note",
    "sparkline_figure",
    "trend_text",
]
