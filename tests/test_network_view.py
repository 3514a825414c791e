"""The network view (app/network_view.py, app/figures/network.py): what each figure draws,
checked against the network's own functions computed a second way, and the lecture's presets."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from app.figures.network import honesty_figure
from app.figures.style import MAX_RUNS
from app.i18n import t
from app.network_view import MAX_FRAMES, network_views, wire_views
from engine.limits import DIVERGENCE_FACTOR
from engine.network.mlp import forward, loss_and_grad, sigmoid
from engine.network.train import NetworkConfig, baseline_loss, train
from tests.wire_helpers import decode_typed_array

MOONS = NetworkConfig(dataset="moons", hidden=(16, 16), activation="tanh", optimizer="adam", lr=0.01, steps=300)
# Lecture presets (the lessons N1 to N4), as NetworkConfig keyword arguments.
N1 = dict(dataset="moons", hidden=(16, 16), activation="tanh", optimizer="adam", lr=0.01, steps=1000)
N2_SLOW = dict(dataset="house_prices", optimizer="sgd", lr=0.01, steps=1000)
N2_FAST = dict(dataset="house_prices", optimizer="sgd", lr=1.0, steps=1000)
N3_RAW = dict(dataset="moons", normalization="x100", optimizer="sgd", lr=0.1, steps=1000)
N3_STANDARD = dict(dataset="moons", normalization="standard", optimizer="sgd", lr=0.1, steps=1000)
N4_ONE = dict(dataset="moons", optimizer="sgd", lr=0.1, batch_size=1, steps=1000)
N4_FULL = dict(dataset="moons", optimizer="sgd", lr=0.1, steps=1000)


@pytest.fixture(scope="module")
def moons():
    """The view of a moons run and a second seed, and the current run trained on its own."""
    second = replace(MOONS, seed=1)
    return network_views([MOONS, second]), train(MOONS)


def _loss(run, weights):
    data = run.data
    return loss_and_grad(run.layout, run.config.activation, np.asarray(weights, dtype=float), data.inputs, data.targets, data.loss)[0]


def _values(spec):
    return np.asarray(decode_typed_array(spec), dtype=float)


def test_the_map_at_its_centre_shows_the_loss_at_the_final_weights(moons):
    views, run = moons
    contour = views["map"]["data"][0]
    alphas, betas = np.asarray(contour["x"]), np.asarray(contour["y"])
    i, j = int(np.argmin(np.abs(betas))), int(np.argmin(np.abs(alphas)))
    # the centre (0, 0) is a grid node, not merely near one
    assert abs(alphas[j]) < 1e-9 * np.ptp(alphas) and abs(betas[i]) < 1e-9 * np.ptp(betas)
    truth = float(_loss(run, run.final_weights))
    loss = np.asarray(contour["customdata"])
    assert loss[i, j] == pytest.approx(truth, rel=1e-5)
    # the colours are log(1 + L − min L) of the same values
    assert contour["z"][i][j] == pytest.approx(np.log1p(loss[i, j] - loss.min()), abs=1e-4)
    assert np.isfinite(loss).all()


def test_the_projected_path_is_the_dot_product_with_orthonormal_principal_directions(moons):
    views, run = moons
    path = run.weights.astype(float)
    diffs = path - path[-1]
    _, _, rows = np.linalg.svd(diffs - diffs.mean(axis=0), full_matrices=False)
    # each direction turned so that the start has a coordinate <= 0 (the engine's convention)
    directions = np.stack([-r if diffs[0] @ r > 0 else r for r in rows[:2]], axis=1)
    whole = views["map"]["data"][1]
    steps = np.asarray(whole["customdata"])
    expected = (path[steps] - run.final_weights) @ directions
    np.testing.assert_allclose(np.column_stack([whole["x"], whole["y"]]), expected, atol=1e-6 * np.abs(expected).max())
    # the so-far trace and the current point agree with the whole path
    assert views["map"]["data"][2]["x"] == whole["x"]
    assert views["map"]["data"][3]["x"] == [whole["x"][-1]]


def test_axis_titles_carry_the_explained_variance(moons):
    views, run = moons
    layout = views["map"]["layout"]
    shares = [float(re.fullmatch(r"PC(\d): ([\d.]+) %", layout[a]["title"]["text"]).group(2)) for a in ("xaxis", "yaxis")]
    path = run.weights.astype(float)
    diffs = path - path[-1]
    singular = np.linalg.svd(diffs - diffs.mean(axis=0), compute_uv=False)
    ratios = 100 * singular[:2] ** 2 / np.sum(singular**2)
    np.testing.assert_allclose(shares, ratios, atol=0.5)
    assert sum(views["directions"]["explained"]) <= 1 + 1e-12
    assert views["directions"]["explained"] == pytest.approx(list(ratios / 100), abs=1e-8)


def test_the_maps_are_drawn_to_scale(moons):
    views, _ = moons
    layout = views["map"]["layout"]
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis"]["scaleratio"] == 1
    (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    assert x1 - x0 == pytest.approx(y1 - y0)  # a square window: no blank margin at equal scale
    scene = views["surface3d"]["layout"]["scene"]
    assert scene["aspectratio"]["x"] == scene["aspectratio"]["y"]
    assert views["output"]["layout"]["yaxis"]["scaleanchor"] == "x"


def test_the_honesty_figure_sets_the_true_loss_beside_the_maps_loss_and_the_distance(moons):
    views, run = moons
    true_trace, map_trace, distance_trace = views["honesty"]["data"][:3]
    steps = np.asarray(true_trace["customdata"])
    weights = run.weights[steps].astype(float)
    np.testing.assert_allclose(true_trace["y"], _loss(run, weights), rtol=1e-5)
    # the map's loss: the network at c + α d₁ + β d₂, the point the map shows
    whole = views["map"]["data"][1]
    d1, d2 = _plane(run)
    on_plane = run.final_weights + np.outer(whole["x"], d1) + np.outer(whole["y"], d2)
    np.testing.assert_allclose(map_trace["y"], _loss(run, on_plane), rtol=1e-4)
    np.testing.assert_allclose(distance_trace["y"], np.linalg.norm(weights - on_plane, axis=1), rtol=1e-6, atol=1e-6)
    # at the centre the two losses meet and the path touches the plane
    assert distance_trace["y"][-1] == pytest.approx(0.0, abs=1e-6)
    assert map_trace["y"][-1] == pytest.approx(true_trace["y"][-1], rel=1e-5)
    assert max(distance_trace["y"]) > 0.01  # a 337-weight path does not lie in a plane


def test_the_honesty_figure_gives_both_losses_the_whole_plot_and_a_short_legend(moons):
    """At 1280x720 the third graph is ~150 px: two stacked panels left the losses a 25 px strip.
    The distance has its own axis over the same plot, and the legend inside it stays short."""
    views, _ = moons
    figure = views["honesty"]
    layout = figure["layout"]
    assert layout["yaxis"].get("domain", [0, 1]) == [0, 1] and layout["xaxis"].get("domain", [0, 1]) == [0, 1]
    assert layout["yaxis2"]["overlaying"] == "y" and layout["yaxis2"]["side"] == "right"
    assert [trace["yaxis"] for trace in figure["data"][:3]] == ["y", "y", "y2"]
    # the plot keeps most of a 150 px graph
    assert 150 - layout["margin"]["t"] - layout["margin"]["b"] >= 75
    true_trace, map_trace, distance_trace = figure["data"][:3]
    on_plane = SimpleNamespace(true_loss=np.array(true_trace["y"]), plane_loss=np.array(map_trace["y"]), distance=np.array(distance_trace["y"]))
    for lang in ("en", "ko"):
        shown = honesty_figure(np.array(true_trace["customdata"]), on_plane, "#D55E00", lang)["data"]
        names = [trace["name"] for trace in shown[:3] if trace["showlegend"]]
        assert len(names) == 2 and all(len(name) <= 18 for name in names), names
        # the hover still gives the whole name
        assert t("network_map_loss", lang) in shown[1]["hovertemplate"]


def test_the_3d_landscapes_axis_titles_fit_a_small_scene(moons):
    """The 3D scene is ~315x240 px at 1280x720, where "PC2: 2.0 %" ran into the height's title
    and off the pane: one short word per floor axis, the one the map's title begins with."""
    views, _ = moons
    layout = views["surface3d"]["layout"]
    scene, map_layout = layout["scene"], views["map"]["layout"]
    for axis in ("xaxis", "yaxis"):
        title = scene[axis]["title"]
        assert len(title["text"]) <= 4 and map_layout[axis]["title"]["text"].startswith(title["text"])
        assert title["font"]["size"] <= 13
    # the height's title sits left of the scene, where the pane's edge cut "log(1 + L − lowest)";
    # the hover says what ΔL is
    assert scene["zaxis"]["title"]["text"] in ("ΔL", "log(1 + ΔL)")
    assert "ΔL = L −" in views["surface3d"]["data"][0]["hovertemplate"]
    # along the top, the buttons covered the title
    assert layout["modebar"]["orientation"] == "v"


