"""Safe reading of uploaded vector files (GeoPackage, zipped Shapefile, GeoJSON) and WFS.

Everything a user uploads is hostile until proven otherwise:

* size limit before anything else; the type is sniffed from the content (magic bytes),
  never from the file name;
* ZIP archives: path traversal (``../``, absolute paths), symlinks, nested archives, too
  many entries and zip bombs (declared and *actual* uncompressed size, compression ratio)
  are refused; members are extracted flat into a private temporary directory;
* Shapefile without ``.prj`` and unknown/unusable CRSs are refused (never guessed);
  coordinates must fall into the expected region (a wrong ``.prj`` shows up here);
* Z/M values are dropped (with a warning); GeometryCollections are accepted only if they
  hold polygons; empty and huge layers, missing, non-polygonal and invalid geometries
  (self-intersections with location) are refused with the feature number;
* attributes that are not valid in the declared encoding (UTF-8 for GeoJSON) are refused.

:class:`UploadError` carries a German ``message`` for the user; ``str(error)`` is the
technical reason for the log. The returned frame is in the metric CRS.
"""

from __future__ import annotations

import io
import json
import logging
import re
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from layers.area_geometry import GeometryError, explain_invalid, format_number, to_multipolygon
from layers.crs import to_metric, to_web

log = logging.getLogger(__name__)

# Germany with a margin, lon/lat: coordinates outside mean a wrong CRS (or wrong data).
GERMANY_LONLAT = (5.0, 47.0, 15.6, 55.2)

_GPKG_APP_IDS = {b"GPKG", b"GP10", b"GP11"}
_SHP_MAGIC = b"\x00\x00\x27\x0a"


class UploadError(ValueError):
    """An upload cannot be used; ``message`` is German text for the user."""

    def __init__(self, log_message: str, message: str) -> None:
        super().__init__(log_message)
        self.message = message


@dataclass(frozen=True)
class UploadLimits:
    """Limits for one upload (defaults suit a Geoportal layer of area potentials)."""

    max_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 300 * 1024 * 1024
    max_ratio: float = 100.0
    max_zip_entries: int = 200
    max_features: int = 20_000
    region_lonlat: tuple[float, float, float, float] | None = GERMANY_LONLAT


@dataclass
class UploadedLayer:
    """A checked layer: polygons as 2D MultiPolygons in the metric CRS, plus attributes."""

    frame: gpd.GeoDataFrame
    file_format: str  # GeoPackage | Shapefile | GeoJSON | WFS
    layer_name: str
    source_crs: str
    fields: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def feature_count(self) -> int:
        return len(self.frame)


def _mb(size: int) -> str:
    return format_number(size / 1024 / 1024, 1) + " MB"


def sniff_format(head: bytes) -> str:
    """Detect the file type from its first bytes: gpkg, sqlite, zip, geojson, shp, unknown."""
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg" if head[68:72] in _GPKG_APP_IDS else "sqlite"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_SHP_MAGIC):
        return "shp"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "geojson"
    return "unknown"


def read_upload(
    data: bytes | Path,
    filename: str,
    *,
    layer: str | None = None,
    limits: UploadLimits | None = None,
    metric_crs: str,
) -> UploadedLayer:
    """Read and check an uploaded vector file (bytes or a path); see the module docstring.

    ``filename`` is only used in messages. Returns polygons in ``metric_crs``.
    Raises :class:`UploadError`.
    """
    limits = limits or UploadLimits()
    name = PurePosixPath(filename.replace("\\", "/")).name or "Upload"
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    if size == 0:
        raise UploadError(f"{name}: empty file", f"Die Datei „{name}“ ist leer.")
    if size > limits.max_bytes:
        raise UploadError(
            f"{name}: {size} bytes > {limits.max_bytes}",
            f"Die Datei „{name}“ ist zu groß ({_mb(size)}); erlaubt sind höchstens "
            f"{_mb(limits.max_bytes)}.",
        )
    payload = data if isinstance(data, bytes) else data.read_bytes()
    kind = sniff_format(payload[:100])
    with tempfile.TemporaryDirectory(prefix="cockpit-upload-") as tmp:
        workdir = Path(tmp)
        if kind == "gpkg":
            path = workdir / "upload.gpkg"
            path.write_bytes(payload)
            return _read_vector(path, name, "GeoPackage", layer, limits, metric_crs)
        if kind == "geojson":
            _require_geojson(payload, name)
            path = workdir / "upload.geojson"
            path.write_bytes(payload)
            return _read_vector(path, name, "GeoJSON", layer, limits, metric_crs)
        if kind == "zip":
            return _read_zip(payload, name, workdir, layer, limits, metric_crs)
        raise _unknown_type(name, kind)


