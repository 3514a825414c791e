"""The map in two graphs (app/figures/layers.py, assets/maps.js), as the browser draws it: the
contour layer lies exactly under the paths, follows every zoom, is not redrawn when only the
runs change, and a click anywhere on the map still starts a descent there."""

import pytest
from browser_helpers import GRAPH, open_page, set_screen, settle, wait_until
from selenium.webdriver.common.keys import Keys

from app import create_app

pytestmark = pytest.mark.browser

# Per axis of a graph: its pixel offset and length in the page and its range.
AXES = """
var gd = GRAPH, L = gd._fullLayout, box = gd.getBoundingClientRect();
return Object.keys(L).filter(function (k) { return /^[xy]axis\\d*$/.test(k); }).sort().map(function (k) {
  var a = L[k], start = k[0] === 'x' ? box.left : box.top;
  return [k, start + a._offset, a._length, a.range[0], a.range[1]];
});
"""


def axes(driver, graph: str) -> list:
    return driver.execute_script(AXES.replace("GRAPH", GRAPH.format(graph)))


def assert_same_window(driver) -> None:
    paths, layer = axes(driver, "contour"), axes(driver, "contour-layer")
    assert [a[0] for a in paths] == [a[0] for a in layer]
    for ours, theirs in zip(paths, layer, strict=True):
        assert ours[1:3] == pytest.approx(theirs[1:3], abs=0.5), (paths, layer)  # the same pixels
        span = abs(ours[4] - ours[3])
        assert ours[3:] == pytest.approx(theirs[3:], abs=1e-9 * span), ours[0]  # the same units


def same_window(driver) -> bool:
    try:
        assert_same_window(driver)
    except AssertionError:
        return False
    return True


def count_redraws(driver) -> None:
    driver.execute_script(
        "window.__redraws = {paths: 0, layer: 0};"
        f"{GRAPH.format('contour')}.on('plotly_afterplot', function () {{ window.__redraws.paths++; }});"
        f"{GRAPH.format('contour-layer')}.on('plotly_afterplot', function () {{ window.__redraws.layer++; }});"
    )


def filled_levels(driver, graph: str) -> int:
    return driver.execute_script(f"return {GRAPH.format(graph)}.querySelectorAll('.contourlayer path').length;")


def test_the_layer_lies_under_the_paths_and_follows_a_zoom(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    # Three scalings side by side: three maps, each with its own axes.
    set_screen(driver, 1920, 1080)
    open_page(dash_duo, "preset=minmax", "converged")
    wait_until(lambda: filled_levels(driver, "contour-layer") > 30, message="the maps drawn in the layer")
    assert filled_levels(driver, "contour") == 0  # the paths graph draws no map of its own
    assert len(axes(driver, "contour")) == 6
    assert_same_window(driver)
    # A zoom of the paths graph (as a drag ends: a relayout) moves the layer with it.
    driver.execute_script(f"Plotly.relayout({GRAPH.format('contour')}, {{'xaxis2.range': [-1, 1], 'yaxis2.range': [-1, 1]}});")
    wait_until(lambda: abs(axes(driver, "contour-layer")[1][4] - 1) < 0.5, message="the layer zoomed")
    settle(driver)
    assert_same_window(driver)
    # The window's size changes: both plots are laid out again, still on top of each other.
    width = axes(driver, "contour")[0][2]
    set_screen(driver, 1280, 720)
    wait_until(lambda: axes(driver, "contour")[0][2] == axes(driver, "contour-layer")[0][2] != width, timeout=20, message="both resized")
    settle(driver, 10)
    assert_same_window(driver)
    assert dash_duo.get_logs() == []


def test_a_rate_change_redraws_the_paths_and_not_the_map(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    open_page(dash_duo, "", "converged")
    wait_until(lambda: filled_levels(driver, "contour-layer") > 10 and same_window(driver), message="the map drawn")
    settle(driver, 20)  # the page laid out at its size (both graphs fit their box once)
    count_redraws(driver)
    before = driver.execute_script(f"return {GRAPH.format('contour')}.data[1].x;")  # the whole path
    field = dash_duo.find_element("#lr")
    field.send_keys(Keys.CONTROL, "a")  # select the rate, then type the new one
    field.send_keys("0.3\n")
    wait_until(lambda: driver.execute_script(f"return {GRAPH.format('contour')}.data[1].x;") != before, message="the new path")
    settle(driver, 10)
    redraws = driver.execute_script("return window.__redraws;")
    assert redraws["paths"] >= 1 and redraws["layer"] == 0
    assert filled_levels(driver, "contour-layer") > 10
    # A new surface is a new map: the layer is drawn again, with the new surface's window.
    old_map = driver.execute_script(f"return JSON.stringify({GRAPH.format('contour-layer')}.data[0].x);")
    driver.execute_script("dash_clientside.set_props('surface', {value: 'linreg'});")  # as the dropdown sets it
    wait_until(
        lambda: driver.execute_script(f"return JSON.stringify({GRAPH.format('contour-layer')}.data[0].x);") != old_map,
        message="the new map in the layer",
    )
    wait_until(lambda: same_window(driver), message="the layer under the new paths")
    settle(driver, 10)
    assert_same_window(driver)
    assert dash_duo.get_logs() == []


def test_a_click_anywhere_on_the_map_starts_the_descent_there(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    open_page(dash_duo, "", "converged")
    # A point of the map where no path runs: x = -2, y = -2 on the default bowl, clicked as
    # the browser's input (CDP; selenium's pointer actions do not reach Plotly headless).
    x, y = driver.execute_script(
        f"var gd = {GRAPH.format('contour')}, L = gd._fullLayout, box = gd.getBoundingClientRect();"
        "return [box.left + L.xaxis._offset + L.xaxis.d2p(-2), box.top + L.yaxis._offset + L.yaxis.d2p(-2)];"
    )
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        driver.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})
    wait_until(lambda: dash_duo.find_element("#start-x").get_attribute("value") not in ("", None), message="start x")
    x, y = (float(dash_duo.find_element(f"#start-{axis}").get_attribute("value")) for axis in "xy")
    span = driver.execute_script(f"var r = {GRAPH.format('contour')}._fullLayout.xaxis.range; return r[1] - r[0];")
    assert abs(x + 2) < 0.02 * span and abs(y + 2) < 0.02 * span
    wait_until(
        lambda: driver.execute_script(f"return {GRAPH.format('contour')}.data[1].x[0];") == x,
        message="the path starts at the clicked point",
    )
    assert dash_duo.get_logs() == []
