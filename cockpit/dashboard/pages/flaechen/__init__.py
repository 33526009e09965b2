"""District page "Flächen": map layers, filters, table, detail, editing, due list, exchange.

Callbacks are thin: read inputs, get the principal and the session, call one service, hand
the result to :mod:`cockpit.dashboard.presenters.areas` or a bundle of this package whose
``outputs()`` is the callback's Output tuple, return. The services authorize every call; the
UI only hides what a role cannot use. One module per feature: ``listing`` (filters, map
layers, table), ``detail`` (selected area, delete / restore), ``form_layout``, ``form`` and
``geometry`` (editing and proposals), ``due`` (fällige Bestätigungen), ``exchange`` (import /
export); ``layout`` puts them together.
"""

from __future__ import annotations

import re

from dash import Dash

from cockpit.dashboard.pages.flaechen import detail, due, exchange, form, geometry, listing
from cockpit.dashboard.pages.flaechen.common import MAP_IDS
from cockpit.dashboard.pages.flaechen.layout import layout

PATH = re.compile(r"^/flaechen$")
TITLE = "Flächen"
NAV_ORDER = 10


def register_callbacks(app: Dash) -> None:
    """All callbacks of the page (registered on ``app``, never globally)."""
    for module in (listing, detail, form, geometry, due, exchange):
        module.register(app)


__all__ = ["MAP_IDS", "NAV_ORDER", "PATH", "TITLE", "layout", "register_callbacks"]
