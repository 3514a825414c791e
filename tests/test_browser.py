"""What only a real browser shows: the dashboard reacting to a lecturer's clicks.

Headless Chromium through dash_duo; WebGL is software-rendered (see conftest.py).
"""

import math
import time

import pytest
from browser_helpers import graph_ready, wait_until

import app.vendor
from app import create_app
from engine import SURFACES, RunConfig, simulate
from tests.test_plotly_bundle import bundled_traces

pytestmark = pytest.mark.browser

FIGURE = "return document.querySelector('#{} .js-plotly-plot').{};"


def start(dash_duo):
    dash_duo.start_server(create_app())
    dash_duo.wait_for_contains_text("#badges", "converged", timeout=20)
    # The badges come with the page; Plotly draws the map and the curves a moment later.
    wait_until(lambda: graph_ready(dash_duo.driver, "contour") and graph_ready(dash_duo.driver, "loss-graph"), timeout=20, message="the first figures drawn")


def type_into(dash_duo, selector, text):
    field = dash_duo.find_element(selector)
    field.clear()
    field.send_keys(text + "\n")


def test_default_view_renders_every_view_with_webgl(dash_duo):
    start(dash_duo)
    assert dash_duo.driver.title == "Descent Lab"
    # The 3D surface draws through WebGL: its canvas exists and the scene has data.
    wait_until(lambda: dash_duo.driver.execute_script(FIGURE.format("surface3d", "data.length")) > 1)
    assert dash_duo.find_elements("#surface3d canvas")
    for graph in ("contour", "loss-graph", "lr-graph", "third-graph"):
        assert dash_duo.driver.execute_script(FIGURE.format(graph, "data.length")) > 0
    # The page's plotly.js is our partial build, and it registers the traces its banner names
    # (tests/test_plotly_bundle.py checks the figures against that list).
    version, traces = dash_duo.driver.execute_script("return [Plotly.version, Object.keys(Plotly.PlotSchema.get().traces)];")
    assert version == app.vendor.__version__
    assert set(traces) == bundled_traces()
    assert dash_duo.get_logs() == []


def test_large_learning_rate_shows_diverged_badge(dash_duo):
    start(dash_duo)
    type_into(dash_duo, "#lr", "0.7")  # 2/λmax of the bowl is 2/3
    dash_duo.wait_for_contains_text("#badges", "diverged at step", timeout=15)
    # The picture keeps the surface's window (widened by Plotly on one axis, for equal scale).
    (x0, x1), (y0, y1) = (dash_duo.driver.execute_script(FIGURE.format("contour", f"layout.{axis}.range")) for axis in ("xaxis", "yaxis"))
    assert x0 <= -5 and x1 >= 5 and y0 <= -4 and y1 >= 4 and x0 + x1 == pytest.approx(0) and y0 + y1 == pytest.approx(0)
    assert dash_duo.get_logs() == []


def test_standardizing_the_data_rounds_the_contours_and_converges(dash_duo):
    start(dash_duo)
    dash_duo.select_dcc_dropdown("#surface", value=f"{SURFACES['linreg'].title} (data-fit problem)")
    dash_duo.wait_for_contains_text("#badges", "diverged", timeout=15)
    raw_range = dash_duo.driver.execute_script(FIGURE.format("contour", "layout.yaxis.range"))
    dash_duo.find_element("#normalization input[value='standard']").click()
    dash_duo.wait_for_contains_text("#badges", "converged", timeout=15)
    standard_range = dash_duo.driver.execute_script(FIGURE.format("contour", "layout.yaxis.range"))
    assert standard_range != raw_range
    # Raw b lives on a window ~6x smaller than standardized b (the mean price is 6.8, in
    # 100k units); at equal scale Plotly widens w to match, so b's ranges tell the scales apart.
    assert (standard_range[1] - standard_range[0]) > 5 * (raw_range[1] - raw_range[0])
    assert dash_duo.get_logs() == []


def test_play_advances_the_current_step_without_server_requests(dash_duo):
    start(dash_duo)
    wait_until(lambda: dash_duo.find_element("#player-total").text == "100", message="total steps")
    # A quarter speed (24 s a run): software WebGL draws a frame in ~100 ms here, and each
    # look at the page waits for one, so the checks below see playback under way.
    dash_duo.driver.execute_script("window.descentLab.setSpeed(0.25);")
    dash_duo.find_element("#player-play").click()
    step = lambda: int(dash_duo.find_element("#player-step").text)  # noqa: E731
    wait_until(lambda: step() < 100, message="playback to restart from step 0")
    first = step()
    wait_until(lambda: step() > first, message="the current step to advance")
    # The path so far drawn on the map grows with the step; the map itself stays.
    wait_until(lambda: 1 < drawn_points(dash_duo) < 101, message="a partly drawn path")
    assert dash_duo.driver.execute_script(MAP_PATHS) > 10
    assert dash_duo.get_logs() == []


