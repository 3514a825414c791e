"""engine.explore and app.explore_figures against independent truth.

Sources of truth, none of them engine.explore's own arithmetic:
  * linear algebra: λmax from np.linalg.eigvalsh of each surface's Hessian;
  * the quadratic stability theorems: plain gradient descent is stable iff lr λmax < 2;
    heavy ball iff 0 <= μ < 1 and lr λ < 2(1 + μ) for every eigenvalue λ (Goh, "Why
    Momentum Really Works", Distill 2017); Nesterov's look-ahead iff lr λ < 2(1+μ)/(1+2μ).
    PyTorch's momentum form (buf = μ buf + g, p -= lr buf) is checked against the heavy-ball
    region cell by cell, not assumed to share it;
  * `simulate` of a single configuration, for any cell of a sweep.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from app.explore_figures import OUTCOME_COLOURS, lr_finder_figure, stability_map_figure
from engine import limits
from engine.catalog import SURFACES
from engine.config import RunConfig
from engine.explore import (
    MOMENTUM_MAX,
    at_rate,
    current_setting,
    lr_finder,
    second_settings,
    stability_map,
    suggest_rate,
    with_second,
)
from engine.outcome import OUTCOMES
from engine.schedules import SCHEDULER_NAMES
from engine.simulate import simulate


def eigenvalues(surface: str, normalization: str = "none") -> np.ndarray:
    problem = SURFACES[surface].surface(normalization)
    return np.linalg.eigvalsh(problem.hessian(np.array(problem.default_start)))


def json_safe(thing) -> None:
    json.dumps(thing, allow_nan=False)


@pytest.fixture(scope="module")
def bowl_sweep():
    return lr_finder(RunConfig(surface="bowl", lr=0.1))


@pytest.fixture(scope="module")
def momentum_map():
    return stability_map(RunConfig(surface="bowl", optimizer="momentum", steps=200), "momentum")


# ---------------------------------------------------------------- learning-rate finder


def test_lr_finder_sweeps_log_spaced_rates_over_the_whole_range(bowl_sweep):
    sweep = bowl_sweep
    assert sweep.rates.shape == sweep.final_loss.shape == sweep.outcome.shape == (60,)
    assert sweep.diverged.shape == (60,) and len(sweep.diverged_at) == 60
    assert sweep.rates[0] == limits.LR_MIN and sweep.rates[-1] == limits.LR_MAX
    np.testing.assert_allclose(np.diff(np.log(sweep.rates)), math.log(1e6) / 59)
    assert set(sweep.outcome.tolist()) <= set(OUTCOMES)
    assert np.all(np.isfinite(sweep.final_loss))
    np.testing.assert_array_equal(sweep.diverged, sweep.outcome == "diverged")
    assert [at is not None for at in sweep.diverged_at] == sweep.diverged.tolist()


def test_a_diverged_runs_final_loss_is_its_last_sane_loss(bowl_sweep):
    i = int(np.argmax(bowl_sweep.diverged))
    run = simulate(RunConfig(surface="bowl", lr=float(bowl_sweep.rates[i])))
    assert run.diverged_at == bowl_sweep.diverged_at[i]
    assert bowl_sweep.final_loss[i] == run.loss[-1]


@pytest.mark.parametrize(
    "surface, normalization",
    [
        ("bowl", "none"),
        ("ravine", "none"),
        ("linreg", "none"),
        ("linreg", "standard"),
        ("linreg", "minmax"),
    ],
)
def test_sgd_switches_from_converging_to_diverging_at_two_over_lambda_max(surface, normalization):
    sweep = lr_finder(RunConfig(surface=surface, normalization=normalization, steps=200))
    limit = 2.0 / eigenvalues(surface, normalization).max()
    assert sweep.stability_limit == pytest.approx(limit, rel=1e-9)
    assert sweep.optimizer_limit == pytest.approx(limit, rel=1e-9)  # plain SGD: the same
    below = sweep.rates < 0.95 * limit
    above = sweep.rates > 1.05 * limit
    assert below.any() and above.any()
    assert set(sweep.outcome[below].tolist()) <= {"converged", "slow"}
    assert set(sweep.outcome[above].tolist()) == {"diverged"}


def test_the_data_fit_limit_follows_its_normalization():
    limits_ = {
        norm: lr_finder(RunConfig(surface="linreg", normalization=norm), n=4).stability_limit
        for norm in ("none", "standard", "minmax")
    }
    assert limits_["standard"] == pytest.approx(2.0)  # standardized x: the Hessian is I
    assert limits_["none"] < 1e-3  # raw areas: mean(x²) ~ 10⁴, so a tiny rate
    assert len(set(limits_.values())) == 3


@pytest.mark.parametrize("surface", ["trap", "rosenbrock", "rastrigin"])
def test_no_stability_limit_off_quadratics(surface):
    sweep = lr_finder(RunConfig(surface=surface), n=4)
    assert sweep.lambda_max is None and sweep.stability_limit is None
    assert sweep.optimizer_limit is None


def test_the_optimizer_limit_is_heavy_balls_for_momentum_and_none_for_adam():
    sweep = lr_finder(
        RunConfig(surface="bowl", optimizer="momentum", optimizer_params={"momentum": 0.5})
    )
    assert sweep.stability_limit == pytest.approx(2 / 3)
    assert sweep.optimizer_limit == pytest.approx(2 * 1.5 / 3)
    assert set(sweep.outcome[sweep.rates > 1.05 * sweep.optimizer_limit].tolist()) == {"diverged"}
    assert "diverged" not in sweep.outcome[sweep.rates < 0.95 * sweep.optimizer_limit]
    assert lr_finder(RunConfig(surface="bowl", optimizer="adam"), n=4).optimizer_limit is None


@pytest.mark.parametrize(
    "optimizer, params",
    [("sgd", {"weight_decay": 0.5}), ("momentum", {"momentum": 0.5, "weight_decay": 1.0}),
     ("nesterov", {"momentum": 0.6, "weight_decay": 0.8})],
)  # fmt: skip
def test_the_optimizer_limit_adds_l2_weight_decay_to_the_curvature(optimizer, params):
    """g + wd θ is the gradient of L + ½ wd |θ|²: every curvature grows by wd."""
    config = RunConfig(surface="bowl", optimizer=optimizer, optimizer_params=params, steps=200)
    sweep = lr_finder(config, n=200)  # rates 6% apart: the decay's shift spans several
    lam = eigenvalues("bowl").max() + params["weight_decay"]
    mu = params.get("momentum", 0.0)
    limit = 2 * (1 + mu) / ((1 + 2 * mu if optimizer == "nesterov" else 1) * lam)
    assert sweep.optimizer_limit == pytest.approx(limit, rel=1e-12)
    assert sweep.stability_limit == pytest.approx(
        2 / eigenvalues("bowl").max()
    )  # the surface's own
    above = sweep.rates > 1.05 * limit
    below = sweep.rates < 0.95 * limit
    assert above.any() and below.any()
    assert set(sweep.outcome[above].tolist()) == {"diverged"}
    assert "diverged" not in sweep.outcome[below]
    # Without the decay the old limit would sit above diverging cells.
    no_decay = (
        2 * (1 + mu) / ((1 + 2 * mu if optimizer == "nesterov" else 1) * eigenvalues("bowl").max())
    )
    assert (
        "diverged" in sweep.outcome[(sweep.rates > 1.05 * limit) & (sweep.rates < 0.95 * no_decay)]
    )


def test_the_momentum_map_with_weight_decay_bends_at_the_decayed_curvature():
    config = RunConfig(
        surface="bowl", optimizer="momentum", optimizer_params={"weight_decay": 0.4}, steps=200
    )
    smap = stability_map(config, "momentum", n=30, m=12)
    lam = eigenvalues("bowl") + 0.4
    inside, outside = heavy_ball_stable(smap.rates, smap.values, lam, 0.1)
    assert inside.sum() > 50 and outside.sum() > 50
    assert "diverged" not in set(smap.outcome[inside].tolist())
    assert set(smap.outcome[outside].tolist()) == {"diverged"}
    np.testing.assert_allclose(smap.boundary, 2 * (1 + smap.values) / lam.max())


def test_suggested_rate_on_the_bowl_is_the_rate_that_shrinks_both_directions_alike(bowl_sweep):
    # 2/(λmin + λmax) makes |1 - lr λ| equal along both axes: the fastest plain rate.
    lam = eigenvalues("bowl")
    best = 2.0 / (lam.min() + lam.max())
    rate = bowl_sweep.suggested_rate
    assert rate in bowl_sweep.rates
    step = bowl_sweep.rates[1] / bowl_sweep.rates[0]
    assert best / step < rate <= best
    i = int(np.flatnonzero(bowl_sweep.rates == rate)[0])
    assert bowl_sweep.outcome[i] == "converged"
    # Not the last converging rate: one grid step of headroom before the cliff.
    assert bowl_sweep.outcome[i + 1] == "converged"
    assert bowl_sweep.outcome[i + 2] == "diverged"


def test_suggest_rate_rule():
    rates = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    c, s, d = "converged", "slow", "diverged"
    # 4 is the largest in the lowest band but the next rate diverges: take 3.
    assert suggest_rate(rates, np.array([9, 1e-3, 1e-20, 1e-18, 0]), [s, c, c, c, d], 10.0) == 3.0
    # Excess loss outside the band (10x the best, not at the minimum) is not suggested.
    assert suggest_rate(rates, np.array([9, 1e-6, 1e-3, 1e-3, 0]), [s, c, c, c, d], 10.0) == 2.0
    # Only the cliff-edge rate converged: it is still the answer.
    assert suggest_rate(rates, np.array([9, 9, 9, 1e-9, 0]), [s, s, s, c, d], 10.0) == 4.0
    # The largest swept rate has nothing above it that failed.
    assert suggest_rate(rates, np.zeros(5), [s, c, c, c, c], 10.0) == 5.0
    assert suggest_rate(rates, np.zeros(5), [s, s, d, d, d], 10.0) is None


def test_no_suggestion_when_no_rate_converges():
    # Raw house areas: the ravine is so narrow that 100 plain steps never reach the floor.
    assert lr_finder(RunConfig(surface="linreg"), n=20).suggested_rate is None


def test_the_rate_axis_scales_an_explicit_schedule_with_it():
    config = RunConfig(
        surface="trap",
        lr=0.01,
        scheduler="cyclic",
        scheduler_params={"base_lr": 0.01, "max_lr": 0.1},
    )
    moved = at_rate(config, 0.5)
    assert moved.lr == 0.5
    assert dict(moved.scheduler_params) == pytest.approx({"base_lr": 0.5, "max_lr": 5.0})
    run = simulate(moved)
    assert run.lr.min() == pytest.approx(0.5) and run.lr.max() == pytest.approx(5.0)


def test_each_sweep_point_is_the_run_simulate_gives(bowl_sweep):
    for i in (0, 30, 47, 59):
        run = simulate(at_rate(bowl_sweep.config, float(bowl_sweep.rates[i])))
        assert run.outcome == bowl_sweep.outcome[i]
        assert run.loss[-1] == bowl_sweep.final_loss[i]


# ---------------------------------------------------------------------- stability map


def heavy_ball_stable(rates, momenta, eigenvalues, margin):
    """(m, n) masks of cells clearly inside / outside the heavy-ball region."""
    lr, mu = np.meshgrid(rates, momenta)
    scaled = lr[..., None] * eigenvalues  # lr λ for every eigenvalue
    bound = 2.0 * (1.0 + mu)[..., None]
    inside = np.all((scaled > 0) & (scaled < (1 - margin) * bound), axis=-1) & (mu < 1)
    outside = np.any(scaled > (1 + margin) * bound, axis=-1)
    return inside, outside


def test_momentum_map_matches_the_heavy_ball_stability_region(momentum_map):
    smap = momentum_map
    inside, outside = heavy_ball_stable(smap.rates, smap.values, eigenvalues("bowl"), 0.1)
    assert inside.sum() > 500 and outside.sum() > 200
    assert "diverged" not in set(smap.outcome[inside].tolist())
    assert set(smap.outcome[outside].tolist()) == {"diverged"}
    # The engine's overlay is the same boundary.
    np.testing.assert_allclose(smap.boundary, 2 * (1 + smap.values) / eigenvalues("bowl").max())


def test_nesterov_map_matches_its_smaller_region():
    smap = stability_map(RunConfig(surface="bowl", optimizer="nesterov", steps=200), "momentum")
    lr, mu = np.meshgrid(smap.rates, smap.values)
    lam = eigenvalues("bowl").max()
    bound = 2 * (1 + mu) / ((1 + 2 * mu) * lam)
    assert "diverged" not in set(smap.outcome[lr < 0.9 * bound].tolist())
    assert set(smap.outcome[lr > 1.1 * bound].tolist()) == {"diverged"}
    # Between Nesterov's limit and heavy ball's, Nesterov diverges where heavy ball would not.
    between = (lr > 1.1 * bound) & (lr < 0.9 * 2 * (1 + mu) / lam)
    assert between.sum() > 20
    np.testing.assert_allclose(smap.boundary, bound[:, 0])


def test_map_shapes_axes_and_labels(momentum_map):
    smap = momentum_map
    assert smap.outcome.shape == smap.final_loss.shape == (40, 40)
    assert smap.rates.shape == (40,) and smap.values.shape == (40,)
    assert smap.rates[0] == limits.LR_MIN and smap.rates[-1] == limits.LR_MAX
    assert smap.values[0] == 0.0 and smap.values[-1] == MOMENTUM_MAX
    assert set(smap.outcome.ravel().tolist()) <= set(OUTCOMES)
    assert np.all(np.isfinite(smap.final_loss))
    json_safe(smap.to_dict())


def test_map_runs_are_capped_at_map_steps():
    smap = stability_map(
        RunConfig(surface="bowl", optimizer="momentum", steps=5000), "momentum", n=3, m=2
    )
    assert smap.steps == 200
    assert (
        stability_map(
            RunConfig(surface="bowl", optimizer="momentum", steps=30), "momentum", n=3, m=2
        ).steps
        == 30
    )


def test_a_map_cell_is_the_run_simulate_gives(momentum_map):
    base = momentum_map.config.replace(steps=momentum_map.steps)
    for row, column in ((0, 0), (20, 25), (39, 31), (10, 37)):
        cell = with_second(
            at_rate(base, float(momentum_map.rates[column])), "momentum", momentum_map.values[row]
        )
        run = simulate(cell)
        assert run.outcome == momentum_map.outcome[row, column]
        assert run.loss[-1] == momentum_map.final_loss[row, column]


@pytest.mark.parametrize("surface", list(SURFACES))
def test_momentum_maps_work_on_every_surface(surface):
    normalization = "standard" if surface == "linreg" else "none"
    smap = stability_map(
        RunConfig(surface=surface, normalization=normalization, optimizer="momentum"),
        "momentum",
        n=12,
        m=6,
    )
    assert smap.outcome.shape == (6, 12)
    assert set(smap.outcome.ravel().tolist()) <= set(OUTCOMES)
    assert len(set(smap.outcome.ravel().tolist())) >= 2


def test_trap_with_momentum_shows_several_outcomes():
    smap = stability_map(RunConfig(surface="trap", optimizer="momentum"), "momentum")
    seen = set(smap.outcome.ravel().tolist())
    assert {"local_minimum", "converged"} <= seen  # stuck in the pothole, or out into the basin
    assert smap.boundary is None and smap.lambda_max is None  # not a quadratic


def test_batch_size_rows_double_up_to_the_full_batch():
    config = RunConfig(surface="linreg", normalization="standard", batch_size=8)
    smap = stability_map(config, "batch_size", n=6)
    assert smap.values.tolist() == [1, 2, 4, 8, 16, 32, 64, 100]
    assert smap.outcome.shape == (8, 6)
    assert current_setting(config, "batch_size") == 8
    assert current_setting(config.replace(batch_size=None), "batch_size") == 100
    # The last row, batch of n, is the full-batch run.
    full = simulate(at_rate(config.replace(batch_size=None), float(smap.rates[3])))
    assert full.outcome == smap.outcome[-1, 3]


def test_cyclic_max_lr_below_base_lr_is_left_empty():
    config = RunConfig(surface="trap", scheduler="cyclic")
    smap = stability_map(config, "max_lr", n=8, m=8)
    lr, max_lr = np.meshgrid(smap.rates, smap.values)
    refused = np.equal(smap.outcome, None)
    np.testing.assert_array_equal(refused, max_lr < lr)
    assert set(smap.outcome[~refused].tolist()) <= set(OUTCOMES)
    assert np.all(np.isnan(smap.final_loss[refused]))
    json_safe(smap.to_dict())
    json_safe(stability_map_figure(smap, config.lr, current_setting(config, "max_lr")))


def test_second_settings_for_each_kind_of_run():
    assert second_settings(RunConfig()) == []  # plain SGD, constant rate, no data
    assert second_settings(RunConfig(optimizer="momentum")) == ["momentum"]
    assert second_settings(RunConfig(optimizer="rmsprop")) == ["momentum"]
    assert second_settings(RunConfig(optimizer="adam")) == ["beta1"]
    assert second_settings(RunConfig(surface="linreg")) == ["batch_size"]
    assert second_settings(RunConfig(scheduler="cyclic")) == [
        "max_lr",
        "step_size_up",
        "step_size_down",
        "gamma",
    ]
    assert "max_lr" not in second_settings(RunConfig(scheduler="onecycle"))
    assert second_settings(RunConfig(scheduler="cosine_restarts")) == [
        "T_0",
        "T_mult",
        "eta_min",
    ]
    # A cycled momentum replaces the optimizer's own: its two ends are swept instead.
    on = {"cycle_momentum": True}
    assert second_settings(RunConfig(optimizer="adam", scheduler="onecycle", scheduler_params=on)) == [
        "pct_start", "div_factor", "final_div_factor", "base_momentum", "max_momentum",
    ]  # fmt: skip
    cyclic = second_settings(
        RunConfig(optimizer="momentum", scheduler="cyclic", scheduler_params=on)
    )
    assert "momentum" not in cyclic and cyclic[-2:] == ["base_momentum", "max_momentum"]


def test_a_cycled_momentum_map_follows_its_base_momentum():
    config = RunConfig(surface="bowl", optimizer="momentum", scheduler="cyclic", steps=60,
                       scheduler_params={"cycle_momentum": True, "step_size_up": 5})  # fmt: skip
    smap = stability_map(config, "base_momentum", n=4, m=5)
    base = smap.config.replace(steps=smap.steps)
    for row, value in enumerate(smap.values):
        run = simulate(with_second(at_rate(base, float(smap.rates[2])), "base_momentum", value))
        assert run.outcome == smap.outcome[row, 2]
        assert run.loss[-1] == smap.final_loss[row, 2]
    assert len(set(smap.final_loss[:, 2].tolist())) == len(smap.values)  # each row its own run


@pytest.mark.parametrize("scheduler", SCHEDULER_NAMES)
def test_every_offered_setting_maps_and_round_trips(scheduler):
    config = RunConfig(
        surface="linreg",
        normalization="standard",
        optimizer="momentum",
        scheduler=scheduler,
        steps=40,
    )
    for second in second_settings(config):
        smap = stability_map(config, second, n=3, m=4)
        assert smap.outcome.shape == (len(smap.values), 3)
        assert 2 <= len(smap.values) <= 8 and np.all(np.diff(smap.values) > 0)
        assert set(smap.outcome.ravel().tolist()) <= set(OUTCOMES) | {None}
        value = smap.values[-1]  # (the top row: cyclic refuses a max_lr below the rate)
        assert current_setting(with_second(config, second, value), second) == pytest.approx(value)
        json_safe(stability_map_figure(smap, config.lr, current_setting(config, second), "ko"))


def test_integer_settings_get_distinct_integer_rows_up_to_the_maps_steps():
    smap = stability_map(RunConfig(scheduler="cosine_restarts", steps=500), "T_0", n=2)
    assert smap.values.dtype.kind == "i"
    assert smap.values[0] == 1 and smap.values[-1] == 200
    assert smap.second_log


@pytest.mark.parametrize(
    "config, second, words",
    [
        (RunConfig(), "batch_size", "batch_size applies to the data-fit problem only"),
        (RunConfig(), "momentum", "momentum applies to optimizers with a momentum parameter"),
        (RunConfig(optimizer="momentum"), "beta1", "adam only"),
        (RunConfig(scheduler="cosine"), "T_0", "cosine_restarts scheduler, not of cosine"),
        (RunConfig(scheduler="cyclic"), "base_lr", "already sweeps it"),
        (RunConfig(scheduler="cyclic"), "mode", "not a number"),
        (RunConfig(optimizer="momentum"), "lr", "unknown second setting 'lr'"),
    ],
)
def test_settings_that_do_not_apply_raise_saying_why(config, second, words):
    with pytest.raises(ValueError, match=words):
        stability_map(config, second)
    with pytest.raises(ValueError, match=words):
        current_setting(config, second)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n": 1}, "n"),
        ({"m": 0}, "m"),
        ({"n": True}, "n"),
        ({"n": 4.0}, "n"),
        ({"n": 10_000}, "n"),
        ({"lr_range": (1.0, 0.1)}, "lr_range"),
        ({"lr_range": (0.0, 1.0)}, "lr_range"),
        ({"lr_range": "x"}, "lr_range"),
    ],
)
def test_bad_grid_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        stability_map(RunConfig(optimizer="momentum"), "momentum", **kwargs)


def test_lr_finder_rejects_a_bad_count():
    with pytest.raises(ValueError, match="n = 1"):
        lr_finder(RunConfig(), n=1)


def test_a_narrower_rate_band():
    smap = stability_map(RunConfig(optimizer="momentum"), "momentum", n=5, m=2, lr_range=(0.1, 1.0))
    np.testing.assert_allclose(smap.rates, np.geomspace(0.1, 1.0, 5))


# --------------------------------------------------------------------------- figures


def test_finder_figure_colours_outcomes_and_caps_diverged_runs(bowl_sweep):
    fig = lr_finder_figure(bowl_sweep, 0.1)
    json_safe(fig)
    by_name = {trace.get("name"): trace for trace in fig["data"]}
    for outcome in OUTCOMES:
        trace = next(
            t for t in fig["data"] if t.get("marker", {}).get("color") == OUTCOME_COLOURS[outcome]
        )
        assert trace["showlegend"] == (outcome in bowl_sweep.outcome)
        assert trace["customdata"] == trace["x"]  # a click loads the point's rate
    diverged = next(
        t for t in fig["data"] if t.get("marker", {}).get("color") == OUTCOME_COLOURS["diverged"]
    )
    assert diverged["marker"]["symbol"] == "x"
    assert len(set(diverged["y"])) == 1
    others = [y for t in fig["data"] if t is not diverged for y in t["y"]]
    assert diverged["y"][0] > max(others)
    assert all(y > 0 for t in fig["data"] for y in t["y"])  # a log axis shows every point
    assert fig["layout"]["xaxis"]["type"] == fig["layout"]["yaxis"]["type"] == "log"
    lines = {shape["label"]["text"]: shape for shape in fig["layout"]["shapes"]}
    assert lines["current 0.1"]["x0"] == 0.1 and lines["current 0.1"]["line"]["dash"] == "dash"
    assert lines["2/λmax"]["x0"] == pytest.approx(2 / 3)
    assert any(name and name.startswith("suggested") for name in by_name)


def test_finder_figure_off_quadratics_has_no_limit_line():
    sweep = lr_finder(RunConfig(surface="trap"), n=10)
    fig = lr_finder_figure(sweep, 0.1, "ko")
    json_safe(fig)
    assert [shape["label"]["text"] for shape in fig["layout"]["shapes"]] == ["현재 0.1"]
    assert fig["layout"]["xaxis"]["title"]["text"] == "학습률"
    names = {trace.get("name") for trace in fig["data"]}
    assert {"지역 최소점", "수렴"} <= names


def test_finder_figure_for_huge_losses_and_momentum_is_json_safe():
    sweep = lr_finder(RunConfig(surface="linreg", optimizer="momentum"))  # raw x: losses ~ 1e20
    json_safe(sweep.to_dict())
    fig = lr_finder_figure(sweep, 1e-4)
    json_safe(fig)
    texts = [shape["label"]["text"] for shape in fig["layout"]["shapes"]]
    assert texts == ["current 0.0001", "2/λmax", "2(1+μ)/λmax"]


def test_map_figure_cells_colours_marker_and_boundary(momentum_map):
    fig = stability_map_figure(momentum_map, 0.1, 0.9)
    json_safe(fig)
    heat, boundary, marker = fig["data"]
    assert heat["type"] == "heatmap"
    assert len(heat["z"]) == 40 and len(heat["z"][0]) == 40
    for row in (0, 17, 39):
        for column in (0, 20, 39):
            outcome = momentum_map.outcome[row, column]
            assert heat["z"][row][column] == OUTCOMES.index(outcome)
            assert heat["customdata"][row][column] == [
                momentum_map.rates[column],
                momentum_map.values[row],
            ]
    # Each code's band of the colour scale has its outcome's colour.
    scale = heat["colorscale"]
    for i, outcome in enumerate(OUTCOMES):
        assert scale[2 * i][1] == scale[2 * i + 1][1] == OUTCOME_COLOURS[outcome]
        assert scale[2 * i][0] <= (i + 0.5) / len(OUTCOMES) <= scale[2 * i + 1][0]
    # One name per outcome the engine knows (a saddle point among them), in its order.
    assert len(heat["colorbar"]["ticktext"]) == len(OUTCOMES)
    assert heat["colorbar"]["ticktext"][:5] == [
        "converged",
        "overshooting",
        "diverged",
        "local minimum",
        "too slow",
    ]
    assert boundary["x"] == pytest.approx((2 * (1 + momentum_map.values) / 3).tolist())
    assert marker["x"] == [0.1] and marker["y"] == [0.9]
    assert marker["marker"]["line"]["color"] == "#ffffff"
    assert fig["layout"]["xaxis"]["type"] == "log"


def test_map_figure_in_korean_and_without_boundary():
    config = RunConfig(surface="linreg", normalization="standard", batch_size=4)
    smap = stability_map(config, "batch_size", n=8)
    fig = stability_map_figure(smap, config.lr, 4, "ko")
    json_safe(fig)
    assert len(fig["data"]) == 2  # no theory line for mini-batches
    assert fig["layout"]["yaxis"]["title"]["text"] == "배치 크기"
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert "발산" in fig["data"][0]["colorbar"]["ticktext"]
    trap = stability_map(RunConfig(surface="trap", optimizer="momentum"), "momentum", n=6, m=4)
    fig = stability_map_figure(trap, 0.1, 0.9, "ko")
    assert fig["layout"]["yaxis"]["title"]["text"] == "모멘텀 μ"
    assert [t["type"] for t in fig["data"]] == ["heatmap", "scatter"]
