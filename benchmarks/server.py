"""Server time of the main callback (`recompute`), in-process, as Dash answers one request.

Each call runs the undecorated callback with the trigger Dash would report, then serializes
its outputs with Dash's own encoder (plotly.io.json via dash._utils.to_json). The memo of the
main callback is cleared before every timed call: these are cold answers (what the first
student to ask pays); a repeated request is a cache hit and costs a fraction of a millisecond.

- default view (bowl, SGD, 100 steps), a control change (learning rate): p95 < 50 ms over 50
- heavy view (linreg, batch 1, 4 runs x 2,000 steps), a control change: p95 < 250 ms over 50
- the same two as full figures (the first load of a page), for reference
- the heaviest request within the limits (tests/serving.py `worst_requests`: 4 runs x 10,000
  steps with ReduceLROnPlateau) and its CSV download: CPU seconds < 1 (issue: Hardening)

The request bodies come from the app's own /_dash-dependencies and /_dash-layout (through the
Flask test client), so the arguments are exactly what the browser would send.
"""

from __future__ import annotations

import contextvars
import json
import statistics
import time

from dash._callback_context import context_value
from dash._utils import AttributeDict, to_json

from benchmarks.report import Row, median_time, seconds_text

CALLS = 50
DEFAULT_TARGET = 0.050
HEAVY_TARGET = 0.250
MAIN_OUTPUT = "contour.figure"
HEAVY_STEPS = 2_000
WORST_CPU_TARGET = 1.0
WORST_REPEATS = 3


def app_and_shape():
    """The app, a Flask test client and the page's shape (callbacks and component props)."""
    from app import create_app
    from tests.serving import AppShape

    app = create_app()
    client = app.server.test_client()
    shape = AppShape(client.get("/_dash-dependencies").get_json())
    shape._collect(client.get("/_dash-layout").get_json())
    return app, client, shape


def heavy_values() -> dict:
    """Controls of the heavy view: linreg, standardized, batch 1, 2,000 steps, 3 pinned runs."""
    from app.runs import config_to_dict
    from engine.config import RunConfig

    pinned = [
        config_to_dict(
            RunConfig(
                surface="linreg", normalization="standard", optimizer=optimizer, lr=lr,
                batch_size=1, steps=HEAVY_STEPS, seed=seed,
            )
        )
        for optimizer, lr, seed in (("sgd", 0.01, 1), ("momentum", 0.005, 2), ("adam", 0.02, 3))
    ]  # fmt: skip
    return {
        "surface": "linreg",
        "normalization": "standard",
        "batch-size": 1,
        "steps": HEAVY_STEPS,
        "lr": 0.01,
        "pinned": pinned,
    }


def main_dependency(shape) -> dict:
    return shape.callback(MAIN_OUTPUT)


def post(client, body: dict):
    """POST a callback request; returns (status, response bytes, JSON, headers)."""
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    raw = response.get_data()
    return response.status_code, raw, (json.loads(raw) if response.status_code == 200 else None), response.headers


def drawn_config(answer: dict):
    """The config a full answer drew (current-config.data), as the browser then holds it."""
    return answer["response"]["current-config"]["data"]


def change_body(shape, values: dict, last_config, lr: float) -> dict:
    """A learning-rate change on a page showing `values` (the browser holds last_config)."""
    dependency = main_dependency(shape)
    return shape.body(dependency, {**values, "lr": lr, "current-config": last_config}, changed=["lr.value"])


def load_body(shape, values: dict) -> dict:
    """The first call of a page (no trigger: whole figures)."""
    return shape.body(main_dependency(shape), values, changed=[])


def recompute_function(app):
    """The undecorated main callback, called with the request's inputs and states in order
    (Dash passes them by name: its dependencies are a dict)."""
    for entry in app.callback_map.values():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None and function.__name__ == "recompute":
            names = entry["inputs_state_indices"]  # a name's index, or a list of them (a list of States)

            def pick(values, index):
                return [values[i] for i in index] if isinstance(index, list) else values[index]

            return lambda *values: function(**{name: pick(values, index) for name, index in names.items()})
    raise LookupError("no recompute callback")


def arguments(body: dict) -> list:
    """The callback's arguments from a request body: inputs then states, wildcards as lists."""
    out = []
    for entry in [*body["inputs"], *body["state"]]:
        out.append([e["value"] for e in entry] if isinstance(entry, list) else entry["value"])
    return out


