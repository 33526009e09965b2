"""Generated area potentials with their version history."""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import cast

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, bindparam, update

from cockpit.demo import content
from cockpit.demo.context import DISTRICT_AGS, Generation
from cockpit.demo.placement import (
    AREA_SIZE_HA,
    AREA_STATES,
    BORDER_MARGIN_M,
    CURRENT,
    DELETED,
    NEVER,
    STALE,
    AreaPlan,
    choice,
    moment,
    place_area,
)
from cockpit.demo.users import GOERLITZ_AGS
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    MunicipalityKind,
    Ownership,
    PlanningStatus,
)
from cockpit.models import AreaPotential, AreaVersion, Municipality, User
from cockpit.services.areas import snapshot
from layers.area_geometry import web_bounds
from layers.crs import area_ha as measure_ha

log = logging.getLogger(__name__)

# The first version of an area by its source: (action, reason).
FIRST_EVENTS: dict[AreaSource, tuple[str, str]] = {
    AreaSource.GEOPORTAL: ("import", "Übernahme aus dem Geoportal"),
    AreaSource.GESPRAECH: ("create", "Erfasst im Erhebungsgespräch"),
}
FIRST_EVENT_OTHER = ("import", "Übernahme aus Fremddatenbestand")


class AreaGenerator(Generation):
    # ---- area potentials

    def area_count(self, municipality: Municipality, rng: random.Random) -> int:
        population = self.pop(municipality)
        town = municipality.kind is MunicipalityKind.STADT
        count = 3 + 2 * town + (population > 10_000) + (population > 20_000) + rng.randint(0, 1)
        return min(8, count)

    def inner_boundary(self, municipality: Municipality) -> BaseGeometry:
        if municipality.id not in self.inner:
            inner = municipality.boundary.buffer(-BORDER_MARGIN_M)
            shapely.prepare(inner)
            self.inner[municipality.id] = inner
            self.occupied[municipality.id] = []
        return self.inner[municipality.id]

    def draw_size_m2(self, municipality: Municipality, kind: AreaKind, rng: random.Random) -> float:
        low, high = AREA_SIZE_HA[kind]
        hectares = math.exp(rng.uniform(math.log(low), math.log(high)))
        cap = max(low, municipality.area_km2 * 100 * 0.03)  # at most ~3 % of the territory
        return min(hectares, cap) * 10_000

    def plan_area(
        self, municipality: Municipality, kind: AreaKind, rng: random.Random, names: set[str]
    ) -> tuple[str, MultiPolygon] | None:
        inner = self.inner_boundary(municipality)
        geom = place_area(
            rng, inner, self.draw_size_m2(municipality, kind, rng), self.occupied[municipality.id]
        )
        if geom is None:
            log.info("demo: no room for another %s area in %s", kind.value, municipality.name)
            return None
        self.occupied[municipality.id].append(geom)
        free = [n for n in content.AREA_NAMES[kind] if n not in names]
        name = rng.choice(free) if free else f"{content.AREA_NAMES[kind][0]} {len(names) + 1}"
        names.add(name)
        return name, geom

    def areas(self) -> tuple[list[AreaPlan], dict[int, set[str]]]:
        """Write the area potentials; returns their plans and the names used per municipality."""
        plans: list[AreaPlan] = []
        names_by_municipality: dict[int, set[str]] = {}
        for municipality in self.municipalities:
            rng = self.rng("areas", municipality.ags)
            town = municipality.kind is MunicipalityKind.STADT
            weights = (
                ((AreaKind.GEWERBE, 45.0), (AreaKind.INDUSTRIE, 25.0), (AreaKind.BRACHE, 30.0))
                if town
                else ((AreaKind.GEWERBE, 50.0), (AreaKind.INDUSTRIE, 12.0), (AreaKind.BRACHE, 38.0))
            )
            names = names_by_municipality.setdefault(municipality.id, set())
            for index in range(self.area_count(municipality, rng)):
                area_rng = self.rng("area", f"{municipality.ags}:{index}")
                kind = choice(area_rng, weights)
                planned = self.plan_area(municipality, kind, area_rng, names)
                if planned is None:
                    continue
                state = choice(
                    area_rng, ((CURRENT, 55.0), (STALE, 28.0), (NEVER, 12.0), (DELETED, 5.0))
                )
                plans.append(AreaPlan(municipality, kind, planned[0], planned[1], area_rng, state))
        self.balance_states(plans)
        self.accepted = self.pick_accepted(plans)
        for number, plan in enumerate(plans, start=1):
            self.build_area(plan, number)
        self.session.flush()
        self.set_area_versions(plans)
        return plans, names_by_municipality

    def balance_states(self, plans: list[AreaPlan]) -> None:
        """Make sure every currency state occurs (a few times) when there are enough areas."""
        if len(plans) < 2 * len(AREA_STATES):
            return
        rng = self.rng("balance")
        for state in AREA_STATES:
            while sum(p.state == state for p in plans) < 2:
                counts = Counter(p.state for p in plans)
                donors = [p for p in plans if counts[p.state] > 2]
                rng.choice(donors).state = state

    def pick_accepted(self, plans: list[AreaPlan]) -> AreaPlan | None:
        """The area whose history shows an accepted proposal (Görlitz if loaded)."""
        target = self.by_ags(GOERLITZ_AGS, 0)
        candidates = [p for p in plans if p.municipality is target and p.state != DELETED]
        return self.rng("accepted").choice(candidates) if candidates else None

    def build_area(self, plan: AreaPlan, number: int) -> None:
        rng = plan.rng
        kind = plan.kind
        status = choice(
            rng,
            (
                (AreaStatus.VERFUEGBAR, 50.0),
                (AreaStatus.RESERVIERT, 12.0),
                (AreaStatus.IN_ENTWICKLUNG, 15.0),
                (AreaStatus.VERMARKTET, 8.0),
                (AreaStatus.NICHT_VERFUEGBAR, 15.0 if kind is AreaKind.BRACHE else 5.0),
            ),
        )
        if kind is AreaKind.BRACHE:
            planning = choice(
                rng,
                (
                    (PlanningStatus.INNENBEREICH, 40.0),
                    (PlanningStatus.AUSSENBEREICH, 25.0),
                    (PlanningStatus.BPLAN, 15.0),
                    (PlanningStatus.FNP, 10.0),
                    (PlanningStatus.BPLAN_AUFSTELLUNG, 10.0),
                ),
            )
            ownership = choice(
                rng,
                (
                    (Ownership.PRIVAT, 45.0),
                    (Ownership.KOMMUNAL, 25.0),
                    (Ownership.TREUHAND, 15.0),
                    (Ownership.LAND_BUND, 10.0),
                    (Ownership.GEMISCHT, 5.0),
                ),
            )
        else:
            planning = choice(
                rng,
                (
                    (PlanningStatus.BPLAN, 55.0),
                    (PlanningStatus.BPLAN_AUFSTELLUNG, 15.0),
                    (PlanningStatus.FNP, 15.0),
                    (PlanningStatus.INNENBEREICH, 10.0),
                    (PlanningStatus.AUSSENBEREICH, 5.0),
                ),
            )
            ownership = choice(
                rng,
                (
                    (Ownership.KOMMUNAL, 50.0),
                    (Ownership.PRIVAT, 30.0),
                    (Ownership.GEMISCHT, 15.0),
                    (Ownership.LAND_BUND, 5.0),
                ),
            )
        servicing_chance = {"strasse": 0.95, "wasser": 0.8, "strom": 0.9, "gas": 0.5}
        servicing_chance["breitband"] = 0.55
        servicing_chance["schiene"] = 0.45 if kind is AreaKind.INDUSTRIE else 0.08
        if kind is AreaKind.BRACHE:
            servicing_chance = {k: v * 0.7 for k, v in servicing_chance.items()}
        servicing = [k for k in SERVICING_OPTIONS if rng.random() < servicing_chance[k]]
        obstacle_chance = {
            "altlasten": 0.7 if kind is AreaKind.BRACHE else 0.08,
            "eigentuemer": 0.35 if ownership is not Ownership.KOMMUNAL else 0.03,
            "planungsrecht": 0.5 if planning is PlanningStatus.AUSSENBEREICH else 0.08,
            "naturschutz": 0.12,
            "erschliessungskosten": 0.3 if len(servicing) < 3 else 0.1,
        }
        obstacles = [k for k in OBSTACLE_OPTIONS if rng.random() < obstacle_chance[k]]
        source = choice(
            rng,
            ((AreaSource.GEOPORTAL, 80.0), (AreaSource.GESPRAECH, 15.0), (AreaSource.IMPORT, 5.0)),
        )
        hectares = round(measure_ha(plan.geom, self.metric_crs), 4)
        min_lon, min_lat, max_lon, max_lat = web_bounds(plan.geom, self.metric_crs)
        area = AreaPotential(
            public_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            municipality_id=plan.municipality.id,
            kind=kind,
            name=plan.name,
            geom=plan.geom,
            area_ha=hectares,
            net_area_ha=round(hectares * rng.uniform(0.7, 0.92), 2),
            status=status,
            planning_status=planning,
            ownership=ownership,
            servicing=servicing,
            obstacles=obstacles,
            notes=rng.choice(content.AREA_NOTES),
            source=source,
            geoportal_id=(
                f"GP-{DISTRICT_AGS}-{number:04d}" if source is AreaSource.GEOPORTAL else None
            ),
            kwis_id=(
                f"KWIS-SN-{24000 + number}"
                if kind is not AreaKind.BRACHE and rng.random() < 0.3
                else None
            ),
            is_demo=True,
            min_lon=min_lon,
            min_lat=min_lat,
            max_lon=max_lon,
            max_lat=max_lat,
        )
        plan.area = area
        self.add(area)
        self.plan_history(plan, area)

    def plan_history(self, plan: AreaPlan, area: AreaPotential) -> None:
        """Decide the area's confirmation/deletion and write its AreaVersion rows."""
        rng = plan.rng
        editor = self.users.get("kreis")
        editor_name = editor.display_name if editor else "Kreis-Redaktion"
        created_day = self.today - dt.timedelta(days=rng.randint(1700, 2300))
        confirm_day, deleted_day = self.confirm_and_delete_days(plan)
        wants_update = rng.random() < 0.35 or plan is self.accepted
        method = choice(
            rng,
            (
                (ConfirmationMethod.GESPRAECH, 50.0),
                (ConfirmationMethod.ORTSBEGEHUNG, 20.0),
                (ConfirmationMethod.GEOPORTAL_ABGLEICH, 30.0),
            ),
        )
        # (day, action, reason) in chronological order
        events: list[tuple[dt.date, str, str]] = [
            (created_day, *FIRST_EVENTS.get(area.source, FIRST_EVENT_OTHER))
        ]
        if wants_update:
            end = confirm_day or deleted_day or self.today
            span = max(1, (end - created_day).days - 20)
            update_day = created_day + dt.timedelta(days=rng.randint(10, span))
            events.append((update_day, "update", "Vermarktungsstand aktualisiert"))
        if confirm_day is not None:
            events.append((confirm_day, "confirm", f"Bestätigt ({method.label})"))
        if deleted_day is not None:
            events.append((deleted_day, "delete", "Fläche entfällt: vollständig bebaut"))
        events.sort(key=lambda e: e[0])

        # Final state of the row.
        if confirm_day is not None:
            area.last_confirmed_at = confirm_day
            area.last_confirmed_by = editor_name
            area.last_confirmed_method = method
        if deleted_day is not None:
            area.is_deleted = True
            area.deleted_at = moment(deleted_day, rng)
        area.created_at = moment(created_day, rng)
        area.updated_at = moment(events[-1][0], rng)
        first_status = area.status
        if wants_update:
            first_status = (
                AreaStatus.IN_ENTWICKLUNG
                if area.status is not AreaStatus.IN_ENTWICKLUNG
                else AreaStatus.VERFUEGBAR
            )
        self.write_versions(plan, area, events, first_status, editor)

    def confirm_and_delete_days(self, plan: AreaPlan) -> tuple[dt.date | None, dt.date | None]:
        """The last confirmation and the deletion day the plan's currency state asks for."""
        rng, today = plan.rng, self.today
        confirm_day: dt.date | None = None
        if plan.state == CURRENT:
            confirm_day = today - dt.timedelta(days=rng.randint(10, 330))
        elif plan.state == STALE:
            confirm_day = today - dt.timedelta(days=rng.randint(400, 1500))
        elif plan.state == DELETED and rng.random() < 0.5:
            confirm_day = today - dt.timedelta(days=rng.randint(500, 1200))
        deleted_day = (
            today - dt.timedelta(days=rng.randint(20, 400)) if plan.state == DELETED else None
        )
        return confirm_day, deleted_day

    def write_versions(
        self,
        plan: AreaPlan,
        area: AreaPotential,
        events: Sequence[tuple[dt.date, str, str]],
        first_status: AreaStatus,
        editor: User | None,
    ) -> None:
        """One AreaVersion per event, each holding the full state after its event."""
        editor_name = editor.display_name if editor else "Kreis-Redaktion"
        state = snapshot(area)
        state.update(
            status=first_status.value,
            last_confirmed_at=None,
            last_confirmed_by="",
            last_confirmed_method=None,
            is_deleted=False,
        )
        final = snapshot(area)
        for version, (day, action, reason) in enumerate(events, start=1):
            if action == "update":
                state["status"] = final["status"]
                if plan is self.accepted:
                    reason = "Änderungsvorschlag der Kommune angenommen"
            elif action == "confirm":
                for key in ("last_confirmed_at", "last_confirmed_by", "last_confirmed_method"):
                    state[key] = final[key]
            elif action == "delete":
                state["is_deleted"] = True
            by_editor = action in ("update", "confirm", "delete")
            area.versions.append(
                AreaVersion(
                    version=version,
                    valid_from=moment(day, plan.rng),
                    action=action,
                    reason=reason,
                    changed_by_id=editor.id if by_editor and editor else None,
                    changed_by_name=editor_name if by_editor else "Geoportal-Import",
                    attributes=dict(state),
                    geom=area.geom,
                )
            )
        self.counts[AreaVersion.__tablename__] += len(events)

    def set_area_versions(self, plans: Sequence[AreaPlan]) -> None:
        """Set ``AreaPotential.version`` to its latest AreaVersion.

        ``version`` is the ORM's version counter, which always starts at 1 on INSERT, so the
        final numbers are written with one Core UPDATE (no ORM versioning involved).
        """
        rows = [
            {
                "area_id": plan.area.id,
                "new_version": len(plan.area.versions),
                "stamp": plan.area.updated_at,
            }
            for plan in plans
            if plan.area is not None and len(plan.area.versions) > 1
        ]
        if rows:
            table = cast(Table, AreaPotential.__table__)
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("area_id"))
                .values(version=bindparam("new_version"), updated_at=bindparam("stamp")),
                rows,
            )
        for plan in plans:
            if plan.area is not None:
                self.session.expire(plan.area, ["version"])
