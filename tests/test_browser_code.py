"""The Code view in a real browser: a lesson link opens it, the script is drawn, copy works,
and switching to the stability map puts view=map in the address. The lower views follow the run
drawn, and ask the server for nothing while hidden."""

import time

import pytest
from browser_helpers import GRAPH, open_page, wait_until
from selenium.webdriver.common.keys import Keys

from app import create_app
from app.links import decode
from engine.code import torch_code

pytestmark = pytest.mark.browser

QUERY = "preset=schedulers&view=code"
TEXT = "return (document.getElementById(arguments[0]) || {}).textContent || '';"


def test_a_lesson_link_opens_the_code_view_and_the_switch_writes_the_address(dash_duo):
    dash_duo.start_server(create_app())
    open_page(dash_duo, QUERY)
    driver = dash_duo.driver
    expected = torch_code(decode(QUERY)[0].current)
    wait_until(lambda: driver.execute_script(TEXT, "code-torch") == expected, timeout=30, message="the PyTorch script drawn")
    assert "import keras" in driver.execute_script(TEXT, "code-keras")
    assert dash_duo.find_element("#lower-view input[value='code']").is_selected()
    assert dash_duo.find_element("#curves").get_attribute("hidden") is not None
    assert dash_duo.find_element("#code-torch").is_displayed()

    # Headless Chromium may refuse the clipboard itself: the button is there and clicks cleanly.
    copy = dash_duo.find_element("#code-torch-copy")
    assert copy.is_displayed()
    copy.click()

    dash_duo.find_element("#lower-view input[value='map']").click()
    wait_until(lambda: "view=map" in driver.current_url, message="view=map in the address")
    # The map draws against its first setting, which the address then names too.
    wait_until(lambda: "second=T_max" in driver.current_url, message="second=T_max in the address")
    assert "preset=schedulers" in driver.current_url and "view=code" not in driver.current_url
    wait_until(lambda: dash_duo.find_element("#map-graph").is_displayed(), message="the stability map shown")
    assert not dash_duo.find_element("#code-view").is_displayed()
    severe = [entry for entry in dash_duo.get_logs() if "clipboard" not in entry.get("message", "").lower()]
    assert severe == []


# From now on, every callback request the page sends, by the outputs it asks for.
RECORD_REQUESTS = """
window.__asked = [];
var send = window.fetch;
window.fetch = function (url, options) {
  if (String(url).indexOf('_dash-update-component') >= 0) window.__asked.push(JSON.parse(options.body).output);
  return send.apply(this, arguments);
};
"""
# The finder's line at the current rate (app.explore_figures.lr_finder_figure), as drawn.
FINDER_RATE = (
    f"var gd = {GRAPH.format('finder-graph')}, shapes = gd && gd._fullLayout && gd._fullLayout.shapes;"
    " return shapes && shapes.length ? shapes[0].x0 : null;"
)


def finder_rate(driver) -> float:
    return driver.execute_script(FINDER_RATE) or 0.0  # the log axis gives back 0.0789 as 0.07890000000000003


def type_rate(dash_duo, rate: str) -> None:
    field = dash_duo.find_element("#lr")
    field.send_keys(Keys.CONTROL, "a")  # select the rate, then type the new one
    field.send_keys(rate + "\n")


def test_the_lower_views_follow_the_run_drawn_and_ask_nothing_while_hidden(dash_duo):
    """Under the curves a typed rate asks for its run and its rate preview only; the Code view
    opened then writes that rate at once and follows the next one, and so does the finder."""
    dash_duo.start_server(create_app())
    open_page(dash_duo, "")
    driver = dash_duo.driver
    driver.execute_script(RECORD_REQUESTS)
    type_rate(dash_duo, "0.123")
    wait_until(lambda: "lr=0.123" in driver.current_url, message="the run at 0.123 drawn")
    time.sleep(1.5)  # the explorers and the Code view used to ask within ~0.5 s of the run
    asked = driver.execute_script("return window.__asked;")
    assert len(asked) == 2 and "lr-preview.figure" in asked and any("contour.figure" in a for a in asked), asked

    dash_duo.find_element("#lower-view input[value='code']").click()
    wait_until(lambda: "lr=0.123" in driver.execute_script(TEXT, "code-torch"), message="the script at 0.123")
    type_rate(dash_duo, "0.0456")
    wait_until(lambda: "lr=0.0456" in driver.execute_script(TEXT, "code-torch"), message="the script following 0.0456")

    dash_duo.find_element("#lower-view input[value='finder']").click()
    wait_until(lambda: finder_rate(driver) == pytest.approx(0.0456), timeout=30, message="the finder at 0.0456")
    type_rate(dash_duo, "0.0789")
    wait_until(lambda: finder_rate(driver) == pytest.approx(0.0789), timeout=30, message="the finder following 0.0789")
    assert "lr=0.0456" in driver.execute_script(TEXT, "code-torch")  # the hidden Code view stays as it was
    assert dash_duo.get_logs() == []