# What the player drew on the map (assets/player.js paints Plotly's SVG directly).
PAINTED = r"""
var gd = document.querySelector('#contour .js-plotly-plot');
var node = function (i) { return gd.calcdata[i][0].node3.node(); };
var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
var soFar = node(2), line = soFar.querySelector('path.js-line').getAttribute('d');
var markers = Array.from(soFar.querySelectorAll('.points path.point'));
var point = node(3).querySelector('.points path.point').getAttribute('transform');
var arrow = node(%d), head = arrow.querySelectorAll('.points path.point');
var tip = head[head.length - 1].getBoundingClientRect(), box = gd.querySelector('.nsewdrag').getBoundingClientRect();
return {
  line: line.slice(1).split('L').map(function (p) { return p.split(',').map(Number); }),
  shown: markers.filter(function (m) { return m.style.display !== 'none'; }).length,
  point: point.match(/translate\(([^,]+),([^)]+)\)/).slice(1).map(Number),
  whole: [Array.from(gd.data[1].x), Array.from(gd.data[1].y)].map(function (v, k) {
    var ax = k ? ya : xa; return v.map(function (u) { return ax.c2p(u); }); }),
  arrowShown: getComputedStyle(arrow).display !== 'none' && getComputedStyle(arrow).opacity === '1',
  shaft: arrow.querySelector('path.js-line').getAttribute('d').slice(1).split('L').map(function (p) { return p.split(',').map(Number); }),
  head: [(tip.left + tip.right) / 2 - box.left, (tip.top + tip.bottom) / 2 - box.top],
};
"""
# The map's filled levels, in the layer under the paths (app/figures/layers.py).
MAP_PATHS = "return document.querySelectorAll('#contour-layer .contourlayer path').length;"


def drawn_points(dash_duo) -> int:
    return dash_duo.driver.execute_script(
        "var gd = document.querySelector('#contour .js-plotly-plot');"
        "return gd.calcdata[2][0].node3.node().querySelector('path.js-line').getAttribute('d').split('L').length;"
    )


def painted(dash_duo, arrow: int = 15) -> dict:
    return dash_duo.driver.execute_script(PAINTED % arrow)


def test_a_paused_step_is_drawn_with_its_arrows_and_survives_a_zoom(dash_duo):
    start(dash_duo)
    driver = dash_duo.driver
    wait_until(lambda: dash_duo.find_element("#player-total").text == "100", message="total steps")
    drawn_by_plotly = driver.execute_script(MARKS)  # the end of the run, as Plotly drew it
    ranges = [driver.execute_script(FIGURE.format("contour", f"layout.{axis}.range.slice()")) for axis in ("xaxis", "yaxis")]
    driver.execute_script("window.descentLab.seek(10);")
    wait_until(lambda: dash_duo.find_element("#player-step").text == "10", message="step 10")
    at = painted(dash_duo)
    # The path so far: the first 11 points of the whole path, each with its marker.
    assert len(at["line"]) == 11 and at["shown"] == 11
    whole_x, whole_y = at["whole"]
    for k, (x, y) in enumerate(at["line"]):
        assert abs(x - whole_x[k]) < 0.01 and abs(y - whole_y[k]) < 0.01
    assert at["point"] == pytest.approx([whole_x[10], whole_y[10]], abs=0.01)
    # The gradient arrow starts at the point and leans along the row's gradient, uphill
    # (pixel y grows downward); its head sits behind the tip, along the shaft.
    assert at["arrowShown"]
    (x0, y0), (x1, y1) = at["shaft"]
    assert (x0, y0) == pytest.approx(at["point"], abs=0.01)
    run = simulate(RunConfig())  # the default view's run
    gx, gy = SURFACES["bowl"].grad(run.params[10])
    assert (x1 - x0) * gx > 0 and (y1 - y0) * gy < 0
    hx, hy = at["head"]
    assert (x1 - hx) * (x1 - x0) + (y1 - hy) * (y1 - y0) > 0
    assert driver.execute_script(MAP_PATHS) > 10  # the contour map is still drawn
    # A zoom makes Plotly redraw the whole runs; the player draws step 10 again.
    driver.execute_script(
        "Plotly.relayout(document.querySelector('#contour .js-plotly-plot'), {'xaxis.range': [-4.5, 1], 'yaxis.range': [-1, 3]});"
    )
    wait_until(lambda: driver.execute_script(FIGURE.format("contour", "layout.yaxis.range[1]")) == 3, message="zoom")
    wait_until(lambda: drawn_points(dash_duo) == 11, message="step 10 drawn again after the zoom")
    assert painted(dash_duo)["shown"] == 11
    # At the end every point shows again, and the player's marks sit where Plotly put them.
    driver.execute_script(
        "Plotly.relayout(document.querySelector('#contour .js-plotly-plot'), {'xaxis.range': arguments[0], 'yaxis.range': arguments[1]});",
        *ranges,
    )
    driver.execute_script("window.descentLab.seek(100);")
    wait_until(lambda: drawn_points(dash_duo) == 101, message="the whole path")
    assert painted(dash_duo)["shown"] == 101
    for name, position in driver.execute_script(MARKS).items():
        assert position == pytest.approx(drawn_by_plotly[name], abs=0.02), name
    assert dash_duo.get_logs() == []


