"""The form's geometry: edit the existing one in the map, draw or upload one, check it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.components import area_map as amap
from cockpit.dashboard.pages.flaechen.common import ERROR_ID, FIELD_ID, MAP_IDS, log, refusal_alert
from cockpit.dashboard.presenters import areas as present
from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import Principal
from cockpit.services import areas
from cockpit.web import get_config, get_db


@dataclass(frozen=True)
class GeometryCapture:
    """Outputs of drawing / uploading: the pending geometry, its description, the error."""

    geometry: Any = no_update
    info: Any = no_update
    error: Any = no_update

    @classmethod
    def of(cls, geometry: dict[str, Any] | None, source: str, mode: Any) -> GeometryCapture:
        if geometry is None:
            return cls(None, present.pending_geometry_text(mode), "")
        count = len(geometry["features"])
        return cls(geometry, f"{source} übernommen ({count} Teilfläche(n)).", "")

    @classmethod
    def uploaded(cls, contents: Any, filename: Any, mode: Any) -> GeometryCapture:
        """The geometry of an uploaded file, or why the file cannot be used."""
        try:
            payload, name = present.decode_upload(contents, filename)
            geometry = present.upload_to_geojson(payload, name, get_config().metric_crs)
        except present.UploadProblem as error:
            log.info("geometry upload refused: %s", error)
            return cls(no_update, "", error.message)
        return cls.of(geometry, f"Geometrie aus „{name}“", mode)

    def outputs(self) -> tuple[Any, ...]:
        return self.geometry, self.info, self.error


def check_message(
    session: Session, principal: Principal, geometry: Any, municipality_id: Any, form_mode: Any
) -> Any:
    """The result of "Geometrie prüfen" (validity, area, overlaps), or what is missing."""
    if not geometry:
        return present.alert("Bitte zeichnen Sie zuerst eine Fläche oder laden Sie eine hoch.")
    if municipality_id in (None, ""):
        return present.alert("Bitte wählen Sie zuerst die Gemeinde.", "error")
    area_id = (form_mode or {}).get("area_id")
    try:
        check = areas.check_geometry(
            session,
            principal,
            geometry,
            int(municipality_id),
            exclude_area_id=area_id,
            config=get_config(),
        )
    except CockpitError as error:
        return refusal_alert(error)
    return present.check_message(check)


def register(app: Dash) -> None:
    @app.callback(
        Output(MAP_IDS.edit_group, "children", allow_duplicate=True),
        Input(ids.AREAS_FORM_EDIT_GEOMETRY, "n_clicks"),
        State(ids.AREAS_DETAIL_STATE, "data"),
        prevent_initial_call=True,
    )
    def edit_existing_geometry(n_clicks: int | None, detail_state: dict[str, Any] | None) -> Any:
        if not n_clicks or not detail_state:
            return no_update
        rings = present.edit_rings(detail_state.get("feature"))
        return amap.edit_children(MAP_IDS.edit_control, rings)

    @app.callback(
        Output(ids.AREAS_FORM_GEOMETRY, "data", allow_duplicate=True),
        Output(ids.AREAS_FORM_GEOMETRY_INFO, "children", allow_duplicate=True),
        Output({"type": ERROR_ID, "field": "geometry"}, "children", allow_duplicate=True),
        Input(MAP_IDS.edit_control, "geojson"),
        Input(ids.AREAS_FORM_UPLOAD, "contents"),
        State(ids.AREAS_FORM_UPLOAD, "filename"),
        State(ids.AREAS_FORM_MODE, "data"),
        prevent_initial_call=True,
    )
    def capture_geometry(
        drawn: Any, contents: Any, filename: Any, form_mode: Any
    ) -> tuple[Any, ...]:
        if not form_mode:
            return GeometryCapture().outputs()
        mode = form_mode.get("mode")
        if ctx.triggered_id == ids.AREAS_FORM_UPLOAD:
            return GeometryCapture.uploaded(contents, filename, mode).outputs()
        drawn_geometry = present.drawn_geometry(drawn)
        return GeometryCapture.of(drawn_geometry, "Gezeichnete Geometrie", mode).outputs()

    @app.callback(
        Output(ids.AREAS_FORM_MESSAGE, "children", allow_duplicate=True),
        Input(ids.AREAS_FORM_CHECK, "n_clicks"),
        State(ids.AREAS_FORM_GEOMETRY, "data"),
        State({"type": FIELD_ID, "field": "municipality_id"}, "value"),
        State(ids.AREAS_FORM_MODE, "data"),
        prevent_initial_call=True,
    )
    def check_geometry(n_clicks: Any, geometry: Any, municipality_id: Any, form_mode: Any) -> Any:
        if not n_clicks:
            return no_update
        return check_message(get_db(), current_principal(), geometry, municipality_id, form_mode)
