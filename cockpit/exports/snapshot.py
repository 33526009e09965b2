"""Server-side map snapshots (PNG 96/300 dpi, SVG, PDF in A4/A3, portrait/landscape).

Rendered with matplotlib (Agg, no browser) from a :class:`MapSheet` — geometry in the
metric CRS, so the scale bar is true — with the classes and colours of the screen map. A
sheet is made from the overview's :class:`cockpit.services.exports.SnapshotData`
(:func:`sheet_of`, classes from :func:`layers.palettes.map_classes`) or from the
Themencluster lens (:func:`cluster_sheet`, categories from
:data:`layers.palettes.FOCUS_CATEGORIES`) or from the Flächen page (:func:`area_sheet`:
outlines plus the filtered areas in :data:`layers.palettes.AREA_KIND_COLOURS`, each area
with ``gid = flaeche-<public_id>``). Every municipality is drawn as its own artist
with ``gid = AGS`` (in SVG: ``<g id="14626110">``), so its fill can be checked. The export
record (:mod:`cockpit.exports.metadata`) is embedded in the file.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal

import matplotlib
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from cockpit.domain.formatting import format_number, to_local
from cockpit.exports.metadata import (
    ExportRecord,
    pdf_metadata,
    png_metadata,
    svg_metadata,
)
from cockpit.services.exports import (
    DEMO_DISCLAIMER,
    DEMO_NOTE,
    LAYER_AREAS,
    LAYER_DISTRICT,
    AreaMapData,
    ClusterMapData,
    Provenance,
    SnapshotData,
    cluster_count_text,
)
from cockpit.services.exports.provenance import WithMapProvenance
from layers.cartography import add_north_arrow, add_scale_bar
from layers.palettes import (
    AREA_BASE_EDGE,
    AREA_KIND_COLOURS,
    AREA_OTHER_COLOUR,
    BORDER_COLOUR,
    NO_DATA_COLOUR,
    NO_DATA_LABEL,
)

Format = Literal["pdf", "png", "svg"]
Paper = Literal["A4", "A3"]
Orientation = Literal["landscape", "portrait"]
FORMATS: Final[tuple[Format, ...]] = ("pdf", "png", "svg")
PAPERS: Final[tuple[Paper, ...]] = ("A4", "A3")
ORIENTATIONS: Final[tuple[Orientation, ...]] = ("landscape", "portrait")
DPI_CHOICES: Final = (96, 300)
PAPER_MM: Final[dict[Paper, tuple[float, float]]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
MIME: Final[dict[Format, str]] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "svg": "image/svg+xml",
}
METHOD_LABELS: Final = {
    "quantiles": "Quantile",
    "equal_interval": "Gleiche Intervalle",
    "natural_breaks": "Natürliche Brüche (Jenks)",
    "fisher_jenks": "Fisher-Jenks",
    "jenks_caspall": "Jenks-Caspall",
}
AREA_COLOURS: Final = AREA_KIND_COLOURS  # the colours of the Flächen map on screen
DEMO_COLOUR: Final = "#b00020"
TEXT_COLOUR: Final = "#1a1a1a"
MUTED_COLOUR: Final = "#4d4d4d"
MAX_GID_FEATURES: Final = 3000  # above: one collection (Germany-wide maps stay fast)
RESTRICTED_NOTE: Final = (
    "Werte anderer Gemeinden sind für Ihre Rolle nicht sichtbar und erscheinen grau."
)
AREA_RESTRICTED_NOTE: Final = "Sie sehen nur die Flächenpotenziale Ihrer eigenen Kommune."
AREA_GID_PREFIX: Final = "flaeche-"  # SVG id of an area: flaeche-<public_id>
AREA_FILL_ALPHA: Final = 0.55  # fill opacity of an available area on the screen map
CLUSTER_RESTRICTED_NOTE: Final = (
    "Schwerpunkte sind Kenndaten: Sie sehen die Angaben Ihrer eigenen Kommune; "
    "für den übrigen Landkreis nur die Anzahl."
)
LegendEntry = tuple[str, str, str]  # (kind: fill | line | outline, colour, label)


@dataclass(frozen=True)
class PageSpec:
    """Output format and paper. ``dpi`` applies to PNG (96 = screen, 300 = print)."""

    fmt: Format = "pdf"
    paper: Paper = "A4"
    orientation: Orientation = "landscape"
    dpi: int = 96

    @property
    def size_inches(self) -> tuple[float, float]:
        short, long = PAPER_MM[self.paper]
        width, height = (long, short) if self.orientation == "landscape" else (short, long)
        return width / 25.4, height / 25.4

    @property
    def scale(self) -> float:
        """Font scale: A3 text is larger, so it stays readable at the same viewing distance."""
        return 1.0 if self.paper == "A4" else 1.3

    def to_dict(self) -> dict[str, Any]:
        return {
            "fmt": self.fmt,
            "paper": self.paper,
            "orientation": self.orientation,
            "dpi": self.dpi,
        }


@contextmanager
def print_style() -> Iterator[None]:
    """Embedded TrueType fonts (real, searchable text), SVG text as text, fixed SVG ids."""
    with matplotlib.rc_context(
        {
            "pdf.fonttype": 3,
            "ps.fonttype": 3,  # matplotlib sizes its PDF glyph subsets by ps.fonttype
            "svg.fonttype": "none",
            "svg.hashsalt": "kommunal-cockpit",
            "font.family": "DejaVu Sans",
            "axes.unicode_minus": False,
        }
    ):
        yield


# --------------------------------------------------------------------------- geometry


def geometry_path(geometry: BaseGeometry) -> MplPath:
    """A compound matplotlib path of a (multi)polygon, holes included."""
    vertices: list[np.ndarray[Any, Any]] = []
    codes: list[np.ndarray[Any, Any]] = []
    for polygon in shapely.get_parts(geometry):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)[:, :2]
            if len(coords) < 3:
                continue
            ring_codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(coords)
            codes.append(ring_codes)
    if not vertices:
        return MplPath(np.zeros((0, 2)))
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _draw_polygons(
    ax: Axes,
    geometries: Sequence[BaseGeometry | None],
    facecolours: Sequence[str],
    *,
    gids: Sequence[str] | None,
    edgecolour: str,
    linewidth: float,
    zorder: float,
    alpha: float = 1.0,
) -> None:
    if gids is not None and len(geometries) <= MAX_GID_FEATURES:
        for geometry, colour, gid in zip(geometries, facecolours, gids, strict=True):
            if geometry is None or geometry.is_empty:
                continue
            collection = PatchCollection(
                [PathPatch(geometry_path(geometry))],
                facecolors=[colour],
                edgecolors=[edgecolour],
                linewidths=[linewidth],
                zorder=zorder,
                alpha=alpha,
            )
            collection.set_gid(gid)
            ax.add_collection(collection, autolim=False)
        return
    patches, colours = [], []
    for geometry, colour in zip(geometries, facecolours, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        patches.append(PathPatch(geometry_path(geometry)))
        colours.append(colour)
    collection = PatchCollection(
        patches,
        facecolors=colours,
        edgecolors=edgecolour,
        linewidths=linewidth,
        zorder=zorder,
        alpha=alpha,
    )
    ax.add_collection(collection, autolim=False)


def fit_extent(
    extent: tuple[float, float, float, float], box_aspect: float, pad: float = 0.03
) -> tuple[float, float, float, float]:
    """Grow ``extent`` (padded) so that height/width equals ``box_aspect`` (true scale)."""
    min_x, min_y, max_x, max_y = extent
    width = max(max_x - min_x, 1.0) * (1 + 2 * pad)
    height = max(max_y - min_y, 1.0) * (1 + 2 * pad)
    if height / width < box_aspect:
        height = width * box_aspect
    else:
        width = height / box_aspect
    cx, cy = (min_x + max_x) / 2, (min_y + max_y) / 2
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def _set_extent(
    ax: Axes, extent: tuple[float, float, float, float], box_inches: tuple[float, float]
) -> None:
    min_x, min_y, max_x, max_y = fit_extent(extent, box_inches[1] / box_inches[0])
    ax.set_xlim(min_x, max_x)
    ax.set_ylim(min_y, max_y)
    ax.set_aspect("equal", adjustable="box")


# --------------------------------------------------------------------------- texts


def legend_label(lower: float, upper: float, decimals: int) -> str:
    low, high = format_number(lower, decimals), format_number(upper, decimals)
    return low if low == high else f"{low} bis {high}"


def subtitle(data: SnapshotData) -> str:
    info = data.indicator
    method = METHOD_LABELS.get(data.params.method, data.params.method)
    parts = [f"Einheit: {info.unit}" if info.unit else "", f"Jahr: {data.params.year}"]
    count = len(data.legend)
    parts.append(f"Klassenbildung: {method}, {count} {'Klasse' if count == 1 else 'Klassen'}")
    if data.params.municipalities:
        parts.append(f"Auswahl: {len(data.frame)} Gemeinden")
    return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class MapSheet(WithMapProvenance):
    """Everything one snapshot page shows, whichever lens it comes from.

    ``frame``: one row per drawn municipality with ``ags``, ``colour`` and the geometry in
    the metric CRS; ``legend``: entries in drawing order; ``notes``: italic lines under the
    legend (e.g. what the role may not see); ``areas``: optional layer (``None`` = not
    drawn). Scope line, sources, "Demo-Daten", data hash, extent and the district outline
    (``None`` = not drawn) come from ``provenance``.
    """

    title: str
    subtitle: str
    legend_title: str
    legend: tuple[LegendEntry, ...]
    notes: tuple[str, ...]
    frame: Any  # geopandas.GeoDataFrame
    areas: Any  # geopandas.GeoDataFrame | None
    provenance: Provenance
    # Municipality borders (white between choropleth classes; grey under the area map) and
    # the area style: ``overlay`` (translucent, on the choropleth) or ``kinds`` (the Flächen
    # map: kind colour with a solid outline, one ``<g id="flaeche-<public_id>">`` per area).
    frame_edge: str = BORDER_COLOUR
    area_style: Literal["overlay", "kinds"] = "overlay"


def sheet_of(data: SnapshotData) -> MapSheet:
    """The overview's choropleth as a sheet (classes and colours of the screen map)."""
    info = data.indicator
    legend_title = (
        f"{info.label} in {info.unit}, {data.params.year}"
        if info.unit
        else (f"{info.label}, {data.params.year}")
    )
    return MapSheet(
        title=info.label,
        subtitle=subtitle(data),
        legend_title=legend_title,
        legend=tuple(_legend_entries(data)),
        notes=() if data.full_scope else (RESTRICTED_NOTE,),
        frame=data.frame,
        areas=data.areas if LAYER_AREAS in data.params.layers else None,
        provenance=data.provenance,
    )


