"""The explorers on a real network (engine/network/explore.py) and what the network page draws
of them and of the projection's honesty: the swept runs against each network trained alone, the
suggested rate against its rule written out, the page's finder, map, gradient-norm and honesty
figures against the engine's networks computed another way (gradients by loss_and_grad, the
plane by an SVD of the path, losses by the forward pass and the loss written out)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import numpy as np
import pytest

from app.explore_figures import outcome_name
from app.explorers import clicked_rate, explore_outputs, map_cell_target
from app.lessons import NETWORK_LESSONS
from app.links import decode
from app.network_page import THIRD_VIEWS
from engine import OUTCOMES, limits
from engine.explore import LOSS_BAND
from engine.network import NetworkConfig, reference_loss, train
from engine.network.explore import (
    EXPLORE_PRECISION,
    FINDER_STEPS,
    MAP_STEPS,
    network_at_rate,
    network_lr_finder,
    network_second_settings,
    network_stability_map,
    network_with_second,
)
from engine.network.mlp import forward, loss_and_grad
from tests.test_network_page import answer, request_of, values

N1 = NETWORK_LESSONS["network-descent"].current  # Adam on the two moons
N2 = NETWORK_LESSONS["network-too-large-rate"].current  # SGD on house prices, lr 1: diverges


def alone(config: NetworkConfig):
    """One explorer run trained on its own (train(), not train_many's rows)."""
    return train(config, keep_weights=False, precision=EXPLORE_PRECISION)


def short(config: NetworkConfig, steps: int) -> NetworkConfig:
    return NetworkConfig(**{**{k: getattr(config, k) for k in config.__dataclass_fields__}, "steps": min(config.steps, steps)})


def rule(rates, final_loss, outcome, floor, start_loss) -> float | None:
    """engine.explore.suggest_rate's rule, written out: of the converged runs within LOSS_BAND
    of the lowest converged excess over floor (or at the floor to rounding), the largest rate
    whose next rate also converged; else the largest in the band."""
    excess = [max(loss - floor, 0.0) for loss in final_loss]
    good = [o == "converged" for o in outcome]
    if not any(good):
        return None
    best = min(e for e, g in zip(excess, good, strict=True) if g)
    limit = max(LOSS_BAND * best, 1e-12 * max(start_loss - floor, 0.0))
    band = [i for i in range(len(rates)) if good[i] and excess[i] <= limit]
    roomy = [i for i in band if i == len(rates) - 1 or good[i + 1]]
    return float(rates[(roomy or band)[-1]])


@pytest.fixture(scope="module")
def n1_finder():
    return network_lr_finder(N1)


@pytest.fixture(scope="module")
def n2_finder():
    return network_lr_finder(N2)


@pytest.fixture(scope="module")
def n1_page():
    return answer(request_of("preset=network-descent"))


# --------------------------------------------------------------------------- the finder


def test_the_finders_runs_are_the_networks_trained_alone_at_those_rates(n1_finder, n2_finder):
    for sweep, config in ((n1_finder, N1), (n2_finder, N2)):
        rates = sweep.rates
        assert len(rates) == 60 and rates[0] == pytest.approx(limits.LR_MIN) and rates[-1] == pytest.approx(limits.LR_MAX)
        assert np.allclose(np.diff(np.log(rates)), np.log(rates[1] / rates[0]))
        assert sweep.config.steps == FINDER_STEPS < config.steps
        picked = sorted({*range(0, 60, 9), 59, int(np.argmax(sweep.diverged)) if sweep.diverged.any() else 0})
        for i in picked:
            run = alone(short(network_at_rate(config, rates[i]), FINDER_STEPS))
            swept = sweep.runs[i]
            assert len(swept.loss) == len(run.loss)
            np.testing.assert_allclose(swept.loss, run.loss, rtol=1e-6)
            assert sweep.final_loss[i] == pytest.approx(run.loss[-1], rel=1e-6)
            assert sweep.outcome[i] == run.outcome and sweep.diverged_at[i] == run.diverged_at
    # house prices at SGD's largest rates blow up: the finder shows it and names the step
    assert n2_finder.diverged[-1] and n2_finder.outcome[-1] == "diverged" and n2_finder.diverged_at[-1] > 0
    assert not n2_finder.diverged[0]


def test_the_suggested_rate_follows_the_rule_against_the_reference_loss(n1_finder, n2_finder):
    for sweep, config in ((n1_finder, N1), (n2_finder, N2)):
        floor = reference_loss(config.dataset, config.data_seed, config.hidden, config.activation)
        assert sweep.min_loss == floor
        expected = rule(sweep.rates, sweep.final_loss, sweep.outcome, floor, sweep.start_loss)
        assert expected is not None and sweep.suggested_rate == expected
        i = int(np.flatnonzero(sweep.rates == expected)[0])
        assert sweep.outcome[i] == "converged"
        # the rule has something to refuse: some larger rate did not converge
        assert any(o != "converged" for o in sweep.outcome[i + 1 :])


# --------------------------------------------------------------------------- the map


@pytest.mark.parametrize(
    ("config", "second"),
    [(N1, "beta1"), (N1, "batch_size"), (NetworkConfig(dataset="house_prices", optimizer="momentum", lr=0.01, steps=400), "momentum")],
)
def test_a_map_cells_outcome_is_the_label_of_that_network_trained_alone(config, second):
    smap = network_stability_map(config, second)
    assert second in network_second_settings(config)
    assert smap.steps == min(config.steps, MAP_STEPS) and smap.outcome.shape == (len(smap.values), len(smap.rates))
    if second == "batch_size":
        n = config.data.n
        assert smap.values.tolist() == [2**k for k in range(8) if 2**k < n] + [n]
    else:
        assert smap.values[0] == 0 and smap.values[-1] == pytest.approx(0.99)
    # one cell of each outcome the map holds (so several labels are checked), and a corner
    cells = {smap.outcome[r, c]: (r, c) for r, c in reversed(list(np.ndindex(smap.outcome.shape)))}
    assert len(cells) >= 3
    for row, column in [*cells.values(), (len(smap.values) - 1, len(smap.rates) - 1)]:
        cell = network_with_second(network_at_rate(short(config, smap.steps), smap.rates[column]), second, smap.values[row])
        run = alone(cell)
        assert smap.outcome[row, column] == run.outcome, (row, column)
        assert smap.final_loss[row, column] == pytest.approx(run.final_loss, rel=1e-6)


def test_a_second_setting_the_optimizer_lacks_is_refused_not_a_crash():
    sgd = NetworkConfig(optimizer="sgd", steps=50)
    assert network_second_settings(sgd) == ["batch_size"]
    with pytest.raises(ValueError, match="second"):
        network_stability_map(sgd, "momentum")
    # the page offers the settings the run has and falls back to the first for an unknown one
    current = {"surface": "network", **{k: v for k, v in json.loads(json.dumps(_plain(sgd))).items()}}
    out = explore_outputs("map", current, "momentum", "network", {}, {}, "en")
    assert out[7] == "batch_size" and [o["value"] for o in out[6]] == ["batch_size"]
    assert explore_outputs("map", {"surface": "network", "lr": "x"}, None, "network", {}, {}, "en")[1] is True


def _plain(config: NetworkConfig) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else dict(v) if k.endswith("_params") else v) for k, v in ((k, getattr(config, k)) for k in config.__dataclass_fields__)}


