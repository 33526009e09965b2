"""Map palettes and class colours, shared by the screen map and the print exports.

Pure functions (no cockpit, Flask or Dash): the dashboard presenter
(``cockpit.dashboard.presenters.choropleth``) and the server-side snapshot
(``cockpit.exports.snapshot``) take their colours from here, so the same state gives the
same colour per municipality on screen and on paper.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import plotly.colors as pcolors

from layers.classify import Classification, Method, classify

NO_DATA_COLOUR: Final = "#b3b3b3"
NO_DATA_LABEL: Final = "keine Daten"
BORDER_COLOUR: Final = "#ffffff"


@dataclass(frozen=True)
class Palette:
    label: str
    colours: tuple[str, ...]
    start: float  # skip the near-white end of ColorBrewer ramps (too close to "keine Daten")


# Colour-blind safe: ColorBrewer single-hue sequential ramps, viridis/cividis, PuOr diverging.
PALETTES: Final[dict[str, Palette]] = {
    "blues": Palette("Blau (ColorBrewer)", tuple(pcolors.sequential.Blues), 0.2),
    "greens": Palette("Grün (ColorBrewer)", tuple(pcolors.sequential.Greens), 0.2),
    "oranges": Palette("Orange (ColorBrewer)", tuple(pcolors.sequential.Oranges), 0.2),
    "purples": Palette("Lila (ColorBrewer)", tuple(pcolors.sequential.Purples), 0.2),
    "viridis": Palette("Viridis", tuple(pcolors.sequential.Viridis), 0.0),
    "cividis": Palette("Cividis", tuple(pcolors.sequential.Cividis), 0.0),
    "puor": Palette("Orange–Lila (divergierend)", tuple(pcolors.diverging.PuOr), 0.0),
}
DEFAULT_PALETTE: Final = "blues"


def to_hex(colour: str) -> str:
    """``"rgb(8, 48, 107)"`` or ``"#08306B"`` -> ``"#08306b"``."""
    if colour.startswith("#"):
        return colour.lower()
    red, green, blue = (round(c) for c in pcolors.unlabel_rgb(colour))
    return f"#{red:02x}{green:02x}{blue:02x}"


def palette_colours(palette: str, k: int) -> list[str]:
    """``k`` colours (hex) evenly sampled from a palette, light/low to dark/high.

    An unknown palette name falls back to :data:`DEFAULT_PALETTE`.
    """
    return list(_palette_colours(palette, k))


@functools.lru_cache(maxsize=128)
def _palette_colours(palette: str, k: int) -> tuple[str, ...]:
    spec = PALETTES.get(palette, PALETTES[DEFAULT_PALETTE])
    if k <= 0:
        return ()
    if k == 1:
        positions = [1.0 if spec.start else 0.5]
    else:
        positions = [
            min(1.0, round(spec.start + (1.0 - spec.start) * i / (k - 1), 9)) for i in range(k)
        ]
    scale = pcolors.make_colorscale([to_hex(c) for c in spec.colours])
    return tuple(to_hex(c) for c in pcolors.sample_colorscale(scale, positions, colortype="rgb"))


def round_half_up(value: float, decimals: int) -> float:
    """Round like people expect (2,5 -> 3); the map classifies the values as displayed."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class MapClasses:
    """Classes and colours of a choropleth, one entry per input value.

    ``values`` are the values as displayed (rounded to the indicator's decimals),
    ``colours[i]`` is the fill of value ``i`` (:data:`NO_DATA_COLOUR` for missing values),
    ``class_colours[c]`` the colour of class ``c``.
    """

    values: tuple[float | None, ...]
    classification: Classification
    class_colours: tuple[str, ...]
    colours: tuple[str, ...]


def map_classes(
    values: Sequence[float | None], decimals: int, method: Method, k: int, palette: str
) -> MapClasses:
    """Round ``values`` to ``decimals``, classify them and colour every value by its class.

    This is the rule of the screen map (rounded values are classified, so a value shown as
    ``12,3`` is never coloured like ``12,4``).
    """
    rounded = tuple(None if v is None else round_half_up(float(v), decimals) for v in values)
    classification = classify(rounded, method, k)
    colours = tuple(palette_colours(palette, classification.k))
    per_value = tuple(NO_DATA_COLOUR if c < 0 else colours[c] for c in classification.class_index)
    return MapClasses(rounded, classification, colours, per_value)


# Themencluster lens: focus category per municipality (code = 1 current | 2 future, 3 both).
# Shared by the screen map (cockpit.dashboard.pages.themencluster) and its snapshot export.
FOCUS_NONE: Final = 0
FOCUS_CURRENT: Final = 1
FOCUS_FUTURE: Final = 2
FOCUS_CATEGORIES: Final[tuple[tuple[int, str, str], ...]] = (
    (0, "kein Schwerpunkt (oder nicht sichtbar)", "#eef0f3"),
    (1, "derzeitiger Schwerpunkt", "#1f5fa8"),
    (2, "zukünftiger Schwerpunkt", "#e08a00"),
    (3, "derzeitig und zukünftig", "#5b2a86"),
)


# Area potentials by kind (Gewerbe, Industrie, Brache): the Flächen map on screen
# (``cockpit.dashboard.components.area_map``, ``assets/flaechen.js``/``.css`` — a test keeps
# the static assets equal), the Kommune page and every snapshot that draws areas.
AREA_KIND_COLOURS: Final[dict[str, str]] = {
    "gewerbe": "#0072B2",
    "industrie": "#D55E00",
    "brache": "#7B3294",
}
AREA_OTHER_COLOUR: Final = "#444444"  # unknown kind (as in assets/flaechen.js)
# The municipalities under the area map (boundaryStyle of assets/flaechen.js).
AREA_BASE_FILL: Final = "#f4f4f1"
AREA_BASE_EDGE: Final = "#6b6b6b"
