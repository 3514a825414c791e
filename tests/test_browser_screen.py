"""What only a browser shows on screen: scale, text sizes, clicks, playback, loading.

Sizes are set through Chrome's device metrics (browser_helpers.set_screen); clicks are real
pointer input at pixel positions computed from Plotly's axes, not synthetic plotly events.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder

from app import create_app
from tests.browser_helpers import (
    GRAPH,
    axis_scales,
    fitted,
    open_page,
    set_screen,
    settle,
    tick_overlaps,
    visible_text,
    wait_until,
)

pytestmark = pytest.mark.browser

CURVES = ("loss-graph", "lr-graph", "third-graph")


# ----------------------------------------------------------------------- stability map click

# Where a heatmap cell (row, column) of the stability map is on the screen, and what sits there.
CELL = """
var gd = MAP, trace = gd._fullData[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
var rate = trace.x[arguments[1]], value = trace.y[arguments[0]], box = gd.getBoundingClientRect();
var x = box.left + xa._offset + xa.l2p(xa.d2l(rate)), y = box.top + ya._offset + ya.l2p(ya.d2l(value));
var under = document.elementFromPoint(x, y);
return {rate: rate, value: value, x: x, y: y, under: under && under.getAttribute('class')};
""".replace("MAP", GRAPH.format("map-graph"))
HEATMAP_DRAWN = "var gd = MAP; return !!(gd && gd._fullData && gd._fullData[0] && gd._fullData[0].type === 'heatmap');".replace(
    "MAP", GRAPH.format("map-graph")
)
FINDER_DRAWN = "var gd = MAP; return !!(gd && gd._fullData && gd._fullData.length > 3);".replace(
    "MAP", GRAPH.format("finder-graph")
)
HOVERED = "var h = MAP._hoverdata; return h && h.length ? h[0].pointNumber : null;".replace(
    "MAP", GRAPH.format("map-graph")
)


def real_click(driver, x: float, y: float, cell) -> None:
    """A pointer moving onto (x, y) in the viewport, resting until Plotly hovers the cell
    (row, column) there, and clicking."""
    move = ActionBuilder(driver)
    move.pointer_action.move_to_location(int(x) - 3, int(y))
    move.pointer_action.pause(0.1)
    move.pointer_action.move_to_location(int(x), int(y))
    move.perform()
    wait_until(
        lambda: driver.execute_script(HOVERED) == list(cell),
        timeout=5,
        message=f"the pointer over cell {cell}",
    )
    press = ActionBuilder(driver)
    press.pointer_action.click()
    press.perform()


def param_value(driver, name: str) -> str:
    field = driver.find_element(
        "css selector", f'input[id*=\'"type":"opt-param"\'][id*=\'"name":"{name}"\']'
    )
    return field.get_attribute("value")


def test_a_real_click_on_a_stability_map_cell_loads_it(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    # Momentum on the trap, and batch size on the data-fit problem (a log axis of sizes).
    for query, second, cell in (
        ("surface=trap&optimizer=momentum&lr=0.05&steps=40", "momentum", (10, 30)),
        ("surface=linreg&steps=40", "batch_size", (2, 12)),
    ):
        open_page(dash_duo, query)
        driver.find_element("css selector", "#lower-view input[value='map']").click()
        wait_until(
            lambda: driver.execute_script(HEATMAP_DRAWN), timeout=20, message="the stability map"
        )
        fitted(driver, "map-graph")
        # The view itself travels in the address (view=map): wait for that rewrite, so the
        # change awaited after the click is the cell's link and not the view's.
        wait_until(
            lambda: "view=map" in urlsplit(driver.current_url).query, message="the view in the link"
        )
        before = urlsplit(driver.current_url).query
        at = driver.execute_script(CELL, *cell)
        assert "nsewdrag" in at["under"]  # the click lands on the plot's own drag layer
        real_click(driver, at["x"], at["y"], cell)
        wait_until(lambda: urlsplit(driver.current_url).query != before, message="the cell's link")  # noqa: B023
        loaded = parse_qs(urlsplit(driver.current_url).query)
        assert float(loaded["lr"][0]) == pytest.approx(at["rate"], rel=1e-9)
        assert float(loaded[second][0]) == pytest.approx(at["value"], rel=1e-9)
        # The new page's controls hold the cell's rate and setting.
        dash_duo.wait_for_contains_text("#badges", " ", timeout=20)
        assert float(
            driver.find_element("css selector", "#lr").get_attribute("value")
        ) == pytest.approx(at["rate"], rel=1e-9)
        if second == "batch_size":
            assert dash_duo.find_element("#batch-size").text.strip() == str(int(at["value"]))
        else:
            assert float(param_value(driver, second)) == pytest.approx(at["value"], rel=1e-9)
    assert dash_duo.get_logs() == []


# ------------------------------------------------------------------------- maps to scale


def assert_to_scale(driver, where: str) -> None:
    fitted(driver, "contour")
    scales = axis_scales(driver, "contour")
    assert scales, where
    for scale in scales:
        assert scale["x"] == pytest.approx(scale["y"], rel=0.01), (
            f"{where}, subplot {scale['subplot']}: {scale}"
        )


def test_maps_are_drawn_to_scale_at_every_size_and_after_a_zoom(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    # The data-fit problem's raw w and b differ ~100x in scale; L10 puts three maps side by side.
    for query in ("surface=linreg&normalization=standard", "preset=normalization"):
        for width, height in ((1920, 1080), (1280, 720)):
            set_screen(driver, width, height)
            open_page(dash_duo, query)
            assert_to_scale(driver, f"{query} at {width}x{height}")
    set_screen(driver, 960, 540)
    open_page(dash_duo, "surface=linreg&normalization=standard&embed=1")
    assert_to_scale(driver, "embedded at 960x540")
    # A zoom in x alone keeps the scale: y follows.
    zoom = "var gd = MAP, r = gd._fullLayout.xaxis.range; Plotly.relayout(gd, {'xaxis.range': [r[0], r[0] + (r[1] - r[0]) / 3]});"
    driver.execute_script(zoom.replace("MAP", GRAPH.format("contour")))
    settle(driver)
    assert_to_scale(driver, "after a zoom")


# ------------------------------------------------------------------ readable on a projector


def test_presentation_mode_shows_no_text_under_20px_at_1920x1080(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    set_screen(driver, 1920, 1080)
    open_page(dash_duo, "preset=local-minimum", "local minimum")
    before = min(t["size"] for t in visible_text(driver))
    dash_duo.find_element("body").send_keys("p")
    wait_until(
        lambda: "presenting" in dash_duo.find_element("#page").get_attribute("class"),
        message="presentation mode",
    )
    for graph in ("contour", *CURVES):
        fitted(driver, graph)

    def smallest():
        texts = visible_text(driver)
        assert len(texts) > 50  # the lesson, the player, the cards, every graph's labels
        return min(texts, key=lambda t: t["size"])

    wait_until(
        lambda: smallest()["size"] >= 20,
        timeout=5,
        message=f"every text at 20px or more, not {smallest()}",
    )
    assert before < 20  # outside presentation mode the page is denser
    # A figure that arrives while presenting is enlarged too: the learning-rate finder.
    driver.find_element("css selector", "#lower-view input[value='finder']").click()
    wait_until(lambda: driver.execute_script(FINDER_DRAWN), timeout=20, message="the finder")
    fitted(driver, "finder-graph")
    wait_until(
        lambda: smallest()["size"] >= 20,
        timeout=5,
        message=f"the new figure's text at 20px or more, not {smallest()}",
    )
    # P again: the page and the graphs go back to their own sizes.
    dash_duo.find_element("body").send_keys("p")
    wait_until(
        lambda: min(t["size"] for t in visible_text(driver)) < 20, message="normal sizes again"
    )
    assert dash_duo.get_logs() == []


def test_tick_labels_never_overlap_and_an_embed_shows_the_curves(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    for query, (width, height) in (
        ("preset=lr-ladder", (1280, 720)),
        ("preset=batch-size", (1280, 720)),
        ("preset=too-slow", (1280, 720)),  # logs under a decade: Plotly's own labels crowded
        ("preset=lr-ladder&embed=1", (960, 540)),
        ("preset=normalization&embed=1", (960, 540)),
    ):
        set_screen(driver, width, height)
        open_page(dash_duo, query)
        for graph in ("contour", *CURVES):
            fitted(driver, graph)
            assert tick_overlaps(driver, graph) == [], f"{query} at {width}x{height}: {graph}"
        if "embed" in query:
            # The curves are on screen whole, without scrolling.
            for graph in CURVES:
                box = driver.execute_script(
                    f"var b = {GRAPH.format(graph)}.getBoundingClientRect(); return [b.top, b.bottom, b.height];"
                )
                assert box[2] >= 100 and box[0] >= 0 and box[1] <= height + 0.5, (
                    f"{query}: {graph} at {box}"
                )
            assert driver.execute_script("return document.scrollingElement.scrollHeight;") <= height
    assert dash_duo.get_logs() == []


# -------------------------------------------------------------------------------- playback

# The painted loss/rate/gradient curve of run slot 0: its path's last point, and where the
# current step's point of the curve is in pixels (found by the curve's own steps).
CURVE_AT = """
var gd = GD, step = arguments[0], trace = gd._fullData[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
var d = gd.calcdata[0][0].node3.node().querySelector('path.js-line').getAttribute('d');
var numbers = d.match(/-?[0-9.]+(e-?[0-9]+)?/g).map(Number);
var steps = Array.from(trace.customdata || trace.x), j = steps.lastIndexOf(step);
var point = gd.calcdata[4][0].node3.node().querySelector('.points path.point').getAttribute('transform');
return {lastX: numbers[numbers.length - 2], stepX: xa.c2p(Array.from(trace.x)[j]), endX: xa.c2p(Array.from(trace.x)[steps.length - 1]),
        pointX: Number(point.match(/translate\\(([^,]+),/)[1]), found: j};
"""


def curve_at(driver, graph: str, step: int) -> dict:
    return driver.execute_script(CURVE_AT.replace("GD", GRAPH.format(graph)), step)


def test_playback_draws_the_curves_only_up_to_the_current_step(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    open_page(dash_duo, "preset=overshooting", "overshooting")
    total = int(dash_duo.find_element("#player-total").text)
    assert total > 10
    driver.execute_script("window.descentLab.setSpeed(0.25); window.descentLab.play();")
    step = lambda: int(dash_duo.find_element("#player-step").text)  # noqa: E731
    wait_until(lambda: 3 <= step() < total - 3, message="playback under way")
    driver.execute_script("window.descentLab.pause();")
    settle(driver)
    now = driver.execute_script("return window.descentLab.state.step;")
    assert 0 < now < total
    for graph in CURVES:
        at = curve_at(driver, graph, now)
        assert at["found"] >= 0, graph
        # The line ends at the current step (the rest of the run is not drawn yet) ...
        assert at["lastX"] == pytest.approx(at["stepX"], abs=1.5), graph
        assert at["endX"] - at["lastX"] > 10, graph
        # ... where the current point sits.
        assert at["pointX"] == pytest.approx(at["stepX"], abs=1.5), graph
    # At the end the whole curve is drawn again.
    driver.execute_script("window.descentLab.seek(arguments[0]);", total)
    settle(driver)
    at = curve_at(driver, "loss-graph", total)
    assert at["lastX"] == pytest.approx(at["endX"], abs=1.5)
    assert dash_duo.get_logs() == []


# ---------------------------------------------------------------------------------- loading

LOADING = """
return ['contour', 'surface3d', 'loss-graph', 'lr-graph', 'third-graph'].filter(function (id) {
  var after = getComputedStyle(document.getElementById(id), '::after');
  return after.content && after.content !== 'none' && after.display !== 'none';
});
"""
# Every frame until told to stop: whether any graph said "loading" meanwhile.
WATCH_LOADING = """
window.__flashed = false; window.__stop = false;
var loading = new Function(arguments[0]);
(function check() { if (loading().length) window.__flashed = true; if (!window.__stop) requestAnimationFrame(check); })();
"""


def test_the_first_figures_come_with_the_page_and_a_change_never_blanks_them(dash_duo):
    """The page arrives with its figures (app.factory.first_answer; tests/test_first_paint.py
    holds every callback to show the map draws without one): no graph says "loading" once the
    page is drawn, nor while a later change is computed."""
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    dash_duo.wait_for_contains_text("#badges", "converged", timeout=20)
    wait_until(lambda: driver.execute_script(LOADING) == [], message="every graph drawn")
    # A later change keeps the old figures on screen until the new ones come: no flash.
    driver.execute_script(WATCH_LOADING, LOADING)
    field = dash_duo.find_element("#lr")
    field.clear()
    field.send_keys("0.2\n")
    dash_duo.wait_for_contains_text("#badges", "lr 0.2", timeout=15)
    assert driver.execute_script("window.__stop = true; return window.__flashed;") is False
    assert dash_duo.get_logs() == []


# ------------------------------------------------------------------ words beside the paths

# The "left the map" words' boxes on screen, and every drawn path segment that runs through
# one (its rectangle shrunk by 1 px; Liang-Barsky clipping), in client pixels.
EXIT_WORDS_CROSSED = """
var gd = MAP, box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
var plot = {left: box.left + xa._offset, right: box.left + xa._offset + xa._length,
            top: box.top + ya._offset, bottom: box.top + ya._offset + ya._length};
var words = Array.prototype.map.call(gd.querySelectorAll('.scatterlayer .textpoint text'), function (t) {
  return {text: t.textContent, rect: t.getBoundingClientRect()};
});
function crosses(r, x0, y0, x1, y1) {
  var t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
  var p = [-dx, dx, -dy, dy], q = [x0 - r.left - 1, r.right - 1 - x0, y0 - r.top - 1, r.bottom - 1 - y0];
  for (var i = 0; i < 4; i++) {
    if (p[i] === 0) { if (q[i] < 0) return false; continue; }
    var s = q[i] / p[i];
    if (p[i] < 0) { if (s > t1) return false; if (s > t0) t0 = s; } else { if (s < t0) return false; if (s < t1) t1 = s; }
  }
  return true;
}
var out = [];
words.forEach(function (w) {
  var crossed = 0;
  gd._fullData.forEach(function (trace) {
    if (trace.type !== 'scatter' || !trace.visible || String(trace.mode).indexOf('lines') < 0 || trace.xaxis !== 'x') return;
    for (var i = 1; i < trace.x.length; i++) {
      var x0 = box.left + xa._offset + xa.l2p(trace.x[i - 1]), y0 = box.top + ya._offset + ya.l2p(trace.y[i - 1]);
      var x1 = box.left + xa._offset + xa.l2p(trace.x[i]), y1 = box.top + ya._offset + ya.l2p(trace.y[i]);
      if (crosses(w.rect, x0, y0, x1, y1)) crossed++;
    }
  });
  var r = w.rect;
  out.push({text: w.text, crossed: crossed, inside: r.left >= plot.left && r.right <= plot.right && r.top >= plot.top && r.bottom <= plot.bottom});
});
return out;
""".replace("MAP", GRAPH.format("contour"))


def test_the_words_left_the_map_are_on_the_map_and_no_path_runs_through_them(dash_duo):
    """L5's diverging zig-zag ran through the words at its exit, and L8's last rung, which
    leaves at the top between two of its own jumps, did too (1280x720 and 1920x1080)."""
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    for preset in ("divergence", "lr-ladder"):
        for width, height in ((1920, 1080), (1280, 720)):
            set_screen(driver, width, height)
            open_page(dash_duo, f"preset={preset}", "diverged")
            fitted(driver, "contour")
            words = [w for w in driver.execute_script(EXIT_WORDS_CROSSED) if w["text"] == "left the map"]
            assert len(words) == 1, (preset, words)
            assert words[0]["inside"] and words[0]["crossed"] == 0, (preset, width, words)
