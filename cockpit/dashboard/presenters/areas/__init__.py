"""Presenters for the area pages: service results -> Dash components / component props.

Pure functions (no database, no Flask request): the page callbacks call one service and hand
its result here. Everything the user reads is German; numbers and dates via Babel. One module
per feature; this package re-exports the names the pages and tests use."""

from __future__ import annotations

from cockpit.dashboard.presenters.areas.common import (
    EMPTY_FC,
    KIND_OPTIONS,
    METHOD_OPTIONS,
    OBSTACLE_CHOICES,
    OWNERSHIP_OPTIONS,
    PLANNING_OPTIONS,
    SERVICING_CHOICES,
    SOURCE_OPTIONS,
    STATUS_OPTIONS,
    alert,
)
from cockpit.dashboard.presenters.areas.detail import (
    as_of_datetime,
    detail_panel,
    snapshot_panel,
    snapshots_table,
)
from cockpit.dashboard.presenters.areas.due import due_panel
from cockpit.dashboard.presenters.areas.exchange import (
    export_download,
    export_summary,
    import_result_message,
    mapping_form,
    mapping_from_form,
    preview_panel,
)
from cockpit.dashboard.presenters.areas.filters import (
    AGE_ALL,
    AGE_CURRENT,
    AGE_OPTIONS,
    AGE_STALE,
    build_filter,
    export_query,
    fit_viewport,
    int_tuple,
)
from cockpit.dashboard.presenters.areas.form import (
    attributes_from_form,
    changed_attributes,
    check_message,
    field_error_texts,
    form_values,
    write_message,
)
from cockpit.dashboard.presenters.areas.geometry import (
    UploadProblem,
    decode_upload,
    drawn_geometry,
    edit_rings,
    highlight_feature,
    leaflet_bounds,
    pending_geometry_text,
    split_layers,
    upload_to_geojson,
)
from cockpit.dashboard.presenters.areas.review import (
    feature_bounds,
    proposal_list,
    review_panel,
    review_state,
)
from cockpit.dashboard.presenters.areas.survey import (
    area_card,
    changes,
    current_row,
    detail_layers,
    method,
    next_open_index,
    parse_day,
    progress,
    protocol_summary,
)
from cockpit.dashboard.presenters.areas.table import (
    area_table,
    page_of,
    sort_rows,
    summary_text,
    table_rows,
)

__all__ = [
    "AGE_ALL",
    "AGE_CURRENT",
    "AGE_OPTIONS",
    "AGE_STALE",
    "EMPTY_FC",
    "KIND_OPTIONS",
    "METHOD_OPTIONS",
    "OBSTACLE_CHOICES",
    "OWNERSHIP_OPTIONS",
    "PLANNING_OPTIONS",
    "SERVICING_CHOICES",
    "SOURCE_OPTIONS",
    "STATUS_OPTIONS",
    "UploadProblem",
    "alert",
    "area_card",
    "area_table",
    "as_of_datetime",
    "attributes_from_form",
    "build_filter",
    "changed_attributes",
    "changes",
    "check_message",
    "current_row",
    "decode_upload",
    "detail_layers",
    "detail_panel",
    "drawn_geometry",
    "due_panel",
    "edit_rings",
    "export_download",
    "export_query",
    "export_summary",
    "feature_bounds",
    "field_error_texts",
    "fit_viewport",
    "form_values",
    "highlight_feature",
    "import_result_message",
    "int_tuple",
    "leaflet_bounds",
    "mapping_form",
    "mapping_from_form",
    "method",
    "next_open_index",
    "page_of",
    "parse_day",
    "pending_geometry_text",
    "preview_panel",
    "progress",
    "proposal_list",
    "protocol_summary",
    "review_panel",
    "review_state",
    "snapshot_panel",
    "snapshots_table",
    "sort_rows",
    "split_layers",
    "summary_text",
    "table_rows",
    "upload_to_geojson",
    "write_message",
]
