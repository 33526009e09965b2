"""The demo data set: generated Kenndaten, indicators, areas, proposals and users.

Most tests read one generated database (built once per module from the real VG250
boundaries, without the importers) and check its invariants; the ``load_demo`` tests run the
whole thing, with the importers, on SQLite and on PostGIS.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.demo import (
    DEMO_SOURCE,
    DEMO_USERS,
    INDICATOR_FILE,
    DemoRefusedError,
    apportion,
    council_size,
    generate_demo_content,
    has_demo_content,
    load_demo,
    read_population,
    slugify,
)
from cockpit.domain.errors import ImportRejectedError, ValidationError
from cockpit.domain.roles import Role
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    InvestmentKind,
    MunicipalityKind,
    ReviewState,
    Visibility,
)
from cockpit.models import (
    AreaPotential,
    AreaProposal,
    AreaVersion,
    AuditLog,
    ClusterFocus,
    ContactPerson,
    CouncilSeat,
    District,
    FocusActor,
    Indicator,
    IndicatorValue,
    InvestmentItem,
    Membership,
    MunicipalEnterprise,
    Municipality,
    StaffCount,
    ThemeCluster,
    User,
)
from cockpit.services import authz, users
from cockpit.services.areas import review as area_review
from cockpit.settings import Settings
from layers.crs import area_ha, metric_to_web, to_metric
from layers.geometry import to_multipolygon
from tests.config_support import TEST_CONFIG, TEST_METRIC_CRS

TODAY = dt.date(2026, 11, 22)
GOERLITZ, ZITTAU = "14626110", "14626610"
KENNDATEN_MODELS = (
    ContactPerson,
    StaffCount,
    InvestmentItem,
    MunicipalEnterprise,
    Membership,
    CouncilSeat,
    ClusterFocus,
)


def _seed_municipalities(session: Session, data_dir: Path) -> list[Municipality]:
    """The 53 real municipalities (VG250 2016, EPSG:25833) without the importers."""
    frame = to_metric(
        gpd.read_file(data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg"), TEST_METRIC_CRS
    )
    district = District(ags="14626", name="Landkreis Görlitz")
    session.add(district)
    municipalities = [
        Municipality(
            district=district,
            ags=row.AGS,
            ars=row.ARS,
            name=row.GEN,
            kind=MunicipalityKind(row.BEZ),
            boundary=to_multipolygon(row.geometry),
            area_km2=row.geometry.area / 1e6,
        )
        for row in frame.itertuples()
    ]
    session.add_all(municipalities)
    session.commit()
    return municipalities


def _generate(url: str, data_dir: Path, seed: int) -> float:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            municipalities = _seed_municipalities(session, data_dir)
            population = read_population(data_dir / INDICATOR_FILE)
            started = time.perf_counter()
            generate_demo_content(
                session, municipalities, population, config=TEST_CONFIG, seed=seed, today=TODAY
            )
            session.commit()
            return time.perf_counter() - started
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def generated_url(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> str:
    path = tmp_path_factory.mktemp("demo_generated") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    seconds = _generate(url, data_dir, seed=2026)
    assert seconds < 10, f"generation took {seconds:.1f} s"
    return url


@pytest.fixture
def gen(generated_url: str) -> Iterator[Session]:
    engine = make_engine(generated_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="module")
def population(data_dir: Path) -> dict[str, int]:
    return read_population(data_dir / INDICATOR_FILE)


def _area_rows(session: Session) -> list[tuple[str, str, str, float, str]]:
    stmt = (
        select(Municipality.ags, AreaPotential.name, AreaPotential.kind, AreaPotential.area_ha)
        .add_columns(AreaPotential.geom)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .order_by(Municipality.ags, AreaPotential.id)
    )
    return [(r[0], r[1], r[2].value, r[3], r[4].wkt) for r in session.execute(stmt)]


# --------------------------------------------------------------------------- pure helpers


def test_council_size_follows_saxon_municipal_code() -> None:
    assert council_size(500) == 8
    assert council_size(501) == 10
    assert council_size(1_089) == 12
    assert council_size(5_001) == 18
    assert council_size(25_585) == 26  # Zittau
    assert council_size(54_664) == 38  # Görlitz
    assert council_size(500_000) == 60


def test_apportion_distributes_every_seat() -> None:
    assert apportion([50, 30, 20], 10) == [5, 3, 2]
    assert sum(apportion([28.1, 24.7, 6.2, 3.3, 17.9], 22)) == 22
    assert apportion([1, 1, 1], 2) == [1, 1, 0]


def test_slugify_makes_ascii_mail_domains() -> None:
    assert slugify("Weißwasser/O.L.") == "weisswasser-o-l"
    assert slugify("Görlitz") == "goerlitz"
    assert slugify("René") == "rene"


# --------------------------------------------------------------------------- generated data


def test_every_generated_row_is_flagged_demo(gen: Session) -> None:
    for model in (*KENNDATEN_MODELS, AreaPotential, AreaProposal, User):
        total = gen.scalar(select(func.count()).select_from(model))
        flagged = gen.scalar(select(func.count()).select_from(model).where(model.is_demo))
        assert total and total == flagged, model.__name__
    for model in KENNDATEN_MODELS:
        sources = set(gen.scalars(select(model.source).distinct()))
        assert sources == {DEMO_SOURCE}, model.__name__
    indicators = gen.scalars(select(Indicator)).all()
    assert {i.key for i in indicators} == {"investitionsrueckstand_je_ew", "foerderbedarf_index"}
    assert all(i.is_demo and i.source == DEMO_SOURCE for i in indicators)
    assert (
        gen.scalar(select(func.count()).select_from(IndicatorValue).where(~IndicatorValue.is_demo))
        == 0
    )
    actors = gen.scalars(select(FocusActor.name)).all()
    assert actors and all(name.endswith("(Demo)") for name in actors)


def test_contacts_staff_and_investments_are_plausible(
    gen: Session, population: dict[str, int]
) -> None:
    municipalities = gen.scalars(select(Municipality)).all()
    assert len(municipalities) == 53
    for m in municipalities:
        contacts = gen.scalars(
            select(ContactPerson).where(ContactPerson.municipality_id == m.id)
        ).all()
        assert 1 <= len(contacts) <= 3
        assert contacts[0].function.startswith(("Bürgermeister", "Oberbürgermeister"))
        for c in contacts:
            assert re.fullmatch(r"035\d{2,3} \d{5,6}", c.phone), c.phone
            assert len(c.phone.replace(" ", "")) == 11
            assert c.email.endswith(f"@{slugify(m.name)}.de")
            assert re.fullmatch(r"[a-z-]+\.[a-z-]+@[a-z0-9.-]+", c.email), c.email
        staff = gen.scalars(
            select(StaffCount).where(StaffCount.municipality_id == m.id).order_by(StaffCount.year)
        ).all()
        assert [s.year for s in staff] == list(range(2019, 2025))
        for s in staff:
            per_thousand = s.headcount / population[m.ags] * 1000
            assert s.headcount == 3 or 3.5 <= per_thousand <= 9.0, (m.name, per_thousand)
            assert s.full_time_equivalent is not None and s.full_time_equivalent <= s.headcount
        items = gen.scalars(
            select(InvestmentItem).where(InvestmentItem.municipality_id == m.id)
        ).all()
        backlog = [i for i in items if i.kind is InvestmentKind.BACKLOG]
        planned = [i for i in items if i.kind is InvestmentKind.PLANNED]
        assert 5 <= len(backlog) <= 9 and planned
        assert all(2024 <= i.year <= 2028 and i.amount_eur >= 5_000 for i in items)
        enterprises = gen.scalar(
            select(func.count()).where(MunicipalEnterprise.municipality_id == m.id)
        )
        assert enterprises is not None and 0 <= enterprises <= 4
        memberships = gen.scalars(
            select(Membership.name).where(Membership.municipality_id == m.id)
        ).all()
        assert any("ZVON" in name for name in memberships)
        assert any(name.startswith("LEADER-Region") for name in memberships)
    goerlitz = gen.scalar(select(Municipality).where(Municipality.ags == GOERLITZ))
    assert goerlitz is not None
    enterprise_names = gen.scalars(
        select(MunicipalEnterprise.name).where(MunicipalEnterprise.municipality_id == goerlitz.id)
    ).all()
    assert "Stadtwerke Görlitz GmbH" in enterprise_names


def test_council_seats_match_the_saxon_table(gen: Session, population: dict[str, int]) -> None:
    rows = gen.execute(
        select(Municipality.ags, func.sum(CouncilSeat.seats), func.count(CouncilSeat.id))
        .join(CouncilSeat, CouncilSeat.municipality_id == Municipality.id)
        .group_by(Municipality.ags)
    ).all()
    assert len(rows) == 53
    for ags, seats, lists in rows:
        assert seats == council_size(population[ags]), ags
        assert lists >= 2
    dates = set(gen.scalars(select(CouncilSeat.election_date).distinct()))
    assert dates == {dt.date(2024, 6, 9)}
    parties = set(gen.scalars(select(CouncilSeat.party).distinct()))
    assert {"CDU", "AfD"} <= parties
    assert any(
        p.startswith(("Wählervereinigung", "Bürgerbündnis", "Freie Bürger")) for p in parties
    )


def test_theme_cluster_catalogue_and_foci(gen: Session) -> None:
    names = set(gen.scalars(select(ThemeCluster.name)))
    assert {"Energie", "Tourismus", "Gesundheit", "Bau- und Holzwirtschaft", "Mobilität"} <= names
    assert "Forschung und Wissenschaft" in names
    per_municipality = Counter(gen.scalars(select(ClusterFocus.municipality_id)))
    assert len(per_municipality) == 53
    assert all(1 <= n <= 3 for n in per_municipality.values())
    actors_per_focus = Counter(gen.scalars(select(FocusActor.focus_id)))
    assert len(actors_per_focus) == sum(per_municipality.values())
    assert all(1 <= n <= 3 for n in actors_per_focus.values())


def test_demo_indicators_demonstrate_visibility(gen: Session, population: dict[str, int]) -> None:
    backlog = gen.scalar(select(Indicator).where(Indicator.key == "investitionsrueckstand_je_ew"))
    need = gen.scalar(select(Indicator).where(Indicator.key == "foerderbedarf_index"))
    assert backlog is not None and need is not None
    assert backlog.visibility is Visibility.OWN_MUNICIPALITY and backlog.category == "Finanzen"
    assert need.visibility is Visibility.DISTRICT_INTERNAL
    for indicator in (backlog, need):
        years = Counter(
            gen.scalars(
                select(IndicatorValue.year).where(IndicatorValue.indicator_id == indicator.id)
            )
        )
        assert years == {2022: 53, 2023: 53, 2024: 53}
    levels = set(
        gen.scalars(select(IndicatorValue.value).where(IndicatorValue.indicator_id == need.id))
    )
    assert levels <= {1.0, 2.0, 3.0, 4.0, 5.0} and len(levels) >= 3
    # 2024 value = generated backlog / population
    for ags, total, value in gen.execute(
        select(Municipality.ags, func.sum(InvestmentItem.amount_eur), IndicatorValue.value)
        .join(InvestmentItem, InvestmentItem.municipality_id == Municipality.id)
        .join(IndicatorValue, IndicatorValue.municipality_id == Municipality.id)
        .where(
            InvestmentItem.kind == InvestmentKind.BACKLOG,
            IndicatorValue.indicator_id == backlog.id,
            IndicatorValue.year == 2024,
        )
        .group_by(Municipality.ags, IndicatorValue.value)
    ):
        assert value == pytest.approx(total / population[ags], abs=0.01)


def test_areas_lie_inside_their_municipality_without_overlaps(gen: Session) -> None:
    boundaries = {m.id: m.boundary for m in gen.scalars(select(Municipality))}
    areas = gen.scalars(select(AreaPotential)).all()
    per_municipality = Counter(a.municipality_id for a in areas)
    assert len(per_municipality) == 53
    assert all(3 <= n <= 8 for n in per_municipality.values())
    assert 150 <= len(areas) <= 53 * 8
    limits = {
        AreaKind.GEWERBE: (0.5, 15.0),
        AreaKind.INDUSTRIE: (3.0, 60.0),
        AreaKind.BRACHE: (0.3, 25.0),
    }
    for area in areas:
        assert area.geom.is_valid and area.geom.geom_type == "MultiPolygon"
        assert boundaries[area.municipality_id].buffer(0.01).covers(area.geom), area.name
        assert area.area_ha == pytest.approx(area_ha(area.geom, "EPSG:25833"), abs=1e-3)
        low, high = limits[area.kind]
        assert 0.3 * low <= area.area_ha <= high, (area.kind, area.area_ha)
        assert area.net_area_ha is not None and area.net_area_ha < area.area_ha
        min_lon, min_lat, max_lon, max_lat = metric_to_web(area.geom, TEST_METRIC_CRS).bounds
        assert (area.min_lon, area.min_lat, area.max_lon, area.max_lat) == pytest.approx(
            (min_lon, min_lat, max_lon, max_lat), abs=1e-7
        )
        assert 14.4 < area.min_lon < area.max_lon < 15.1 and 50.8 < area.min_lat < 51.6
        assert set(area.servicing) <= set(SERVICING_OPTIONS)
        assert set(area.obstacles) <= set(OBSTACLE_OPTIONS)
    geoms = [a.geom for a in areas]
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert [(i, j) for i, j in zip(left, right, strict=True) if i != j] == []
    names = Counter((a.municipality_id, a.name) for a in areas)
    assert max(names.values()) == 1
    geoportal_ids = [a.geoportal_id for a in areas if a.geoportal_id]
    assert len(geoportal_ids) > len(areas) / 2 and len(set(geoportal_ids)) == len(geoportal_ids)
    assert all(re.fullmatch(r"GP-14626-\d{4}", g) for g in geoportal_ids)
    assert any(a.kwis_id for a in areas)


def test_area_currency_states_and_version_history(gen: Session) -> None:
    areas = gen.scalars(select(AreaPotential)).all()
    states: Counter[str] = Counter()
    for area in areas:
        if area.is_deleted:
            assert area.deleted_at is not None
            states["deleted"] += 1
        elif area.last_confirmed_at is None:
            states["never"] += 1
        elif (TODAY - area.last_confirmed_at).days > 365:
            states["stale"] += 1
        else:
            states["current"] += 1
        versions = gen.scalars(
            select(AreaVersion).where(AreaVersion.area_id == area.id).order_by(AreaVersion.version)
        ).all()
        assert [v.version for v in versions] == list(range(1, len(versions) + 1))
        assert area.version == versions[-1].version
        assert versions[0].action in ("import", "create")
        assert all(a.valid_from <= b.valid_from for a, b in itertools.pairwise(versions))
        latest = versions[-1].attributes
        assert latest["status"] == area.status.value and latest["name"] == area.name
        assert latest["is_deleted"] is area.is_deleted
        assert latest["last_confirmed_at"] == (
            area.last_confirmed_at.isoformat() if area.last_confirmed_at else None
        )
        if area.is_deleted:
            assert versions[-1].action == "delete"
    assert states["current"] >= 50 and states["stale"] >= 10
    assert states["never"] >= 5 and states["deleted"] >= 2
    assert gen.scalar(select(func.count()).where(AreaVersion.action == "update")) > 0


def test_proposals_of_kommune_users(gen: Session) -> None:
    by_state = Counter(gen.scalars(select(AreaProposal.state)))
    assert by_state[ReviewState.OPEN] >= 4
    assert by_state[ReviewState.ACCEPTED] == 1 and by_state[ReviewState.REJECTED] == 1
    for proposal in gen.scalars(select(AreaProposal)):
        proposer = gen.get(User, proposal.proposed_by_id) if proposal.proposed_by_id else None
        assert proposer is not None and proposer.role is Role.KOMMUNE
        assert proposal.municipality_id in {m.id for m in proposer.municipalities}
        if proposal.area_id is None:
            assert proposal.geom is not None and proposal.attributes["name"]
        else:
            area = gen.get(AreaPotential, proposal.area_id)
            assert area is not None and area.municipality_id == proposal.municipality_id
            if proposal.state is ReviewState.OPEN:
                assert proposal.base_version == area.version
        if proposal.state is not ReviewState.OPEN:
            assert proposal.reviewed_by_id is not None and proposal.reviewed_at is not None
            assert proposal.review_reason
    open_new = gen.scalars(
        select(AreaProposal).where(
            AreaProposal.state == ReviewState.OPEN, AreaProposal.area_id.is_(None)
        )
    ).all()
    assert open_new
    areas = [a.geom for a in gen.scalars(select(AreaPotential))]
    for proposal in open_new:
        assert proposal.geom is not None
        assert not any(proposal.geom.intersects(other) for other in areas)


def test_demo_users_per_role_can_log_in(gen: Session) -> None:
    accounts = {u.username: u for u in gen.scalars(select(User))}
    assert set(accounts) == {spec.username for spec in DEMO_USERS}
    assert {u.role for u in accounts.values()} == set(Role)
    assert [m.ags for m in accounts["kommune.goerlitz"].municipalities] == [GOERLITZ]
    assert [m.ags for m in accounts["kommune.zittau"].municipalities] == [ZITTAU]
    assert all(u.is_demo and u.is_active for u in accounts.values())
    for spec in DEMO_USERS:
        assert len(spec.password) >= 12
        principal = users.authenticate(gen, spec.username, spec.password, ip="127.0.0.1")
        assert principal is not None and principal.role is spec.role
    assert gen.scalar(select(func.count()).where(AuditLog.action == "user_created")) == 5


def test_generation_is_deterministic_for_a_seed(
    generated_url: str, sqlite_url: str, tmp_path: Path, sqlite_template: Path, data_dir: Path
) -> None:
    _generate(sqlite_url, data_dir, seed=2026)
    other = tmp_path / "other.sqlite"
    shutil.copy(sqlite_template, other)
    _generate(f"sqlite:///{other}", data_dir, seed=7)
    rows = {}
    for name, url in (
        ("first", generated_url),
        ("again", sqlite_url),
        ("other", f"sqlite:///{other}"),
    ):
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            rows[name] = _area_rows(session)
        engine.dispose()
    assert rows["first"] == rows["again"]
    assert rows["first"] != rows["other"]


def test_missing_population_is_refused_and_nothing_written(
    session: Session, data_dir: Path
) -> None:
    municipalities = _seed_municipalities(session, data_dir)
    population = read_population(data_dir / INDICATOR_FILE)
    del population[GOERLITZ]
    with pytest.raises(ValidationError) as caught:
        generate_demo_content(
            session, municipalities, population, config=TEST_CONFIG, seed=1, today=TODAY
        )
    assert "Görlitz (14626110)" in caught.value.user_message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User)) == 0
    assert not has_demo_content(session)


def test_read_population_names_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "kennzahlen.csv"
    path.write_text("AGS,EWZ_2022\n14626110,54664\n14626610,viele\n", encoding="utf-8")
    with pytest.raises(ImportRejectedError) as caught:
        read_population(path)
    assert "kennzahlen.csv" in caught.value.user_message
    assert "Zeile 3" in caught.value.user_message
    with pytest.raises(ImportRejectedError):
        read_population(tmp_path / "fehlt.csv")


# --------------------------------------------------------------------------- load_demo


def _population_of(session: Session, ags: str) -> float | None:
    """The imported Zensus 2022 population (indicator ``bevoelkerung``) of one municipality."""
    return session.scalar(
        select(IndicatorValue.value)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .join(Municipality, Municipality.id == IndicatorValue.municipality_id)
        .where(
            Municipality.ags == ags, Indicator.key == "bevoelkerung", IndicatorValue.year == 2022
        )
    )


def _check_loaded(session: Session, seconds: float) -> None:
    municipalities = session.scalars(select(Municipality)).all()
    assert len(municipalities) == 53
    assert _population_of(session, GOERLITZ) == 54_664
    assert has_demo_content(session)
    assert session.scalar(select(func.count()).select_from(AreaPotential)) >= 150
    assert session.scalar(select(func.count()).select_from(User)) == 5
    assert seconds < 20, f"load_demo took {seconds:.1f} s"


def test_load_demo_on_sqlite(sqlite_url: str, data_dir: Path) -> None:
    engine = make_engine(sqlite_url)
    try:
        with make_session_factory(engine)() as session:
            report = load_demo(session, data_dir, config=TEST_CONFIG, seed=2026, today=TODAY)
            assert report.municipalities == 53
            assert report.counts["area_potential"] >= 150
            _check_loaded(session, report.seconds)
            before = session.scalar(select(func.count()).select_from(AreaPotential))
            with pytest.raises(DemoRefusedError) as caught:
                load_demo(session, data_dir, config=TEST_CONFIG, seed=2026, today=TODAY)
            assert "bereits Demo-Daten" in caught.value.user_message
            assert session.scalar(select(func.count()).select_from(AreaPotential)) == before
    finally:
        engine.dispose()


@pytest.mark.db
def test_load_demo_on_postgis(pg_url: str, data_dir: Path) -> None:
    engine = make_engine(pg_url)
    try:
        with make_session_factory(engine)() as session:
            report = load_demo(session, data_dir, config=TEST_CONFIG, seed=2026, today=TODAY)
            _check_loaded(session, report.seconds)
            # PostGIS itself confirms: every area inside its municipality, no overlaps.
            outside = session.scalar(
                text(
                    "SELECT count(*) FROM area_potential a JOIN municipality m "
                    "ON m.id = a.municipality_id "
                    "WHERE NOT ST_CoveredBy(a.geom, ST_Buffer(m.boundary, 0.01))"
                )
            )
            overlapping = session.scalar(
                text(
                    "SELECT count(*) FROM area_potential a JOIN area_potential b "
                    "ON a.id < b.id AND ST_Intersects(a.geom, b.geom)"
                )
            )
            srids = set(session.scalars(text("SELECT DISTINCT ST_SRID(geom) FROM area_potential")))
            assert outside == 0 and overlapping == 0 and srids == {25833}
            mismatched = session.scalar(
                text(
                    "SELECT count(*) FROM area_potential a WHERE a.version <> "
                    "(SELECT max(v.version) FROM area_version v WHERE v.area_id = a.id)"
                )
            )
            assert mismatched == 0
    finally:
        engine.dispose()


def test_load_demo_refuses_missing_data_dir(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ImportRejectedError) as caught:
        load_demo(session, tmp_path, config=TEST_CONFIG, seed=2026)
    assert "lk_goerlitz_gemeinden_vg250_2016.gpkg" in caught.value.user_message
    assert session.scalar(select(func.count()).select_from(Municipality)) == 0


def test_demo_fixture_makes_visibility_rules_demonstrable(demo_settings: Settings) -> None:
    engine = make_engine(demo_settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Municipality)) == 53
            accounts = {u.username: u.to_principal() for u in session.scalars(select(User))}
            goerlitz_id = session.scalar(
                select(Municipality.id).where(Municipality.ags == GOERLITZ)
            )
            assert goerlitz_id is not None
            kommune, analyse = accounts["kommune.goerlitz"], accounts["analyse"]
            own = authz.indicator_scope(kommune, Visibility.OWN_MUNICIPALITY)
            assert own.allows(goerlitz_id) and not own.all_municipalities
            assert own.municipality_ids == {goerlitz_id}
            assert authz.indicator_scope(kommune, Visibility.DISTRICT_INTERNAL).is_empty
            assert authz.indicator_scope(analyse, Visibility.DISTRICT_INTERNAL).all_municipalities
            backlog = session.scalar(
                select(Indicator.id).where(Indicator.key == "investitionsrueckstand_je_ew")
            )
            visible = session.scalars(
                own.apply(
                    select(IndicatorValue.municipality_id).where(
                        IndicatorValue.indicator_id == backlog
                    ),
                    IndicatorValue.municipality_id,
                )
            ).all()
            assert set(visible) == {goerlitz_id} and len(visible) == 3
    finally:
        engine.dispose()


def test_open_demo_proposals_can_be_reviewed_and_accepted(demo_url: str) -> None:
    """The generated proposals fit the review service (versions, attributes, geometry)."""
    engine = make_engine(demo_url)
    try:
        with make_session_factory(engine)() as session:
            kreis = session.scalars(select(User).where(User.username == "kreis")).one()
            principal = kreis.to_principal()
            proposals = area_review.list_proposals(session, principal)
            assert len(proposals) >= 4
            assert {p.kind for p in proposals} == {"new", "correction"}
            for proposal in proposals:
                review = area_review.get_proposal_review(
                    session, principal, proposal.id, config=TEST_CONFIG
                )
                assert not review.outdated
                result = area_review.accept_proposal(
                    session, principal, proposal.id, config=TEST_CONFIG
                )
                assert result.area_ha > 0 and not result.warnings
            assert area_review.list_proposals(session, principal) == []
    finally:
        engine.dispose()
