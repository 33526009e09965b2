"""Security headers, including a Content-Security-Policy that Dash and Plotly work with.

Dash renders one inline ``<script>`` (the renderer start-up) plus any inline clientside
callbacks; they are allowed by their SHA-256 hashes (``dash_app.csp_hashes()``), computed once
at the first response after the Dash app is mounted (``app.extensions["dash_app"]``), or
explicitly with :func:`install_csp`. Plotly's map traces need ``blob:`` workers and
``data:``/``blob:`` images; Plotly sets inline styles, hence ``style-src 'unsafe-inline'``.
No external host is allowed anywhere.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

_HASHES_KEY = "cockpit_csp_script_hashes"
_APPS_KEY = "cockpit_csp_dash_apps"


def install_csp(app: Flask, dash_app: Any) -> None:
    """Allow the inline scripts of ``dash_app`` (call after all callbacks are registered).

    Only needed for Dash apps other than ``app.extensions["dash_app"]``, which is picked up
    automatically at the first response.
    """
    app.extensions.setdefault(_APPS_KEY, []).append(dash_app)
    app.extensions.pop(_HASHES_KEY, None)


def _script_hashes(app: Flask) -> tuple[str, ...]:
    cached: tuple[str, ...] | None = app.extensions.get(_HASHES_KEY)
    if cached is not None:
        return cached
    dash_apps = list(app.extensions.get(_APPS_KEY, []))
    main = app.extensions.get("dash_app")
    if main is not None and main not in dash_apps:
        dash_apps.append(main)
    if not dash_apps:
        return ()
    hashes = tuple(dict.fromkeys(h for d in dash_apps for h in d.csp_hashes()))
    app.extensions[_HASHES_KEY] = hashes
    return hashes


def content_security_policy(app: Flask) -> str:
    # csp_hashes() already quotes: "'sha256-...'"
    script_src = " ".join(["'self'", *_script_hashes(app)])
    directives = {
        "default-src": "'self'",
        "script-src": script_src,
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "child-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def install_headers(app: Flask, *, secure: bool) -> None:
    """Add the security headers to every response of ``app``."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(app)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if response.mimetype in {"text/html", "application/json"}:
            # Pages and callback answers carry confidential municipal data: never cache them.
            headers["Cache-Control"] = "no-store"
        return response
