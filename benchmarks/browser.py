"""What a student's browser does: headless Chromium (software WebGL) through selenium.

- navigation to the first drawn path: from the navigation's start to the first animation
  frame that shows the default view's map with a run's path on it, median of 10 warm loads
  (the browser's cache filled by a first load). < 1.0 s, printed with its ratio to the floor:
  a bare page of the same origin that loads the same plotly.js and draws the same contour
  figure at the same size, nothing else (also warm, median of 10, loads alternating).
  `python -m benchmarks.browser first-path` runs this figure alone.
- control change to repainted views: a new learning rate is typed (Enter) 20 times; the time
  runs from the Enter key to the last `plotly_afterplot` of the map, the 3D view and the loss
  curve. p95 < 200 ms (CHANGE_TARGET), printed with its ratio to the floor: Plotly.react of
  the five repainted figures of the last two changes, in the same page and browser, with no
  request, renderer or server (change_floor); and beside it a bare Dash page (one rate box, the
  same graphs at the same places, one callback answering the same figures from memory), timed
  the same way, which tells what is Dash's and Plotly's and what is the app's (dash_floor).
  Beside them, the renderer's store updates a change sets off in each page (every update runs
  each component's selector: the app's share of the renderer's work, counted, not timed).
- frames per second while the player runs (the heavy view: 4 runs x 2,000 steps, so every
  frame draws a new step), counted with requestAnimationFrame in the page:
  - the contour view (with the curves; the 3D view detached from the player): >= 50 fps
  - the whole page, 3D view included, against a bare Plotly loop in the same browser that only
    moves one point over the same surface figure, same size: >= 90 % of the bare loop's fps.
  Page and bare loop alternate 3 times; each figure is the median of its rounds.

The app is served in-process by werkzeug on a free loopback port.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time

from benchmarks.report import Row
from benchmarks.server import p95

LOADS = 10
FIRST_PATH_TARGET = 1.0
CHANGES = 20
CHANGE_TARGET = 0.200
CONTOUR_FPS = 50.0
SURFACE_RATIO = 0.90
MEASURE_MS = 4000
ROUNDS = 3
WATCHED = ("contour", "surface3d", "loss-graph")


FLOOR_PATH = "/__bench_floor"


def serve_app():
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from app import create_app

    app = create_app()
    app.server.add_url_rule(FLOOR_PATH, "bench_floor", floor_page(app))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def chrome():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.conftest import pytest_setup_options

    options = pytest_setup_options()
    options.binary_location = os.environ.get("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver_path = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    service = Service(driver_path) if driver_path else Service()
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_script_timeout(60)
    return driver


def heavy_query() -> str:
    from app.links import encode
    from app.viewstate import ViewState
    from engine.config import RunConfig

    def config(optimizer, lr, seed):
        return RunConfig(
            surface="linreg", normalization="standard", optimizer=optimizer, lr=lr, batch_size=1, steps=2000, seed=seed
        )

    state = ViewState(
        current=config("sgd", 0.01, 0),
        pinned=(config("sgd", 0.01, 1), config("momentum", 0.005, 2), config("adam", 0.02, 3)),
    )
    return "/?" + encode(state)


def floor_page(app):
    """The floor of the first-path figure: a page that loads Dash's own plotly.min.js (the
    URL the app's graphs load, so the same cached copy) and draws the default view's contour
    trace with its layout, at the size the page gives its map."""
    from dash._utils import to_json
    from flask import make_response

    from benchmarks.server import app_and_shape, load_body, post

    def respond():
        # The default view's map as the main callback answers a first load.
        _, client, shape = app_and_shape()
        status, _, answer, _ = post(client, load_body(shape, {}))
        assert status == 200, status
        contour = answer["response"]["contour"]["figure"]
        # the map's contour, which the page draws in the layer under the paths graph
        figure = {"data": [answer["response"]["contour-layer"]["figure"]["data"][0]], "layout": contour["layout"]}
        width, height = FLOOR["size"]
        html = (
            "<!doctype html><html><head><meta charset='utf-8'><title>floor</title></head><body>"
            f"<div id='floor' style='width:{width}px;height:{height}px'></div>"
            f"<script src='{FLOOR['plotly']}'></script>"
            f"<script>var f = {to_json(figure)}; Plotly.newPlot('floor', f.data, f.layout, {{responsive: false}});</script>"
            "</body></html>"
        )
        response = make_response(html)
        response.headers["Content-Security-Policy"] = "default-src 'self' 'unsafe-inline' data: blob:"
        return response

    return respond


FLOOR = {"size": (0, 0), "plotly": ""}  # the map's size and plotly.js's URL, from the app's first load


# Run before any page script (CDP): on every animation frame, whether the map (a contour's
# filled levels, in the layer under the paths graph, app/figures/layers.py, or in the graph
# itself: the network's landscape) and a run's path (a scatter line) are drawn; the first
# frame that shows them is window.__drawn.map / .path, in ms since the navigation started.
WATCH_FIRST = """
window.__drawn = {map: null, path: null};
(function check() {
  var gd = document.querySelector('#contour .js-plotly-plot, #floor.js-plotly-plot');
  if (gd) {
    var now = performance.now();
    if (window.__drawn.map === null && document.querySelector('#contour-layer .contourfill path, #contour .contourfill path, #floor .contourfill path')) window.__drawn.map = now;
    var lines = gd.querySelectorAll('.scatterlayer .js-line');
    for (var i = 0; i < lines.length && window.__drawn.path === null; i++) {
      if ((lines[i].getAttribute('d') || '').length > 20) window.__drawn.path = now;
    }
  }
  if (window.__drawn.path === null || window.__drawn.map === null) requestAnimationFrame(check);
})();
"""

TIMELINE = """
var out = {}, d = window.__drawn, callbacks = 0;
performance.getEntriesByType('resource').forEach(function (e) {
  var name = e.name.split('?')[0].split('/').pop();
  if (!(name in out)) out[name] = [e.startTime, e.responseEnd, e.transferSize];
  if (name === '_dash-update-component' && e.startTime < Math.max(d.map, d.path)) callbacks++;
});
return {map: d.map, path: d.path, resources: out, callbacks: callbacks};
"""


def first_draws(driver, base: str) -> dict:
    """Navigation to the first drawn path (the app) and to the drawn contour (the floor),
    LOADS warm loads each, alternating; plus, per app load, when its requests ended."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_FIRST})
    # The cold load fills the cache, and gives the floor the map's size in the page.
    driver.get(base + "/")
    wait_for(driver, "return window.__drawn && window.__drawn.path !== null;", 60)
    FLOOR["size"] = tuple(
        driver.execute_script("var gd = document.querySelector('#contour .js-plotly-plot'); return [gd.clientWidth, gd.clientHeight];")
    )
    FLOOR["plotly"] = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
        ".filter(function (n) { return /plotly[^/]*\\.js/.test(n); })[0];"
    )
    driver.get(base + FLOOR_PATH)
    wait_for(driver, "return window.__drawn && window.__drawn.map !== null;", 60)
    app_times, floor_times, timelines = [], [], []
    for _ in range(LOADS):
        driver.get(base + "/")
        wait_for(driver, "return window.__drawn && window.__drawn.path !== null && window.__drawn.map !== null;", 60)
        timeline = driver.execute_script(TIMELINE)
        timelines.append(timeline)
        app_times.append(max(timeline["map"], timeline["path"]) / 1000)
        driver.get(base + FLOOR_PATH)
        floor_times.append(wait_for(driver, "return window.__drawn && window.__drawn.map;", 60) / 1000)
    time.sleep(0.5)
    return {"app": app_times, "floor": floor_times, "timelines": timelines}