def cluster_sheet(data: ClusterMapData) -> MapSheet:
    """The Themencluster lens as a sheet: focus categories with the lens's colours.

    Legend counts are the municipalities drawn in each category (what the role sees); the
    district-wide counts follow as a note, suppressed below the disclosure threshold
    exactly as on screen.
    """
    overview = data.overview
    legend: list[LegendEntry] = [
        ("fill", item.colour, f"{item.label}  ({item.count})") for item in data.legend
    ]
    if data.district_outline is not None:
        legend.append(("line", "#000000", "Kreisgrenze"))
    notes = [
        f"Im Landkreis: derzeitiger Schwerpunkt in "
        f"{cluster_count_text(overview.current_count)} Kommunen, zukünftiger Schwerpunkt in "
        f"{cluster_count_text(overview.future_count)} Kommunen."
    ]
    if not overview.complete:
        notes.append(CLUSTER_RESTRICTED_NOTE)
    return MapSheet(
        title=f"Themencluster {overview.cluster_name}",
        subtitle=(
            "Kommunen mit derzeitigem Schwerpunkt (Kernkompetenz) oder zukünftigem "
            "Schwerpunkt (Entwicklungsziel)"
        ),
        legend_title=f"Schwerpunkt im Themencluster {overview.cluster_name}",
        legend=tuple(legend),
        notes=tuple(notes),
        frame=data.frame,
        areas=None,
        provenance=data.provenance,
    )


