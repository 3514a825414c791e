"""The network page in a real browser: lesson N1 draws its landscape, its output and its curves,
the player steps the output's frames with the path, and a new learning rate repaints the path.

Headless Chromium through dash_duo; WebGL is software-rendered (see conftest.py).
"""

import pytest
from browser_helpers import open_page, set_screen, wait_until

from app import create_app
from app.lessons import NETWORK_LESSONS
from engine.network import train

pytestmark = pytest.mark.browser

N1 = "network-descent"
GRAPH = "var gd = document.querySelector('#{} .js-plotly-plot');"


def full(driver, graph_id: str, script: str):
    """script evaluated with gd the graph's Plotly div (its _fullData: what Plotly drew)."""
    return driver.execute_script(GRAPH.format(graph_id) + "if (!gd || !gd._fullData) return null; " + script)


def path_x(driver) -> list | None:
    return full(driver, "contour", "return Array.prototype.slice.call(gd._fullData[1].x);")


def type_into(dash_duo, selector, text):
    field = dash_duo.find_element(selector)
    field.clear()
    field.send_keys(text + "\n")


def test_n1_draws_the_network_and_the_player_steps_its_output(dash_duo):
    dash_duo.start_server(create_app())
    open_page(dash_duo, f"preset={N1}", ready_text="converged", timeout=40)
    driver = dash_duo.driver
    run = train(NETWORK_LESSONS[N1].current)
    # the landscape (a filled contour and the whole path), the 3D view, the output and the curves
    wait_until(lambda: (full(driver, "contour", "return gd._fullData.length") or 0) > 1, message="the map")
    assert full(driver, "contour", "return gd._fullData[0].type") == "contour"
    steps = full(driver, "contour", "return Array.prototype.slice.call(gd._fullData[1].customdata);")
    assert steps[-1] == run.steps_taken
    wait_until(lambda: (full(driver, "surface3d", "return gd._fullData.length") or 0) > 1, message="the 3D view")
    assert dash_duo.find_elements("#surface3d canvas")
    assert full(driver, "network-output", "return gd._fullData[0].type") == "contour"
    assert not driver.execute_script("return document.getElementById('network-output-box').hidden;")
    loss = full(driver, "loss-graph", "var y = gd._fullData[0].y; return y[y.length - 1];")
    assert loss == pytest.approx(run.final_loss, rel=1e-4)
    accuracy = full(driver, "third-graph", "var y = gd._fullData[0].y; return y[y.length - 1];")
    assert accuracy == pytest.approx(100 * run.accuracy[-1])
    assert full(driver, "lr-graph", "return gd._fullData[0].y.length") > 1
    # the network's own controls shown, the start point hidden
    assert driver.execute_script("return document.getElementById('start-box').hidden;")
    assert dash_duo.find_element("#hidden").get_attribute("value") == "16,16"

    # the player at step 0 puts in the first frame's output; at the end the last one
    frame_steps = full(driver, "network-output", "return gd.layout.meta.frame_steps;")
    last_z = full(driver, "network-output", "return JSON.stringify(Array.prototype.map.call(gd._fullData[0].z, function (r) { return Array.prototype.slice.call(r); }));")
    dash_duo.find_element("#player-start").click()
    first_z = lambda: full(driver, "network-output", "return JSON.stringify(Array.prototype.map.call(gd._fullData[0].z, function (r) { return Array.prototype.slice.call(r); }));")  # noqa: E731
    wait_until(lambda: first_z() != last_z, message="the first frame's output")
    wait_until(lambda: dash_duo.find_element("#player-step").text == "0", message="step 0")
    frame_zero = full(driver, "network-output", "var f = gd._transitionData._frameHash['0']; return !!f;")
    assert frame_zero and frame_steps[0] == 0
    # one step forward stays within the first frame or moves to the next one; play reaches the end
    dash_duo.find_element("#player-forward").click()
    wait_until(lambda: int(dash_duo.find_element("#player-step").text) > 0, message="a step forward")
    driver.execute_script("window.descentLab.setSpeed(4);")
    dash_duo.find_element("#player-play").click()
    wait_until(lambda: dash_duo.find_element("#player-step").text == str(run.steps_taken), timeout=20, message="playback to the end")
    wait_until(lambda: first_z() == last_z, message="the last frame's output again")

    # a new learning rate repaints the path on the map
    before = path_x(driver)
    type_into(dash_duo, "#lr", "0.03")
    wait_until(lambda: path_x(driver) not in (None, before), timeout=30, message="a new path")
    assert "lr=0.03" in driver.current_url
    assert dash_duo.get_logs() == []


