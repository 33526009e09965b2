"""Static pools for the generated demo data (names, functions, texts).

Everything here is invented vocabulary for plausible *demo* records; nothing describes a real
person or company. Placeholders: ``{ort}`` is the municipality's short name.
"""

from __future__ import annotations

from cockpit.domain.vocab import ActorKind, AreaKind, InvestmentSector

DEMO_SOURCE = "Demo-Daten (generiert)"

# --- people -------------------------------------------------------------------------------

FIRST_NAMES_FEMALE = (
    "Anja",
    "Antje",
    "Birgit",
    "Christiane",
    "Doreen",
    "Franziska",
    "Heike",
    "Ines",
    "Jana",
    "Katrin",
    "Kerstin",
    "Manuela",
    "Nadine",
    "Petra",
    "Sabine",
    "Sandra",
    "Silke",
    "Susann",
    "Ulrike",
    "Yvonne",
)
FIRST_NAMES_MALE = (
    "Andreas",
    "Christian",
    "Daniel",
    "Frank",
    "Heiko",
    "Jens",
    "Jörg",
    "Lars",
    "Marco",
    "Matthias",
    "Mirko",
    "Olaf",
    "Ralf",
    "René",
    "Ronny",
    "Steffen",
    "Thomas",
    "Torsten",
    "Uwe",
    "Volker",
)
LAST_NAMES = (
    "Bartsch",
    "Berndt",
    "Förster",
    "Hänsel",
    "Hentschel",
    "Jähnig",
    "Kaiser",
    "Kretschmer",
    "Krause",
    "Kschischang",
    "Kühn",
    "Lange",
    "Lehmann",
    "Mättig",
    "Neumann",
    "Nitsche",
    "Noack",
    "Pietsch",
    "Richter",
    "Rösler",
    "Schindler",
    "Scholze",
    "Schubert",
    "Seifert",
    "Tietze",
    "Ullrich",
    "Wagner",
    "Weise",
    "Zimmer",
    "Zschiesche",
)

# (male title, female title, department)
MAYOR_FUNCTION = ("Bürgermeister", "Bürgermeisterin", "Hauptamt")
LORD_MAYOR_FUNCTION = ("Oberbürgermeister", "Oberbürgermeisterin", "Oberbürgermeisterbüro")
FURTHER_FUNCTIONS = (
    ("Kämmerer", "Kämmerin", "Kämmerei"),
    ("Wirtschaftsförderer", "Wirtschaftsförderin", "Wirtschaftsförderung"),
    ("Bauamtsleiter", "Bauamtsleiterin", "Bauamt"),
    ("Hauptamtsleiter", "Hauptamtsleiterin", "Hauptamt"),
    ("Sachbearbeiter Liegenschaften", "Sachbearbeiterin Liegenschaften", "Liegenschaften"),
)

# Real telephone area codes of the towns (Vorwahlen); other municipalities draw from
# the region's codes below. Numbers themselves are random.
AREA_CODES = {
    "Görlitz": "03581",
    "Zittau": "03583",
    "Löbau": "03585",
    "Weißwasser/O.L.": "03576",
    "Niesky": "03588",
    "Ebersbach-Neugersdorf": "03586",
    "Bad Muskau": "035771",
    "Rothenburg/O.L.": "035891",
    "Herrnhut": "035873",
    "Ostritz": "035823",
    "Bernstadt a.d. Eigen": "035874",
    "Reichenbach/O.L.": "035828",
    "Seifhennersdorf": "03586",
    "Großschönau": "035841",
    "Oybin": "035844",
    "Olbersdorf": "03583",
    "Boxberg/O.L.": "035774",
    "Kodersdorf": "035825",
}
REGIONAL_AREA_CODES = ("035820", "035822", "035826", "035827", "035872", "035875", "035876")

# --- enterprises, memberships --------------------------------------------------------------

ZVON = (
    "Zweckverband Verkehrsverbund Oberlausitz-Niederschlesien (ZVON)",
    "Öffentlicher Personennahverkehr, Tarif- und Verkehrsverbund",
)
SSG = (
    "Sächsischer Städte- und Gemeindetag e. V.",
    "Kommunaler Spitzenverband, Interessenvertretung gegenüber Land und Bund",
)
TOURISM = (
    "Tourismusverband Oberlausitz e. V.",
    "Gemeinsames Tourismusmarketing der Region",
)
# LEADER regions by rough latitude band (north to south).
LEADER_REGIONS = (
    (51.33, "LEADER-Region Muskauer Heide"),
    (51.00, "LEADER-Region Östliche Oberlausitz"),
    (0.0, "LEADER-Region Zittauer Gebirge"),
)
LEADER_PURPOSE = "Ländliche Entwicklung, Förderung nach LEADER-Entwicklungsstrategie"

# --- council ---------------------------------------------------------------------------------

