"""Login, logout, sessions, throttling, CSRF, ``next`` and security headers (real app + DB)."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.roles import SYSTEM
from cockpit.models import AuditLog
from cockpit.services import users
from cockpit.settings import Settings
from tests.auth.support import GOERLITZ_AGS, PASSWORDS, World, csrf_token, login

THROTTLED = "Zu viele Anmeldeversuche. Bitte warten Sie einige Minuten und versuchen Sie es erneut."
SESSION_COOKIE = "cockpit_session"


def _audit(settings: Settings, action: str) -> list[AuditLog]:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(AuditLog).where(AuditLog.action == action)).all())
    finally:
        engine.dispose()


def _cookie(client: FlaskClient, name: str = SESSION_COOKIE) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


# --------------------------------------------------------------------------- login page


def test_login_page_is_german_accessible_and_needs_no_javascript(client: FlaskClient) -> None:
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "<script" not in html
    assert '<label for="username">Benutzername</label>' in html
    assert '<label for="password">Passwort</label>' in html
    assert 'name="remember" type="checkbox"' in html
    assert "checked" not in html  # "remember me" is off by default
    assert 'autocomplete="current-password"' in html
    with client.get("/auth/static/auth.css") as css:
        assert css.status_code == 200
        assert b":focus-visible" in css.data


@pytest.mark.parametrize(
    ("username", "start"),
    [
        ("kommune.goerlitz", f"/kommune/{GOERLITZ_AGS}"),
        ("kommune.zittau", "/kommune/14626610"),
        ("kreis", "/"),
        ("analyse", "/"),
        ("admin", "/admin/benutzer"),
    ],
)
def test_login_lands_on_the_start_page_of_the_role(
    client: FlaskClient, settings: Settings, username: str, start: str
) -> None:
    response = login(client, username)
    assert response.status_code == 302
    assert response.headers["Location"] == start
    entries = _audit(settings, "login")
    assert [(e.actor_name, e.ip, e.outcome) for e in entries] == [(username, "127.0.0.1", "ok")]
    # Logged in: the login page now forwards to the start page.
    assert client.get("/login").headers["Location"] == start


@pytest.mark.parametrize("username", ["kreis", "niemand"])
def test_wrong_credentials_get_one_message_and_are_audited(
    client: FlaskClient, settings: Settings, username: str
) -> None:
    response = login(client, username, "falsches-Passwort-123")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch." in html
    assert 'role="alert"' in html
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 302
    failed = _audit(settings, "login_failed")
    assert [(e.target, e.outcome, e.ip) for e in failed] == [(username, "failed", "127.0.0.1")]
    assert failed[0].actor_id is None


def test_deactivated_user_cannot_log_in(
    client: FlaskClient, settings: Settings, world: World
) -> None:
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        users.deactivate(session, SYSTEM, world.user_ids["analyse"])
    engine.dispose()
    response = login(client, "analyse")
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch." in response.get_data(as_text=True)


def test_empty_form_shows_errors_next_to_the_fields(client: FlaskClient) -> None:
    response = client.post("/login", data={"csrf_token": csrf_token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="username-error"' in html
    assert "Bitte geben Sie Ihren Benutzernamen ein." in html
    assert 'aria-invalid="true"' in html


# --------------------------------------------------------------------------- next / redirects


def test_anonymous_page_load_redirects_to_login_with_next(client: FlaskClient) -> None:
    response = client.get("/kommune/14626110?tab=kenndaten", headers={"Accept": "text/html"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/kommune/14626110?tab=kenndaten"]


def test_safe_next_is_followed(client: FlaskClient) -> None:
    response = login(client, "kreis", next="/flaechen?status=verfuegbar")
    assert response.headers["Location"] == "/flaechen?status=verfuegbar"


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_open_redirects_via_next_are_refused(client: FlaskClient, evil: str) -> None:
    page = client.get("/login", query_string={"next": evil}).get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page
    response = login(client, "kreis", next=evil)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --------------------------------------------------------------------------- sessions


def test_session_is_rotated_at_login(client: FlaskClient) -> None:
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    before = _cookie(client)
    login(client, "kreis")
    after = _cookie(client)
    assert before != after
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.permanent


def test_logout_invalidates_the_session_even_when_the_cookie_is_replayed(
    client: FlaskClient, settings: Settings
) -> None:
    login(client, "analyse")
    stolen = _cookie(client)
    assert client.get("/admin/benutzer").status_code == 403  # logged in, but not admin
    logout_page = client.get("/logout")
    assert "Möchten Sie sich abmelden?" in logout_page.get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Sie wurden abgemeldet." in client.get("/login").get_data(as_text=True)
    assert stolen is not None
    client.set_cookie(SESSION_COOKIE, stolen)
    replay = client.get("/", headers={"Accept": "text/html"})
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")
    assert [e.actor_name for e in _audit(settings, "logout")] == ["analyse"]


def test_password_change_ends_other_sessions_but_keeps_this_one(
    app: Flask, settings: Settings
) -> None:
    mine, other = app.test_client(), app.test_client()
    login(mine, "kreis")
    login(other, "kreis")
    new_password = "Neues-Kennwort-fuer-Kreis-9"
    response = mine.post(
        "/passwort",
        data={
            "csrf_token": csrf_token(mine, "/passwort"),
            "current_password": PASSWORDS["kreis"],
            "password": new_password,
            "confirm": new_password,
        },
    )
    assert response.status_code == 302
    assert mine.get("/passwort").status_code == 200
    assert other.get("/passwort").status_code == 302  # its session died with the old password
    assert [e.outcome for e in _audit(settings, "password_changed")] == ["ok"]
    fresh = app.test_client()
    assert login(fresh, "kreis").status_code == 200  # old password refused
    assert login(fresh, "kreis", new_password).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("falsch-falsch-falsch", "Ganz-Neues-Kennwort-7", "Ganz-Neues-Kennwort-7", "bisherige"),
        (PASSWORDS["kreis"], "kurz", "kurz", "mindestens 12 Zeichen"),
        (PASSWORDS["kreis"], "Passwort12345!", "Passwort12345!", "zu verbreitet"),
        (PASSWORDS["kreis"], "Ganz-Neues-Kennwort-7", "Ganz-Neues-Kennwort-8", "stimmen nicht"),
    ],
)
def test_password_change_refuses_bad_input_with_german_messages(
    client: FlaskClient, current: str, new: str, confirm: str, message: str
) -> None:
    login(client, "kreis")
    response = client.post(
        "/passwort",
        data={
            "csrf_token": csrf_token(client, "/passwort"),
            "current_password": current,
            "password": new,
            "confirm": confirm,
        },
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    fresh = client.application.test_client()
    assert login(fresh, "kreis").status_code == 302  # password unchanged


def test_idle_session_expires(app: Flask) -> None:
    app.permanent_session_lifetime = dt.timedelta(seconds=1)
    client = app.test_client()
    login(client, "kreis")
    assert client.get("/passwort").status_code == 200
    time.sleep(2.1)
    assert client.get("/passwort").status_code == 302


def test_remember_me_is_off_unless_ticked(app: Flask) -> None:
    plain, remembered = app.test_client(), app.test_client()
    login(plain, "kreis")
    assert _cookie(plain, "cockpit_remember") is None
    login(remembered, "analyse", remember="y")
    assert _cookie(remembered, "cockpit_remember") is not None


def test_one_time_password_forces_a_change_first(
    client: FlaskClient, settings: Settings, world: World
) -> None:
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        one_time = users.reset_password(session, SYSTEM, world.user_ids["kommune.zittau"])
    engine.dispose()
    response = login(client, "kommune.zittau", one_time)
    assert response.headers["Location"] == "/passwort"
    assert client.get("/", headers={"Accept": "text/html"}).headers["Location"] == "/passwort"
    blocked = client.post("/_dash-update-component", json={})
    assert blocked.status_code == 403
    new_password = "Zittau-eigenes-Kennwort-1"
    response = client.post(
        "/passwort",
        data={
            "csrf_token": csrf_token(client, "/passwort"),
            "current_password": one_time,
            "password": new_password,
            "confirm": new_password,
        },
    )
    assert response.headers["Location"] == "/kommune/14626610"


# --------------------------------------------------------------------------- throttling


def test_account_lockout_applies_to_real_and_unknown_accounts_alike(
    client: FlaskClient, settings: Settings
) -> None:
    for name in ("kreis", "gibt.es.nicht"):
        for _ in range(5):
            assert login(client, name, "falsches-Passwort-123").status_code == 200
        real_password = PASSWORDS.get(name, "irgendein-Passwort-1")
        blocked = login(client, name, real_password)
        assert blocked.status_code == 429
        html = blocked.get_data(as_text=True)
        assert THROTTLED in html
        assert "Benutzername oder Passwort ist falsch." not in html
    # Another account from the same client is not locked by the per-account limit.
    assert login(client, "analyse").status_code == 302
    lockouts = _audit(settings, "login_locked")
    assert {e.target for e in lockouts} == {"kreis", "gibt.es.nicht"}
    assert all(e.outcome == "denied" and e.ip == "127.0.0.1" for e in lockouts)


def test_successful_logins_do_not_count_towards_the_lockout(app: Flask) -> None:
    for _ in range(7):
        client = app.test_client()
        assert login(client, "kreis").status_code == 302


def test_per_ip_limit_spans_accounts(settings: Settings, world: World) -> None:
    app = create_app(settings.with_overrides(login_limit_per_ip="3 per minute"))
    client = app.test_client()
    for name in ("a.user", "b.user", "c.user"):
        assert login(client, name, "falsches-Passwort-123").status_code == 200
    response = login(client, "kreis")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    other_ip = app.test_client()
    response = other_ip.post(
        "/login",
        data={
            "csrf_token": csrf_token(other_ip),
            "username": "kreis",
            "password": PASSWORDS["kreis"],
        },
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert response.status_code == 302


@pytest.mark.db
def test_throttle_uses_redis_storage_when_configured(settings: Settings, world: World) -> None:
    import uuid

    prefix = f"cockpit-test-{uuid.uuid4().hex[:8]}"
    app = create_app(
        settings.with_overrides(
            ratelimit_storage_url="redis://127.0.0.1:6379",
            login_limit_per_account="2 per minute",
            extra={"ratelimit_key_prefix": prefix},
        )
    )
    client = app.test_client()
    for _ in range(2):
        assert login(client, "kreis", "falsches-Passwort-123").status_code == 200
    assert login(client, "kreis").status_code == 429
    # A second app process sharing the Redis storage sees the same lockout.
    second = create_app(
        settings.with_overrides(
            ratelimit_storage_url="redis://127.0.0.1:6379",
            login_limit_per_account="2 per minute",
            extra={"ratelimit_key_prefix": prefix},
        )
    )
    assert login(second.test_client(), "kreis").status_code == 429
    import redis

    connection = redis.Redis.from_url("redis://127.0.0.1:6379")
    keys = list(connection.scan_iter(f"*{prefix}*"))
    assert keys
    connection.delete(*keys)


# --------------------------------------------------------------------------- CSRF


def test_forms_refuse_posts_without_csrf_token(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "kreis", "password": PASSWORDS["kreis"]})
    assert response.status_code == 400
    assert "Das Formular ist abgelaufen oder ungültig." in response.get_data(as_text=True)
    login(client, "admin")
    for path in ("/logout", "/passwort", "/admin/benutzer/neu", "/admin/benutzer/1/passwort"):
        refused = client.post(path, data={"csrf_token": "forged"})
        assert refused.status_code == 400, path
    assert client.get("/admin/benutzer").status_code == 200  # still logged in


def test_csrf_token_of_another_session_is_refused(app: Flask) -> None:
    attacker, victim = app.test_client(), app.test_client()
    login(victim, "admin")
    foreign_token = csrf_token(attacker, "/login")
    response = victim.post("/logout", data={"csrf_token": foreign_token})
    assert response.status_code == 400


# --------------------------------------------------------------------------- headers and cookies


def test_security_headers_and_cookie_flags(client: FlaskClient) -> None:
    for response in (client.get("/login"), client.post("/_dash-update-component", json={})):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    response = login(client, "kreis", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    remember_cookie = next(c for c in cookies if c.startswith("cockpit_remember="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # local http; see the next test for production


def test_cookies_are_secure_when_configured(settings: Settings, world: World) -> None:
    app = create_app(settings.with_overrides(secure_cookies=True))
    client = app.test_client()
    response = login(client, "kreis")
    session_cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE)
    )
    assert "Secure" in session_cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_session_holds_a_csrf_token_right_after_login(client: FlaskClient) -> None:
    """Dash pages render the logout form's token inside concurrent callbacks; the token
    must already be in the session so that they all agree (no cookie race)."""
    login(client, "kreis")
    with client.session_transaction() as session:
        assert session.get("csrf_token")
