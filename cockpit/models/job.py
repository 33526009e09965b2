"""Background jobs: who started what for which scope, its state, progress and result."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.db import Base
from cockpit.domain.vocab import JobState
from cockpit.models._types import enum_column, utcnow


class Job(Base):
    """One run of long work (e.g. "Steckbriefe aller Gemeinden") on the job queue.

    The queue (Huey) only carries the job id; everything the UI shows lives here. The
    worker beats ``heartbeat_at`` while the job runs; a running job without a beat for
    twice the heartbeat interval belonged to a killed worker and is marked failed.
    """

    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    username: Mapped[str] = mapped_column(String(100), default="")  # as of the start
    scope: Mapped[str] = mapped_column(String(300), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = enum_column(JobState, default=JobState.QUEUED, index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    current: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    result_file: Mapped[str] = mapped_column(String(200), default="")
    worker: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
