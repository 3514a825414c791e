"""Builds the Dash app: layout (with the main callback's first answer in it), callbacks and
safe serving defaults."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import brotli
import dash
from dash import ClientsideFunction, Input, Output, dcc, no_update
from flask import Flask, g, has_request_context, request
from flask_compress import Compress

from app import callbacks, security
from app.answers import main_outputs
from app.assets import ASSETS
from app.layout import FOLLOWERS, page
from app.links import decode, split_formula
from app.navigation import keep_view
from app.request import PageRequest, request_fields

DAY = 24 * 3600
YEAR = 365 * DAY


class BundleCache:
    """flask-compress's store of compressed bodies, holding static bundles only.

    A bundle's URL names its content (Dash's version or the file's mtime), so it is compressed
    once per process: plotly.js takes ~0.07 s of CPU to compress. Callback answers differ
    every time and are never stored.
    """

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.bodies.get(key)

    def set(self, key: str, value: bytes) -> None:
        # flask-compress calls this after every compressed answer, a stored one included
        if key.endswith(UNCACHED) or key in self.bodies:
            return
        if key.startswith("br;"):  # kept for the process's life: worth a denser brotli once
            value = brotli.compress(brotli.decompress(value), quality=BUNDLE_BROTLI_QUALITY)
        self.bodies[key] = value


UNCACHED = "\0uncached"
# Brotli quality of a stored bundle: plotly.js 522 KB instead of level 4's 579 KB, for ~0.05 s
# more CPU once per process (the full plotly.js: 1.27 vs 1.41 MB)
BUNDLE_BROTLI_QUALITY = 6


def serve_compressed(server: Flask, prefix: str) -> None:
    """Compress answers (brotli or gzip, as asked) and let browsers keep the app's assets.

    Dash's own `compress=True` would do the first part with gzip only; brotli makes the stored
    plotly.js 522 KB instead of gzip's 579 KB. Dash already gives
    fingerprinted bundles a year of max-age (plotly.js and FIRST_CHUNKS are page scripts,
    so fingerprinted); the other lazily loaded chunks (async-*.js) have fixed URLs, so they
    keep their ETag and are revalidated (a 304) rather than trusted across an upgrade.
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

# The graphs whose first figure waits in a Store (graph id -> Store id) and is drawn once the
# map has drawn and the browser has shown it (AFTER_MAP). In software WebGL the 3D surface
# takes ~0.5 s to draw; the rate preview, first in page order, drew before the map (~50 ms).
# Drawn with the others in one task, they held back the first picture of the map.
LATER = {"surface3d": "surface3d-later", "lr-preview": "lr-preview-later"}
AFTER_MAP = """
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

PLOTLY_BUNDLE = {"relative_package_path": "plotly.min.js", "namespace": "app.vendor"}
FIRST_CHUNKS = ("async-graph", "async-dropdown", "async-slider", "async-upload")  # dcc's, see create_app
PRELOADED = ("_dash-layout", "_dash-dependencies")  # the renderer's first two requests

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
    which waits in a Store for the map to be drawn first (LATER), and the address, which a
    Store hands to dcc.Location once it is mounted (ADDRESS).
    """
    spec = main_callback(app)
    components = _ids(tree)
    arguments = [_value(components, s) for s in (*spec["inputs"], *spec["state"])]
    names = spec["inputs_state_indices"]
    fields = {name: arguments[index] for name, index in names.items() if name in request_fields()}
    (outputs, _config), hit = main_outputs.answer(PageRequest(**fields))
    if has_request_context():
        g.descent_cache = "hit" if hit else "miss"
    by_id = {c.id: c for c in components if isinstance(c.id, str)}
    # (the main callback's last outputs, the lower views' copies of the run, are set below)
    for output, value in zip(spec["output"][: len(outputs)], outputs, strict=True):
        component, prop = output.component_id, output.component_property
        if (component, prop) == ("url", "search"):
            value = keep_view(value, search)
        if value is no_update:
            continue
        if (component, prop) == ("url", "search"):
            by_id[FIRST_SEARCH].data = value
        else:
            _put(by_id, by_id[component], prop, value)
        if (component, prop) == ("current-config", "data"):
            for store in FOLLOWERS.values():  # each lower view's copy of the run
                by_id[store].data = value


