"""Builds the Dash app: layout (with the main callback's first answer in it), callbacks and
safe serving defaults."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import dash
from dash import ClientsideFunction, Input, Output, dcc, no_update
from flask import Flask, g, has_request_context, request
from flask_compress import Compress

from app import callbacks, security
from app.answers import main_outputs
from app.assets import ASSETS
from app.layout import page
from app.links import decode, split_formula
from app.navigation import keep_view
from app.request import PageRequest

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


MAIN_OUTPUT = "..contour.figure..."  # how the main callback's key in app.callback_map starts
SURFACE_LATER = "surface3d-later"  # the Store holding the 3D view's first figure (see first_answer)

# The 3D view's first figure, drawn once the map has drawn and the browser has shown it: in
# software WebGL the surface takes ~0.5 s to draw, and drawn with the others in one task it
# held back the first picture of the map and the curves.
SURFACE_AFTER_MAP = """
function (figure) {
  if (!figure) return window.dash_clientside.no_update;
  return new Promise(function (resolve) {
    (function wait() {
      var gd = document.querySelector('#contour .js-plotly-plot');
      if (gd && gd._fullLayout && gd.querySelector('.trace')) {
        window.requestAnimationFrame(function () { window.setTimeout(function () { resolve(figure); }, 0); });
      } else {
        window.requestAnimationFrame(wait);
      }
    })();
  });
}
"""

FIRST_SEARCH = "first-search"  # the Store holding the address the main callback wrote on load

# The page's settings in their canonical form go into the address as the main callback's first
# answer used to put them there: through dcc.Location's search (a layout value there would be
# taken as the address it was mounted with, and a link opened later would navigate back).
ADDRESS = """
function (search) {
  return typeof search === 'string' ? search : window.dash_clientside.no_update;
}
"""


def main_callback(app: dash.Dash) -> dict:
    return next(spec for key, spec in app.callback_map.items() if key.startswith(MAIN_OUTPUT))


def _ids(tree) -> list:
    """Every component of the page with an id, in page order (the order of ALL matches)."""
    found = []
    for root in tree:
        for component in (root, *root._traverse()):
            if getattr(component, "id", None) is not None:
                found.append(component)
    return found


def _matches(component_id, spec: str) -> bool:
    if not spec.startswith("{"):
        return component_id == spec
    pattern = json.loads(spec)
    return (
        isinstance(component_id, dict)
        and set(component_id) == set(pattern)
        and all(value == ["ALL"] or component_id[key] == value for key, value in pattern.items())
    )


def _value(components, spec: dict):
    """A callback argument as the renderer sends it on load: the prop, or a list for ALL."""
    prop = spec["property"]
    found = [c for c in components if _matches(c.id, spec["id"])]
    values = [c.id if prop == "id" else getattr(c, prop, None) for c in found]
    return values if spec["id"].startswith("{") else (values[0] if values else None)


def first_answer(app: dash.Dash, tree: list, search: str) -> None:
    """Put the main callback's answer for this page into the page itself, so the first picture
    needs no round trip (the main callback does not fire on load: prevent_initial_call).

    The request is read from the page's controls exactly as the renderer would send it, and
    answered through the memo (a class opening the same lesson is answered once). Every
    output the callback sets goes into its component's prop, except the 3D view's figure,
    which waits in a Store for the map to be drawn first (SURFACE_AFTER_MAP), and the
    address, which a Store hands to dcc.Location once it is mounted (ADDRESS).
    """
    spec = main_callback(app)
    components = _ids(tree)
    arguments = [_value(components, s) for s in (*spec["inputs"], *spec["state"])]
    names = spec["inputs_state_indices"]
    fields = {name: arguments[index] for name, index in names.items() if name not in ("last_config", "last_search")}
    (outputs, _config), hit = main_outputs.answer(PageRequest(**fields))
    if has_request_context():
        g.descent_cache = "hit" if hit else "miss"
    by_id = {c.id: c for c in components if isinstance(c.id, str)}
    for output, value in zip(spec["output"], outputs, strict=True):
        component, prop = output.component_id, output.component_property
        if (component, prop) == ("url", "search"):
            value = keep_view(value, search)
        if value is no_update:
            continue
        if (component, prop) == ("surface3d", "figure"):
            by_id[SURFACE_LATER].data = value
        elif (component, prop) == ("url", "search"):
            by_id[FIRST_SEARCH].data = value
        else:
            setattr(by_id[component], prop, value)


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

    # plotly.js as a script of the page (Dash would load it once the first graph renders, after
    # the layout): the first render then draws the layout's figures at once, and the bundle's
    # URL names its version, so a second visit does not even revalidate it. dcc.Graph uses
    # window.Plotly when it exists.
    app.scripts.append_script({"relative_package_path": "package_data/plotly.min.js", "namespace": "plotly"})

    def layout():
        # The page is built from its URL: every setting, the lesson, the language, embed mode.
        # Dash's renderer fetches the layout from /_dash-layout without the page's query, so
        # the page's own address arrives as the (same-origin) Referer.
        query = ""
        if has_request_context():
            query = request.query_string.decode("utf-8", "replace")
            if not query and request.referrer:
                query = urlsplit(request.referrer).query
        search = "?" + query if query else ""
        query, custom = split_formula(query)
        state, notices = decode(query)
        tree = [
            page(state, notices, custom=custom),
            dcc.Store(id="player-sync"),
            dcc.Store(id="player-speed-sync"),
            dcc.Store(id=SURFACE_LATER),
            dcc.Store(id=FIRST_SEARCH),
        ]
        if app.callback_map:  # not while Dash checks the layout, before any callback exists
            first_answer(app, tree, search)
        return tree

    app.layout = layout
    callbacks.register(app)
    app.clientside_callback(
        SURFACE_AFTER_MAP,
        Output("surface3d", "figure", allow_duplicate=True),
        Input(SURFACE_LATER, "data"),
        prevent_initial_call="initial_duplicate",
    )
    app.clientside_callback(
        ADDRESS,
        Output("url", "search", allow_duplicate=True),
        Input(FIRST_SEARCH, "data"),
        prevent_initial_call="initial_duplicate",
    )
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
