"""Helpers for the export tests: demo principals, poppler tools, SVG fills, artifacts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cockpit.domain.roles import Principal
from cockpit.services import exports as export_service
from tests.browser_support import ARTIFACTS

EXPORT_ARTIFACTS = ARTIFACTS / "exports"
DEMO_PASSWORDS = {
    "kreis": "Demo-Redaktion-2026!",
    "analyse": "Demo-Auswertung-2026!",
    "admin": "Demo-Verwaltung-2026!",
    "kommune.goerlitz": "Demo-Goerlitz-2026!",
    "kommune.zittau": "Demo-Zittau-2026!",
}
GOERLITZ = "14626110"
ZITTAU = "14626610"
CONFIDENTIAL_INDICATOR = "investitionsrueckstand_je_ew"  # own_municipality visibility
INTERNAL_INDICATOR = "foerderbedarf_index"  # district_internal
_SVG_FILL = re.compile(r'<g id="(\d{8})">.*?fill: (#[0-9a-f]{6})', re.S)
_CSRF = re.compile(r'name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"')


def principal(session: Session, username: str) -> Principal:
    return export_service.principal_for_username(session, username)


def pdfinfo(path: Path) -> dict[str, str]:
    output = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, text=True, check=True
    ).stdout
    info: dict[str, str] = {}
    for line in output.splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def page_size_pt(path: Path) -> tuple[float, float]:
    size = pdfinfo(path)["Page size"].split()
    return float(size[0]), float(size[2])


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_to_pngs(path: Path, prefix: str, resolution: int = 60) -> list[Path]:
    """Render every page to ``test-artifacts/exports/<prefix>-<n>.png`` for review."""
    EXPORT_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = EXPORT_ARTIFACTS / prefix
    for old in EXPORT_ARTIFACTS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(resolution), "-png", str(path), str(target)], check=True)
    return sorted(EXPORT_ARTIFACTS.glob(f"{prefix}-*.png"))


def svg_fills(svg: str) -> dict[str, str]:
    """Fill colour per municipality (``<g id="AGS">`` groups of the snapshot)."""
    return {ags: colour for ags, colour in _SVG_FILL.findall(svg)}


def login(client: FlaskClient, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, "no CSRF token on /login"
    response = client.post(
        "/login",
        data={
            "csrf_token": match.group(1),
            "username": username,
            "password": DEMO_PASSWORDS[username],
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def client_for(app: Flask, username: str | None = None) -> FlaskClient:
    """A test client, logged in as ``username`` (anonymous without)."""
    client = app.test_client()
    if username:
        login(client, username)
    return client


def csrf_from(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', html) or _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
