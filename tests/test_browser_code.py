"""The Code view in a real browser: a lesson link opens it, the script is drawn, copy works,
and switching to the stability map puts view=map in the address."""

import pytest
from browser_helpers import open_page, wait_until

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
