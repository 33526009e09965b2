"""Dash adapter: the shell, pages, presenters and the geometry route.

``init_app(server)`` mounts one Dash app on the Flask server. Several apps may live in one
process (tests), so nothing is registered globally: no ``use_pages``, no ``dash.callback``.
"""

from __future__ import annotations

import logging

from dash import Dash
from flask import Flask

from cockpit.settings import PROJECT_ROOT

log = logging.getLogger(__name__)
TRIMMED_PLOTLY = "assets/vendor/plotly-cockpit.min.js"  # scripts/plotly/build.mjs


def init_app(server: Flask) -> Dash:
    """Create the Dash app on ``server``; also available as ``server.extensions["dash_app"]``."""
    from cockpit.dashboard import compression, errors, geo, shell

    dash_app = Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash's annotation omits Flask
        url_base_pathname="/",
        assets_folder=str(PROJECT_ROOT / "assets"),
        title=shell.PRODUCT_NAME,
        update_title=None,  # type: ignore[arg-type]  # None disables "Updating…"
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=False,
        # Async chunks load when a page needs them (eager loading parsed ~10 MB of JS, MathJax
        # and DataTable included, before the first callback).
        eager_loading=False,
        on_error=errors.callback_failed,
    )
    # The trimmed Plotly bundle in assets/ defines window.Plotly, so Dash's graph component
    # never loads its full bundle. Without it (no Node.js at set-up) the full one is used.
    trimmed_plotly = (PROJECT_ROOT / TRIMMED_PLOTLY).exists()
    if not trimmed_plotly:
        log.warning(
            "%s missing (scripts/setup.sh builds it): using the full Plotly", TRIMMED_PLOTLY
        )
    dash_app.index_string = shell.index_string(preload_full_plotly=not trimmed_plotly)
    server.extensions["dash_app"] = dash_app
    pages = shell.discover_pages()
    dash_app.layout = shell.layout
    shell.register_callbacks(dash_app, pages)
    for page in pages:
        page.register_callbacks(dash_app)
    geo.init_app(server)
    compression.init_app(server)
    return dash_app
