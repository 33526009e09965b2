"""WSGI entry point: ``gunicorn app:server`` or ``flask --app app run``."""

from cockpit import create_app

server = create_app()
app = server
