"""The user administration commands (``cockpit create-user`` …) against a real database."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from cockpit.db import make_engine, make_session_factory
from cockpit.models import AuditLog
from cockpit.services import users
from cockpit.settings import Settings


def _authenticate(settings: Settings, username: str, password: str) -> bool:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return users.authenticate(session, username, password, ip="") is not None
    finally:
        engine.dispose()


def test_create_user_with_password_from_stdin(app: Flask, settings: Settings) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "Kommune.Zwei",
            "--role",
            "kommune",
            "--municipality",
            "14626110",
            "--municipality",
            "14626610",
            "--name",
            "Zwei Städte",
            "--password-stdin",
        ],
        input="Zwei-Staedte-Kennwort-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "Benutzer „kommune.zwei“ (Kommune) wurde angelegt." in result.output
    assert "Zwei-Staedte-Kennwort-1" not in result.output
    assert _authenticate(settings, "kommune.zwei", "Zwei-Staedte-Kennwort-1")
    listing = runner.invoke(args=["list-users"])
    assert listing.exit_code == 0
    line = next(x for x in listing.output.splitlines() if x.startswith("kommune.zwei"))
    assert "Görlitz (14626110), Zittau (14626610)" in line


def test_create_user_prompts_twice_without_echo(app: Flask, settings: Settings) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "leser", "--role", "analyse"],
        input="Leser-Kennwort-2026-x\nLeser-Kennwort-2026-x\n",
    )
    assert result.exit_code == 0, result.output
    assert "Passwort wiederholen" in result.output
    assert "Leser-Kennwort-2026-x" not in result.output
    assert _authenticate(settings, "leser", "Leser-Kennwort-2026-x")


def test_cli_refuses_bad_input_with_german_messages(app: Flask) -> None:
    runner = app.test_cli_runner()
    unknown = runner.invoke(
        args=[
            "create-user",
            "x.y",
            "--role",
            "kommune",
            "--municipality",
            "99999999",
            "--password-stdin",
        ],
        input="Irgendein-Kennwort-1\n",
    )
    assert unknown.exit_code == 1
    assert "Unbekannter Gemeindeschlüssel (AGS): 99999999." in unknown.output
    weak = runner.invoke(
        args=["create-user", "x.y", "--role", "analyse", "--password-stdin"], input="hallo123\n"
    )
    assert weak.exit_code == 1
    assert "mindestens 12 Zeichen" in weak.output
    missing = runner.invoke(args=["deactivate", "gibt.es.nicht"])
    assert missing.exit_code == 1
    assert "Den Benutzer „gibt.es.nicht“ gibt es nicht." in missing.output


def test_set_password_assign_and_deactivate(app: Flask, settings: Settings) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["set-password", "kreis", "--password-stdin"], input="Kreis-Neues-Kennwort-7\n"
    )
    assert result.exit_code == 0, result.output
    assert _authenticate(settings, "kreis", "Kreis-Neues-Kennwort-7")
    result = runner.invoke(args=["assign", "kommune.goerlitz", "--municipality", "14626610"])
    assert result.exit_code == 0, result.output
    assert "jetzt zugeordnet: Zittau." in result.output
    result = runner.invoke(args=["deactivate", "analyse"])
    assert result.exit_code == 0, result.output
    assert not _authenticate(settings, "analyse", "Analyse-Test-Kennwort-4")
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.actor_name == "system").order_by(AuditLog.id)
        ).all()
    engine.dispose()
    assert actions[-3:] == ["password_reset", "municipalities_assigned", "user_deactivated"]
