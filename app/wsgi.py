"""WSGI entry point for several worker processes: `gunicorn app.wsgi:server`."""

from app import create_app

server = create_app().server
