"""Loading the demo data set: the real LK Görlitz data plus generated, flagged demo data.

:func:`load_demo` imports the REAL boundaries (VG250 2016) and indicators (Zensus 2022,
INKAR) with the importers, then :func:`generate_demo_content` adds plausible, invented
records for every municipality: Kenndaten, two demo indicators (visibility
``own_municipality`` and ``district_internal``), area potentials with their version history,
proposals of Kommune users, and one demo user per role. Every generated record carries
``is_demo=True`` and the source ``"Demo-Daten (generiert)"``; the UI shows it as "Demo-Daten".

Generation is deterministic for a seed: every topic of every municipality draws from its own
``random.Random(f"{seed}:{topic}:{ags}")`` (no global random state), so adding a topic or a
municipality does not change the others. Only dates depend on ``today``.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.demo.context import DISTRICT_AGS
from cockpit.demo.indicators import IndicatorGenerator
from cockpit.demo.kenndaten import KenndatenGenerator
from cockpit.demo.proposals import ProposalGenerator
from cockpit.demo.users import DEMO_USERS, DemoUserSpec, create_demo_user
from cockpit.domain.errors import ImportRejectedError, ValidationError
from cockpit.domain.roles import SYSTEM, Permission, Role
from cockpit.models import (
    AreaPotential,
    ContactPerson,
    District,
    IndicatorValue,
    Municipality,
    User,
)
from cockpit.services import authz
from cockpit.services.config import ServiceConfig
from cockpit.services.importing import import_boundaries, import_indicators
from cockpit.services.unit_of_work import transaction

log = logging.getLogger(__name__)


Progress = Callable[[str], None]

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
    with transaction(session, "demo generation"):
        report = generate_demo_content(
            session, municipalities, population, config=config, seed=seed, today=today
        )
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


class _Generator(KenndatenGenerator, IndicatorGenerator, ProposalGenerator):
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
        plans, names = self.areas()
        self.proposals(plans, self.accepted, names)
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
