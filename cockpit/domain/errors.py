"""Typed errors. ``message`` is German text for the user; ``str(error)`` is for the log."""

from __future__ import annotations


class CockpitError(Exception):
    """Base class; ``user_message`` is shown to the user (German)."""

    user_message = "Die Aktion konnte nicht ausgeführt werden."

    def __init__(self, log_message: str, user_message: str | None = None) -> None:
        super().__init__(log_message)
        if user_message is not None:
            self.user_message = user_message


class AccessDeniedError(CockpitError):
    user_message = "Sie haben keine Berechtigung für diese Aktion."


class NotFoundError(CockpitError):
    user_message = "Der Datensatz wurde nicht gefunden."


class ValidationError(CockpitError):
    """Bad input; ``field`` names the form field the message belongs to, if any."""

    user_message = "Die Eingabe ist ungültig."

    def __init__(self, log_message: str, user_message: str | None = None, field: str = "") -> None:
        super().__init__(log_message, user_message)
        self.field = field


class ConflictError(CockpitError):
    """Optimistic locking: the record changed since the form was loaded."""

    user_message = (
        "Der Datensatz wurde inzwischen von jemand anderem geändert. "
        "Bitte laden Sie ihn neu und übertragen Sie Ihre Änderungen erneut."
    )


class ImportRejectedError(ValidationError):
    """An import file was refused as a whole; nothing was written."""

    user_message = "Der Import wurde abgelehnt; es wurde nichts geändert."