# The current point on the map and on the loss curve (log scale), in pixels of their plots.
MARKS = r"""
var at = function (id, trace) {
  var gd = document.querySelector('#' + id + ' .js-plotly-plot');
  var t = gd.calcdata[trace][0].node3.node().querySelector('.points path.point').getAttribute('transform');
  return t.match(/translate\(([^,]+),([^)]+)\)/).slice(1).map(Number);
};
return {map: at('contour', 3), loss: at('loss-graph', 4)};
"""


def test_keyboard_steps_and_home(dash_duo):
    start(dash_duo)
    wait_until(lambda: dash_duo.find_element("#player-total").text == "100", message="total steps")
    body = dash_duo.find_element("body")
    body.send_keys("\ue011")  # Home
    wait_until(lambda: dash_duo.find_element("#player-step").text == "0", message="home")
    body.send_keys("\ue014")  # right arrow
    wait_until(lambda: dash_duo.find_element("#player-step").text == "1", message="step forward")


def test_clicking_the_contour_moves_the_start_point(dash_duo):
    start(dash_duo)
    # Synthetic mouse moves in headless Chromium do not raise Plotly's hover, so the click is
    # emitted the way Plotly does after a real one: a plotly_click event with the point.
    dash_duo.driver.execute_script(
        "document.querySelector('#contour .js-plotly-plot')"
        ".emit('plotly_click', {points: [{x: -2.5, y: 1.5, curveNumber: 0}]});"
    )
    wait_until(lambda: dash_duo.find_element("#start-x").get_attribute("value") == "-2.5", message="start x")
    assert dash_duo.find_element("#start-y").get_attribute("value") == "1.5"
    wait_until(
        lambda: dash_duo.driver.execute_script(FIGURE.format("contour", "data[1].x[0]")) == -2.5,
        message="path to start at the clicked point",
    )
    assert dash_duo.get_logs() == []


def test_bad_learning_rate_shows_message_and_keeps_view(dash_duo):
    start(dash_duo)
    type_into(dash_duo, "#lr", "100")
    dash_duo.wait_for_contains_text("#lr-error", "lr = 100", timeout=10)
    assert "[1e-05, 10]" in dash_duo.find_element("#lr-error").text
    assert "converged" in dash_duo.find_element("#badges").text  # the last good view stays


def test_korean_page_shows_the_lecture_terms(dash_duo):
    dash_duo.start_server(create_app())
    dash_duo.driver.get(dash_duo.server_url + "/?preset=overshooting&lang=ko")
    dash_duo.wait_for_contains_text("#badges", "오버슈팅", timeout=20)
    text = dash_duo.find_element("#page").text
    for term in ("학습률", "손실", "배치 크기", "입력 정규화"):
        assert term in text
    assert "L4" in dash_duo.find_element("#lesson").text
    assert dash_duo.get_logs() == []


def test_embedded_in_an_iframe_on_another_origin(dash_duo, tmp_path):
    import functools
    import http.server
    import threading

    dash_duo.start_server(create_app())
    # localhost and 127.0.0.1 are different origins: the slide deck is served from one,
    # the app from the other.
    app_url = dash_duo.server_url.replace("localhost", "127.0.0.1") + "/?preset=divergence&embed=1"
    (tmp_path / "slides.html").write_text(
        f'<html><body><iframe id="lesson" src="{app_url}" style="width:1000px;height:640px"></iframe></body></html>'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    deck = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=deck.serve_forever, daemon=True).start()
    try:
        dash_duo.driver.get(f"http://localhost:{deck.server_address[1]}/slides.html")
        dash_duo.driver.switch_to.frame(dash_duo.driver.find_element("css selector", "#lesson"))
        wait_until(
            lambda: "diverged" in dash_duo.driver.find_element("css selector", "#badges").text,
            timeout=20,
            message="the embedded lesson to render",
        )
        # Embed mode: views and play controls, no control panel. The badges come with the page;
        # Plotly draws the map a moment later.
        assert not dash_duo.driver.find_element("css selector", "#controls").is_displayed()
        wait_until(lambda: graph_ready(dash_duo.driver, "contour"), message="the embedded map drawn")
        assert dash_duo.driver.execute_script(FIGURE.format("contour", "data.length")) > 1
        assert dash_duo.driver.find_element("css selector", "#summary").is_displayed()
    finally:
        dash_duo.driver.switch_to.default_content()
        deck.shutdown()