def area_subtitle(data: AreaMapData) -> str:
    """Count, total area and the filters in words, e.g. ``"12 Flächen, 45,3 ha · Filter:
    Art: Gewerbefläche · Größe: ab 1,0 ha"``."""
    count = len(data.areas)
    total = format_number(data.total_ha, 1)
    head = f"{count} {'Fläche' if count == 1 else 'Flächen'}, {total} ha"
    return f"{head} · Filter: {data.filter_text}"


def area_sheet(data: AreaMapData) -> MapSheet:
    """The Flächen page's map as a sheet: grey municipality outlines, the filtered areas
    in the kind colours of the screen map, legend = kinds with their counts."""
    legend: list[LegendEntry] = [
        ("fill", item.colour, f"{item.label}  ({item.count})") for item in data.legend
    ]
    legend.append(("line", AREA_BASE_EDGE, "Gemeindegrenze"))
    if data.district_outline is not None:
        legend.append(("line", "#000000", "Kreisgrenze"))
    notes = [
        "Die Karte zeigt genau die gefilterten Flächen der Flächenseite; kleine Flächen "
        "erscheinen als Punkte in ihrer Farbe."
    ]
    if not data.full_scope:
        notes.append(AREA_RESTRICTED_NOTE)
    if not len(data.areas):
        notes.append("Keine Fläche entspricht den Filtern.")
    return MapSheet(
        title="Flächenpotenziale",
        subtitle=area_subtitle(data),
        legend_title="Flächenpotenziale nach Art (Anzahl)",
        legend=tuple(legend),
        notes=tuple(notes),
        frame=data.frame,
        areas=data.areas,
        provenance=data.provenance,
        frame_edge=AREA_BASE_EDGE,
        area_style="kinds",
    )


