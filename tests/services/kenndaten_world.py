"""A small hand-made district for the Kenndaten/profile tests (real DB rows, no mocks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shapely.geometry import MultiPolygon, box
from sqlalchemy.orm import Session

from cockpit.domain.roles import Principal, Role
from cockpit.domain.vocab import (
    AreaKind,
    AreaSource,
    AreaStatus,
    MunicipalityKind,
    Visibility,
)
from cockpit.models import (
    AreaPotential,
    ContactPerson,
    District,
    Indicator,
    IndicatorValue,
    Municipality,
    StaffCount,
    ThemeCluster,
    User,
)

# (AGS, name, kind, population 2022, staff 2023)
MUNICIPALITIES = [
    ("14626110", "Görlitz", MunicipalityKind.STADT, 54664, 420),
    ("14626610", "Zittau", MunicipalityKind.STADT, 25585, 230),
    ("14626600", "Weißwasser/O.L.", MunicipalityKind.STADT, 15348, 140),
    ("14626240", "Herrnhut", MunicipalityKind.STADT, 5800, 40),
    ("14626420", "Ostritz", MunicipalityKind.STADT, 2200, 20),
    ("14626010", "Bad Muskau", MunicipalityKind.STADT, 3600, 30),
]


@dataclass
class World:
    ids: dict[str, int]  # AGS -> municipality id
    kreis: Principal
    analyse: Principal
    goerlitz_user: Principal
    zittau_user: Principal
    admin: Principal
    population_id: int
    internal_id: int
    own_id: int
    energie_id: int
    tourismus_id: int

    @property
    def goerlitz(self) -> int:
        return self.ids["14626110"]

    @property
    def zittau(self) -> int:
        return self.ids["14626610"]


def _square(x: float, y: float, size: float) -> MultiPolygon:
    return MultiPolygon([box(x, y, x + size, y + size)])


def build_world(session: Session, *, with_staff: bool = True) -> World:
    district = District(ags="14626", name="Landkreis Görlitz")
    session.add(district)
    session.flush()
    ids: dict[str, int] = {}
    for n, (ags, name, kind, _pop, _staff) in enumerate(MUNICIPALITIES):
        x = 480_000 + n * 10_000
        municipality = Municipality(
            district_id=district.id,
            ags=ags,
            name=name,
            kind=kind,
            boundary=_square(x, 5_650_000, 8_000),
            display_boundary=_square(14.7 + n * 0.12, 51.0, 0.1),
            area_km2=64.0,
            source="© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0",
            territorial_status=dt.date(2016, 1, 1),
        )
        session.add(municipality)
        session.flush()
        ids[ags] = municipality.id

    population = Indicator(
        key="population",
        label="Einwohner",
        unit="Personen",
        source="Zensus 2022",
        decimals=0,
        visibility=Visibility.PUBLIC,
    )
    internal = Indicator(
        key="haushalt_intern",
        label="Haushaltskennzahl",
        unit="€",
        visibility=Visibility.DISTRICT_INTERNAL,
    )
    own = Indicator(
        key="kita_plaetze",
        label="Kita-Auslastung",
        unit="%",
        visibility=Visibility.OWN_MUNICIPALITY,
        is_demo=True,
    )
    session.add_all([population, internal, own])
    session.flush()
    for n, (ags, _name, _kind, pop, staff) in enumerate(MUNICIPALITIES):
        mid = ids[ags]
        for year, factor in ((2020, 1.02), (2021, 1.01), (2022, 1.0)):
            session.add(
                IndicatorValue(
                    indicator_id=population.id,
                    municipality_id=mid,
                    year=year,
                    value=round(pop * factor),
                    source="Zensus 2022",
                )
            )
        session.add(
            IndicatorValue(indicator_id=internal.id, municipality_id=mid, year=2022, value=100 + n)
        )
        session.add(
            IndicatorValue(
                indicator_id=own.id, municipality_id=mid, year=2022, value=80 + n, is_demo=True
            )
        )
        if with_staff:
            session.add(StaffCount(municipality_id=mid, year=2023, headcount=staff))

    energie = ThemeCluster(key="energie", name="Energie", sort_order=1)
    tourismus = ThemeCluster(key="tourismus", name="Tourismus", sort_order=2)
    session.add_all([energie, tourismus])
    session.add(
        ContactPerson(
            municipality_id=ids["14626110"],
            name="Erika Muster",
            function="Wirtschaftsförderung",
            phone="03581 67-0",
            email="erika.muster@goerlitz.de",
            as_of=dt.date(2025, 1, 15),
            is_demo=True,
        )
    )
    session.add(
        AreaPotential(
            municipality_id=ids["14626110"],
            kind=AreaKind.GEWERBE,
            name="Gewerbegebiet Nord",
            geom=MultiPolygon([box(481_000, 5_651_000, 482_000, 5_652_000)]),
            area_ha=100.0,
            status=AreaStatus.VERFUEGBAR,
            source=AreaSource.GEOPORTAL,
        )
    )
    users = {}
    for username, role, munis in (
        ("kreis", Role.KREIS_REDAKTION, ()),
        ("analyse", Role.ANALYSE, ()),
        ("kommune.goerlitz", Role.KOMMUNE, ("14626110",)),
        ("kommune.zittau", Role.KOMMUNE, ("14626610",)),
        ("admin", Role.ADMIN, ()),
    ):
        user = User(username=username, display_name=username, password_hash="x", role=role)
        session.add(user)
        session.flush()
        users[username] = Principal(
            user_id=user.id,
            username=username,
            role=role,
            municipality_ids=frozenset(ids[a] for a in munis),
            display_name=f"Test {username}",
        )
    session.commit()
    return World(
        ids=ids,
        kreis=users["kreis"],
        analyse=users["analyse"],
        goerlitz_user=users["kommune.goerlitz"],
        zittau_user=users["kommune.zittau"],
        admin=users["admin"],
        population_id=population.id,
        internal_id=internal.id,
        own_id=own.id,
        energie_id=energie.id,
        tourismus_id=tourismus.id,
    )
