"""Dash adapter: the shell, pages, presenters and the geometry route.

``init_app(server)`` mounts one Dash app on the Flask server. Several apps may live in one
process (tests), so nothing is registered globally: no ``use_pages``, no ``dash.callback``.
"""

from __future__ import annotations

from dash import Dash
from flask import Flask

from cockpit.settings import PROJECT_ROOT


def init_app(server: Flask) -> Dash:
    """Create the Dash app on ``server``; also available as ``server.extensions["dash_app"]``."""
    from cockpit.dashboard import compression, geo, shell

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
        # and DataTable included, before the first callback). Plotly itself is preloaded by
        # the page head (shell.INDEX_STRING) so the map does not wait for its download.
        eager_loading=False,
    )
    dash_app.index_string = shell.INDEX_STRING  # lang="de", one footer landmark only
    server.extensions["dash_app"] = dash_app
    pages = shell.discover_pages()
    dash_app.layout = shell.layout
    shell.register_callbacks(dash_app, pages)
    for page in pages:
        page.register_callbacks(dash_app)
    geo.init_app(server)
    compression.init_app(server)
    return dash_app