def _plane(run):
    path = run.weights.astype(float)
    diffs = path - path[-1]
    _, _, rows = np.linalg.svd(diffs - diffs.mean(axis=0), full_matrices=False)
    return [-r if diffs[0] @ r > 0 else r for r in rows[:2]]


def test_boundary_frame_k_shows_the_output_at_the_weights_of_step_k(moons):
    views, run = moons
    figure = wire_views(views)["output"]
    frame_steps = figure["layout"]["meta"]["frame_steps"]
    assert len(frame_steps) <= MAX_FRAMES and frame_steps[0] == 0 and frame_steps[-1] == run.steps_taken
    assert [f["name"] for f in figure["frames"]] == [str(s) for s in frame_steps]
    xs, ys = _values(figure["data"][0]["x"]), _values(figure["data"][0]["y"])
    rng = np.random.default_rng(0)
    for k in (0, len(frame_steps) // 2, len(frame_steps) - 1):
        percent = _values(figure["frames"][k]["data"][0]["z"])
        i, j = rng.integers(0, len(ys), 4), rng.integers(0, len(xs), 4)
        raw = np.column_stack([xs[j], ys[i]])
        weights = run.weights[frame_steps[k]].astype(float)
        p = sigmoid(forward(run.layout, "tanh", weights, run.data.scale_inputs(raw)))
        np.testing.assert_allclose(percent[i, j], 100 * p, atol=0.5 + 1e-9)
    # the figure itself shows the last frame; the data points are the data set's
    assert _values(figure["data"][0]["z"]).tolist() == _values(figure["frames"][-1]["data"][0]["z"]).tolist()
    shown = np.vstack([np.column_stack([_values(tr["x"]), _values(tr["y"])]) for tr in figure["data"][1:3]])
    assert len(shown) == run.data.n


def test_the_fitted_curve_frames_show_each_runs_output_at_that_step():
    slow, fast = NetworkConfig(**{**N2_SLOW, "steps": 200}), NetworkConfig(**{**N2_FAST, "steps": 200})
    views = network_views([slow, fast])
    figure = views["output"]
    run = train(slow)
    frame_steps = figure["layout"]["meta"]["frame_steps"]
    k = len(frame_steps) // 3
    frame = figure["frames"][k]
    assert frame["traces"] == [1, 2]
    xs = np.asarray(figure["data"][1]["x"])
    weights = run.weights[frame_steps[k]].astype(float)
    expected = forward(run.layout, "tanh", weights, run.data.scale_inputs(xs[:, None]))
    np.testing.assert_allclose(frame["data"][0]["y"], expected, rtol=1e-9, atol=1e-9)
    # the diverged run holds its last iterate once it has stopped
    last = train(fast).weights[-1].astype(float)
    held = forward(run.layout, "tanh", last, run.data.scale_inputs(xs[:, None]))
    np.testing.assert_allclose(figure["frames"][-1]["data"][1]["y"], held, rtol=1e-9)


def _all_finite(node) -> None:
    """Every number anywhere in a wire figure, typed arrays decoded, is finite."""
    if isinstance(node, dict):
        if "bdata" in node:
            assert np.isfinite(_values(node)).all()
            return
        for value in node.values():
            _all_finite(value)
    elif isinstance(node, list):
        for value in node:
            _all_finite(value)
    elif isinstance(node, float):
        assert np.isfinite(node)


def _first_divergence(config: NetworkConfig) -> int:
    """Full-batch SGD by hand: the first iterate whose loss passes DIVERGENCE_FACTOR times the
    larger of the start's loss and the best constant prediction's (or is not finite)."""
    run = train(replace(config, steps=1))
    data, theta = run.data, run.weights[0].astype(float)
    bound = None
    with np.errstate(all="ignore"):
        for t in range(config.steps + 1):
            loss, grad, _ = loss_and_grad(run.layout, config.activation, theta, data.inputs, data.targets, data.loss)
            bound = bound or DIVERGENCE_FACTOR * max(float(loss), baseline_loss(data))
            if not np.isfinite(loss) or loss > bound or np.abs(theta).max() >= np.finfo(np.float32).max:
                return t
            theta = theta - config.lr * grad
    raise AssertionError("did not diverge")


@pytest.mark.parametrize("directions", ["pca", "random"])
def test_a_diverging_run_leaves_no_nan_or_inf_and_says_where_it_diverged(directions):
    fast, slow = NetworkConfig(**N2_FAST), NetworkConfig(**N2_SLOW)
    views = network_views([fast, slow], directions=directions)
    wire = wire_views(views)
    text = json.dumps({key: wire[key] for key in ("map", "surface3d", "output", "loss", "lr", "grad_norm", "honesty", "runs", "notes")}, allow_nan=False)
    _all_finite(json.loads(text))
    step = _first_divergence(fast)
    assert views["runs"][0]["outcome"] == "diverged" and views["runs"][0]["diverged_at"] == step
    assert any(str(step) in note for note in views["notes"])
    assert views["runs"][1]["outcome"] == "converged"


def test_a_run_on_another_surface_is_left_off_the_map_with_a_note():
    raw, standard = NetworkConfig(**{**N3_RAW, "steps": 100}), NetworkConfig(**{**N3_STANDARD, "steps": 100})
    views = network_views([standard, raw], labels=["standardized", "raw x100"])
    slot = 1
    assert views["map"]["data"][1 + 3 * slot]["x"] == [] and views["surface3d"]["data"][1 + 3 * slot]["x"] == []
    assert not views["runs"][1]["on_map"] and views["runs"][0]["on_map"]
    assert any("raw x100" in note for note in views["notes"])
    # its curves are still drawn: the loss is its own
    assert len(views["loss"]["data"][slot]["y"]) == 101
    assert len(views["map"]["data"]) == 1 + 3 * MAX_RUNS + 2


def test_random_directions_are_filter_normalized_and_named_so():
    views = network_views([MOONS], directions="random", direction_seed=3)
    layout = views["map"]["layout"]
    assert layout["xaxis"]["title"]["text"] == "random direction 1 (filter-normalized)"
    assert layout["xaxis"]["range"] == [-1.0, 1.0] or layout["xaxis"]["range"][1] > 1.0
    assert views["directions"] == {"kind": "random", "explained": None}
    korean = network_views([MOONS], directions="random", lang="ko")
    assert "필터 정규화" in korean["map"]["layout"]["xaxis"]["title"]["text"]
    # the 3D view's floor: a short symbol each, not the map's long name
    assert [korean["surface3d"]["layout"]["scene"][a]["title"]["text"] for a in ("xaxis", "yaxis")] == ["d₁", "d₂"]


# ----------------------------------------------------------------------------- presets


def _rises(loss) -> float:
    return float(np.mean(np.diff(np.asarray(loss, dtype=float)) > 0))


def test_preset_n1_adam_on_moons_converges_to_over_95_percent():
    views = network_views([NetworkConfig(**N1)])
    run = views["runs"][0]
    assert run["outcome"] == "converged" and run["final_accuracy"] >= 0.95
    assert views["accuracy"]["data"][0]["y"][-1] >= 95


def test_preset_n2_sgd_on_house_prices_small_rate_converges_large_rate_diverges():
    views = network_views([NetworkConfig(**N2_SLOW), NetworkConfig(**N2_FAST)])
    assert [r["outcome"] for r in views["runs"]] == ["converged", "diverged"]


def test_preset_n3_the_same_rate_fits_standardized_inputs_but_not_raw_x100():
    views = network_views([NetworkConfig(**N3_STANDARD), NetworkConfig(**N3_RAW)])
    standard, raw = views["runs"]
    assert standard["outcome"] == "converged" and raw["outcome"] != "converged"
    assert raw["final_loss"] > 5 * standard["final_loss"]
    assert standard["final_accuracy"] - raw["final_accuracy"] >= 0.05


def test_preset_n4_batch_one_is_noisy_full_batch_is_smooth():
    views = network_views([NetworkConfig(**N4_ONE), NetworkConfig(**N4_FULL)])
    one, full = (views["loss"]["data"][slot]["y"] for slot in (0, 1))
    assert _rises(one) > 0.3 and _rises(full) < 0.05
