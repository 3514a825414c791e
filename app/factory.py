"""Builds the Dash app: layout, callbacks and safe serving defaults."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import dash
from dash import ClientsideFunction, Input, Output, dcc
from flask import has_request_context, request

from app import callbacks, security
from app.layout import page
from app.urlstate import decode

ASSETS = Path(__file__).resolve().parent.parent / "assets"


FORMULA_KEYS = ("formula", "x_range", "y_range")


def split_formula(query: str) -> tuple[str, dict | None]:
    """Take a lecturer's formula (surface=custom&formula=...) out of the query.

    The formula is checked when the page computes (a bad one shows its error next to the
    field); the rest of the query goes to the ordinary URL state. A start point belongs to the
    formula's own window, so it stays with the formula.
    """
    pairs = parse_qsl(query[:4000], keep_blank_values=True)
    values = dict(pairs)
    if values.get("surface") != "custom":
        return query, None
    custom = {key: values.get(key, default)[:200] for key, default in zip(FORMULA_KEYS, ("x**2 + 3*sin(y)", "-3, 3", "-3, 3"), strict=True)}
    rest = [(k, v) for k, v in pairs if k not in (*FORMULA_KEYS, "surface", "start", "pin")]
    return urlencode(rest), custom


def create_app() -> dash.Dash:
    app = dash.Dash(
        __name__,
        title="Descent Lab",
        assets_folder=str(ASSETS),
        update_title=None,
        # The layout is a function of the request (language, embed mode), and callbacks
        # address controls that the layout always holds.
        suppress_callback_exceptions=False,
    )

    def layout():
        # The page is built from its URL: every setting, the lesson, the language, embed mode.
        # Dash's renderer fetches the layout from /_dash-layout without the page's query, so
        # the page's own address arrives as the (same-origin) Referer.
        query = ""
        if has_request_context():
            query = request.query_string.decode("utf-8", "replace")
            if not query and request.referrer:
                query = urlsplit(request.referrer).query
        query, custom = split_formula(query)
        state, notices = decode(query)
        return [page(state, notices, custom=custom), dcc.Store(id="player-sync"), dcc.Store(id="player-speed-sync")]

    app.layout = layout
    callbacks.register(app)
    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="load"),
        Output("player-sync", "data"),
        Input("contour", "figure"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="speed"),
        Output("player-speed-sync", "data"),
        Input("player-speed", "value"),
    )
    security.harden(app.server)
    security.guard_callbacks(app)
    return app
