"""Steckbrief: a multi-page A4 PDF per municipality (matplotlib ``PdfPages``, real text).

Content comes from :func:`cockpit.services.exports.get_report_data` (already authorized):
header facts and map, KPI panel, every Kenndaten section (only with confidential access),
area potentials (table and map), sources and export date. A small flowing layout engine
(:class:`ReportWriter`) places headings, paragraphs, wrapped tables and figures on pages
and breaks pages where needed.
"""

from __future__ import annotations

import io
import textwrap
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cockpit.domain.formatting import (
    MISSING,
    format_date,
    format_eur,
    format_km2,
    format_number,
    format_value,
)
from cockpit.domain.vocab import InvestmentKind, InvestmentSector
from cockpit.exports.metadata import ExportRecord, pdf_metadata
from cockpit.exports.snapshot import (
    AREA_COLOURS,
    DEMO_COLOUR,
    MUTED_COLOUR,
    TEXT_COLOUR,
    _draw_polygons,
    export_line,
    fit_extent,
    print_style,
)
from cockpit.services import kenndaten
from cockpit.services.exports import DEMO_DISCLAIMER, DEMO_NOTE, ReportData, kenndaten_cell
from layers.cartography import add_north_arrow, add_scale_bar

PAGE_W: Final = 210 / 25.4
PAGE_H: Final = 297 / 25.4
MARGIN_X: Final = 0.75
MARGIN_TOP: Final = 0.85
MARGIN_BOTTOM: Final = 0.85
CONTENT_W: Final = PAGE_W - 2 * MARGIN_X
LINE: Final = 1.32 / 72  # inches per point of font size
HIGHLIGHT: Final = "#2171b5"
CONTEXT_FILL: Final = "#e6e6e6"
BACKLOG_COLOUR: Final = "#d95f02"
PLANNED_COLOUR: Final = "#1b9e77"
NO_CONFIDENTIAL_NOTE: Final = (
    "Sie sehen das öffentliche Profil dieser Kommune. Kenndaten (Ansprechpartner, "
    "Verwaltung, Investitionen, Gremien, Schwerpunkte) und Flächenpotenziale sind nur für "
    "die eigene Kommune und den Landkreis sichtbar und daher nicht enthalten."
)


def _chars_per_line(width_in: float, size: float) -> int:
    return max(8, int(width_in * 72 / (size * 0.56)))


def wrap(text: str, width_in: float, size: float) -> list[str]:
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        lines.extend(
            textwrap.wrap(paragraph, _chars_per_line(width_in, size), break_long_words=True) or [""]
        )
    return lines


@dataclass(frozen=True)
class TableColumn:
    label: str
    width: float  # fraction of the content width
    align: str = "left"


