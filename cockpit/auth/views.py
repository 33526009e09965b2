"""Login, logout and the user's own password change (server-rendered, works without JS)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response as BaseResponse

from cockpit.auth.forms import ActionForm, LoginForm, PasswordChangeForm
from cockpit.auth.identity import LoginUser, client_ip, safe_next, start_page
from cockpit.auth.principal import current_principal
from cockpit.domain.errors import ValidationError
from cockpit.services import users
from cockpit.web import get_db, get_settings

log = logging.getLogger(__name__)

THROTTLED_MESSAGE = (
    "Zu viele Anmeldeversuche. Bitte warten Sie einige Minuten und versuchen Sie es erneut."
)
FAILED_MESSAGE = "Benutzername oder Passwort ist falsch."


def _account_key() -> str:
    """Throttle key per submitted account name, whether or not the account exists."""
    return "account:" + users.normalize_username(request.form.get("username", ""))[:100]


def _counts_as_failure(response: BaseResponse) -> bool:
    # A successful login redirects; everything else (form shown again) counts.
    return response.status_code != 302


def _on_throttled(limit: RequestLimit) -> Response:
    users.record_lockout(
        get_db(), request.form.get("username", ""), ip=client_ip(), limit=str(limit.limit)
    )
    # per-account keys carry the typed user name: log only which kind of limit hit
    kind = "account" if "account:" in limit.key else "ip"
    log.warning("login throttled: limit=%s per=%s ip=%s", limit.limit, kind, client_ip())
    form = LoginForm()
    form.password.data = ""
    body = render_template("auth/login.html", form=form, error=THROTTLED_MESSAGE)
    return Response(body, status=429, mimetype="text/html")


def _start_session(state: users.SessionState, *, remember: bool) -> None:
    """Rotate the session: nothing from the previous one survives (incl. its CSRF token)."""
    session.clear()
    login_user(LoginUser(state), remember=remember)
    session.permanent = True
    # Put the CSRF token into the session now: pages that render it inside concurrent
    # requests (Dash callbacks) would otherwise race to store different session cookies.
    # The form of this request cached the old token in ``g``: drop it first.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


def _login_limit(limiter: Limiter, setting: str, key_func: Callable[[], str], scope: str) -> Any:
    """A POST-only limit on failed logins, its rate read from ``Settings.<setting>``."""
    return limiter.limit(
        lambda: str(getattr(get_settings(), setting)),
        key_func=key_func,
        methods=["POST"],
        deduct_when=_counts_as_failure,
        on_breach=_on_throttled,
        scope=scope,
    )


def build_blueprint(limiter: Limiter) -> Blueprint:
    """The auth blueprint; built per app so its rate limits belong to that app's limiter."""
    bp = Blueprint(
        "auth",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/auth/static",
    )
    per_account = _login_limit(limiter, "login_limit_per_account", _account_key, "login-account")
    per_ip = _login_limit(limiter, "login_limit_per_ip", get_remote_address, "login-ip")
    both = ["GET", "POST"]
    bp.add_url_rule("/login", "login", per_account(per_ip(login)), methods=both)
    bp.add_url_rule("/logout", "logout", logout, methods=both)
    bp.add_url_rule("/passwort", "password", password, methods=both)
    return bp


def login() -> BaseResponse | str | tuple[str, int]:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(start_page(current_user.state))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("auth/login.html", form=form, error=None)
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, error=None), 400
    db = get_db()
    principal = users.authenticate(db, form.username.data, form.password.data, ip=client_ip())
    state = users.load_session_state(db, principal.user_id) if principal else None
    if state is None:
        form.password.data = ""
        return render_template("auth/login.html", form=form, error=FAILED_MESSAGE)
    _start_session(state, remember=bool(form.remember.data))
    if state.must_change_password:
        flash("Bitte vergeben Sie jetzt ein eigenes Passwort.", "info")
        return redirect(url_for("auth.password"))
    return redirect(safe_next(form.next.data) or start_page(state))


def logout() -> BaseResponse | str:
    form = ActionForm()
    if request.method == "GET":
        # A link can point here; logging out itself needs the POST (CSRF-protected).
        return render_template("auth/logout.html", form=form)
    if current_user.is_authenticated:
        users.end_sessions(get_db(), current_principal(), ip=client_ip())
    session.clear()
    logout_user()
    flash("Sie wurden abgemeldet.", "info")
    return redirect(url_for("auth.login"))


def password() -> BaseResponse | str | tuple[str, int]:
    form = PasswordChangeForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("auth/password.html", form=form), 400
        principal = current_principal()
        try:
            generation = users.change_password(
                get_db(),
                principal,
                current_password=form.current_password.data,
                new_password=form.password.data,
                ip=client_ip(),
            )
        except ValidationError as error:
            target = getattr(form, error.field, form.password)
            target.errors = [*target.errors, error.user_message]
            return render_template("auth/password.html", form=form), 400
        state = users.load_session_state(get_db(), principal.user_id)
        assert state is not None and state.generation == generation
        # Other sessions died with the old generation; this one continues, rotated.
        remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        _start_session(state, remember=remember_cookie in request.cookies)
        flash("Ihr Passwort wurde geändert. Andere Sitzungen wurden beendet.", "success")
        return redirect(start_page(state))
    return render_template("auth/password.html", form=form)
