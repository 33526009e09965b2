"""The session cookie is re-signed at most every few seconds, not on every response.

Dash fires many callbacks at once; a response that re-sent the old session cookie after a
logout overwrote the logout's cookie (and its "Sie wurden abgemeldet." notice).
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask

from tests.auth.support import login


def _sets_cookie(app: Flask, response) -> bool:  # type: ignore[no-untyped-def]
    name = app.config["SESSION_COOKIE_NAME"] + "="
    return any(h.startswith(name) for h in response.headers.getlist("Set-Cookie"))


def test_requests_in_quick_succession_do_not_resend_the_cookie(app: Flask) -> None:
    client = app.test_client()
    assert login(client, "kreis").status_code == 302
    client.get("/passwort")  # may refresh once right after the login
    answers = [client.get("/_dash-dependencies") for _ in range(5)]
    answers += [client.get("/_dash-layout") for _ in range(5)]
    assert all(r.status_code == 200 for r in answers)
    assert not any(_sets_cookie(app, r) for r in answers)


def test_activity_still_moves_the_idle_expiry(app: Flask) -> None:
    app.permanent_session_lifetime = dt.timedelta(seconds=2)  # refreshed every 0.2 s
    client = app.test_client()
    assert login(client, "kreis").status_code == 302
    refreshed = []
    for _ in range(6):  # 3 s of activity: longer than the 2 s lifetime
        time.sleep(0.5)
        response = client.get("/passwort")
        assert response.status_code == 200
        refreshed.append(_sets_cookie(app, response))
    assert all(refreshed)  # each request came after the refresh interval
    time.sleep(3.1)  # the signature's timestamp has whole seconds
    assert client.get("/passwort").status_code == 302  # idle: logged out
