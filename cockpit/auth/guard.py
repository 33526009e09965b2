"""Deny by default: one ``before_request`` guard in front of every Flask and Dash route.

Allowlist: the login page (GET/POST), its static files and the health check. Everything
else needs a logged-in user: page loads are redirected to the login, API and Dash callback
requests get 401 JSON. Unsafe requests then need a CSRF token (server-rendered forms) or,
for Dash's JSON routes, a JSON body and a same-origin ``Origin``.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode, urlsplit

from flask import Flask, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from cockpit.health import PUBLIC_ENDPOINTS as HEALTH_ENDPOINTS

log = logging.getLogger(__name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.static", "healthz"}) | HEALTH_ENDPOINTS
# Reachable while a user must still replace a one-time password.
PASSWORD_CHANGE_ENDPOINTS = (
    frozenset({"auth.password", "auth.logout", "auth.static", "healthz"}) | HEALTH_ENDPOINTS
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DASH_ROUTE = re.compile(r"^/(?:.*/)?_(?:dash-[a-z-]+|reload-hash|favicon\.ico)(?:/|$)")
LOGIN_REQUIRED_MESSAGE = "Bitte melden Sie sich an."
FORBIDDEN_ORIGIN_MESSAGE = "Die Anfrage wurde aus Sicherheitsgründen abgewiesen."


def is_dash_route(path: str) -> bool:
    return bool(DASH_ROUTE.match(path))


def _wants_json() -> bool:
    if is_dash_route(request.path) or request.path.startswith("/api/"):
        return True
    if request.method not in SAFE_METHODS:
        return True
    if request.headers.get("X-Requested-With", "").lower() == "xmlhttprequest":
        return True
    if request.headers.get("Sec-Fetch-Mode", "") in {"cors", "same-origin", "no-cors"}:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _refuse_anonymous() -> ResponseReturnValue:
    log.info("anonymous request refused: %s %s", request.method, request.path)
    if _wants_json():
        response = jsonify(error="unauthenticated", message=LOGIN_REQUIRED_MESSAGE)
        response.status_code = 401
        return response
    target = request.full_path if request.query_string else request.path
    return redirect(f"{url_for('auth.login')}?{urlencode({'next': target})}")


def _same_origin(origin: str) -> bool:
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def _refuse_cross_origin() -> ResponseReturnValue | None:
    """Dash JSON routes: JSON content type, same-origin ``Origin``, no cross-site fetch."""
    content_type = (request.mimetype or "").lower()
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site", "")
    problem = ""
    if content_type != "application/json":
        problem = f"content type {content_type!r}"
    elif origin is not None and not _same_origin(origin):
        problem = f"origin {origin!r}"
    elif fetch_site == "cross-site":
        problem = "Sec-Fetch-Site cross-site"
    if not problem:
        return None
    log.warning("dash request refused (%s): %s %s", problem, request.method, request.path)
    response = jsonify(error="forbidden", message=FORBIDDEN_ORIGIN_MESSAGE)
    response.status_code = 403
    return response


def install_guard(app: Flask, csrf: CSRFProtect) -> None:
    """Register the guard as the first ``before_request`` handler of ``app``."""

    def guard() -> ResponseReturnValue | None:
        endpoint = request.endpoint or ""
        if endpoint not in PUBLIC_ENDPOINTS:
            if not current_user.is_authenticated:
                return _refuse_anonymous()
            if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                if _wants_json():
                    response = jsonify(
                        error="password_change_required",
                        message="Bitte ändern Sie zuerst Ihr Passwort.",
                    )
                    response.status_code = 403
                    return response
                return redirect(url_for("auth.password"))
        if request.method not in SAFE_METHODS:
            if is_dash_route(request.path):
                return _refuse_cross_origin()
            csrf.protect()
        return None

    app.before_request_funcs.setdefault(None, []).insert(0, guard)