def _unknown_type(name: str, kind: str) -> UploadError:
    if kind == "shp":
        return UploadError(
            f"{name}: bare .shp",
            f"„{name}“ ist eine einzelne Shapefile-Datei. Bitte laden Sie das Shapefile als "
            "ZIP-Archiv mit .shp, .shx, .dbf und .prj hoch.",
        )
    if kind == "sqlite":
        return UploadError(
            f"{name}: sqlite without GPKG application id",
            f"„{name}“ ist eine SQLite-Datenbank, aber kein GeoPackage.",
        )
    return UploadError(
        f"{name}: unknown file type",
        f"Das Format von „{name}“ wurde nicht erkannt. Erlaubt sind GeoPackage (.gpkg), "
        "Shapefile als ZIP-Archiv und GeoJSON; maßgeblich ist der Inhalt, nicht die Endung.",
    )


def _require_utf8(payload: bytes, name: str) -> None:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = payload[: exc.start].count(b"\n") + 1
        raise UploadError(
            f"{name}: not UTF-8 at byte {exc.start}",
            f"„{name}“ ist nicht UTF-8-kodiert (ungültiges Zeichen in Zeile {line}). "
            "GeoJSON muss UTF-8 sein; bitte speichern Sie die Datei als UTF-8.",
        ) from exc


_GEOJSON_TYPES = {
    "FeatureCollection",
    "Feature",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
}


def _require_geojson(payload: bytes, name: str) -> None:
    _require_utf8(payload, name)
    try:
        document = json.loads(payload.decode("utf-8-sig"))
    except ValueError as exc:
        raise UploadError(
            f"{name}: bad JSON: {exc}",
            f"„{name}“ ist kein gültiges JSON (Fehler in Zeile {getattr(exc, 'lineno', '?')}).",
        ) from exc
    if not isinstance(document, dict) or document.get("type") not in _GEOJSON_TYPES:
        raise UploadError(
            f"{name}: JSON but not GeoJSON",
            f'„{name}“ ist JSON, aber kein GeoJSON (erwartet wird "type": "FeatureCollection").',
        )


def _safe_member_name(info: zipfile.ZipInfo, archive: str) -> str:
    raw = info.filename.replace("\\", "/")
    parts = PurePosixPath(raw).parts
    mode = info.external_attr >> 16
    if (
        raw.startswith("/")
        or re.match(r"^[A-Za-z]:", raw)
        or ".." in parts
        or "\x00" in raw
        or stat.S_ISLNK(mode)
    ):
        raise UploadError(
            f"{archive}: unsafe member {info.filename!r}",
            f"Das ZIP-Archiv „{archive}“ enthält einen unzulässigen Pfad ({info.filename}); "
            "es wurde nicht verarbeitet.",
        )
    return PurePosixPath(raw).name


