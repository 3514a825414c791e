"""Builds the Dash app: layout, callbacks and safe serving defaults."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import dash
from dash import ClientsideFunction, Input, Output, dcc
from flask import Flask, has_request_context, request
from flask_compress import Compress

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


DAY = 24 * 3600
YEAR = 365 * DAY


class BundleCache:
    """flask-compress's store of compressed bodies, holding static bundles only.

    A bundle's URL names its content (Dash's version or the file's mtime), so it is compressed
    once per process: plotly.min.js takes ~0.15 s of CPU to compress. Callback answers differ
    every time and are never stored.
    """

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.bodies.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(UNCACHED):
            self.bodies[key] = value


UNCACHED = "\0uncached"


def serve_compressed(server: Flask, prefix: str) -> None:
    """Compress answers (brotli or gzip, as asked) and let browsers keep the app's assets.

    Dash's own `compress=True` would do the first part with gzip only; brotli makes plotly.min.js
    1.41 MB instead of gzip's 1.47 MB, in two thirds of the time. Dash already gives
    fingerprinted bundles a year of max-age; the lazily loaded chunks (plotly.min.js,
    async-*.js) have fixed URLs, so they keep their ETag and are revalidated (a 304) rather
    than trusted across an upgrade.
    """

    bundles, assets, favicon = prefix + "_dash-component-suites/", prefix + "assets/", prefix + "_favicon.ico"

    def cache_key(req) -> str:
        return req.path if req.method == "GET" and req.path.startswith(bundles) else UNCACHED

    server.config.update(
        # brotli at flask-compress's level 4: a higher level saves ~10 % and costs twice the CPU
        # on every large callback answer (a 7 MB CSV download: 0.21 s at 4, 0.39 s at 5).
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_CACHE_BACKEND=BundleCache,
        COMPRESS_CACHE_KEY=cache_key,
        # Files under assets/ are streamed; check If-None-Match against the compressed ETag.
        COMPRESS_STREAMING_ENDPOINT_CONDITIONAL=["static", "_dash_assets.static"],
    )
    Compress(server)

    @server.after_request
    def cache_assets(response):
        # Dash links assets/ files as ?m=<mtime>: a changed file gets a new URL.
        if request.path.startswith(assets) and "m" in request.args and response.status_code == 200:
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
        elif request.path == favicon and response.status_code == 200:
            response.cache_control.max_age = DAY  # its URL names Dash's version, not the file
        return response


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
    security.harden(app.server, app.csp_hashes())  # after every clientside callback is added
    security.guard_callbacks(app)
    serve_compressed(app.server, app.config.routes_pathname_prefix)
    return app
