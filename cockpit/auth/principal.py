"""Who is asking: the bridge from the Flask-Login session to the services' Principal."""

from __future__ import annotations

from flask_login import current_user

from cockpit.domain.errors import AccessDeniedError
from cockpit.domain.roles import Principal


def current_principal_or_none() -> Principal | None:
    """The logged-in principal, or ``None`` for an anonymous request."""
    if not current_user or not current_user.is_authenticated:
        return None
    principal: Principal = current_user.principal
    return principal


def current_principal() -> Principal:
    """The logged-in principal; raises :class:`AccessDeniedError` when anonymous."""
    principal = current_principal_or_none()
    if principal is None:
        raise AccessDeniedError("anonymous request reached a protected handler")
    return principal
