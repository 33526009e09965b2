"""One light Plotly template for every chart of the dashboard.

Plotly's default template ("plotly") puts ~6.5 KB of styling JSON into every figure and
makes building a figure about five times slower (each ``update_layout`` merges it). The
cockpit page alone has ~20 charts, so every figure starts from this small template instead.
"""

from __future__ import annotations

from typing import Any, Final

import plotly.graph_objects as go

from cockpit.domain.formatting import PLOTLY_SEPARATORS

FONT_FAMILY: Final = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
_AXIS: Final = {
    "automargin": True,  # tick labels get the room they need (e.g. "20.000.000 €")
    "gridcolor": "#e6e6e6",
    "zerolinecolor": "#bdbdbd",
    "linecolor": "#bdbdbd",
}

TEMPLATE: Final = go.layout.Template(
    layout={
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#1a1a1a"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "hovermode": "closest",
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }
)


def new_figure(data: Any = None, **layout: Any) -> go.Figure:
    """A figure on :data:`TEMPLATE` with German number separators; ``layout`` keywords go
    into its layout."""
    return go.Figure(
        data=data, layout={"template": TEMPLATE, "separators": PLOTLY_SEPARATORS, **layout}
    )
