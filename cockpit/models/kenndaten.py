"""Kenndaten (key figures) of a municipality: every group of the cockpit mission.

Every item carries its municipality, a source, its "Stand" (as-of date), a demo flag and a
version number used for optimistic locking (SQLAlchemy ``version_id_col``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cockpit.db import Base
from cockpit.domain.vocab import (
    ActorKind,
    FocusKind,
    InvestmentKind,
    InvestmentSector,
    MembershipKind,
)
from cockpit.models._types import TimestampMixin, enum_column, utcnow


class KenndatenMixin(TimestampMixin):
    """Columns every Kenndaten item shares."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text, default="")
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def municipality_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class ContactPerson(KenndatenMixin, Base):
    """Ansprechpartner (personal data under the GDPR)."""

    __tablename__ = "contact_person"

    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class StaffCount(KenndatenMixin, Base):
    """Beschäftigte in der Kernverwaltung, per year."""

    __tablename__ = "staff_count"
    __table_args__ = (UniqueConstraint("municipality_id", "year"),)

    year: Mapped[int] = mapped_column(Integer)
    headcount: Mapped[int] = mapped_column(Integer)
    full_time_equivalent: Mapped[float | None] = mapped_column(Float)


class InvestmentItem(KenndatenMixin, Base):
    """Investitionsrückstand (backlog) or geplante Investition (planned), by sector."""

    __tablename__ = "investment_item"

    sector: Mapped[InvestmentSector] = enum_column(InvestmentSector)
    kind: Mapped[InvestmentKind] = enum_column(InvestmentKind)
    year: Mapped[int] = mapped_column(Integer)
    amount_eur: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False))
    description: Mapped[str] = mapped_column(Text, default="")


class MunicipalEnterprise(KenndatenMixin, Base):
    """Kommunaler Eigenbetrieb / kommunales Unternehmen."""

    __tablename__ = "municipal_enterprise"

    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    employees: Mapped[int | None] = mapped_column(Integer)


class Membership(KenndatenMixin, Base):
    """Mitgliedschaft or Zweckverband."""

    __tablename__ = "membership"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MembershipKind] = enum_column(MembershipKind)
    purpose: Mapped[str] = mapped_column(Text, default="")


class CouncilSeat(KenndatenMixin, Base):
    """Seats of one list/party in the Stadt-/Gemeinderat after an election."""

    __tablename__ = "council_seat"
    __table_args__ = (UniqueConstraint("municipality_id", "election_date", "party"),)

    election_date: Mapped[dt.date] = mapped_column(Date)
    party: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)


class ThemeCluster(TimestampMixin, Base):
    """Themencluster catalogue (Energie, Tourismus, …); extendable."""

    __tablename__ = "theme_cluster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ClusterFocus(KenndatenMixin, Base):
    """A municipality's current or future focus in a theme cluster (Kernkompetenz/Ziel)."""

    __tablename__ = "cluster_focus"
    __table_args__ = (UniqueConstraint("municipality_id", "cluster_id", "focus"),)

    cluster_id: Mapped[int] = mapped_column(ForeignKey("theme_cluster.id"), index=True)
    focus: Mapped[FocusKind] = enum_column(FocusKind)
    description: Mapped[str] = mapped_column(Text, default="")

    cluster: Mapped[ThemeCluster] = relationship()
    actors: Mapped[list[FocusActor]] = relationship(
        back_populates="focus_item", cascade="all, delete-orphan", order_by="FocusActor.name"
    )


class FocusActor(Base):
    """Company, institution or research facility behind a cluster focus."""

    __tablename__ = "focus_actor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    focus_id: Mapped[int] = mapped_column(
        ForeignKey("cluster_focus.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ActorKind] = enum_column(ActorKind)

    focus_item: Mapped[ClusterFocus] = relationship(back_populates="actors")


class ChangeRecord(Base):
    """Append-only history of Kenndaten and indicator edits: who, when, old -> new."""

    __tablename__ = "change_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(200), default="")
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL"), index=True
    )
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # create | update | delete
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