# --------------------------------------------------------------------------- the page


def test_the_pages_finder_draws_each_rates_final_loss_and_the_suggestion(n1_page, n1_finder):
    current = n1_page["current-config"]
    out = explore_outputs("finder", current, None, "network", {}, {}, "en")
    assert out[:2] == (True, False)
    figure = json.loads(json.dumps(out[2], allow_nan=False))
    rates = n1_finder.rates
    truth = {i: alone(short(network_at_rate(N1, rates[i]), FINDER_STEPS)) for i in range(0, 60, 6)}
    drawn = {}
    for name in OUTCOMES:
        trace = next(tr for tr in figure["data"] if tr.get("name") == outcome_name(name))
        for x, y, rate in zip(trace["x"], trace["y"], trace["customdata"], strict=True):
            assert x == rate
            drawn[int(np.argmin(np.abs(rates - x)))] = (name, y)
    assert sorted(drawn) == list(range(60))
    for i, run in truth.items():
        name, y = drawn[i]
        assert name == run.outcome
        if run.diverged_at is None:  # the loss itself, on a log axis
            assert y == pytest.approx(run.final_loss, rel=1e-6)
    floor = reference_loss(N1.dataset, N1.data_seed, N1.hidden, N1.activation)
    star = figure["data"][-1]
    assert star["marker"]["symbol"] == "star"
    assert star["x"] == [rule(rates, n1_finder.final_loss, n1_finder.outcome, floor, n1_finder.start_loss)]
    assert [s["y0"] for s in figure["layout"]["shapes"] if s["xref"] == "paper"] == [pytest.approx(floor)]
    # a click on the star loads its rate into the rate box
    assert clicked_rate({"points": [{"customdata": star["customdata"][0]}]}) == star["x"][0]