def export_line(record: ExportRecord) -> str:
    moment = to_local(record.created)
    return f"Exportiert am {moment:%d.%m.%Y} um {moment:%H:%M} Uhr von {record.user}"


# --------------------------------------------------------------------------- layout


def _layout(page: PageSpec) -> dict[str, tuple[float, float, float, float]]:
    """Axes rectangles (figure fractions): header, map, legend, footer."""
    if page.orientation == "landscape":
        return {
            "header": (0.035, 0.865, 0.93, 0.11),
            "map": (0.035, 0.185, 0.65, 0.67),
            "legend": (0.705, 0.185, 0.26, 0.67),
            "footer": (0.035, 0.02, 0.93, 0.15),
        }
    return {
        "header": (0.05, 0.9, 0.9, 0.08),
        "map": (0.05, 0.37, 0.9, 0.52),
        "legend": (0.05, 0.155, 0.9, 0.205),
        "footer": (0.05, 0.015, 0.9, 0.135),
    }


def _text_axes(figure: Figure, rect: tuple[float, float, float, float], name: str) -> Axes:
    ax = figure.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_gid(name)
    return ax


def _wrap(text: str, width_in: float, fontsize: float) -> list[str]:
    # DejaVu Sans averages ~0.55 em per character.
    chars = max(20, int(width_in * 72 / (fontsize * 0.55)))
    return textwrap.wrap(text, chars) or [""]


def _draw_header(ax: Axes, data: MapSheet, page: PageSpec) -> None:
    s = page.scale
    ax.text(
        0,
        0.92,
        data.title,
        fontsize=17 * s,
        fontweight="bold",
        va="top",
        color=TEXT_COLOUR,
    )
    ax.text(0, 0.32, data.subtitle, fontsize=10 * s, va="top", color=MUTED_COLOUR)
    if data.is_demo:
        ax.text(
            1,
            0.92,
            DEMO_NOTE,
            fontsize=10 * s,
            fontweight="bold",
            va="top",
            ha="right",
            color="white",
            bbox={"boxstyle": "round,pad=0.3", "facecolor": DEMO_COLOUR, "edgecolor": "none"},
        )


def _legend_entries(data: SnapshotData) -> list[tuple[str, str, str]]:
    """(kind, colour, label): kind ``fill`` | ``line`` | ``outline``."""
    decimals = max(data.indicator.decimals, 0)
    entries = [
        ("fill", item.colour, f"{legend_label(item.lower, item.upper, decimals)}  ({item.count})")
        for item in data.legend
    ]
    if data.no_data_count:
        entries.append(("fill", NO_DATA_COLOUR, f"{NO_DATA_LABEL}  ({data.no_data_count})"))
    if LAYER_DISTRICT in data.params.layers and data.district_outline is not None:
        entries.append(("line", "#000000", "Kreisgrenze"))
    if LAYER_AREAS in data.params.layers and data.areas is not None:
        kinds = dict(zip(data.areas["kind"], data.areas["kind_label"], strict=True))
        for kind in ("gewerbe", "industrie", "brache"):
            if kind in kinds:
                entries.append(("outline", AREA_COLOURS[kind], f"Flächenpotenzial: {kinds[kind]}"))
        if not kinds:
            entries.append(("outline", "#666666", "Flächenpotenziale: keine sichtbar"))
    return entries


