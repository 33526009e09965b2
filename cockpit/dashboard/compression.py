"""gzip for Dash's JSON responses (callbacks, layout, dependencies).

The map's indicator switch and the page callbacks are JSON that compresses 3-10x. nginx
compresses in the server deployment too (``gzip_proxied any``), but the app does it itself so
that the embedded ``make run`` mode sends the same bytes; nginx leaves responses that already
carry a ``Content-Encoding`` alone. Static bundles are not compressed here (nginx, or the
browser cache after the first visit). Responses carry no secrets next to reflected input
(no CSRF tokens in callback JSON), so compression does not open a BREACH-style oracle.
"""

from __future__ import annotations

import gzip
from typing import Final

from flask import Flask, Response, request

DASH_JSON_ROUTES: Final = ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies")
MIN_BYTES: Final = 512  # below one TCP segment's worth compression buys nothing
LEVEL: Final = 5  # nginx's level in deploy/nginx: ~all of the gain at a fraction of level 9's CPU


def init_app(server: Flask) -> None:
    @server.after_request
    def _gzip_dash_json(response: Response) -> Response:
        if (
            not request.path.endswith(DASH_JSON_ROUTES)
            or response.status_code != 200
            or response.direct_passthrough
            or "Content-Encoding" in response.headers
            or request.accept_encodings["gzip"] <= 0
        ):
            return response
        body = response.get_data()
        if len(body) < MIN_BYTES:
            return response
        response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response
