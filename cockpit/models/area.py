"""Area potentials (Gewerbe-, Industrie- und Brachflächen), their history, proposals,
survey conversations, import mappings and export runs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cockpit.db import Base, Geometry
from cockpit.domain.vocab import (
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    Ownership,
    PlanningStatus,
    ReviewState,
    SurveyOutcome,
)
from cockpit.models._types import TimestampMixin, enum_column, utcnow


def new_public_id() -> str:
    return str(uuid.uuid4())


class AreaPotential(TimestampMixin, Base):
    """The current accepted state of one area potential (history in ``AreaVersion``)."""

    __tablename__ = "area_potential"
    # Covering index for the list/map filters: bbox ranges (map view) and the filter columns,
    # so counts and map clusters read the index instead of the wide rows (geometry, JSON).
    __table_args__ = (
        Index(
            "ix_area_potential_map_filter",
            "is_deleted",
            "min_lon",
            "max_lon",
            "min_lat",
            "max_lat",
            "municipality_id",
            "kind",
            "status",
            "source",
            "area_ha",
            "last_confirmed_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    kind: Mapped[AreaKind] = enum_column(AreaKind, index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("MULTIPOLYGON"))
    area_ha: Mapped[float] = mapped_column(Float)
    net_area_ha: Mapped[float | None] = mapped_column(Float)
    status: Mapped[AreaStatus] = enum_column(AreaStatus, index=True)
    planning_status: Mapped[PlanningStatus | None] = enum_column(PlanningStatus, nullable=True)
    ownership: Mapped[Ownership | None] = enum_column(Ownership, nullable=True)
    servicing: Mapped[list[str]] = mapped_column(JSON, default=list)
    obstacles: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[AreaSource] = enum_column(AreaSource)
    geoportal_id: Mapped[str | None] = mapped_column(String(100), index=True)
    kwis_id: Mapped[str | None] = mapped_column(String(100), index=True)
    last_confirmed_at: Mapped[dt.date | None] = mapped_column(Date, index=True)
    last_confirmed_by: Mapped[str] = mapped_column(String(200), default="")
    last_confirmed_method: Mapped[ConfirmationMethod | None] = enum_column(
        ConfirmationMethod, nullable=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Optimistic locking; must reference the column object (a string breaks ORM inserts).
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bounding box in EPSG:4326 for cheap map filtering without spatial SQL.
    min_lon: Mapped[float] = mapped_column(Float, default=0.0)
    min_lat: Mapped[float] = mapped_column(Float, default=0.0)
    max_lon: Mapped[float] = mapped_column(Float, default=0.0)
    max_lat: Mapped[float] = mapped_column(Float, default=0.0)

    versions: Mapped[list[AreaVersion]] = relationship(
        back_populates="area", order_by="AreaVersion.version", cascade="all, delete-orphan"
    )


class AreaVersion(Base):
    """One historical version of an area: the full state after a change (append-only)."""

    __tablename__ = "area_version"
    __table_args__ = (UniqueConstraint("area_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area_potential.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    action: Mapped[str] = mapped_column(String(30))  # create|update|delete|restore|confirm|import
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    changed_by_name: Mapped[str] = mapped_column(String(200), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("MULTIPOLYGON"))

    area: Mapped[AreaPotential] = relationship(back_populates="versions")


class AreaProposal(TimestampMixin, Base):
    """A Kommune user's proposal: a new area (``area_id`` empty) or a correction."""

    __tablename__ = "area_proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area_potential.id"), index=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTIPOLYGON"))
    comment: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ReviewState] = enum_column(ReviewState, default=ReviewState.OPEN, index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    review_reason: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Survey(TimestampMixin, Base):
    """Erhebungsgespräch: a currency check of all areas of one municipality."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[ConfirmationMethod] = enum_column(ConfirmationMethod)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    items: Mapped[list[SurveyItem]] = relationship(
        back_populates="survey", cascade="all, delete-orphan"
    )


class SurveyItem(Base):
    __tablename__ = "survey_item"
    __table_args__ = (UniqueConstraint("survey_id", "area_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area_potential.id"), index=True)
    outcome: Mapped[SurveyOutcome] = enum_column(SurveyOutcome)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    survey: Mapped[Survey] = relationship(back_populates="items")


class ImportMapping(TimestampMixin, Base):
    """Saved attribute mapping (source field -> our field) per Geoportal source."""

    __tablename__ = "import_mapping"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(200), unique=True)
    mapping: Mapped[dict[str, str]] = mapped_column(JSON)


class ExportRun(Base):
    """One export for Geoportal/KWIS; change sets are computed since the last run."""

    __tablename__ = "export_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    target: Mapped[str] = mapped_column(String(50))  # geoportal | kwis | analysis
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    scope: Mapped[str] = mapped_column(Text, default="")
    file_format: Mapped[str] = mapped_column(String(20))
    feature_count: Mapped[int] = mapped_column(Integer, default=0)
    changes_only: Mapped[bool] = mapped_column(Boolean, default=False)
    data_hash: Mapped[str] = mapped_column(String(64), default="")
