"""Admin pages: users, roles, municipality assignments, password resets, the audit log."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from cockpit.auth.forms import ActionForm, AssignForm, AuditFilterForm, RoleForm, UserCreateForm
from cockpit.auth.identity import client_ip
from cockpit.auth.principal import current_principal
from cockpit.domain.errors import ValidationError
from cockpit.domain.roles import Permission, Role
from cockpit.services import audit, authz, users
from cockpit.web import get_db

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.before_request
def _require_admin() -> None:
    # The services refuse anyway; this only gives a clean 403 before any work is done.
    authz.require(current_principal(), Permission.MANAGE_USERS)


def _municipality_choices() -> list[SelectChoice]:
    refs = users.list_assignable_municipalities(get_db(), current_principal())
    return [SelectChoice(m.id, f"{m.name} ({m.ags})") for m in refs]


def _attach_error(form: object, error: ValidationError, default: str) -> None:
    field = getattr(form, error.field, None) or getattr(form, default)
    field.errors = [*list(field.errors), error.user_message]


@bp.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("admin.user_list"))


@bp.get("/benutzer")
def user_list() -> ResponseReturnValue:
    accounts = users.list_users(get_db(), current_principal())
    return render_template("auth/admin_users.html", users=accounts)


@bp.route("/benutzer/neu", methods=["GET", "POST"])
def user_new() -> ResponseReturnValue:
    form = UserCreateForm()
    form.municipalities.choices = _municipality_choices()
    if request.method == "POST" and form.validate_on_submit():
        one_time = users.generate_password()
        try:
            user = users.create_user(
                get_db(),
                current_principal(),
                username=form.username.data,
                password=one_time,
                role=Role(form.role.data),
                display_name=form.display_name.data or "",
                email=form.email.data or "",
                municipality_ids=form.municipalities.data or [],
                must_change_password=True,
                ip=client_ip(),
            )
        except ValidationError as error:
            _attach_error(form, error, "username")
        else:
            return render_template(
                "auth/admin_one_time.html",
                username=user.username,
                password=one_time,
                created=True,
                user_id=user.id,
            )
    status = 400 if request.method == "POST" else 200
    return render_template("auth/admin_user_new.html", form=form), status


def _edit_page(
    user_id: int,
    *,
    role_form: RoleForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    principal = current_principal()
    account = users.get_user(get_db(), principal, user_id)
    choices = _municipality_choices()
    if role_form is None:
        role_form = RoleForm(formdata=None, prefix="role", role=account.role.value)
    role_form.municipalities.choices = choices
    if assign_form is None:
        assign_form = AssignForm(
            formdata=None, prefix="assign", municipalities=[m.id for m in account.municipalities]
        )
    assign_form.municipalities.choices = choices
    return (
        render_template(
            "auth/admin_user_edit.html",
            account=account,
            role_form=role_form,
            assign_form=assign_form,
            action_form=ActionForm(),
            is_self=account.id == principal.user_id,
        ),
        status,
    )


@bp.get("/benutzer/<int:user_id>")
def user_edit(user_id: int) -> ResponseReturnValue:
    return _edit_page(user_id)


@bp.post("/benutzer/<int:user_id>/rolle")
def user_role(user_id: int) -> ResponseReturnValue:
    form = RoleForm(prefix="role")
    form.municipalities.choices = _municipality_choices()
    if form.validate_on_submit():
        try:
            info = users.set_role(
                get_db(),
                current_principal(),
                user_id,
                Role(form.role.data),
                municipality_ids=form.municipalities.data or None,
                ip=client_ip(),
            )
        except ValidationError as error:
            _attach_error(form, error, "role")
        else:
            flash(f"Die Rolle von „{info.username}“ ist jetzt „{info.role_label}“.", "success")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return _edit_page(user_id, role_form=form, status=400)


@bp.post("/benutzer/<int:user_id>/gemeinden")
def user_assign(user_id: int) -> ResponseReturnValue:
    form = AssignForm(prefix="assign")
    form.municipalities.choices = _municipality_choices()
    if form.validate_on_submit():
        try:
            info = users.assign_municipalities(
                get_db(),
                current_principal(),
                user_id,
                form.municipalities.data or [],
                ip=client_ip(),
            )
        except ValidationError as error:
            _attach_error(form, error, "municipalities")
        else:
            names = ", ".join(m.name for m in info.municipalities) or "keine"
            flash(f"Zugeordnete Gemeinden von „{info.username}“: {names}.", "success")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return _edit_page(user_id, assign_form=form, status=400)


@bp.post("/benutzer/<int:user_id>/passwort")
def user_reset_password(user_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    principal = current_principal()
    password = users.reset_password(get_db(), principal, user_id, ip=client_ip())
    account = users.get_user(get_db(), principal, user_id)
    return render_template(
        "auth/admin_one_time.html",
        username=account.username,
        password=password,
        created=False,
        user_id=user_id,
    )


@bp.post("/benutzer/<int:user_id>/deaktivieren")
def user_deactivate(user_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        info = users.deactivate(get_db(), current_principal(), user_id, ip=client_ip())
    except ValidationError as error:
        flash(error.user_message, "error")
    else:
        flash(f"Das Konto „{info.username}“ ist deaktiviert.", "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/benutzer/<int:user_id>/aktivieren")
def user_reactivate(user_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    info = users.reactivate(get_db(), current_principal(), user_id, ip=client_ip())
    flash(f"Das Konto „{info.username}“ ist wieder aktiv.", "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.get("/protokoll")
def audit_log() -> ResponseReturnValue:
    principal = current_principal()
    authz.require(principal, Permission.VIEW_AUDIT)
    form = AuditFilterForm(formdata=MultiDict(request.args) if request.args else None)
    page = None
    error = None
    if not request.args or form.validate():
        try:
            page = audit.list_entries(
                get_db(),
                principal,
                action=form.action.data or "",
                user=form.user.data or "",
                date_from=form.date_from.data,
                date_to=form.date_to.data,
                page=form.page.data or 1,
            )
        except ValidationError as exc:
            error = exc.user_message
    else:
        error = "Bitte prüfen Sie die Filterangaben."
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "auth/admin_audit.html", form=form, page=page, error=error, filter_args=args
    ), (200 if error is None else 400)
