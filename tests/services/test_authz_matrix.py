"""Authorization matrix: every service function × every role × own / foreign municipality.

The functions are found dynamically: every public function of every ``cockpit.services.*``
module (submodules of packages included, named by their path, e.g.
``importing.boundaries.import_boundaries``) with a ``principal`` parameter. Each needs a
row in :data:`MATRIX` (or an entry in :data:`NOT_IN_MATRIX` with the reason) — a new
service function without one FAILS ``test_every_service_function_has_a_row``.

How to add a row (one line per function, keep them sorted by module):

    "module.function": Row(lambda c, p, m: module.function(c.s, p, m, ...), KOMMUNE_OWN),

``c`` is the :class:`Ctx` (session ``c.s`` on a copy of the full demo database, lookups such
as ``c.area(m)``), ``p`` the principal of the role under test, ``m`` the municipality id:
the Kommune user's own (Görlitz) or a foreign one (Zittau). The expectation maps each role
to ``(own, foreign)`` outcomes: ``OK`` (no ``AccessDeniedError``; a ``ValidationError`` or
``ConflictError`` *after* the check counts as OK, a ``NotFoundError`` never does) or ``NO``
(``AccessDeniedError``). District roles have no own municipality: both columns are the same
municipalities for them. ``check`` may inspect an OK result (e.g. that a list holds no
foreign confidential rows).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import cockpit.services
from cockpit.db import make_engine, make_session_factory
from cockpit.demo import DEMO_USERS, GOERLITZ_AGS, ZITTAU_AGS
from cockpit.domain.errors import AccessDeniedError, CockpitError, NotFoundError
from cockpit.domain.roles import SYSTEM, Permission, Principal, Role
from cockpit.domain.vocab import JobState, ReviewState
from cockpit.models import (
    AreaPotential,
    AreaProposal,
    ContactPerson,
    Indicator,
    IndicatorValue,
    Job,
    Municipality,
    Survey,
    ThemeCluster,
    User,
)
from cockpit.services import (
    areas,
    audit,
    bulk_indicators,
    exports,
    importing,
    jobs,
    kenndaten,
    maps,
    municipalities,
    profile,
    users,
)
from cockpit.services.areas import access as area_access
from cockpit.services.areas import exchange as area_exchange
from cockpit.services.areas import export as area_export
from cockpit.services.areas import mapping as area_mapping
from cockpit.services.areas import queries as area_queries
from cockpit.services.areas import review as area_review
from cockpit.services.areas import survey as area_survey
from tests.areas_support import area_attrs, inner_square, to_geojson
from tests.config_support import TEST_CONFIG

OK, NO = "allowed", "refused"
Expect = dict[Role, tuple[str, str]]

ROLE_USERNAMES = {
    Role.KOMMUNE: "kommune.goerlitz",
    Role.KREIS_REDAKTION: "kreis",
    Role.ANALYSE: "analyse",
    Role.ADMIN: "admin",
}
PASSWORDS = {spec.username: spec.password for spec in DEMO_USERS}


def expect(
    kommune: tuple[str, str],
    kreis: tuple[str, str],
    analyse: tuple[str, str],
    admin: tuple[str, str],
) -> Expect:
    return {
        Role.KOMMUNE: kommune,
        Role.KREIS_REDAKTION: kreis,
        Role.ANALYSE: analyse,
        Role.ADMIN: admin,
    }


BOTH, NONE, OWN = (OK, OK), (NO, NO), (OK, NO)
EVERYONE = expect(BOTH, BOTH, BOTH, BOTH)
ADMIN_ONLY = expect(NONE, NONE, NONE, BOTH)
EDITORS = expect(NONE, BOTH, NONE, NONE)  # Kreis-Redaktion: edit, review, import
CONFIDENTIAL = expect(OWN, BOTH, BOTH, NONE)  # Kommune: own municipality only
DISTRICT_READERS = expect(NONE, BOTH, BOTH, NONE)
PROPOSERS = expect(OWN, NONE, NONE, NONE)
EXPORTERS = expect(OWN, BOTH, BOTH, NONE)
VIEWERS_FILTERED = expect(BOTH, BOTH, BOTH, BOTH)  # allowed, but results are scoped
CONFIDENTIAL_LISTS = expect(BOTH, BOTH, BOTH, NONE)  # Kommune: filtered to its own rows


class Ctx:
    """Lookups in the demo database for building service calls."""

    def __init__(self, session: Session, tmp: Path) -> None:
        self.s = session
        self.tmp = tmp

    def municipality(self, municipality_id: int) -> Municipality:
        found = self.s.get(Municipality, municipality_id)
        assert found is not None
        return found

    def area(self, municipality_id: int, *, deleted: bool = False) -> tuple[int, int]:
        row = self.s.execute(
            select(AreaPotential.id, AreaPotential.version)
            .where(
                AreaPotential.municipality_id == municipality_id,
                AreaPotential.is_deleted.is_(deleted),
            )
            .order_by(AreaPotential.id)
        ).first()
        if row is None and deleted:
            area_id, version = self.area(municipality_id)
            areas.delete_area(self.s, SYSTEM, area_id, version, "Test")
            return self.area(municipality_id, deleted=True)
        assert row is not None, f"no area in municipality {municipality_id}"
        return row.id, row.version

    def proposal(self, municipality_id: int) -> int:
        found = self.s.scalar(
            select(AreaProposal.id).where(
                AreaProposal.municipality_id == municipality_id,
                AreaProposal.state == ReviewState.OPEN,
            )
        )
        if found is not None:
            return found
        municipality = self.municipality(municipality_id)
        proposer = self.kommune_principal(municipality_id)
        info = area_review.propose_area(
            self.s,
            proposer,
            municipality_id,
            area_attrs(municipality, "Vorschlag Matrix"),
            to_geojson(inner_square(municipality, dx=37.0)),
            config=TEST_CONFIG,
        )
        return info.id

    def survey(self, municipality_id: int) -> int:
        found = self.s.scalar(select(Survey.id).where(Survey.municipality_id == municipality_id))
        if found is not None:
            return found
        return area_survey.start_survey(
            self.s, SYSTEM, municipality_id, dt.date.today(), "Matrix-Test"
        ).id

    def contact(self, municipality_id: int) -> tuple[int, int]:
        row = self.s.execute(
            select(ContactPerson.id, ContactPerson.version).where(
                ContactPerson.municipality_id == municipality_id
            )
        ).first()
        assert row is not None
        return row.id, row.version

    def kommune_user(self, municipality_id: int) -> int:
        for user in self.s.scalars(select(User).where(User.role == Role.KOMMUNE)):
            if municipality_id in {m.id for m in user.municipalities}:
                return user.id
        raise AssertionError(f"no Kommune user for {municipality_id}")

    def kommune_principal(self, municipality_id: int) -> Principal:
        user = self.s.get(User, self.kommune_user(municipality_id))
        assert user is not None
        return user.to_principal()

    def indicator(self) -> tuple[str, int]:
        row = self.s.execute(
            select(Indicator.key, IndicatorValue.year)
            .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
            .order_by(Indicator.key, IndicatorValue.year.desc())
        ).first()
        assert row is not None
        return row.key, row.year

    def indicator_id(self) -> int:
        found = self.s.scalar(select(Indicator.id).order_by(Indicator.id))
        assert found is not None
        return found

    def cluster(self) -> int:
        found = self.s.scalar(select(ThemeCluster.id).order_by(ThemeCluster.id))
        assert found is not None
        return found

    def ags(self, municipality_id: int) -> str:
        return self.municipality(municipality_id).ags

    def job(self) -> str:
        """A finished "Steckbriefe aller Gemeinden" job started by the Kreis-Redaktion."""
        kreis = self.s.scalar(select(User).where(User.username == "kreis"))
        assert kreis is not None
        job = Job(
            id="matrix-job",
            kind="steckbriefe",
            user_id=kreis.id,
            username=kreis.username,
            state=JobState.DONE,
            total=1,
            done=1,
            result_file="Steckbriefe_matrix-job.zip",
            created_at=dt.datetime.now(dt.UTC),
            finished_at=dt.datetime.now(dt.UTC),
        )
        self.s.add(job)
        self.s.commit()
        return job.id

    def data_file(self, name: str) -> Path:
        return Path(__file__).resolve().parents[3] / "shared" / "data" / name


Call = Callable[[Ctx, Principal, int], Any]


@dataclass(frozen=True)
class Row:
    call: Call
    expected: Expect
    check: Callable[[Ctx, Principal, int, Any], None] | None = None


def _export_report_scoped(p: Principal, m: int, result: Any) -> None:
    """A Steckbrief of a foreign municipality holds no Kenndaten and no areas."""
    if not p.may(Permission.VIEW_CONFIDENTIAL, m):
        assert result.kenndaten is None and result.area_list is None
        assert not result.area_geometries


def _cluster_entries_scoped(p: Principal, overview: Any) -> None:
    """A Kommune user's Themencluster map shows the focus of its own municipality only."""
    if p.role is Role.KOMMUNE:
        assert {e.municipality_id for e in overview.entries} <= p.municipality_ids


