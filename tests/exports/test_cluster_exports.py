"""Themencluster lens exports: map snapshot (PDF/PNG/SVG) and tables (CSV/XLSX) of exactly
what the lens shows, permission-aware, recorded and audited (real demo database, real
app, poppler tools).

Demo facts used here: cluster 4 "Bau- und Holzwirtschaft" is a current focus of Görlitz and
Zittau (10 municipalities), cluster 6 "Forschung und Wissenschaft" a current focus of
Görlitz only (1 municipality: below the disclosure threshold for Kommune users),
cluster 2 "Tourismus" a future focus of 4 municipalities.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from cockpit import create_app
from cockpit.dashboard.pages import themencluster
from cockpit.exports import build, snapshot
from cockpit.exports.metadata import read_record
from cockpit.models.user import AuditLog
from cockpit.services import exports as export_service
from cockpit.services import kenndaten
from cockpit.settings import Settings
from cockpit.web import get_runtime
from layers.palettes import FOCUS_CATEGORIES
from tests.exports.export_support import (
    GOERLITZ,
    ZITTAU,
    client_for,
    page_size_pt,
    pdf_to_pngs,
    pdfinfo,
    pdftotext,
    principal,
    svg_fills,
)

BAU = 4
FORSCHUNG = 6
COLOUR = {code: colour for code, _label, colour in FOCUS_CATEGORIES}
LEGEND_LABELS = [label for _code, label, _colour in FOCUS_CATEGORIES]
BKG = "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0"
ENTRY_HEADER = "Gemeindeschlüssel (AGS);Kommune;Schwerpunkt;Beschreibung;Akteure;Demo-Daten"
COUNT_HEADER = (
    "Themencluster;derzeitiger Schwerpunkt (Anzahl Kommunen);"
    "zukünftiger Schwerpunkt (Anzahl Kommunen)"
)
NEW_ROUTES = [
    f"/export/themencluster/karte.pdf?cluster={BAU}",
    f"/export/themencluster/karte.png?cluster={BAU}&dpi=300",
    f"/export/themencluster/karte.svg?cluster={BAU}",
    f"/export/tabelle/themencluster.csv?cluster={BAU}",
    f"/export/tabelle/themencluster.xlsx?cluster={BAU}",
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _render(
    app: Flask, username: str, cluster: int, page: snapshot.PageSpec
) -> tuple[bytes, Any, export_service.ClusterMapData]:
    with app.app_context():
        session = get_runtime().session_factory()
        try:
            return build.build_cluster_snapshot(
                session, principal(session, username), cluster, page, get_runtime().config
            )
        finally:
            session.close()


def _screen_colours(app: Flask, username: str, cluster: int, ags: list[str]) -> dict[str, str]:
    """Fill per AGS of the lens's screen figure (Plotly z code -> category colour)."""
    with app.app_context():
        session = get_runtime().session_factory()
        try:
            overview = kenndaten.cluster_overview(session, principal(session, username), cluster)
        finally:
            session.close()
    figure = themencluster.cluster_map_figure(overview, {}, [(a, a) for a in ags])
    trace = figure.data[0]
    return {str(a): COLOUR[int(z)] for a, z in zip(trace.locations, trace.z, strict=True)}


# --------------------------------------------------------------------------- snapshot


