"""Login, session handling, the deny-by-default route guard and security headers.

``init_app(app)`` wires everything onto the Flask server:

* Flask-Login with a session id ``"<user id>:<generation>"`` (see :mod:`.identity`);
  permanent sessions expire after ``session_idle_minutes`` without a request;
* Flask-WTF CSRF protection, checked by the guard for every unsafe request except Dash's
  JSON routes (those get the Origin/Content-Type check instead);
* Flask-Limiter throttling of ``POST /login`` per IP and per account name;
* the guard (:mod:`.guard`), the security headers (:mod:`.headers`), the login/logout/
  password views and the admin pages, and German error pages.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from cockpit.auth import admin
from cockpit.auth.forms import ActionForm
from cockpit.auth.guard import install_guard, is_dash_route
from cockpit.auth.headers import install_csp, install_headers
from cockpit.auth.identity import load_user
from cockpit.auth.session_cookie import ThrottledRefreshSessionInterface
from cockpit.auth.views import build_blueprint
from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.domain.formatting import format_datetime
from cockpit.domain.roles import Permission
from cockpit.services import authz
from cockpit.web import Runtime

__all__ = ["init_app", "install_csp"]

log = logging.getLogger(__name__)

BAD_REQUEST_MESSAGE = "Die Anfrage ist ungültig oder veraltet. Bitte laden Sie die Seite neu."
SERVER_ERROR_MESSAGE = (
    "Es ist ein interner Fehler aufgetreten; es wurde nichts geändert. Bitte versuchen Sie es "
    "erneut oder wenden Sie sich an die Administration."
)

CSRF_MESSAGE = (
    "Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu und "
    "versuchen Sie es erneut."
)


def init_app(app: Flask) -> None:
    """Attach authentication, authorization guard, CSRF, throttling and headers to ``app``."""
    runtime: Runtime = app.extensions["cockpit"]
    settings = runtime.settings
    app.config.update(
        SESSION_REFRESH_EACH_REQUEST=True,
        REMEMBER_COOKIE_NAME="cockpit_remember",
        REMEMBER_COOKIE_DURATION=dt.timedelta(hours=12),
        REMEMBER_COOKIE_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_CHECK_DEFAULT=False,  # the guard calls csrf.protect() itself
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the (idle-limited) session
    )

    app.session_interface = ThrottledRefreshSessionInterface()

    login_manager = LoginManager()
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Bitte melden Sie sich an."
    login_manager.user_loader(load_user)
    login_manager.init_app(app)

    csrf = CSRFProtect(app)

    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.ratelimit_storage_url,
        key_prefix=settings.extra.get("ratelimit_key_prefix", "cockpit"),
        default_limits=[],
        headers_enabled=False,
        in_memory_fallback_enabled=True,
    )
    app.extensions["cockpit_limiter"] = limiter

    app.register_blueprint(build_blueprint(limiter))
    app.register_blueprint(admin.bp)
    install_guard(app, csrf)
    install_headers(app, secure=settings.secure_cookies)
    _install_error_handlers(app)
    _install_template_context(app)


def _json_or_page(status: int, message: str) -> ResponseReturnValue:
    if is_dash_route(request.path) or request.accept_mimetypes.best == "application/json":
        response = jsonify(error=status, message=message)
        response.status_code = status
        return response
    return render_template("auth/error.html", status=status, message=message), status


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        log.warning("CSRF check failed: %s %s: %s", request.method, request.path, error.description)
        return _json_or_page(400, CSRF_MESSAGE)

    @app.errorhandler(AccessDeniedError)
    def _access_denied(error: AccessDeniedError) -> ResponseReturnValue:
        log.warning("access denied: %s %s: %s", request.method, request.path, error)
        return _json_or_page(403, error.user_message)

    @app.errorhandler(NotFoundError)
    def _not_found(error: NotFoundError) -> ResponseReturnValue:
        log.info("not found: %s %s: %s", request.method, request.path, error)
        return _json_or_page(404, error.user_message)

    @app.errorhandler(Exception)
    def _unhandled(error: Exception) -> ResponseReturnValue:
        if isinstance(error, HTTPException):
            return error
        if is_dash_route(request.path):
            # Callback errors are handled by the dashboard (cockpit.dashboard.errors); what
            # arrives here is a request Dash could not dispatch: crafted, stale or malformed.
            log.warning("undispatchable %s %s", request.method, request.path, exc_info=error)
            return _json_or_page(400, BAD_REQUEST_MESSAGE)
        log.error("unhandled error: %s %s", request.method, request.path, exc_info=error)
        return _json_or_page(500, SERVER_ERROR_MESSAGE)


def _install_template_context(app: Flask) -> None:
    app.add_template_filter(format_datetime, "de_datetime")

    @app.context_processor
    def _auth_context() -> dict[str, object]:
        user = current_user if current_user and current_user.is_authenticated else None
        is_admin = bool(user and authz.may(user.principal, Permission.MANAGE_USERS))
        return {
            "auth_user": user,
            "auth_is_admin": is_admin,
            "logout_form": ActionForm() if user else None,
        }
