"""Kenndaten of a municipality: read, create, update, delete, history.

Every Kenndaten group (Ansprechpartner, Beschäftigte, Investitionen, Eigenbetriebe,
Mitgliedschaften, Gemeinderat, Themencluster-Schwerpunkte) is described once by a
:class:`GroupSpec` (:mod:`.specs`); validation (:mod:`.validation`), change records
(:mod:`.snapshots`, :mod:`.writes`) and the edit forms are driven by it.

Reading (:mod:`.reads`, :mod:`.history`, :mod:`.clusters`) needs ``VIEW_CONFIDENTIAL`` for the
municipality, writing ``EDIT_KENNDATEN``. Writes use optimistic locking (the item's
``version``) and leave a :class:`ChangeRecord` with the old and new values; each write is
one transaction.
"""

from cockpit.services.kenndaten.clusters import (
    ClusterCount,
    ClusterEntry,
    ClusterOverview,
    cluster_overview,
)
from cockpit.services.kenndaten.history import (
    FieldChange,
    HistoryEntry,
    item_history,
    municipality_history,
)
from cockpit.services.kenndaten.reads import (
    KenndatenView,
    StaffBenchmark,
    cluster_choices,
    list_kenndaten,
)
from cockpit.services.kenndaten.snapshots import KenndatenItem, item_title
from cockpit.services.kenndaten.specs import (
    ACTION_LABELS,
    ENTITY_LABELS,
    GROUP_ORDER,
    GROUPS,
    FieldSpec,
    GroupSpec,
    get_group,
)
from cockpit.services.kenndaten.validation import KenndatenValidationError, validate_values
from cockpit.services.kenndaten.writes import delete_item, save_item

__all__ = [
    "ACTION_LABELS",
    "ENTITY_LABELS",
    "GROUPS",
    "GROUP_ORDER",
    "ClusterCount",
    "ClusterEntry",
    "ClusterOverview",
    "FieldChange",
    "FieldSpec",
    "GroupSpec",
    "HistoryEntry",
    "KenndatenItem",
    "KenndatenValidationError",
    "KenndatenView",
    "StaffBenchmark",
    "cluster_choices",
    "cluster_overview",
    "delete_item",
    "get_group",
    "item_history",
    "item_title",
    "list_kenndaten",
    "municipality_history",
    "save_item",
    "validate_values",
]
