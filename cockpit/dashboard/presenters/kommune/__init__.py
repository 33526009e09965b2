"""Presenters of the municipality cockpit: service results -> Plotly figures and Dash trees.

Pure functions (no database, no request): every chart comes with a data table (accessible
alternative), its source and "Stand"; demo records are labelled "Demo-Daten". One module per
feature; this package re-exports the names the pages and tests use.
"""

from __future__ import annotations

from cockpit.dashboard.presenters.kommune.header import (
    areas_table,
    header_block,
    header_facts,
    profile_map_figure,
)
from cockpit.dashboard.presenters.kommune.history import display_value, history_table
from cockpit.dashboard.presenters.kommune.investments import (
    investment_figure,
    investment_totals,
    investments_section,
)
from cockpit.dashboard.presenters.kommune.kpis import (
    band_position,
    band_text,
    kpi_block,
    kpi_card,
    kpi_table,
    sparkline_figure,
    trend_text,
)
from cockpit.dashboard.presenters.kommune.parts import (
    AREA_COLOURS,
    BACKLOG_COLOUR,
    BOUNDARY_ATTRIBUTION,
    DEMO_LABEL,
    GRAPH_CONFIG,
    OTHER_PARTY_COLOUR,
    PARTY_COLOURS,
    PLANNED_COLOUR,
    add_button,
    data_table,
    demo_badge,
    empty_note,
    figure_block,
    item_buttons,
    items_note,
    kenndaten_section,
    sized_figure,
    source_note,
)
from cockpit.dashboard.presenters.kommune.people import (
    contacts_section,
    staff_per_1000,
    staff_section,
)
from cockpit.dashboard.presenters.kommune.sections import (
    SECTION_BUILDERS,
    council_figure,
    council_section,
    enterprises_section,
    focus_section,
    kenndaten_sections,
    memberships_section,
    party_colour,
)

__all__ = [
    "AREA_COLOURS",
    "BACKLOG_COLOUR",
    "BOUNDARY_ATTRIBUTION",
    "DEMO_LABEL",
    "GRAPH_CONFIG",
    "OTHER_PARTY_COLOUR",
    "PARTY_COLOURS",
    "PLANNED_COLOUR",
    "SECTION_BUILDERS",
    "add_button",
    "areas_table",
    "band_position",
    "band_text",
    "contacts_section",
    "council_figure",
    "council_section",
    "data_table",
    "demo_badge",
    "display_value",
    "empty_note",
    "enterprises_section",
    "figure_block",
    "focus_section",
    "header_block",
    "header_facts",
    "history_table",
    "investment_figure",
    "investment_totals",
    "investments_section",
    "item_buttons",
    "items_note",
    "kenndaten_section",
    "kenndaten_sections",
    "kpi_block",
    "kpi_card",
    "kpi_table",
    "memberships_section",
    "party_colour",
    "profile_map_figure",
    "sized_figure",
    "source_note",
    "sparkline_figure",
    "staff_per_1000",
    "staff_section",
    "trend_text",
]
