"""The first picture comes with the page: the layout holds the first answer of every callback
Dash would call as the page loads (the main one, the panels, the lower view, the rate preview),
for the page's URL, so nothing waits for a callback round trip (issue 16, app.factory)."""

import json
import threading

import pytest
from browser_helpers import wait_until
from serving import AppShape

from app import create_app
from app.answers import main_outputs
from app.callbacks import IN_LAYOUT
from app.controls import optimizer_label
from app.lessons import LESSONS
from app.links import encode
from app.viewstate import ViewState
from engine import OPTIMIZER_PARAMS, SCHEDULER_PARAMS, RunConfig


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
def app():
    main_outputs.cache_clear()
    return create_app()


@pytest.fixture
def client(app):
    return app.server.test_client()


def layout_for(client, query: str):
    return client.get("/_dash-layout", headers={"Referer": f"http://localhost/?{query}"}).get_json()


def test_the_layout_holds_the_lessons_figures_and_outcomes(client):
    layout = layout_for(client, "preset=overshooting")
    contour = props(layout, "contour")["figure"]
    assert len(contour["data"][1]["x"]) > 1  # the path, and under it the map's layer
    assert props(layout, "contour-layer")["figure"]["data"][0]["type"] == "contour"
    for curve in ("loss-graph", "lr-graph", "third-graph"):
        assert props(layout, curve)["figure"]["data"]
    # The 3D view's and the rate preview's figures wait in their Stores for the map to be drawn first.
    assert props(layout, "surface3d-later")["data"]["data"][0]["type"] == "surface"
    assert props(layout, "lr-preview-later")["data"]["data"]
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


# The callbacks only a student's action fires (a click, a choice, an upload, a new run for
# the address or the downloads), by their first output. Every other callback would fire as
# the page loads, so its first answer must be in the layout (callbacks.answered_in_layout).
WAIT_FOR_THE_USER = {
    "contour.figure",  # the main callback: app.factory.first_answer
    "url.search",
    "lr.value",
    "navigate.data",
    "upload-data.data",
    "start-x.value",
    "pinned.data",
    "html-download.data",
    "csv-download.data",
}

# Pages whose first answers differ: a lesson, each lower view, Korean, embed mode, a
# lecturer's formula, a run with an optimizer and a schedule of its own, the network.
PAGES = (
    "",
    "preset=overshooting",
    "view=code",
    "view=finder",
    "view=map",
    "lang=ko&view=code",
    "embed=1",
    "surface=custom&formula=x**2%2B2*y**2&view=code",
    "surface=linreg&normalization=standard&optimizer=adam&lr=0.05&scheduler=step&batch_size=16",
    "surface=network&dataset=circles",
)


def first_output(dependency: dict) -> str:
    output = dependency["output"].strip(".").split("...")[0]
    return output.split("@")[0]


def answered_in_layout(app) -> set[str]:
    return {key for key, spec in app.callback_map.items() if getattr(getattr(spec.get("callback"), "__wrapped__", None), IN_LAYOUT, False)}


def test_no_callback_is_called_as_the_page_loads(app, client):
    dependencies = [d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]
    assert [d["output"] for d in dependencies if not d["prevent_initial_call"]] == []
    answered = answered_in_layout(app)
    waiting = {first_output(d) for d in dependencies if d["output"] not in answered}
    assert waiting == WAIT_FOR_THE_USER
    assert len(answered) == 8