def test_cluster_snapshot_pdf_has_title_legend_sources_scope(app: Flask, tmp_path: Path) -> None:
    payload, record, data = _render(
        app, "kreis", BAU, snapshot.PageSpec(fmt="pdf", paper="A4", orientation="landscape")
    )
    path = tmp_path / "cluster.pdf"
    path.write_bytes(payload)
    width, height = page_size_pt(path)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    text = _flat(pdftotext(path))
    assert "Themencluster Bau- und Holzwirtschaft" in text
    assert "Legende" in text and "Schwerpunkt im Themencluster Bau- und Holzwirtschaft" in text
    counts = {item.label: item.count for item in data.legend}
    assert counts["derzeitiger Schwerpunkt"] + counts["derzeitig und zukünftig"] == 10
    assert sum(counts.values()) == 53
    for label in LEGEND_LABELS:
        assert f"{label} ({counts[label]})" in text, label
    assert "Kreisgrenze" in text
    assert f"Quellen: {BKG}; Kenndaten der Kommunen" in text
    assert "Landkreis Görlitz" in text  # scope line of a district role
    assert "Demo-Daten: Teile der Daten sind generiert und nicht amtlich." in text
    assert "Im Landkreis: derzeitiger Schwerpunkt in 10 Kommunen" in text
    assert f"Datenstand {data.data_hash[:12]}" in text
    info = pdfinfo(path)
    assert "Themencluster Bau- und Holzwirtschaft" in info["Subject"]
    recorded = read_record(path)
    assert recorded.kind == "snapshot" and recorded.format == "pdf"
    assert dict(recorded.params) == {"lens": "themencluster", "cluster": BAU}
    assert recorded.data_hash == data.data_hash == record.data_hash
    assert recorded.is_demo and recorded.user == "kreis"
    pngs = pdf_to_pngs(path, "themencluster-kreis")
    assert len(pngs) == 1 and pngs[0].stat().st_size > 10_000


def test_cluster_snapshot_png_and_svg_use_the_screen_colours(app: Flask) -> None:
    png, _, _ = _render(app, "kreis", BAU, snapshot.PageSpec(fmt="png", dpi=300))
    image = Image.open(io.BytesIO(png))
    assert abs(image.size[0] - 3508) <= 1 and image.size[1] == 2480  # A4 landscape, 300 dpi
    assert read_record_bytes(png, "png").params["cluster"] == BAU

    svg_bytes, _, data = _render(app, "kreis", BAU, snapshot.PageSpec(fmt="svg"))
    svg = svg_bytes.decode("utf-8")
    assert "Themencluster Bau- und Holzwirtschaft" in svg
    fills = svg_fills(svg)
    ags = [str(a) for a in data.frame["ags"]]
    assert len(fills) == len(ags) == 53
    screen = _screen_colours(app, "kreis", BAU, ags)
    assert fills == screen
    assert fills[GOERLITZ] == fills[ZITTAU] == COLOUR[1]  # both: current focus
    assert len(set(fills.values())) >= 3  # several categories really drawn


def read_record_bytes(payload: bytes, suffix: str) -> Any:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=f".{suffix}") as handle:
        handle.write(payload)
        handle.flush()
        return read_record(Path(handle.name))


def test_kommune_snapshot_shows_only_its_own_focus(app: Flask, tmp_path: Path) -> None:
    svg_bytes, _, data = _render(
        app, "kommune.zittau", BAU, snapshot.PageSpec(fmt="svg", orientation="portrait")
    )
    fills = svg_fills(svg_bytes.decode("utf-8"))
    assert fills[ZITTAU] == COLOUR[1]
    assert fills[GOERLITZ] == COLOUR[0]  # Görlitz's focus is Kenndaten of Görlitz
    assert {a: c for a, c in fills.items() if c != COLOUR[0]} == {ZITTAU: COLOUR[1]}
    assert fills == _screen_colours(app, "kommune.zittau", BAU, list(fills))
    assert data.scope_text == "Auszug für: Stadt Zittau"

    pdf, _, _ = _render(app, "kommune.zittau", FORSCHUNG, snapshot.PageSpec(fmt="pdf"))
    path = tmp_path / "zittau.pdf"
    path.write_bytes(pdf)
    text = _flat(pdftotext(path))
    assert "Themencluster Forschung und Wissenschaft" in text
    assert "Auszug für: Stadt Zittau" in text
    # one municipality only: the count is suppressed exactly as on the lens
    assert "derzeitiger Schwerpunkt in weniger als 5 Kommunen" in text
    assert "Sie sehen die Angaben Ihrer eigenen Kommune" in text
    assert "derzeitiger Schwerpunkt (0)" in text
    assert "Demo-Daten" in text  # the counted records are demo data
    assert "Görlitz" not in text.replace("Landkreis Görlitz", "")
    pdf_to_pngs(path, "themencluster-kommune")

    kreis_pdf, _, _ = _render(app, "kreis", FORSCHUNG, snapshot.PageSpec(fmt="pdf"))
    path.write_bytes(kreis_pdf)
    kreis_text = _flat(pdftotext(path))
    assert "derzeitiger Schwerpunkt in 1 Kommunen" in kreis_text
    assert "derzeitiger Schwerpunkt (1)" in kreis_text


