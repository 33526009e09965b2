"""Login, session handling, the deny-by-default route guard and security headers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Placeholder until the login issue lands."""
