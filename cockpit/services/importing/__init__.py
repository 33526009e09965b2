"""Use cases: import municipal boundaries (vector files) and indicator tables (CSV).

Modules: :mod:`.boundaries` (``import_boundaries``; file checks in :mod:`.boundary_file`),
:mod:`.indicators` (``import_indicators``), :mod:`.catalogue` (``load_catalogue``),
:mod:`.reading` (key columns, AGS/ARS, CSV decoding) and :mod:`.reports`.

Both imports are all-or-nothing: the file is read and checked completely before anything
is written, everything is written in one transaction, and on any error the session is
rolled back and an :class:`ImportRejectedError` with a German ``user_message`` (naming the
file, row/feature and problem) is raised.

Decisions (see also ``data/CATALOGUE.md``):

* Boundaries: a municipality is identified by its AGS. A file that holds several features
  with one AGS is rejected, except for VG250 water parts (``GF`` 1/2, e.g. Bodensee) next
  to a land part (``GF`` 3/4) of the same AGS: the water parts are dropped, as BKG's own
  area statistics do. Gemeindefreie Gebiete are skipped and reported. Municipalities of
  the district that are in the database but no longer in the file are reported, never
  deleted (indicator values and areas reference them).
* Indicators: an empty cell means "no value in this file": no value row is written and an
  existing value stays as it is.
"""

from cockpit.services.importing.boundaries import import_boundaries
from cockpit.services.importing.catalogue import DEFAULT_CATALOGUE, IndicatorMeta, load_catalogue
from cockpit.services.importing.indicators import import_indicators
from cockpit.services.importing.reading import ags_from_ars, normalize_ags, normalize_ars
from cockpit.services.importing.reports import BoundaryImportReport, IndicatorImportReport, Progress

__all__ = [
    "DEFAULT_CATALOGUE",
    "BoundaryImportReport",
    "IndicatorImportReport",
    "IndicatorMeta",
    "Progress",
    "ags_from_ars",
    "import_boundaries",
    "import_indicators",
    "load_catalogue",
    "normalize_ags",
    "normalize_ars",
]