def _read_zip(
    payload: bytes,
    name: str,
    workdir: Path,
    layer: str | None,
    limits: UploadLimits,
    metric_crs: str,
) -> UploadedLayer:
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(
            f"{name}: bad zip: {exc}", f"Das ZIP-Archiv „{name}“ ist beschädigt."
        ) from exc
    targets = _zip_targets(infos, name, limits)
    _extract(archive, targets, workdir, name, limits)
    shapefiles = sorted(p for p in targets if p.endswith(".shp"))
    if layer and len(shapefiles) > 1:
        shapefiles = [p for p in shapefiles if Path(p).stem == layer.lower()]
    if shapefiles:
        shp = _single_shapefile(shapefiles, targets, workdir, name)
        return _read_vector(
            shp, name, "Shapefile", None, limits, metric_crs, label=f"{shp.stem}.shp"
        )
    others = sorted(p for p in targets if p.endswith((".gpkg", ".geojson", ".json")))
    if len(others) != 1:
        raise UploadError(
            f"{name}: no vector data in zip",
            f"Das ZIP-Archiv „{name}“ enthält kein Shapefile, GeoPackage oder GeoJSON.",
        )
    inner = workdir / others[0]
    kind = sniff_format(inner.read_bytes()[:100])
    if kind == "gpkg":
        return _read_vector(inner, name, "GeoPackage", layer, limits, metric_crs)
    if kind == "geojson":
        _require_geojson(inner.read_bytes(), others[0])
        return _read_vector(inner, name, "GeoJSON", layer, limits, metric_crs)
    raise _unknown_type(others[0], kind)


def _bomb_message(name: str) -> str:
    return (
        f"Das ZIP-Archiv „{name}“ entpackt sich auf eine unzulässige Größe (Verdacht auf "
        "ZIP-Bombe); es wurde nicht verarbeitet."
    )


def _zip_targets(
    infos: list[zipfile.ZipInfo], name: str, limits: UploadLimits
) -> dict[str, zipfile.ZipInfo]:
    """The members to extract, by lower-cased file name; refuses bombs and odd archives."""
    files = [i for i in infos if not i.is_dir()]
    if len(files) > limits.max_zip_entries:
        raise UploadError(
            f"{name}: {len(files)} zip entries",
            f"Das ZIP-Archiv „{name}“ enthält zu viele Dateien ({len(files)}).",
        )
    declared = sum(i.file_size for i in files)
    if declared > limits.max_uncompressed_bytes:
        raise UploadError(f"{name}: declared {declared} bytes uncompressed", _bomb_message(name))
    targets: dict[str, zipfile.ZipInfo] = {}
    for info in files:
        member = _safe_member_name(info, name)
        if member.startswith(".") or member.startswith("__MACOSX"):
            continue
        _check_member(info, member, name, limits, seen=targets)
        targets[member.lower()] = info
    return targets


def _check_member(
    info: zipfile.ZipInfo,
    member: str,
    name: str,
    limits: UploadLimits,
    *,
    seen: dict[str, zipfile.ZipInfo],
) -> None:
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > 1024 * 1024 and ratio > limits.max_ratio:
        raise UploadError(f"{name}: {member} ratio {ratio:.0f}", _bomb_message(name))
    if member.lower().endswith(".zip"):
        raise UploadError(
            f"{name}: nested zip {member}",
            f"Das ZIP-Archiv „{name}“ enthält ein weiteres ZIP-Archiv ({member}); bitte "
            "packen Sie die Dateien direkt in ein Archiv.",
        )
    if member.lower() in seen:
        raise UploadError(
            f"{name}: duplicate member {member}",
            f"Das ZIP-Archiv „{name}“ enthält „{member}“ mehrfach (in verschiedenen "
            "Ordnern); bitte laden Sie nur einen Datensatz hoch.",
        )


def _extract(
    archive: zipfile.ZipFile,
    targets: dict[str, zipfile.ZipInfo],
    workdir: Path,
    name: str,
    limits: UploadLimits,
) -> None:
    written = 0
    for lowered, info in targets.items():
        with archive.open(info) as source, (workdir / lowered).open("wb") as sink:
            while chunk := source.read(1024 * 1024):
                written += len(chunk)
                # Headers can lie: count what really comes out.
                if written > limits.max_uncompressed_bytes:
                    raise UploadError(f"{name}: actual size exceeds limit", _bomb_message(name))
                sink.write(chunk)


