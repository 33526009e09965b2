"""Snapshot, report and data export rendering (adapter layer next to the dashboard).

``init_app(app)`` registers the download routes under ``/export``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the export blueprint (download routes, "Steckbriefe aller Gemeinden")."""
    from cockpit.exports.routes import bp

    app.register_blueprint(bp)
