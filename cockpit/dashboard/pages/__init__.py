"""Page modules of the dashboard, discovered automatically by :mod:`cockpit.dashboard.shell`.

Contract of a page module: ``PATH`` (compiled regex, named groups -> ``layout`` kwargs),
``TITLE`` (German), ``NAV_ORDER`` (int or None), optional ``HREF``,
``layout(principal, **params) -> Component`` and ``register_callbacks(app) -> None``.
"""
