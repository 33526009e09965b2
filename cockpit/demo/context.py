"""The shared state of one demo generation run (session, seeded random sources, counts)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cockpit.demo.placement import AreaPlan
from cockpit.demo.users import DEMO_USERS
from cockpit.models import Municipality, User

DISTRICT_AGS = "14626"


class Generation:
    """State shared by the generators of one run; every topic draws from its own seeded rng."""

    def __init__(
        self,
        session: Session,
        municipalities: Sequence[Municipality],
        population: Mapping[str, int],
        seed: int,
        today: dt.date,
        metric_crs: str,
    ) -> None:
        self.session = session
        self.municipalities = municipalities
        self.population = population
        self.seed = seed
        self.today = today
        self.metric_crs = metric_crs
        self.counts: Counter[str] = Counter()
        self.users: dict[str, User] = {}
        self.backlog_per_capita: dict[int, float] = {}
        self.inner: dict[int, BaseGeometry] = {}
        self.occupied: dict[int, list[BaseGeometry]] = {}
        self.accepted: AreaPlan | None = None

    # ---- helpers

    def rng(self, topic: str, key: str = "") -> random.Random:
        return random.Random(f"{self.seed}:{topic}:{key}")

    def add(self, obj: Any) -> None:
        self.session.add(obj)
        self.counts[obj.__tablename__] += 1

    def pop(self, municipality: Municipality) -> int:
        return self.population[municipality.ags]

    def by_ags(self, ags: str, fallback: int) -> Municipality:
        for municipality in self.municipalities:
            if municipality.ags == ags:
                return municipality
        return self.municipalities[min(fallback, len(self.municipalities) - 1)]

    def kommune_user(self, municipality: Municipality) -> User | None:
        for spec in DEMO_USERS:
            if municipality.ags in spec.municipality_ags:
                return self.users.get(spec.username)
        return None

    @staticmethod
    def user_id(user: User | None) -> int | None:
        return user.id if user is not None else None
