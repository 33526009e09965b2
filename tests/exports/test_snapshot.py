"""Map snapshots: formats, page sizes, print content, screen-map colours, permissions,
reproduction from the embedded record (real demo database, real files, poppler tools)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.area_generator import generate_areas
from cockpit.dashboard.presenters.choropleth import MapOptions, build_view, palette_colours
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, NotFoundError, ValidationError
from cockpit.domain.formatting import format_number
from cockpit.domain.roles import Principal, Role
from cockpit.exports import snapshot
from cockpit.exports.metadata import build_record, read_record
from cockpit.models import AreaPotential
from cockpit.services import areas, maps
from cockpit.services import exports as export_service
from layers.cartography import format_distance, nice_length
from layers.palettes import NO_DATA_COLOUR
from tests.config_support import TEST_CONFIG
from tests.conftest import seed_goerlitz
from tests.exports.export_support import (
    CONFIDENTIAL_INDICATOR,
    EXPORT_ARTIFACTS,
    GOERLITZ,
    ZITTAU,
    page_size_pt,
    pdf_to_pngs,
    pdfinfo,
    pdftotext,
    principal,
    svg_fills,
)

A4 = (595.28, 841.89)


def _has_number(text: str, number: str) -> bool:
    """``number`` as a whole number in ``text`` (not part of a date or a longer number)."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text) is not None


A3 = (841.89, 1190.55)


@pytest.fixture
def demo_session(demo_url: str) -> Iterator[Session]:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _render(
    session: Session,
    username: str,
    page: snapshot.PageSpec,
    **raw: object,
) -> tuple[export_service.SnapshotData, bytes]:
    who = principal(session, username)
    params = export_service.SnapshotParams.from_mapping(raw)
    data = export_service.get_snapshot_data(
        session, who, params, config=replace(TEST_CONFIG, district_ags="14626")
    )
    record = build_record(
        kind="snapshot",
        fmt=page.fmt,
        params=params.to_dict(),
        data_hash=data.data_hash,
        principal=who,
        scope=data.scope_text,
        title=data.indicator.label,
        sources=data.sources,
        is_demo=data.is_demo,
        render=page.to_dict(),
    )
    return data, snapshot.render_snapshot(data, page, record)


@pytest.mark.parametrize(
    ("paper", "orientation", "expected"),
    [
        ("A4", "landscape", (A4[1], A4[0])),
        ("A4", "portrait", A4),
        ("A3", "landscape", (A3[1], A3[0])),
        ("A3", "portrait", A3),
    ],
)
def test_pdf_page_sizes_and_print_content(
    demo_session: Session, tmp_path: Path, paper: str, orientation: str, expected: tuple
) -> None:
    page = snapshot.PageSpec("pdf", paper, orientation)  # type: ignore[arg-type]
    data, payload = _render(
        demo_session,
        "kreis",
        page,
        indicator="bevoelkerung",
        year=2022,
        layers="gemeinden,kreisgrenze,flaechen",
    )
    path = tmp_path / "karte.pdf"
    path.write_bytes(payload)
    width, height = page_size_pt(path)
    assert (round(width), round(height)) == (round(expected[0]), round(expected[1]))
    text = " ".join(pdftotext(path).split())
    assert "Einwohner (Zensus 2022)" in text  # title
    assert "Jahr: 2022" in text  # subtitle
    for item in data.legend:  # legend with German class bounds
        low = format_number(item.lower, 0)
        assert low in text
    assert "54.664" in text  # Görlitz, largest class bound, German thousands separator
    assert "Kreisgrenze" in text
    assert "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0" in text
    assert "Zensus 2022, Statistische Ämter des Bundes und der Länder" in text
    assert "Landkreis Görlitz" in text  # scope line of a district role
    assert "Exportiert am" in text
    assert "Demo-Daten" in text  # the area layer is demo data
    info = pdfinfo(path)
    assert info["Title"] == "Einwohner (Zensus 2022)"
    assert data.data_hash[:12] in info["Subject"]
    pages = pdf_to_pngs(path, f"snapshot-{paper}-{orientation}")
    assert len(pages) == 1


@pytest.mark.parametrize(("dpi", "size"), [(96, (1123, 794)), (300, (3508, 2480))])
def test_png_screen_and_print_resolution(
    demo_session: Session, dpi: int, size: tuple[int, int]
) -> None:
    page = snapshot.PageSpec("png", "A4", "landscape", dpi)
    data, payload = _render(demo_session, "analyse", page, indicator="bevoelkerung", year=2022)
    image = Image.open(io.BytesIO(payload))
    assert abs(image.size[0] - size[0]) <= 1 and abs(image.size[1] - size[1]) <= 1
    record = image.info["kommunal-cockpit-export"]
    assert (data.data_hash in record and '"dpi": 96' not in record) or dpi == 96
    EXPORT_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (EXPORT_ARTIFACTS / f"snapshot-A4-landscape-{dpi}dpi.png").write_bytes(payload)


