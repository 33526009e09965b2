"""Helpers for browser tests: a live server in a thread and headless Debian Chromium."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from cockpit.db import make_engine, make_session_factory
from cockpit.settings import PROJECT_ROOT, Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def login(page: object, base_url: str, username: str, password: str) -> None:
    """Log in through the real login form (works without JavaScript)."""
    page.goto(f"{base_url}/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]


# --- shared steps of the Dash pages -------------------------------------------------------


def demo_password(username: str) -> str:
    """The password of a demo user (``cockpit.demo.DEMO_USERS``)."""
    from cockpit.demo import DEMO_USERS

    return next(spec.password for spec in DEMO_USERS if spec.username == username)


def user_page(
    chromium: Any, base_url: str, username: str, *, width: int = 1366, height: int = 900
) -> tuple[Any, Any]:
    """A fresh browser context (own cookies) logged in as the demo user; (context, page)."""
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, base_url, username, demo_password(username))
    return context, page


def shot(page: Any, name: str) -> Path:
    """Viewport screenshot into ``test-artifacts/`` through CDP (Playwright's own page
    screenshot stalls on the map pages in headless Chromium without GPU)."""
    session = page.context.new_cdp_session(page)
    data = session.send("Page.captureScreenshot", {"format": "png"})["data"]
    session.detach()
    path = screenshot_path(name)
    path.write_bytes(base64.b64decode(data))
    return path


def query_db(settings: Settings, statement: Any) -> list[Any]:
    """Rows of ``statement`` read through a separate engine (what the live server wrote)."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.execute(statement).all())
    finally:
        engine.dispose()


def pick_option(page: Any, dropdown: Any, option: str) -> None:
    """Open the Dash dropdown ``dropdown`` (a locator), type ``option`` and pick it."""
    dropdown.click()
    page.get_by_role("option").first.wait_for()  # the list is open: typing goes to its search
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")


def choose(page: Any, label_text: str, option: str) -> None:
    """Pick ``option`` in the Dash dropdown whose label is ``label_text``."""
    field = page.locator(".fl-field", has=page.locator(f"label:text-is('{label_text}')")).first
    pick_option(page, field.locator(".dash-dropdown").first, option)


def horizontal_overflow(page: Any) -> int:
    """``document.documentElement.scrollWidth`` (the page scrolls sideways when > viewport)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth"))