def _draw_legend(ax: Axes, data: MapSheet, page: PageSpec, width_in: float) -> None:
    s = page.scale
    title = data.legend_title
    y = 1.0
    ax.text(0, y, "Legende", fontsize=11 * s, fontweight="bold", va="top", color=TEXT_COLOUR)
    y -= 0.075 if page.orientation == "landscape" else 0.16
    for line in _wrap(title, width_in, 8.5 * s)[:3]:
        ax.text(0, y, line, fontsize=8.5 * s, va="top", color=TEXT_COLOUR)
        y -= 0.045 if page.orientation == "landscape" else 0.12
    entries = data.legend
    columns = 1 if page.orientation == "landscape" else 2
    rows = -(-len(entries) // columns)
    step = 0.055 if page.orientation == "landscape" else min(0.6 / max(rows, 1), 0.13)
    box_h = step * 0.7
    box_w = 0.09 if page.orientation == "landscape" else 0.035
    y -= 0.01
    for index, (kind, colour, label) in enumerate(entries):
        column, row = divmod(index, rows) if columns > 1 else (0, index)
        x0 = column * 0.5
        top = y - row * step
        if kind == "fill":
            ax.add_patch(
                Rectangle(
                    (x0, top - box_h),
                    box_w,
                    box_h,
                    facecolor=colour,
                    edgecolor="#808080",
                    linewidth=0.4,
                )
            )
        elif kind == "line":
            ax.plot([x0, x0 + box_w], [top - box_h / 2] * 2, color=colour, linewidth=1.4)
        else:
            ax.add_patch(
                Rectangle(
                    (x0, top - box_h),
                    box_w,
                    box_h,
                    facecolor=colour,
                    alpha=0.35,
                    edgecolor=colour,
                    linewidth=1.0,
                )
            )
        ax.text(
            x0 + box_w + 0.025,
            top - box_h / 2,
            label,
            fontsize=8.5 * s,
            va="center",
            color=TEXT_COLOUR,
        )
    y -= rows * step + 0.02
    for note in data.notes:
        for line in _wrap(note, width_in, 7.5 * s):
            ax.text(0, y, line, fontsize=7.5 * s, va="top", color=MUTED_COLOUR, style="italic")
            y -= 0.035 if page.orientation == "landscape" else 0.09


def _draw_footer(
    ax: Axes, data: MapSheet, record: ExportRecord, page: PageSpec, width_in: float
) -> None:
    s = page.scale
    size = 7.2 * s
    lines: list[tuple[str, dict[str, Any]]] = [
        (data.scope_text, {"fontweight": "bold", "fontsize": 8.5 * s}),
        (f"{export_line(record)} · Datenstand {data.data_hash[:12]}", {}),
    ]
    sources = "Quellen: " + "; ".join(data.sources)
    lines.extend((line, {}) for line in _wrap(sources, width_in, size))
    if data.is_demo:
        lines.append((DEMO_DISCLAIMER, {}))
    y = 1.0
    step = 1.0 / max(len(lines) + 0.5, 6)
    for text, style in lines:
        options = {"fontsize": size, "va": "top", "color": MUTED_COLOUR, **style}
        ax.text(0, y, text, **options)
        y -= step


def _draw_kind_areas(ax: Axes, frame: Any) -> None:
    """Areas in their kind colour: translucent fill, solid outline (so that a 1-ha area
    still shows at district scale), one artist with ``gid = flaeche-<public_id>`` per area."""
    with_gids = len(frame) <= MAX_GID_FEATURES
    shared: list[PathPatch] = []
    shared_colours: list[str] = []
    for public_id, kind, geometry in zip(
        frame["public_id"], frame["kind"], frame.geometry, strict=True
    ):
        if geometry is None or geometry.is_empty:
            continue
        colour = AREA_KIND_COLOURS.get(str(kind), AREA_OTHER_COLOUR)
        if not with_gids:
            shared.append(PathPatch(geometry_path(geometry)))
            shared_colours.append(colour)
            continue
        collection = PatchCollection(
            [PathPatch(geometry_path(geometry))],
            facecolors=[to_rgba(colour, AREA_FILL_ALPHA)],
            edgecolors=[colour],
            linewidths=[1.2],
            zorder=5,
        )
        collection.set_gid(f"{AREA_GID_PREFIX}{public_id}")
        ax.add_collection(collection, autolim=False)
    if shared:
        ax.add_collection(
            PatchCollection(
                shared,
                facecolors=[to_rgba(c, AREA_FILL_ALPHA) for c in shared_colours],
                edgecolors=shared_colours,
                linewidths=1.2,
                zorder=5,
            ),
            autolim=False,
        )


def build_figure(data: SnapshotData | MapSheet, page: PageSpec, record: ExportRecord) -> Figure:
    """The complete snapshot page as a matplotlib figure (close it after saving)."""
    if isinstance(data, SnapshotData):
        data = sheet_of(data)
    width, height = page.size_inches
    figure = Figure(figsize=(width, height), dpi=page.dpi if page.fmt == "png" else 72)
    figure.patch.set_facecolor("white")
    rects = _layout(page)
    _draw_header(_text_axes(figure, rects["header"], "kopf"), data, page)

    ax = figure.add_axes(rects["map"])
    ax.set_gid("karte")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#999999")
        spine.set_linewidth(0.5)
    map_rect = rects["map"]
    _set_extent(ax, data.extent, (width * map_rect[2], height * map_rect[3]))
    frame = data.frame
    border = 0.35 if len(frame) < 500 else 0.05
    _draw_polygons(
        ax,
        list(frame.geometry),
        list(frame["colour"]),
        gids=[str(a) for a in frame["ags"]],
        edgecolour=data.frame_edge,
        linewidth=border,
        zorder=2,
    )
    if data.district_outline is not None:
        _draw_polygons(
            ax,
            [data.district_outline],
            ["none"],
            gids=["kreisgrenze"],
            edgecolour="#000000",
            linewidth=1.1,
            zorder=4,
        )
    if data.area_style == "kinds" and data.areas is not None and len(data.areas):
        _draw_kind_areas(ax, data.areas)
    elif data.areas is not None and len(data.areas):
        colours = [AREA_COLOURS.get(str(k), "#666666") for k in data.areas["kind"]]
        _draw_polygons(
            ax,
            list(data.areas.geometry),
            colours,
            gids=None,
            edgecolour="#333333",
            linewidth=0.3,
            zorder=5,
            alpha=0.75,
        )
    add_scale_bar(ax, fontsize=7 * page.scale)
    add_north_arrow(ax, fontsize=9 * page.scale)

    legend_rect = rects["legend"]
    _draw_legend(_text_axes(figure, legend_rect, "legende"), data, page, width * legend_rect[2])
    footer_rect = rects["footer"]
    _draw_footer(
        _text_axes(figure, footer_rect, "fusszeile"), data, record, page, width * footer_rect[2]
    )
    return figure


def render_snapshot(data: SnapshotData | MapSheet, page: PageSpec, record: ExportRecord) -> bytes:
    """Render the snapshot as PDF, PNG or SVG bytes with the export record embedded."""
    if page.fmt not in FORMATS:
        raise ValueError(f"unknown format {page.fmt!r}")
    with print_style():
        figure = build_figure(data, page, record)
        buffer = io.BytesIO()
        if page.fmt == "pdf":
            figure.savefig(buffer, format="pdf", metadata=pdf_metadata(record))
        elif page.fmt == "png":
            figure.savefig(buffer, format="png", dpi=page.dpi, metadata=png_metadata(record))
        else:
            figure.savefig(buffer, format="svg", metadata=svg_metadata(record))
    return buffer.getvalue()


def _page_name(page: PageSpec) -> str:
    """``A4_quer_300dpi.png``: paper, orientation, PNG resolution and format of a file name."""
    suffix = f"_{page.dpi}dpi" if page.fmt == "png" else ""
    orientation = "quer" if page.orientation == "landscape" else "hoch"
    return f"{page.paper}_{orientation}{suffix}.{page.fmt}"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def snapshot_filename(data: SnapshotData, page: PageSpec) -> str:
    return f"Karte_{_safe(data.params.indicator)}_{data.params.year}_{_page_name(page)}"


def area_snapshot_filename(page: PageSpec) -> str:
    return f"Flaechenpotenziale_{_page_name(page)}"


def cluster_snapshot_filename(data: ClusterMapData, page: PageSpec) -> str:
    return f"Themencluster_{_safe(data.overview.cluster_name)}_{_page_name(page)}"
