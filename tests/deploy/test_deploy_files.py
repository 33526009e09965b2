"""The example deployment files are valid: nginx -t, systemd-analyze verify, env example."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from cockpit.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from tests.deploy.support import (
    CSRF_RE,
    USERS,
    fill_sample_data,
    free_port,
    gunicorn,
    production_env,
    redis_server,
)

DEPLOY = PROJECT_ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "cockpit.env.example"
NGINX_SITE = DEPLOY / "nginx" / "kommunal-cockpit.conf"
SYSTEMD_UNITS = sorted((DEPLOY / "systemd").iterdir())
REAL_KEY = "x" * 48
GUNICORN_KEYS = {
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_TRUSTED_PROXIES",
}


def parse_env_file(path: Path) -> dict[str, str]:
    """systemd EnvironmentFile syntax as we use it: KEY=VALUE, # comments, no quoting."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not KEY=VALUE: {raw!r}"
        assert key not in values, f"{key} set twice"
        values[key] = value.strip()
    return values


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cockpit.crt", directory / "cockpit.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def nginx_test_config(
    directory: Path, *, http_port: int = 80, https_port: int = 443, upstream: str = ""
) -> Path:
    """A throw-away nginx.conf including our site with a generated certificate and temp paths."""
    cert, key = self_signed_certificate(directory)
    site = NGINX_SITE.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/certs/kommunal-cockpit.crt", str(cert))
    site = site.replace("/etc/ssl/private/kommunal-cockpit.key", str(key))
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = site.replace("    listen [::]:80;\n", "").replace("    listen [::]:443 ssl http2;\n", "")
    if upstream:
        site = site.replace("server 127.0.0.1:8000 ", f"server {upstream} ")
    (directory / "site.conf").write_text(site, encoding="utf-8")
    temp_paths = " ".join(
        f"{kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
pid {directory / "nginx.pid"};
error_log {directory / "error.log"};
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {directory / "access.log"};
    {temp_paths}
    include {directory / "site.conf"};
}}
""",
        encoding="utf-8",
    )
    return conf


def nginx_binary() -> str:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.fail("nginx is not installed (scripts/setup.sh test installs it)")
    return nginx


def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    conf = nginx_test_config(tmp_path)
    result = subprocess.run(
        [nginx_binary(), "-t", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_site_has_tls_gzip_caching_and_proxy_headers() -> None:
    site = NGINX_SITE.read_text(encoding="utf-8")
    for directive in (
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "return 301 https://$host$request_uri;",
        "Strict-Transport-Security",
        "gzip on;",
        "application/json",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $request_id;",
        "add_header Cache-Control $cockpit_static_cache always;",
        "client_max_body_size 50m;",
    ):
        assert directive in site, directive


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not available on this machine")
    for unit in SYSTEMD_UNITS:
        text = unit.read_text(encoding="utf-8")
        # Point the units at this checkout so that every ExecStart binary really exists.
        text = text.replace("/etc/kommunal-cockpit/cockpit.env", str(ENV_EXAMPLE))
        text = text.replace("/opt/kommunal-cockpit", str(PROJECT_ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / u.name) for u in SYSTEMD_UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # no unknown keys, no warnings
    assert {u.name for u in SYSTEMD_UNITS} >= {
        "kommunal-cockpit.service",
        "kommunal-cockpit-migrate.service",
        "kommunal-cockpit-backup.service",
        "kommunal-cockpit-backup.timer",
    }


def test_env_example_names_only_known_settings_and_covers_all() -> None:
    values = parse_env_file(ENV_EXAMPLE)
    fields = {f for f in Settings.__dataclass_fields__ if f != "extra"}
    documented = {k.removeprefix("COCKPIT_").lower() for k in values if k.startswith("COCKPIT_")}
    assert documented - fields == set(), "unknown COCKPIT_ variables in the example"
    assert fields - documented == set(), "settings missing from deploy/cockpit.env.example"
    other = {k for k in values if not k.startswith("COCKPIT_")}
    assert other <= GUNICORN_KEYS
    conf = (PROJECT_ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    for key in GUNICORN_KEYS:
        assert f'"{key}"' in conf, f"{key} is not read by gunicorn.conf.py"


def test_env_example_is_refused_until_a_secret_key_is_set() -> None:
    values = parse_env_file(ENV_EXAMPLE)
    with pytest.raises(SettingsError, match="COCKPIT_SECRET_KEY must be set"):
        load_settings(environ=values)
    settings = load_settings(environ={**values, "COCKPIT_SECRET_KEY": REAL_KEY})
    assert settings.is_production and settings.secure_cookies and settings.log_json
    assert settings.ratelimit_storage_url.startswith("redis://")
    assert settings.login_limit_per_ip == "20 per 5 minutes"


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"COCKPIT_SECRET_KEY": "kurz"}, "COCKPIT_SECRET_KEY must be set to at least 32"),
        ({"COCKPIT_DATABASE_URL": "sqlite:////tmp/x.sqlite"}, "must point to PostgreSQL"),
        ({"COCKPIT_DATABASE_URL": ""}, "must point to PostgreSQL"),
        ({"COCKPIT_SECURE_COOKIES": "false"}, "COCKPIT_SECURE_COOKIES must be true"),
    ],
)
def test_production_refuses_unsafe_configuration(override: dict[str, str], reason: str) -> None:
    values = {**parse_env_file(ENV_EXAMPLE), "COCKPIT_SECRET_KEY": REAL_KEY, **override}
    with pytest.raises(SettingsError, match=reason):
        load_settings(environ=values)


def _failed_login_from(source_ip: str, port: int, cafile: Path) -> int:
    """GET the login page and POST a wrong password over TLS from another loopback address."""
    context = ssl.create_default_context(cafile=str(cafile))

    def _request(method: str, path: str, body: str = "", headers: dict[str, str] | None = None):
        conn = http.client.HTTPSConnection(
            "localhost", port, context=context, source_address=(source_ip, 0), timeout=30
        )
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheader("Set-Cookie") or "", response.read()
        finally:
            conn.close()

    _status, set_cookie, page = _request("GET", "/login")
    match = CSRF_RE.search(page.decode())
    assert match
    form = urllib.parse.urlencode(
        {"csrf_token": match.group(1) or match.group(2), "username": "kreis.test", "password": "x"}
    )
    status, _cookie, _body = _request(
        "POST",
        "/login",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": set_cookie.split(";", 1)[0],
            "Referer": "https://localhost/login",
        },
    )
    return status


@pytest.mark.db
@pytest.mark.slow
def test_nginx_site_in_front_of_gunicorn(pg_url: str, data_dir: Path, tmp_path: Path) -> None:
    """The real chain: TLS at nginx (our site), gunicorn behind it trusting one proxy."""
    fill_sample_data(pg_url, data_dir)
    http_port, https_port = free_port(), free_port()
    client_ip = "127.0.0.2"
    with redis_server(tmp_path) as redis_url:
        env = production_env(pg_url, redis_url, tmp_path, GUNICORN_TRUSTED_PROXIES="1")
        with gunicorn(env, tmp_path, workers=1) as app:
            nginx_dir = tmp_path / "nginx"
            nginx_dir.mkdir()
            conf = nginx_test_config(
                nginx_dir,
                http_port=http_port,
                https_port=https_port,
                upstream=f"127.0.0.1:{app.port}",
            )
            nginx = subprocess.Popen(
                [
                    nginx_binary(),
                    "-c",
                    str(conf),
                    "-p",
                    str(nginx_dir),
                    "-e",
                    str(nginx_dir / "e.log"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                _check_nginx_chain(nginx_dir, http_port, https_port, client_ip, nginx)
            finally:
                os.killpg(nginx.pid, signal.SIGTERM)
                nginx.wait(timeout=20)
            log = app.log()
    assert f"ip={client_ip}" in log, "the app must see the client IP nginx saw (ProxyFix)"
    assert "ip=127.0.0.1" in log  # the requests-based login above came from 127.0.0.1
    assert USERS["kreis.test"][0] not in log


def _check_nginx_chain(
    nginx_dir: Path, http_port: int, https_port: int, client_ip: str, nginx: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 20
    base = f"https://localhost:{https_port}"
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override our own CA
    session.verify = str(nginx_dir / "cockpit.crt")
    while True:
        assert nginx.poll() is None, (nginx_dir / "e.log").read_text()
        try:
            session.get(f"{base}/healthz", timeout=5)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "nginx did not come up"
            time.sleep(0.1)

    redirect = session.get(
        f"http://localhost:{http_port}/login?x=1", allow_redirects=False, timeout=5
    )
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://localhost/login?x=1"

    page = session.get(f"{base}/login", headers={"X-Request-ID": "client-chosen"}, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    assert page.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert "Server" not in page.headers or "nginx/" not in page.headers["Server"]
    # nginx replaces the client's request id with its own and the app echoes it.
    assert re.fullmatch(r"[0-9a-f]{32}", page.headers["X-Request-ID"])
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie

    css = session.get(f"{base}/auth/static/auth.css", timeout=10)
    assert css.status_code == 200
    assert css.headers["Cache-Control"] == "private, max-age=604800"
    refused = session.get(f"{base}/static/nothing.css", allow_redirects=False, timeout=10)
    assert refused.status_code in (302, 401, 404)
    assert refused.headers["Cache-Control"] == "no-store"

    match = CSRF_RE.search(page.text)
    assert match
    response = session.post(
        f"{base}/login",
        data={
            "csrf_token": match.group(1) or match.group(2),
            "username": "kreis.test",
            "password": USERS["kreis.test"][0],
        },
        # Flask-WTF compares the Referer with the Host on https requests; nginx forwards
        # $host (no port), which in production is the default port 443.
        headers={"Referer": "https://localhost/login"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    assert session.get(f"{base}/passwort", allow_redirects=False, timeout=10).status_code == 200
    ready = session.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200  # from loopback; other clients get 403
    # A wrong password from another address: the app (ProxyFix) must log THAT address.
    assert _failed_login_from(client_ip, https_port, nginx_dir / "cockpit.crt") == 200