PARTY_WEIGHTS = (
    ("AfD", 28.0),
    ("CDU", 24.0),
    ("Die Linke", 6.0),
    ("SPD", 5.0),
    ("BÜNDNIS 90/DIE GRÜNEN", 4.0),
    ("FDP", 3.0),
    ("FREIE WÄHLER", 7.0),
)
LOCAL_LIST_PATTERNS = (
    "Wählervereinigung {ort}",
    "Bürgerbündnis {ort}",
    "Freie Bürger {ort}",
    "Unabhängige Wählergemeinschaft {ort}",
    "Wählervereinigung Feuerwehr und Vereine",
    "Wählervereinigung Sport und Kultur",
)

# --- theme clusters (real vocabulary, not demo) ---------------------------------------------

THEME_CLUSTERS = (
    ("energie", "Energie"),
    ("tourismus", "Tourismus"),
    ("gesundheit", "Gesundheit"),
    ("bau_holz", "Bau- und Holzwirtschaft"),
    ("mobilitaet", "Mobilität"),
    ("forschung", "Forschung und Wissenschaft"),
    ("kultur_kreativ", "Kultur- und Kreativwirtschaft"),
)

CLUSTER_DESCRIPTIONS = {
    "energie": (
        "Photovoltaik auf Konversionsflächen und Dächern kommunaler Gebäude",
        "Wärmenetz mit Biomasse für den Ortskern",
        "Ansiedlung von Speicher- und Wasserstoffprojekten im Strukturwandel",
    ),
    "tourismus": (
        "Rad- und Wandertourismus, Ausbau der Beherbergung",
        "Umgebindehäuser und Kulturlandschaft als Reiseziel",
        "Wassertourismus an den Tagebaurestseen",
    ),
    "gesundheit": (
        "Sicherung der hausärztlichen Versorgung (Medizinisches Versorgungszentrum)",
        "Pflege und Rehabilitation als Arbeitgeber der Region",
    ),
    "bau_holz": (
        "Holzbau-Kompetenz aus regionalem Waldbestand",
        "Handwerk und Bauzulieferer im Gewerbegebiet",
    ),
    "mobilitaet": (
        "Anbindung an die Schiene und Rufbus-Angebote",
        "Ladeinfrastruktur und Fahrzeugbau-Zulieferer",
    ),
    "forschung": (
        "Kooperation mit Hochschule und Instituten in Görlitz und Zittau",
        "Reallabor für den Strukturwandel in der Lausitz",
    ),
    "kultur_kreativ": (
        "Kreativorte in leerstehenden Industriegebäuden",
        "Festivals und Veranstaltungswirtschaft",
    ),
}

# Fictitious actors, always marked "(Demo)".
CLUSTER_ACTORS: dict[str, tuple[tuple[str, ActorKind], ...]] = {
    "energie": (
        ("Energiegenossenschaft {ort} eG (Demo)", ActorKind.COMPANY),
        ("Lausitzer Solarpark GmbH (Demo)", ActorKind.COMPANY),
        ("Neiße Wasserstoff GmbH (Demo)", ActorKind.COMPANY),
        ("Energieagentur Oberlausitz e. V. (Demo)", ActorKind.INSTITUTION),
        ("Forschungsstelle Speichertechnik Lausitz (Demo)", ActorKind.RESEARCH),
    ),
    "tourismus": (
        ("Pension Zum Umgebindehaus {ort} (Demo)", ActorKind.COMPANY),
        ("Oberlausitzer Radreisen GmbH (Demo)", ActorKind.COMPANY),
        ("Heimatverein {ort} e. V. (Demo)", ActorKind.INSTITUTION),
        ("Touristinformation {ort} (Demo)", ActorKind.INSTITUTION),
    ),
    "gesundheit": (
        ("MVZ {ort} GmbH (Demo)", ActorKind.COMPANY),
        ("Pflegedienst Sonnenschein {ort} (Demo)", ActorKind.COMPANY),
        ("Gesundheitsnetz Oberlausitz e. V. (Demo)", ActorKind.INSTITUTION),
        ("Institut für Versorgungsforschung Ostsachsen (Demo)", ActorKind.RESEARCH),
    ),
    "bau_holz": (
        ("Lausitzer Holzbau GmbH (Demo)", ActorKind.COMPANY),
        ("Zimmerei {ort} GmbH (Demo)", ActorKind.COMPANY),
        ("Sägewerk Oberlausitz KG (Demo)", ActorKind.COMPANY),
        ("Holzcluster Ostsachsen e. V. (Demo)", ActorKind.INSTITUTION),
    ),
    "mobilitaet": (
        ("Waggonbau-Zulieferer {ort} GmbH (Demo)", ActorKind.COMPANY),
        ("Oberlausitzer E-Mobil GmbH (Demo)", ActorKind.COMPANY),
        ("Rufbus-Verein {ort} e. V. (Demo)", ActorKind.INSTITUTION),
        ("Labor für Schienenfahrzeugtechnik Lausitz (Demo)", ActorKind.RESEARCH),
    ),
    "forschung": (
        ("Transferzentrum Strukturwandel Lausitz (Demo)", ActorKind.RESEARCH),
        ("Institut für Werkstoffprüfung Oberlausitz (Demo)", ActorKind.RESEARCH),
        ("Technologiepark {ort} GmbH (Demo)", ActorKind.COMPANY),
        ("Gründerzentrum {ort} e. V. (Demo)", ActorKind.INSTITUTION),
    ),
    "kultur_kreativ": (
        ("Kulturfabrik {ort} e. V. (Demo)", ActorKind.INSTITUTION),
        ("Oberlausitzer Designwerkstatt GmbH (Demo)", ActorKind.COMPANY),
        ("Festivalbüro Neiße GmbH (Demo)", ActorKind.COMPANY),
    ),
}