class ReportWriter:
    """Flowing A4-portrait layout: y is measured in inches from the top of the page."""

    def __init__(self, pdf: PdfPages, running_title: str, footer: str) -> None:
        self.pdf = pdf
        self.running_title = running_title
        self.footer = footer
        self.page_number = 0
        self.figure: Figure | None = None
        self.y = MARGIN_TOP

    # ---- pages

    def _fig_y(self, y_in: float) -> float:
        return 1 - y_in / PAGE_H

    def _fig_x(self, x_in: float) -> float:
        return x_in / PAGE_W

    def new_page(self) -> Figure:
        self.flush()
        self.page_number += 1
        figure = Figure(figsize=(PAGE_W, PAGE_H), dpi=72)
        figure.patch.set_facecolor("white")
        self.figure = figure
        figure.text(
            self._fig_x(MARGIN_X),
            self._fig_y(0.45),
            self.running_title,
            fontsize=7.5,
            color=MUTED_COLOUR,
            va="bottom",
        )
        figure.add_artist(
            Rectangle(
                (self._fig_x(MARGIN_X), self._fig_y(0.5)),
                CONTENT_W / PAGE_W,
                0.6 / 72 / PAGE_H,
                transform=figure.transFigure,
                facecolor="#999999",
                edgecolor="none",
            )
        )
        figure.text(
            self._fig_x(MARGIN_X),
            self._fig_y(PAGE_H - 0.45),
            self.footer,
            fontsize=6.5,
            color=MUTED_COLOUR,
            va="top",
        )
        figure.text(
            self._fig_x(PAGE_W - MARGIN_X),
            self._fig_y(PAGE_H - 0.45),
            f"Seite {self.page_number}",
            fontsize=7,
            color=MUTED_COLOUR,
            va="top",
            ha="right",
        )
        self.y = MARGIN_TOP
        return figure

    def flush(self) -> None:
        if self.figure is not None:
            self.pdf.savefig(self.figure)  # type: ignore[no-untyped-call]
            self.figure = None

    @property
    def remaining(self) -> float:
        return PAGE_H - MARGIN_BOTTOM - self.y

    def ensure(self, height: float) -> Figure:
        if self.figure is None or height > self.remaining:
            return self.new_page()
        return self.figure

    # ---- text

    def text(
        self,
        text: str,
        *,
        size: float = 9.0,
        weight: str = "normal",
        colour: str = TEXT_COLOUR,
        indent: float = 0.0,
        gap_after: float = 0.04,
        style: str = "normal",
    ) -> None:
        for line in wrap(text, CONTENT_W - indent, size):
            figure = self.ensure(size * LINE)
            figure.text(
                self._fig_x(MARGIN_X + indent),
                self._fig_y(self.y),
                line,
                fontsize=size,
                fontweight=weight,
                color=colour,
                va="top",
                style=style,
            )
            self.y += size * LINE
        self.y += gap_after

    def heading(self, text: str, level: int = 1, keep_with: float = 0.6) -> None:
        """A heading kept on one page with ``keep_with`` inches of what follows."""
        size = {0: 20.0, 1: 13.5, 2: 11.0}.get(level, 10.0)
        self.ensure(size * LINE + 0.2 + keep_with)
        self.y += 0.12 if level else 0.0
        self.text(text, size=size, weight="bold", gap_after=0.08)

    def key_values(self, rows: Sequence[tuple[str, str]], label_width: float = 2.1) -> None:
        size = 9.0
        for label, value in rows:
            lines = wrap(value, CONTENT_W - label_width, size)
            figure = self.ensure(len(lines) * size * LINE)
            figure.text(
                self._fig_x(MARGIN_X),
                self._fig_y(self.y),
                label,
                fontsize=size,
                color=MUTED_COLOUR,
                va="top",
            )
            for i, line in enumerate(lines):
                figure.text(
                    self._fig_x(MARGIN_X + label_width),
                    self._fig_y(self.y + i * size * LINE),
                    line,
                    fontsize=size,
                    color=TEXT_COLOUR,
                    va="top",
                )
            self.y += len(lines) * size * LINE + 0.03
        self.y += 0.05

    def table(
        self,
        columns: Sequence[TableColumn],
        rows: Sequence[Sequence[str]],
        *,
        size: float = 8.0,
        empty: str = "Keine Einträge erfasst.",
    ) -> None:
        if not rows:
            self.text(empty, size=8.5, colour=MUTED_COLOUR, style="italic")
            return
        widths = [c.width * CONTENT_W for c in columns]
        pad = 0.05

        def draw_row(cells: Sequence[str], bold: bool, shade: bool) -> None:
            wrapped = [wrap(cell, w - 2 * pad, size) for cell, w in zip(cells, widths, strict=True)]
            height = max(len(lines) for lines in wrapped) * size * LINE + 2 * pad
            if height > self.remaining and not bold:
                self.new_page()
                draw_row([c.label for c in columns], True, True)
            figure = self.ensure(height)
            if shade:
                figure.add_artist(
                    Rectangle(
                        (self._fig_x(MARGIN_X), self._fig_y(self.y + height)),
                        CONTENT_W / PAGE_W,
                        height / PAGE_H,
                        transform=figure.transFigure,
                        facecolor="#e8eef6" if bold else "#f5f5f5",
                        edgecolor="none",
                        zorder=0,
                    )
                )
            x = MARGIN_X
            for lines, width, column in zip(wrapped, widths, columns, strict=True):
                right = column.align == "right"
                for i, line in enumerate(lines):
                    figure.text(
                        self._fig_x(x + width - pad if right else x + pad),
                        self._fig_y(self.y + pad + i * size * LINE),
                        line,
                        fontsize=size,
                        fontweight="bold" if bold else "normal",
                        color=TEXT_COLOUR,
                        va="top",
                        ha="right" if right else "left",
                    )
                x += width
            self.y += height

        self.ensure(4 * size * LINE + 0.3)
        draw_row([c.label for c in columns], True, True)
        for index, row in enumerate(rows):
            draw_row(list(row), False, index % 2 == 1)
        self.y += 0.12

    def block(
        self, height: float, draw: Callable[[Figure, tuple[float, float, float, float]], None]
    ) -> None:
        """Reserve ``height`` inches and let ``draw`` fill the rectangle (figure fractions)."""
        figure = self.ensure(height)
        rect = (
            self._fig_x(MARGIN_X),
            self._fig_y(self.y + height),
            CONTENT_W / PAGE_W,
            height / PAGE_H,
        )
        draw(figure, rect)
        self.y += height + 0.1


