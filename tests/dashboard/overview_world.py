"""A small hand-made world for the overview map: 6 municipalities, 3 indicators, 5 users."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import MultiPolygon, box
from sqlalchemy.orm import Session

from cockpit.domain.roles import SYSTEM, Principal, Role
from cockpit.domain.vocab import MunicipalityKind, Visibility
from cockpit.models import District, Indicator, IndicatorValue, Municipality
from cockpit.services import users

# (AGS, name, population 2021, population 2022, unemployment %)
MUNICIPALITIES = [
    ("14626010", "Bad Muskau", 3_600, 3_652, 7.5),
    ("14626110", "Görlitz", 55_000, 54_664, 9.8),
    ("14626240", "Hähnichen", 1_300, None, 5.1),
    ("14626380", "Löbau", 14_800, 14_789, 8.2),
    ("14626600", "Weißwasser/O.L.", 15_500, 15_348, 11.4),
    ("14626610", "Zittau", 25_700, 25_585, 10.3),
]
PASSWORDS = {
    "kreis": "Kreis-Overview-Kennwort-1",
    "analyse": "Analyse-Overview-Kennwort-2",
    "kommune.goerlitz": "Goerlitz-Overview-Kennwort-3",
    "admin": "Admin-Overview-Kennwort-4",
}


@dataclass
class OverviewWorld:
    ids: dict[str, int]  # AGS -> municipality id
    kreis: Principal
    analyse: Principal
    kommune: Principal  # Görlitz
    admin: Principal


def seed_overview_world(session: Session, *, with_users: bool = False) -> OverviewWorld:
    district = District(ags="14626", name="Görlitz", official_name="Landkreis Görlitz")
    session.add(district)
    municipalities = {}
    for i, (ags, name, *_rest) in enumerate(MUNICIPALITIES):
        x0 = 14.6 + 0.1 * i
        municipalities[ags] = Municipality(
            district=district,
            ags=ags,
            ars=ags[:5] + "0000" + ags[5:],
            name=name,
            kind=MunicipalityKind.GEMEINDE,
            boundary=MultiPolygon(
                [box(480_000 + 8_000 * i, 5_650_000, 487_000 + 8_000 * i, 5_657_000)]
            ),
            display_boundary=MultiPolygon([box(x0, 51.0, x0 + 0.1, 51.1)]),
            area_km2=49.0,
        )
    session.add_all(municipalities.values())
    population = Indicator(
        key="bevoelkerung",
        label="Einwohner",
        unit="Personen",
        category="Bevölkerung",
        source="Zensus 2022",
        licence="dl-de/by-2-0",
        visibility=Visibility.PUBLIC,
        decimals=0,
    )
    unemployment = Indicator(
        key="arbeitslosenquote",
        label="Arbeitslosenquote",
        unit="%",
        category="Arbeitsmarkt",
        source="Demo",
        visibility=Visibility.DISTRICT_INTERNAL,
        decimals=1,
        is_demo=True,
    )
    backlog = Indicator(
        key="investitionsrueckstand",
        label="Investitionsrückstand",
        unit="€",
        category="Finanzen",
        source="Demo",
        visibility=Visibility.OWN_MUNICIPALITY,
        decimals=0,
        is_demo=True,
    )
    session.add_all([population, unemployment, backlog])
    session.flush()
    for i, (ags, _name, pop21, pop22, quote) in enumerate(MUNICIPALITIES):
        mid = municipalities[ags].id
        session.add(
            IndicatorValue(indicator=population, municipality_id=mid, year=2021, value=pop21)
        )
        if pop22 is not None:
            session.add(
                IndicatorValue(indicator=population, municipality_id=mid, year=2022, value=pop22)
            )
        session.add(
            IndicatorValue(
                indicator=unemployment, municipality_id=mid, year=2022, value=quote, is_demo=True
            )
        )
        session.add(
            IndicatorValue(
                indicator=backlog,
                municipality_id=mid,
                year=2022,
                value=1_000_000.0 * (i + 1),
                is_demo=True,
            )
        )
    session.commit()
    ids = {ags: m.id for ags, m in municipalities.items()}
    goerlitz = ids["14626110"]
    principals = {
        "kreis": Principal(1, "kreis", Role.KREIS_REDAKTION, display_name="Kreis"),
        "analyse": Principal(2, "analyse", Role.ANALYSE),
        "kommune.goerlitz": Principal(3, "kommune.goerlitz", Role.KOMMUNE, frozenset({goerlitz})),
        "admin": Principal(4, "admin", Role.ADMIN),
    }
    if with_users:
        roles = {
            "kreis": (Role.KREIS_REDAKTION, []),
            "analyse": (Role.ANALYSE, []),
            "kommune.goerlitz": (Role.KOMMUNE, [goerlitz]),
            "admin": (Role.ADMIN, []),
        }
        for name, (role, mids) in roles.items():
            user = users.create_user(
                session,
                SYSTEM,
                username=name,
                password=PASSWORDS[name],
                role=role,
                display_name=name.title(),
                municipality_ids=mids,
            )
            principals[name] = user.to_principal()
    return OverviewWorld(
        ids,
        principals["kreis"],
        principals["analyse"],
        principals["kommune.goerlitz"],
        principals["admin"],
    )