def _cluster_table_scoped(c: Ctx, p: Principal, result: Any) -> None:
    """… and its Themencluster table lists no foreign municipality (AGS in column 1)."""
    _title, tables = result
    if p.role is Role.KOMMUNE:
        own = {c.ags(m) for m in p.municipality_ids}
        assert {row[0] for row in tables[0].rows} <= own


def _no_foreign_rows(c: Ctx, p: Principal, m: int, result: Any) -> None:
    """A Kommune user's list holds rows of its own municipalities only (and some rows)."""
    rows = result.items if hasattr(result, "items") else result
    assert isinstance(rows, list)
    if p.role is Role.KOMMUNE:
        assert rows, "the demo data has rows of the own municipality"
        assert {r.municipality_id for r in rows} <= p.municipality_ids


def _own_choices_only(p: Principal, result: Any) -> None:
    """A Kommune user chooses among its own municipalities only (and has one)."""
    ids = {choice.id for choice in result}
    if p.role is Role.KOMMUNE:
        assert ids and ids <= p.municipality_ids
    elif not p.has_district_wide(Permission.VIEW_CONFIDENTIAL):
        assert not ids


def _own_jobs_only(c: Ctx, p: Principal, m: int, result: Any) -> None:
    """Everyone lists only the jobs they started; the Admin lists every user's."""
    c.job()
    listed = jobs.list_jobs(c.s, p, TEST_CONFIG)
    if p.role is Role.ADMIN:
        assert [j.id for j in listed] == ["matrix-job"]
    else:
        assert all(j.user_id == p.user_id for j in listed)
        assert ("matrix-job" in {j.id for j in listed}) == (p.username == "kreis")


