"""Exports: authorization and data gathering for map snapshots, Steckbriefe and tables.

Every function first checks that the principal may export at all
(:data:`Permission.EXPORT_DATA` for at least one municipality) and then reads the data
ONLY through the services that authorize themselves (:mod:`cockpit.services.maps`,
:mod:`~cockpit.services.profile`, :mod:`~cockpit.services.kenndaten`,
:mod:`~cockpit.services.areas`). So an export never holds a value the principal could not
see on screen: a Kommune user's export of a foreign municipality has public data only.

One module per lens:

* :mod:`.indicator_map` — the overview's choropleth (:func:`get_snapshot_data`);
* :mod:`.area_map` — the Flächen page: area table, layer and map (filters in
  :mod:`.area_filter`);
* :mod:`.cluster_map` — the Themencluster map and tables;
* :mod:`.report` — the Steckbrief of one municipality;
* :mod:`.tables` — map table and layer, KPI and Kenndaten tables;

plus :mod:`.provenance` (the one :class:`Provenance` record of every result: scope line,
sources, "Demo-Daten", data hash, CRS, extent, outline), :mod:`.outlines` (the municipality
outlines under the lens maps) and :mod:`.access` (audit entry, principal lookups).
Rendering and files live in :mod:`cockpit.exports` and :mod:`layers.writers`; this package
knows no files, Flask or matplotlib. Callers use the names re-exported here
(``from cockpit.services import exports``).
"""

from cockpit.services.exports.access import (
    EXPORT,
    municipality_id_for_ags,
    principal_for_username,
    record_export,
)
from cockpit.services.exports.area_filter import (
    AREA_QUERY_KEYS,
    area_filter_params,
    area_filter_text,
    parse_area_filter,
)
from cockpit.services.exports.area_map import (
    AREA_LENS,
    LAYER_AREA_NAME,
    AreaLegendItem,
    AreaMapData,
    get_area_layer,
    get_area_map_data,
    get_area_table,
)
from cockpit.services.exports.cluster_map import (
    CLUSTER_SOURCE,
    ClusterLegendItem,
    ClusterMapData,
    cluster_count_text,
    cluster_focus_codes,
    get_cluster_map_data,
    get_cluster_tables,
)
from cockpit.services.exports.indicator_map import (
    DEFAULT_LAYERS,
    LAYER_AREAS,
    LAYER_DISTRICT,
    LAYER_LABELS,
    LAYER_MUNICIPALITIES,
    LegendItem,
    SnapshotData,
    SnapshotParams,
    get_snapshot_data,
    legend_items,
)
from cockpit.services.exports.provenance import (
    DEMO_DISCLAIMER,
    DEMO_NOTE,
    Provenance,
    combine,
    hash_payload,
)
from cockpit.services.exports.report import (
    NeighbourShape,
    ReportData,
    ReportTarget,
    get_report_data,
    list_report_targets,
)
from cockpit.services.exports.tables import (
    Column,
    ColumnKind,
    TableData,
    get_kenndaten_tables,
    get_kpi_table,
    get_map_layer,
    get_map_table,
    kenndaten_cell,
    kenndaten_columns,
)

__all__ = [
    "AREA_LENS",
    "AREA_QUERY_KEYS",
    "CLUSTER_SOURCE",
    "DEFAULT_LAYERS",
    "DEMO_DISCLAIMER",
    "DEMO_NOTE",
    "EXPORT",
    "LAYER_AREAS",
    "LAYER_AREA_NAME",
    "LAYER_DISTRICT",
    "LAYER_LABELS",
    "LAYER_MUNICIPALITIES",
    "AreaLegendItem",
    "AreaMapData",
    "ClusterLegendItem",
    "ClusterMapData",
    "Column",
    "ColumnKind",
    "LegendItem",
    "NeighbourShape",
    "Provenance",
    "ReportData",
    "ReportTarget",
    "SnapshotData",
    "SnapshotParams",
    "TableData",
    "area_filter_params",
    "area_filter_text",
    "cluster_count_text",
    "cluster_focus_codes",
    "combine",
    "get_area_layer",
    "get_area_map_data",
    "get_area_table",
    "get_cluster_map_data",
    "get_cluster_tables",
    "get_kenndaten_tables",
    "get_kpi_table",
    "get_map_layer",
    "get_map_table",
    "get_report_data",
    "get_snapshot_data",
    "hash_payload",
    "kenndaten_cell",
    "kenndaten_columns",
    "legend_items",
    "list_report_targets",
    "municipality_id_for_ags",
    "parse_area_filter",
    "principal_for_username",
    "record_export",
]
