"""User administration from the shell: ``cockpit create-user|set-password|list-users|...``.

Shell access to the server is administration access, so these commands act as the SYSTEM
principal; every change is audited as done by "system".
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import ROLE_LABELS, SYSTEM, Role
from cockpit.services import users
from cockpit.web import get_db

ROLE_NAMES = [role.value for role in Role]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt(
        "Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen"
    )
    return value


def _fail(error: CockpitError) -> None:
    raise click.ClickException(error.user_message)


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(ROLE_NAMES), required=True, help="Rolle des Kontos.")
@click.option(
    "--municipality",
    "municipalities",
    multiple=True,
    metavar="AGS",
    help="Gemeindeschlüssel (AGS) einer zugeordneten Gemeinde; mehrfach möglich.",
)
@click.option("--name", "display_name", default="", help="Anzeigename.")
@click.option("--email", default="", help="E-Mail-Adresse.")
@click.option("--password-stdin", is_flag=True, help="Passwort aus der Standardeingabe lesen.")
def create_user(
    username: str,
    role: str,
    municipalities: tuple[str, ...],
    display_name: str,
    email: str,
    password_stdin: bool,
) -> None:
    """Ein Benutzerkonto anlegen."""
    session = get_db()
    try:
        ids = users.municipality_ids_for_ags(session, SYSTEM, municipalities)
        password = _read_password(password_stdin)
        user = users.create_user(
            session,
            SYSTEM,
            username=username,
            password=password,
            role=Role(role),
            display_name=display_name,
            email=email,
            municipality_ids=ids,
        )
    except CockpitError as error:
        _fail(error)
    click.echo(f"Benutzer „{user.username}“ ({ROLE_LABELS[user.role]}) wurde angelegt.")


@click.command("set-password")
@with_appcontext
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Passwort aus der Standardeingabe lesen.")
@click.option(
    "--temporary/--permanent",
    default=False,
    help="Vorläufig: der Benutzer muss es bei der nächsten Anmeldung ändern.",
)
def set_password(username: str, password_stdin: bool, temporary: bool) -> None:
    """Das Passwort eines Kontos setzen (beendet alle seine Sitzungen)."""
    session = get_db()
    try:
        user_id = users.find_user_id(session, SYSTEM, username)
        password = _read_password(password_stdin)
        users.reset_password(session, SYSTEM, user_id, new_password=password, must_change=temporary)
    except CockpitError as error:
        _fail(error)
    click.echo(f"Das Passwort von „{username}“ wurde geändert; alle Sitzungen sind beendet.")


@click.command("list-users")
@with_appcontext
def list_users() -> None:
    """Alle Benutzerkonten mit Rolle, Gemeinden und Status auflisten."""
    accounts = users.list_users(get_db(), SYSTEM)
    if not accounts:
        click.echo("Es gibt noch keine Benutzer.")
        return
    width = max(len(a.username) for a in accounts)
    for account in accounts:
        places = ", ".join(f"{m.name} ({m.ags})" for m in account.municipalities) or "–"
        status = "aktiv" if account.is_active else "deaktiviert"
        demo = " [Demo]" if account.is_demo else ""
        click.echo(
            f"{account.username:<{width}}  {account.role_label:<15}  {status:<11}  {places}{demo}"
        )


@click.command("assign")
@with_appcontext
@click.argument("username")
@click.option(
    "--municipality",
    "municipalities",
    multiple=True,
    required=True,
    metavar="AGS",
    help="Gemeindeschlüssel (AGS); mehrfach möglich. Ersetzt die bisherige Zuordnung.",
)
def assign(username: str, municipalities: tuple[str, ...]) -> None:
    """Einem Kommune-Konto Gemeinden zuordnen (ersetzt die bisherige Zuordnung)."""
    session = get_db()
    try:
        user_id = users.find_user_id(session, SYSTEM, username)
        ids = users.municipality_ids_for_ags(session, SYSTEM, municipalities)
        info = users.assign_municipalities(session, SYSTEM, user_id, ids)
    except CockpitError as error:
        _fail(error)
    names = ", ".join(m.name for m in info.municipalities)
    click.echo(f"„{info.username}“ ist jetzt zugeordnet: {names}.")


@click.command("deactivate")
@with_appcontext
@click.argument("username")
def deactivate(username: str) -> None:
    """Ein Konto deaktivieren (Anmeldung nicht mehr möglich, Sitzungen beendet)."""
    session = get_db()
    try:
        user_id = users.find_user_id(session, SYSTEM, username)
        info = users.deactivate(session, SYSTEM, user_id)
    except CockpitError as error:
        _fail(error)
    click.echo(f"Das Konto „{info.username}“ ist deaktiviert.")


COMMANDS = [create_user, set_password, list_users, assign, deactivate]
