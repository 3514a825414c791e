"""The Content-Security-Policy in Chromium: everything a lecture uses works, nothing is blocked.

A `securitypolicyviolation` listener is installed before any page script runs (CDP's
Page.addScriptToEvaluateOnNewDocument), so a violation anywhere in the page's life is caught;
Chromium's console log is checked too. The policy forbids inline script and eval (app/security.py).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from browser_helpers import wait_until

from app import create_app, security

pytestmark = pytest.mark.browser

LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push([e.effectiveDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber, e.sample].join(' | '));
}, true);
"""
VIOLATIONS = "return window.__cspViolations || ['the listener is missing'];"
FIGURE = "var gd = document.querySelector('#{} .js-plotly-plot'); return gd && gd.data ? gd.data.length : 0;"
STEP = "return +document.querySelector('#player-step').textContent;"


def violations(driver) -> list[str]:
    found = list(driver.execute_script(VIOLATIONS))
    found += [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]
    return found


def downloaded(folder: Path, suffix: str) -> list[Path]:
    return [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]


def test_the_policy_forbids_inline_script_and_eval():
    app = create_app()
    policy = app.server.test_client().get("/").headers["Content-Security-Policy"]
    script_src = next(part.split()[1:] for part in policy.split("; ") if part.startswith("script-src "))
    assert script_src == ["'self'", *app.csp_hashes()]
    assert security.content_security_policy("*", app.csp_hashes()) == policy


def test_a_lecture_runs_under_the_policy_without_a_violation(dash_duo):
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    dash_duo.start_server(create_app())
    dash_duo.wait_for_contains_text("#badges", "converged", timeout=30)
    header = requests.get(dash_duo.server_url + "/", timeout=10).headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in header and "'unsafe-inline'" not in header.split("style-src")[0]
    assert driver.execute_script("return Array.isArray(window.__cspViolations);")

    # The 3D view draws through WebGL.
    wait_until(lambda: driver.execute_script(FIGURE.format("surface3d")) > 1, message="the 3D surface")
    assert driver.execute_script(
        "var c = document.querySelector('#surface3d canvas');"
        "return !!(c && (c.getContext('webgl2') || c.getContext('webgl')));"
    )
    # The player (assets/player.js, clientside callbacks) plays.
    wait_until(lambda: dash_duo.find_element("#player-total").text == "100", message="the run's steps")
    wait_until(lambda: driver.execute_script(STEP) == 100, message="the player at the run's end")
    dash_duo.find_element("#player-play").click()
    # A 100-step run replays in about a second: catch it on the way from the start to the end.
    wait_until(lambda: 0 < driver.execute_script(STEP) < 100, timeout=10, message="the step to advance")
    # The rate box and the slider sync in the browser (a clientside callback), then a new run.
    field = dash_duo.find_element("#lr")
    field.clear()
    field.send_keys("0.05\n")
    wait_until(lambda: "lr=0.05" in driver.execute_script("return location.search;"), timeout=30, message="the new run's link")
    # The lower views: the learning-rate finder, the stability map, the curves again.
    # (The map needs a second setting: with none, a note says so.)
    drawn = {
        "finder": lambda: driver.execute_script(FIGURE.format("finder-graph")) > 0,
        "map": lambda: driver.execute_script(FIGURE.format("map-graph")) > 0 or dash_duo.find_element("#explore-note").text,
        "curves": lambda: driver.execute_script(FIGURE.format("loss-graph")) > 0,
    }
    for view, shown in drawn.items():
        dash_duo.find_element(f"#lower-view input[value='{view}']").click()
        wait_until(shown, timeout=60, message=f"the {view} view")
    # Both downloads: dcc.Download saves a Blob through a link.
    folder = Path(dash_duo.download_path)
    dash_duo.find_element("#csv-button").click()
    wait_until(lambda: downloaded(folder, ".csv"), timeout=30, message="the CSV download")
    dash_duo.find_element("#html-button").click()
    wait_until(lambda: downloaded(folder, ".html"), timeout=60, message="the HTML download")
    time.sleep(0.5)  # a violation is reported asynchronously, after the action that caused it
    assert violations(driver) == []
    assert dash_duo.get_logs() == []