# --- investments --------------------------------------------------------------------------

# Backlog range in EUR per inhabitant, and typical project texts per sector.
INVESTMENT_SECTORS: dict[InvestmentSector, tuple[tuple[float, float], tuple[str, ...]]] = {
    InvestmentSector.SCHULEN: (
        (80.0, 400.0),
        ("Sanierung Grundschule", "Erweiterung Oberschule", "Brandschutz Schulgebäude"),
    ),
    InvestmentSector.KITAS: (
        (30.0, 200.0),
        ("Ersatzneubau Kindertagesstätte", "Sanierung Kita-Außengelände"),
    ),
    InvestmentSector.STRASSEN: (
        (150.0, 700.0),
        ("Erneuerung Ortsverbindungsstraße", "Sanierung Brücke über den Dorfbach", "Gehwegbau"),
    ),
    InvestmentSector.FEUERWEHR: (
        (30.0, 180.0),
        ("Beschaffung Löschfahrzeug HLF 10", "Neubau Gerätehaus"),
    ),
    InvestmentSector.SPORT: (
        (20.0, 150.0),
        ("Sanierung Freibad", "Kunstrasenplatz", "Sanierung Turnhalle"),
    ),
    InvestmentSector.VERWALTUNG: (
        (20.0, 120.0),
        ("Energetische Sanierung Rathaus", "Barrierefreier Zugang Bürgerbüro"),
    ),
    InvestmentSector.WASSER: (
        (40.0, 300.0),
        ("Erneuerung Regenwasserkanal", "Hochwasserschutz am Dorfbach"),
    ),
    InvestmentSector.KULTUR: (
        (10.0, 120.0),
        ("Sanierung Dorfgemeinschaftshaus", "Dach der Stadtbibliothek"),
    ),
    InvestmentSector.DIGITAL: (
        (10.0, 100.0),
        ("Glasfaserausbau graue Flecken", "Digitalisierung Schulen (DigitalPakt)"),
    ),
    InvestmentSector.SONSTIGES: (
        (5.0, 60.0),
        ("Friedhofsmauer", "Spielplatz", "Bauhof-Fahrzeug"),
    ),
}

# --- area potentials -----------------------------------------------------------------------

AREA_NAMES: dict[AreaKind, tuple[str, ...]] = {
    AreaKind.GEWERBE: (
        "Gewerbegebiet Am Bahnhof",
        "Gewerbegebiet Nord",
        "Gewerbegebiet Süd",
        "Gewerbegebiet Ost",
        "Gewerbegebiet West",
        "Gewerbepark An der Bundesstraße",
        "Gewerbegebiet Am Sportplatz",
        "Gewerbegebiet Zur Ziegelei",
        "Gewerbegebiet Mühlweg",
        "Handwerkerhof Lindenstraße",
        "Gewerbegebiet Feldstraße",
        "Gewerbegebiet Am Wasserturm",
        "Gewerbestandort Alte Gärtnerei",
        "Gewerbegebiet Hirtenwiese",
    ),
    AreaKind.INDUSTRIE: (
        "Industriepark Nord",
        "Industriegebiet Süd",
        "Industriegebiet Am Güterbahnhof",
        "Industriepark Oberlausitz",
        "Industriegebiet Kraftwerksstraße",
        "Industriegebiet An der Autobahn",
        "Industrie- und Gewerbepark Ost",
        "Industriegebiet Am Umspannwerk",
        "Industriegebiet Flugplatz",
        "Industriepark Neißetal",
    ),
    AreaKind.BRACHE: (
        "Brache ehem. Textilwerk",
        "Brache ehem. Tuchfabrik",
        "Brache ehem. Glashütte",
        "Brache ehem. LPG-Stallanlage",
        "Brache ehem. Ziegelei",
        "Brache ehem. Kaserne",
        "Brache ehem. Bahnbetriebswerk",
        "Brache ehem. Brikettfabrik",
        "Brache ehem. Molkerei",
        "Brache ehem. Sägewerk",
        "Brache ehem. Möbelwerk",
        "Brache ehem. Papierfabrik",
        "Brache ehem. Kohlehandel",
        "Brache ehem. Konsum-Lager",
    ),
}

AREA_NOTES = (
    "",
    "",
    "",
    "Anfragen von Investoren liegen vor.",
    "Teilfläche bereits an Handwerksbetrieb vergeben.",
    "Zufahrt über Gemeindestraße, Ausbau erforderlich.",
    "Förderantrag für Revitalisierung in Vorbereitung.",
    "Eigentümer gesprächsbereit.",
)
