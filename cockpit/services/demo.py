"""The demo data set: real data of Landkreis Görlitz plus generated, clearly flagged demo data.

:func:`load_demo` imports the REAL boundaries (VG250 2016) and indicators (Zensus 2022,
INKAR) with the importers, then :func:`generate_demo_content` adds plausible, invented
records for every municipality: Kenndaten, two demo indicators (visibility
``own_municipality`` and ``district_internal``), area potentials with their version history,
proposals of Kommune users, and one demo user per role. Every generated record carries
``is_demo=True`` and the source ``"Demo-Daten (generiert)"``; the UI shows it as "Demo-Daten".

Generation is deterministic for a seed: every topic of every municipality draws from its own
``random.Random(f"{seed}:{topic}:{ags}")`` (no global random state), so adding a topic or a
municipality does not change the others. Only dates depend on ``today``.

Demo passwords (fixed, documented, for demonstrations only -- never use them productively;
they must not contain the user name, so "Demo-Kreis-…" is not possible for ``kreis``):
``kreis`` / ``Demo-Redaktion-2026!``, ``analyse`` / ``Demo-Auswertung-2026!``, ``admin`` /
``Demo-Verwaltung-2026!``, ``kommune.goerlitz`` / ``Demo-Goerlitz-2026!``, ``kommune.zittau`` /
``Demo-Zittau-2026!``.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import math
import random
import re
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from cockpit.domain.errors import ImportRejectedError, ValidationError
from cockpit.domain.roles import SYSTEM, Permission, Role
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    FocusKind,
    InvestmentKind,
    MembershipKind,
    MunicipalityKind,
    Ownership,
    PlanningStatus,
    ReviewState,
    Visibility,
)
from cockpit.models import (
    AreaPotential,
    AreaProposal,
    AreaVersion,
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
from cockpit.services import audit, authz
from cockpit.services import demo_content as content
from cockpit.services.areas import EDITABLE_FIELDS, snapshot
from cockpit.services.config import ServiceConfig
from cockpit.services.importing import import_boundaries, import_indicators
from cockpit.services.users import hash_password, validate_password
from layers.area_geometry import web_bounds
from layers.crs import area_ha as measure_ha
from layers.geometry import to_multipolygon

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
T = TypeVar("T")

DEMO_SOURCE = content.DEMO_SOURCE
DISTRICT_AGS = "14626"
DISTRICT_NAME = "Landkreis Görlitz"
BOUNDARY_FILE = "lk_goerlitz_gemeinden_vg250_2016.gpkg"
INDICATOR_FILE = "lk_goerlitz_kennzahlen.csv"
BOUNDARY_SOURCE = (
    "VG250 Gemeinden (Gebietsstand 2016), © GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0"
)
BOUNDARY_STATUS = dt.date(2016, 1, 1)  # VG250 of 01.01.2016 (../shared/data/README.md)
INDICATOR_SOURCE = (
    "Zensus 2022, Statistische Ämter des Bundes und der Länder, dl-de/by-2-0; "
    "INKAR, © BBSR Bonn, dl-de/by-2-0"
)

ELECTION_DATE = dt.date(2024, 6, 9)  # Kommunalwahl Sachsen
KENNDATEN_AS_OF = dt.date(2025, 6, 30)
STAFF_YEARS = tuple(range(2019, 2025))
INVESTMENT_YEARS = tuple(range(2024, 2029))
BACKLOG_YEAR = 2024
INDICATOR_YEARS = (2022, 2023, 2024)

# Zahl der Gemeinderäte (without the mayor) by inhabitants, upper bound inclusive:
# § 29 Abs. 2 Sächsische Gemeindeordnung (SächsGemO), as in force for the Kommunalwahl of
# 09.06.2024 (revosax.sachsen.de). The legally relevant population is the Statistisches
# Landesamt figure; the demo uses Zensus 2022 (so Görlitz, 54,664, gets 38 seats).
COUNCIL_SEATS: tuple[tuple[int, int], ...] = (
    (500, 8),
    (1_000, 10),
    (2_000, 12),
    (3_000, 14),
    (5_000, 16),
    (10_000, 18),
    (20_000, 22),
    (30_000, 26),
    (40_000, 30),
    (50_000, 34),
    (60_000, 38),
    (80_000, 42),
    (150_000, 48),
    (400_000, 54),
)
COUNCIL_SEATS_MAX = 60

AREA_SIZE_HA: dict[AreaKind, tuple[float, float]] = {
    AreaKind.GEWERBE: (0.5, 15.0),
    AreaKind.INDUSTRIE: (3.0, 60.0),
    AreaKind.BRACHE: (0.3, 25.0),
}
BORDER_MARGIN_M = 20.0  # areas keep this distance to the municipality border
AREA_GAP_M = 15.0  # and this distance to each other (no overlaps, no touching)

# Area currency states of the demo: confirmed within 12 months, confirmed earlier, never
# confirmed, soft-deleted.
CURRENT, STALE, NEVER, DELETED = "current", "stale", "never", "deleted"
AREA_STATES = (CURRENT, STALE, NEVER, DELETED)


@dataclass(frozen=True)
class DemoUserSpec:
    """One demo account; the password is fixed and documented (demo only)."""

    username: str
    password: str
    role: Role
    display_name: str
    municipality_ags: tuple[str, ...] = ()


DEMO_USERS: tuple[DemoUserSpec, ...] = (
    DemoUserSpec("kreis", "Demo-Redaktion-2026!", Role.KREIS_REDAKTION, "Kreis-Redaktion (Demo)"),
    DemoUserSpec("analyse", "Demo-Auswertung-2026!", Role.ANALYSE, "Analyse (Demo)"),
    DemoUserSpec("admin", "Demo-Verwaltung-2026!", Role.ADMIN, "Administration (Demo)"),
    DemoUserSpec(
        "kommune.goerlitz",
        "Demo-Goerlitz-2026!",
        Role.KOMMUNE,
        "Stadt Görlitz (Demo)",
        ("14626110",),
    ),
    DemoUserSpec(
        "kommune.zittau", "Demo-Zittau-2026!", Role.KOMMUNE, "Stadt Zittau (Demo)", ("14626610",)
    ),
)
NEW_AREA_COMMENTS = (
    "Neue Potenzialfläche laut Gemeinderatsbeschluss; bitte übernehmen.",
    "Eigentümer hat Verkaufsbereitschaft signalisiert (Demo).",
    "Fläche aus dem Flächennutzungsplan, bisher nicht im Geoportal.",
)
GOERLITZ_AGS = "14626110"
ZITTAU_AGS = "14626610"


@dataclass
class DemoReport:
    """What :func:`load_demo` / :func:`generate_demo_content` wrote."""

    seed: int
    municipalities: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    users: list[DemoUserSpec] = field(default_factory=list)
    seconds: float = 0.0


class DemoRefusedError(ValidationError):
    """The database already holds demo data (nothing was written)."""

    user_message = (
        "Die Datenbank enthält bereits Demo-Daten; es wurde nichts geändert. "
        "Für einen Neuaufbau löschen Sie die Datenbank und führen Sie "
        "„cockpit init-db“ und „cockpit demo“ erneut aus."
    )


# --------------------------------------------------------------------------- public API


def has_municipalities(session: Session) -> bool:
    """True if any municipality exists (``cockpit demo --if-empty`` then does nothing)."""
    return session.scalar(select(Municipality.id).limit(1)) is not None


def has_demo_content(session: Session) -> bool:
    """True if generated demo records exist already."""
    for column in (User.is_demo, ContactPerson.is_demo, AreaPotential.is_demo):
        if session.scalar(select(column).where(column.is_(True)).limit(1)):
            return True
    return False


def read_population(path: Path) -> dict[str, int]:
    """Zensus 2022 population by AGS from ``lk_goerlitz_kennzahlen.csv`` (columns AGS, EWZ_2022).

    Raises :class:`ImportRejectedError` (German message naming file and row) if the file is
    missing or a value is not a whole number.
    """
    if not path.is_file():
        raise ImportRejectedError(
            f"indicator file not found: {path}",
            f"Die Datei „{path.name}“ wurde im Datenverzeichnis „{path.parent}“ nicht gefunden.",
        )
    population: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"AGS", "EWZ_2022"} - set(reader.fieldnames or ())
        if missing:
            raise ImportRejectedError(
                f"{path.name}: columns {sorted(missing)} missing",
                f"In der Datei „{path.name}“ fehlen die Spalten {', '.join(sorted(missing))}.",
            )
        for line, row in enumerate(reader, start=2):
            try:
                population[row["AGS"].strip()] = int(float(row["EWZ_2022"]))
            except (TypeError, ValueError):
                raise ImportRejectedError(
                    f"{path.name} line {line}: bad EWZ_2022 {row.get('EWZ_2022')!r}",
                    f"Datei „{path.name}“, Zeile {line}: Die Einwohnerzahl "
                    f"„{row.get('EWZ_2022')}“ ist keine ganze Zahl.",
                ) from None
    return population


def load_demo(
    session: Session,
    data_dir: Path,
    *,
    config: ServiceConfig,
    seed: int = 2026,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> DemoReport:
    """Load the real LK Görlitz data from ``data_dir`` and generate the demo data set.

    The real boundaries and indicators are imported with the importers (they commit on their
    own) unless municipalities / real indicator values exist already (so a run that failed
    half-way can be repeated); all generated data is then written in ONE transaction.
    Raises :class:`DemoRefusedError` if demo data exists, and :class:`ImportRejectedError` /
    :class:`ValidationError` for missing or bad files; on an error the generated part is
    rolled back completely.
    """
    started = time.perf_counter()
    authz.require(SYSTEM, Permission.IMPORT_DATA)
    say = progress or (lambda _message: None)
    if has_demo_content(session):
        log.warning("demo refused: the database already holds demo data")
        raise DemoRefusedError("demo data present already")
    data_dir = Path(data_dir)
    boundaries = data_dir / BOUNDARY_FILE
    indicators = data_dir / INDICATOR_FILE
    for path in (boundaries, indicators):
        if not path.is_file():
            log.error("demo: data file missing: %s", path)
            raise ImportRejectedError(
                f"data file missing: {path}",
                f"Die Datei „{path.name}“ fehlt im Datenverzeichnis „{data_dir}“. "
                "Bitte geben Sie das Verzeichnis mit --data-dir oder COCKPIT_DATA_DIR an.",
            )
    population = read_population(indicators)
    if not has_municipalities(session):
        say("Gemeindegrenzen (VG250) werden importiert …")
        import_boundaries(
            session,
            SYSTEM,
            boundaries,
            DISTRICT_AGS,
            district_name=DISTRICT_NAME,
            source=BOUNDARY_SOURCE,
            territorial_status=BOUNDARY_STATUS,
            config=config,
        )
    if session.scalar(select(IndicatorValue.id).where(~IndicatorValue.is_demo).limit(1)) is None:
        say("Kennzahlen (Zensus 2022, INKAR) werden importiert …")
        import_indicators(session, SYSTEM, indicators, source=INDICATOR_SOURCE)
    municipalities = list(
        session.scalars(
            select(Municipality)
            .join(District, Municipality.district_id == District.id)
            .where(District.ags == DISTRICT_AGS)
            .order_by(Municipality.ags)
        )
    )
    say(f"Demo-Daten für {len(municipalities)} Gemeinden werden erzeugt …")
    try:
        report = generate_demo_content(
            session, municipalities, population, config=config, seed=seed, today=today
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.seconds = time.perf_counter() - started
    log.info(
        "demo loaded: seed=%s municipalities=%s counts=%s in %.1f s",
        seed,
        report.municipalities,
        report.counts,
        report.seconds,
    )
    return report


def generate_demo_content(
    session: Session,
    municipalities: Sequence[Municipality],
    population: Mapping[str, int],
    *,
    config: ServiceConfig,
    seed: int = 2026,
    today: dt.date | None = None,
) -> DemoReport:
    """Add the generated demo records for ``municipalities`` to ``session`` (flushes, no commit).

    ``population`` maps AGS to inhabitants (scales staff, investments, council size, …).
    Municipality boundaries are in the storage CRS ``config.metric_crs``. Deterministic for
    ``seed`` except for dates, which are relative to ``today``. The caller commits (see
    :func:`load_demo`).
    """
    authz.require(SYSTEM, Permission.IMPORT_DATA)
    ordered = sorted(municipalities, key=lambda m: m.ags)
    missing = [m for m in ordered if m.ags not in population]
    if missing:
        names = ", ".join(f"{m.name} ({m.ags})" for m in missing)
        raise ValidationError(
            f"population missing for {[m.ags for m in missing]}",
            f"Für folgende Gemeinden fehlt die Einwohnerzahl: {names}.",
        )
    generator = _Generator(
        session, ordered, population, seed, today or dt.date.today(), config.metric_crs
    )
    return generator.run()


def council_size(population: int) -> int:
    """Number of council seats (without the mayor) per § 29 Abs. 2 SächsGemO."""
    for limit, seats in COUNCIL_SEATS:
        if population <= limit:
            return seats
    return COUNCIL_SEATS_MAX


def slugify(text: str) -> str:
    """ASCII slug for e-mail addresses: ``Weißwasser/O.L.`` -> ``weisswasser-o-l``."""
    lowered = text.lower()
    for umlaut, ascii_text in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        lowered = lowered.replace(umlaut, ascii_text)
    plain = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def apportion(weights: Sequence[float], seats: int) -> list[int]:
    """Largest-remainder (Hare-Niemeyer) apportionment of ``seats`` by ``weights``."""
    total = sum(weights)
    quotas = [w * seats / total for w in weights]
    result = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - result[i]), i))
    for i in order[: seats - sum(result)]:
        result[i] += 1
    return result


def create_demo_user(
    session: Session, spec: DemoUserSpec, municipalities: Sequence[Municipality]
) -> User:
    """Create one demo account in the caller's transaction (no commit).

    Uses the users service's password policy and argon2 hashing and audits the creation;
    ``cockpit.services.users.create_user`` itself commits, which would split the demo's
    single transaction.
    """
    validate_password(spec.password, username=spec.username)
    user = User(
        username=spec.username,
        display_name=spec.display_name,
        email=f"{slugify(spec.username)}@demo.invalid",
        password_hash=hash_password(spec.password),
        role=spec.role,
        is_active=True,
        is_demo=True,
        must_change_password=False,
        session_generation=1,
        municipalities=list(municipalities),
    )
    session.add(user)
    audit.record(
        session,
        actor=SYSTEM,
        action=audit.USER_CREATED,
        target=spec.username,
        details={
            "role": spec.role.value,
            "municipalities": [m.ags for m in municipalities],
            "demo": True,
        },
    )
    return user


# --------------------------------------------------------------------------- generator


@dataclass
class _AreaPlan:
    """An area potential before it becomes rows (so states can be balanced first)."""

    municipality: Municipality
    kind: AreaKind
    name: str
    geom: MultiPolygon
    rng: random.Random
    state: str = CURRENT
    events: list[tuple[str, dt.datetime, str]] = field(default_factory=list)
    area: AreaPotential | None = None


def _choice(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    values = [o[0] for o in options]
    weights = [o[1] for o in options]
    return rng.choices(values, weights=weights, k=1)[0]


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC) + dt.timedelta(
        minutes=rng.randrange(0, 9 * 60)
    )


def _irregular_polygon(rng: random.Random, cx: float, cy: float, area_m2: float) -> Polygon:
    """A slightly irregular, rotated quadrilateral (sometimes with a notch) of ``area_m2``."""
    aspect = rng.uniform(0.45, 2.2)
    width = math.sqrt(area_m2 * aspect)
    height = area_m2 / width
    corners = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
    points = [
        ((x + rng.uniform(-0.08, 0.08)) * width, (y + rng.uniform(-0.08, 0.08)) * height)
        for x, y in corners
    ]
    if rng.random() < 0.4:  # pull one edge's midpoint inwards: an L-ish outline
        i = rng.randrange(4)
        (ax, ay), (bx, by) = points[i], points[(i + 1) % 4]
        k = 1.0 - rng.uniform(0.1, 0.25)
        points.insert(i + 1, ((ax + bx) / 2 * k, (ay + by) / 2 * k))
    polygon = Polygon(points)
    if not polygon.is_valid:
        polygon = Polygon(polygon.convex_hull.exterior)
    polygon = affinity.rotate(polygon, rng.uniform(0.0, 180.0), origin=(0.0, 0.0))
    factor = math.sqrt(area_m2 / polygon.area)
    polygon = affinity.scale(polygon, factor, factor, origin=(0.0, 0.0))
    return affinity.translate(polygon, cx, cy)


def place_area(
    rng: random.Random,
    inner: BaseGeometry,
    target_m2: float,
    occupied: Sequence[BaseGeometry],
) -> MultiPolygon | None:
    """A polygon of about ``target_m2`` inside ``inner``, ``AREA_GAP_M`` away from ``occupied``.

    ``inner`` (metric CRS) must be prepared with :func:`shapely.prepare`. Clips to ``inner``
    and accepts only placements that keep at least 85 % of the drawn size; shrinks the size
    after repeated failures. Returns ``None`` if nothing fits.
    """
    minx, miny, maxx, maxy = inner.bounds
    size = target_m2
    for attempt in range(1, 241):
        if attempt % 60 == 0:
            size *= 0.6
        cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(inner, cx, cy):
            continue
        polygon = _irregular_polygon(rng, cx, cy, size)
        clipped = shapely.set_precision(polygon.intersection(inner), 0.01)
        if clipped.is_empty or clipped.area < 0.85 * polygon.area:
            continue
        if any(clipped.distance(other) < AREA_GAP_M for other in occupied):
            continue
        multi = to_multipolygon(clipped)
        if multi.is_empty or not multi.is_valid:
            continue
        return multi
    return None


class _Generator:
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
        self.accepted: _AreaPlan | None = None

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

    # ---- run

    def run(self) -> DemoReport:
        self.create_users()
        clusters = self.theme_clusters()
        for municipality in self.municipalities:
            self.contacts(municipality)
            self.staff(municipality)
            self.investments(municipality)
            self.enterprises(municipality)
            self.memberships(municipality)
            self.council(municipality)
            self.cluster_foci(municipality, clusters)
        self.indicators()
        self.areas()
        return DemoReport(
            seed=self.seed,
            municipalities=len(self.municipalities),
            counts=dict(sorted(self.counts.items())),
            users=[spec for spec in DEMO_USERS if spec.username in self.users],
        )

    # ---- users

    def create_users(self) -> None:
        known = {m.ags: m for m in self.municipalities}
        for spec in DEMO_USERS:
            assigned = [known[a] for a in spec.municipality_ags if a in known]
            if spec.role is Role.KOMMUNE and not assigned:
                log.info("demo user %s skipped: municipality not loaded", spec.username)
                continue
            self.users[spec.username] = create_demo_user(self.session, spec, assigned)
            self.counts["app_user"] += 1
        self.session.flush()

    def kommune_user(self, municipality: Municipality) -> User | None:
        for spec in DEMO_USERS:
            if municipality.ags in spec.municipality_ags:
                return self.users.get(spec.username)
        return None

    # ---- Kenndaten

    def contacts(self, municipality: Municipality) -> None:
        rng = self.rng("contacts", municipality.ags)
        population = self.pop(municipality)
        mayor = content.LORD_MAYOR_FUNCTION if population > 20_000 else content.MAYOR_FUNCTION
        functions = [mayor, *rng.sample(content.FURTHER_FUNCTIONS, rng.randint(0, 2))]
        code = content.AREA_CODES.get(municipality.name) or rng.choice(content.REGIONAL_AREA_CODES)
        domain = f"{slugify(municipality.name)}.de"
        used: set[str] = set()
        for male_title, female_title, department in functions:
            female = rng.random() < 0.5
            first = rng.choice(content.FIRST_NAMES_FEMALE if female else content.FIRST_NAMES_MALE)
            last = rng.choice([n for n in content.LAST_NAMES if n not in used])
            used.add(last)
            digits = 11 - len(code)
            number = str(rng.randrange(10 ** (digits - 1) * 2, 10**digits))
            self.add(
                ContactPerson(
                    municipality_id=municipality.id,
                    name=f"{first} {last}",
                    function=female_title if female else male_title,
                    department=department,
                    phone=f"{code} {number}",
                    email=f"{slugify(first)}.{slugify(last)}@{domain}",
                    notes="Fiktive Person (Demo-Daten)",
                    source=DEMO_SOURCE,
                    as_of=KENNDATEN_AS_OF,
                    is_demo=True,
                )
            )

    def staff(self, municipality: Municipality) -> None:
        rng = self.rng("staff", municipality.ags)
        population = self.pop(municipality)
        ratio = rng.uniform(4.0, 8.0)  # staff per 1,000 inhabitants
        trend = rng.uniform(-0.015, 0.02)
        for offset, year in enumerate(STAFF_YEARS):
            per_thousand = ratio * (1 + trend * offset) * rng.uniform(0.97, 1.03)
            headcount = max(3, round(population / 1000 * per_thousand))
            self.add(
                StaffCount(
                    municipality_id=municipality.id,
                    year=year,
                    headcount=headcount,
                    full_time_equivalent=round(headcount * rng.uniform(0.82, 0.95), 1),
                    source=DEMO_SOURCE,
                    as_of=dt.date(year, 12, 31),
                    is_demo=True,
                )
            )

    def investments(self, municipality: Municipality) -> None:
        rng = self.rng("investments", municipality.ags)
        population = self.pop(municipality)
        sectors = list(content.INVESTMENT_SECTORS)
        backlog_total = 0.0
        for sector in rng.sample(sectors, rng.randint(5, 9)):
            (low, high), texts = content.INVESTMENT_SECTORS[sector]
            amount = max(5_000.0, round(population * rng.uniform(low, high), -3))
            backlog_total += amount
            self.add(
                InvestmentItem(
                    municipality_id=municipality.id,
                    sector=sector,
                    kind=InvestmentKind.BACKLOG,
                    year=BACKLOG_YEAR,
                    amount_eur=amount,
                    description=rng.choice(texts),
                    source=DEMO_SOURCE,
                    as_of=dt.date(BACKLOG_YEAR, 12, 31),
                    is_demo=True,
                )
            )
        self.backlog_per_capita[municipality.id] = backlog_total / population
        for sector in rng.sample(sectors, rng.randint(3, 7)):
            (low, high), texts = content.INVESTMENT_SECTORS[sector]
            for year in INVESTMENT_YEARS:
                if rng.random() > 0.55:
                    continue
                amount = max(5_000.0, round(population * rng.uniform(low, high) * 0.25, -3))
                self.add(
                    InvestmentItem(
                        municipality_id=municipality.id,
                        sector=sector,
                        kind=InvestmentKind.PLANNED,
                        year=year,
                        amount_eur=amount,
                        description=rng.choice(texts),
                        source=DEMO_SOURCE,
                        as_of=KENNDATEN_AS_OF,
                        is_demo=True,
                    )
                )

    def enterprises(self, municipality: Municipality) -> None:
        rng = self.rng("enterprises", municipality.ags)
        population = self.pop(municipality)
        town = municipality.kind is MunicipalityKind.STADT
        ort = municipality.name
        candidates: list[tuple[str, str, str, int]] = []
        if rng.random() < 0.85:
            candidates.append(
                (f"Bauhof {ort}", "Regiebetrieb", "Pflege von Straßen, Grün und Friedhöfen", 1)
            )
        if population > 2_500 and rng.random() < 0.6:
            candidates.append(
                (
                    f"Wohnungsbaugesellschaft {ort} mbH",
                    "GmbH",
                    "Vermietung und Sanierung kommunaler Wohnungen",
                    2,
                )
            )
        if town and population > 8_000:
            candidates.append(
                (f"Stadtwerke {ort} GmbH", "GmbH", "Strom, Wärme, Wasser und Bäder", 4)
            )
        if rng.random() < 0.25:
            candidates.append(
                (
                    f"Eigenbetrieb Bäder und Tourismus {ort}",
                    "Eigenbetrieb",
                    "Freibad, Touristinformation, Veranstaltungen",
                    1,
                )
            )
        if town and rng.random() < 0.3:
            candidates.append(
                (f"Kulturbetrieb {ort}", "Eigenbetrieb", "Bibliothek, Museum, Stadthalle", 1)
            )
        for name, legal_form, purpose, staff_factor in candidates[:4]:
            employees = max(2, round(population / 1000 * staff_factor * rng.uniform(0.6, 1.6)))
            self.add(
                MunicipalEnterprise(
                    municipality_id=municipality.id,
                    name=name,
                    legal_form=legal_form,
                    purpose=purpose,
                    employees=employees,
                    source=DEMO_SOURCE,
                    as_of=KENNDATEN_AS_OF,
                    is_demo=True,
                )
            )

    def administrative_group(self, municipality: Municipality) -> list[Municipality]:
        """Members of the municipality's Verwaltungsgemeinschaft/-verband (from the ARS)."""
        key = municipality.ars[5:9]
        if not key.startswith("5"):
            return []
        return [m for m in self.municipalities if m.ars[5:9] == key]

    def memberships(self, municipality: Municipality) -> None:
        rng = self.rng("memberships", municipality.ags)
        population = self.pop(municipality)
        items: list[tuple[str, MembershipKind, str]] = [
            (content.ZVON[0], MembershipKind.ZWECKVERBAND, content.ZVON[1]),
            (content.SSG[0], MembershipKind.VEREIN, content.SSG[1]),
        ]
        group = self.administrative_group(municipality)
        seat = max(group, key=self.pop) if len(group) > 1 else municipality
        if len(group) > 1:
            kind_word = (
                "Verwaltungsverband" if municipality.ars[5:7] == "55" else "Verwaltungsgemeinschaft"
            )
            items.append(
                (
                    f"{kind_word} {seat.name}",
                    MembershipKind.VERWALTUNGSVERBAND,
                    f"Gemeinsame Verwaltung mit {len(group) - 1} Nachbargemeinde(n), "
                    f"Sitz in {seat.name}",
                )
            )
        if rng.random() < 0.7:
            items.append(
                (
                    f"Abwasserzweckverband {seat.name} und Umgebung",
                    MembershipKind.ZWECKVERBAND,
                    "Abwasserbeseitigung und Kläranlagenbetrieb",
                )
            )
        if population < 3_000 and rng.random() < 0.35:
            items.append(
                (
                    f"Schulverband Grundschule {seat.name}",
                    MembershipKind.ZWECKVERBAND,
                    "Gemeinsame Trägerschaft der Grundschule",
                )
            )
        latitude = web_bounds(municipality.boundary.centroid, self.metric_crs)[1]
        leader = next(name for limit, name in content.LEADER_REGIONS if latitude >= limit)
        items.append((leader, MembershipKind.REGION, content.LEADER_PURPOSE))
        if rng.random() < 0.6:
            items.append((content.TOURISM[0], MembershipKind.VEREIN, content.TOURISM[1]))
        for name, kind, purpose in items:
            self.add(
                Membership(
                    municipality_id=municipality.id,
                    name=name,
                    kind=kind,
                    purpose=purpose,
                    source=DEMO_SOURCE,
                    as_of=KENNDATEN_AS_OF,
                    is_demo=True,
                )
            )

    def council(self, municipality: Municipality) -> None:
        rng = self.rng("council", municipality.ags)
        population = self.pop(municipality)
        seats = council_size(population)
        present = {
            "AfD": True,
            "CDU": True,
            "Die Linke": population > 3_000 and rng.random() < 0.7,
            "SPD": population > 10_000 or (population > 2_000 and rng.random() < 0.5),
            "BÜNDNIS 90/DIE GRÜNEN": population > 8_000 or rng.random() < 0.1,
            "FDP": population > 10_000 and rng.random() < 0.6,
            "FREIE WÄHLER": rng.random() < 0.3,
        }
        lists = [
            (party, weight * rng.uniform(0.6, 1.4))
            for party, weight in content.PARTY_WEIGHTS
            if present[party]
        ]
        local_count = 1 + (population < 5_000) + (rng.random() < 0.4)
        patterns = rng.sample(content.LOCAL_LIST_PATTERNS, local_count)
        for pattern in patterns:
            local_weight = rng.uniform(10.0, 30.0) if population < 5_000 else rng.uniform(4, 12)
            lists.append((pattern.format(ort=municipality.name), local_weight))
        allocation = apportion([w for _, w in lists], seats)
        for (party, _weight), won in zip(lists, allocation, strict=True):
            if won == 0:
                continue
            self.add(
                CouncilSeat(
                    municipality_id=municipality.id,
                    election_date=ELECTION_DATE,
                    party=party,
                    seats=won,
                    source=DEMO_SOURCE,
                    as_of=ELECTION_DATE,
                    is_demo=True,
                )
            )

    def theme_clusters(self) -> dict[str, ThemeCluster]:
        """The Themencluster catalogue (real vocabulary, get-or-create, not demo)."""
        existing = {c.key: c for c in self.session.scalars(select(ThemeCluster))}
        for order, (key, name) in enumerate(content.THEME_CLUSTERS, start=1):
            if key not in existing:
                cluster = ThemeCluster(key=key, name=name, sort_order=order * 10)
                self.add(cluster)
                existing[key] = cluster
        self.session.flush()
        return existing

    def cluster_foci(
        self, municipality: Municipality, clusters: Mapping[str, ThemeCluster]
    ) -> None:
        rng = self.rng("clusters", municipality.ags)
        population = self.pop(municipality)
        keys = [k for k, _ in content.THEME_CLUSTERS if k in clusters]
        if population < 15_000 and "forschung" in keys:
            keys.remove("forschung")
        for key in rng.sample(keys, rng.randint(1, 3)):
            focus = ClusterFocus(
                municipality_id=municipality.id,
                cluster_id=clusters[key].id,
                focus=rng.choice((FocusKind.CURRENT, FocusKind.FUTURE)),
                description=rng.choice(content.CLUSTER_DESCRIPTIONS[key]),
                source=DEMO_SOURCE,
                as_of=KENNDATEN_AS_OF,
                is_demo=True,
            )
            self.add(focus)
            pool = content.CLUSTER_ACTORS[key]
            for name, kind in rng.sample(pool, rng.randint(1, min(3, len(pool)))):
                actor = FocusActor(name=name.format(ort=municipality.name), kind=kind)
                focus.actors.append(actor)
                self.counts[FocusActor.__tablename__] += 1

    # ---- indicators

    def indicators(self) -> None:
        backlog = self.indicator(
            "investitionsrueckstand_je_ew",
            "Investitionsrückstand je Einwohner",
            unit="EUR",
            category="Finanzen",
            visibility=Visibility.OWN_MUNICIPALITY,
            description=(
                "Summe des gemeldeten Investitionsrückstands (alle Bereiche) je Einwohner "
                "(Zensus 2022). Demo-Daten, aus den generierten Kenndaten berechnet."
            ),
            higher_is_better=False,
            decimals=0,
        )
        need = self.indicator(
            "foerderbedarf_index",
            "Förderbedarf (Einschätzung Kreis)",
            unit="Stufe 1–5",
            category="Finanzen",
            visibility=Visibility.DISTRICT_INTERNAL,
            description=(
                "Interne Einschätzung des Kreises von 1 (gering) bis 5 (sehr hoch). Demo-Daten."
            ),
            higher_is_better=False,
            decimals=0,
        )
        ranked = sorted(self.municipalities, key=lambda m: self.backlog_per_capita[m.id])
        rank = {m.id: i / max(1, len(ranked) - 1) for i, m in enumerate(ranked)}
        for municipality in self.municipalities:
            rng = self.rng("indicators", municipality.ags)
            latest = self.backlog_per_capita[municipality.id]
            level = 1 + 4 * rank[municipality.id] + rng.uniform(-0.8, 0.8)
            for years_back, year in enumerate(reversed(INDICATOR_YEARS)):
                value = latest * rng.uniform(0.85, 0.97) ** years_back
                self.add(self.value(backlog, municipality, year, round(value, 2)))
                step = min(5, max(1, round(level + rng.uniform(-0.6, 0.6))))
                self.add(self.value(need, municipality, year, float(step)))

    def indicator(
        self,
        key: str,
        label: str,
        *,
        unit: str,
        category: str,
        visibility: Visibility,
        description: str,
        higher_is_better: bool | None,
        decimals: int,
    ) -> Indicator:
        indicator = self.session.scalar(select(Indicator).where(Indicator.key == key))
        if indicator is None:
            indicator = Indicator(key=key)
            self.add(indicator)
        indicator.label = label
        indicator.unit = unit
        indicator.category = category
        indicator.description = description
        indicator.source = DEMO_SOURCE
        indicator.licence = ""
        indicator.visibility = visibility
        indicator.higher_is_better = higher_is_better
        indicator.decimals = decimals
        indicator.is_demo = True
        self.session.flush()
        return indicator

    @staticmethod
    def value(
        indicator: Indicator, municipality: Municipality, year: int, value: float
    ) -> IndicatorValue:
        return IndicatorValue(
            indicator_id=indicator.id,
            municipality_id=municipality.id,
            year=year,
            value=value,
            source=DEMO_SOURCE,
            is_demo=True,
        )

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

    def areas(self) -> None:
        plans: list[_AreaPlan] = []
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
                kind = _choice(area_rng, weights)
                planned = self.plan_area(municipality, kind, area_rng, names)
                if planned is None:
                    continue
                state = _choice(
                    area_rng, ((CURRENT, 55.0), (STALE, 28.0), (NEVER, 12.0), (DELETED, 5.0))
                )
                plans.append(_AreaPlan(municipality, kind, planned[0], planned[1], area_rng, state))
        self.balance_states(plans)
        accepted = self.accepted = self.pick_accepted(plans)
        for number, plan in enumerate(plans, start=1):
            self.build_area(plan, number)
        self.session.flush()
        self.set_area_versions(plans)
        self.proposals(plans, accepted, names_by_municipality)

    def balance_states(self, plans: list[_AreaPlan]) -> None:
        """Make sure every currency state occurs (a few times) when there are enough areas."""
        if len(plans) < 2 * len(AREA_STATES):
            return
        rng = self.rng("balance")
        for state in AREA_STATES:
            while sum(p.state == state for p in plans) < 2:
                counts = Counter(p.state for p in plans)
                donors = [p for p in plans if counts[p.state] > 2]
                rng.choice(donors).state = state

    def pick_accepted(self, plans: list[_AreaPlan]) -> _AreaPlan | None:
        """The area whose history shows an accepted proposal (Görlitz if loaded)."""
        target = self.by_ags(GOERLITZ_AGS, 0)
        candidates = [p for p in plans if p.municipality is target and p.state != DELETED]
        return self.rng("accepted").choice(candidates) if candidates else None

    def build_area(self, plan: _AreaPlan, number: int) -> None:
        rng = plan.rng
        kind = plan.kind
        status = _choice(
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
            planning = _choice(
                rng,
                (
                    (PlanningStatus.INNENBEREICH, 40.0),
                    (PlanningStatus.AUSSENBEREICH, 25.0),
                    (PlanningStatus.BPLAN, 15.0),
                    (PlanningStatus.FNP, 10.0),
                    (PlanningStatus.BPLAN_AUFSTELLUNG, 10.0),
                ),
            )
            ownership = _choice(
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
            planning = _choice(
                rng,
                (
                    (PlanningStatus.BPLAN, 55.0),
                    (PlanningStatus.BPLAN_AUFSTELLUNG, 15.0),
                    (PlanningStatus.FNP, 15.0),
                    (PlanningStatus.INNENBEREICH, 10.0),
                    (PlanningStatus.AUSSENBEREICH, 5.0),
                ),
            )
            ownership = _choice(
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
        source = _choice(
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

    def plan_history(self, plan: _AreaPlan, area: AreaPotential) -> None:
        """Decide the area's confirmation/deletion and write its AreaVersion rows."""
        rng = plan.rng
        today = self.today
        editor = self.users.get("kreis")
        editor_name = editor.display_name if editor else "Kreis-Redaktion"
        created_day = today - dt.timedelta(days=rng.randint(1700, 2300))
        first_action = "import" if area.source is not AreaSource.GESPRAECH else "create"
        first_reason = (
            "Übernahme aus dem Geoportal"
            if area.source is AreaSource.GEOPORTAL
            else "Erfasst im Erhebungsgespräch"
            if area.source is AreaSource.GESPRAECH
            else "Übernahme aus Fremddatenbestand"
        )
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
        wants_update = rng.random() < 0.35 or plan is self.accepted
        method = _choice(
            rng,
            (
                (ConfirmationMethod.GESPRAECH, 50.0),
                (ConfirmationMethod.ORTSBEGEHUNG, 20.0),
                (ConfirmationMethod.GEOPORTAL_ABGLEICH, 30.0),
            ),
        )
        final_status = area.status
        previous_status = (
            AreaStatus.IN_ENTWICKLUNG
            if final_status is not AreaStatus.IN_ENTWICKLUNG
            else AreaStatus.VERFUEGBAR
        )
        # (day, action, reason, by editor?) in chronological order
        events: list[tuple[dt.date, str, str]] = [(created_day, first_action, first_reason)]
        if wants_update:
            end = confirm_day or deleted_day or today
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
            area.deleted_at = _moment(deleted_day, rng)
        area.created_at = _moment(created_day, rng)
        area.updated_at = _moment(events[-1][0], rng)

        # Each version holds the full state after its event.
        state = snapshot(area)
        state.update(
            status=(previous_status if wants_update else final_status).value,
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
                    valid_from=_moment(day, rng),
                    action=action,
                    reason=reason,
                    changed_by_id=editor.id if by_editor and editor else None,
                    changed_by_name=editor_name if by_editor else "Geoportal-Import",
                    attributes=dict(state),
                    geom=area.geom,
                )
            )
        self.counts[AreaVersion.__tablename__] += len(events)

    def set_area_versions(self, plans: Sequence[_AreaPlan]) -> None:
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

    # ---- proposals

    def proposals(
        self,
        plans: Sequence[_AreaPlan],
        accepted: _AreaPlan | None,
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

    @staticmethod
    def user_id(user: User | None) -> int | None:
        return user.id if user is not None else None

    def new_area_proposal(
        self,
        municipality: Municipality,
        rng: random.Random,
        names: dict[int, set[str]],
        state: ReviewState,
        *,
        created: dt.datetime,
    ) -> AreaProposal | None:
        kind = _choice(rng, ((AreaKind.GEWERBE, 60.0), (AreaKind.BRACHE, 40.0)))
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
        plan: _AreaPlan,
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


__all__ = [
    "DEMO_SOURCE",
    "DEMO_USERS",
    "DemoRefusedError",
    "DemoReport",
    "DemoUserSpec",
    "apportion",
    "council_size",
    "create_demo_user",
    "generate_demo_content",
    "has_demo_content",
    "has_municipalities",
    "load_demo",
    "place_area",
    "read_population",
    "slugify",
]