def id_key(component_id) -> str:
    return component_id if isinstance(component_id, str) else json.dumps(component_id, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize("query", PAGES)
def test_the_layout_holds_what_each_callback_answers_for_the_page_as_loaded(app, client, query):
    """Each answered callback, asked through Dash as the renderer would ask it on load (the
    layout's values, nothing changed), answers what the layout already shows."""
    dependencies = client.get("/_dash-dependencies").get_json()
    shape = AppShape(dependencies)
    shape._collect(layout_for(client, query))
    shown = {id_key(component_id): component_props for component_id, component_props in shape.components}
    later = {"surface3d": "surface3d-later", "lr-preview": "lr-preview-later"}  # drawn after the map
    answered = answered_in_layout(app)
    compared = 0
    for dependency in (d for d in dependencies if d["output"] in answered):
        response = client.post(
            "/_dash-update-component", data=json.dumps(shape.body(dependency, changed=[])), content_type="application/json"
        )
        assert response.status_code in (200, 204), (dependency["output"], response.status_code)
        if response.status_code == 204:
            continue
        for component_id, answer in response.get_json()["response"].items():
            key = id_key(json.loads(component_id) if component_id.startswith("{") else component_id)
            for prop, value in answer.items():
                if prop == "figure" and key in later:
                    assert shown[later[key]]["data"] == value, (query, key)
                else:
                    assert shown[key].get(prop) == value, (query, key, prop)
                compared += 1
    assert compared >= 20


SHOWN = "var e = document.getElementById(arguments[0]); return !!e && !e.hidden && e.offsetHeight > 0;"
TRACES = "var gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot'); return gd && gd.data ? gd.data.length : 0;"


@pytest.mark.browser
def test_the_first_view_is_complete_while_every_callback_is_held(dash_duo):
    """With every callback request held, each page draws its whole first view from its layout
    (map, path, curves, badges, panels, the lower view its link names) and sends no callback
    request at all; the renderer takes the layout the page preloaded (one request for it)."""
    app = create_app()
    release = threading.Event()
    asked = {"callbacks": 0, "layouts": 0}

    @app.server.before_request
    def hold_callbacks():
        from flask import request

        if request.path.endswith("_dash-update-component"):
            asked["callbacks"] += 1
            release.wait(20)
        elif request.path.endswith("_dash-layout"):
            asked["layouts"] += 1

    dash_duo.start_server(app)
    driver = dash_duo.driver
    try:
        drawn = (
            "var gd = document.querySelector('#contour .js-plotly-plot');"
            "return !!(gd && document.querySelector('#contour-layer .contourlayer path') && gd.querySelectorAll('.scatterlayer .js-line').length);"
        )
        wait_until(lambda: driver.execute_script(drawn), timeout=15, message="the map with its path")
        assert "converged" in dash_duo.find_element("#badges").text
        for curve in ("loss-graph", "lr-graph", "third-graph"):
            wait_until(lambda curve=curve: driver.execute_script(TRACES, curve) > 0, message=curve)
        assert driver.execute_script(SHOWN, "curves") and not driver.execute_script(SHOWN, "explore")
        # The 3D view and the rate preview follow the map, still with no answer from the server.
        wait_until(lambda: driver.execute_script("return !!document.querySelector('#surface3d canvas');"), message="3D")
        wait_until(lambda: driver.execute_script(TRACES, "lr-preview") > 0, message="the rate preview")
        assert asked == {"callbacks": 0, "layouts": 1}

        # A link with its own settings and the Code view opens on those, in Korean.
        query = encode(ViewState(current=RunConfig(optimizer="adam", lr=0.05, scheduler="step"), lang="ko", lower_view="code"))
        driver.get(f"{dash_duo.server_url}/?{query}")
        wait_until(lambda: driver.execute_script(SHOWN, "code-view"), message="the Code view")
        code = dash_duo.find_element("#code-view").text
        assert "torch.optim.Adam" in code and "lr=0.05" in code and "StepLR" in code
        assert not driver.execute_script(SHOWN, "curves")
        assert dash_duo.find_element("#lr").get_attribute("value") == "0.05"
        shown_blocks = driver.execute_script(
            "return Array.from(document.querySelectorAll('.param-block')).filter(function (b) { return b.offsetHeight > 0; }).length;"
        )
        assert shown_blocks == 2  # Adam's parameters and StepLR's, no other block
        assert asked == {"callbacks": 0, "layouts": 2}
    finally:
        release.set()
    assert dash_duo.get_logs() == []


def param_controls(layout) -> list[tuple[dict, object]]:
    """(id, value) of every optimizer or scheduler parameter control in a /_dash-layout answer."""
    found, pending = [], [layout]
    while pending:
        node = pending.pop(0)
        if isinstance(node, list):
            pending[:0] = node
        elif isinstance(node, dict):
            inner = node.get("props") if isinstance(node.get("props"), dict) else node
            key = inner.get("id")
            if isinstance(key, dict) and key.get("type") in ("opt-param", "sched-param"):
                found.append((key, inner.get("value")))
            pending[:0] = list(inner.values())
    return found


@pytest.mark.parametrize(
    ("query", "optimizer", "scheduler", "typed"),
    [
        ("", "sgd", "constant", {}),
        ("optimizer=momentum&momentum=0.5&scheduler=step&gamma=0.5", "momentum", "step", {"momentum": 0.5, "gamma": 0.5}),
        ("lang=ko&optimizer=adam&betas=0.8,0.9&scheduler=cyclic", "adam", "cyclic", {"betas": "0.8,0.9"}),
        ("preset=scheduler-escape", "sgd", "cosine_restarts", {"T_0": 100, "eta_min": 0.1}),  # a lesson's own settings
    ],
)
def test_the_page_holds_only_the_chosen_optimizers_and_schedulers_parameters(client, query, optimizer, scheduler, typed):
    """The first render builds no hidden parameter block: the controls are the chosen
    optimizer's and scheduler's, in the engine's order, holding what the link set."""
    controls = param_controls(layout_for(client, query))
    expected = [("opt-param", optimizer, s.name) for s in OPTIMIZER_PARAMS[optimizer]]
    expected += [("sched-param", scheduler, s.name) for s in SCHEDULER_PARAMS[scheduler]]
    assert [(k["type"], k["owner"], k["name"]) for k, _ in controls] == expected
    specs = {(k, s.name): s for k, table in (("opt-param", OPTIMIZER_PARAMS[optimizer]), ("sched-param", SCHEDULER_PARAMS[scheduler])) for s in table}
    for key, value in controls:
        assert value == typed.get(key["name"], shown_default(specs[key["type"], key["name"]])), (key, value)


def shown_default(spec):
    """What a control untouched by the link holds: an input blank, a menu at the default."""
    if spec.kind == "choice":
        return spec.default
    return str(bool(spec.default)).lower() if spec.kind == "bool" else None


CONTOUR = "var gd = document.querySelector('#contour .js-plotly-plot'); return gd && JSON.stringify(gd.data.slice(1).map(function (t) { return Array.from(t.x); }));"
PARAM = "var e = document.getElementById(JSON.stringify({name: arguments[1], owner: arguments[0], type: 'opt-param'})); return e && [e.value, e.placeholder];"


@pytest.mark.browser
def test_a_new_optimizer_shows_its_parameters_and_a_typed_one_reaches_the_run(dash_duo):
    """Choosing Momentum shows its controls at their defaults (blank, the default as the
    placeholder) and runs it; a value typed there redraws the path and goes into the address,
    a value beyond its range says why; choosing Adam drops Momentum's controls and its value."""
    dash_duo.start_server(create_app())
    driver = dash_duo.driver
    wait_until(lambda: driver.execute_script(CONTOUR), timeout=20, message="the first path")
    sgd_path = driver.execute_script(CONTOUR)
    assert driver.execute_script(PARAM, "sgd", "weight_decay") == ["", "default 0"]

    dash_duo.select_dcc_dropdown("#optimizer", value=optimizer_label("momentum", "en"))
    wait_until(lambda: driver.execute_script(PARAM, "momentum", "momentum") == ["", "default 0.9"], message="Momentum's controls")
    assert driver.execute_script(PARAM, "sgd", "weight_decay") is None
    wait_until(lambda: driver.execute_script(CONTOUR) != sgd_path, message="the momentum run drawn")
    momentum_path = driver.execute_script(CONTOUR)

    field = driver.execute_script("return document.getElementById(arguments[0]);", json.dumps({"name": "momentum", "owner": "momentum", "type": "opt-param"}, separators=(",", ":")))
    field.send_keys("0.5\n")
    wait_until(lambda: driver.execute_script(CONTOUR) not in (momentum_path, sgd_path), message="the typed momentum's run")
    wait_until(lambda: "momentum=0.5" in driver.current_url, message="the address with momentum=0.5")
    field.clear()
    field.send_keys("5\n")
    dash_duo.wait_for_contains_text("#params-error", "momentum", timeout=10)

    dash_duo.select_dcc_dropdown("#optimizer", value=optimizer_label("adam", "en"))
    wait_until(lambda: driver.execute_script(PARAM, "adam", "betas") == ["", "default 0.9, 0.999"], message="Adam's controls")
    assert driver.execute_script(PARAM, "momentum", "momentum") is None
    wait_until(lambda: "optimizer=adam" in driver.current_url and "momentum" not in driver.current_url, message="Adam's address")
    wait_until(lambda: dash_duo.find_element("#params-error").text == "", message="the error cleared")
    assert dash_duo.get_logs() == []
