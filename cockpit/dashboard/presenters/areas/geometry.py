"""Map layers, highlight and edit rings, drawn and uploaded geometries."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cockpit.dashboard.presenters.areas.common import EMPTY_FC
from cockpit.domain.formatting import format_ha
from cockpit.domain.vocab import AreaKind
from layers.area_geometry import to_web_geometries
from layers.upload import UploadedLayer, UploadError, read_upload


def tooltip_text(properties: Mapping[str, Any]) -> str:
    """Hover text of an area polygon (plain text; Leaflet tooltips are not HTML-escaped)."""
    parts = [str(properties.get("name", ""))]
    if properties.get("area_ha") is not None:
        parts.append(format_ha(float(properties["area_ha"])))
    if properties.get("status_label"):
        parts.append(str(properties["status_label"]))
    if properties.get("stale"):
        parts.append("Bestätigung überfällig")
    return " · ".join(_escape(p) for p in parts if p)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_layers(geojson: Mapping[str, Any]) -> dict[AreaKind, dict[str, Any]]:
    """One FeatureCollection per kind (the map's toggleable layers), with tooltip text.

    Cluster points (too many areas for the view) are left out; the page shows the hint.
    """
    layers: dict[AreaKind, list[dict[str, Any]]] = {kind: [] for kind in AreaKind}
    for feature in geojson.get("features", []):
        properties = dict(feature.get("properties") or {})
        if properties.get("cluster"):
            continue
        try:
            kind = AreaKind(properties.get("kind"))
        except ValueError:
            continue
        properties["tooltip"] = tooltip_text(properties)
        layers[kind].append({**feature, "properties": properties})
    return {kind: {"type": "FeatureCollection", "features": f} for kind, f in layers.items()}


def leaflet_bounds(bounds: Sequence[float] | None, pad: float = 0.002) -> list[list[float]] | None:
    """(min_lon, min_lat, max_lon, max_lat) -> Leaflet's [[south, west], [north, east]]."""
    if not bounds or len(bounds) != 4:
        return None
    west, south, east, north = (float(b) for b in bounds)
    return [[south - pad, west - pad], [north + pad, east + pad]]


def highlight_feature(detail_geojson: Mapping[str, Any] | None) -> dict[str, Any]:
    if not detail_geojson:
        return EMPTY_FC
    return {"type": "FeatureCollection", "features": [dict(detail_geojson)]}


def edit_rings(feature: Mapping[str, Any] | None) -> list[list[list[list[float]]]]:
    """Polygons of a GeoJSON feature as Leaflet rings ([lat, lon]) for the edit layer.

    Leaflet.draw cannot edit MultiPolygons, so each part becomes its own polygon.
    """
    if not feature:
        return []
    geometry = feature.get("geometry") or {}
    if geometry.get("type") == "Polygon":
        parts = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        parts = list(geometry["coordinates"])
    else:
        return []
    return [[[[pt[1], pt[0]] for pt in ring] for ring in polygon] for polygon in parts]


def drawn_geometry(edit_geojson: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The polygons of the EditControl's ``geojson`` as one FeatureCollection (or ``None``).

    dash-leaflet reports every layer in the edit group (drawn and mounted ones); markers and
    lines are ignored because areas are polygonal.
    """
    if not edit_geojson:
        return None
    features = [
        {"type": "Feature", "properties": {}, "geometry": f["geometry"]}
        for f in edit_geojson.get("features", [])
        if (f.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")
    ]
    if not features:
        return None
    return {"type": "FeatureCollection", "features": features}


def pending_geometry_text(mode: str | None) -> str:
    """The form's geometry note while nothing new is drawn or uploaded.

    Editing an existing area keeps its geometry; only a new area or proposal needs one.
    (Leaflet.draw reports an empty layer whenever the edit toolbar is re-created.)
    """
    if mode in ("edit", "propose_fix"):
        return "Noch keine neue Geometrie – die bisherige Geometrie bleibt erhalten."
    return "Noch keine Geometrie – bitte zeichnen Sie die Fläche oder laden Sie eine Datei hoch."


class UploadProblem(ValueError):
    """An upload cannot be used (German ``message``; the log gets ``str(error)``)."""

    def __init__(self, log_message: str, message: str) -> None:
        super().__init__(log_message)
        self.message = message


def decode_upload(contents: str | None, filename: str | None) -> tuple[bytes, str]:
    """dcc.Upload's data URL -> (bytes, file name)."""
    name = Path(filename or "Upload").name
    if not contents or "," not in contents:
        raise UploadProblem("upload without content", "Bitte wählen Sie eine Datei aus.")
    try:
        payload = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError) as error:
        raise UploadProblem(
            f"{name}: not base64: {error}", f"Die Datei „{name}“ konnte nicht gelesen werden."
        ) from error
    return payload, name


def read_layer(payload: bytes, name: str, metric_crs: str) -> UploadedLayer:
    """Read and check an uploaded vector file (size, type, CRS, geometry; see layers.upload)."""
    try:
        return read_upload(payload, name, metric_crs=metric_crs)
    except UploadError as error:
        raise UploadProblem(str(error), error.message) from error


def upload_to_geojson(payload: bytes, name: str, metric_crs: str) -> dict[str, Any]:
    """An uploaded geometry file as a FeatureCollection in EPSG:4326 (for the form store)."""
    layer = read_layer(payload, name, metric_crs)
    geometries = [g for g in layer.frame.geometry if g is not None and not g.is_empty]
    if not geometries:
        raise UploadProblem(f"{name}: no polygons", f"Die Datei „{name}“ enthält keine Fläche.")
    web = to_web_geometries(geometries, metric_crs=metric_crs, tolerance_m=0)
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": g} for g in web],
    }
