"""Safe defaults for serving a classroom: capped requests and security headers.

Framing is allowed from anywhere by default so slides (reveal.js, any iframe) can embed the
page; set DESCENT_LAB_FRAME_ANCESTORS (a CSP frame-ancestors list such as
"'self' https://slides.example.org") to restrict it.

The Content-Security-Policy runs only the app's own script files: script-src is 'self' plus the
hash of Dash's one inline script (`var renderer = new DashRenderer();`, from app.csp_hashes()),
with neither 'unsafe-inline' nor 'unsafe-eval'. What was checked in Chromium
(tests/test_csp_browser.py, no violation reported):
- Dash's config travels in <script type="application/json">, which is data, never run.
- Clientside callbacks are ClientsideFunction names in assets/player.js, not inline code.
- plotly.js 3D (WebGL) and 2D views compile no strings: its regl commands come precompiled, and
  the Function(...) calls left in the bundle are polyfills that modern browsers never reach.
- dcc.Download saves a Blob through a link's download attribute: no script, no fetch.
- The offline HTML export is a file opened from disk: this header never reaches it.
- Debug mode (`python -m app --debug`, dev tools on) runs under the same policy.
style-src keeps 'unsafe-inline': Dash's renderer and its core components insert <style>
elements at run time (Chromium reports style-src-elem violations without it); styles run no code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from dash.exceptions import DependencyException
from flask import Flask, abort, request

from app.upload import UPLOAD_REQUEST_BYTES

# A control change posts a few kilobytes; the largest request is a CSV upload at its cap.
MAX_REQUEST_BYTES = UPLOAD_REQUEST_BYTES
# Set to 1 to add internals to responses (X-Descent-Cache-Stats: the memo's counts, the pid).
DEBUG_HEADERS_ENV = "DESCENT_LAB_DEBUG_HEADERS"


def debug_headers(server: Flask) -> bool:
    """Whether responses may name server internals: in debug mode or when DEBUG_HEADERS_ENV=1.

    Read at each request, so a test can turn it on without building another app.
    """
    return server.debug or os.environ.get(DEBUG_HEADERS_ENV, "").strip() == "1"


def content_security_policy(frame_ancestors: str, script_hashes: Sequence[str] = ()) -> str:
    """The policy, given the hashes of the inline scripts the page may run (module docstring)."""
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *script_hashes]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def harden(server: Flask, script_hashes: Sequence[str] = ()) -> None:
    """Cap requests and add the security headers; script_hashes are the Dash app's csp_hashes()."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    frame_ancestors = os.environ.get("DESCENT_LAB_FRAME_ANCESTORS", "*").strip() or "*"
    policy = content_security_policy(frame_ancestors, script_hashes)

    @server.errorhandler(DependencyException)
    def unknown_asset(_error):
        # Dash raises this for a /_dash-component-suites/ path it does not serve: a 404, not
        # a 500 (whose log lists every file it does serve).
        return "Not Found", 404

    @server.after_request
    def add_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


# --------------------------------------------------------------------------- callback requests

MAX_PATTERN_ENTRIES = 1000  # controls one wildcard (ALL) may match: the page has ~60


def guard_callbacks(app) -> None:
    """Answer a malformed POST /_dash-update-component with 400, not Dash's 500.

    Dash trusts the shape of a callback request (it comes from its own renderer) and fails
    with a 500 on anything else. This checks the shape against the registered callback
    before Dash reads it: a JSON object naming a server-side callback, with one input and
    state entry per dependency, each naming that dependency's component and property. The
    values are the callbacks' business. An unparsable, non-JSON or over-cap body gets
    Flask's 400, 415 or 413.
    """
    route = app.config.routes_pathname_prefix + "_dash-update-component"

    @app.server.before_request
    def check_callback_request():
        if request.path != route or request.method != "POST":
            return None
        try:
            body = request.get_json()  # 415 for another type, 400 unparsable, 413 over the cap
        except RecursionError:  # json gives up on thousands of nested brackets this way
            abort(400, description="Malformed callback request: JSON nested too deeply")
        problem = callback_request_problem(app.callback_map, body)
        if problem:
            abort(400, description=f"Malformed callback request: {problem}")
        return None


def callback_request_problem(callback_map: dict, body) -> str:
    """What is wrong with a callback request body ("" if its shape is what Dash expects)."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    entry = callback_map.get(output) if isinstance(output, str) else None
    if entry is None or "callback" not in entry:
        return "output names no server-side callback"
    matched: dict[str, list] = {}  # wildcard -> the controls it matched, in order
    for key in ("inputs", "state"):
        specs = [(spec["id"], spec["property"]) for spec in entry[key]]
        problem = _entries_problem(body.get(key, []), specs, key)
        if problem:
            return problem
        for item, (component_id, _) in zip(body.get(key, []), specs, strict=True):
            if component_id.startswith("{"):
                ids = [one["id"] for one in item]
                if matched.setdefault(component_id, ids) != ids:
                    return f"{key}: {component_id} matches other controls than elsewhere in the request"
    if not entry.get("no_output"):
        outputs = entry["output"]
        multi = isinstance(outputs, list | tuple)
        specs = [(o.component_id_str(), o.component_property) for o in (outputs if multi else [outputs])]
        given = body.get("outputs")
        problem = _entries_problem(given if multi else [given], specs, "outputs", values=False)
        if problem:
            return problem
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds is not a list of strings"
    return ""


def _entries_problem(given, specs, key: str, values: bool = True) -> str:
    if not isinstance(given, list) or len(given) != len(specs):
        return f"{key} does not hold one entry per dependency ({len(specs)})"
    for item, (component_id, prop) in zip(given, specs, strict=True):
        if component_id.startswith("{"):
            pattern = json.loads(component_id)
            if not isinstance(item, list) or len(item) > MAX_PATTERN_ENTRIES:
                return f"{key}: {component_id}.{prop} is not a list of matching controls"
            if not all(_names(one, pattern, prop, values) for one in item):
                return f"{key}: an entry does not match {component_id}.{prop}"
        elif not _names(item, component_id, prop, values):
            return f"{key}: an entry does not name {component_id}.{prop}"
    return ""


def _names(item, component_id, prop: str, values: bool = False) -> bool:
    """item is {"id": ..., "property": ...} naming component_id (a wildcard pattern) and prop.

    The value of a control's "id" property is its id (the renderer never sends another).
    """
    if not isinstance(item, dict) or not isinstance(item.get("property"), str):
        return False
    if item["property"].split("@")[0] != prop:
        return False
    given = item.get("id")
    if values and prop == "id" and item.get("value") != given:
        return False
    if not isinstance(component_id, dict):
        return given == component_id
    if not isinstance(given, dict) or set(given) != set(component_id):
        return False
    return all(
        isinstance(given[k], str | int | float | bool) if isinstance(v, list) else given[k] == v
        for k, v in component_id.items()
    )
