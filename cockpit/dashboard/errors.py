"""What a failing callback does: log the traceback, tell the user in German, change nothing.

Installed as Dash's global ``on_error``: the failed callback's outputs stay as they were
(``no_update``) and the shell's alert line (``ids.CALLBACK_ERROR``) shows a German notice.
A request Dash cannot even dispatch (a crafted or stale payload) is answered 400 by the
error handler in :mod:`cockpit.auth`, never 500.
"""

from __future__ import annotations

import logging

from dash import callback_context, set_props

from cockpit.dashboard import ids

log = logging.getLogger(__name__)

CALLBACK_FAILED = (
    "Die Aktion konnte wegen eines internen Fehlers nicht ausgeführt werden; es wurde nichts "
    "geändert. Bitte laden Sie die Seite neu. Tritt der Fehler wieder auf, wenden Sie sich "
    "an die Administration."
)


def callback_failed(error: Exception) -> None:
    """Dash ``on_error`` handler (returns None: every output of the callback is kept)."""
    triggered = [item["prop_id"] for item in callback_context.triggered or []]
    log.exception("dashboard callback failed (triggered by %s): %r", triggered, error)
    set_props(ids.CALLBACK_ERROR, {"children": CALLBACK_FAILED})
