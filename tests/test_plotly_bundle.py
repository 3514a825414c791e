"""The page's plotly.js is our own build (app/vendor, `make plotly`) with only some traces in it.

plotly.js draws nothing for a trace type it does not know (the trace is made invisible, with no
error), so a figure that starts using a new type would go blank. These tests read the list of
traces from the bundle's first line (scripts/plotly/build.js writes it) and check it against
every trace the app's figures draw: each lesson's main answer as the browser receives it, the
rate preview, the explorers and the network's views and finder. tests/test_browser.py checks,
in a real page, that the bundle registers exactly that list.
"""

from __future__ import annotations

import re

import numpy as np
import plotly
import pytest

import app.vendor
from app import create_app
from app.explore_figures import lr_finder_figure, stability_map_figure
from app.figures.curves import lr_preview_figure
from app.figures.network import network_finder_figure
from app.lessons import LESSONS
from app.network_view import network_views
from engine.config import RunConfig
from engine.explore import lr_finder, stability_map
from engine.network.explore import network_lr_finder
from engine.network.train import NetworkConfig
from tests.serving import AppShape

BANNER = re.compile(r"/\* plotly\.js v(?P<version>[\d.]+) \(MIT, Plotly, Inc\.\), traces: (?P<traces>[a-z0-9 ]+) \*/")


def banner() -> re.Match:
    with app.vendor.PLOTLY_JS.open(encoding="utf-8") as bundle:
        match = BANNER.fullmatch(bundle.readline().strip())
    assert match, "app/vendor/plotly.min.js does not start with scripts/plotly/build.js's banner"
    return match


def bundled_traces() -> set[str]:
    return set(banner()["traces"].split())


def trace_types(thing) -> set[str]:
    """The `type` of every trace in every figure found in a callback answer or view dict."""
    found: set[str] = set()
    if isinstance(thing, dict):
        if isinstance(thing.get("data"), list) and "layout" in thing:
            found |= {trace.get("type", "scatter") for trace in thing["data"]}
        for value in thing.values():
            found |= trace_types(value)
    elif isinstance(thing, list | tuple):
        for value in thing:
            found |= trace_types(value)
    return found


def test_the_bundle_is_the_plotly_js_release_plotly_py_was_made_for():
    # plotly.py writes figures for one plotly.js release (the one it ships); the bundle's URL
    # carries app.vendor.__version__, so a rebuilt bundle must bump it to reach the browsers.
    assert banner()["version"] == app.vendor.__version__ == plotly.offline.get_plotlyjs_version()


@pytest.fixture(scope="module")
def client():
    return create_app().server.test_client()


def test_every_lesson_draws_only_traces_the_bundle_holds(client):
    shape = AppShape(client.get("/_dash-dependencies").get_json())
    drawn: set[str] = set()
    for key in LESSONS:
        shape._collect(client.get(f"/_dash-layout?preset={key}").get_json())
        response = client.post("/_dash-update-component", json=shape.body(shape.callback("contour.figure")))
        assert response.status_code == 200, key
        drawn |= trace_types(response.get_json()["response"])
    assert {"contour", "scatter", "scatter3d", "surface"} <= drawn  # the walk found the views
    assert drawn <= bundled_traces()


def test_the_explorers_and_the_network_draw_only_traces_the_bundle_holds():
    config = RunConfig(surface="bowl", optimizer="momentum", lr=0.1, steps=50)
    network = NetworkConfig(dataset="moons", hidden=(8,), steps=30)
    figures = [
        lr_finder_figure(lr_finder(config), config.lr),
        stability_map_figure(stability_map(config, "momentum"), config.lr, 0.9),
        lr_preview_figure(np.geomspace(0.1, 0.01, 50)),
        network_views([network]),
        network_finder_figure(network_lr_finder(network), network.lr),
    ]
    drawn = trace_types(figures)
    assert "heatmap" in drawn
    assert drawn <= bundled_traces()