def _new_user(c: Ctx, m: int) -> int:
    return users.create_user(
        c.s,
        SYSTEM,
        username=f"matrix.{m}",
        password="Matrix-Kennwort-2026",
        role=Role.KOMMUNE,
        municipality_ids=[m],
    ).id


def _area_geometry(c: Ctx, m: int, dx: float = 11.0) -> dict[str, Any]:
    return to_geojson(inner_square(c.municipality(m), size_m=120.0, dx=dx))


def _upload(c: Ctx, m: int) -> bytes:
    """A small GeoJSON file with one area of municipality ``m`` (an import upload)."""
    feature = {"type": "Feature", "properties": {"id": "M-1"}, "geometry": _area_geometry(c, m)}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


MATRIX: dict[str, Row] = {
    # ---- areas.exchange
    "areas.exchange.read_import_layer": Row(
        lambda c, p, m: area_exchange.read_import_layer(
            p, _upload(c, m), "geoportal.geojson", config=TEST_CONFIG
        ),
        EDITORS,
    ),
    # ---- areas.export
    "areas.export.export_areas": Row(
        lambda c, p, m: area_export.export_areas(
            c.s,
            p,
            target="analysis",
            file_format="geojson",
            out_dir=c.tmp,
            municipality_id=m,
            config=TEST_CONFIG,
        ),
        EXPORTERS,
    ),
    # ---- areas.mapping
    "areas.mapping.get_mapping": Row(
        lambda c, p, m: area_mapping.get_mapping(c.s, p, "matrix"), EDITORS
    ),
    "areas.mapping.list_mapping_sources": Row(
        lambda c, p, m: area_mapping.list_mapping_sources(c.s, p), EDITORS
    ),
    "areas.mapping.save_mapping": Row(
        lambda c, p, m: area_mapping.save_mapping(c.s, p, "matrix", {"name": "NAME"}), EDITORS
    ),
    # ---- areas.review
    "areas.review.accept_proposal": Row(
        lambda c, p, m: area_review.accept_proposal(c.s, p, c.proposal(m), config=TEST_CONFIG),
        EDITORS,
    ),
    "areas.review.get_proposal_review": Row(
        lambda c, p, m: area_review.get_proposal_review(c.s, p, c.proposal(m), config=TEST_CONFIG),
        expect(OWN, BOTH, NONE, NONE),  # proposals: proposing Kommune and reviewers only
    ),
    "areas.review.list_proposals": Row(
        lambda c, p, m: area_review.list_proposals(c.s, p),
        expect(BOTH, BOTH, NONE, NONE),
        _no_foreign_rows,
    ),
    "areas.review.propose_area": Row(
        lambda c, p, m: area_review.propose_area(
            c.s,
            p,
            m,
            area_attrs(c.municipality(m), "Matrix-Fläche"),
            _area_geometry(c, m),
            config=TEST_CONFIG,
        ),
        PROPOSERS,
    ),
    "areas.review.propose_correction": Row(
        lambda c, p, m: area_review.propose_correction(
            c.s, p, c.area(m)[0], c.area(m)[1], {"name": "Korrigiert"}, config=TEST_CONFIG
        ),
        PROPOSERS,
    ),
    "areas.review.reject_proposal": Row(
        lambda c, p, m: area_review.reject_proposal(c.s, p, c.proposal(m), "passt nicht"),
        EDITORS,
    ),
    # ---- areas.survey
    "areas.survey.close_survey": Row(
        lambda c, p, m: area_survey.close_survey(c.s, p, c.survey(m)), EDITORS
    ),
    "areas.survey.get_protocol": Row(
        lambda c, p, m: area_survey.get_protocol(c.s, p, c.survey(m)), CONFIDENTIAL
    ),
    "areas.survey.get_survey": Row(
        lambda c, p, m: area_survey.get_survey(c.s, p, c.survey(m)), CONFIDENTIAL
    ),
    "areas.survey.list_due": Row(
        lambda c, p, m: area_survey.list_due(c.s, p, m, config=TEST_CONFIG), CONFIDENTIAL
    ),
    "areas.survey.list_surveys": Row(
        lambda c, p, m: area_survey.list_surveys(c.s, p, m), CONFIDENTIAL
    ),
    "areas.survey.record_new_area": Row(
        lambda c, p, m: area_survey.record_new_area(
            c.s,
            p,
            c.survey(m),
            area_attrs(c.municipality(m), "Neu im Gespräch"),
            _area_geometry(c, m, dx=-41.0),
            config=TEST_CONFIG,
        ),
        EDITORS,
    ),
    "areas.survey.record_outcome": Row(
        lambda c, p, m: area_survey.record_outcome(
            c.s, p, c.survey(m), c.area(m)[0], "bestaetigt", c.area(m)[1], config=TEST_CONFIG
        ),
        EDITORS,
    ),
    "areas.survey.start_survey": Row(
        lambda c, p, m: area_survey.start_survey(c.s, p, m, dt.date.today(), "Matrix"),
        EDITORS,
    ),
    # ---- areas (package modules)
    "areas.editing.check_geometry": Row(
        lambda c, p, m: areas.check_geometry(c.s, p, _area_geometry(c, m), m, config=TEST_CONFIG),
        CONFIDENTIAL,
    ),
    "areas.editing.confirm_area": Row(
        lambda c, p, m: areas.confirm_area(c.s, p, c.area(m)[0], c.area(m)[1]), EDITORS
    ),
    "areas.editing.create_area": Row(
        lambda c, p, m: areas.create_area(
            c.s,
            p,
            area_attrs(c.municipality(m), "Matrix-Neu"),
            _area_geometry(c, m, dx=53.0),
            config=TEST_CONFIG,
        ),
        EDITORS,
    ),
    "areas.editing.delete_area": Row(
        lambda c, p, m: areas.delete_area(c.s, p, c.area(m)[0], c.area(m)[1], "Test"), EDITORS
    ),
    "areas.detail.get_area": Row(
        lambda c, p, m: areas.get_area(c.s, p, c.area(m)[0], config=TEST_CONFIG), CONFIDENTIAL
    ),
    "areas.history.get_area_as_of": Row(
        lambda c, p, m: areas.get_area_as_of(
            c.s, p, c.area(m)[0], dt.datetime.now(dt.UTC), config=TEST_CONFIG
        ),
        CONFIDENTIAL,
    ),
    "areas.queries.list_area_records": Row(
        lambda c, p, m: areas.list_area_records(
            c.s,
            p,
            areas.AreaFilter(municipality_ids=(m,)),
            config=replace(TEST_CONFIG, stale_after_days=365),
        ),
        CONFIDENTIAL,
    ),
    "areas.map_view.list_areas": Row(
        lambda c, p, m: areas.list_areas(c.s, p, config=TEST_CONFIG),
        CONFIDENTIAL_LISTS,
        _no_foreign_rows,
    ),
    "areas.history.list_areas_as_of": Row(
        lambda c, p, m: areas.list_areas_as_of(
            c.s, p, m, dt.datetime.now(dt.UTC), config=TEST_CONFIG
        ),
        CONFIDENTIAL,
    ),
    "areas.access.readable_area": Row(
        lambda c, p, m: area_access.readable_area(c.s, p, c.area(m)[0]), CONFIDENTIAL
    ),
    "areas.access.load_in_scope": Row(
        lambda c, p, m: areas.load_in_scope(
            c.s, p, AreaPotential, c.area(m)[0], Permission.VIEW_CONFIDENTIAL, "fehlt"
        ),
        CONFIDENTIAL,
    ),
    "areas.editing.restore_area": Row(
        lambda c, p, m: areas.restore_area(
            c.s, p, c.area(m, deleted=True)[0], c.area(m, deleted=True)[1]
        ),
        EDITORS,
    ),
    "areas.queries.authorized_conditions": Row(
        lambda c, p, m: area_queries.authorized_conditions(
            p, areas.AreaFilter(municipality_ids=(m,)), dt.date.today(), 365
        ),
        CONFIDENTIAL,
    ),
    "areas.history.restore_version": Row(
        lambda c, p, m: areas.restore_version(
            c.s, p, c.area(m)[0], 1, c.area(m)[1], config=TEST_CONFIG
        ),
        EDITORS,
    ),
    "areas.editing.update_area": Row(
        lambda c, p, m: areas.update_area(
            c.s, p, c.area(m)[0], c.area(m)[1], {"name": "Matrix umbenannt"}, config=TEST_CONFIG
        ),
        EDITORS,
    ),
    "areas.access.writable_area": Row(
        lambda c, p, m: areas.writable_area(c.s, p, c.area(m)[0]), EDITORS
    ),
    # ---- audit
    "audit.list_entries": Row(lambda c, p, m: audit.list_entries(c.s, p), ADMIN_ONLY),
    # ---- bulk_indicators
    "bulk_indicators.apply_indicator_update": Row(
        lambda c, p, m: bulk_indicators.apply_indicator_update(
            c.s, p, c.indicator_id(), 2024, "werte.csv", b"AGS;Wert\n", "x", config=TEST_CONFIG
        ),
        EDITORS,
    ),
    "bulk_indicators.list_importable_indicators": Row(
        lambda c, p, m: bulk_indicators.list_importable_indicators(c.s, p), EDITORS
    ),
    "bulk_indicators.preview_indicator_update": Row(
        lambda c, p, m: bulk_indicators.preview_indicator_update(
            c.s,
            p,
            c.indicator_id(),
            2024,
            "werte.csv",
            f"AGS;Wert\n{c.ags(m)};1,5\n".encode(),
            config=TEST_CONFIG,
        ),
        EDITORS,
    ),
    # ---- exports (cockpit/services/exports/: data of snapshots, Steckbriefe, tables; the
    # rows name each function under its module, the calls use the package's public API)
    "exports.access.municipality_id_for_ags": Row(
        lambda c, p, m: exports.municipality_id_for_ags(c.s, p, c.ags(m)), EVERYONE
    ),
    "exports.access.record_export": Row(
        lambda c, p, m: exports.record_export(c.s, p, kind="test", target="matrix", details={}),
        CONFIDENTIAL_LISTS,
    ),
    "exports.area_map.get_area_layer": Row(
        lambda c, p, m: exports.get_area_layer(
            c.s, p, areas.AreaFilter(municipality_ids=(m,)), config=TEST_CONFIG
        ),
        CONFIDENTIAL,
    ),
    "exports.area_map.get_area_map_data": Row(
        lambda c, p, m: exports.get_area_map_data(
            c.s, p, areas.AreaFilter(municipality_ids=(m,)), config=TEST_CONFIG
        ),
        CONFIDENTIAL,
    ),
    "exports.area_map.get_area_table": Row(
        lambda c, p, m: exports.get_area_table(
            c.s, p, areas.AreaFilter(municipality_ids=(m,)), config=TEST_CONFIG
        ),
        CONFIDENTIAL,
    ),
    "exports.cluster_map.get_cluster_map_data": Row(
        lambda c, p, m: exports.get_cluster_map_data(c.s, p, c.cluster(), config=TEST_CONFIG),
        CONFIDENTIAL_LISTS,
        lambda c, p, m, r: _cluster_entries_scoped(p, r.overview),
    ),
    "exports.cluster_map.get_cluster_tables": Row(
        lambda c, p, m: exports.get_cluster_tables(c.s, p, c.cluster(), config=TEST_CONFIG),
        CONFIDENTIAL_LISTS,
        lambda c, p, m, r: _cluster_table_scoped(c, p, r),
    ),
    "exports.indicator_map.get_snapshot_data": Row(
        lambda c, p, m: exports.get_snapshot_data(
            c.s, p, exports.SnapshotParams(*c.indicator()), config=TEST_CONFIG
        ),
        CONFIDENTIAL_LISTS,
    ),
    "exports.provenance.export_context": Row(
        lambda c, p, m: exports.provenance.export_context(c.s, p, TEST_CONFIG),
        CONFIDENTIAL_LISTS,
    ),
    "exports.provenance.require_export": Row(
        lambda c, p, m: exports.provenance.require_export(p), CONFIDENTIAL_LISTS
    ),
    "exports.report.get_report_data": Row(
        lambda c, p, m: exports.get_report_data(c.s, p, m, config=TEST_CONFIG),
        CONFIDENTIAL_LISTS,  # foreign municipality: public profile only (checked)
        lambda c, p, m, r: _export_report_scoped(p, m, r),
    ),
    "exports.report.list_report_targets": Row(
        lambda c, p, m: exports.list_report_targets(c.s, p), DISTRICT_READERS
    ),
    "exports.tables.get_kenndaten_tables": Row(
        lambda c, p, m: exports.get_kenndaten_tables(c.s, p, m, config=TEST_CONFIG), CONFIDENTIAL
    ),
    "exports.tables.get_kpi_table": Row(
        lambda c, p, m: exports.get_kpi_table(c.s, p, m, config=TEST_CONFIG), CONFIDENTIAL_LISTS
    ),
    "exports.tables.get_map_layer": Row(
        lambda c, p, m: exports.get_map_layer(
            c.s, p, exports.SnapshotParams(*c.indicator()), config=TEST_CONFIG
        ),
        CONFIDENTIAL_LISTS,
    ),
    "exports.tables.get_map_table": Row(
        lambda c, p, m: exports.get_map_table(
            c.s, p, exports.SnapshotParams(*c.indicator()), config=TEST_CONFIG
        ),
        CONFIDENTIAL_LISTS,
    ),
    # ---- importing
    "importing.boundaries.import_boundaries": Row(
        lambda c, p, m: importing.boundaries.import_boundaries(
            c.s, p, c.tmp / "fehlt.gpkg", "14626", config=TEST_CONFIG
        ),
        EDITORS,
    ),
    "importing.indicators.import_indicators": Row(
        lambda c, p, m: importing.indicators.import_indicators(c.s, p, c.tmp / "fehlt.csv"), EDITORS
    ),
    # ---- jobs (background jobs: owner or Admin; the result only the owner with its rights)
    "jobs.cancel_job": Row(
        lambda c, p, m: jobs.cancel_job(c.s, p, c.job(), TEST_CONFIG),
        expect(NONE, BOTH, NONE, BOTH),
    ),
    "jobs.create_job": Row(
        lambda c, p, m: jobs.create_job(c.s, p, kind="steckbriefe", scope="Matrix", total=1),
        DISTRICT_READERS,
    ),
    "jobs.get_job": Row(
        lambda c, p, m: jobs.get_job(c.s, p, c.job(), TEST_CONFIG),
        expect(NONE, BOTH, NONE, BOTH),
    ),
    "jobs.list_jobs": Row(
        lambda c, p, m: jobs.list_jobs(c.s, p, TEST_CONFIG), EVERYONE, _own_jobs_only
    ),
    "jobs.result_file": Row(
        lambda c, p, m: jobs.result_file(c.s, p, c.job(), TEST_CONFIG),
        expect(NONE, BOTH, NONE, NONE),
    ),
    # ---- kenndaten
    "kenndaten.clusters.cluster_overview": Row(
        lambda c, p, m: kenndaten.clusters.cluster_overview(c.s, p, c.cluster()), VIEWERS_FILTERED
    ),
    "kenndaten.writes.delete_item": Row(
        lambda c, p, m: kenndaten.writes.delete_item(c.s, p, m, "contacts", *c.contact(m)), EDITORS
    ),
    "kenndaten.history.item_history": Row(
        lambda c, p, m: kenndaten.history.item_history(c.s, p, m, "contacts", c.contact(m)[0]),
        CONFIDENTIAL,
    ),
    "kenndaten.reads.list_kenndaten": Row(
        lambda c, p, m: kenndaten.reads.list_kenndaten(c.s, p, m), CONFIDENTIAL
    ),
    "kenndaten.history.municipality_history": Row(
        lambda c, p, m: kenndaten.history.municipality_history(c.s, p, m), CONFIDENTIAL
    ),
    "kenndaten.writes.save_item": Row(
        lambda c, p, m: kenndaten.writes.save_item(
            c.s, p, m, "contacts", None, {"name": "Erika Matrix"}, None
        ),
        EDITORS,
    ),
    # ---- maps (public statistics; values filtered by indicator visibility)
    "maps.get_choropleth_values": Row(
        lambda c, p, m: maps.get_choropleth_values(c.s, p, *c.indicator()), EVERYONE
    ),
    "maps.get_display_geometry": Row(lambda c, p, m: maps.get_display_geometry(c.s, p), EVERYONE),
    "maps.get_district_kpis": Row(
        lambda c, p, m: maps.get_district_kpis(c.s, p, *c.indicator()), EVERYONE
    ),
    "maps.get_district_name": Row(
        lambda c, p, m: maps.get_district_name(c.s, p, "14626"), EVERYONE
    ),
    "maps.get_ranking": Row(lambda c, p, m: maps.get_ranking(c.s, p, *c.indicator()), EVERYONE),
    "maps.list_indicators": Row(lambda c, p, m: maps.list_indicators(c.s, p), EVERYONE),
    # ---- municipalities (choice lists, scoped: a Kommune user gets its own only)
    "municipalities.municipality_choices": Row(
        lambda c, p, m: municipalities.municipality_choices(c.s, p),
        VIEWERS_FILTERED,
        lambda c, p, m, result: _own_choices_only(p, result),
    ),
    # ---- profile (public profile of any municipality)
    "profile.get_profile": Row(
        lambda c, p, m: profile.get_profile(c.s, p, m, config=TEST_CONFIG), EVERYONE
    ),
    "profile.municipality_id_for_ags": Row(
        lambda c, p, m: profile.municipality_id_for_ags(c.s, p, c.ags(m)), EVERYONE
    ),
    # ---- users
    "users.assign_municipalities": Row(
        lambda c, p, m: users.assign_municipalities(c.s, p, c.kommune_user(m), [m]), ADMIN_ONLY
    ),
    "users.change_password": Row(
        lambda c, p, m: users.change_password(
            c.s,
            p,
            current_password=PASSWORDS[p.username],
            new_password="Ganz-neues-Matrix-Kennwort",
        ),
        EVERYONE,
    ),
    "users.create_user": Row(
        lambda c, p, m: users.create_user(
            c.s,
            p,
            username="matrix.neu",
            password="Matrix-Kennwort-2026",
            role=Role.KOMMUNE,
            municipality_ids=[m],
        ),
        ADMIN_ONLY,
    ),
    "users.deactivate": Row(
        lambda c, p, m: users.deactivate(c.s, p, c.kommune_user(m)), ADMIN_ONLY
    ),
    "users.end_sessions": Row(lambda c, p, m: users.end_sessions(c.s, p), EVERYONE),
    "users.find_user_id": Row(lambda c, p, m: users.find_user_id(c.s, p, "kreis"), ADMIN_ONLY),
    "users.get_user": Row(lambda c, p, m: users.get_user(c.s, p, c.kommune_user(m)), ADMIN_ONLY),
    "users.list_assignable_municipalities": Row(
        lambda c, p, m: users.list_assignable_municipalities(c.s, p), ADMIN_ONLY
    ),
    "users.list_users": Row(lambda c, p, m: users.list_users(c.s, p), ADMIN_ONLY),
    "users.municipality_ids_for_ags": Row(
        lambda c, p, m: users.municipality_ids_for_ags(c.s, p, [c.ags(m)]), ADMIN_ONLY
    ),
    "users.reactivate": Row(lambda c, p, m: users.reactivate(c.s, p, _new_user(c, m)), ADMIN_ONLY),
    "users.reset_password": Row(
        lambda c, p, m: users.reset_password(c.s, p, c.kommune_user(m)), ADMIN_ONLY
    ),
    "users.set_role": Row(
        lambda c, p, m: users.set_role(c.s, p, c.kommune_user(m), Role.ANALYSE), ADMIN_ONLY
    ),
}

