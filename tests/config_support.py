"""The service configuration of the suite's databases (the default deployment's).

Tests pass :data:`TEST_CONFIG` (or ``dataclasses.replace(TEST_CONFIG, ...)``) wherever a
service takes ``config``; EPSG:25832 runs build their own databases and configuration.
"""

from __future__ import annotations

from cockpit.services.config import ServiceConfig

TEST_METRIC_CRS = "EPSG:25833"
TEST_CONFIG = ServiceConfig(
    metric_crs=TEST_METRIC_CRS,
    district_ags="14626",
    stale_after_days=365,
    max_upload_bytes=50 * 1024 * 1024,
    job_heartbeat_seconds=15,
    job_result_hours=24,
)
