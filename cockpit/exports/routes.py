"""Download routes under ``/export/…`` (Flask blueprint ``exports``).

Every route is behind the auth guard (anonymous: 401/redirect), takes the principal of the
request and calls ONE authorizing service of :mod:`cockpit.services.exports`; the file
carries its export record and every delivered file leaves an audit entry.

Routes (query parameters as in :class:`~cockpit.services.exports.SnapshotParams`):

* ``/export/karte.<pdf|png|svg>`` — map snapshot (``paper`` A4/A3, ``orientation``
  landscape/portrait, ``dpi`` 96/300 for PNG);
* ``/export/tabelle/karte.<csv|xlsx>`` and ``/export/ebene/gemeinden.<gpkg|geojson>`` —
  the table / layer behind the overview map (CSV: ``sep`` ``;``/``,``, ``decimal`` ``,``/``.``);
* ``/export/themencluster/karte.<pdf|png|svg>?cluster=<id>`` and
  ``/export/tabelle/themencluster.<csv|xlsx>?cluster=<id>`` — map and tables of the
  Themencluster lens (what the lens shows for the principal);
* ``/export/steckbrief/<AGS>.pdf`` — Steckbrief of one municipality;
* ``/export/tabelle/kennzahlen/<AGS>.<csv|xlsx>``, ``/export/tabelle/kenndaten/<AGS>.<…>``;
* ``/export/tabelle/flaechen.<csv|xlsx>`` and ``/export/ebene/flaechen.<gpkg|geojson>`` —
  the filtered area list of the Flächen page (filters as in
  :func:`~cockpit.services.exports.parse_area_filter`: ``kinds``, ``statuses``,
  ``sources``, ``municipalities``, ``min_ha``, ``max_ha``, ``age``, ``search``,
  ``deleted``);
* ``/export/flaechen/karte.<pdf|png|svg>`` — map snapshot of the Flächen page with the
  same filters (plus ``paper``, ``orientation``, ``dpi``);
* ``/export/steckbriefe`` — page for "Steckbriefe aller Gemeinden" (start a background job;
  ``POST /export/steckbriefe/auftraege``) with the job list;
* ``/export/auftraege`` — the job page: the user's own jobs (Admin: everyone's) with state,
  progress, cancel and download; JSON: ``/export/auftraege.json``,
  ``/export/auftraege/<id>`` (status), ``…/<id>/abbrechen`` (POST), ``…/<id>/download``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from flask import (
    Blueprint,
    Response,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue

from cockpit.auth.principal import current_principal
from cockpit.domain.errors import NotFoundError, ValidationError
from cockpit.domain.formatting import format_datetime
from cockpit.domain.roles import Permission, Principal
from cockpit.exports import build, jobs, report, snapshot, tables
from cockpit.exports.metadata import ExportRecord
from cockpit.jobqueue import get_queue
from cockpit.services import areas, authz
from cockpit.services import exports as export_service
from cockpit.services import jobs as job_service
from cockpit.web import get_config, get_db

log = logging.getLogger(__name__)

bp = Blueprint(
    "exports",
    __name__,
    url_prefix="/export",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

AREA_SNAPSHOT_TARGET: Final = "flaechen"  # audited as snapshot:flaechen
SNAPSHOT_KEYS: Final = (
    "indicator",
    "year",
    "method",
    "classes",
    "palette",
    "layers",
    "municipalities",
    "bbox",
    "area_kinds",
    "area_statuses",
)


# --------------------------------------------------------------------------- helpers


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.endswith((".json",))


@bp.errorhandler(ValidationError)
def _bad_request(error: ValidationError) -> ResponseReturnValue:
    log.warning("export refused: %s %s: %s", request.method, request.path, error)
    if _wants_json() or request.method == "POST":
        response = jsonify(error=400, message=error.user_message)
        response.status_code = 400
        return response
    return render_template("auth/error.html", status=400, message=error.user_message), 400


def _snapshot_params() -> export_service.SnapshotParams:
    raw: dict[str, Any] = {key: request.args[key] for key in SNAPSHOT_KEYS if key in request.args}
    return export_service.SnapshotParams.from_mapping(raw)


def _choice(
    name: str, allowed: tuple[Any, ...], default: Any, cast: Callable[[str], Any] = str
) -> Any:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = cast(raw)
    except ValueError as error:
        raise ValidationError(
            f"bad {name} {raw!r}", _choice_message(name, allowed), name
        ) from error
    if value not in allowed:
        raise ValidationError(f"bad {name} {raw!r}", _choice_message(name, allowed), name)
    return value


def _choice_message(name: str, allowed: tuple[Any, ...]) -> str:
    labels = {
        "paper": "Papierformat",
        "orientation": "Ausrichtung",
        "dpi": "Auflösung (dpi)",
        "sep": "Trennzeichen",
        "decimal": "Dezimalzeichen",
    }
    return (
        f"Ungültige Angabe für {labels.get(name, name)}. Möglich: {', '.join(map(str, allowed))}."
    )


def _download(payload: bytes, filename: str, mimetype: str) -> Response:
    response = send_file(
        io.BytesIO(payload), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _audit(principal: Principal, record: ExportRecord, target: str) -> None:
    export_service.record_export(
        get_db(),
        principal,
        kind=record.kind,
        target=target,
        details=record.audit_details(),
        ip=request.remote_addr or "",
    )


# --------------------------------------------------------------------------- snapshot


@bp.get("/karte.<fmt>")
def map_snapshot(fmt: str) -> ResponseReturnValue:
    if fmt not in snapshot.FORMATS:
        raise ValidationError(f"format {fmt}", "Karten gibt es als PDF, PNG oder SVG.", "fmt")
    principal = current_principal()
    params = _snapshot_params()
    page = snapshot.PageSpec(
        fmt=fmt,  # type: ignore[arg-type]
        paper=_choice("paper", snapshot.PAPERS, "A4"),
        orientation=_choice("orientation", snapshot.ORIENTATIONS, "landscape"),
        dpi=_choice("dpi", snapshot.DPI_CHOICES, 96, int),
    )
    payload, record, data = build.build_snapshot(get_db(), principal, params, page, get_config())
    _audit(principal, record, f"{params.indicator}:{params.year}")
    return _download(payload, snapshot.snapshot_filename(data, page), snapshot.MIME[page.fmt])


# --------------------------------------------------------------------------- tables


def _table_response(
    principal: Principal,
    table_list: list[export_service.TableData],
    fmt: str,
    kind: str,
    title: str | None = None,
) -> Response:
    if fmt not in tables.TABLE_FORMATS:
        raise ValidationError(f"format {fmt}", "Tabellen gibt es als CSV oder XLSX.", "fmt")
    first = table_list[0]
    if title is None:
        title = first.title if len(table_list) == 1 else first.title.split(" – ")[-1]
    if fmt == "xlsx":
        payload, record = build.build_tables(principal, table_list, fmt, kind=kind, title=title)
        filename = f"{first.name}.xlsx"
    else:
        separator = _choice("sep", (";", ","), ";")
        decimal = _choice("decimal", (",", "."), "," if separator == ";" else ".")
        if separator == decimal:
            raise ValidationError(
                "separator == decimal",
                "Trennzeichen und Dezimalzeichen müssen verschieden sein.",
                "decimal",
            )
        payload, record = build.build_tables(
            principal,
            table_list,
            fmt,
            kind=kind,
            title=title,
            separator=separator,
            decimal=decimal,
        )
        filename = f"{first.name}.zip"
    _audit(principal, record, first.name)
    return _download(payload, filename, tables.MIME[fmt])


@bp.get("/tabelle/karte.<fmt>")
def map_table(fmt: str) -> ResponseReturnValue:
    principal = current_principal()
    table = export_service.get_map_table(
        get_db(), principal, _snapshot_params(), config=get_config()
    )
    return _table_response(principal, [table], fmt, "table")


@bp.get("/ebene/gemeinden.<fmt>")
def map_layer(fmt: str) -> ResponseReturnValue:
    if fmt not in tables.LAYER_FORMATS:
        raise ValidationError(
            f"format {fmt}", "Kartenebenen gibt es als GeoPackage oder GeoJSON.", "fmt"
        )
    principal = current_principal()
    params = _snapshot_params()
    payload, record, table, _ = build.build_layer(get_db(), principal, params, fmt, get_config())
    _audit(principal, record, table.name)
    return _download(payload, f"{table.name}.{fmt}", tables.MIME[fmt])


@bp.get("/tabelle/kennzahlen/<ags>.<fmt>")
def kpi_table(ags: str, fmt: str) -> ResponseReturnValue:
    principal = current_principal()
    session = get_db()
    municipality_id = export_service.municipality_id_for_ags(session, principal, ags)
    table = export_service.get_kpi_table(session, principal, municipality_id, config=get_config())
    return _table_response(principal, [table], fmt, "table")


@bp.get("/tabelle/kenndaten/<ags>.<fmt>")
def kenndaten_tables(ags: str, fmt: str) -> ResponseReturnValue:
    principal = current_principal()
    session = get_db()
    municipality_id = export_service.municipality_id_for_ags(session, principal, ags)
    groups = [g for g in request.args.get("groups", "").split(",") if g]
    table_list = export_service.get_kenndaten_tables(
        session, principal, municipality_id, groups=groups, config=get_config()
    )
    return _table_response(principal, table_list, fmt, "table")


def _area_filter() -> areas.AreaFilter:
    """The area filters of the query (untrusted; the export services authorize)."""
    return export_service.parse_area_filter(get_db(), request.args)


@bp.get("/tabelle/flaechen.<fmt>")
def area_table(fmt: str) -> ResponseReturnValue:
    principal = current_principal()
    filters = _area_filter()
    table = export_service.get_area_table(get_db(), principal, filters, config=get_config())
    return _table_response(principal, [table], fmt, "table")


@bp.get("/ebene/flaechen.<fmt>")
def area_layer(fmt: str) -> ResponseReturnValue:
    if fmt not in tables.LAYER_FORMATS:
        raise ValidationError(
            f"format {fmt}", "Kartenebenen gibt es als GeoPackage oder GeoJSON.", "fmt"
        )
    principal = current_principal()
    filters = _area_filter()
    payload, record, table, _ = build.build_area_layer(
        get_db(), principal, filters, fmt, get_config()
    )
    _audit(principal, record, f"{table.name}_ebene")
    return _download(payload, f"{table.name}.{fmt}", tables.MIME[fmt])


@bp.get("/flaechen/karte.<fmt>")
def area_snapshot(fmt: str) -> ResponseReturnValue:
    page = _page_spec(fmt)
    principal = current_principal()
    filters = _area_filter()
    payload, record, _data = build.build_area_snapshot(
        get_db(), principal, filters, page, get_config()
    )
    _audit(principal, record, AREA_SNAPSHOT_TARGET)
    return _download(payload, snapshot.area_snapshot_filename(page), snapshot.MIME[page.fmt])


# --------------------------------------------------------------------------- Themencluster


def _cluster_id() -> int | None:
    raw = request.args.get("cluster", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError(
            f"bad cluster {raw!r}", "Ungültige Angabe für das Themencluster.", "cluster"
        )
    return int(raw)


def _page_spec(fmt: str) -> snapshot.PageSpec:
    if fmt not in snapshot.FORMATS:
        raise ValidationError(f"format {fmt}", "Karten gibt es als PDF, PNG oder SVG.", "fmt")
    return snapshot.PageSpec(
        fmt=fmt,  # type: ignore[arg-type]
        paper=_choice("paper", snapshot.PAPERS, "A4"),
        orientation=_choice("orientation", snapshot.ORIENTATIONS, "landscape"),
        dpi=_choice("dpi", snapshot.DPI_CHOICES, 96, int),
    )


@bp.get("/themencluster/karte.<fmt>")
def cluster_snapshot(fmt: str) -> ResponseReturnValue:
    page = _page_spec(fmt)
    principal = current_principal()
    payload, record, data = build.build_cluster_snapshot(
        get_db(), principal, _cluster_id(), page, get_config()
    )
    _audit(principal, record, f"themencluster:{data.overview.cluster_id}")
    return _download(
        payload, snapshot.cluster_snapshot_filename(data, page), snapshot.MIME[page.fmt]
    )


@bp.get("/tabelle/themencluster.<fmt>")
def cluster_tables(fmt: str) -> ResponseReturnValue:
    principal = current_principal()
    title, table_list = export_service.get_cluster_tables(
        get_db(), principal, _cluster_id(), config=get_config()
    )
    return _table_response(principal, table_list, fmt, "table", title=title)


# --------------------------------------------------------------------------- reports


@bp.get("/steckbrief/<ags>.pdf")
def municipality_report(ags: str) -> ResponseReturnValue:
    principal = current_principal()
    session = get_db()
    municipality_id = export_service.municipality_id_for_ags(session, principal, ags)
    payload, record, data = build.build_report(session, principal, municipality_id, get_config())
    _audit(principal, record, data.profile.ags)
    return _download(payload, report.report_filename(data), "application/pdf")


def _job_dict(job: job_service.JobView) -> dict[str, Any]:
    """A job as the job page's script and the JSON API see it (times in Berlin time)."""
    url = url_for("exports.job_status", job_id=job.id)
    return {
        "id": job.id,
        "kind": job.kind,
        "kind_label": job.kind_label,
        "state": job.state.value,
        "status": job.state.label,
        "finished": job.finished,
        "total": job.total,
        "done": job.done,
        "percent": job.percent,
        "current": job.current,
        "message": job.message,
        "user": job.username,
        "scope": job.scope,
        "created": format_datetime(job.created_at),
        "finished_at": format_datetime(job.finished_at) if job.finished_at else "",
        "url": url,
        "cancel_url": url + "/abbrechen",
        "download_url": url + "/download" if job.downloadable else "",
    }