def where_the_time_goes(timelines: list[dict]) -> str:
    """Median end of the page's layout (ms after navigation start) and how many callback
    requests a load sent before its path was drawn."""
    ends = [t["resources"]["_dash-layout"][1] for t in timelines if "_dash-layout" in t["resources"]]
    layout = f"{statistics.median(ends):.0f} ms" if ends else "-"
    callbacks = max(t["callbacks"] for t in timelines)
    return f"_dash-layout ends {layout}; callback requests before the path: {callbacks}"


def first_path_row(draws: dict) -> Row:
    first, floor = statistics.median(draws["app"]), statistics.median(draws["floor"])
    return Row(
        f"browser: navigation to the first drawn path, median of {LOADS} warm loads",
        first,
        FIRST_PATH_TARGET,
        ratio=first / floor,
        note=(
            f"{first / floor:.2f}x the floor (a bare page drawing the same contour: median {floor * 1000:.0f} ms); "
            f"p95 {p95(draws['app']) * 1000:.0f} ms; {where_the_time_goes(draws['timelines'])}; "
            "before issue 16: 2.28 s (3.8x)"
        ),
    )


def wait_for(driver, script: str, timeout: float = 30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(script)


def open_page(driver, url: str) -> None:
    driver.get(url)
    wait_for(driver, "var b = document.getElementById('badges'); return b && b.textContent.length > 0;", 60)
    wait_for(
        driver,
        "var g = document.querySelector('#surface3d .js-plotly-plot'); return g && g.data && g.data.length > 1"
        " && window.descentLab && window.descentLab.state.total > 0;",
        60,
    )
    time.sleep(0.5)


WATCH = """
window.__bench = {t0: null, seen: {}};
%s.forEach(function (id) {
  var gd = document.querySelector('#' + id + ' .js-plotly-plot');
  gd.on('plotly_afterplot', function () { if (window.__bench.t0 !== null) window.__bench.seen[id] = performance.now(); });
});
document.getElementById('lr').addEventListener('keydown', function (e) {
  if (e.key === 'Enter') { window.__bench.t0 = performance.now(); window.__bench.seen = {}; window.__bench.updates = 0; }
}, true);
// The renderer's store updates after the Enter: each runs every component's selector.
var store = window.dash_stores[window.dash_stores.length - 1], last = store.getState();
window.__bench.updates = 0;
store.subscribe(function () {
  var now = store.getState();
  if (now !== last && window.__bench.t0 !== null) window.__bench.updates++;
  last = now;
});
""".replace("%s", json.dumps(list(WATCHED)))

DONE = """
var b = window.__bench, ids = %s;
if (b.t0 === null || !ids.every(function (id) { return b.seen[id] > b.t0; })) return null;
return Math.max.apply(null, ids.map(function (id) { return b.seen[id]; })) - b.t0;
""".replace("%s", json.dumps(list(WATCHED)))


# The graphs a rate change repaints (the main callback's figures): the floor repaints them all.
REPAINTED = (*WATCHED, "lr-graph", "third-graph")

# The floor of a change, in the same page: the repainted graphs' last two figures (the runs of
# the last two rates, as Dash gave them to Plotly) kept as structured clones; then, in fixed
# panes over the page at the graphs' own places and sizes, Plotly.react of fresh clones of
# each figure in turn (what Dash does on an answer, without the request, the renderer or the
# server), timed from the first react to the last plotly_afterplot.
KEEP_FIGURES = """
window.__figures = window.__figures || [];
window.__figures.push(%s.map(function (id) {
  var gd = document.querySelector('#' + id + ' .js-plotly-plot'), box = gd.getBoundingClientRect();
  return {data: structuredClone(gd.data), layout: structuredClone(gd.layout),
          box: [box.left, box.top, box.width, box.height]};
}));
""".replace("%s", json.dumps(list(REPAINTED)))

FLOOR_PANES = """
var done = arguments[arguments.length - 1], last = window.__figures.slice(-1)[0];
window.__panes = last.map(function (figure) {
  var div = document.createElement('div'), b = figure.box;
  div.style.cssText = 'position:fixed;z-index:9999;background:#fff;left:' + b[0] + 'px;top:' + b[1] +
    'px;width:' + b[2] + 'px;height:' + b[3] + 'px';
  document.body.appendChild(div);
  return div;
});
Promise.all(window.__panes.map(function (div, i) {
  return Plotly.newPlot(div, structuredClone(last[i].data), structuredClone(last[i].layout), {responsive: false});
})).then(function () { done(true); });
"""

FLOOR_CHANGE = """
var done = arguments[arguments.length - 1], figures = window.__figures.slice(-2)[arguments[0] % 2];
var copies = figures.map(function (f) { return {data: structuredClone(f.data), layout: structuredClone(f.layout)}; });
var panes = window.__panes, seen = 0, t0;
panes.forEach(function (div) {
  div.once('plotly_afterplot', function () { if (++seen === panes.length) done(performance.now() - t0); });
});
t0 = performance.now();
panes.forEach(function (div, i) { Plotly.react(div, copies[i].data, copies[i].layout); });
"""


def change_floor(driver) -> list[float]:
    """The Plotly floor of a change (KEEP_FIGURES), CHANGES times, in seconds."""
    driver.set_script_timeout(30)
    driver.execute_async_script(FLOOR_PANES)
    times = [driver.execute_async_script(FLOOR_CHANGE, i) / 1000 for i in range(CHANGES)]
    driver.execute_script("window.__panes.forEach(function (div) { Plotly.purge(div); div.remove(); });")
    return times


def change_latencies(driver, base: str) -> tuple[list[float], list[int]]:
    """CHANGES learning-rate changes, each timed from the Enter to the last graph's redraw, and
    their store updates (type_rates); the last two changes' figures are kept for the floors
    (change_floor, dash_floor)."""
    open_page(driver, base + "/")
    return type_rates(driver, keep=2)


def type_rates(driver, keep: int = 0) -> tuple[list[float], list[int]]:
    """CHANGES new rates typed into the page's rate box, each timed from the Enter to the last
    watched graph's redraw, in seconds, and the renderer's store updates each set off (up to
    0.2 s after that redraw, the slider's late ones included); the last `keep` changes' figures
    are kept (KEEP_FIGURES)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.execute_script(WATCH)
    field = driver.find_element(By.ID, "lr")
    times, updates = [], []
    for i in range(CHANGES):
        driver.execute_script("window.__bench.t0 = null; window.__bench.seen = {};")
        # As a lecturer types: select the old rate, type the new one, Enter. (clear() would
        # send a change of its own, an empty field, and measure two changes at once.)
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(f"{0.05 + 0.01 * i:g}\n")
        times.append(wait_for(driver, DONE, 20) / 1000)
        time.sleep(0.2)
        updates.append(driver.execute_script("return window.__bench.updates;"))
        if i >= CHANGES - keep:
            driver.execute_script(KEEP_FIGURES)
    return times, updates


def dash_floor_app(first: dict, answers: list[dict], boxes: dict):
    """The Dash floor of a change: a bare Dash page with the app's plotly.js, a rate box (id
    "lr", as the app's) and the repainted graphs at the app's places and sizes (boxes), with
    the app's graph configs, drawing the app's first answer (first: figure by graph id). Its one
    callback answers a typed rate with the app's answers to two rate changes in turn (the same
    values: the map and the 3D view as Patches of their paths, the curves whole). So a change
    costs Dash's request and renderer and Plotly's redraws, and nothing of the app: no run, no
    other control, output or callback. (The map's contour layer, which a rate change leaves as
    drawn, is not on this page.)"""
    import itertools

    import dash
    from dash import Input, Output, dcc, html

    from app.factory import PLOTLY_BUNDLE
    from app.layout import CURVE_CONFIG, GRAPH_CONFIG

    floor = dash.Dash(__name__, update_title=None)
    floor.scripts.append_script(PLOTLY_BUNDLE)

    def pane(graph_id: str):
        left, top, width, height = boxes[graph_id]
        config = GRAPH_CONFIG if graph_id == "contour" else CURVE_CONFIG
        graph = dcc.Graph(id=graph_id, figure=first[graph_id], config=config, style={"height": "100%"})
        box = {"position": "fixed", "left": f"{left}px", "top": f"{top}px", "width": f"{width}px", "height": f"{height}px"}
        return html.Div(graph, style=box)

    floor.layout = html.Div([dcc.Input(id="lr", type="number", debounce=True, value=0.01), *map(pane, REPAINTED)])
    turns = itertools.count(1)

    @floor.callback([Output(i, "figure") for i in REPAINTED], Input("lr", "value"), prevent_initial_call=True)
    def answer(_rate):
        return [answers[next(turns) % 2][i] for i in REPAINTED]

    return floor


def app_answers() -> tuple[dict, list[dict]]:
    """The app's figures (by graph id) as it answers a first load of the default view, and as
    it answers two rate changes on that page (Patches for the map and the 3D view)."""
    from benchmarks.server import app_and_shape, change_body, drawn_config, load_body, post

    _, client, shape = app_and_shape()
    _, _, loaded, _ = post(client, load_body(shape, {}))
    answers = [post(client, change_body(shape, {}, drawn_config(loaded), rate))[2] for rate in (0.06, 0.07)]
    figures = [{i: answer["response"][i]["figure"] for i in REPAINTED} for answer in (loaded, *answers)]
    return figures[0], figures[1:]


def dash_floor(driver) -> tuple[list[float], list[int]]:
    """The Dash floor of a change (dash_floor_app), CHANGES times as change_latencies times
    the app, in seconds; served in this process like the app, opened in the same browser."""
    from werkzeug.serving import make_server

    kept = driver.execute_script("return window.__figures.slice(-1)[0].map(function (f) { return f.box; });")
    boxes = dict(zip(REPAINTED, kept, strict=True))
    server = make_server("127.0.0.1", 0, dash_floor_app(*app_answers(), boxes).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/")
        wait_for(driver, "var g = document.querySelector('#surface3d .js-plotly-plot'); return g && g.data && g.data.length > 1;", 60)
        time.sleep(0.5)
        return type_rates(driver)
    finally:
        server.shutdown()


def change_row(app: tuple[list[float], list[int]], floor: list[float], bare_dash: tuple[list[float], list[int]]) -> Row:
    (times, updates), (bare, bare_updates) = app, bare_dash
    return Row(
        f"browser: control change to repainted views, p95 of {CHANGES}",
        p95(times),
        CHANGE_TARGET,
        ratio=p95(times) / p95(floor),
        note=(
            f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; "
            f"the floor (Plotly.react of the {len(REPAINTED)} repainted figures in the same page, no request): "
            f"p95 {p95(floor) * 1000:.0f} ms, median {statistics.median(floor) * 1000:.0f} ms; "
            f"a bare Dash page answering the same figures from memory: p95 {p95(bare) * 1000:.0f} ms, "
            f"median {statistics.median(bare) * 1000:.0f} ms (the app {p95(times) / p95(bare):.2f}x its p95); "
            f"renderer store updates per change (each runs every component's selector): "
            f"app {statistics.median(updates):.0f}, bare Dash page {statistics.median(bare_updates):.0f}"
        ),
    )


def changes_and_floor(driver, base: str) -> Row:
    app = change_latencies(driver, base)
    floor = change_floor(driver)
    return change_row(app, floor, dash_floor(driver))


COUNT_FRAMES = """
var done = arguments[arguments.length - 1], ms = arguments[0];
var lab = window.descentLab;
lab.setSpeed(0.25); lab.seek(0); lab.play();
var frames = 0, t0 = null;
function frame(now) {
  if (t0 === null) t0 = now; else frames++;
  if (now - t0 < ms && lab.state.playing) window.requestAnimationFrame(frame);
  else { var step = lab.state.step; lab.pause(); lab.setSpeed(1); done({fps: frames * 1000 / (now - t0), step: step}); }
}
window.requestAnimationFrame(frame);
"""

DETACH_3D = "var s = document.getElementById('surface3d'); s.id = 'surface3d-detached';"
ATTACH_3D = "var s = document.getElementById('surface3d-detached'); s.id = 'surface3d';"

GRAB_SURFACE = """
var gd = document.querySelector('#surface3d .js-plotly-plot');
var path = gd.data[1];
return {surface: gd.data[0], layout: gd.layout, width: gd.clientWidth, height: gd.clientHeight,
        path: {x: path.x, y: path.y, z: path.z},
        plotly: Array.from(document.scripts).map(function (s) { return s.src; })
                     .filter(function (s) { return /plotly/.test(s); })[0]};
