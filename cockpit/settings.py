"""Typed settings from ``COCKPIT_*`` environment variables.

This is the only module that reads ``os.environ``. Everything else receives a
:class:`Settings` instance (the app factory, the CLI, the tests).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"


class SettingsError(RuntimeError):
    """The configuration cannot be used (raised at start-up, with the reason)."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _default_data_dir() -> Path | None:
    candidate = PROJECT_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@dataclass(frozen=True)
class Settings:
    """All runtime configuration of the cockpit.

    ``COCKPIT_<NAME>`` sets the field ``<name>`` (e.g. ``COCKPIT_DATABASE_URL``).
    """

    database_url: str = ""
    secret_key: str = ""
    data_dir: Path | None = None
    instance_dir: Path = DEFAULT_INSTANCE_DIR
    env: str = "development"  # development | production | test
    metric_crs: str = "EPSG:25833"
    district_ags: str = "14626"
    redis_url: str = ""
    ratelimit_storage_url: str = "memory://"
    session_idle_minutes: int = 60
    secure_cookies: bool = False
    login_limit_per_ip: str = "20 per 5 minutes"
    login_limit_per_account: str = "5 per 5 minutes"
    stale_after_days: int = 365
    # Optional basemap tiles of the district (XYZ URL); empty = no external tile requests.
    basemap_url: str = ""
    basemap_attribution: str = ""
    log_level: str = "INFO"
    log_json: bool = False
    max_upload_mb: int = 50
    # Background jobs (Huey, see docs/adr/0003-jobs.md). Backend "" = automatic: Redis when
    # COCKPIT_REDIS_URL is set (worker: `cockpit worker`), else SQLite in the instance dir
    # with an in-process consumer of ``job_workers`` threads; "sqlite" or "redis" forces one.
    job_backend: str = ""
    job_queue_name: str = "kommunal-cockpit"
    job_workers: int = 2
    # A running job beats this often; without a beat for twice as long it is "fehlgeschlagen".
    job_heartbeat_seconds: int = 15
    job_time_limit_seconds: int = 3600
    job_result_hours: int = 24
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def job_queue_backend(self) -> str:
        """``"redis"`` (own worker process) or ``"sqlite"`` (embedded consumer)."""
        if self.job_backend:
            return self.job_backend
        return "redis" if self.redis_url else "sqlite"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def validate(self) -> None:
        """Refuse configurations that are unsafe for the chosen mode."""
        if self.job_backend not in ("", "sqlite", "redis"):
            raise SettingsError("COCKPIT_JOB_BACKEND must be empty, sqlite or redis")
        if self.job_queue_backend == "redis" and not self.redis_url:
            raise SettingsError("COCKPIT_JOB_BACKEND=redis needs COCKPIT_REDIS_URL")
        if not self.is_production:
            return
        problems = []
        if len(self.secret_key) < 32:
            problems.append("COCKPIT_SECRET_KEY must be set to at least 32 random characters")
        if self.is_sqlite:
            problems.append("COCKPIT_DATABASE_URL must point to PostgreSQL, not SQLite")
        if not self.secure_cookies:
            problems.append("COCKPIT_SECURE_COOKIES must be true (HTTPS only)")
        if problems:
            raise SettingsError("Production mode refused: " + "; ".join(problems))


_FIELDS_INT = {
    "session_idle_minutes",
    "stale_after_days",
    "max_upload_mb",
    "job_workers",
    "job_heartbeat_seconds",
    "job_time_limit_seconds",
    "job_result_hours",
}
_FIELDS_BOOL = {"secure_cookies", "log_json"}
_FIELDS_PATH = {"data_dir", "instance_dir"}


def _convert(name: str, raw: str) -> object:
    if name in _FIELDS_INT:
        return int(raw)
    if name in _FIELDS_BOOL:
        return _bool(raw)
    if name in _FIELDS_PATH:
        return Path(raw).expanduser().resolve()
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from ``COCKPIT_*`` variables (``environ`` defaults to ``os.environ``)."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name in Settings.__dataclass_fields__:
        raw = env.get(f"COCKPIT_{name.upper()}")
        if name != "extra" and raw:
            values[name] = _convert(name, raw)
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    instance_dir = settings.instance_dir
    if not settings.database_url:
        settings = replace(settings, database_url=f"sqlite:///{instance_dir / 'cockpit.sqlite'}")
    if settings.data_dir is None:
        settings = replace(settings, data_dir=_default_data_dir())
    if settings.redis_url and settings.ratelimit_storage_url == "memory://":
        settings = replace(settings, ratelimit_storage_url=settings.redis_url)
    if not settings.secret_key and not settings.is_production:
        settings = replace(settings, secret_key=_local_secret_key(instance_dir))
    settings.validate()
    return settings


def _local_secret_key(instance_dir: Path) -> str:
    """Generate a secret key once per checkout and keep it in ``instance/secret_key``."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key
