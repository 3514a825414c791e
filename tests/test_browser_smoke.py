"""The page loads in a real browser, titled, with a clean console."""

import pytest

from app import create_app

pytestmark = pytest.mark.browser


def test_page_loads_with_title_and_no_console_errors(dash_duo):
    dash_duo.start_server(create_app())
    dash_duo.wait_for_text_to_equal("h1", "Descent Lab", timeout=10)
    assert dash_duo.driver.title == "Descent Lab"
    assert dash_duo.get_logs() == []
