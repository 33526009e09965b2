"""Dash adapter: pages, components, presenters."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Placeholder until the dashboard lands."""
