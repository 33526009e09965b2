"""Reproducibility record of an export: what, who, when, with which filters, data hash.

The same record (JSON) goes into the file itself — PDF ``Subject``/``Keywords``, PNG text
chunk, SVG ``<metadata>``, XLSX document properties and a "Metadaten" sheet, GeoPackage
layer metadata and a ``metadaten`` table, a ``metadaten.json`` next to CSV files in a zip —
and into the audit log. :func:`read_record` gets it back from a file, so
``cockpit export-snapshot --reproduce FILE`` can render the same map again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from cockpit.domain.errors import ValidationError
from cockpit.domain.formatting import to_local
from cockpit.domain.roles import Principal
from cockpit.services.exports import DEMO_NOTE, Provenance

RECORD_KEY: Final = "kommunal-cockpit-export"  # PNG text chunk key / JSON marker
SCHEMA: Final = 1
PRODUCT: Final = "Kommunal-Cockpit"


@dataclass(frozen=True)
class ExportRecord:
    """One export: ``params`` are the parameters that reproduce it, ``data_hash`` the
    SHA-256 of the exported data (see :mod:`cockpit.services.exports`)."""

    kind: str  # snapshot | report | table | layer
    format: str  # pdf | png | svg | csv | xlsx | gpkg | geojson | zip
    params: Mapping[str, Any]
    data_hash: str
    user: str
    role: str
    created_at: str  # ISO 8601, UTC
    scope: str
    title: str = ""
    sources: tuple[str, ...] = ()
    is_demo: bool = False
    render: Mapping[str, Any] = field(default_factory=dict)  # paper, dpi, orientation …
    schema: int = SCHEMA

    @property
    def created(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created_at)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["params"] = dict(self.params)
        data["render"] = dict(self.render)
        return {"marker": RECORD_KEY, **data}

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=indent)

    def summary(self) -> str:
        """One German line for PDF ``Subject`` and document properties."""
        demo = f" · {DEMO_NOTE}" if self.is_demo else ""
        return (
            f"{PRODUCT}: {self.title} · {self.scope} · exportiert am "
            f"{to_local(self.created):%d.%m.%Y %H:%M} von {self.user}{demo} · "
            f"Datenstand {self.data_hash[:12]}"
        )

    def audit_details(self) -> dict[str, Any]:
        data = self.to_dict()
        data.pop("marker", None)
        return data


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def build_record(
    *,
    kind: str,
    fmt: str,
    params: Mapping[str, Any],
    data_hash: str,
    principal: Principal,
    scope: str,
    title: str = "",
    sources: tuple[str, ...] = (),
    is_demo: bool = False,
    render: Mapping[str, Any] | None = None,
    created_at: str | None = None,
) -> ExportRecord:
    return ExportRecord(
        kind=kind,
        format=fmt,
        params=dict(params),
        data_hash=data_hash,
        user=principal.username,
        role=principal.role.value,
        created_at=created_at or now_utc(),
        scope=scope,
        title=title,
        sources=tuple(sources),
        is_demo=is_demo,
        render=dict(render or {}),
    )


def record_for(
    provenance: Provenance,
    *,
    kind: str,
    fmt: str,
    params: Mapping[str, Any],
    principal: Principal,
    title: str,
    render: Mapping[str, Any] | None = None,
    created_at: str | None = None,
) -> ExportRecord:
    """The record of an export of data with ``provenance`` (hash, scope, sources, demo)."""
    return build_record(
        kind=kind,
        fmt=fmt,
        params=params,
        data_hash=provenance.data_hash,
        principal=principal,
        scope=provenance.scope_text,
        title=title,
        sources=provenance.sources,
        is_demo=provenance.is_demo,
        render=render,
        created_at=created_at,
    )


def record_from_dict(data: Mapping[str, Any]) -> ExportRecord:
    """Rebuild a record (e.g. from a manifest); raises :class:`ValidationError` if it is none."""
    if data.get("marker") != RECORD_KEY:
        raise ValidationError(
            "not an export record",
            "Die Datei enthält keine Export-Metadaten des Kommunal-Cockpits.",
        )
    try:
        return ExportRecord(
            kind=str(data["kind"]),
            format=str(data["format"]),
            params=dict(data["params"]),
            data_hash=str(data["data_hash"]),
            user=str(data["user"]),
            role=str(data["role"]),
            created_at=str(data["created_at"]),
            scope=str(data.get("scope", "")),
            title=str(data.get("title", "")),
            sources=tuple(data.get("sources", ())),
            is_demo=bool(data.get("is_demo", False)),
            render=dict(data.get("render", {})),
            schema=int(data.get("schema", SCHEMA)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(
            f"incomplete export record: {error}",
            "Die Export-Metadaten der Datei sind unvollständig.",
        ) from error


# --------------------------------------------------------------------------- embedding


def pdf_metadata(record: ExportRecord) -> dict[str, Any]:
    """``metadata=`` for matplotlib's PDF backend (Info dictionary)."""
    return {
        "Title": record.title or PRODUCT,
        "Author": record.user,
        "Subject": record.summary(),
        "Keywords": record.to_json(),
        "Creator": PRODUCT,
        "CreationDate": record.created,
    }


