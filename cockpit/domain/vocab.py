"""Fixed vocabularies of the domain with their German UI labels (see shared/GLOSSARY.md)."""

from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a German label."""

    @property
    def label(self) -> str:
        return LABELS.get(self, self.value)


class Visibility(LabelledEnum):
    PUBLIC = "public"
    DISTRICT_INTERNAL = "district_internal"
    OWN_MUNICIPALITY = "own_municipality"


class MunicipalityKind(LabelledEnum):
    STADT = "Stadt"
    GEMEINDE = "Gemeinde"


class InvestmentSector(LabelledEnum):
    SCHULEN = "schulen"
    KITAS = "kitas"
    STRASSEN = "strassen"
    FEUERWEHR = "feuerwehr"
    SPORT = "sport"
    VERWALTUNG = "verwaltung"
    WASSER = "wasser"
    KULTUR = "kultur"
    DIGITAL = "digital"
    SONSTIGES = "sonstiges"


class InvestmentKind(LabelledEnum):
    BACKLOG = "backlog"
    PLANNED = "planned"


class MembershipKind(LabelledEnum):
    ZWECKVERBAND = "zweckverband"
    VERWALTUNGSVERBAND = "verwaltungsverband"
    VEREIN = "verein"
    REGION = "region"
    SONSTIGE = "sonstige"


class FocusKind(LabelledEnum):
    CURRENT = "current"
    FUTURE = "future"


class ActorKind(LabelledEnum):
    COMPANY = "company"
    INSTITUTION = "institution"
    RESEARCH = "research"


class AreaKind(LabelledEnum):
    GEWERBE = "gewerbe"
    INDUSTRIE = "industrie"
    BRACHE = "brache"


class AreaStatus(LabelledEnum):
    VERFUEGBAR = "verfuegbar"
    RESERVIERT = "reserviert"
    IN_ENTWICKLUNG = "in_entwicklung"
    VERMARKTET = "vermarktet"
    NICHT_VERFUEGBAR = "nicht_verfuegbar"


class PlanningStatus(LabelledEnum):
    BPLAN = "bplan"
    BPLAN_AUFSTELLUNG = "bplan_aufstellung"
    INNENBEREICH = "innenbereich_34"
    AUSSENBEREICH = "aussenbereich_35"
    FNP = "fnp"


class Ownership(LabelledEnum):
    KOMMUNAL = "kommunal"
    PRIVAT = "privat"
    GEMISCHT = "gemischt"
    LAND_BUND = "land_bund"
    TREUHAND = "treuhand_lmbv"


class AreaSource(LabelledEnum):
    GEOPORTAL = "geoportal"
    GESPRAECH = "gespraech"
    IMPORT = "import"
    VORSCHLAG = "vorschlag"


class ConfirmationMethod(LabelledEnum):
    GESPRAECH = "gespraech"
    ORTSBEGEHUNG = "ortsbegehung"
    GEOPORTAL_ABGLEICH = "geoportal_abgleich"


class ReviewState(LabelledEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class SurveyOutcome(LabelledEnum):
    BESTAETIGT = "bestaetigt"
    GEAENDERT = "geaendert"
    ENTFAELLT = "entfaellt"
    NEU = "neu"


class JobState(LabelledEnum):
    """State of a background job (export runs and other long work)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


SERVICING_OPTIONS = {
    "strasse": "Straße",
    "schiene": "Schiene/Gleisanschluss",
    "wasser": "Wasser/Abwasser",
    "strom": "Strom",
    "gas": "Gas",
    "breitband": "Breitband",
}

OBSTACLE_OPTIONS = {
    "altlasten": "Altlasten(verdacht)",
    "eigentuemer": "Eigentümer nicht verkaufsbereit",
    "planungsrecht": "fehlendes Planungsrecht",
    "naturschutz": "Naturschutz/Hochwasser",
    "erschliessungskosten": "Erschließungskosten",
}

