"""Structured logging: one line per record (text or JSON), request id, user id, redaction.

- :func:`configure_logging` installs one handler on the root logger (idempotent) whose
  formatter writes plain text or, with ``COCKPIT_LOG_JSON=true``, one JSON object per line.
- :func:`init_request_logging` gives every request an id (the incoming ``X-Request-ID``
  header when it is a sane token, otherwise a fresh one), echoes it in the response header
  and writes one access line per request (method, path without query string, status,
  duration). Every record logged while a request runs carries ``request_id`` and
  ``user_id`` (the numeric id of the logged-in user; never the name or any personal data).
- :class:`RedactingFilter` masks ``password=…``-like values and credentials in URLs, so a
  careless log call cannot leak a password or a database password into the logs.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request, request_started

from cockpit.settings import Settings

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HANDLER_MARK = "_cockpit_handler"

# key=value, key: value, "key": "value" for secret-ish keys (German and English).
_SECRET_KEYS = r"(?:password|passwort|passwd|pwd|secret(?:_key)?|token|api_key|csrf_token)"  # noqa: S105
_SECRET_PAIR_RE = re.compile(
    rf"(?i)(?P<key>[\"']?\b[\w-]*{_SECRET_KEYS}[\"']?)(?P<sep>\s*[:=]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s&,;}\]]+)"
)
# scheme://user:password@host
_URL_CREDENTIALS_RE = re.compile(r"(?P<prefix>\b[a-zA-Z][\w+.-]*://[^:/@\s]*:)[^@\s]+@")
REDACTED = "***"

_resolving_user: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "cockpit_resolving_user", default=False
)


def redact(text: str) -> str:
    """Mask secret values (``password=…``, ``"token": "…"``, ``scheme://user:pw@``)."""

    def _pair(match: re.Match[str]) -> str:
        value = match.group("value")
        quote = value[0] if value[:1] in {'"', "'"} else ""
        return f"{match.group('key')}{match.group('sep')}{quote}{REDACTED}{quote}"

    text = _SECRET_PAIR_RE.sub(_pair, text)
    return _URL_CREDENTIALS_RE.sub(lambda m: f"{m.group('prefix')}{REDACTED}@", text)


class RedactingFilter(logging.Filter):
    """Rewrite the message of every record with secrets masked (see :func:`redact`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not kill the log call
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True


class RequestContextFilter(logging.Filter):
    """Add ``request_id`` and ``user_id`` (``None`` outside a request / when anonymous)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = None
        record.user_id = None
        if has_request_context():
            record.request_id = request_id()
            record.user_id = current_user_id()
        return True


def current_user_id() -> str | None:
    """The id of the logged-in user of this request, or ``None`` (never raises)."""
    if not has_request_context() or _resolving_user.get():
        return None
    token = _resolving_user.set(True)  # loading the user may log: don't recurse
    try:
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            # The numeric account id only (Flask-Login's session id may carry more).
            principal = getattr(current_user, "principal", None)
            user_id = getattr(principal, "user_id", None)
            if user_id is None:
                user_id = current_user.get_id()
            return None if user_id is None else str(user_id)
    except Exception:  # no login manager yet, user loader failed, DB down ...
        return None
    finally:
        _resolving_user.reset(token)
    return None


class TextFormatter(logging.Formatter):
    """``2026-11-22 10:00:00,123 INFO name [rid=… uid=…]: message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        request_id = getattr(record, "request_id", None)
        user_id = getattr(record, "user_id", None)
        if request_id:
            parts.append(f"rid={request_id}")
        if user_id:
            parts.append(f"uid={user_id}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request/user id, extras."""

    _STANDARD = frozenset(
        logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
        | {"message", "asctime", "request_id", "user_id", "context"}
    )

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in self._STANDARD and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            payload["exception"] = redact(record.exc_text)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(settings: Settings) -> logging.Handler:
    """Install the cockpit handler on the root logger (replacing an earlier one)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Flask-Limiter logs every hit with its key, which for login limits is the typed user
    # name; our own "login throttled" warning says what operators need.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    return handler


def _request_id_from_header(value: str | None) -> str:
    if value and _REQUEST_ID_RE.match(value):
        return value
    return uuid.uuid4().hex


def request_id() -> str:
    """The id of the current request (from ``X-Request-ID`` if sane, else generated)."""
    if "request_id" not in g:
        g.request_id = _request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
    rid: str = g.request_id
    return rid


def init_request_logging(app: Flask) -> None:
    """Request ids (``X-Request-ID`` in and out) and one access log line per request."""
    access_log = logging.getLogger("cockpit.access")

    def _start_request(_sender: Flask, **_extra: Any) -> None:
        # The request_started signal fires before every before_request handler (the
        # route guard included), so even refused requests log with their id.
        g.request_started = time.perf_counter()
        request_id()

    request_started.connect(_start_request, app, weak=False)

    @app.after_request
    def _finish_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        # Health probes hit every few seconds: keep them out of the INFO log.
        level = logging.DEBUG if request.path in {"/healthz", "/readyz"} else logging.INFO
        access_log.log(
            level,
            "%s %s %s %sms",
            request.method,
            request.path,  # never the query string: it may carry personal data
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response
