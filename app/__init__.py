"""Descent Lab's Dash app. `create_app()` builds it; `app.wsgi:server` serves it."""

from app.factory import create_app

__all__ = ["create_app"]
