"""The display geometry route: versioned, immutable, gzip-compressed GeoJSON.

``/geo/municipalities/<version>.geojson`` serves only boundaries with AGS and name (never
indicator values). The version is a content hash, so browsers may cache it for a year; an
outdated version redirects to the current one. Login is enforced by the auth guard; the
service authorizes again.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from cockpit.auth.principal import current_principal
from cockpit.services.maps import get_display_geometry
from cockpit.web import get_db

GEOJSON_MIMETYPE = "application/geo+json"
IMMUTABLE = "private, max-age=31536000, immutable"

bp = Blueprint("geo", __name__)


def geojson_url(version: str) -> str:
    return f"/geo/municipalities/{version}.geojson"


@bp.get("/geo/municipalities/<version>.geojson")
def municipalities(version: str) -> BaseResponse:
    geometry = get_display_geometry(get_db(), current_principal())
    if version != geometry.version:
        moved = redirect(geojson_url(geometry.version))
        moved.headers["Cache-Control"] = "no-store"
        return moved
    gzip_ok = request.accept_encodings["gzip"] > 0
    response = Response(
        geometry.gzipped if gzip_ok else geometry.geojson, mimetype=GEOJSON_MIMETYPE
    )
    if gzip_ok:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = IMMUTABLE
    response.set_etag(geometry.version + ("-gz" if gzip_ok else ""))
    return response.make_conditional(request)


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)
