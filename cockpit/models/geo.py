"""Districts (Landkreise) and municipalities (Gemeinden) with their boundaries."""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cockpit.db import Base, Geometry
from cockpit.domain.vocab import MunicipalityKind
from cockpit.models._types import TimestampMixin, enum_column


class District(TimestampMixin, Base):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str] = mapped_column(String(200), default="")
    boundary: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTIPOLYGON"))
    source: Mapped[str] = mapped_column(Text, default="")
    territorial_status: Mapped[dt.date | None] = mapped_column(Date)

    municipalities: Mapped[list[Municipality]] = relationship(back_populates="district")


class Municipality(TimestampMixin, Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    ags: Mapped[str] = mapped_column(String(8), unique=True)
    ars: Mapped[str] = mapped_column(String(12), default="")
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[MunicipalityKind] = enum_column(MunicipalityKind)
    # Full-resolution boundary in the metric storage CRS (COCKPIT_METRIC_CRS, see cockpit.db).
    boundary: Mapped[BaseGeometry] = mapped_column(Geometry("MULTIPOLYGON"))
    # Coverage-simplified display geometry in EPSG:4326, served to the browser.
    display_boundary: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTIPOLYGON", 4326))
    area_km2: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
    territorial_status: Mapped[dt.date | None] = mapped_column(Date)

    district: Mapped[District] = relationship(back_populates="municipalities")