def test_svg_colours_equal_the_screen_map(demo_session: Session) -> None:
    """Same state -> the presenter's class colour per AGS equals the snapshot's fill."""
    for key, year, method, classes, palette in (
        ("bevoelkerung", 2022, "quantiles", 5, "blues"),
        ("kaufkraft_eur_je_ew", 2015, "equal_interval", 4, "viridis"),
        ("bevoelkerungsdichte", 2022, "natural_breaks", 7, "puor"),
    ):
        page = snapshot.PageSpec("svg", "A4", "portrait")
        _, payload = _render(
            demo_session,
            "kreis",
            page,
            indicator=key,
            year=year,
            method=method,
            classes=classes,
            palette=palette,
        )
        fills = svg_fills(payload.decode("utf-8"))
        screen_data = maps.get_choropleth_values(
            demo_session, principal(demo_session, "kreis"), key, year
        )
        view = build_view(screen_data, MapOptions(method, classes, palette))  # type: ignore[arg-type]
        colours = palette_colours(palette, view.classification.k)
        expected = {
            ags: (NO_DATA_COLOUR if index < 0 else colours[index])
            for ags, index in zip(screen_data.ags, view.classification.class_index, strict=True)
        }
        assert len(fills) == 53
        assert fills == expected, key
        # the legend of the screen map and of the snapshot list the same classes
        assert [e.colour for e in view.legend] == [
            c for c, n in zip(colours, view.classification.counts, strict=True) if n
        ]


def test_kommune_snapshot_contains_no_foreign_confidential_value(
    demo_session: Session, tmp_path: Path
) -> None:
    kreis_data, _ = _render(
        demo_session,
        "kreis",
        snapshot.PageSpec("svg"),
        indicator=CONFIDENTIAL_INDICATOR,
        year=2024,
    )
    foreign_values = {
        ags: value
        for ags, value in zip(kreis_data.frame["ags"], kreis_data.frame["value"], strict=True)
        if ags != ZITTAU
    }
    assert all(v is not None for v in foreign_values.values())

    page = snapshot.PageSpec("pdf", "A4", "landscape")
    data, payload = _render(
        demo_session,
        "kommune.zittau",
        page,
        indicator=CONFIDENTIAL_INDICATOR,
        year=2024,
        layers="gemeinden,kreisgrenze,flaechen",
    )
    path = tmp_path / "zittau.pdf"
    path.write_bytes(payload)
    text = " ".join(pdftotext(path).split())
    assert "Auszug für: Stadt Zittau" in text
    assert "Werte anderer Gemeinden sind für Ihre Rolle nicht sichtbar" in text
    own = dict(zip(data.frame["ags"], data.frame["value"], strict=True))[ZITTAU]
    assert own is not None and format_number(own, 0) in text
    for ags, value in foreign_values.items():
        if format_number(value, 0) != format_number(own, 0):
            assert not _has_number(text, format_number(value, 0)), ags
    assert f"keine Daten ({len(foreign_values)})" in text
    # only own areas on the area layer
    assert data.areas is not None and len(data.areas) > 0
    foreign = data.frame[data.frame["ags"] != ZITTAU]
    assert foreign["value"].isna().all()
    assert set(foreign["colour"]) == {NO_DATA_COLOUR}

    _, svg = _render(
        demo_session,
        "kommune.zittau",
        snapshot.PageSpec("svg"),
        indicator=CONFIDENTIAL_INDICATOR,
        year=2024,
    )
    fills = svg_fills(svg.decode())
    assert fills[ZITTAU] != NO_DATA_COLOUR
    assert {c for a, c in fills.items() if a != ZITTAU} == {NO_DATA_COLOUR}
    pdf_to_pngs(path, "snapshot-kommune-zittau")


def test_extent_and_selection(demo_session: Session, tmp_path: Path) -> None:
    page = snapshot.PageSpec("pdf")
    data, payload = _render(
        demo_session,
        "kreis",
        page,
        indicator="bevoelkerung",
        year=2022,
        municipalities=f"{GOERLITZ},{ZITTAU}",
        bbox="14.7,50.8,15.1,51.2",
    )
    assert list(data.frame["ags"]) == [GOERLITZ, ZITTAU]
    min_x, min_y, max_x, max_y = data.extent
    assert 470_000 < min_x < max_x < 510_000 and 5_620_000 < min_y < max_y < 5_680_000
    path = tmp_path / "auswahl.pdf"
    path.write_bytes(payload)
    assert "Auswahl: 2 Gemeinden" in pdftotext(path)


