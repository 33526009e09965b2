"""Facts about the deployment that belong to the database, not to the settings."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.db import Base


class DeploymentInfo(Base):
    """Key/value facts fixed for the database's lifetime, e.g. ``storage_crs = EPSG:25833``."""

    __tablename__ = "deployment_info"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