LABELS: dict[enum.Enum, str] = {
    Visibility.PUBLIC: "öffentlich",
    Visibility.DISTRICT_INTERNAL: "kreisintern",
    Visibility.OWN_MUNICIPALITY: "nur eigene Kommune",
    InvestmentSector.SCHULEN: "Schulen",
    InvestmentSector.KITAS: "Kindertagesstätten",
    InvestmentSector.STRASSEN: "Straßen, Wege und Brücken",
    InvestmentSector.FEUERWEHR: "Feuerwehr und Katastrophenschutz",
    InvestmentSector.SPORT: "Sportstätten und Bäder",
    InvestmentSector.VERWALTUNG: "Verwaltungsgebäude",
    InvestmentSector.WASSER: "Wasserversorgung und Abwasser",
    InvestmentSector.KULTUR: "Kultur",
    InvestmentSector.DIGITAL: "Digitalisierung/Breitband",
    InvestmentSector.SONSTIGES: "Sonstiges",
    InvestmentKind.BACKLOG: "Investitionsrückstand",
    InvestmentKind.PLANNED: "geplante Investition",
    MembershipKind.ZWECKVERBAND: "Zweckverband",
    MembershipKind.VERWALTUNGSVERBAND: "Verwaltungsverband/-gemeinschaft",
    MembershipKind.VEREIN: "Verein/Verband",
    MembershipKind.REGION: "Region/Netzwerk",
    MembershipKind.SONSTIGE: "Sonstige Mitgliedschaft",
    FocusKind.CURRENT: "derzeitiger Schwerpunkt",
    FocusKind.FUTURE: "zukünftiger Schwerpunkt",
    ActorKind.COMPANY: "Unternehmen",
    ActorKind.INSTITUTION: "Institution",
    ActorKind.RESEARCH: "Forschungseinrichtung",
    AreaKind.GEWERBE: "Gewerbefläche",
    AreaKind.INDUSTRIE: "Industriefläche",
    AreaKind.BRACHE: "Brachfläche",
    AreaStatus.VERFUEGBAR: "verfügbar",
    AreaStatus.RESERVIERT: "reserviert",
    AreaStatus.IN_ENTWICKLUNG: "in Entwicklung",
    AreaStatus.VERMARKTET: "vermarktet",
    AreaStatus.NICHT_VERFUEGBAR: "nicht verfügbar",
    PlanningStatus.BPLAN: "rechtskräftiger B-Plan (§ 30 BauGB)",
    PlanningStatus.BPLAN_AUFSTELLUNG: "B-Plan in Aufstellung",
    PlanningStatus.INNENBEREICH: "Innenbereich (§ 34 BauGB)",
    PlanningStatus.AUSSENBEREICH: "Außenbereich (§ 35 BauGB)",
    PlanningStatus.FNP: "Darstellung im FNP",
    Ownership.KOMMUNAL: "kommunal",
    Ownership.PRIVAT: "privat",
    Ownership.GEMISCHT: "gemischt",
    Ownership.LAND_BUND: "Land/Bund",
    Ownership.TREUHAND: "Treuhand/LMBV",
    AreaSource.GEOPORTAL: "Geoportal",
    AreaSource.GESPRAECH: "Gespräch",
    AreaSource.IMPORT: "Import",
    AreaSource.VORSCHLAG: "Vorschlag der Kommune",
    ConfirmationMethod.GESPRAECH: "Gespräch",
    ConfirmationMethod.ORTSBEGEHUNG: "Ortsbegehung",
    ConfirmationMethod.GEOPORTAL_ABGLEICH: "Geoportal-Abgleich",
    ReviewState.OPEN: "offen",
    ReviewState.ACCEPTED: "angenommen",
    ReviewState.REJECTED: "abgelehnt",
    SurveyOutcome.BESTAETIGT: "bestätigt",
    SurveyOutcome.GEAENDERT: "geändert",
    SurveyOutcome.ENTFAELLT: "entfällt",
    SurveyOutcome.NEU: "neu",
    JobState.QUEUED: "wartend",
    JobState.RUNNING: "läuft",
    JobState.DONE: "fertig",
    JobState.FAILED: "fehlgeschlagen",
    JobState.CANCELLED: "abgebrochen",
}
