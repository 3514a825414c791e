"""Shared test setup: headless Chromium options for dash_duo, and the browser mark."""

import os

import pytest
from dash.testing.application_runners import BaseDashRunner
from selenium.webdriver.chrome.options import Options


def pytest_configure(config):
    # Under pytest-xdist each worker starts its dash_duo servers from its own block of ports:
    # dash counts up from 58050 in every process, so two workers would collide.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        BaseDashRunner._next_port = 58050 + 500 * int(worker[2:])


def pytest_collection_modifyitems(items):
    # Every test that drives Chromium is a browser test, wherever it lives: `make test` runs
    # the others on every core (-m "not browser") and these one at a time (-m browser).
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def pytest_setup_options():
    options = Options()
    # Software WebGL so 3D plots render in headless Chromium.
    options.add_argument("--enable-unsafe-swiftshader")
    options.add_argument("--window-size=1280,900")
    # The machine has no network beyond package registries: keep Chromium from calling home.
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ):
        options.add_argument(flag)
    return options
