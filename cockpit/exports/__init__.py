"""Snapshot, report and data export rendering (adapter layer next to the dashboard).

``init_app(app)`` registers the download routes under ``/export``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the export blueprint (download routes, job page) and the export job kinds
    on the app's job queue."""
    from cockpit.exports import jobs
    from cockpit.exports.routes import bp
    from cockpit.jobqueue import EXTENSION

    app.register_blueprint(bp)
    jobs.register(app.extensions[EXTENSION])
