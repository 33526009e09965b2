"""Structured logs: JSON lines, request id in and out, user id, no passwords in the logs."""

from __future__ import annotations

import ast
import io
import json
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.roles import SYSTEM, Role
from cockpit.logging_config import RedactingFilter, redact
from cockpit.settings import PROJECT_ROOT, Settings
from tests.deploy.support import CSRF_RE

PASSWORD = "Sehr-Geheimes-Passwort-2026!"


def _json_app(settings: Settings) -> tuple[Flask, io.StringIO]:
    app = create_app(settings.with_overrides(log_json=True, log_level="DEBUG"))
    stream = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_cockpit_handler", False)]
    assert len(handlers) == 1, "configure_logging must install exactly one handler"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    return app, stream


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _access(stream: io.StringIO, path: str) -> list[dict[str, object]]:
    return [r for r in _records(stream) if r["logger"] == "cockpit.access" and r["path"] == path]


def test_request_id_is_taken_from_header_and_echoed(settings: Settings) -> None:
    app, stream = _json_app(settings)
    response = app.test_client().get("/login", headers={"X-Request-ID": "nginx-4711.abc"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "nginx-4711.abc"
    (line,) = _access(stream, "/login")
    assert line["request_id"] == "nginx-4711.abc"
    assert line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] is None


@pytest.mark.parametrize(
    "header", [None, "", "x" * 129, "bad id INFO fake line", "a;b", "<script>"]
)
def test_missing_or_unsafe_request_id_is_replaced(settings: Settings, header: str | None) -> None:
    app, stream = _json_app(settings)
    headers = {} if header is None else {"X-Request-ID": header}
    response = app.test_client().get("/healthz", headers=headers)
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    (line,) = _access(stream, "/healthz")
    assert line["request_id"] == request_id
    assert line["level"] == "DEBUG"  # probes stay out of the INFO log


def test_refused_requests_are_logged_with_their_request_id(settings: Settings) -> None:
    app, stream = _json_app(settings)
    response = app.test_client().get("/passwort", headers={"X-Request-ID": "rid-refused"})
    assert response.status_code == 302  # the guard sends anonymous users to the login
    lines = [r for r in _records(stream) if r["request_id"] == "rid-refused"]
    assert {r["logger"] for r in lines} >= {"cockpit.auth.guard", "cockpit.access"}


def _create_user(settings: Settings) -> int:
    from cockpit.services import users

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            user = users.create_user(
                session, SYSTEM, username="log.test", password=PASSWORD, role=Role.ANALYSE
            )
            return user.id
    finally:
        engine.dispose()


def _login(client: FlaskClient, password: str) -> int:
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match
    response = client.post(
        "/login",
        data={
            "csrf_token": match.group(1) or match.group(2),
            "username": "log.test",
            "password": password,
        },
    )
    return response.status_code


def test_user_id_is_logged_but_never_the_password(settings: Settings) -> None:
    user_id = _create_user(settings)
    app, stream = _json_app(settings)
    client = app.test_client()
    assert _login(client, "Falsches-Passwort-1!") == 200  # form shown again
    assert _login(client, PASSWORD) == 302
    assert client.get("/passwort", headers={"X-Request-ID": "rid-user"}).status_code == 200
    (line,) = [r for r in _access(stream, "/passwort") if r["request_id"] == "rid-user"]
    assert line["user_id"] == str(user_id)
    output = stream.getvalue()
    assert PASSWORD not in output
    assert "Falsches-Passwort-1!" not in output


def test_account_names_and_typed_user_names_stay_out_of_the_log(settings: Settings) -> None:
    app, stream = _json_app(settings)
    user_id = _create_user(settings)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match
    # a password typed into the user name field by mistake, several times (throttling)
    typed = "Mein-Passwort-im-Namensfeld-7"
    for _ in range(7):
        client.post(
            "/login",
            data={
                "csrf_token": match.group(1) or match.group(2),
                "username": typed,
                "password": "irgendwas",
            },
        )
    assert _login(client, PASSWORD) == 302  # the per-IP limit (20) is not reached
    output = stream.getvalue()
    records = _records(stream)
    assert any(str(r["message"]).startswith("audit: action=login_failed") for r in records)
    assert any("login throttled" in r["message"] for r in records)
    assert typed.lower() not in output.lower()
    assert "log.test" not in output
    (created,) = [r for r in records if "action=user_created" in str(r["message"])]
    assert "target=(Benutzerkonto)" in str(created["message"])
    logins = [r for r in records if "action=login outcome=ok" in str(r["message"])]
    assert all(f"actor_id={user_id} " in str(r["message"]) for r in logins)


def test_text_format_carries_request_and_user_context(settings: Settings) -> None:
    app = create_app(settings.with_overrides(log_json=False))
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_cockpit_handler", 0))
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    app.test_client().get("/login", headers={"X-Request-ID": "rid-text"})
    assert re.search(
        r"INFO cockpit\.access \[rid=rid-text\]: GET /login 200 [\d.]+ms", stream.getvalue()
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("login password=hunter2 ok", "login password=*** ok"),
        ("Passwort: geheim123", "Passwort: ***"),
        ('{"password": "a b c", "user": "x"}', '{"password": "***", "user": "x"}'),
        ("form new_password=abc&next=/", "form new_password=***&next=/"),
        ("csrf_token='t0k3n'", "csrf_token='***'"),
        ("SECRET_KEY=abcdef", "SECRET_KEY=***"),
        (
            "connect postgresql+psycopg://cockpit:s3cr3t@db:5432/cockpit failed",
            "connect postgresql+psycopg://cockpit:***@db:5432/cockpit failed",
        ),
        ("redis://:pw@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("nothing secret here: 1.234,5 ha", "nothing secret here: 1.234,5 ha"),
    ],
)
def test_redact(raw: str, expected: str) -> None:
    assert redact(raw) == expected


def test_redacting_filter_rewrites_formatted_records() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "user %s password=%s", ("anna", "pw123"), None
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "user anna password=***"


def test_exception_text_is_redacted_in_json(settings: Settings) -> None:
    _app, stream = _json_app(settings)
    try:
        raise RuntimeError("cannot connect to postgresql://u:topsecret@h/db")
    except RuntimeError:
        logging.getLogger("cockpit.test").exception("failure with token=abc123")
    (record,) = [r for r in _records(stream) if r["logger"] == "cockpit.test"]
    assert record["message"] == "failure with token=***"
    assert "topsecret" not in str(record["exception"])
    assert "u:***@h/db" in str(record["exception"])


def test_no_log_call_passes_an_account_name() -> None:
    """Log lines name users by ``Principal.log_ref`` (``user#<id>``); an AST scan of the
    code keeps ``.username`` (and technical error texts built from it) out of log calls."""
    levels = {"debug", "info", "warning", "error", "exception", "critical"}
    offenders = []
    for path in sorted((PROJECT_ROOT / "cockpit").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            is_log_call = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in levels
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in {"log", "logger", "logging"}
            )
            is_error = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.endswith("Error")
            )
            # the demo's own fixed accounts are no one's (cockpit/demo/, cockpit/cli/demo.py)
            demo_account = "demo" in path.name or "demo" in path.parent.parts
            if not (is_log_call or is_error) or demo_account:
                continue
            for part in ast.walk(node):
                if isinstance(part, ast.Attribute) and part.attr == "username":
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert offenders == []