def test_bad_parameters_are_refused_in_german(demo_session: Session) -> None:
    with pytest.raises(ValidationError) as error:
        export_service.SnapshotParams.from_mapping({"indicator": "bevoelkerung", "year": "x"})
    assert "gültiges Jahr" in error.value.user_message
    with pytest.raises(ValidationError) as error:
        export_service.SnapshotParams.from_mapping(
            {"indicator": "bevoelkerung", "year": 2022, "bbox": "1,2,3"}
        )
    assert "Kartenausschnitt" in error.value.user_message
    with pytest.raises(ValidationError) as error:
        export_service.SnapshotParams.from_mapping(
            {"indicator": "bevoelkerung", "year": 2022, "layers": "strassen"}
        )
    assert "Kartenebene" in error.value.user_message
    kreis = principal(demo_session, "kreis")
    with pytest.raises(ValidationError) as error:
        export_service.get_snapshot_data(
            demo_session,
            kreis,
            export_service.SnapshotParams("bevoelkerung", 1990),
            config=TEST_CONFIG,
        )
    assert "keine Werte" in error.value.user_message
    with pytest.raises(NotFoundError):
        export_service.get_snapshot_data(
            demo_session,
            kreis,
            export_service.SnapshotParams("gibt_es_nicht", 2022),
            config=TEST_CONFIG,
        )
    with pytest.raises(AccessDeniedError):  # admin has no export permission
        export_service.get_snapshot_data(
            demo_session,
            principal(demo_session, "admin"),
            export_service.SnapshotParams("bevoelkerung", 2022),
            config=TEST_CONFIG,
        )


def test_reproduce_from_png_gives_the_same_image(demo_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cockpit import create_app

    app = create_app(demo_settings)
    runner = app.test_cli_runner()
    first = tmp_path / "erste.png"
    result = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "kommune.goerlitz",
            "--indicator",
            CONFIDENTIAL_INDICATOR,
            "--year",
            "2024",
            "--palette",
            "oranges",
            "--classes",
            "3",
            "--format",
            "png",
            "-o",
            str(first),
        ]
    )
    assert result.exit_code == 0, result.output
    record = read_record(first)
    assert record.user == "kommune.goerlitz"
    assert record.params["palette"] == "oranges"
    again = tmp_path / "wieder.png"
    result = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "kommune.goerlitz",
            "--reproduce",
            str(first),
            "-o",
            str(again),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Datenstand unverändert" in result.output
    assert again.read_bytes() == first.read_bytes()
    # SVG and PDF carry the record too
    for fmt in ("svg", "pdf"):
        out = tmp_path / f"karte.{fmt}"
        result = runner.invoke(
            args=[
                "export-snapshot",
                "--user",
                "kreis",
                "--indicator",
                "bevoelkerung",
                "--year",
                "2022",
                "--format",
                fmt,
                "-o",
                str(out),
            ]
        )
        assert result.exit_code == 0, result.output
        assert read_record(out).params["indicator"] == "bevoelkerung"
    # a user without export permission gets a German refusal and no file
    denied = tmp_path / "admin.pdf"
    result = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "admin",
            "--indicator",
            "bevoelkerung",
            "--year",
            "2022",
            "-o",
            str(denied),
        ]
    )
    assert result.exit_code != 0
    assert "keine Berechtigung für Exporte" in result.output
    assert not denied.exists()


def test_scale_bar_helpers() -> None:
    assert nice_length(23_456) == 20_000
    assert nice_length(2_600) == 2_500
    assert nice_length(0.9) == 0.5
    assert format_distance(500) == "500 m"
    assert format_distance(12_500) == "12,5 km"
    assert format_distance(25_000) == "25 km"
    with pytest.raises(ValueError):
        nice_length(0)


@pytest.fixture
def goerlitz_db(any_db_url: str, data_dir: Path) -> Iterator[Session]:
    """Görlitz boundaries and indicators on a fresh SQLite or PostGIS database."""
    engine = make_engine(any_db_url)
    with make_session_factory(engine)() as session:
        seed_goerlitz(session, data_dir)
        yield session
    engine.dispose()


@pytest.mark.slow
def test_snapshot_area_layer_holds_every_stored_geometry(goerlitz_db: Session) -> None:
    """3,000 areas push the browser's map into grid clusters; the printed layer must still
    hold every area with its stored, unsimplified geometry (bug: it printed none)."""
    assert generate_areas(goerlitz_db, 3_000, seed=11) == 3_000
    stored = dict(goerlitz_db.execute(select(AreaPotential.public_id, AreaPotential.geom)).all())
    assert len(stored) == 3_000
    who = Principal(user_id=1, username="analyse", role=Role.ANALYSE)
    browser_view = areas.list_areas(
        goerlitz_db, who, areas.AreaFilter(), limit=1, config=TEST_CONFIG
    )
    assert browser_view.clustered  # the screen payload has no single area any more
    params = export_service.SnapshotParams.from_mapping(
        {"indicator": "bevoelkerung", "year": 2022, "layers": "gemeinden,flaechen"}
    )
    data = export_service.get_snapshot_data(goerlitz_db, who, params, config=TEST_CONFIG)
    assert data.areas is not None and len(data.areas) == 3_000
    for public_id, geometry in zip(data.areas["public_id"], data.areas.geometry, strict=True):
        assert geometry.equals_exact(stored[public_id], tolerance=0)