def test_exported_html_plays_offline_from_disk(dash_duo, tmp_path):
    from app.export import export_html

    page = tmp_path / "lesson.html"
    page.write_text(export_html("preset=overshooting"), encoding="utf-8")
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    driver.get(page.as_uri())
    wait_until(lambda: driver.find_element("css selector", "#player-total").text == "50", message="figures drawn")
    driver.find_element("css selector", "#player-play").click()
    seen = []  # the steps read while it plays: it restarts from 0 and runs to 50 in ~6 s

    def advanced() -> bool:
        # A step below the end, then a later larger one. Read as a sequence: on a loaded machine
        # a read can take long enough for the whole rest of the playback to pass between two.
        seen.append(int(driver.find_element("css selector", "#player-step").text))
        return any(a < 50 and b > a for a, b in zip(seen, seen[1:], strict=False))

    wait_until(advanced, message="playback to restart and frames to advance offline")
    assert "overshooting" in driver.find_element("css selector", "#badges").text


def test_new_runs_arriving_while_paused_are_drawn_whole(dash_duo):
    start(dash_duo)
    wait_until(lambda: dash_duo.find_element("#player-total").text == "100", message="total steps")
    dash_duo.driver.execute_script("window.descentLab.seek(10);")
    wait_until(lambda: drawn_points(dash_duo) == 11, message="step 10")
    type_into(dash_duo, "#lr", "0.2")
    wait_until(lambda: "lr 0.2" in dash_duo.find_element("#badges").text, message="the new run")
    # The player moves to the end of the new run, and the map shows all of it.
    wait_until(lambda: dash_duo.find_element("#player-step").text == "100", message="the player at the end")
    wait_until(lambda: drawn_points(dash_duo) == 101, message="the new path drawn whole")
    time.sleep(0.5)  # a late repaint must not cut it again
    assert drawn_points(dash_duo) == 101
    assert dash_duo.get_logs() == []


# The rate box and the log slider keep each other in step in the browser (assets/player.js).
SYNC = """
var lab = window.dash_clientside, none = lab.no_update, low = -5, high = 1;
function call(trigger, typed, exponent) {
  lab.callback_context = {triggered: [{prop_id: trigger + '.value', value: null}]};
  var out = lab.player.syncRate(typed, exponent, low, high);
  return out.map(function (v) { return v === none ? 'none' : v; });
}
return {
  slid: [-1, -2.5, 99, -99].map(function (e) { return call('lr-slider', 0.5, e); }),
  typed: [0.003, 100, 1e-9].map(function (v) { return call('lr', v, -1); }),
  oddRate: [null, 0, -1, NaN, Infinity, 'x', true, [], {}].map(function (v) { return call('lr', v, -1); }),
  oddExponent: [null, NaN, Infinity, 'x', true, [], {}].map(function (v) { return call('lr-slider', 0.5, v); }),
};
"""


def test_the_rate_box_and_the_slider_stay_in_step(dash_duo):
    start(dash_duo)
    type_into(dash_duo, "#lr", "0.003")
    thumb = "#lr-slider [role=slider]"
    wait_until(
        lambda: abs(float(dash_duo.find_element(thumb).get_attribute("aria-valuenow")) - math.log10(0.003)) < 0.01,
        message="the slider at log10(0.003)",
    )
    dash_duo.wait_for_contains_text("#badges", "lr 0.003", timeout=15)
    out = dash_duo.driver.execute_script(SYNC)
    # Sliding: 3 significant digits, pinned to the slider's ends.
    assert out["slid"] == [[0.1, "none"], [0.00316, "none"], [10, "none"], [1e-05, "none"]]
    # Typing: the slider follows, pinned to its ends (the box's error says why).
    assert out["typed"][0][0] == "none" and out["typed"][0][1] == pytest.approx(math.log10(0.003))
    assert out["typed"][1:] == [["none", 1], ["none", -5]]
    # A rate that is not a positive number, an exponent that is not a number: both alone.
    assert out["oddRate"] == [["none", "none"]] * 9
    assert out["oddExponent"] == [["none", "none"]] * 7
    assert dash_duo.get_logs() == []