def _put(by_id: dict, component, prop: str, value) -> None:
    """A first answer's value into its prop, or a later graph's figure into its Store (LATER)."""
    if prop == "figure" and isinstance(component.id, str) and component.id in LATER:
        by_id[LATER[component.id]].data = value
    else:
        setattr(component, prop, value)


def layout_answers(app: dash.Dash, tree: list) -> None:
    """Put into the page the first answer of every callback marked callbacks.answered_in_layout
    (the panels, the lower view, the rate preview...): Dash would call each as the page loads,
    and each answer re-rendered the page before the graphs' first draw.

    Called after first_answer, in the order the callbacks were registered: a callback reads
    the props as the page holds them then (the run the main answer stored, for one), as it
    would have read them on load. An ALL output's values go to its components in page order,
    the order of the list Dash would send.
    """
    components = _ids(tree)
    by_id = {c.id: c for c in components if isinstance(c.id, str)}
    for spec in app.callback_map.values():
        body = getattr(spec.get("callback"), "__wrapped__", None)
        if not getattr(body, callbacks.IN_LAYOUT, False):
            continue
        outputs = spec["output"] if isinstance(spec["output"], list | tuple) else [spec["output"]]
        answer = body(*(_value(components, s) for s in (*spec["inputs"], *spec["state"])))
        answers = answer if len(outputs) > 1 else [answer]
        for output, value in zip(outputs, answers, strict=True):
            targets = [c for c in components if _matches(c.id, output.to_dict()["id"])]
            values = value if isinstance(output.component_id, dict) else [value]
            for component, item in zip(targets, values, strict=True):
                if item is not no_update:
                    _put(by_id, component, output.component_property, item)


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
    # window.Plotly when it exists. It is our own build with only the traces we draw
    # (app/vendor): 1.75 MB instead of plotly.py's 4.8 MB, 0.58 MB instead of 1.47 gzipped.
    app.scripts.append_script(PLOTLY_BUNDLE)
    # The lazy chunks of the components the first page draws, for the same reason: fetched
    # by the first render, they were revalidated (their URLs name no version) and the graphs
    # waited for them; as page scripts they are installed before the renderer asks.
    for chunk in FIRST_CHUNKS:
        app.scripts.append_script({"relative_package_path": f"dcc/{chunk}.js", "namespace": "dash"})

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
            dcc.Store(id="player-speed-sync"),
            *(dcc.Store(id=store) for store in LATER.values()),
            dcc.Store(id=FIRST_SEARCH),
        ]
        if app.callback_map:  # not while Dash checks the layout, before any callback exists
            first_answer(app, tree, search)
            layout_answers(app, tree)
        return tree

    app.layout = layout
    # The renderer asks for the layout and the callbacks only once its scripts have run (~0.5 s
    # in): the page asks at once, and the renderer's fetch takes the preloaded answers.
    prefix = app.config.requests_pathname_prefix
    preloads = "".join(f'<link rel="preload" href="{prefix}{path}" as="fetch" crossorigin>' for path in PRELOADED)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}" + preloads, 1)
    callbacks.register(app)
    for graph, store in LATER.items():
        app.clientside_callback(
            AFTER_MAP,
            Output(graph, "figure", allow_duplicate=True),
            Input(store, "data"),
            prevent_initial_call="initial_duplicate",
        )
    app.clientside_callback(
        ADDRESS,
        Output("url", "search", allow_duplicate=True),
        Input(FIRST_SEARCH, "data"),
        prevent_initial_call="initial_duplicate",
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