def _single_shapefile(
    shapefiles: list[str], targets: dict[str, zipfile.ZipInfo], workdir: Path, name: str
) -> Path:
    """The one complete Shapefile of the archive (with .shx, .dbf and .prj)."""
    if len(shapefiles) > 1:
        stems = ", ".join(Path(p).stem for p in shapefiles)
        raise UploadError(
            f"{name}: several shapefiles",
            f"Das ZIP-Archiv „{name}“ enthält mehrere Shapefiles ({stems}); bitte wählen Sie "
            "eines aus oder laden Sie nur eines hoch.",
        )
    shp = workdir / shapefiles[0]
    stem = shp.stem
    missing = [ext for ext in (".shx", ".dbf") if f"{stem}{ext}" not in targets]
    if missing:
        raise UploadError(
            f"{name}: shapefile parts missing {missing}",
            f"Im ZIP-Archiv „{name}“ fehlen Teile des Shapefiles „{stem}“: {', '.join(missing)}.",
        )
    if f"{stem}.prj" not in targets:
        raise UploadError(
            f"{name}: {stem}.prj missing",
            f"Im ZIP-Archiv „{name}“ fehlt die Projektionsdatei „{stem}.prj“. Ohne sie ist "
            "das Koordinatensystem unbekannt; bitte exportieren Sie das Shapefile mit .prj.",
        )
    return shp


def _choose_layer(path: Path, name: str, layer: str | None) -> str | None:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # GDAL errors come in several types
        raise UploadError(
            f"{name}: cannot open: {exc}", f"„{name}“ konnte nicht gelesen werden (beschädigt?)."
        ) from exc
    names = [str(row[0]) for row in layers]
    polygonal = [str(row[0]) for row in layers if row[1] and "polygon" in str(row[1]).lower()]
    if layer is not None:
        if layer not in names:
            raise UploadError(
                f"{name}: layer {layer!r} not in {names}",
                f"Die Ebene „{layer}“ gibt es in „{name}“ nicht. Vorhanden: {', '.join(names)}.",
            )
        return layer
    if len(names) <= 1:
        return names[0] if names else None
    if len(polygonal) == 1:
        return polygonal[0]
    raise UploadError(
        f"{name}: several layers {names}",
        f"„{name}“ enthält mehrere Ebenen ({', '.join(names)}); bitte wählen Sie eine aus.",
    )


def _read_vector(
    path: Path,
    name: str,
    file_format: str,
    layer: str | None,
    limits: UploadLimits,
    metric_crs: str,
    *,
    label: str | None = None,
) -> UploadedLayer:
    label = label or name
    chosen = _choose_layer(path, name, layer)
    try:
        info = pyogrio.read_info(path, layer=chosen)
        count = int(info.get("features", -1))
        if count > limits.max_features:
            raise UploadError(
                f"{name}: {count} features",
                f"„{label}“ enthält {count} Objekte; erlaubt sind höchstens "
                f"{limits.max_features}. Bitte teilen Sie die Daten auf.",
            )
        frame = pyogrio.read_dataframe(
            path, layer=chosen, max_features=limits.max_features + 1, on_invalid="ignore"
        )
    except UploadError:
        raise
    except UnicodeDecodeError as exc:
        raise UploadError(
            f"{name}: attribute encoding: {exc}",
            f"Die Attribute in „{label}“ sind nicht in der angegebenen Kodierung (UTF-8) "
            "gespeichert. Bitte speichern Sie die Datei als UTF-8 oder geben Sie die richtige "
            "Kodierung an (beim Shapefile in der .cpg-Datei, z. B. WINDOWS-1252).",
        ) from exc
    except Exception as exc:  # GDAL errors come in several types
        raise UploadError(
            f"{name}: unreadable: {exc}",
            f"„{label}“ konnte nicht gelesen werden; ist die Datei vollständig und gültig?",
        ) from exc
    return check_layer(frame, label, file_format, chosen or "", limits, metric_crs=metric_crs)


