"""The Flask-Login side of a user: session id with generation, loader, start pages, ``next``."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import request
from flask_login import UserMixin

from cockpit.domain.roles import Role
from cockpit.services import users
from cockpit.services.users import SessionState
from cockpit.web import get_db

log = logging.getLogger(__name__)


class LoginUser(UserMixin):  # type: ignore[misc]
    """What Flask-Login keeps per request: the principal plus session bookkeeping.

    ``get_id()`` encodes ``"<user id>:<session generation>"``: bumping the generation (password
    change, logout, deactivation, admin reset) invalidates every older session cookie and
    remember-me cookie of the account.
    """

    def __init__(self, state: SessionState) -> None:
        self.state = state
        self.principal = state.principal

    def get_id(self) -> str:
        return f"{self.principal.user_id}:{self.state.generation}"

    @property
    def must_change_password(self) -> bool:
        return self.state.must_change_password

    @property
    def role_label(self) -> str:
        return self.principal.role.label

    @property
    def display_name(self) -> str:
        return self.principal.display_name or self.principal.username


def load_user(session_id: str) -> LoginUser | None:
    """Flask-Login user loader: refuses unknown, deactivated and stale-generation sessions."""
    try:
        raw_id, raw_generation = session_id.split(":", 1)
        user_id, generation = int(raw_id), int(raw_generation)
    except ValueError:
        log.info("session refused: malformed session id")
        return None
    state = users.load_session_state(get_db(), user_id)
    if state is None:
        log.info("session refused: user %s unknown or deactivated", user_id)
        return None
    if state.generation != generation:
        log.info(
            "session refused: user %s generation %s != %s", user_id, generation, state.generation
        )
        return None
    return LoginUser(state)


def start_page(state: SessionState) -> str:
    """Where a user lands after login: own cockpit, user admin or the overview."""
    role = state.principal.role
    if role is Role.KOMMUNE and state.municipality_ags:
        return f"/kommune/{state.municipality_ags[0]}"
    if role is Role.ADMIN:
        return "/admin/benutzer"
    return "/"


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a local path (no scheme, host, ``//`` or backslash), else ``None``."""
    if not target:
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def client_ip() -> str:
    """The client address as Flask sees it (configure ProxyFix when behind a proxy)."""
    return request.remote_addr or ""
