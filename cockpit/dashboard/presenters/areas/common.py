"""Shared parts of the area presenters: choice lists, enum labels, message boxes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dash import html

from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    Ownership,
    PlanningStatus,
)

EMPTY_FC: dict[str, Any] = {"type": "FeatureCollection", "features": []}


def enum_options(enum_cls: Iterable[Any]) -> list[dict[str, str]]:
    """Dropdown/checklist options (German label, code value) of a labelled enum."""
    return [{"label": member.label, "value": member.value} for member in enum_cls]


def code_options(options: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"label": label, "value": code} for code, label in options.items()]


KIND_OPTIONS = enum_options(AreaKind)
STATUS_OPTIONS = enum_options(AreaStatus)
SOURCE_OPTIONS = enum_options(AreaSource)
PLANNING_OPTIONS = enum_options(PlanningStatus)
OWNERSHIP_OPTIONS = enum_options(Ownership)
METHOD_OPTIONS = enum_options(ConfirmationMethod)
SERVICING_CHOICES = code_options(SERVICING_OPTIONS)
OBSTACLE_CHOICES = code_options(OBSTACLE_OPTIONS)


def enum_label(enum_cls: type[Any], value: Any) -> str:
    try:
        return str(enum_cls(value).label)
    except ValueError:
        return str(value or "–")


def alert(children: Any, level: str = "info") -> html.Div:
    """A message box; errors are announced immediately (role=alert)."""
    role = "alert" if level == "error" else "status"
    return html.Div(children, className=f"fl-alert fl-alert-{level}", role=role)
