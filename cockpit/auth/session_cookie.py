"""The session cookie: sliding idle expiry without re-sending the cookie on every request.

Flask re-signs a permanent session on every response (``SESSION_REFRESH_EACH_REQUEST``) to
move its expiry. With Dash, many callback responses are in flight at once; one that left
the server before a logout but arrives after it put the old cookie back, and the logout's
"Sie wurden abgemeldet." (a flash kept in the new cookie) was lost. Here an unmodified
session is re-signed at most every ``REFRESH_SHARE`` of its lifetime (≤ 60 s), so the idle
timeout still follows the user's activity while almost no response carries a cookie.
"""

from __future__ import annotations

import time
from typing import Final

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin

REFRESHED_KEY: Final = "_refreshed"
REFRESH_SHARE: Final = 0.1
MAX_REFRESH_SECONDS: Final = 60.0


class ThrottledRefreshSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose expiry is refreshed at most every few seconds."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        lifetime = app.permanent_session_lifetime.total_seconds()
        interval = min(MAX_REFRESH_SECONDS, lifetime * REFRESH_SHARE)
        now = time.time()
        if now - float(session.get(REFRESHED_KEY, 0.0)) < interval:
            return False
        session[REFRESHED_KEY] = now  # saved with the new expiry
        return True
