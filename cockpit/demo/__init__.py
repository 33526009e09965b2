"""The demo data set (adapter-side: uses the services, never used by them).

:mod:`~cockpit.demo.loader` loads the real LK Görlitz data and generates the flagged demo
records (:mod:`~cockpit.demo.kenndaten`, :mod:`~cockpit.demo.indicators`,
:mod:`~cockpit.demo.areas`, :mod:`~cockpit.demo.proposals`; accounts in
:mod:`~cockpit.demo.users`, vocabulary in :mod:`~cockpit.demo.content`).
"""

from cockpit.demo.content import DEMO_SOURCE
from cockpit.demo.kenndaten import apportion, council_size
from cockpit.demo.loader import (
    INDICATOR_FILE,
    DemoRefusedError,
    DemoReport,
    generate_demo_content,
    has_demo_content,
    has_municipalities,
    load_demo,
    read_population,
)
from cockpit.demo.placement import place_area
from cockpit.demo.users import (
    DEMO_USERS,
    GOERLITZ_AGS,
    ZITTAU_AGS,
    DemoUserSpec,
    create_demo_user,
    slugify,
)

__all__ = [
    "DEMO_SOURCE",
    "DEMO_USERS",
    "GOERLITZ_AGS",
    "INDICATOR_FILE",
    "ZITTAU_AGS",
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