def test_the_pages_map_draws_the_labels_and_a_click_opens_that_run(n1_page):
    current = n1_page["current-config"]
    out = explore_outputs("map", current, None, "network", {}, {}, "en")
    assert out[:2] == (True, False) and [o["value"] for o in out[6]] == ["beta1", "batch_size"] and out[7] == "beta1"
    heatmap, *_, marker = out[4]["data"]
    assert marker["x"] == [N1.lr] and marker["y"] == [0.9]
    rows, columns = heatmap["y"], heatmap["x"]
    for row, column in ((0, 0), (len(rows) - 1, len(columns) // 2), (len(rows) // 2, len(columns) - 4)):
        cell = network_with_second(network_at_rate(short(N1, MAP_STEPS), columns[column]), "beta1", rows[row])
        assert heatmap["z"][row][column] == OUTCOMES.index(alone(cell).outcome)
    batch = explore_outputs("map", current, "batch_size", "network", {}, {}, "en")
    assert batch[7] == "batch_size" and batch[4]["data"][-1]["y"] == [N1.data.n]
    # a heatmap cell arrives with its x and y: the link opens that rate and batch size
    link = map_cell_target({"points": [{"x": 0.05, "y": 16}]}, current, [], "batch_size", {"lang": "en"})
    state, notices = decode(urlsplit(link).query)
    assert not notices and state.network.current.lr == 0.05 and state.network.current.batch_size == 16
    assert state.network.current.dataset == N1.dataset and state.network.current.optimizer == N1.optimizer


def test_the_third_graphs_switch_holds_accuracy_gradient_norm_and_what_the_map_hides(n1_page):
    store = n1_page["network-third"]
    options = store["options"]
    assert [o["value"] for o in options] == list(THIRD_VIEWS) and not any(o["disabled"] for o in options)
    assert store["default"] == "accuracy"
    assert n1_page["third-graph"] == store["figures"]["accuracy"]
    json.dumps(store, allow_nan=False)
    run = train(N1)
    data = run.data
    # the gradient norm of each update, recomputed from the stored weights (float32: 7 digits)
    grad = store["figures"]["grad_norm"]["data"][0]
    steps, shown = values(grad["customdata"]).astype(int), values(grad["y"])
    for k in (0, len(steps) // 3, len(steps) - 1):
        theta = run.weights[steps[k]].astype(float)
        _, g, _ = loss_and_grad(run.layout, N1.activation, theta, data.inputs, data.targets, data.loss)
        assert shown[k] == pytest.approx(np.linalg.norm(g), rel=1e-4)
    # what the map hides: the true loss, the slice's loss at the projected point, the distance
    honesty = store["figures"]["honesty"]["data"]
    steps = values(honesty[0]["customdata"]).astype(int)
    true_loss, map_loss, distance = (values(honesty[i]["y"]) for i in range(3))
    path = run.weights.astype(float)
    centre = run.final_weights
    diffs = path - path[-1]
    plane = np.linalg.svd(diffs - diffs.mean(axis=0), full_matrices=False)[2][:2]  # orthonormal rows
    for k in (0, len(steps) // 2, len(steps) - 1):
        w = path[steps[k]]
        on_plane = centre + plane.T @ (plane @ (w - centre))
        assert true_loss[k] == pytest.approx(_loss(run, w), rel=1e-6)
        assert map_loss[k] == pytest.approx(_loss(run, on_plane), rel=1e-4)
        assert distance[k] == pytest.approx(np.linalg.norm(w - on_plane), rel=1e-4, abs=1e-6)
    assert distance.max() > 0.1 * np.linalg.norm(path[0] - centre)  # the path does leave the plane


def test_house_prices_open_the_switch_on_what_the_map_hides():
    out = answer(request_of("preset=network-too-large-rate"))
    store = out["network-third"]
    options = store["options"]
    assert store["default"] == "honesty" and "accuracy" not in store["figures"]
    assert [o["value"] for o in options if o["disabled"]] == ["accuracy"]
    assert out["third-graph"] == store["figures"]["honesty"]
    assert "Antognini" in next(o["title"] for o in options if o["value"] == "honesty")


def test_another_surface_empties_the_switch_and_a_bad_value_keeps_it():
    assert answer(request_of("surface=bowl"))["network-third"] == {}  # no figures: the box hides
    assert answer(request_of("surface=network", lr=50))["network-third"] is None  # all stays


def _loss(run, weights) -> float:
    """The run's loss at weights: the forward pass and the cross-entropy written out."""
    z = forward(run.layout, run.config.activation, np.asarray(weights, dtype=float), run.data.inputs)
    y = run.data.targets
    return float(np.mean(np.logaddexp(0.0, z) - y * z))