NOT_IN_MATRIX: dict[str, str] = {
    "authz.indicator_scope": "the authorization point itself (unit-tested with the roles)",
    "authz.job_clause": "the authorization point itself (rows jobs.*)",
    "authz.may_job": "the authorization point itself (rows jobs.*)",
    "authz.require_job": "the authorization point itself (rows jobs.*)",
    "authz.may": "the authorization point itself",
    "authz.require": "the authorization point itself",
    "authz.scope_for": "the authorization point itself",
    "authz.visible_indicator_visibilities": "the authorization point itself",
    "areas.access.area_scope": "the principal's area Scope (authz.scope_for); applied by "
    "every area query",
    "areas.editing.append_version": "helper on an already authorized, loaded AreaPotential",
    "areas.editing.change_area": "helper on an already authorized, loaded AreaPotential",
    "areas.editing.mark_confirmed": "helper on an already authorized, loaded AreaPotential",
    "areas.editing.mark_deleted": "helper on an already authorized, loaded AreaPotential",
    "areas.editing.new_area": "helper of create_area / survey / review after their check",
    "areas.exchange.apply_import": "needs an UploadedLayer; covered via preview_import's check",
    "areas.exchange.preview_import": "needs an UploadedLayer; authorization tested in "
    "tests/services/test_area_exchange*.py",
}