def _may_start_reports(principal: Principal) -> bool:
    return all(authz.may(principal, p) for p in job_service.KIND_PERMISSIONS[jobs.KIND])


def _jobs_page(principal: Principal, *, start: bool) -> str:
    listed = job_service.list_jobs(get_db(), principal, get_config())
    return render_template(
        "exports/jobs.html",
        jobs=[_job_dict(job) for job in listed],
        start=start,
        all_users=authz.may(principal, Permission.MANAGE_JOBS),
    )


@bp.get("/auftraege")
def jobs_page() -> ResponseReturnValue:
    """Background jobs: the principal's own (Admin: everyone's), with cancel and download."""
    principal = current_principal()
    return _jobs_page(principal, start=_may_start_reports(principal))


@bp.get("/auftraege.json")
def jobs_list() -> ResponseReturnValue:
    listed = job_service.list_jobs(get_db(), current_principal(), get_config())
    return jsonify(jobs=[_job_dict(job) for job in listed])


@bp.get("/steckbriefe")
def reports_page() -> ResponseReturnValue:
    principal = current_principal()
    authz.require(principal, Permission.EXPORT_DATA)
    return _jobs_page(principal, start=True)


@bp.post("/steckbriefe/auftraege")
def start_reports_job() -> ResponseReturnValue:
    job = jobs.start_all_reports(
        get_queue(), get_db(), current_principal(), get_config(), ip=request.remote_addr or ""
    )
    response = jsonify(_job_dict(job))
    response.status_code = 202
    return response


@bp.get("/auftraege/<job_id>")
def job_status(job_id: str) -> ResponseReturnValue:
    job = job_service.get_job(get_db(), current_principal(), job_id, get_config())
    return jsonify(_job_dict(job))


@bp.post("/auftraege/<job_id>/abbrechen")
def cancel_job(job_id: str) -> ResponseReturnValue:
    job = job_service.cancel_job(get_db(), current_principal(), job_id, get_config())
    return jsonify(_job_dict(job))


@bp.get("/auftraege/<job_id>/download")
def download_job_result(job_id: str) -> ResponseReturnValue:
    queue = get_queue()
    name = job_service.result_file(get_db(), current_principal(), job_id, get_config())
    path: Path = queue.result_dir / name
    if not path.is_file():
        log.error("job %s: result file %s missing", job_id, name)
        raise NotFoundError(f"job {job_id}: {name} missing", "Die Ergebnisdatei fehlt.")
    response = send_file(
        path, mimetype="application/zip", as_attachment=True, download_name=path.name
    )
    response.headers["Cache-Control"] = "no-store"
    return response