def png_metadata(record: ExportRecord) -> dict[str, str]:
    """``metadata=`` for matplotlib's Agg PNG writer (tEXt/iTXt chunks)."""
    return {
        "Title": record.title or PRODUCT,
        "Author": record.user,
        "Description": record.summary(),
        "Software": PRODUCT,
        RECORD_KEY: record.to_json(),
    }


def svg_metadata(record: ExportRecord) -> dict[str, Any]:
    """``metadata=`` for matplotlib's SVG backend (Dublin Core in ``<metadata>``)."""
    return {
        "Title": record.title or PRODUCT,
        "Creator": record.user,
        "Date": record.created_at,
        "Description": record.to_json(),
        "Keywords": [RECORD_KEY],
        "Publisher": PRODUCT,
    }


# --------------------------------------------------------------------------- reading back

_SVG_DESCRIPTION = re.compile(r"<dc:description>(.*?)</dc:description>", re.S)


def _from_json_text(text: str) -> ExportRecord:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"metadata is not JSON: {error}",
            "Die Export-Metadaten der Datei sind beschädigt.",
        ) from error
    if not isinstance(data, dict):
        raise ValidationError("metadata is not an object", "Die Export-Metadaten sind ungültig.")
    return record_from_dict(data)


def _not_found(path: Path, reason: str) -> ValidationError:
    return ValidationError(
        f"{path}: {reason}", "Die Datei enthält keine Export-Metadaten des Kommunal-Cockpits."
    )


def _read_json(path: Path) -> ExportRecord:
    return _from_json_text(path.read_text(encoding="utf-8"))


def _read_png(path: Path) -> ExportRecord:
    from PIL import Image

    with Image.open(path) as image:
        text = image.info.get(RECORD_KEY)
    if not text:
        raise _not_found(path, f"no {RECORD_KEY} chunk")
    return _from_json_text(str(text))


def _read_svg(path: Path) -> ExportRecord:
    import html

    match = _SVG_DESCRIPTION.search(path.read_text(encoding="utf-8"))
    if not match:
        raise _not_found(path, "no dc:description")
    return _from_json_text(html.unescape(match.group(1)))


def _read_pdf(path: Path) -> ExportRecord:
    output = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    ).stdout
    for line in output.splitlines():
        if line.startswith("Keywords:"):
            return _from_json_text(line.split(":", 1)[1].strip())
    raise _not_found(path, "no Keywords")


def _read_zip(path: Path) -> ExportRecord:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith("metadaten.json"):
                return _from_json_text(archive.read(name).decode("utf-8"))
    raise ValidationError(f"{path}: no manifest", "Das Archiv enthält keine metadaten.json.")


def _read_xlsx(path: Path) -> ExportRecord:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        for row in workbook["Metadaten"].iter_rows(values_only=True):
            if row and row[0] == "Datensatz (JSON)":
                return _from_json_text(str(row[1]))
    finally:
        workbook.close()
    raise ValidationError(f"{path}: no record", "Die Datei enthält keine Export-Metadaten.")


_READERS: Final[dict[str, Callable[[Path], ExportRecord]]] = {
    ".json": _read_json,
    ".png": _read_png,
    ".svg": _read_svg,
    ".pdf": _read_pdf,
    ".zip": _read_zip,
    ".xlsx": _read_xlsx,
}


def read_record(path: Path) -> ExportRecord:
    """The export record stored in ``path`` (JSON manifest, PNG, SVG, PDF, XLSX or zip)."""
    if not path.is_file():
        raise ValidationError(f"{path} missing", f"Die Datei {path} wurde nicht gefunden.")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ValidationError(
            f"unsupported file {path}",
            "Export-Metadaten können aus JSON-, PNG-, SVG-, PDF-, XLSX- und ZIP-Dateien "
            "gelesen werden.",
        )
    return reader(path)
