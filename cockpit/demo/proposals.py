"""Generated proposals of the Kommune users (open, accepted, rejected)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import MultiPolygon

from cockpit.demo.areas import AreaGenerator
from cockpit.demo.placement import DELETED, AreaPlan, choice
from cockpit.demo.users import GOERLITZ_AGS, ZITTAU_AGS
from cockpit.domain.vocab import AreaKind, AreaStatus, Ownership, PlanningStatus, ReviewState
from cockpit.models import AreaProposal, Municipality
from cockpit.services.areas import EDITABLE_FIELDS
from layers.crs import area_ha as measure_ha
from layers.geometry import to_multipolygon

NEW_AREA_COMMENTS = (
    "Neue Potenzialfläche laut Gemeinderatsbeschluss; bitte übernehmen.",
    "Eigentümer hat Verkaufsbereitschaft signalisiert (Demo).",
    "Fläche aus dem Flächennutzungsplan, bisher nicht im Geoportal.",
)


class ProposalGenerator(AreaGenerator):
    # ---- proposals

    def proposals(
        self,
        plans: Sequence[AreaPlan],
        accepted: AreaPlan | None,
        names: dict[int, set[str]],
    ) -> None:
        goerlitz = self.by_ags(GOERLITZ_AGS, 0)
        zittau = self.by_ags(ZITTAU_AGS, 1)
        rng = self.rng("proposals")
        reviewer = self.users.get("kreis")
        now = dt.datetime.combine(self.today, dt.time(9, 0), tzinfo=dt.UTC)

        # Open: new areas and corrections by the Kommune users.
        for municipality, new_count, with_geometry in ((goerlitz, 2, False), (zittau, 1, True)):
            for _ in range(new_count):
                self.new_area_proposal(
                    municipality,
                    rng,
                    names,
                    ReviewState.OPEN,
                    created=now - dt.timedelta(days=rng.randint(2, 40)),
                )
            targets = [
                p
                for p in plans
                if p.municipality is municipality
                and p.area is not None
                and p.state != DELETED
                and p is not accepted
            ]
            if targets:
                self.correction_proposal(
                    rng.choice(targets),
                    rng,
                    with_geometry=with_geometry,
                    created=now - dt.timedelta(days=rng.randint(2, 30)),
                )

        # History: one accepted correction (Görlitz) and one rejected new area (Zittau).
        if accepted is not None and accepted.area is not None:
            versions = accepted.area.versions
            update_version = next((v for v in versions if v.action == "update"), None)
            if update_version is not None:
                attributes = {k: update_version.attributes.get(k) for k in EDITABLE_FIELDS}
                self.add(
                    AreaProposal(
                        municipality_id=accepted.municipality.id,
                        area_id=accepted.area.id,
                        base_version=update_version.version - 1,
                        attributes=attributes,
                        geom=None,
                        comment="Vermarktungsstand hat sich geändert (Demo).",
                        state=ReviewState.ACCEPTED,
                        proposed_by_id=self.user_id(self.kommune_user(accepted.municipality)),
                        reviewed_by_id=self.user_id(reviewer),
                        reviewed_at=update_version.valid_from,
                        review_reason="Geprüft und übernommen.",
                        is_demo=True,
                        created_at=update_version.valid_from - dt.timedelta(days=6),
                        updated_at=update_version.valid_from,
                    )
                )
        rejected = self.new_area_proposal(
            zittau,
            rng,
            names,
            ReviewState.REJECTED,
            created=now - dt.timedelta(days=rng.randint(120, 300)),
        )
        if rejected is not None:
            rejected.reviewed_by_id = self.user_id(reviewer)
            rejected.reviewed_at = rejected.created_at + dt.timedelta(days=9)
            rejected.updated_at = rejected.reviewed_at
            rejected.review_reason = (
                "Die Fläche liegt im festgesetzten Überschwemmungsgebiet; eine gewerbliche "
                "Entwicklung ist nicht möglich."
            )
        self.session.flush()

    def new_area_proposal(
        self,
        municipality: Municipality,
        rng: random.Random,
        names: dict[int, set[str]],
        state: ReviewState,
        *,
        created: dt.datetime,
    ) -> AreaProposal | None:
        kind = choice(rng, ((AreaKind.GEWERBE, 60.0), (AreaKind.BRACHE, 40.0)))
        planned = self.plan_area(municipality, kind, rng, names.setdefault(municipality.id, set()))
        if planned is None:
            return None
        name, geom = planned
        attributes: dict[str, Any] = {
            "name": name,
            "municipality_id": municipality.id,
            "kind": kind.value,
            "status": AreaStatus.VERFUEGBAR.value,
            "net_area_ha": round(measure_ha(geom, self.metric_crs) * 0.85, 2),
            "planning_status": PlanningStatus.BPLAN_AUFSTELLUNG.value,
            "ownership": Ownership.KOMMUNAL.value,
            "servicing": ["strasse", "strom"],
            "obstacles": ["altlasten"] if kind is AreaKind.BRACHE else [],
            "notes": "",
            "geoportal_id": None,
            "kwis_id": None,
        }
        proposal = AreaProposal(
            municipality_id=municipality.id,
            area_id=None,
            base_version=None,
            attributes=attributes,
            geom=geom,
            comment=NEW_AREA_COMMENTS[self.counts[AreaProposal.__tablename__] % 3],
            state=state,
            proposed_by_id=self.user_id(self.kommune_user(municipality)),
            is_demo=True,
            created_at=created,
            updated_at=created,
        )
        self.add(proposal)
        return proposal

    def correction_proposal(
        self,
        plan: AreaPlan,
        rng: random.Random,
        *,
        with_geometry: bool,
        created: dt.datetime,
    ) -> None:
        area = plan.area
        assert area is not None
        latest = area.versions[-1]
        attributes = {k: latest.attributes.get(k) for k in EDITABLE_FIELDS}
        attributes["status"] = AreaStatus.RESERVIERT.value
        attributes["notes"] = "Reserviert für die Ansiedlung eines Logistikbetriebs (Demo)."
        geom: MultiPolygon | None = None
        if with_geometry:
            attributes["notes"] = "Teilfläche an Nachbarbetrieb verkauft; Zuschnitt geändert."
            shrunk = to_multipolygon(shapely.set_precision(area.geom.buffer(-12.0), 0.01))
            geom = shrunk if not shrunk.is_empty else None
        self.add(
            AreaProposal(
                municipality_id=plan.municipality.id,
                area_id=area.id,
                base_version=latest.version,
                attributes=attributes,
                geom=geom,
                comment=attributes["notes"],
                state=ReviewState.OPEN,
                proposed_by_id=self.user_id(self.kommune_user(plan.municipality)),
                is_demo=True,
                created_at=created,
                updated_at=created,
            )
        )
