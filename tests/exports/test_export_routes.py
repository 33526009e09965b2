"""Download routes through the real app: auth guard, permissions, audit log, job endpoints."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from cockpit import create_app
from cockpit.models.user import AuditLog
from cockpit.settings import Settings
from cockpit.web import get_runtime
from tests.exports.export_support import (
    CONFIDENTIAL_INDICATOR,
    GOERLITZ,
    ZITTAU,
    client_for,
    csrf_from,
    pdftotext,
)

SNAPSHOT = "/export/karte.pdf?indicator=bevoelkerung&year=2022"
ROUTES = [
    SNAPSHOT,
    "/export/karte.png?indicator=bevoelkerung&year=2022&dpi=300",
    "/export/tabelle/karte.xlsx?indicator=bevoelkerung&year=2022",
    "/export/ebene/gemeinden.gpkg?indicator=bevoelkerung&year=2022",
    f"/export/steckbrief/{GOERLITZ}.pdf",
    f"/export/tabelle/kenndaten/{GOERLITZ}.xlsx",
    "/export/tabelle/flaechen.csv",
    "/export/steckbriefe",
]


@pytest.mark.parametrize("path", ROUTES)
def test_anonymous_export_urls_are_refused(app: Flask, path: str) -> None:
    client = client_for(app)
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = client.get(path, headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert api.get_json()["message"] == "Bitte melden Sie sich an."
    start = client.post("/export/steckbriefe/auftraege")
    assert start.status_code == 401


def test_snapshot_download_is_audited(app: Flask, tmp_path: Path) -> None:
    client = client_for(app, "kreis")
    response = client.get(SNAPSHOT + "&paper=A3&orientation=portrait")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "Karte_bevoelkerung_2022_A3_hoch.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    path = tmp_path / "karte.pdf"
    path.write_bytes(response.data)
    assert "Einwohner (Zensus 2022)" in pdftotext(path)
    with app.app_context():
        session = get_runtime().session_factory()
        entry = session.scalars(
            select(AuditLog).where(AuditLog.action == "export").order_by(AuditLog.id.desc())
        ).first()
        assert entry is not None and entry.actor_name == "kreis"
        assert entry.target == "snapshot:bevoelkerung:2022"
        assert entry.details["params"]["indicator"] == "bevoelkerung"
        assert entry.details["render"]["paper"] == "A3"
        assert len(entry.details["data_hash"]) == 64
        session.close()


def test_bad_parameters_get_a_german_400(app: Flask) -> None:
    client = client_for(app, "kreis")
    response = client.get("/export/karte.pdf?indicator=bevoelkerung&year=zwei")
    assert response.status_code == 400
    assert "Bitte geben Sie ein gültiges Jahr an." in response.get_data(as_text=True)
    response = client.get(SNAPSHOT + "&paper=A5")
    assert response.status_code == 400
    assert "Papierformat" in response.get_data(as_text=True)
    response = client.get("/export/karte.tiff?indicator=bevoelkerung&year=2022")
    assert response.status_code == 400
    response = client.get(
        "/export/tabelle/karte.csv?indicator=bevoelkerung&year=2022&sep=,&decimal=,"
    )
    assert response.status_code == 400


def test_kommune_downloads_are_filtered(app: Flask, tmp_path: Path) -> None:
    client = client_for(app, "kommune.zittau")
    foreign = client.get(f"/export/steckbrief/{GOERLITZ}.pdf")
    assert foreign.status_code == 200
    path = tmp_path / "fremd.pdf"
    path.write_bytes(foreign.data)
    text = " ".join(pdftotext(path).split())
    assert "Auszug für: Stadt Zittau" in text and "öffentliche Profil" in text
    for heading in ("Beschäftigte in der Kernverwaltung", "Sitzverteilung", "Flächen mit zusammen"):
        assert heading not in text

    denied = client.get(f"/export/tabelle/kenndaten/{GOERLITZ}.xlsx")
    assert denied.status_code == 403
    own = client.get(f"/export/tabelle/kenndaten/{ZITTAU}.xlsx")
    assert own.status_code == 200
    assert load_workbook(io.BytesIO(own.data)).sheetnames[-1] == "Metadaten"

    table = client.get(
        f"/export/tabelle/karte.csv?indicator={CONFIDENTIAL_INDICATOR}&year=2024&sep=;"
    )
    assert table.status_code == 200 and table.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(table.data))
    csv_name = next(n for n in archive.namelist() if n.endswith(".csv"))
    rows = archive.read(csv_name).decode("utf-8-sig").splitlines()[1:]
    filled = [r.split(";")[0] for r in rows if r.split(";")[3]]
    assert filled == [ZITTAU]
    assert client.get("/export/steckbriefe").status_code == 403  # district roles only
    start = client.post(
        "/export/steckbriefe/auftraege",
        headers={"X-CSRFToken": csrf_from(client, "/passwort"), "Accept": "application/json"},
    )
    assert start.status_code == 403  # "all municipalities" is for district roles


def test_admin_may_not_export(app: Flask) -> None:
    client = client_for(app, "admin")
    assert client.get(SNAPSHOT).status_code == 403
    assert client.get("/export/steckbriefe").status_code == 403


def test_report_job_start_and_cancel(app: Flask) -> None:
    """Start queues a job (no consumer runs in this test: it stays "wartend"); cancelling a
    queued job ends it at once; its download is refused; other users get 403."""
    client = client_for(app, "kreis")
    page = client.get("/export/steckbriefe")
    assert page.status_code == 200
    assert "Steckbriefe aller Gemeinden" in page.get_data(as_text=True)
    script = client.get("/export/static/jobs.js")
    assert script.status_code == 200 and b"cancel_url" in script.data
    script.close()
    token = csrf_from(client, "/export/steckbriefe")
    assert client.post("/export/steckbriefe/auftraege").status_code == 400  # CSRF required
    start = client.post("/export/steckbriefe/auftraege", headers={"X-CSRFToken": token})
    assert start.status_code == 202
    job = start.get_json()
    assert job["total"] == 53 and job["status"] == "wartend" and job["user"] == "kreis"
    url = job["url"]
    cancel = client.post(job["cancel_url"], headers={"X-CSRFToken": token})
    assert cancel.status_code == 200
    state = client.get(url).get_json()
    assert state["status"] == "abgebrochen" and state["finished"], state
    assert state["done"] == 0 and state["message"] == "Der Auftrag wurde abgebrochen."
    download = client.get(url + "/download", headers={"Accept": "application/json"})
    assert download.status_code == 400
    assert download.get_json()["message"] == "Der Auftrag ist noch nicht fertig."
    other = client_for(app, "analyse")
    assert other.get(url, headers={"Accept": "application/json"}).status_code == 403


@pytest.mark.browser
def test_download_links_follow_the_map_and_the_jobs_page_runs(
    demo_settings: Settings, browser_page: object, tmp_path: Path
) -> None:
    """Real browser: overview links carry the chosen palette; the Steckbrief link of the
    municipality page downloads a PDF; the jobs page starts and cancels a run."""
    from tests.browser_support import login as browser_login
    from tests.browser_support import screenshot_path, serve
    from tests.exports.export_support import DEMO_PASSWORDS

    page = browser_page
    app = create_app(demo_settings)
    with serve(app) as base_url:
        browser_login(page, base_url, "kreis", DEMO_PASSWORDS["kreis"])
        page.goto(f"{base_url}/")  # type: ignore[attr-defined]
        link = page.locator("#overview-downloads a", has_text="Karte PDF (A4)")  # type: ignore[attr-defined]
        link.wait_for(timeout=30_000)
        href = link.get_attribute("href")
        assert href.startswith("/export/karte.pdf?") and "indicator=" in href
        page.click("#overview-palette")  # type: ignore[attr-defined]
        page.get_by_text("Viridis", exact=True).click()  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelector('#overview-downloads a')"
            ".href.includes('palette=viridis')",
            timeout=15_000,
        )
        with page.expect_download(timeout=60_000) as info:  # type: ignore[attr-defined]
            link.click()
        target = tmp_path / "karte.pdf"
        info.value.save_as(target)
        assert "Einwohner" in pdftotext(target) or "Kennzahl" in pdftotext(target)
        assert read_palette(target) == "viridis"
        page.screenshot(path=str(screenshot_path("exports-overview-links")))  # type: ignore[attr-defined]

        page.goto(f"{base_url}/kommune/{GOERLITZ}")  # type: ignore[attr-defined]
        report_link = page.locator("#kd-downloads a", has_text="Steckbrief (PDF)")  # type: ignore[attr-defined]
        report_link.wait_for(timeout=30_000)
        with page.expect_download(timeout=60_000) as info:  # type: ignore[attr-defined]
            report_link.click()
        report_file = tmp_path / "steckbrief.pdf"
        info.value.save_as(report_file)
        assert "Steckbrief Stadt Görlitz" in pdftotext(report_file)

        page.goto(f"{base_url}/export/steckbriefe")  # type: ignore[attr-defined]
        page.click("#reports-start")  # type: ignore[attr-defined]
        page.wait_for_selector("#reports-cancel:not([hidden])", timeout=15_000)  # type: ignore[attr-defined]
        page.click("#reports-cancel")  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelector('#reports-status').textContent.startsWith('abgebrochen')",
            timeout=90_000,
        )
        page.screenshot(path=str(screenshot_path("exports-steckbriefe-job")))  # type: ignore[attr-defined]
    app.extensions["cockpit"].engine.dispose()


def read_palette(path: Path) -> str:
    from cockpit.exports.metadata import read_record

    return str(read_record(path).params["palette"])