# --------------------------------------------------------------------------- routes


def _csv_files(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    files: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            if name.endswith(".csv"):
                assert raw.startswith(b"\xef\xbb\xbf"), name  # BOM for Excel
                files[name] = raw.decode("utf-8-sig").splitlines()
            else:
                files[name] = [raw.decode("utf-8")]
    return files


def test_cluster_tables_csv_and_xlsx(app: Flask) -> None:
    kreis = client_for(app, "kreis")
    files = _csv_files(kreis.get(f"/export/tabelle/themencluster.csv?cluster={FORSCHUNG}"))
    assert set(files) == {
        "themencluster_forschung_und_wissenschaft.csv",
        "themencluster_anzahl.csv",
        "themencluster_forschung_und_wissenschaft.metadaten.json",
    }
    entries = files["themencluster_forschung_und_wissenschaft.csv"]
    assert entries[0] == ENTRY_HEADER
    assert len(entries) == 2 and entries[1].startswith(f"{GOERLITZ};Görlitz;derzeitiger")
    assert entries[1].endswith(";ja")  # demo record
    counts = files["themencluster_anzahl.csv"]
    assert counts[0] == COUNT_HEADER
    assert "Forschung und Wissenschaft;1;0" in counts
    assert "Tourismus;12;4" in counts
    assert len(counts) == 1 + 7
    meta = files["themencluster_forschung_und_wissenschaft.metadaten.json"][0]
    assert '"title": "Themencluster Forschung und Wissenschaft"' in meta

    response = kreis.get(f"/export/tabelle/themencluster.xlsx?cluster={BAU}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [
        "Kommunen mit Schwerpunkt",
        "Anzahl je Themencluster",
        "Quellen",
        "Metadaten",
    ]
    sheet = workbook["Kommunen mit Schwerpunkt"]
    header = [c.value for c in sheet[1]]
    assert header == ENTRY_HEADER.split(";")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    current = {r[0] for r in rows if r[2] == "derzeitiger Schwerpunkt"}
    future = {r[0] for r in rows if r[2] == "zukünftiger Schwerpunkt"}
    assert (len(current), len(future), len(rows)) == (10, 5, 15)  # as counted on the lens
    assert {GOERLITZ, ZITTAU} <= current
    sources = [r[0] for r in workbook["Quellen"].iter_rows(values_only=True)]
    assert sources[0] == "Quelle / Lizenz"
    assert BKG in sources and "Kenndaten der Kommunen" in sources
    assert any(s and s.startswith("Demo-Daten") for s in sources)
    meta_rows = dict(workbook["Metadaten"].iter_rows(values_only=True))
    assert meta_rows["Titel"] == "Themencluster Bau- und Holzwirtschaft"
    assert meta_rows["Auszug"] == "Landkreis Görlitz"
    assert workbook.properties.title == "Themencluster Bau- und Holzwirtschaft"


def test_kommune_tables_hold_no_foreign_focus_and_suppress_small_counts(app: Flask) -> None:
    zittau = client_for(app, "kommune.zittau")
    files = _csv_files(zittau.get(f"/export/tabelle/themencluster.csv?cluster={FORSCHUNG}"))
    entries = files["themencluster_forschung_und_wissenschaft.csv"]
    assert entries == [ENTRY_HEADER]  # Görlitz's focus is not Zittau's to see
    counts = files["themencluster_anzahl.csv"]
    assert "Forschung und Wissenschaft;weniger als 5;0" in counts
    assert "Tourismus;12;weniger als 5" in counts
    assert "Energie;11;11" in counts  # counts from 5 upwards are shown
    assert (
        "Auszug für: Stadt Zittau"
        in files["themencluster_forschung_und_wissenschaft.metadaten.json"][0]
    )

    workbook = load_workbook(
        io.BytesIO(zittau.get(f"/export/tabelle/themencluster.xlsx?cluster={BAU}").data)
    )
    rows = list(workbook["Kommunen mit Schwerpunkt"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [ZITTAU]
    everything = " ".join(
        str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )
    assert GOERLITZ not in everything and "Technologiepark Görlitz" not in everything


@pytest.mark.parametrize("path", NEW_ROUTES)
def test_anonymous_cluster_exports_are_refused(app: Flask, path: str) -> None:
    client = client_for(app)
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = client.get(path, headers={"Accept": "application/json"})
    assert api.status_code == 401


def test_cluster_exports_refuse_admin_and_bad_parameters(app: Flask) -> None:
    admin = client_for(app, "admin")
    for path in NEW_ROUTES:
        response = admin.get(path)
        assert response.status_code == 403, path  # no export permission
    kreis = client_for(app, "kreis")
    bad = kreis.get("/export/themencluster/karte.pdf?cluster=abc")
    assert bad.status_code == 400
    assert "Ungültige Angabe für das Themencluster." in bad.get_data(as_text=True)
    assert kreis.get("/export/themencluster/karte.pdf?cluster=999").status_code == 404
    assert kreis.get("/export/tabelle/themencluster.csv?cluster=999").status_code == 404
    assert kreis.get("/export/themencluster/karte.tiff?cluster=4").status_code == 400
    assert kreis.get("/export/tabelle/themencluster.ods?cluster=4").status_code == 400
    assert kreis.get("/export/themencluster/karte.pdf?cluster=4&paper=A5").status_code == 400


def test_cluster_exports_are_audited_and_reproducible(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    zittau = client_for(app, "kommune.zittau")
    response = zittau.get(f"/export/themencluster/karte.png?cluster={BAU}&orientation=portrait")
    assert response.status_code == 200 and response.mimetype == "image/png"
    disposition = response.headers["Content-Disposition"]
    assert "Themencluster_Bau-_und_Holzwirtschaft_A4_hoch_96dpi.png" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    first = tmp_path / "erste.png"
    first.write_bytes(response.data)
    table = zittau.get(f"/export/tabelle/themencluster.xlsx?cluster={BAU}")
    assert table.status_code == 200
    with app.app_context():
        session = get_runtime().session_factory()
        entries = session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "export", AuditLog.actor_name == "kommune.zittau")
            .order_by(AuditLog.id)
        ).all()
        session.close()
    assert [e.target for e in entries][-2:] == [
        f"snapshot:themencluster:{BAU}",
        "table:themencluster_bau_und_holzwirtschaft",
    ]
    snap = entries[-2].details
    assert snap["params"] == {"lens": "themencluster", "cluster": BAU}
    assert snap["render"]["orientation"] == "portrait" and len(snap["data_hash"]) == 64
    assert snap["scope"] == "Auszug für: Stadt Zittau"

    again = tmp_path / "wieder.png"
    result = app.test_cli_runner().invoke(
        args=[
            "export-snapshot",
            "--user",
            "kommune.zittau",
            "--reproduce",
            str(first),
            "-o",
            str(again),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Datenstand unverändert" in result.output
    assert again.read_bytes() == first.read_bytes()

    # the same map from scratch on the command line (--cluster), as a PDF for Kreis-Redaktion
    scripted = tmp_path / "cluster.pdf"
    result = app.test_cli_runner().invoke(
        args=["export-snapshot", "--user", "kreis", "--cluster", str(BAU), "-o", str(scripted)]
    )
    assert result.exit_code == 0, result.output
    text = pdftotext(scripted)
    assert "Bau- und Holzwirtschaft" in text and "Landkreis Görlitz" in text
    unknown = app.test_cli_runner().invoke(
        args=["export-snapshot", "--user", "kreis", "--cluster", "999", "-o", str(scripted)]
    )
    assert unknown.exit_code != 0 and "Themencluster wurde nicht gefunden" in unknown.output


# --------------------------------------------------------------------------- the page


def _walk(node: Any) -> Iterator[Any]:
    if isinstance(node, list | tuple):
        for child in node:
            yield from _walk(child)
        return
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from _walk(child)
    elif children is not None and not isinstance(children, str | int | float):
        yield from _walk(children)


def _hrefs(tree: Any) -> list[str]:
    return [n.href for n in _walk(tree) if getattr(n, "href", None)]


def test_lens_has_download_links_next_to_map_and_tables(app: Flask) -> None:
    with app.test_request_context("/themencluster"):
        session = get_runtime().session_factory()
        try:
            kreis = principal(session, "kreis")
            admin = principal(session, "admin")
            zittau = principal(session, "kommune.zittau")
            page = themencluster.layout(kreis)
            hrefs = _hrefs(page)
            first = kenndaten.cluster_overview(session, kreis, None).cluster_id
            assert f"/export/themencluster/karte.pdf?cluster={first}&paper=A4" in hrefs
            assert f"/export/themencluster/karte.svg?cluster={first}" in hrefs
            assert f"/export/themencluster/karte.png?cluster={first}&dpi=300" in hrefs
            assert f"/export/tabelle/themencluster.xlsx?cluster={first}" in hrefs
            assert f"/export/tabelle/themencluster.csv?cluster={first}" in hrefs
            # the selection callback's outputs follow the chosen cluster
            overview = kenndaten.cluster_overview(session, zittau, BAU)
            links = _hrefs(themencluster.map_downloads(overview, zittau))
            links += _hrefs(themencluster.details(overview, zittau))
            assert f"/export/themencluster/karte.pdf?cluster={BAU}&paper=A3" in links
            assert f"/export/tabelle/themencluster.csv?cluster={BAU}" in links
            # no links for a role without export permission
            assert themencluster.map_downloads(overview, admin) == []
            assert not [
                h for h in _hrefs(themencluster.details(overview, admin)) if "/export/" in h
            ]
        finally:
            session.close()


@pytest.mark.browser
def test_lens_links_follow_the_selected_cluster_in_a_browser(
    demo_settings: Settings, browser_page: Any, tmp_path: Path
) -> None:
    """Real browser: choosing another cluster re-targets both link groups; the PDF link
    downloads the snapshot of the chosen cluster."""
    from tests.browser_support import login as browser_login
    from tests.browser_support import screenshot_path, serve
    from tests.exports.export_support import DEMO_PASSWORDS

    page = browser_page
    app = create_app(demo_settings)
    try:
        with serve(app) as base_url:
            browser_login(page, base_url, "kommune.zittau", DEMO_PASSWORDS["kommune.zittau"])
            page.goto(f"{base_url}/themencluster")
            page.wait_for_selector("#cluster-map-downloads a")
            page.get_by_label("Bau- und Holzwirtschaft").check()
            href = f"/export/themencluster/karte.pdf?cluster={BAU}&paper=A4"
            pdf_link = page.locator(f'#cluster-map-downloads a[href="{href}"]')
            pdf_link.wait_for(timeout=15_000)
            table_link = page.locator("#cluster-table-downloads a", has_text="CSV")
            table_link.wait_for(timeout=15_000)
            assert table_link.get_attribute("href") == (
                f"/export/tabelle/themencluster.csv?cluster={BAU}"
            )
            with page.expect_download(timeout=60_000) as info:
                pdf_link.click()
            target = tmp_path / "cluster.pdf"
            info.value.save_as(target)
            text = _flat(pdftotext(target))
            assert "Themencluster Bau- und Holzwirtschaft" in text
            assert "Auszug für: Stadt Zittau" in text
            page.screenshot(path=str(screenshot_path("exports-themencluster-links")))
    finally:
        app.extensions["cockpit"].engine.dispose()
