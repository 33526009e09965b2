"""Bulk indicator update from CSV/XLSX: preview, apply, errors naming row and column."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError, ConflictError, ImportRejectedError
from cockpit.models import ChangeRecord, IndicatorValue
from cockpit.services import bulk_indicators as bulk
from tests.config_support import TEST_CONFIG
from tests.services.kenndaten_world import World, build_world

CSV = (
    "AGS;Name;Wert\n"
    "14626110;Görlitz;55.000\n"  # changed (54.664 stored for 2022)
    "14626610;Zittau;25585\n"  # unchanged
    "14626999;Phantasia;12\n"  # unmatched
).encode()


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _value(session: Session, world: World, ags: str, year: int) -> float | None:
    return session.scalar(
        select(IndicatorValue.value).where(
            IndicatorValue.indicator_id == world.population_id,
            IndicatorValue.municipality_id == world.ids[ags],
            IndicatorValue.year == year,
        )
    )


def test_preview_classifies_rows_and_writes_nothing(session: Session, world: World) -> None:
    preview = bulk.preview_indicator_update(
        session, world.kreis, world.population_id, 2022, "werte.csv", CSV, config=TEST_CONFIG
    )
    assert preview.file_format == "CSV"
    assert [(r.ags, r.status) for r in preview.rows] == [
        ("14626110", "changed"),
        ("14626610", "unchanged"),
        ("14626999", "unmatched"),
    ]
    assert preview.rows[0].old == 54664 and preview.rows[0].new == 55000
    assert preview.rows[0].status_label == "geändert"
    assert preview.writable == 1
    assert _value(session, world, "14626110", 2022) == 54664


def test_apply_writes_in_one_go_with_history(session: Session, world: World) -> None:
    preview = bulk.preview_indicator_update(
        session, world.kreis, world.population_id, 2023, "werte.csv", CSV, config=TEST_CONFIG
    )
    assert [r.status for r in preview.rows] == ["new", "new", "unmatched"]
    result = bulk.apply_indicator_update(
        session,
        world.kreis,
        world.population_id,
        2023,
        "werte.csv",
        CSV,
        preview.fingerprint,
        config=TEST_CONFIG,
    )
    assert (result.created, result.updated, result.unmatched) == (2, 0, 1)
    assert _value(session, world, "14626110", 2023) == 55000
    records = session.scalars(
        select(ChangeRecord).where(ChangeRecord.entity == "indicator_value")
    ).all()
    assert len(records) == 2
    assert records[0].new_values == {"indicator": "population", "year": 2023, "value": 55000.0}


def test_stale_preview_is_refused(session: Session, world: World) -> None:
    preview = bulk.preview_indicator_update(
        session, world.kreis, world.population_id, 2022, "werte.csv", CSV, config=TEST_CONFIG
    )
    row = session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.municipality_id == world.zittau,
            IndicatorValue.indicator_id == world.population_id,
            IndicatorValue.year == 2022,
        )
    ).one()
    row.value = 1.0
    session.commit()
    with pytest.raises(ConflictError):
        bulk.apply_indicator_update(
            session,
            world.kreis,
            world.population_id,
            2022,
            "werte.csv",
            CSV,
            preview.fingerprint,
            config=TEST_CONFIG,
        )
    assert _value(session, world, "14626110", 2022) == 54664


def test_xlsx_is_sniffed_and_numbers_keep_leading_zeros(session: Session, world: World) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Gemeindeschlüssel", "Jahr", "Wert"])
    sheet.append([14626110, 2022, 54700.5])
    sheet.append([1001000, 2022, 3])  # Flensburg lost its leading zero: unmatched here
    buffer = io.BytesIO()
    book.save(buffer)
    preview = bulk.preview_indicator_update(
        session,
        world.kreis,
        world.population_id,
        2022,
        "upload.bin",
        buffer.getvalue(),
        config=TEST_CONFIG,
    )
    assert preview.file_format == "XLSX"
    assert [(r.ags, r.status, r.new) for r in preview.rows] == [
        ("14626110", "changed", 54700.5),
        ("01001000", "unmatched", 3.0),
    ]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("a.csv", b"AGS;Wert\n14626110;viel\n", "Zeile 2, Spalte „Wert“: „viel“ ist keine Zahl"),
        ("a.csv", b"AGS;Wert\n1462611;5\n14626abc;5\n", "Zeile 3, Spalte „AGS“"),
        ("a.csv", b"AGS;Wert\n14626110;5\n14626110;6\n", "kommt schon in Zeile 2 vor"),
        ("a.csv", b"Kreis;Wert\n14626110;5\n", "Keine Spalte „AGS“"),
        ("a.csv", b"AGS;Jahr;Wert\n14626110;2021;5\n", "Zeile 2, Spalte „Jahr“"),
        ("a.csv", b"AGS;Wert\n", "keine Datenzeilen"),
        ("a.xlsx", b"AGS;Wert\n14626110;5\n", "keine gültige Excel-Datei"),
        ("a.csv", b"\x00\x01\x02binary", "weder eine CSV- noch eine XLSX-Datei"),
    ],
)
def test_bad_files_are_rejected_with_row_and_column(
    session: Session, world: World, filename: str, content: bytes, message: str
) -> None:
    with pytest.raises(ImportRejectedError) as info:
        bulk.preview_indicator_update(
            session, world.kreis, world.population_id, 2022, filename, content, config=TEST_CONFIG
        )
    assert message in info.value.user_message
    assert filename in info.value.user_message


def test_size_limit(session: Session, world: World) -> None:
    with pytest.raises(ImportRejectedError) as info:
        bulk.preview_indicator_update(
            session,
            world.kreis,
            world.population_id,
            2022,
            "gross.csv",
            CSV,
            config=replace(TEST_CONFIG, max_upload_bytes=10),
        )
    assert "zu groß" in info.value.user_message


@pytest.mark.parametrize("who", ["goerlitz_user", "analyse", "admin"])
def test_only_import_permission_may_update(session: Session, world: World, who: str) -> None:
    with pytest.raises(AccessDeniedError):
        bulk.preview_indicator_update(
            session,
            getattr(world, who),
            world.population_id,
            2022,
            "werte.csv",
            CSV,
            config=TEST_CONFIG,
        )
    with pytest.raises(AccessDeniedError):
        bulk.apply_indicator_update(
            session,
            getattr(world, who),
            world.population_id,
            2022,
            "werte.csv",
            CSV,
            "x",
            config=TEST_CONFIG,
        )
    assert session.scalar(select(func.count()).select_from(ChangeRecord)) == 0
