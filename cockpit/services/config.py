"""The one configuration object every service receives explicitly.

:class:`ServiceConfig` is built once from :class:`~cockpit.settings.Settings` (web runtime,
CLI, test fixture) and passed to service functions as a required argument. Services and
``layers/`` keep no configuration defaults of their own, so mypy flags every caller that
forgets the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.db import srid_of

if TYPE_CHECKING:
    from cockpit.settings import Settings


@dataclass(frozen=True)
class ServiceConfig:
    """What the use cases need to know about the deployment.

    ``metric_crs`` is the storage CRS of every metric geometry column (EPSG:25833 for Saxony
    and the east, EPSG:25832 for the western Länder). Areas in hectares are always computed
    equal-area (``layers.crs.area_ha``), whatever the storage CRS.
    """

    metric_crs: str
    district_ags: str
    stale_after_days: int
    max_upload_bytes: int
    job_heartbeat_seconds: int
    job_result_hours: int
    data_dir: Path | None = None

    @property
    def metric_srid(self) -> int:
        return srid_of(self.metric_crs)

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceConfig:
        return cls(
            metric_crs=settings.metric_crs,
            district_ags=settings.district_ags,
            stale_after_days=settings.stale_after_days,
            max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
            job_heartbeat_seconds=settings.job_heartbeat_seconds,
            job_result_hours=settings.job_result_hours,
            data_dir=settings.data_dir,
        )
