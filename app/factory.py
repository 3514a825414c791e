"""Builds the Dash app: layout, callbacks and safe serving defaults."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import ClientsideFunction, Input, Output, dcc

from app import callbacks, security
from app.layout import page

ASSETS = Path(__file__).resolve().parent.parent / "assets"


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
        return [page("en"), dcc.Store(id="player-sync"), dcc.Store(id="player-speed-sync")]

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
    return app