# --------------------------------------------------------------------------- content


def _map_block(
    data: ReportData, *, zoom_to_municipality: bool, with_areas: bool
) -> Callable[[Figure, tuple[float, float, float, float]], None]:
    highlight = "#c6dbef" if with_areas else HIGHLIGHT

    def draw(figure: Figure, rect: tuple[float, float, float, float]) -> None:
        ax = figure.add_axes(rect)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("#999999")
            spine.set_linewidth(0.5)
        own = data.profile.ags
        if zoom_to_municipality:
            bounds = tuple(float(v) for v in data.boundary.bounds)
        else:
            import shapely

            all_bounds = shapely.total_bounds([n.geometry for n in data.neighbours])
            bounds = tuple(float(v) for v in all_bounds)
        box_w, box_h = rect[2] * PAGE_W, rect[3] * PAGE_H
        min_x, min_y, max_x, max_y = fit_extent(bounds, box_h / box_w, pad=0.05)  # type: ignore[arg-type]
        ax.set_xlim(min_x, max_x)
        ax.set_ylim(min_y, max_y)
        ax.set_aspect("equal", adjustable="box")
        _draw_polygons(
            ax,
            [n.geometry for n in data.neighbours],
            [highlight if n.ags == own else CONTEXT_FILL for n in data.neighbours],
            gids=[n.ags for n in data.neighbours],
            edgecolour="#ffffff",
            linewidth=0.4,
            zorder=2,
        )
        _draw_polygons(
            ax,
            [data.boundary],
            ["none"],
            gids=["auswahl"],
            edgecolour="#08306b",
            linewidth=1.2,
            zorder=3,
        )
        if with_areas and data.area_geometries:
            _draw_polygons(
                ax,
                [g for _, _, g in data.area_geometries],
                [AREA_COLOURS.get(k, "#666666") for _, k, _ in data.area_geometries],
                gids=None,
                edgecolour="#333333",
                linewidth=0.3,
                zorder=4,
                alpha=0.85,
            )
        if zoom_to_municipality:
            for n in data.neighbours:
                if n.ags != own and n.geometry.intersects(data.boundary.envelope):
                    point = n.geometry.representative_point()
                    if min_x < point.x < max_x and min_y < point.y < max_y:
                        ax.text(
                            point.x,
                            point.y,
                            n.name,
                            fontsize=6,
                            color=MUTED_COLOUR,
                            ha="center",
                            va="center",
                            zorder=5,
                        )
        add_scale_bar(ax, fontsize=6.5)
        add_north_arrow(ax, fontsize=8, size=0.08)

    return draw


def _kpi_rows(data: ReportData) -> list[list[str]]:
    rows = []
    for kpi in data.profile.kpis:
        latest = kpi.latest
        if latest is None:
            continue
        year, value = latest
        previous = kpi.previous
        change = MISSING
        if previous is not None:
            delta = value - previous[1]
            sign = "+" if delta > 0 else ""
            change = f"{sign}{format_number(delta, kpi.decimals)} (ggü. {previous[0]})"
        band = MISSING
        if kpi.band is not None:
            band = (
                f"{format_number(kpi.band.median, kpi.decimals)} "
                f"({format_number(kpi.band.lower_quartile, kpi.decimals)} – "
                f"{format_number(kpi.band.upper_quartile, kpi.decimals)})"
            )
        label = kpi.label + (f" ({DEMO_NOTE})" if kpi.is_demo else "")
        rows.append([label, format_value(value, kpi.unit, kpi.decimals), str(year), change, band])
    return rows


def _kenndaten_rows(group: str, data: ReportData, keys: Sequence[str]) -> list[list[str]]:
    assert data.kenndaten is not None
    rows = []
    for item in data.kenndaten.groups.get(group, ()):
        row = []
        for key in keys:
            value = kenndaten_cell(group, key, item.values.get(key))
            if value is None or value == "":
                row.append(MISSING)
            elif key == "year":
                row.append(str(value))
            elif hasattr(value, "isoformat"):
                row.append(format_date(value))
            elif isinstance(value, float):
                row.append(format_number(value, 1))
            elif isinstance(value, int):
                row.append(format_number(value, 0))
            else:
                row.append(str(value))
        rows.append(row)
    return rows


