"""The generated demo indicators and their values."""

from __future__ import annotations

from sqlalchemy import select

from cockpit.demo.content import DEMO_SOURCE
from cockpit.demo.context import Generation
from cockpit.domain.vocab import Visibility
from cockpit.models import Indicator, IndicatorValue, Municipality

INDICATOR_YEARS = (2022, 2023, 2024)


class IndicatorGenerator(Generation):
    # ---- indicators

    def indicators(self) -> None:
        backlog = self.indicator(
            "investitionsrueckstand_je_ew",
            "Investitionsrückstand je Einwohner",
            unit="EUR",
            category="Finanzen",
            visibility=Visibility.OWN_MUNICIPALITY,
            description=(
                "Summe des gemeldeten Investitionsrückstands (alle Bereiche) je Einwohner "
                "(Zensus 2022). Demo-Daten, aus den generierten Kenndaten berechnet."
            ),
            higher_is_better=False,
            decimals=0,
        )
        need = self.indicator(
            "foerderbedarf_index",
            "Förderbedarf (Einschätzung Kreis)",
            unit="Stufe 1–5",
            category="Finanzen",
            visibility=Visibility.DISTRICT_INTERNAL,
            description=(
                "Interne Einschätzung des Kreises von 1 (gering) bis 5 (sehr hoch). Demo-Daten."
            ),
            higher_is_better=False,
            decimals=0,
        )
        ranked = sorted(self.municipalities, key=lambda m: self.backlog_per_capita[m.id])
        rank = {m.id: i / max(1, len(ranked) - 1) for i, m in enumerate(ranked)}
        for municipality in self.municipalities:
            rng = self.rng("indicators", municipality.ags)
            latest = self.backlog_per_capita[municipality.id]
            level = 1 + 4 * rank[municipality.id] + rng.uniform(-0.8, 0.8)
            for years_back, year in enumerate(reversed(INDICATOR_YEARS)):
                value = latest * rng.uniform(0.85, 0.97) ** years_back
                self.add(self.value(backlog, municipality, year, round(value, 2)))
                step = min(5, max(1, round(level + rng.uniform(-0.6, 0.6))))
                self.add(self.value(need, municipality, year, float(step)))

    def indicator(
        self,
        key: str,
        label: str,
        *,
        unit: str,
        category: str,
        visibility: Visibility,
        description: str,
        higher_is_better: bool | None,
        decimals: int,
    ) -> Indicator:
        indicator = self.session.scalar(select(Indicator).where(Indicator.key == key))
        if indicator is None:
            indicator = Indicator(key=key)
            self.add(indicator)
        indicator.label = label
        indicator.unit = unit
        indicator.category = category
        indicator.description = description
        indicator.source = DEMO_SOURCE
        indicator.licence = ""
        indicator.visibility = visibility
        indicator.higher_is_better = higher_is_better
        indicator.decimals = decimals
        indicator.is_demo = True
        self.session.flush()
        return indicator

    @staticmethod
    def value(
        indicator: Indicator, municipality: Municipality, year: int, value: float
    ) -> IndicatorValue:
        return IndicatorValue(
            indicator_id=indicator.id,
            municipality_id=municipality.id,
            year=year,
            value=value,
            source=DEMO_SOURCE,
            is_demo=True,
        )
