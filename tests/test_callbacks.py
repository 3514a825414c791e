"""The dashboard's callbacks, called directly as plain functions (no browser, no server).

compute_views is the main callback's logic; the small callbacks that `register` wires up are
found on a real app through its callback_map and called with a faked callback context.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import math
from dataclasses import fields

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app import figures
from app.factory import create_app
from app.i18n import t
from app.layout import page
from app.request import PageRequest
from app.runs import config_from_controls, config_from_dict, config_to_dict, error_field, run_labels
from app.viewmodel import ERROR_SLOTS, compute_views, lr_preview
from app.viewstate import MAX_PINNED, ViewState
from engine import (
    OPTIMIZER_NAMES,
    OPTIMIZER_PARAMS,
    SCHEDULER_NAMES,
    SCHEDULER_PARAMS,
    SURFACES,
    DataFit,
    RunConfig,
    limits,
)
from engine.params import SettingError
from tests.wire_helpers import decode_typed_array

MAX_RUNS = figures.MAX_RUNS
SURFACE_NAMES = tuple(SURFACES)
DATA_SURFACES = tuple(name for name, problem in SURFACES.items() if isinstance(problem, DataFit))
NORMALIZATIONS = ("none", "standard", "minmax")
BATCH_SIZES = (1, 8, "full")
STEPS = 30


# ---------------------------------------------------------------------------------------------
# Control values as Dash passes them
# ---------------------------------------------------------------------------------------------


def _initial_value(spec):
    """What the layout puts in a parameter control: dropdowns hold their default, inputs blank."""
    if spec.kind == "choice":
        return spec.default
    if spec.kind == "bool":
        return str(bool(spec.default)).lower()
    return None


def _ids_and_values(kind: str, table: dict, names: tuple[str, ...]):
    ids, values = [], []
    for owner in names:
        for spec in table[owner]:
            ids.append({"type": kind, "owner": owner, "name": spec.name})
            values.append(_initial_value(spec))
    return ids, values


OPT_IDS, OPT_VALUES = _ids_and_values("opt-param", OPTIMIZER_PARAMS, OPTIMIZER_NAMES)
SCHED_IDS, SCHED_VALUES = _ids_and_values("sched-param", SCHEDULER_PARAMS, SCHEDULER_NAMES)

DEFAULT_CONTROLS = {
    "surface": "bowl",
    "optimizer": "sgd",
    "lr": 0.1,
    "scheduler": "constant",
    "batch_size": "full",
    "normalization": "none",
    "steps": 100,
    "seed": 0,
    "start_x": None,
    "start_y": None,
}


def _with_values(ids, values, typed: dict) -> list:
    """values with some controls typed into: typed maps (owner, name) to the value."""
    out = list(values)
    for index, control_id in enumerate(ids):
        key = (control_id["owner"], control_id["name"])
        if key in typed:
            out[index] = typed[key]
    return out


def views(pinned=None, opt_typed=None, sched_typed=None, **controls):
    """compute_views with the page's default controls, some of them changed."""
    values = {**DEFAULT_CONTROLS, **controls}
    return compute_views(
        values["surface"],
        values["optimizer"],
        values["lr"],
        values["scheduler"],
        values["batch_size"],
        values["normalization"],
        values["steps"],
        values["seed"],
        values["start_x"],
        values["start_y"],
        _with_values(OPT_IDS, OPT_VALUES, opt_typed or {}),
        OPT_IDS,
        _with_values(SCHED_IDS, SCHED_VALUES, sched_typed or {}),
        SCHED_IDS,
        pinned or [],
    )


def _layout_params(kind: str, **config) -> tuple[list, list]:
    ids, values = [], []
    for component in page(ViewState(current=RunConfig(**config)))._traverse():
        control_id = getattr(component, "id", None)
        if isinstance(control_id, dict) and control_id.get("type") == kind:
            ids.append(control_id)
            values.append(getattr(component, "value", None))
    return ids, values


def test_the_fake_controls_are_the_page_controls():
    """The ids and initial values used below are, owner by owner, the ones the page holds
    while that optimizer or scheduler is chosen (it holds the chosen one's only)."""
    for name in OPTIMIZER_NAMES:
        assert _layout_params("opt-param", optimizer=name) == _ids_and_values("opt-param", OPTIMIZER_PARAMS, (name,))
    for name in SCHEDULER_NAMES:
        assert _layout_params("sched-param", scheduler=name) == _ids_and_values("sched-param", SCHEDULER_PARAMS, (name,))


# ---------------------------------------------------------------------------------------------
# Figure checks
# ---------------------------------------------------------------------------------------------

FIGURE_KEYS = ("contour", "surface3d", "loss", "lr", "third")


def _is_empty(trace: dict) -> bool:
    return len(trace.get("x", [])) == 0


