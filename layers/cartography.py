"""Map furniture for print maps: scale bar and north arrow (pure matplotlib).

The axes must show a metric, projected CRS (metres, e.g. EPSG:25833) with an equal aspect
ratio, so that a data unit is a metre on the ground and the scale bar is true.
"""

from __future__ import annotations

import math
from typing import Final

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

# "Nice" lengths for a scale bar: 1, 2, 2.5 and 5 times a power of ten.
_NICE_STEPS: Final = (1.0, 2.0, 2.5, 5.0)


def nice_length(maximum: float) -> float:
    """The largest "nice" length (1, 2, 2.5, 5 × 10ⁿ) not longer than ``maximum`` (> 0)."""
    if maximum <= 0 or not math.isfinite(maximum):
        raise ValueError(f"scale bar length must be positive, got {maximum}")
    exponent = math.floor(math.log10(maximum))
    best = 10.0**exponent
    for step in _NICE_STEPS:
        candidate = step * 10.0**exponent
        if candidate <= maximum * (1 + 1e-9):
            best = candidate
    return best


def format_distance(metres: float) -> str:
    """German distance label: ``"500 m"``, ``"2,5 km"``, ``"10 km"``."""
    if metres < 1000:
        return f"{metres:.0f} m"
    km = metres / 1000.0
    text = f"{km:.1f}".rstrip("0").rstrip(".") if not km.is_integer() else f"{km:.0f}"
    return f"{text.replace('.', ',')} km"


def add_scale_bar(
    ax: Axes,
    *,
    fraction: float = 0.25,
    location: tuple[float, float] = (0.04, 0.04),
    segments: int = 2,
    fontsize: float = 7.0,
) -> float:
    """Draw a black-and-white scale bar of about ``fraction`` of the map width.

    ``location`` is the lower-left corner in axes coordinates. Returns the bar length in
    metres (map units). The axes limits must be final before calling this.
    """
    x_min, x_max = ax.get_xlim()
    y_min, y_max = ax.get_ylim()
    width = x_max - x_min
    length = nice_length(width * fraction)
    segments = max(1, segments)
    x0 = x_min + location[0] * width
    y0 = y_min + location[1] * (y_max - y_min)
    height = (y_max - y_min) * 0.008
    step = length / segments
    ax.add_patch(
        Rectangle(
            (x0 - width * 0.015, y0 - height * 1.5),
            length + width * 0.03 + width * 0.04,
            height * 6.5,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=19,
        )
    )
    for i in range(segments):
        ax.add_patch(
            Rectangle(
                (x0 + i * step, y0),
                step,
                height,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=20,
            )
        )
    label_y = y0 + height * 1.8
    text_style = {"fontsize": fontsize, "ha": "center", "va": "bottom", "zorder": 21}
    ax.text(x0, label_y, "0", **text_style)  # type: ignore[arg-type]
    ax.text(x0 + length, label_y, format_distance(length), **text_style)  # type: ignore[arg-type]
    if segments > 1:
        ax.text(x0 + length / 2, label_y, format_distance(length / 2), **text_style)  # type: ignore[arg-type]
    return length


def add_north_arrow(
    ax: Axes,
    *,
    location: tuple[float, float] = (0.95, 0.88),
    size: float = 0.07,
    fontsize: float = 9.0,
) -> None:
    """Draw a north arrow (grid north, i.e. up) at ``location`` in axes coordinates.

    ``size`` is the arrow height as a fraction of the axes height.
    """
    x, y = location
    bbox = ax.get_position()
    figure = ax.get_figure(root=True)
    aspect = 1.0
    if isinstance(figure, Figure):
        fig_w, fig_h = figure.get_size_inches()
        aspect = (bbox.height * fig_h) / max(bbox.width * fig_w, 1e-9)
    half_width = size * 0.35 * aspect
    tip = (x, y + size / 2)
    left = (x - half_width, y - size / 2)
    right = (x + half_width, y - size / 2)
    notch = (x, y - size / 4)
    common = {"transform": ax.transAxes, "edgecolor": "black", "linewidth": 0.6, "zorder": 21}
    ax.add_patch(Polygon([tip, left, notch], closed=True, facecolor="black", **common))  # type: ignore[arg-type]
    ax.add_patch(Polygon([tip, right, notch], closed=True, facecolor="white", **common))  # type: ignore[arg-type]
    ax.text(
        x,
        y + size / 2 + 0.01,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=fontsize,
        fontweight="bold",
        zorder=21,
    )
