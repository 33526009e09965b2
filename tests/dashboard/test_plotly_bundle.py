"""The trimmed Plotly bundle (scripts/plotly) covers every trace the dashboard draws and is
the plotly.js version plotly.py was built against."""

from __future__ import annotations

import re
from pathlib import Path

from plotly.offline import get_plotlyjs_version

from cockpit.dashboard import TRIMMED_PLOTLY
from cockpit.settings import PROJECT_ROOT

ENTRY = PROJECT_ROOT / "scripts" / "plotly" / "entry.js"


def _registered_traces() -> set[str]:
    modules = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", ENTRY.read_text()))
    return (modules - {"core"}) | {"scatter"}  # lib/core brings the scatter trace


def _drawn_traces() -> set[str]:
    traces: set[str] = set()
    for source in (PROJECT_ROOT / "cockpit" / "dashboard").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        traces |= {name.lower() for name in re.findall(r"\bgo\.([A-Z][a-z]+)\(", text)}
        traces |= set(re.findall(r"\"type\": \"(scatter\w*|bar|choropleth\w*)\"", text))
    return traces - {"figure"}


def test_bundle_registers_every_trace_the_dashboard_draws() -> None:
    drawn = _drawn_traces()
    assert {"choroplethmap", "scattermap", "bar", "scatter"} <= drawn  # the scan finds them
    assert drawn <= _registered_traces(), "add the trace to scripts/plotly/entry.js"


def test_bundle_is_built_with_plotly_pys_plotlyjs_version() -> None:
    bundle = Path(PROJECT_ROOT / TRIMMED_PLOTLY)
    assert bundle.exists(), "scripts/setup.sh builds it (npm run build:plotly)"
    # plotly.js's src/version.js, minified: <name>.version="x.y.z" (d3 and MapLibre use
    # version:"…"); the pin in package.json must follow plotly.py's bundled plotly.js
    versions = re.findall(r'\w\.version="(\d+\.\d+\.\d+)"', bundle.read_text(errors="replace"))
    assert versions == [get_plotlyjs_version()]
