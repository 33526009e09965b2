#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: system packages, services, Python environment.
#   scripts/setup.sh app    -> what running the cockpit needs (Python env only)
#   scripts/setup.sh test   -> plus PostGIS, Chromium, GDAL tools, poppler, running services
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
PYTHON="${PYTHON:-python3}"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 >/dev/null || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  fi
}

python_env() {
  if [ ! -x .venv/bin/python ]; then
    log "Creating virtual environment .venv"
    "$PYTHON" -m venv .venv
  fi
  local stamp=.venv/.installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "Installing Python packages"
    .venv/bin/pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/pip install -q -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -c "import cockpit, dash, geopandas" # fail here if the install failed
    touch "$stamp"
  fi
}

# npm packages (package-lock.json): plotly.js + esbuild for the trimmed Plotly bundle the
# browser loads (assets/vendor, not in git), axe-core for the accessibility tests.
frontend() {
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$mode" = "test" ]; then
      apt_install nodejs npm
    else
      log "npm not found: the cockpit runs with Dash's full (slower) Plotly bundle"
      return 0
    fi
  fi
  local stamp=node_modules/.installed bundle=assets/vendor/plotly-cockpit.min.js
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    log "Installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
  if [ ! -f "$bundle" ] || [ "$stamp" -nt "$bundle" ] || [ scripts/plotly/entry.js -nt "$bundle" ]; then
    log "Building the trimmed Plotly bundle ($bundle)"
    npm run --silent build:plotly
  fi
}

python_env
frontend
if [ "$mode" = "test" ]; then
  apt_install postgresql-15-postgis-3 chromium gdal-bin poppler-utils nginx cgi-mapserver
  ensure_services
fi
