"""ALL Dash component ids, as constants, grouped by page.

Page authors add their ids here (a flat module of string constants; prefix = page).
Ids must be unique across the whole app because every page lives in one Dash layout.
"""

# ruff: noqa: S105  (names like *_TOKEN / *_PASSWORD are component ids, never secrets)

from __future__ import annotations

# --- shell (layout, navigation, router) -------------------------------------------------
URL = "shell-url"
PAGE = "shell-page"
NAV = "shell-nav"
PAGE_TITLE = "shell-page-title"  # store: document title of the current page
TITLE_SINK = "shell-title-sink"  # dummy output of the client-side title setter
CALLBACK_ERROR = "shell-callback-error"  # German notice when a callback fails

# --- overview ("Übersicht", pages/overview.py) -----------------------------------------
OVERVIEW_CATALOGUE = "overview-catalogue"  # store: indicator catalogue (years, source, …)
OVERVIEW_INDICATOR = "overview-indicator"
OVERVIEW_YEAR = "overview-year"
OVERVIEW_METHOD = "overview-method"
OVERVIEW_CLASSES = "overview-classes"
OVERVIEW_PALETTE = "overview-palette"
OVERVIEW_MAP = "overview-map"
OVERVIEW_INFO = "overview-info"  # store: legend + KPI values of the current map
OVERVIEW_LEGEND = "overview-legend"
OVERVIEW_KPIS = "overview-kpis"
OVERVIEW_SOURCE = "overview-source"
OVERVIEW_DEMO_BADGE = "overview-demo-badge"
OVERVIEW_STATUS = "overview-status"
OVERVIEW_RANKING = "overview-ranking"
OVERVIEW_NAV_SINK = "overview-nav-sink"
OVERVIEW_DOWNLOADS = "overview-downloads"  # export links (components/export_links.py)

# --- municipality cockpit ("Kommune", pages/kommune.py) --------------------------------
KOMMUNE_CONTEXT = "kommune-context"  # store: {"municipality_id": …} (untrusted)
KOMMUNE_SECTIONS = "kommune-sections"  # container of all Kenndaten sections
KOMMUNE_HISTORY = "kommune-history"  # change history of the municipality
KOMMUNE_EDIT_MODE = "kommune-edit-mode"  # "Bearbeiten" toggle (Kreis-Redaktion)
KOMMUNE_STATUS = "kommune-status"  # live region for save/delete confirmations
KOMMUNE_MODAL = "kommune-modal"  # dialog container (form or history)
KOMMUNE_FORM_STORE = "kommune-form-store"  # store: {"group", "item_id", "version"}
KOMMUNE_ITEM_EDIT = "kommune-item-edit"  # pattern id {"type", "group", "item"}
KOMMUNE_ITEM_ADD = "kommune-item-add"  # pattern id {"type", "group"}
KOMMUNE_ITEM_HISTORY = "kommune-item-history"  # pattern id {"type", "group", "item"}
KOMMUNE_FIELD = "kommune-field"  # pattern id {"type", "name"} of every form input
KOMMUNE_FIELD_ERROR = "kommune-field-error"  # pattern id {"type", "name"}
KOMMUNE_FORM_MESSAGE = "kommune-form-message"
KOMMUNE_SAVE = "kommune-save"
KOMMUNE_CANCEL = "kommune-cancel"
KOMMUNE_DELETE = "kommune-delete"
KOMMUNE_DELETE_CONFIRM = "kommune-delete-confirm"
KOMMUNE_MAP = "kommune-map"
# Themencluster lens (pages/themencluster.py)
CLUSTER_SELECT = "cluster-select"
CLUSTER_MAP = "cluster-map"
CLUSTER_DETAILS = "cluster-details"
CLUSTER_COUNTS = "cluster-counts"
CLUSTER_MAP_DOWNLOADS = "cluster-map-downloads"  # export links (components/export_links.py)
CLUSTER_TABLE_DOWNLOADS = "cluster-table-downloads"
# Bulk indicator import (pages/indicator_import.py)
INDICATOR_IMPORT_UPLOAD = "indicator-import-upload"
INDICATOR_IMPORT_INDICATOR = "indicator-import-indicator"
INDICATOR_IMPORT_YEAR = "indicator-import-year"
INDICATOR_IMPORT_PREVIEW = "indicator-import-preview"
INDICATOR_IMPORT_STORE = "indicator-import-store"  # store: {"token": …} of the parsed upload
INDICATOR_IMPORT_APPLY = "indicator-import-apply"
INDICATOR_IMPORT_RESULT = "indicator-import-result"

