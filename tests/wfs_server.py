"""A tiny real WFS for tests: MapServer's ``mapserv`` run as CGI behind a stdlib HTTP server.

Run as a separate process (GDAL holds the GIL while it reads, so an in-process server
thread would deadlock): ``python tests/wfs_server.py MAPFILE CONFIG`` prints the port.
"""

from __future__ import annotations

import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MAPSERV = "/usr/bin/mapserv"


class MapservHandler(BaseHTTPRequestHandler):
    mapfile = ""
    config = ""

    def do_GET(self) -> None:
        query = urlsplit(self.path).query
        env = {
            "PATH": os.environ.get("PATH", ""),
            "REQUEST_METHOD": "GET",
            "QUERY_STRING": f"map={self.mapfile}&{query}",
            "MAPSERVER_CONFIG_FILE": self.config,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "SCRIPT_NAME": "/wfs",
        }
        out = subprocess.run([MAPSERV], env=env, capture_output=True, timeout=30).stdout
        sep = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
        head, _, body = out.partition(sep)
        self.send_response(200)
        for line in head.decode("latin-1").splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                self.send_header(key.strip(), value.strip())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def main() -> None:
    MapservHandler.mapfile, MapservHandler.config = sys.argv[1], sys.argv[2]
    server = ThreadingHTTPServer(
        ("127.0.0.1", int(sys.argv[3]) if len(sys.argv) > 3 else 0), MapservHandler
    )
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