def _investment_summary(data: ReportData) -> list[tuple[str, float, float]]:
    assert data.kenndaten is not None
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for item in data.kenndaten.groups.get("investments", ()):
        sums[str(item.values.get("sector"))][str(item.values.get("kind"))] += float(
            item.values.get("amount_eur") or 0
        )
    return [
        (
            sector.label,
            sums[sector.value][InvestmentKind.BACKLOG.value],
            sums[sector.value][InvestmentKind.PLANNED.value],
        )
        for sector in InvestmentSector
        if sector.value in sums
    ]


def _investment_chart(
    summary: Sequence[tuple[str, float, float]],
) -> Callable[[Figure, tuple[float, float, float, float]], None]:
    def draw(figure: Figure, rect: tuple[float, float, float, float]) -> None:
        left = rect[0] + rect[2] * 0.3
        bottom = 0.45 / PAGE_H  # room for tick labels and the axis title inside the block
        ax: Axes = figure.add_axes((left, rect[1] + bottom, rect[2] * 0.68, rect[3] - bottom))
        labels = [s[0] for s in summary]
        positions = list(range(len(summary)))
        ax.barh(
            [p + 0.2 for p in positions],
            [s[1] / 1e6 for s in summary],
            height=0.38,
            color=BACKLOG_COLOUR,
            label="Investitionsrückstand",
        )
        ax.barh(
            [p - 0.2 for p in positions],
            [s[2] / 1e6 for s in summary],
            height=0.38,
            color=PLANNED_COLOUR,
            label="geplante Investitionen",
        )
        ax.set_yticks(positions, labels, fontsize=7.5)
        ax.invert_yaxis()
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("Mio. €", fontsize=7.5)
        ax.xaxis.set_major_formatter(
            lambda value, _pos: format_number(value, 1)  # type: ignore[arg-type]
        )
        ax.legend(fontsize=7, loc="lower right", frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    return draw


def _council_rows(data: ReportData) -> tuple[str, list[list[str]]]:
    assert data.kenndaten is not None
    items = data.kenndaten.groups.get("council", ())
    if not items:
        return "", []
    latest = max(item.values["election_date"] for item in items)
    chosen = [i for i in items if i.values.get("election_date") == latest]
    total = sum(int(i.values.get("seats") or 0) for i in chosen)
    rows = [
        [
            str(i.values.get("party")),
            str(i.values.get("seats")),
            format_number(100.0 * int(i.values.get("seats") or 0) / total, 1) + " %"
            if total
            else MISSING,
        ]
        for i in chosen
    ]
    rows.append(["Summe", str(total), "100,0 %" if total else MISSING])
    return f"Sitzverteilung nach der Wahl vom {format_date(latest)}", rows


def _focus_rows(data: ReportData) -> list[list[str]]:
    assert data.kenndaten is not None
    rows = []
    focus_labels = dict(kenndaten.get_group("focus").field("focus").choices)
    for item in data.kenndaten.groups.get("focus", ()):
        values = item.values
        actors = []
        for key, label in (
            ("companies", "Unternehmen"),
            ("institutions", "Institutionen"),
            ("research", "Forschungseinrichtungen"),
        ):
            names = values.get(key) or []
            if names:
                actors.append(f"{label}: {', '.join(names)}")
        rows.append(
            [
                str(values.get("cluster_name") or MISSING),
                focus_labels.get(str(values.get("focus")), str(values.get("focus"))),
                str(values.get("description") or MISSING),
                "\n".join(actors) or MISSING,
            ]
        )
    return rows


def _write_kenndaten(writer: ReportWriter, data: ReportData) -> None:
    view = data.kenndaten
    assert view is not None
    writer.heading("Ansprechpartner")
    writer.table(
        [
            TableColumn("Name", 0.2),
            TableColumn("Funktion", 0.2),
            TableColumn("Organisationseinheit", 0.2),
            TableColumn("Telefon", 0.15),
            TableColumn("E-Mail", 0.25),
        ],
        _kenndaten_rows("contacts", data, ("name", "function", "department", "phone", "email")),
    )

    writer.heading("Beschäftigte in der Kernverwaltung")
    writer.table(
        [
            TableColumn("Jahr", 0.2),
            TableColumn("Beschäftigte (Köpfe)", 0.3, "right"),
            TableColumn("Vollzeitäquivalente", 0.3, "right"),
            TableColumn("Stand", 0.2),
        ],
        _kenndaten_rows("staff", data, ("year", "headcount", "full_time_equivalent", "as_of")),
    )
    bench = view.staff_benchmark
    if bench is not None:
        own = format_number(bench.own_per_1000, 1) if bench.own_per_1000 is not None else MISSING
        writer.text(
            f"Beschäftigte je 1.000 Einwohner ({bench.year}): {own}; Median des Landkreises "
            f"{format_number(bench.median_per_1000, 1)} ({bench.municipality_count} Gemeinden).",
            size=8.5,
        )

    summary = _investment_summary(data)
    chart_height = 0.28 * len(summary) + 0.9
    writer.heading("Investitionsrückstände und geplante Investitionen", keep_with=chart_height)
    if summary:
        writer.block(chart_height, _investment_chart(summary))
        total_backlog = sum(s[1] for s in summary)
        total_planned = sum(s[2] for s in summary)
        rows = [[s[0], format_eur(s[1]), format_eur(s[2])] for s in summary]
        rows.append(["Summe", format_eur(total_backlog), format_eur(total_planned)])
        writer.table(
            [
                TableColumn("Bereich", 0.4),
                TableColumn("Investitionsrückstand", 0.3, "right"),
                TableColumn("geplante Investitionen", 0.3, "right"),
            ],
            rows,
        )
        detail = [
            [
                str(kenndaten_cell("investments", "sector", i.values.get("sector"))),
                str(kenndaten_cell("investments", "kind", i.values.get("kind"))),
                str(i.values.get("year")),
                format_eur(float(i.values.get("amount_eur") or 0)),
                str(i.values.get("description") or MISSING),
            ]
            for i in view.groups.get("investments", ())
        ]
        writer.heading("Einzelposten", level=2)
        writer.table(
            [
                TableColumn("Bereich", 0.24),
                TableColumn("Art", 0.22),
                TableColumn("Jahr", 0.07),
                TableColumn("Betrag", 0.15, "right"),
                TableColumn("Beschreibung", 0.32),
            ],
            detail,
            size=7.5,
        )
    else:
        writer.text("Keine Investitionsposten erfasst.", size=8.5, colour=MUTED_COLOUR)

    writer.heading("Kommunale Eigenbetriebe")
    writer.table(
        [
            TableColumn("Name", 0.3),
            TableColumn("Rechtsform", 0.18),
            TableColumn("Aufgabe", 0.38),
            TableColumn("Beschäftigte", 0.14, "right"),
        ],
        _kenndaten_rows("enterprises", data, ("name", "legal_form", "purpose", "employees")),
    )

    writer.heading("Mitgliedschaften und Zweckverbände")
    writer.table(
        [TableColumn("Name", 0.4), TableColumn("Art", 0.2), TableColumn("Zweck", 0.4)],
        _kenndaten_rows("memberships", data, ("name", "kind", "purpose")),
    )

    writer.heading("Stadt-/Gemeinderat")
    caption, council = _council_rows(data)
    if caption:
        writer.text(caption, size=8.5)
    writer.table(
        [
            TableColumn("Partei/Liste", 0.6),
            TableColumn("Sitze", 0.2, "right"),
            TableColumn("Anteil", 0.2, "right"),
        ],
        council,
    )

    writer.heading("Themencluster: Kernkompetenzen und Entwicklungsziele")
    writer.table(
        [
            TableColumn("Themencluster", 0.17),
            TableColumn("Schwerpunkt", 0.15),
            TableColumn("Beschreibung", 0.3),
            TableColumn("Akteure", 0.38),
        ],
        _focus_rows(data),
        size=7.5,
    )


def _write_areas(writer: ReportWriter, data: ReportData) -> None:
    assert data.area_list is not None
    writer.heading("Flächenpotenziale")
    total = sum(a.area_ha for a in data.area_list)
    writer.text(
        f"{len(data.area_list)} Flächen mit zusammen {format_number(total, 1)}\u00a0ha "
        "Bruttofläche.",
        size=8.5,
    )
    if data.area_geometries:
        writer.block(3.6, _map_block(data, zoom_to_municipality=True, with_areas=True))
        legend = ", ".join(
            f"{label} ({colour})"
            for label, colour in (
                ("Gewerbe", "orange"),
                ("Industrie", "violett"),
                ("Brache", "braun"),
            )
        )
        writer.text(f"Kartenlegende: {legend}.", size=7.5, colour=MUTED_COLOUR)
    writer.table(
        [
            TableColumn("Bezeichnung / Kennung", 0.42),
            TableColumn("Art", 0.14),
            TableColumn("Vermarktungsstand", 0.16),
            TableColumn("Fläche", 0.11, "right"),
            TableColumn("zuletzt bestätigt", 0.17),
        ],
        [
            [
                f"{a.name}\n{a.public_id}",
                a.kind_label,
                a.status_label,
                a.area_text,
                a.last_confirmed_text,
            ]
            for a in data.area_list
        ],
        size=7.5,
        empty="Keine Flächenpotenziale erfasst.",
    )


def title_of(data: ReportData) -> str:
    return f"Steckbrief {data.profile.kind} {data.profile.name}"


def render_report(data: ReportData, record: ExportRecord) -> bytes:
    """The Steckbrief of one municipality as PDF bytes (record in the PDF metadata)."""
    prof = data.profile
    export_text = export_line(record)
    footer = f"{data.scope_text} · {export_text}" + (f" · {DEMO_NOTE}" if data.is_demo else "")
    buffer = io.BytesIO()
    with print_style(), PdfPages(buffer, metadata=pdf_metadata(record)) as pdf:
        writer = ReportWriter(pdf, f"Kommunal-Cockpit · {title_of(data)}", footer)
        writer.new_page()
        writer.heading(title_of(data), level=0)
        writer.text(
            f"{data.district_name} · Amtlicher Gemeindeschlüssel {prof.ags}",
            size=10,
            colour=MUTED_COLOUR,
            gap_after=0.05,
        )
        writer.text(data.scope_text, size=9, weight="bold", gap_after=0.05)
        if data.is_demo:
            figure = writer.ensure(0.3)
            figure.text(
                1 - MARGIN_X / PAGE_W,
                1 - MARGIN_TOP / PAGE_H,
                DEMO_NOTE,
                fontsize=10,
                fontweight="bold",
                color="white",
                ha="right",
                va="top",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": DEMO_COLOUR, "edgecolor": "none"},
            )
        population = prof.population
        facts = [
            (
                "Einwohner",
                f"{format_number(population.value, 0)} ({population.year}; {population.source})"
                if population
                else MISSING,
            ),
            ("Fläche", f"{format_km2(prof.area_km2)}"),
            (
                "Einwohner je km²",
                format_number(prof.density, 1) if prof.density is not None else MISSING,
            ),
            ("Gebietsstand", format_date(prof.territorial_status)),
        ]
        writer.key_values(facts)
        writer.block(4.9, _map_block(data, zoom_to_municipality=False, with_areas=False))
        writer.text(
            f"Lage von {prof.name} (blau) im {data.district_name}.", size=7.5, colour=MUTED_COLOUR
        )

        writer.heading("Kennzahlen")
        writer.table(
            [
                TableColumn("Kennzahl", 0.34),
                TableColumn("Wert", 0.2, "right"),
                TableColumn("Jahr", 0.08, "right"),
                TableColumn("Veränderung", 0.18, "right"),
                TableColumn("Median Landkreis (Quartile)", 0.2, "right"),
            ],
            _kpi_rows(data),
            size=7.5,
            empty="Keine Kennzahlen vorhanden.",
        )

        writer.heading("Kenndaten")
        if data.kenndaten is not None:
            _write_kenndaten(writer, data)
        else:
            writer.text(NO_CONFIDENTIAL_NOTE, size=9, style="italic")
        if data.area_list is not None:
            _write_areas(writer, data)

        writer.heading("Quellen und Lizenzen")
        for source in data.sources:
            writer.text(f"• {source}", size=8.5, gap_after=0.02)
        if data.kenndaten is not None:
            writer.text(
                "• Kenndaten und Flächenpotenziale: Angaben der Kommune bzw. des Landratsamts "
                "(Stand je Eintrag).",
                size=8.5,
                gap_after=0.02,
            )
        if data.is_demo:
            writer.text(
                DEMO_DISCLAIMER,
                size=8.5,
                weight="bold",
                colour=DEMO_COLOUR,
            )
        writer.text(f"{export_text}.", size=8.5)
        writer.text(f"Datenstand (SHA-256): {data.data_hash}", size=7, colour=MUTED_COLOUR)
        writer.flush()
    return buffer.getvalue()


def report_filename(data: ReportData) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in data.profile.name)
    return f"Steckbrief_{data.profile.ags}_{safe}.pdf"
