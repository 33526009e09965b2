"""Area potentials (Gewerbe-, Industrie- und Brachflächen), one module per use case.

* :mod:`.fields` — THE attribute catalogue (labels, input rules, snapshot, import/export names)
* :mod:`.access` — lookups by untrusted id, authorization first (:func:`load_in_scope`)
* :mod:`.queries` — filters and :func:`list_area_records` (stored geometry, for files)
* :mod:`.map_view` — :func:`list_areas`, THE only producer of the browser's map GeoJSON
* :mod:`.detail` — :func:`get_area`
* :mod:`.editing` — create / update / delete / restore / confirm, geometry check
* :mod:`.history` — versions as of a moment, :func:`restore_version`
* :mod:`.review` — proposals of the municipalities and their review
* :mod:`.survey` — Erhebungsgespräche
* :mod:`.mapping` — import mappings per source; :mod:`.exchange` — Geoportal import
  (preview, apply); :mod:`.export` — export to Geoportal, KWIS and for analyses

Callers use ``from cockpit.services import areas`` and ``areas.<name>`` for everything
re-exported here; the use-case modules ``review``, ``survey``, ``mapping``, ``exchange``
and ``export`` are imported as modules
(``from cockpit.services.areas import review as area_review``).
"""

from cockpit.services.areas.access import load_in_scope, writable_area
from cockpit.services.areas.detail import AreaDetail, get_area
from cockpit.services.areas.editing import (
    AreaWriteResult,
    check_geometry,
    confirm_area,
    create_area,
    delete_area,
    restore_area,
    update_area,
)
from cockpit.services.areas.fields import EDITABLE_FIELDS, normalize_attributes, snapshot
from cockpit.services.areas.history import (
    AreaSnapshot,
    get_area_as_of,
    list_areas_as_of,
    restore_version,
)
from cockpit.services.areas.map_view import (
    MAP_BUDGET_BYTES,
    MAX_MAP_FEATURES,
    AreaListResult,
    list_areas,
)
from cockpit.services.areas.queries import AreaFilter, AreaListItem, AreaRecord, list_area_records

__all__ = [
    "EDITABLE_FIELDS",
    "MAP_BUDGET_BYTES",
    "MAX_MAP_FEATURES",
    "AreaDetail",
    "AreaFilter",
    "AreaListItem",
    "AreaListResult",
    "AreaRecord",
    "AreaSnapshot",
    "AreaWriteResult",
    "check_geometry",
    "confirm_area",
    "create_area",
    "delete_area",
    "get_area",
    "get_area_as_of",
    "list_area_records",
    "list_areas",
    "list_areas_as_of",
    "load_in_scope",
    "normalize_attributes",
    "restore_area",
    "restore_version",
    "snapshot",
    "update_area",
    "writable_area",
]