# --- areas ("Flächen", pages/flaechen.py) ----------------------------------------------
# (owner: areas UI — pages/flaechen.py, erhebung.py, pruefung.py, components/area_map.py)
AREAS_MAP_PREFIX = "areas"  # map component ids: components.area_map.area_map_ids(prefix)
AREAS_TABS = "areas-tabs"
AREAS_CONTEXT = "areas-context"  # store: {"can_edit", "can_propose", "own_municipalities"}
AREAS_F_KIND = "areas-f-kind"
AREAS_F_STATUS = "areas-f-status"
AREAS_F_SOURCE = "areas-f-source"
AREAS_F_MUNICIPALITY = "areas-f-municipality"
AREAS_F_MIN_HA = "areas-f-min-ha"
AREAS_F_MAX_HA = "areas-f-max-ha"
AREAS_F_AGE = "areas-f-age"
AREAS_F_SEARCH = "areas-f-search"
AREAS_F_DELETED = "areas-f-deleted"
AREAS_F_RESET = "areas-f-reset"
AREAS_SUMMARY = "areas-summary"
AREAS_HINT = "areas-hint"
AREAS_ROWS = "areas-rows"  # store: table rows of the current filter
AREAS_SORT = "areas-sort"  # store: {"col", "asc"}
AREAS_TABLE = "areas-table"
AREAS_ROW = "areas-row"  # pattern id {"type", "index": area id}
AREAS_SORT_BUTTON = "areas-sort-button"  # pattern id {"type", "col"}
AREAS_PAGE_BUTTON = "areas-page-button"  # pattern id {"type", "page"}
AREAS_SELECTED = "areas-selected"  # store: selected area id (untrusted)
AREAS_REFRESH = "areas-refresh"  # store: counter bumped after every write
AREAS_AS_OF = "areas-as-of"  # "Stand am" date picker
AREAS_DETAIL = "areas-detail"
AREAS_DETAIL_STATE = "areas-detail-state"  # store: {"id", "version", "deleted", "values"}
AREAS_MESSAGE = "areas-message"  # live region above the map
AREAS_ACTIONS = "areas-actions"
AREAS_NEW = "areas-new"
AREAS_EDIT = "areas-edit"
AREAS_PROPOSE_NEW = "areas-propose-new"
AREAS_PROPOSE_FIX = "areas-propose-fix"
AREAS_DELETE = "areas-delete"
AREAS_RESTORE = "areas-restore"
AREAS_RESTORE_VERSION = "areas-restore-version"  # pattern id {"type", "version"}
AREAS_RELOAD = "areas-reload"  # "Neu laden" after a version conflict
AREAS_FORM = "areas-form"  # the edit/proposal form container
AREAS_FORM_MODE = "areas-form-mode"  # store: {"mode", "area_id", "version", "original"}
AREAS_FORM_TITLE = "areas-form-title"
AREAS_FORM_FIELD = "areas-form-field"  # pattern id {"type", "field"}
AREAS_FORM_ERROR = "areas-form-error"  # pattern id {"type", "field"}
AREAS_FORM_REASON = "areas-form-reason"
AREAS_FORM_UPLOAD = "areas-form-upload"
AREAS_FORM_GEOMETRY = "areas-form-geometry"  # store: pending GeoJSON (EPSG:4326)
AREAS_FORM_GEOMETRY_INFO = "areas-form-geometry-info"
AREAS_FORM_EDIT_GEOMETRY = "areas-form-edit-geometry"
AREAS_FORM_CHECK = "areas-form-check"
AREAS_FORM_SAVE = "areas-form-save"
AREAS_FORM_CANCEL = "areas-form-cancel"
AREAS_FORM_MESSAGE = "areas-form-message"
AREAS_DELETE_REASON = "areas-delete-reason"
AREAS_DUE = "areas-due"
AREAS_EXPORT_TARGET = "areas-export-target"
AREAS_EXPORT_FORMAT = "areas-export-format"
AREAS_EXPORT_CHANGES = "areas-export-changes"
AREAS_EXPORT_BUTTON = "areas-export-button"
AREAS_EXPORT_DOWNLOAD = "areas-export-download"
AREAS_EXPORT_MESSAGE = "areas-export-message"
AREAS_IMPORT_UPLOAD = "areas-import-upload"
AREAS_IMPORT_SOURCE = "areas-import-source"
AREAS_IMPORT_MAPPING = "areas-import-mapping"
AREAS_IMPORT_MAP_FIELD = "areas-import-map-field"  # pattern id {"type", "target"}
AREAS_IMPORT_PREVIEW_BUTTON = "areas-import-preview-button"
AREAS_IMPORT_PREVIEW = "areas-import-preview"
AREAS_IMPORT_TOKEN = "areas-import-token"  # store: preview token
AREAS_IMPORT_DELETE_MISSING = "areas-import-delete-missing"
AREAS_IMPORT_APPLY = "areas-import-apply"
AREAS_IMPORT_MESSAGE = "areas-import-message"
AREAS_MUNICIPALITY_AGS = "areas-municipality-ags"  # store: {municipality id: AGS} of the choices
AREAS_TABLE_DOWNLOADS = "areas-table-downloads"  # link group (CSV/XLSX of the filtered list)
AREAS_MAP_DOWNLOADS = "areas-map-downloads"  # link group (map PDF/PNG/SVG, GeoPackage/GeoJSON)
# Erhebungsgespräch (pages/erhebung.py)
SURVEY_CONTEXT = "survey-context"  # store: {"municipality_id", "ags"} (untrusted)
SURVEY_ID = "survey-id"  # store: running survey id
SURVEY_INDEX = "survey-index"  # store: position in the area list
SURVEY_DATE = "survey-date"
SURVEY_PARTICIPANTS = "survey-participants"
SURVEY_METHOD = "survey-method"
SURVEY_START = "survey-start"
SURVEY_START_PANEL = "survey-start-panel"
SURVEY_WALK_PANEL = "survey-walk-panel"
SURVEY_PROGRESS = "survey-progress"
SURVEY_AREA = "survey-area"
SURVEY_MAP_PREFIX = "survey"
SURVEY_NOTE = "survey-note"
SURVEY_CONFIRM = "survey-confirm"
SURVEY_CHANGED = "survey-changed"
SURVEY_DROPPED = "survey-dropped"
SURVEY_NEW = "survey-new"
SURVEY_CHANGE_STATUS = "survey-change-status"
SURVEY_CHANGE_NAME = "survey-change-name"
SURVEY_CHANGE_NET = "survey-change-net"
SURVEY_NEW_NAME = "survey-new-name"
SURVEY_NEW_KIND = "survey-new-kind"
SURVEY_NEW_STATUS = "survey-new-status"
SURVEY_NEW_UPLOAD = "survey-new-upload"
SURVEY_PREV = "survey-prev"
SURVEY_NEXT = "survey-next"
SURVEY_FINISH = "survey-finish"
SURVEY_MESSAGE = "survey-message"
SURVEY_DONE_PANEL = "survey-done-panel"
SURVEY_PDF = "survey-pdf"
SURVEY_CSV = "survey-csv"
SURVEY_DOWNLOAD = "survey-download"
SURVEY_REFRESH = "survey-refresh"
# Prüfung (pages/pruefung.py)
REVIEW_LIST = "review-list"
REVIEW_ROW = "review-row"  # pattern id {"type", "index": proposal id}
REVIEW_SELECTED = "review-selected"  # store: proposal id (untrusted)
REVIEW_DETAIL = "review-detail"
REVIEW_OLD_MAP = "review-old-map"
REVIEW_NEW_MAP = "review-new-map"
REVIEW_REASON = "review-reason"
REVIEW_ACCEPT = "review-accept"
REVIEW_REJECT = "review-reject"
REVIEW_MESSAGE = "review-message"
REVIEW_REFRESH = "review-refresh"
REVIEW_STATE = "review-state"  # filter: offen / angenommen / abgelehnt
