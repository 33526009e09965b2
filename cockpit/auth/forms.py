"""Server-rendered forms (Flask-WTF, CSRF-protected) with German labels and messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from cockpit.domain.roles import ROLE_LABELS
from cockpit.services.audit import ACTION_LABELS

ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField(
        "Benutzername",
        validators=[DataRequired("Bitte geben Sie Ihren Benutzernamen ein."), Length(max=100)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Passwort",
        validators=[DataRequired("Bitte geben Sie Ihr Passwort ein."), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Angemeldet bleiben (nur auf eigenen Geräten)", default=False)
    next = HiddenField()


class PasswordChangeForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField(
        "Bisheriges Passwort",
        validators=[DataRequired("Bitte geben Sie Ihr bisheriges Passwort ein.")],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "Neues Passwort",
        validators=[DataRequired("Bitte geben Sie ein neues Passwort ein.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Neues Passwort wiederholen",
        validators=[
            DataRequired("Bitte wiederholen Sie das neue Passwort."),
            EqualTo("password", "Die beiden neuen Passwörter stimmen nicht überein."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button-only form (logout, reset, deactivate): carries just the CSRF token."""


class UserCreateForm(FlaskForm):  # type: ignore[misc]
    username = StringField(
        "Benutzername",
        validators=[DataRequired("Bitte geben Sie einen Benutzernamen ein."), Length(max=100)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField("Name", validators=[Optional(), Length(max=200)])
    email = EmailField("E-Mail", validators=[Optional(), Length(max=200)])
    role = SelectField("Rolle", choices=ROLE_CHOICES)
    municipalities = SelectMultipleField("Gemeinden (nur für die Rolle Kommune)", coerce=int)


class RoleForm(FlaskForm):  # type: ignore[misc]
    role = SelectField("Rolle", choices=ROLE_CHOICES)
    municipalities = SelectMultipleField(
        "Gemeinden (nur beim Wechsel zur Rolle Kommune)", coerce=int
    )


class AssignForm(FlaskForm):  # type: ignore[misc]
    municipalities = SelectMultipleField("Zugeordnete Gemeinden", coerce=int)


class AuditFilterForm(FlaskForm):  # type: ignore[misc]
    """GET filter form of the audit log (reads no data, so no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(
        "Aktion",
        choices=[
            SelectChoice("", "alle Aktionen"),
            *(SelectChoice(value, label) for value, label in ACTION_LABELS.items()),
        ],
        validators=[Optional()],
    )
    user = StringField("Benutzer", validators=[Optional(), Length(max=100)])
    date_from = DateField(
        "von", validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"}
    )
    date_to = DateField(
        "bis", validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"}
    )
    page = IntegerField("Seite", default=1, validators=[Optional()])