def answer_once(function, body: dict) -> str:
    """Call the callback as Dash would for this body and serialize its outputs."""
    triggered = [{"prop_id": p, "value": None} for p in body["changedPropIds"]]

    def run():
        context_value.set(AttributeDict(triggered_inputs=triggered))
        return to_json(list(function(*arguments(body))))

    return contextvars.copy_context().run(run)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_calls(function, bodies: list[dict], cold: bool = True, runs_kept: bool = False) -> list[float]:
    """Seconds of each call. cold: the answers' memo emptied first; runs_kept: not the runs'
    (app.runs.simulated), so the pinned runs a change leaves alone are read, not run again."""
    from app.answers import main_outputs
    from app.runs import forget_recent_runs

    answer_once(function, bodies[0])  # warm-up: imports, surface grids
    times = []
    for body in bodies:
        if cold:
            main_outputs.cache_clear()
            if not runs_kept:
                forget_recent_runs()
        start = time.perf_counter()
        answer_once(function, body)
        times.append(time.perf_counter() - start)
    return times


def run(args) -> list[Row]:
    app, client, shape = app_and_shape()
    function = recompute_function(app)
    rows = []
    for name, values, target in (("default view", {}, DEFAULT_TARGET), ("heavy view", heavy_values(), HEAVY_TARGET)):
        status, _, answer, _ = post(client, load_body(shape, values))
        assert status == 200, status
        last = drawn_config(answer)
        # 50 different learning rates: every call computes afresh.
        changes = [change_body(shape, values, last, 0.01 * (1 + i / 100)) for i in range(CALLS)]
        times = time_calls(function, changes)
        rows.append(
            Row(
                f"server: {name}, control change, p95 of {CALLS} (cold)",
                p95(times),
                target,
                note=f"median {seconds_text(statistics.median(times))}, max {seconds_text(max(times))}",
            )
        )
        if values:  # pins on screen: what a lecturer's change of the current run costs
            times = time_calls(function, changes, runs_kept=True)
            rows.append(
                Row(f"server: {name}, control change, pinned runs kept, p95 of {CALLS}", p95(times), note=f"median {seconds_text(statistics.median(times))}")
            )
        loads = [load_body(shape, {**values, "lr": 0.01 * (1 + i / 100)}) for i in range(CALLS // 5)]
        times = time_calls(function, loads)
        rows.append(Row(f"server: {name}, page load (whole figures), p95 of {len(loads)}", p95(times)))
        hit = time_calls(function, [changes[0]] * 10, cold=False)
        rows.append(Row(f"server: {name}, repeated request (cache hit), median", statistics.median(hit)))
    rows.extend(worst_rows(shape, function))
    return rows


def worst_rows(shape, function) -> list[Row]:
    """CPU seconds of the heaviest requests (cold), and of their CSV download."""
    from app.runs import config_to_dict
    from engine.config import RunConfig
    from tests.serving import worst_requests

    rows = []
    for name, (controls, pins) in worst_requests().items():
        values = {
            "surface": controls["surface"], "optimizer": "adam", "lr": controls["lr"],
            "scheduler": "plateau", "steps": controls["steps"], "pinned": pins, ("adam", "amsgrad"): "true",
        }  # fmt: skip
        if "batch_size" in controls:
            values["batch-size"] = controls["batch_size"]
        settings = {k: v for k, v in controls.items() if k != "opt_typed"}
        current = config_to_dict(RunConfig(optimizer_params={"amsgrad": True}, **settings))
        calls = _worst_calls(function, load_body(shape, values), current, pins)
        for figure, call in calls:
            # CPU time, the median: the host's speed swings from minute to minute
            seconds = median_time(call, WORST_REPEATS, warmups=0, clock=time.process_time)
            figure = f"server: {figure.format(name)}, CPU, median of {WORST_REPEATS}"
            rows.append(Row(figure, seconds, WORST_CPU_TARGET))
    return rows


def _worst_calls(function, body: dict, current: dict, pins: list[dict]) -> list[tuple]:
    """(figure, call) of the worst view, cold, and of its CSV: right after the view (as a
    student asks for it, app.runs keeping the view's runs) and cold (another worker, or the
    runs forgotten: simulated again)."""
    from app.answers import main_outputs
    from app.downloads import trajectories_csv
    from app.runs import forget_recent_runs

    def view() -> None:
        main_outputs.cache_clear()
        forget_recent_runs()
        answer_once(function, body)

    def csv_cold() -> None:
        forget_recent_runs()
        trajectories_csv(current, pins)

    return [
        ("worst request ({})", view),
        ("its CSV download ({}), after the view", lambda: trajectories_csv(current, pins)),
        ("its CSV download ({}), cold", csv_cold),
    ]
