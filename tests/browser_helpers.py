"""Helpers for the browser tests: window sizes, waiting, and what the page drew, in pixels."""

from __future__ import annotations

import time

GRAPH = "document.querySelector('#{} .js-plotly-plot')"


def wait_until(condition, timeout=15.0, message="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def set_screen(driver, width: int, height: int) -> None:
    """The page as a width x height screen sees it (the window itself stays as it is)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    wait_until(
        lambda: driver.execute_script("return [innerWidth, innerHeight];") == [width, height],
        message="the new size",
    )


def open_page(dash_duo, query: str, ready_text: str = "", timeout: float = 20.0) -> None:
    """The app at /?query, once the badges (the runs' outcomes) say ready_text and Plotly has
    drawn the map and the loss curve (the badges come with the page, before Plotly draws)."""
    dash_duo.driver.get(dash_duo.server_url + "/?" + query)
    dash_duo.wait_for_contains_text("#badges", ready_text or " ", timeout=timeout)
    wait_until(
        lambda: graph_ready(dash_duo.driver, "contour") and graph_ready(dash_duo.driver, "loss-graph"),
        timeout=timeout,
        message="the map and the loss curve drawn",
    )


def graph_ready(driver, graph_id: str) -> bool:
    return bool(
        driver.execute_script(
            f"var gd = {GRAPH.format(graph_id)}; return !!(gd && gd._fullLayout && gd.data && gd.data.length);"
        )
    )


def settle(driver, frames: int = 3) -> None:
    """Let the browser run a few animation frames (Plotly's redraws, the player's repaints)."""
    driver.execute_async_script(
        "var done = arguments[arguments.length - 1], n = arguments[0];"
        "(function next() { if (n-- <= 0) done(); else requestAnimationFrame(next); })();",
        frames,
    )


def steady(driver, selector: str, frames: int = 6) -> None:
    """Wait until an element's box has stayed put for a few animation frames."""
    script = (
        "var done = arguments[arguments.length - 1], el = document.querySelector(arguments[0]), n = arguments[1];"
        "var last = '', still = 0, tries = 0;"
        "(function next() { var b = el.getBoundingClientRect(), key = [b.left, b.top, b.width, b.height].join();"
        "  still = key === last ? still + 1 : 0; last = key;"
        "  if (still >= n || ++tries > 600) done(still >= n); else requestAnimationFrame(next); })();"
    )
    assert driver.execute_async_script(script, selector, frames), f"{selector} kept moving"


def fitted(driver, graph_id: str, timeout: float = 10.0) -> None:
    """Wait until Plotly has laid a graph out at its box's size (a responsive graph redraws
    some frames after its container changes), and the box holds still."""
    fits = (
        f"var gd = {GRAPH.format(graph_id)}, full = gd && gd._fullLayout; if (!full) return false;"
        "var b = gd.getBoundingClientRect();"
        "return Math.abs(full.width - b.width) < 1.5 && Math.abs(full.height - b.height) < 1.5;"
    )
    wait_until(
        lambda: driver.execute_script(fits),
        timeout=timeout,
        message=f"{graph_id} drawn at its size",
    )
    steady(driver, f"#{graph_id}")
    wait_until(
        lambda: driver.execute_script(fits),
        timeout=timeout,
        message=f"{graph_id} drawn at its size",
    )


# Pixels per data unit along x and y of every cartesian subplot of a graph.
SCALES = """
var gd = arguments[0], full = gd._fullLayout, out = [];
Object.keys(full._plots || {}).forEach(function (id) {
  var plot = full._plots[id], xa = plot.xaxis, ya = plot.yaxis;
  if (xa.type === 'log' || ya.type === 'log') return;
  out.push({subplot: id,
            x: xa._length / Math.abs(xa.range[1] - xa.range[0]),
            y: ya._length / Math.abs(ya.range[1] - ya.range[0])});
});
return out;
"""


def axis_scales(driver, graph_id: str) -> list[dict]:
    gd = driver.execute_script(f"return {GRAPH.format(graph_id)};")
    return driver.execute_script(SCALES, gd)


# Every visible piece of text on the page, HTML or SVG, with its computed font size.
VISIBLE_TEXT = """
var out = [], width = innerWidth, height = innerHeight;
function shown(el) {
  for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
    var s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return false;
  }
  return true;
}
var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (var node = walker.nextNode(); node; node = walker.nextNode()) {
  var text = node.nodeValue.trim(), el = node.parentElement;
  if (!text || !el || el.closest('script, style, noscript')) continue;
  var range = document.createRange(); range.selectNodeContents(node);
  var box = range.getBoundingClientRect();
  if (box.width < 1 || box.height < 1 || box.right <= 0 || box.bottom <= 0 || box.left >= width || box.top >= height) continue;
  if (!shown(el)) continue;
  out.push({text: text.slice(0, 40), size: parseFloat(getComputedStyle(el).fontSize),
            where: (el.closest('[id]') || {}).id || el.tagName});
}
return out;
"""


def visible_text(driver) -> list[dict]:
    return driver.execute_script(VISIBLE_TEXT)


# Tick labels of every axis of a graph that overlap a neighbour on the same axis.
TICK_OVERLAPS = """
var gd = arguments[0], out = [];
gd.querySelectorAll('.xaxislayer-above, .yaxislayer-above, .xaxislayer-below, .yaxislayer-below').forEach(function (layer) {
  var boxes = Array.from(layer.querySelectorAll('text')).filter(function (t) {
    return t.textContent.trim() && getComputedStyle(t).display !== 'none';
  }).map(function (t) { var b = t.getBoundingClientRect(); return {t: t.textContent, b: b}; });
  for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i].b, b = boxes[j].b;
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
      out.push(boxes[i].t + ' / ' + boxes[j].t);
  }
});
return out;
"""


def tick_overlaps(driver, graph_id: str) -> list[str]:
    gd = driver.execute_script(f"return {GRAPH.format(graph_id)};")
    return driver.execute_script(TICK_OVERLAPS, gd)