def test_the_network_chosen_in_the_page_shows_its_third_graph_switch(dash_duo):
    """The network picked from the surface menu (no new page): the third graph's switch shows,
    opens on the accuracy with the network's choices, and a click draws the gradient norm;
    back on a 2-D surface it hides again."""
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    open_page(dash_duo, "", timeout=40)
    box = "return document.getElementById('third-view-box').hidden;"
    assert driver.execute_script(box) is True
    driver.execute_script("window.dash_clientside.set_props('surface', {value: 'network'});")
    kind = "var gd = document.querySelector('#third-graph .js-plotly-plot'); return gd && gd.layout && gd.layout.meta && gd.layout.meta.kind;"
    wait_until(lambda: driver.execute_script(box) is False, timeout=40, message="the switch shown")
    wait_until(lambda: driver.execute_script(kind) == "network_accuracy", timeout=20, message="the accuracy first")
    choices = driver.execute_script("return Array.from(document.querySelectorAll('#third-view input')).map(function (i) { return [i.value, i.checked]; });")
    assert choices == [["accuracy", True], ["grad_norm", False], ["honesty", False]]
    dash_duo.find_element("#third-view input[value='grad_norm']").click()
    wait_until(lambda: driver.execute_script(kind) not in (None, "network_accuracy"), timeout=20, message="the gradient norm")
    driver.execute_script("window.dash_clientside.set_props('surface', {value: 'bowl'});")
    wait_until(lambda: driver.execute_script(box) is True, timeout=40, message="the switch hidden off the network")
    assert dash_duo.get_logs() == []


# The network's explorers and the third graph's switch (tests/test_network_explore.py has the numbers).
def test_in_the_browser_one_click_shows_what_the_map_hides_and_the_finder_draws(dash_duo):
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    set_screen(driver, 1280, 720)
    open_page(dash_duo, "preset=network-descent", ready_text="converged", timeout=40)
    kind = "var gd = document.querySelector('#third-graph .js-plotly-plot'); return gd && gd.layout && gd.layout.meta && gd.layout.meta.kind;"
    wait_until(lambda: driver.execute_script(kind) == "network_accuracy", timeout=20, message="the accuracy first")
    hint = "return document.getElementById('third-view-hint').hidden;"
    assert driver.execute_script(hint) is True
    dash_duo.find_element("#third-view input[value='honesty']").click()
    wait_until(lambda: driver.execute_script(kind) == "network_honesty", message="what the map hides")
    assert driver.execute_script(hint) is False and "Antognini" in dash_duo.find_element("#third-view-hint").text
    box = driver.execute_script("var b = document.querySelector('#third-graph').getBoundingClientRect(), c = document.querySelector('.third-box').getBoundingClientRect(), s = document.querySelector('#third-view-box').getBoundingClientRect(), l = document.querySelector('#loss-graph').getBoundingClientRect(); return [b.bottom, b.height, c.height, s.height, s.width, l.height];")
    assert box[0] <= 720 and box[1] >= 100  # on a 1280x720 screen, the graph keeps most of its cell
    # the losses' own height in px once Plotly has fitted the graph to its grown cell (two
    # stacked panels in the old, smaller cell left them 25 px)
    losses_px = "return document.querySelector('#third-graph .js-plotly-plot')._fullLayout.yaxis._length;"
    wait_until(lambda: driver.execute_script(losses_px) >= 65, message="the honesty graph's losses at least 65 px tall")
    dash_duo.find_element("#lower-view input[value='finder']").click()
    star = "var gd = document.querySelector('#finder-graph .js-plotly-plot'); return gd && gd.data && gd.data.length && gd.data[gd.data.length - 1].marker.symbol;"
    wait_until(lambda: driver.execute_script(star) == "star", timeout=30, message="the network's finder")
    assert dash_duo.get_logs() == []