"""

BARE_LOOP = """
var done = arguments[arguments.length - 1], grab = arguments[0], ms = arguments[1];
var div = document.createElement('div');
div.style.width = grab.width + 'px'; div.style.height = grab.height + 'px';
document.body.appendChild(div);
function decode(v) {
  if (!v || typeof v.bdata !== 'string') return v;
  var bin = atob(v.bdata), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return v.dtype === 'f8' ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
}
var px = decode(grab.path.x), py = decode(grab.path.y), pz = decode(grab.path.z);
var layout = JSON.parse(JSON.stringify(grab.layout));
var point = {type: 'scatter3d', mode: 'markers', x: [px[0]], y: [py[0]], z: [pz[0]], marker: {size: 8}};
Plotly.newPlot(div, [grab.surface, point], layout, {responsive: false}).then(function () {
  var frames = 0, t0 = null, i = 0;
  function frame(now) {
    if (t0 === null) t0 = now; else frames++;
    i = (i + 1) % px.length;
    Plotly.restyle(div, {x: [[px[i]]], y: [[py[i]]], z: [[pz[i]]]}, [1]);
    if (now - t0 < ms) window.requestAnimationFrame(frame);
    else done({fps: frames * 1000 / (now - t0)});
  }
  window.requestAnimationFrame(frame);
});
"""


def frame_rates(driver, base: str) -> dict:
    """Frame rates of the contour view, the whole page and the bare loop. Software WebGL
    varies from one 4-second window to the next, so page and bare loop alternate ROUNDS times
    and each figure is the median of its rounds."""
    rounds: dict[str, list[float]] = {"contour": [], "page": [], "bare": []}
    for _ in range(ROUNDS):
        open_page(driver, base + heavy_query())
        driver.execute_script(DETACH_3D)
        rounds["contour"].append(driver.execute_async_script(COUNT_FRAMES, MEASURE_MS)["fps"])
        driver.execute_script(ATTACH_3D)
        rounds["page"].append(driver.execute_async_script(COUNT_FRAMES, MEASURE_MS)["fps"])
        grab = driver.execute_script(GRAB_SURFACE)
        # The bare loop: a blank page of the same browser with the same plotly.js and figure.
        driver.get(base + "/assets/style.css")  # a page of the same origin with nothing on it
        loaded = driver.execute_async_script(
            "var done = arguments[arguments.length - 1], s = document.createElement('script');"
            "s.src = arguments[0]; s.onload = function () { done(true); }; s.onerror = function () { done(false); };"
            "document.body.innerHTML = ''; document.head.appendChild(s);",
            grab["plotly"],
        )
        if not loaded:
            raise RuntimeError(f"plotly.js did not load from {grab['plotly']!r}")
        rounds["bare"].append(driver.execute_async_script(BARE_LOOP, grab, MEASURE_MS)["fps"])
    return {name: {"fps": statistics.median(values), "all": values} for name, values in rounds.items()}


def run(args) -> list[Row]:
    server, base = serve_app()
    driver = chrome()
    try:
        draws = first_draws(driver, base)
        change = changes_and_floor(driver, base)
        rates = frame_rates(driver, base)
    finally:
        driver.quit()
        server.shutdown()
    ratio = rates["page"]["fps"] / rates["bare"]["fps"]
    return [
        first_path_row(draws),
        change,
        Row(
            "browser: playing, contour view (+ curves), heavy view",
            rates["contour"]["fps"],
            CONTOUR_FPS,
            unit="fps",
            higher=True,
        ),
        Row(
            "browser: playing, whole page with 3D view, vs bare Plotly point loop",
            100 * ratio,
            100 * SURFACE_RATIO,
            ratio=ratio,
            unit="%",
            higher=True,
            note=(
                f"page {rates['page']['fps']:.1f} fps, bare loop {rates['bare']['fps']:.1f} fps (software WebGL), "
                f"medians of {ROUNDS} alternating rounds: page "
                + "/".join(f"{v:.1f}" for v in rates["page"]["all"])
                + ", bare "
                + "/".join(f"{v:.1f}" for v in rates["bare"]["all"])
            ),
        ),
    ]


if __name__ == "__main__":  # one figure alone: python -m benchmarks.browser change|first-path
    import sys

    from benchmarks.report import print_table

    ALONE = {"change": changes_and_floor, "first-path": lambda d, b: first_path_row(first_draws(d, b))}
    if len(sys.argv) != 2 or sys.argv[1] not in ALONE:
        raise SystemExit("usage: python -m benchmarks.browser change|first-path")
    server, base = serve_app()
    driver = chrome()
    try:
        print_table("browser", [ALONE[sys.argv[1]](driver, base)])
    finally:
        driver.quit()
        server.shutdown()