def _expected_slots(kind: str) -> list[list[int]]:
    """For each run slot, the trace indices that belong to it (figures module docstring)."""
    if kind in ("contour", "surface3d"):
        return [[1 + 3 * s, 2 + 3 * s, 3 + 3 * s] for s in range(MAX_RUNS)]
    if kind == "curves":
        return [[s, MAX_RUNS + s] for s in range(MAX_RUNS)]
    return [[1 + s] for s in range(MAX_RUNS)]  # data fit


def check_figures(result: dict, runs: int, *, validate: bool = False) -> None:
    """Every figure is finite JSON with the documented slot layout and `runs` filled slots."""
    assert result["ok"], result["notice"]
    problem = SURFACES[result["config"]["surface"]]
    third_kind = "data" if isinstance(problem, DataFit) else "curves"
    if third_kind == "curves" and result["third"]["layout"].get("meta", {}).get("kind") == "rate":
        third_kind = "rate"  # a learning-rate ladder: final loss against rate
    expected_counts = {
        "contour": 1 + 3 * MAX_RUNS + 2 + 3,
        "surface3d": 1 + 3 * MAX_RUNS,
        "loss": 2 * MAX_RUNS,
        "lr": 2 * MAX_RUNS,
        "third": {"data": 1 + MAX_RUNS, "curves": 2 * MAX_RUNS, "rate": 2 * MAX_RUNS + 2}[third_kind],
    }
    slot_kinds = {"contour": "contour", "surface3d": "surface3d", "loss": "curves", "lr": "curves"}
    slot_kinds["third"] = "curves" if third_kind == "rate" else third_kind
    for key in FIGURE_KEYS:
        fig = result[key]
        json.dumps(fig, allow_nan=False)  # raises on NaN or inf anywhere
        data = fig["data"]
        assert len(data) == expected_counts[key], key
        for slot, indices in enumerate(_expected_slots(slot_kinds[key])):
            filled = [not _is_empty(data[i]) for i in indices]
            assert filled == [slot < runs] * len(indices), (key, slot, filled)
        if validate:
            go.Figure(fig)  # raises ValueError on any property plotly does not know
            pio.to_json(fig, validate=True)
    assert result["contour"]["data"][0]["type"] == "contour"
    assert result["surface3d"]["data"][0]["type"] == "surface"
    # Arrows: gradient, update, and the batch gradient, whose rows only mini-batch runs carry
    assert [result["contour"]["data"][i]["type"] for i in figures.ARROW_TRACES] == ["scatter"] * 3
    row = decode_typed_array(figures.compact(result["contour"])["data"][1]["customdata"])[0]
    assert len(row) == (7 if result["trajectories"][0].steps_per_epoch > 1 else 5)
    assert len(result["trajectories"]) == runs
    assert len(result["badges"]) == runs
    assert set(result["errors"].values()) == {""}
    assert result["notice"] == ""


def _pins(surface: str, count: int, **settings) -> list[dict]:
    rates = (0.01, 0.3, 0.003)[:count]
    return [config_to_dict(RunConfig(surface=surface, lr=lr, **settings)) for lr in rates]


# ---------------------------------------------------------------------------------------------
# Every control combination class
# ---------------------------------------------------------------------------------------------

COMBINATIONS = list(itertools.product(SURFACE_NAMES, OPTIMIZER_NAMES, SCHEDULER_NAMES))