def _crs_text(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


def check_layer(
    frame: gpd.GeoDataFrame,
    label: str,
    file_format: str,
    layer_name: str = "",
    limits: UploadLimits | None = None,
    *,
    metric_crs: str,
) -> UploadedLayer:
    """Check a freshly read layer and return it as 2D MultiPolygons in ``metric_crs``."""
    limits = limits or UploadLimits()
    _check_feature_count(frame, label, limits)
    source_crs = _source_crs(frame, label)
    geoms = frame.geometry.to_numpy()
    missing = [i for i, g in enumerate(geoms, start=1) if g is None or g.is_empty]
    if missing:
        problems = [f"Objekt Nr. {i} hat keine Geometrie." for i in missing[:5]]
        raise _problems(label, problems, len(missing))
    warnings = _dimension_warnings(geoms)
    try:
        metric = to_metric(frame.set_geometry(shapely.force_2d(geoms)), metric_crs)
    except Exception as exc:  # pyproj raises several types for impossible transforms
        raise _unknown_crs(label, f"transform failed: {exc}") from exc
    if limits.region_lonlat is not None:
        _check_region(metric, label, source_crs, limits.region_lonlat)
    cleaned = _clean_geometries(metric, _name_column(frame), label, metric_crs)
    result = gpd.GeoDataFrame(
        metric.drop(columns=metric.geometry.name),
        geometry=gpd.GeoSeries(cleaned, crs=metric_crs),
    )
    fields = [c for c in result.columns if c != result.geometry.name]
    return UploadedLayer(result, file_format, layer_name, source_crs, fields, warnings)


def _check_feature_count(frame: gpd.GeoDataFrame, label: str, limits: UploadLimits) -> None:
    if len(frame) == 0:
        raise UploadError(f"{label}: no features", f"„{label}“ enthält keine Objekte.")
    if len(frame) > limits.max_features:
        raise UploadError(
            f"{label}: {len(frame)} features",
            f"„{label}“ enthält mehr als {limits.max_features} Objekte; bitte teilen Sie die "
            "Daten auf.",
        )


def _source_crs(frame: gpd.GeoDataFrame, label: str) -> str:
    """The layer's declared CRS as text; refuses a missing or unusable one."""
    if frame.crs is None:
        raise UploadError(
            f"{label}: no CRS",
            f"Für „{label}“ ist kein Koordinatensystem angegeben; bitte exportieren Sie die "
            "Daten mit Koordinatensystem (z. B. EPSG:25833).",
        )
    try:
        crs = CRS.from_user_input(frame.crs)
    except PyprojCRSError as exc:
        raise _unknown_crs(label, str(exc)) from exc
    if crs.is_engineering or not (crs.is_projected or crs.is_geographic):
        raise _unknown_crs(label, f"unusable CRS {crs.name}")
    return _crs_text(crs)


def _dimension_warnings(geoms: Any) -> list[str]:
    present = geoms[~pd.isna(geoms)]
    warnings = []
    if bool(shapely.has_z(present).any()):
        warnings.append("Höhenwerte (Z) wurden entfernt; gespeichert wird nur die Lage (2D).")
    has_m = getattr(shapely, "has_m", None)
    if has_m is not None and bool(has_m(present).any()):
        warnings.append("Messwerte (M) wurden entfernt; gespeichert wird nur die Lage (2D).")
    return warnings


def _clean_geometries(
    metric: gpd.GeoDataFrame, names: list[str], label: str, metric_crs: str
) -> list[Any]:
    """Every geometry as a valid MultiPolygon, or the first ten problems naming the object."""
    cleaned: list[Any] = []
    problems: list[str] = []
    bad = 0
    for index, geometry in enumerate(metric.geometry.to_numpy(), start=1):
        who = f"Objekt Nr. {index}" + (f" („{names[index - 1]}“)" if names else "")
        try:
            multi = to_multipolygon(geometry, who)
        except GeometryError as exc:
            bad += 1
            problems.append(exc.message)
            cleaned.append(None)
            continue
        if not multi.is_valid:
            bad += 1
            problems.append(f"{who}: {explain_invalid(multi, metric_crs)}")
        cleaned.append(multi)
    if bad:
        raise _problems(label, problems[:10], bad)
    return cleaned


def _name_column(frame: gpd.GeoDataFrame) -> list[str]:
    for candidate in ("name", "NAME", "Name", "bezeichnung", "BEZEICHNUNG", "Bezeichnung"):
        if candidate in frame.columns:
            return ["" if pd.isna(v) else str(v) for v in frame[candidate]]
    return []


def _problems(label: str, problems: Sequence[str], total: int) -> UploadError:
    more = f" (und {total - len(problems)} weitere)" if total > len(problems) else ""
    return UploadError(
        f"{label}: {total} bad geometries: {problems}",
        f"„{label}“ wurde nicht übernommen; {total} Objekt(e) mit Fehlern{more}:\n- "
        + "\n- ".join(problems),
    )


def _unknown_crs(label: str, reason: str) -> UploadError:
    return UploadError(
        f"{label}: {reason}",
        f"Das Koordinatensystem von „{label}“ ist unbekannt oder nicht verwendbar. Bitte "
        "exportieren Sie die Daten z. B. in EPSG:25833 (ETRS89 / UTM 33N) oder EPSG:4326.",
    )


def _check_region(
    metric: gpd.GeoDataFrame,
    label: str,
    source_crs: str,
    region: tuple[float, float, float, float],
) -> None:
    minx, miny, maxx, maxy = to_web(metric[~metric.geometry.is_empty]).total_bounds
    west, south, east, north = region
    if not (minx >= west and maxx <= east and miny >= south and maxy <= north):
        raise UploadError(
            f"{label}: bounds {minx, miny, maxx, maxy} outside region {region} ({source_crs})",
            f"Die Koordinaten in „{label}“ liegen nicht im erwarteten Gebiet. Passt das "
            f"angegebene Koordinatensystem ({source_crs}) zu den Daten?",
        )


def read_wfs(
    url: str,
    typename: str,
    *,
    limits: UploadLimits | None = None,
    metric_crs: str,
) -> UploadedLayer:
    """Read one feature type of a WFS (GDAL's WFS driver: ``WFS:<url>``) and check it."""
    limits = limits or UploadLimits()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UploadError(
            f"bad WFS url {url!r}",
            "Bitte geben Sie die WFS-Adresse als http(s)-URL an.",
        )
    label = f"{typename} ({parsed.netloc})"
    try:
        frame = pyogrio.read_dataframe(
            f"WFS:{url}", layer=typename, max_features=limits.max_features + 1
        )
    except Exception as exc:  # GDAL/network errors come in several types
        message = str(exc)
        log.warning("WFS read failed: %s %s: %s", url, typename, message)
        if "layer" in message.lower() and typename in message:
            text = f"Die Ebene „{typename}“ gibt es bei diesem WFS nicht."
        else:
            text = (
                f"Der WFS unter {parsed.netloc} konnte nicht gelesen werden. Bitte prüfen "
                "Sie Adresse und Ebenennamen."
            )
        raise UploadError(f"WFS {url} {typename}: {message}", text) from exc
    return check_layer(frame, label, "WFS", typename, limits, metric_crs=metric_crs)


def layer_summary(layer: UploadedLayer) -> dict[str, Any]:
    """Small JSON-ready summary (for previews and logs)."""
    return {
        "format": layer.file_format,
        "layer": layer.layer_name,
        "crs": layer.source_crs,
        "features": layer.feature_count,
        "fields": layer.fields,
        "warnings": layer.warnings,
    }


__all__ = [
    "GERMANY_LONLAT",
    "UploadError",
    "UploadLimits",
    "UploadedLayer",
    "check_layer",
    "layer_summary",
    "read_upload",
    "read_wfs",
    "sniff_format",
]