def service_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of ``cockpit.services.*`` (modules of packages included, e.g.
    ``exports.indicator_map.get_snapshot_data``) that takes a ``principal``."""
    prefix = "cockpit.services."
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.walk_packages(cockpit.services.__path__, prefix):
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            if "principal" in inspect.signature(function).parameters:
                found[f"{info.name.removeprefix(prefix)}.{name}"] = function
    return found


def test_every_service_function_has_a_row() -> None:
    functions = set(service_functions())
    missing = sorted(functions - set(MATRIX) - set(NOT_IN_MATRIX))
    assert not missing, (
        "service functions without a row in tests/services/test_authz_matrix.py "
        f"(add one to MATRIX, or to NOT_IN_MATRIX with the reason): {missing}"
    )
    stale = sorted((set(MATRIX) | set(NOT_IN_MATRIX)) - functions)
    assert not stale, f"rows for functions that no longer exist: {stale}"
    assert not set(MATRIX) & set(NOT_IN_MATRIX)


CASES = [
    pytest.param(name, role, column, id=f"{name}-{role.value}-{column}")
    for name in sorted(MATRIX)
    for role in Role
    for column in ("own", "foreign")
]


@pytest.fixture
def demo_session(demo_url: str) -> Iterator[Session]:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "role", "column"), CASES)
def test_authorization_matrix(
    demo_session: Session, tmp_path: Path, name: str, role: Role, column: str
) -> None:
    row = MATRIX[name]
    ctx = Ctx(demo_session, tmp_path)
    user = demo_session.scalar(select(User).where(User.username == ROLE_USERNAMES[role]))
    assert user is not None
    principal = user.to_principal()
    ags = GOERLITZ_AGS if column == "own" else ZITTAU_AGS
    municipality_id = demo_session.scalar(select(Municipality.id).where(Municipality.ags == ags))
    assert municipality_id is not None
    if role is Role.KOMMUNE:
        assert (municipality_id in principal.municipality_ids) == (column == "own")
    wanted = row.expected[role][0 if column == "own" else 1]
    try:
        result = row.call(ctx, principal, municipality_id)
    except AccessDeniedError:
        outcome = NO
    except NotFoundError as error:
        pytest.fail(f"{name}: NotFoundError ({error}) - the row's set-up is wrong")
    except CockpitError:
        outcome = OK  # rejected input after the authorization check
        result = None
    else:
        outcome = OK
    demo_session.rollback()
    assert outcome == wanted, f"{name} as {role.value} on {column} municipality: {outcome}"
    if outcome == OK and row.check is not None and result is not None:
        row.check(ctx, principal, municipality_id, result)