@pytest.mark.parametrize(("surface", "optimizer", "scheduler"), COMBINATIONS)
def test_every_surface_optimizer_and_scheduler_gives_clean_figures(surface, optimizer, scheduler):
    index = COMBINATIONS.index((surface, optimizer, scheduler))
    i_surface = SURFACE_NAMES.index(surface)
    i_optimizer = OPTIMIZER_NAMES.index(optimizer)
    i_scheduler = SCHEDULER_NAMES.index(scheduler)
    data_settings = {}
    if surface in DATA_SURFACES:
        data_settings = {
            "normalization": NORMALIZATIONS[index % 3],
            "batch_size": BATCH_SIZES[(index // 3) % 3],
        }
    pinned_count = index % MAX_RUNS
    pin_settings = {
        "optimizer": optimizer,
        "scheduler": scheduler,
        "steps": STEPS,
        "normalization": data_settings.get("normalization", "none"),
    }
    result = views(
        surface=surface,
        optimizer=optimizer,
        scheduler=scheduler,
        lr=0.05,
        steps=STEPS,
        pinned=_pins(surface, pinned_count, **pin_settings),
        **data_settings,
    )
    # Plotly's own validation is slow: run it on a subset that still meets every surface,
    # every optimizer and every scheduler.
    validate = i_scheduler == (i_surface + i_optimizer) % len(SCHEDULER_NAMES)
    check_figures(result, runs=pinned_count + 1, validate=validate)
    trajectory = result["trajectories"][0]
    assert trajectory.config.optimizer == optimizer
    assert trajectory.config.scheduler == scheduler


def test_the_validated_subset_meets_every_surface_optimizer_and_scheduler():
    chosen = [
        (s, o, c)
        for s, o, c in COMBINATIONS
        if SCHEDULER_NAMES.index(c) == (SURFACE_NAMES.index(s) + OPTIMIZER_NAMES.index(o)) % 8
    ]
    assert {s for s, _, _ in chosen} == set(SURFACE_NAMES)
    assert {o for _, o, _ in chosen} == set(OPTIMIZER_NAMES)
    assert {c for _, _, c in chosen} == set(SCHEDULER_NAMES)


@pytest.mark.parametrize("surface", DATA_SURFACES)
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_data_fit_every_normalization_and_batch_size(surface, normalization, batch_size, optimizer):
    result = views(
        surface=surface,
        optimizer=optimizer,
        lr=0.05,
        steps=STEPS,
        normalization=normalization,
        batch_size=batch_size,
        scheduler="cosine",
    )
    check_figures(result, runs=1, validate=True)
    config = result["config"]
    assert config["normalization"] == normalization
    n = SURFACES[surface].n
    assert config["batch_size"] == (None if batch_size == "full" else batch_size)
    trajectory = result["trajectories"][0]
    expected_per_epoch = 1 if batch_size == "full" else math.ceil(n / batch_size)
    assert trajectory.steps_per_epoch == expected_per_epoch
    facts = result["badges"][0].children[-1].children
    assert ("steps/epoch" in facts) == (expected_per_epoch > 1)
    # The third view is the data with one fitted line; its scaling matches the normalization.
    line = result["third"]["data"][1]
    shift, scale = SURFACES[surface].scaling(normalization)
    assert line["meta"] == {"shift": shift, "scale": scale}


@pytest.mark.parametrize("surface", [s for s in SURFACE_NAMES if s not in DATA_SURFACES])
def test_data_only_controls_are_ignored_on_analytic_surfaces(surface):
    """Whatever the (disabled) batch and scaling controls still hold, an analytic surface
    runs on the full batch, unscaled."""
    result = views(surface=surface, steps=STEPS, batch_size=8, normalization="standard")
    check_figures(result, runs=1)
    assert result["config"]["batch_size"] is None
    assert result["config"]["normalization"] == "none"


def test_typed_optimizer_and_scheduler_parameters_reach_the_run():
    result = views(
        optimizer="adam",
        scheduler="onecycle",
        steps=STEPS,
        opt_typed={("adam", "betas"): "0.8, 0.99", ("adam", "amsgrad"): "true"},
        sched_typed={("onecycle", "pct_start"): 0.5, ("onecycle", "three_phase"): "true"},
    )
    check_figures(result, runs=1)
    config = result["trajectories"][0].config
    assert config.optimizer_params["amsgrad"] is True
    assert config.scheduler_params["pct_start"] == 0.5
    assert config.scheduler_params["three_phase"] is True
    # A parameter typed for an optimizer that is not selected is not passed on.
    other = views(steps=STEPS, opt_typed={("momentum", "momentum"): 0.5})
    assert dict(other["trajectories"][0].config.optimizer_params) == {}


# ---------------------------------------------------------------------------------------------
# A diverging run
# ---------------------------------------------------------------------------------------------


def test_diverging_run_is_cut_on_the_map_whole_in_the_curves_and_kept_finite():
    # The bowl's largest curvature is 3, so plain gradient descent diverges for lr > 2/3.
    result = views(surface="bowl", lr=0.7, steps=100)
    check_figures(result, runs=1, validate=True)
    trajectory = result["trajectories"][0]
    assert trajectory.outcome == "diverged"
    k = trajectory.diverged_at
    assert isinstance(k, int) and 0 < k <= 100

    badge = result["badges"][0]
    assert badge.children[1].children == f"diverged at step {k}"

    surface = SURFACES["bowl"].surface("none")
    (x0, x1), (y0, y1) = surface.window
    layout = result["contour"]["layout"]
    assert layout["xaxis"]["range"] == [x0, x1]
    assert layout["yaxis"]["range"] == [y0, y1]

    # The map's path is cut one point after it leaves the map's window ...
    (gx0, gx1), (gy0, gy1) = figures.map_window(surface)
    params = trajectory.params
    outside = ~((params[:, 0] >= gx0) & (params[:, 0] <= gx1) & (params[:, 1] >= gy0) & (params[:, 1] <= gy1))
    first_out = int(np.argmax(outside))
    assert outside.any() and first_out > 0
    whole = result["contour"]["data"][1]
    assert whole["customdata"][-1][0] == first_out
    assert (whole["x"][-1], whole["y"][-1]) == tuple(params[first_out])
    # ... while the curves go on to the last step kept before it diverged (issue 12.2).
    loss_steps = result["loss"]["data"][0]["customdata"]
    assert loss_steps[-1] == k - 1 and len(loss_steps) == k

    # ... and one exit mark sits on the window's edge, between the last point in and the first out.
    exits = result["contour"]["data"][figures.EXITS_TRACE]
    assert exits["name"] == "exits"
    assert len(exits["x"]) == len(exits["y"]) == 1
    ex, ey = exits["x"][0], exits["y"][0]
    assert x0 - 1e-9 <= ex <= x1 + 1e-9 and y0 - 1e-9 <= ey <= y1 + 1e-9
    on_edge = min(abs(ex - x0), abs(ex - x1), abs(ey - y0), abs(ey - y1))
    assert on_edge < 1e-9
    leave = int(np.argmax(~((params[:, 0] >= x0) & (params[:, 0] <= x1) & (params[:, 1] >= y0) & (params[:, 1] <= y1))))
    inside_point, outside_point = params[leave - 1], params[leave]
    (dx, dy), (mx, my) = outside_point - inside_point, np.array([ex, ey]) - inside_point
    assert abs(dx * my - dy * mx) < 1e-9 * (dx * dx + dy * dy)  # on the segment's line
    assert 0 <= (mx * dx + my * dy) / (dx * dx + dy * dy) <= 1  # between its ends

    # The loss curve shows only finite, positive values (log axis) and its 3-D twin stays in the box.
    loss = result["loss"]["data"][0]
    assert np.all(np.isfinite(loss["y"])) and min(loss["y"]) > 0
    z_cap = result["surface3d"]["layout"]["scene"]["zaxis"]["range"][1]
    assert max(result["surface3d"]["data"][1]["z"]) <= z_cap


def test_a_converging_run_has_no_exit_mark():
    result = views(surface="bowl", lr=0.1, steps=100)
    check_figures(result, runs=1)
    assert result["trajectories"][0].outcome == "converged"
    assert result["contour"]["data"][figures.EXITS_TRACE]["x"] == []
    assert result["badges"][0].children[1].children == "converged"


# ---------------------------------------------------------------------------------------------
# Pinned runs
# ---------------------------------------------------------------------------------------------


def _legend_names(contour: dict) -> list[str]:
    return [contour["data"][2 + 3 * s].get("name") for s in range(MAX_RUNS)]


def test_pinned_runs_are_drawn_with_labels_naming_what_differs():
    pinned = [config_to_dict(RunConfig(surface="bowl", lr=lr)) for lr in (0.03, 0.3)]
    result = views(surface="bowl", lr=0.1, pinned=pinned)
    check_figures(result, runs=3, validate=True)
    names = _legend_names(result["contour"])[:3]
    # The current run comes first; pinned runs follow in the order they were pinned.
    assert names == ["lr 0.1", "lr 0.03", "lr 0.3"]
    assert [t.config.lr for t in result["trajectories"]] == [0.1, 0.03, 0.3]
    for trace_index, name in zip((2, 5, 8), names, strict=True):
        assert result["contour"]["data"][trace_index]["showlegend"] is True
        assert result["contour"]["data"][trace_index]["name"] == name
    colours = [result["contour"]["data"][2 + 3 * s]["line"]["color"] for s in range(3)]
    assert len(set(colours)) == 3
    assert set(colours) <= set(figures.PALETTE)
    assert colours[0] == figures.PALETTE[0]
    # Every view uses the same colour for the same run.
    for s, colour in enumerate(colours):
        assert result["loss"]["data"][s]["line"]["color"] == colour
        assert result["surface3d"]["data"][2 + 3 * s]["line"]["color"] == colour
    assert [b.children[2].children for b in result["badges"]] == names


def test_pins_for_another_surface_are_ignored():
    pinned = [
        config_to_dict(RunConfig(surface="ravine", lr=0.03)),
        config_to_dict(RunConfig(surface="bowl", lr=0.3)),
    ]
    result = views(surface="bowl", lr=0.1, pinned=pinned)
    check_figures(result, runs=2)
    assert _legend_names(result["contour"])[:2] == ["lr 0.1", "lr 0.3"]

    only_other = views(surface="bowl", pinned=pinned[:1])
    check_figures(only_other, runs=1)



def test_a_pin_scaled_differently_gets_its_own_map_beside_the_current_one():
    """Raw and standardized (w, b) are different axes: each scaling gets its own map, side
    by side (issue 12.5), each to scale; the 3D view shows the current run's scaling."""
    linreg = [config_to_dict(RunConfig(surface="linreg", lr=0.03, normalization="minmax"))]
    scaled = views(surface="linreg", lr=0.1, normalization="standard", pinned=linreg)
    filled = lambda fig, indices: [i for i in indices if len(fig["data"][i]["x"])]  # noqa: E731
    contour = scaled["contour"]
    assert filled(contour, [1 + 3 * s for s in range(MAX_RUNS)]) == [1, 4]
    assert "xaxis" not in contour["data"][1] and contour["data"][4]["xaxis"] == "x2"
    assert contour["layout"]["yaxis2"]["scaleanchor"] == "x2"
    maps = [trace for trace in contour["data"] if trace["type"] == "contour"]
    assert len(maps) == 2 and maps[1]["xaxis"] == "x2"
    minmax = SURFACES["linreg"].surface("minmax")
    assert contour["layout"]["xaxis2"]["range"] == list(minmax.window[0])
    assert filled(scaled["surface3d"], [1 + 3 * s for s in range(MAX_RUNS)]) == [1]
    assert filled(scaled["loss"], range(MAX_RUNS)) == [0, 1]
    assert filled(scaled["third"], [1 + s for s in range(MAX_RUNS)]) == [1, 2]
    assert len(scaled["badges"]) == 2


def test_stale_and_surplus_pins_are_dropped_not_fatal():
    stale = [{"surface": "bowl", "lr": 0.5, "colour": "red"}, {"surface": "bowl", "lr": -3}]
    result = views(pinned=stale, steps=STEPS)
    check_figures(result, runs=1)
    many = [config_to_dict(RunConfig(lr=lr, steps=STEPS)) for lr in (0.01, 0.02, 0.03, 0.04, 0.05)]
    crowded = views(pinned=many, steps=STEPS)
    check_figures(crowded, runs=MAX_RUNS)
    assert MAX_PINNED == MAX_RUNS - 1


# ---------------------------------------------------------------------------------------------
# Invalid inputs
# ---------------------------------------------------------------------------------------------

LR_RANGE = f"[{limits.LR_MIN:g}, {limits.LR_MAX:g}]"
STEPS_RANGE = f"[{limits.STEPS_MIN}, {limits.STEPS_MAX}]"
SEED_RANGE = f"[{limits.SEED_MIN}, {limits.SEED_MAX}]"

INVALID = [
    pytest.param({"lr": 0}, "lr", ["lr", LR_RANGE], id="lr 0"),
    pytest.param({"lr": -1}, "lr", ["lr", LR_RANGE], id="lr -1"),
    pytest.param({"lr": 100}, "lr", ["lr", LR_RANGE], id="lr 100"),
    pytest.param({"lr": None}, "lr", ["lr", "blank", LR_RANGE], id="lr blank"),
    pytest.param({"steps": 0}, "steps", ["steps", STEPS_RANGE], id="steps 0"),
    pytest.param({"steps": 20000}, "steps", ["steps", STEPS_RANGE], id="steps 20000"),
    pytest.param({"steps": 2.5}, "steps", ["steps", "integer", STEPS_RANGE], id="steps 2.5"),
    pytest.param({"steps": None}, "steps", ["steps", "blank", STEPS_RANGE], id="steps blank"),
    pytest.param({"seed": -1}, "seed", ["seed", SEED_RANGE], id="seed -1"),
    pytest.param({"seed": None}, "seed", ["seed", "blank", SEED_RANGE], id="seed blank"),
    pytest.param({"start_x": 1.0}, "start", ["start", "x and y"], id="start only x"),
    pytest.param({"start_y": 1.0}, "start", ["start", "x and y"], id="start only y"),
    pytest.param(
        {"start_x": 100.0, "start_y": 0.0}, "start", ["start", "[-15, 15]"], id="start far off"
    ),
    pytest.param(
        {"optimizer": "momentum", "opt_typed": {("momentum", "momentum"): 1.5}},
        "params",
        ["momentum", "1.5", "[0, 1)"],
        id="momentum 1.5",
    ),
    pytest.param(
        {"optimizer": "adam", "opt_typed": {("adam", "betas"): "0.9"}},
        "params",
        ["betas", "two numbers"],
        id="adam one beta",
    ),
    pytest.param(
        {
            "scheduler": "cyclic",
            "sched_typed": {("cyclic", "base_lr"): 0.1, ("cyclic", "max_lr"): 0.05},
        },
        "params",
        ["cyclic.max_lr", "0.05", "base_lr"],
        id="cyclic max below base",
    ),
    pytest.param(
        {"scheduler": "cyclic", "lr": 0.5, "sched_typed": {("cyclic", "max_lr"): 0.2}},
        "params",
        ["cyclic.max_lr", "0.2", "base_lr (0.5)"],
        id="cyclic max below lr",
    ),
    pytest.param(
        {"scheduler": "step", "sched_typed": {("step", "gamma"): 0}},
        "params",
        ["gamma", "(0, 1]"],
        id="step gamma 0",
    ),
    pytest.param(
        {"surface": "linreg", "batch_size": 0},
        "batch_size",
        ["batch_size", "[1, "],
        id="batch 0",
    ),
]


@pytest.mark.parametrize(("controls", "slot", "words"), INVALID)
def test_invalid_input_is_reported_at_its_control(controls, slot, words):
    result = views(**controls)
    assert result["ok"] is False
    errors = result["errors"]
    assert set(errors) == set(ERROR_SLOTS)
    message = errors[slot]
    for word in words:
        assert word in message, (word, message)
    assert [s for s, text in errors.items() if text] == [slot]
    # The notice at the top says the input is invalid and that the last good views stay.
    assert message in result["notice"]
    assert result["notice"].startswith(t("invalid", "en"))
    assert "contour" not in result


def test_lr_exactly_at_the_limits_is_accepted():
    for lr in (limits.LR_MIN, limits.LR_MAX):
        assert views(lr=lr, steps=5)["ok"]
    assert views(steps=limits.STEPS_MIN)["ok"]
    assert views(steps=2.0)["ok"]  # a number input may send 2.0 for 2


# ---------------------------------------------------------------------------------------------
# Labels, error routing and config round trips
# ---------------------------------------------------------------------------------------------


def _dicts(*configs: RunConfig) -> list[dict]:
    return [config_to_dict(c) for c in configs]


def test_run_labels_name_only_what_differs():
    assert run_labels([]) == []
    assert run_labels(_dicts(RunConfig(lr=0.1))) == ["lr 0.1"]
    assert run_labels(_dicts(RunConfig(lr=0.03), RunConfig(lr=0.3))) == ["lr 0.03", "lr 0.3"]
    assert run_labels(_dicts(RunConfig(optimizer="sgd"), RunConfig(optimizer="adam"))) == [
        "sgd",
        "adam",
    ]
    assert run_labels(
        _dicts(RunConfig(optimizer="adam", lr=0.1), RunConfig(optimizer="sgd", lr=0.01))
    ) == ["adam · lr 0.1", "sgd · lr 0.01"]
    batches = _dicts(RunConfig(surface="linreg", batch_size=8), RunConfig(surface="linreg"))
    assert run_labels(batches) == ["batch 8", "batch full"]
    scaled = _dicts(
        RunConfig(surface="linreg", normalization="standard"), RunConfig(surface="linreg")
    )
    assert run_labels(scaled) == ["scaling standard", "scaling none"]
    momentum = _dicts(
        RunConfig(optimizer="momentum", optimizer_params={"momentum": 0.5}),
        RunConfig(optimizer="momentum"),
    )
    assert run_labels(momentum) == ["momentum 0.5", "defaults"]
    same = _dicts(RunConfig(), RunConfig())
    assert run_labels(same) == ["run 1", "run 2"]
    # A race between schedulers names each with the rate it starts and peaks at (issue 12.4).
    race = _dicts(
        RunConfig(lr=0.1, scheduler="plateau", scheduler_params={"threshold_mode": "abs"}),
        RunConfig(lr=0.1, scheduler="cyclic", scheduler_params={"base_lr": 0.1, "max_lr": 1.0}),
        RunConfig(lr=1.0, scheduler="cosine"),
    )
    assert run_labels(race) == ["plateau · lr 0.1, only cut", "cyclic · lr 0.1, peak 1", "cosine · lr 1"]


@pytest.mark.parametrize(
    ("field", "slot"),
    [
        ("lr", "lr"),
        ("steps", "steps"),
        ("seed", "seed"),
        ("batch_size", "batch_size"),
        ("start", "start"),
        ("start x", "start"),
        ("momentum.momentum", "params"),
        ("adam.betas", "params"),
        ("cyclic.max_lr", "params"),
        ("sgd.momentum", "params"),
        ("optimizer_params", "params"),
    ],
)
def test_error_field_routes_each_field(field, slot):
    assert error_field(SettingError(f"{field} = 0 is not allowed", field)) == slot


def test_every_error_for_a_control_names_a_known_slot():
    """Errors the engine and the controls really raise land in a slot the page has (not only
    the notice), read from the field they name, not from their text."""
    real = []
    for kwargs in (
        {"lr": 0},
        {"steps": 0},
        {"seed": -1},
        {"surface": "linreg", "batch_size": 0},
        {"start": (100.0, 0.0)},
        {"optimizer": "momentum", "optimizer_params": {"momentum": 1.5}},
        {"scheduler": "step", "scheduler_params": {"gamma": 2}},
        {"scheduler": "cosine", "scheduler_params": {"nope": 1}},
        {"optimizer": "sgd", "optimizer_params": {"betas": (0.9, 0.99)}},
    ):
        with pytest.raises(SettingError) as error:
            RunConfig(**kwargs)
        real.append(error.value)
    controls = {"surface": "bowl", "optimizer": "sgd", "lr": 0.1, "scheduler": "constant", "batch_size": None,
                "normalization": "none", "steps": 10, "seed": 0, "start_x": None, "start_y": None,
                "optimizer_params": {}, "scheduler_params": {}}  # fmt: skip
    for blank in ({"lr": None}, {"steps": None}, {"seed": None}, {"start_x": 1.0}):
        with pytest.raises(SettingError) as error:
            config_from_controls(**{**controls, **blank})
        real.append(error.value)
    assert [error_field(e) for e in real] == [
        "lr", "steps", "seed", "batch_size", "start", "params", "params", "params", "params",
        "lr", "steps", "seed", "start",
    ]  # fmt: skip


ROUND_TRIP = [
    RunConfig(),
    RunConfig(
        surface="rosenbrock",
        optimizer="adam",
        lr=0.01,
        optimizer_params={"betas": (0.8, 0.99), "amsgrad": True},
    ),
    RunConfig(surface="linreg", batch_size=8, normalization="minmax", seed=7, steps=250),
    RunConfig(
        surface="himmelblau",
        start=(1.5, -2.0),
        scheduler="cyclic",
        scheduler_params={"max_lr": 0.5, "mode": "triangular2"},
    ),
    RunConfig(
        optimizer="rmsprop",
        optimizer_params={"centered": True, "momentum": 0.5},
        scheduler="plateau",
    ),
]


@pytest.mark.parametrize("config", ROUND_TRIP)
def test_config_round_trips_through_a_store(config):
    data = config_to_dict(config)
    stored = json.loads(json.dumps(data, allow_nan=False))  # what a dcc.Store gives back
    again = config_from_dict(stored)
    assert again == config
    assert config_to_dict(again) == data


# ---------------------------------------------------------------------------------------------
# The scheduler preview
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheduler", SCHEDULER_NAMES)
def test_lr_preview_draws_every_scheduler(scheduler):
    fig = lr_preview(scheduler, 0.1, 200, SCHED_VALUES, SCHED_IDS)
    json.dumps(fig, allow_nan=False)
    rates = fig["data"][0]["y"]
    assert len(rates) == 200
    assert min(rates) >= 0


def test_lr_preview_keeps_the_last_picture_on_bad_input():
    assert lr_preview("constant", None, 100, SCHED_VALUES, SCHED_IDS) is no_update
    assert lr_preview("constant", 0.1, None, SCHED_VALUES, SCHED_IDS) is no_update
    bad = _with_values(SCHED_IDS, SCHED_VALUES, {("cyclic", "max_lr"): -1})
    assert lr_preview("cyclic", 0.1, 100, bad, SCHED_IDS) is no_update


# ---------------------------------------------------------------------------------------------
# The callbacks `register` wires up, called through a real app
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registered():
    """The app's Python callbacks by function name (the undecorated functions)."""
    app = create_app()
    found = {}
    for entry in app.callback_map.values():
        wrapper = entry.get("callback")
        function = getattr(wrapper, "__wrapped__", None)
        if function is not None:
            found[function.__name__] = (function, entry)
    return found


def call(function, *args, triggered: str | None = None, **kwargs):
    """Call a callback as Dash would after `triggered` (a component id) changed."""
    inputs = [{"prop_id": f"{triggered}.value", "value": None}] if triggered else []

    def run():
        context_value.set(AttributeDict(triggered_inputs=inputs))
        return function(*args, **kwargs)

    return contextvars.copy_context().run(run)


def _normalization_options() -> list[dict]:
    for component in page(ViewState(current=RunConfig()))._traverse():
        if getattr(component, "id", None) == "normalization":
            return component.options
    raise AssertionError("no normalization control on the page")


def test_data_controls_are_disabled_off_the_data_fit_problem(registered):
    data_controls, _ = registered["data_controls"]
    options = _normalization_options()
    assert {o["value"] for o in options} == set(NORMALIZATIONS)
    for surface in SURFACE_NAMES:
        disabled, new_options, reason, no_curve_axis = call(data_controls, surface, options)
        is_data = surface in DATA_SURFACES
        assert disabled is (not is_data), surface
        assert no_curve_axis is (not is_data), surface  # epochs and examples need data
        assert [o["disabled"] for o in new_options] == [not is_data] * len(options)
        assert [(o["label"], o["value"]) for o in new_options] == [
            (o["label"], o["value"]) for o in options
        ]
        if is_data:
            assert reason == ""
        else:
            assert "data-fit" in reason


def test_data_controls_linreg_enables_everything(registered):
    data_controls, _ = registered["data_controls"]
    disabled_options = [{**o, "disabled": True} for o in _normalization_options()]
    disabled, options, reason, no_curve_axis = call(data_controls, "linreg", disabled_options)
    assert disabled is False and no_curve_axis is False
    assert not any(o["disabled"] for o in options)
    assert reason == ""


def test_pin_keeps_at_most_three_and_clear_empties(registered):
    pin_run, _ = registered["pin_run"]
    configs = [config_to_dict(RunConfig(lr=lr)) for lr in (0.01, 0.02, 0.03, 0.04, 0.05)]
    pinned: list = []
    for current in configs:
        pinned = call(pin_run, 1, 0, current, pinned, triggered="pin")
        assert len(pinned) <= MAX_PINNED
    assert pinned == configs[-MAX_PINNED:]
    # Pinning the same run twice keeps one copy (moved to the end).
    again = call(pin_run, 2, 0, configs[2], pinned, triggered="pin")
    assert again == [configs[3], configs[4], configs[2]]
    assert call(pin_run, 2, 1, configs[0], pinned, triggered="clear-pins") == []
    assert call(pin_run, 1, 0, None, pinned, triggered="pin") == []
    assert call(pin_run, 1, 0, configs[0], None, triggered="pin") == [configs[0]]


def test_pins_from_the_pin_callback_feed_compute_views(registered):
    pin_run, _ = registered["pin_run"]
    first = views(lr=0.03, steps=STEPS)
    pinned = call(pin_run, 1, 0, first["config"], [], triggered="pin")
    result = views(lr=0.3, steps=STEPS, pinned=pinned)
    check_figures(result, runs=2)
    assert _legend_names(result["contour"])[:2] == ["lr 0.3", "lr 0.03"]


def test_click_on_the_map_sets_the_start(registered):
    start_from_click, _ = registered["start_from_click"]
    click = {"points": [{"x": 1.234567, "y": -2.5, "curveNumber": 0}]}
    assert call(start_from_click, click, "bowl", "none", triggered="contour") == (1.2346, -2.5)
    assert call(start_from_click, click, "ravine", "none", triggered="surface") == (None, None)
    assert call(start_from_click, None, "bowl", "none", triggered="contour") == (None, None)
    assert call(start_from_click, {"points": []}, "bowl", "none", triggered="contour") == (
        None,
        None,
    )


def _block_params(block) -> tuple[list, list]:
    controls = [c for c in block._traverse() if isinstance(getattr(c, "id", None), dict)]
    return [c.id for c in controls], [getattr(c, "value", None) for c in controls]


def test_a_new_choice_shows_its_own_parameters_at_their_defaults(registered):
    """Choosing an optimizer or scheduler replaces the shown block (the previous one's, typed
    into) with the chosen one's controls at their defaults, as the page would hold them."""
    show_opt, _ = registered["show_optimizer_params"]
    show_sched, _ = registered["show_scheduler_params"]
    typed_ids, _ = _ids_and_values("opt-param", OPTIMIZER_PARAMS, ("adam",))
    typed = ["0.5"] * len(typed_ids)
    for name in OPTIMIZER_NAMES:
        block = call(show_opt, name, typed, typed_ids, triggered="optimizer")
        expected = (typed_ids, typed) if name == "adam" else _ids_and_values("opt-param", OPTIMIZER_PARAMS, (name,))
        assert _block_params(block) == expected
    for name in SCHEDULER_NAMES:
        block = call(show_sched, name, [], [], triggered="scheduler")
        assert _block_params(block) == _ids_and_values("sched-param", SCHEDULER_PARAMS, (name,))


def test_main_callback_returns_one_value_per_output(registered):
    recompute, entry = registered["recompute"]
    outputs = [f"{o.component_id}.{o.component_property}" for o in entry["output"]]
    args = (
        "bowl",
        "sgd",
        0.1,
        "constant",
        "full",
        "none",
        STEPS,
        0,
        None,
        None,
        OPT_VALUES,
        SCHED_VALUES,
        [],
        "x**2",  # the formula and data fields, unused on the bowl
        "-3, 3",
        "-3, 3",
        None,
        None,
        None,
        "iteration",  # what the curves are drawn against
        "moons",  # the network's controls, unused on the bowl
        "16,16",
        "tanh",
        "pca",
        0,
        OPT_IDS,
        SCHED_IDS,
        {"lang": "en", "embed": False, "preset": None},
    )
    # The main callback's inputs, then its states, by the names app.callbacks wires them with.
    names = [*(f.name for f in fields(PageRequest) if f.name not in ("opt_ids", "sched_ids", "flags")), "opt_ids", "sched_ids", "flags"]
    assert len(names) == len(args)
    good = call(recompute, **dict(zip(names, args, strict=True)))
    assert len(good) == len(outputs)
    # The address bar follows the controls, naming only what differs from the defaults.
    assert good[outputs.index("url.search")] == f"?steps={STEPS}"
    moved = call(recompute, **dict(zip(names, (*args[:2], 0.3, *args[3:]), strict=True)))
    assert moved[outputs.index("url.search")] == f"?lr=0.3&steps={STEPS}"
    bad = call(recompute, **dict(zip(names, (*args[:2], 0, *args[3:]), strict=True)))
    assert len(bad) == len(outputs)
    lr_error = outputs.index("lr-error.children")
    assert "lr" in bad[lr_error] and LR_RANGE in bad[lr_error]
    assert bad[outputs.index("contour.figure")] is no_update


def test_cycled_momentum_from_the_controls_is_simulated_not_ignored():
    ids = [{"type": "sched-param", "owner": "cyclic", "name": "cycle_momentum"}]
    on = compute_views("bowl", "momentum", 0.1, "cyclic", "full", "none", 50, 0, None, None, [], [], [True], ids, [])
    off = compute_views("bowl", "momentum", 0.1, "cyclic", "full", "none", 50, 0, None, None, [], [], [False], ids, [])
    assert on["ok"] and off["ok"], on.get("notice")
    assert on["config"]["scheduler_params"]["cycle_momentum"] is True
    cycled, plain = on["trajectories"][0], off["trajectories"][0]
    assert cycled.steps_taken == plain.steps_taken == 50
    assert abs(cycled.params - plain.params).max() > 1e-3  # the drawn path follows the cycled momentum
