"""Reading vector files (GeoPackage, Shapefile, zipped Shapefile, GeoJSON) into GeoDataFrames.

Every problem is raised as a :class:`VectorReadError` subclass carrying a German
``user_message`` (what is wrong with which file, what to do) and an English log message.
Zip archives are read in place through GDAL's ``/vsizip/`` (nothing is extracted, so no
path traversal is possible).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from layers.geometry import POLYGONAL_TYPES, polygonal_parts

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb")

GEOMETRY_TYPE_LABELS = {
    "Point": "Punkte",
    "MultiPoint": "Punkte",
    "LineString": "Linien",
    "MultiLineString": "Linien",
    "LinearRing": "Linien",
    "GeometryCollection": "gemischte Geometrien",
}


class VectorReadError(ValueError):
    """A vector file cannot be used; ``user_message`` is German text for the user."""

    def __init__(self, log_message: str, user_message: str) -> None:
        super().__init__(log_message)
        self.user_message = user_message


class UnreadableFileError(VectorReadError):
    """Missing, corrupt or unsupported file."""


class LayerSelectionError(VectorReadError):
    """The layer does not exist, or several layers exist and none was chosen."""


class EmptyLayerError(VectorReadError):
    """The file or layer holds no features."""


class MissingGeometryError(VectorReadError):
    """The layer has no geometry column, or some features have no geometry."""


class MissingCRSError(VectorReadError):
    """No coordinate reference system (e.g. a Shapefile without ``.prj``)."""


class GeometryTypeError(VectorReadError):
    """The layer holds points or lines where polygons are required."""


def read_vector(
    path: Path,
    layer: str | None = None,
    *,
    where: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    polygons_only: bool = True,
) -> gpd.GeoDataFrame:
    """Read one polygon layer of a vector file, unchanged (no reprojection).

    Parameters
    ----------
    path : Path
        ``.gpkg``, ``.shp`` (with ``.shx``/``.dbf``/``.prj`` beside it), ``.zip`` holding
        one of those, or ``.geojson``/``.json``.
    layer : str, optional
        Layer name (GeoPackage) or member stem (zip with several files). Without it, the
        only layer is read; of several, the single one whose name contains ``gem``
        (VG250 ``vg250_gem``); otherwise :class:`LayerSelectionError`.
    where, bbox : optional
        Attribute filter (OGR SQL) and bounding box (in the file's CRS) to read a subset.
    polygons_only : bool
        Reject layers with non-polygonal geometries (default).

    Returns
    -------
    GeoDataFrame
        All attribute columns plus ``geometry``, in the file's CRS (never ``None``).
        Row order as in the file; index 0..n-1.

    Raises
    ------
    UnreadableFileError, LayerSelectionError, EmptyLayerError, MissingGeometryError,
    MissingCRSError, GeometryTypeError
        All subclasses of :class:`VectorReadError` with a German ``user_message``.
    """
    name = path.name
    if not path.is_file():
        raise UnreadableFileError(
            f"{path}: no such file", f"Die Datei „{name}“ wurde nicht gefunden."
        )
    if path.stat().st_size == 0:
        raise EmptyLayerError(f"{path}: file is empty (0 bytes)", f"Die Datei „{name}“ ist leer.")
    source, layer = _resolve_source(path, layer)
    layer = _choose_layer(path, source, layer)
    try:
        frame = gpd.read_file(source, layer=layer, where=where, bbox=bbox, engine="pyogrio")
    except DataLayerError as exc:
        raise LayerSelectionError(
            f"{path}: cannot open layer {layer!r}: {exc}",
            f"Die Ebene „{layer}“ wurde in der Datei „{name}“ nicht gefunden.",
        ) from exc
    except (DataSourceError, OSError, RuntimeError) as exc:
        raise UnreadableFileError(
            f"{path}: unreadable: {exc}",
            f"Die Datei „{name}“ konnte nicht gelesen werden. Erwartet wird ein "
            "GeoPackage (.gpkg), ein Shapefile (.shp oder gezippt als .zip) oder GeoJSON.",
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise MissingGeometryError(
            f"{path}: layer has no geometry column",
            f"Die Datei „{name}“ enthält keine Geometrien (keine Flächen).",
        )
    if len(frame) == 0:
        raise EmptyLayerError(
            f"{path}: layer {layer!r} has no features",
            f"Die Datei „{name}“ enthält keine Objekte.",
        )
    if frame.crs is None:
        raise MissingCRSError(
            f"{path}: no CRS (missing .prj?)",
            f"Für die Datei „{name}“ ist kein Koordinatenbezugssystem angegeben "
            "(bei Shapefiles fehlt die .prj-Datei). Bitte liefern Sie die Datei mit "
            "Koordinatenbezugssystem.",
        )
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if missing.any():
        numbers = [int(i) + 1 for i in frame.index[missing]]
        raise MissingGeometryError(
            f"{path}: features without geometry: {numbers[:20]}",
            f"In der Datei „{name}“ haben {len(numbers)} Objekte keine Geometrie "
            f"(Objekt Nr. {_list(numbers)}).",
        )
    if polygons_only:
        _require_polygons(path, frame)
    return frame.reset_index(drop=True)


def _resolve_source(path: Path, layer: str | None) -> tuple[str, str | None]:
    """GDAL source string; a zip is opened in place via /vsizip/ at its vector member."""
    if path.suffix.lower() != ".zip":
        return str(path), layer
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(
            f"{path}: bad zip: {exc}",
            f"Die Datei „{path.name}“ ist kein gültiges ZIP-Archiv.",
        ) from exc
    candidates = [m for m in members if Path(m).suffix.lower() in VECTOR_SUFFIXES]
    if layer is not None:
        chosen = [m for m in candidates if Path(m).stem == layer]
        if len(chosen) == 1:
            return f"/vsizip/{path}/{chosen[0]}", None
    if not candidates:
        raise UnreadableFileError(
            f"{path}: zip holds no vector file: {members[:20]}",
            f"Das ZIP-Archiv „{path.name}“ enthält kein Shapefile, GeoPackage oder GeoJSON.",
        )
    if len(candidates) > 1:
        stems = [Path(m).stem for m in candidates]
        raise LayerSelectionError(
            f"{path}: several vector files in zip: {candidates}",
            f"Das ZIP-Archiv „{path.name}“ enthält mehrere Dateien ({', '.join(stems)}). "
            "Bitte wählen Sie eine davon als Ebene aus.",
        )
    return f"/vsizip/{path}/{candidates[0]}", layer


def _choose_layer(path: Path, source: str, layer: str | None) -> str | None:
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(source)]
    except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
        raise UnreadableFileError(
            f"{path}: unreadable: {exc}",
            f"Die Datei „{path.name}“ konnte nicht gelesen werden. Erwartet wird ein "
            "GeoPackage (.gpkg), ein Shapefile (.shp oder gezippt als .zip) oder GeoJSON.",
        ) from exc
    if layer is not None:
        if layer not in layers:
            raise LayerSelectionError(
                f"{path}: no layer {layer!r} (has {layers})",
                f"Die Ebene „{layer}“ wurde in der Datei „{path.name}“ nicht gefunden. "
                f"Vorhanden: {', '.join(layers)}.",
            )
        return layer
    if len(layers) <= 1:
        return layers[0] if layers else None
    municipal = [name for name in layers if "gem" in name.lower()]
    if len(municipal) == 1:
        return municipal[0]
    raise LayerSelectionError(
        f"{path}: several layers {layers}, none chosen",
        f"Die Datei „{path.name}“ enthält mehrere Ebenen ({', '.join(layers)}). "
        "Bitte wählen Sie die Ebene mit den Gemeindegrenzen aus.",
    )


def _require_polygons(path: Path, frame: gpd.GeoDataFrame) -> None:
    types = frame.geometry.geom_type
    bad = ~types.isin([*POLYGONAL_TYPES, "GeometryCollection"])
    collections = types == "GeometryCollection"
    if collections.any():
        # make_valid output: accept collections only if they hold at least one polygon
        for index in frame.index[collections]:
            bad.loc[index] = not polygonal_parts(frame.geometry.loc[index])
    if not bad.any():
        return
    counts = types[bad].map(lambda t: GEOMETRY_TYPE_LABELS.get(t, t)).value_counts()
    found = ", ".join(f"{n} × {label}" for label, n in counts.items())
    numbers = [int(i) + 1 for i in frame.index[bad]]
    raise GeometryTypeError(
        f"{path}: non-polygon geometries {dict(types[bad].value_counts())}",
        f"Die Datei „{path.name}“ enthält keine reinen Flächen: {found} "
        f"(Objekt Nr. {_list(numbers)}). Erwartet werden Gemeindeflächen (Polygone).",
    )


def _list(numbers: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (" …" if len(numbers) > limit else "")
