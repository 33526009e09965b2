"""Generated Kenndaten: contacts, staff, investments, enterprises, memberships, council."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from sqlalchemy import select

from cockpit.demo import content
from cockpit.demo.content import DEMO_SOURCE
from cockpit.demo.context import Generation
from cockpit.demo.users import slugify
from cockpit.domain.vocab import FocusKind, InvestmentKind, MembershipKind, MunicipalityKind
from cockpit.models import (
    ClusterFocus,
    ContactPerson,
    CouncilSeat,
    FocusActor,
    InvestmentItem,
    Membership,
    MunicipalEnterprise,
    Municipality,
    StaffCount,
    ThemeCluster,
)
from layers.area_geometry import web_bounds

ELECTION_DATE = dt.date(2024, 6, 9)  # Kommunalwahl Sachsen
KENNDATEN_AS_OF = dt.date(2025, 6, 30)
STAFF_YEARS = tuple(range(2019, 2025))
INVESTMENT_YEARS = tuple(range(2024, 2029))
BACKLOG_YEAR = 2024

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


def council_size(population: int) -> int:
    """Number of council seats (without the mayor) per § 29 Abs. 2 SächsGemO."""
    for limit, seats in COUNCIL_SEATS:
        if population <= limit:
            return seats
    return COUNCIL_SEATS_MAX


def apportion(weights: Sequence[float], seats: int) -> list[int]:
    """Largest-remainder (Hare-Niemeyer) apportionment of ``seats`` by ``weights``."""
    total = sum(weights)
    quotas = [w * seats / total for w in weights]
    result = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - result[i]), i))
    for i in order[: seats - sum(result)]:
        result[i] += 1
    return result


class KenndatenGenerator(Generation):
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
