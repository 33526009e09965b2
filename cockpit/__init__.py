"""Kommunal-Cockpit: application factory."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from cockpit.settings import PROJECT_ROOT, Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask server with the Dash app mounted on it."""
    # Imported here, not at module level: importing any ``cockpit.*`` module (services, CLI,
    # tests) must not pull in Flask extensions and Dash.
    from cockpit import auth, dashboard, exports, jobqueue
    from cockpit.cli import register_commands
    from cockpit.health import bp as health_bp
    from cockpit.logging_config import configure_logging, init_request_logging
    from cockpit.web import init_runtime

    settings = settings or load_settings()
    settings.validate()
    configure_logging(settings)

    app = Flask(
        __name__,
        instance_path=str(settings.instance_dir),
        static_folder=str(PROJECT_ROOT / "assets"),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="cockpit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=settings.session_idle_minutes),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        TESTING=settings.env == "test",
    )
    init_request_logging(app)  # request id (X-Request-ID in and out) and access log lines
    runtime = init_runtime(app, settings)
    jobqueue.init_app(app, settings, runtime.session_factory)
    app.register_blueprint(health_bp)
    auth.init_app(app)  # the guard runs before every other handler's work
    dashboard.init_app(app)
    exports.init_app(app)
    register_commands(app)
    return app
