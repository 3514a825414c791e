"""The first picture comes with the page: the layout holds the main callback's answer for the
page's URL, so nothing waits for a callback round trip (issue 16, app.factory.first_answer)."""

import json
import threading

import pytest
from browser_helpers import wait_until

from app import create_app
from app.answers import main_outputs
from app.lessons import LESSONS
from app.links import encode
from app.viewstate import ViewState
from engine import RunConfig


def props(layout, component_id):
    """The props of the component with this id in a /_dash-layout answer."""
    pending = [layout]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            inner = node.get("props")
            if isinstance(inner, dict) and inner.get("id") == component_id:
                return inner
            pending.extend((inner if isinstance(inner, dict) else node).values())
    raise LookupError(component_id)


@pytest.fixture
def client():
    main_outputs.cache_clear()
    return create_app().server.test_client()


def layout_for(client, query: str):
    return client.get("/_dash-layout", headers={"Referer": f"http://localhost/?{query}"}).get_json()


def test_the_layout_holds_the_lessons_figures_and_outcomes(client):
    layout = layout_for(client, "preset=overshooting")
    contour = props(layout, "contour")["figure"]
    assert contour["data"][0]["type"] == "contour" and len(contour["data"][1]["x"]) > 1  # map and path
    for curve in ("loss-graph", "lr-graph", "third-graph"):
        assert props(layout, curve)["figure"]["data"]
    # The 3D view's figure waits in its Store for the map to be drawn first.
    assert props(layout, "surface3d-later")["data"]["data"][0]["type"] == "surface"
    assert "overshooting" in json.dumps(props(layout, "badges")["children"])
    assert "0.65" in props(layout, "summary")["children"]
    assert props(layout, "current-config")["data"]["lr"] == LESSONS["overshooting"].runs[0].lr


def test_a_bad_address_shows_its_notices_and_the_page_writes_it_cleanly(client):
    layout = layout_for(client, "lr=abc&view=map")
    assert "lr=abc" in json.dumps(props(layout, "url-notice")["children"])
    assert props(layout, "first-search")["data"] == "?view=map"  # the canonical settings, the view kept
    assert props(layout, "contour")["figure"]["data"]


def test_the_first_callback_is_not_needed_and_the_layout_answers_from_the_memo(client):
    dependencies = client.get("/_dash-dependencies").get_json()
    main = next(d for d in dependencies if d["output"].startswith("..contour.figure..."))
    assert main["prevent_initial_call"] is True
    query = encode(ViewState(current=RunConfig(surface="rosenbrock", optimizer="adam", lr=0.02, steps=300)))
    layout_for(client, query)
    layout_for(client, query)  # a second student opening the same link
    assert main_outputs.cache_info()["hits"] >= 1


@pytest.mark.browser
def test_the_map_draws_its_paths_while_every_callback_is_held(dash_duo):
    app = create_app()
    release = threading.Event()

    @app.server.before_request
    def hold_callbacks():
        from flask import request

        if request.path.endswith("_dash-update-component"):
            release.wait(20)

    dash_duo.start_server(app)
    driver = dash_duo.driver
    try:
        drawn = (
            "var gd = document.querySelector('#contour .js-plotly-plot');"
            "return !!(gd && gd.querySelector('.contourlayer path') && gd.querySelectorAll('.scatterlayer .js-line').length);"
        )
        wait_until(lambda: driver.execute_script(drawn), timeout=15, message="the map with its path")
        assert "converged" in dash_duo.find_element("#badges").text
        # The 3D view follows the map, still with no answer from the server.
        wait_until(lambda: driver.execute_script("return !!document.querySelector('#surface3d canvas');"), message="3D")
    finally:
        release.set()
    assert dash_duo.get_logs() == []
