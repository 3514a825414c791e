"""engine.datafit and the data-fit lessons (L2, L10, L11, L12) against independent truth.

Truth here is the data itself: per-point sums written out in the test, np.linalg.lstsq on the
raw data, np.linalg.cond of the Hessian, and the mini-batches rebuilt from the documented
shuffle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.catalog import SURFACES
from engine.config import RunConfig
from engine.datafit import DataFit, FitSurface, house_prices, scale_feature
from engine.simulate import batch_orders, simulate

DATA = SURFACES["linreg"]
LIN = {"surface": "linreg"}


def scaled(normalization: str) -> np.ndarray:
    """The feature after normalization, computed here from the raw data."""
    x = DATA.x
    if normalization == "standard":
        return (x - x.mean()) / x.std()
    if normalization == "minmax":
        return (x - x.min()) / (x.max() - x.min())
    return x


def per_point_loss_and_grad(u, y, w, b):
    residual = w * u + b - y
    return 0.5 * np.mean(residual**2), np.array([np.mean(residual * u), np.mean(residual)])


# ------------------------------------------------------------- the data set and the formulas


def test_house_prices_is_deterministic_and_sized():
    again = house_prices()
    assert DATA.n == again.n == 100
    np.testing.assert_array_equal(DATA.x, again.x)
    np.testing.assert_array_equal(DATA.y, again.y)
    assert 40 <= DATA.x.min() and DATA.x.max() <= 200


@pytest.mark.parametrize("normalization", ["none", "standard", "minmax"])
def test_loss_and_gradient_match_the_per_point_sums(normalization):
    surface = DATA.surface(normalization)
    u, y = scaled(normalization), DATA.y
    rng = np.random.default_rng(1)
    for w, b in rng.normal(0, 2, size=(20, 2)):
        loss, grad = per_point_loss_and_grad(u, y, w, b)
        np.testing.assert_allclose(surface.value((w, b)), loss, rtol=1e-9)
        np.testing.assert_allclose(surface.grad((w, b)), grad, rtol=1e-9, atol=1e-9)
    hessian = np.array([[np.mean(u * u), np.mean(u)], [np.mean(u), 1.0]])
    np.testing.assert_allclose(surface.hessian((0.3, -2.0)), hessian, rtol=1e-12)


@pytest.mark.parametrize("normalization", ["none", "standard", "minmax"])
def test_a_few_points_on_floats_are_the_arrays_numbers(normalization):
    """The step loop of a few runs takes gradients and losses on Python floats: bit for bit
    grad's, grad_from_means' and value's, blow-ups (huge, inf, NaN) included."""
    surface = DATA.surface(normalization)
    rng = np.random.default_rng(5)
    points = rng.normal(0, 3, size=(6, 2)) * 10.0 ** rng.uniform(0, 200, size=(6, 1))
    points[0], points[1] = (np.inf, 1.0), (np.nan, -2.0)
    orders = batch_orders(3, surface.n, 1)
    means = surface.batch_means(orders, 16)[0, : len(points)]  # a batch's moments per point
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(surface.grads_on_floats(points.tolist()), surface.grad(points))
        on_floats = surface.grads_on_floats(points.tolist(), means.tolist())
        np.testing.assert_array_equal(on_floats, surface.grad_from_means(points, means))
        shared = surface.grads_on_floats(points.tolist(), means[:1].tolist())  # one batch for all
        np.testing.assert_array_equal(shared, surface.grad_from_means(points, means[:1]))
        np.testing.assert_array_equal(surface.losses_on_floats(points.tolist()), surface.value(points))


def test_minmax_maps_the_feature_onto_zero_one():
    u = DATA.surface("minmax").features
    assert u.min() == 0.0 and u.max() == 1.0
    standard = DATA.surface("standard").features
    assert abs(standard.mean()) < 1e-12 and abs(standard.std() - 1) < 1e-12


@pytest.mark.parametrize("normalization", ["none", "standard", "minmax"])
def test_minimiser_is_least_squares_on_the_raw_data(normalization):
    """lstsq on raw x, mapped through the normalization: w' = w·scale, b' = b + w·shift."""
    (w_raw, b_raw), *_ = np.linalg.lstsq(np.column_stack([DATA.x, np.ones(DATA.n)]), DATA.y)
    shift, scale = scale_feature(DATA.x, normalization)
    expected = (w_raw * scale, b_raw + w_raw * shift)
    np.testing.assert_allclose(DATA.surface(normalization).minimiser, expected, rtol=1e-9)
    # And back: the line in raw units is the raw least-squares line.
    np.testing.assert_allclose(DATA.line(expected, normalization), (w_raw, b_raw), rtol=1e-9)


def test_window_holds_start_and_minimiser():
    for normalization in ("none", "standard", "minmax"):
        surface = DATA.surface(normalization)
        (w0, w1), (b0, b1) = surface.window
        for w, b in (surface.default_start, surface.minimiser):
            assert w0 < w < w1 and b0 < b < b1


# ------------------------------------------------------------- L10, L11: scaling the input


def condition_number(normalization: str) -> float:
    surface = DATA.surface(normalization)
    eigenvalues = np.linalg.eigvalsh(surface.hessian(surface.default_start))
    return float(eigenvalues.max() / eigenvalues.min())


def test_standardizing_makes_the_contours_round():
    assert condition_number("standard") == pytest.approx(1.0, abs=1e-9)
    assert condition_number("none") > 1e4  # a ravine: ~10⁵ for areas of 40-200 m²
    assert 1 < condition_number("minmax") < condition_number("none") / 100
    assert np.linalg.cond(DATA.hessian((0, 0), "none")) == pytest.approx(condition_number("none"))


@pytest.mark.parametrize("lr", [0.1, 0.5])
def test_a_rate_that_works_standardized_diverges_raw(lr):
    standardized = simulate(RunConfig(**LIN, normalization="standard", lr=lr, steps=50))
    raw = simulate(RunConfig(**LIN, normalization="none", lr=lr, steps=50))
    assert standardized.outcome == "converged"  # within 50 steps
    assert raw.outcome == "diverged"
    assert raw.diverged_at <= 5


def test_minmax_converges_where_raw_diverges():
    runs = {
        name: simulate(RunConfig(**LIN, normalization=name, lr=0.5, steps=200))
        for name in ("none", "standard", "minmax")
    }
    assert runs["none"].outcome == "diverged"
    assert runs["standard"].outcome == runs["minmax"].outcome == "converged"


# Raw x is left out: its flat direction would need ~10⁶ steps (the ravine of lesson L10).
@pytest.mark.parametrize("normalization", ["standard", "minmax"])
def test_full_batch_converges_to_least_squares(normalization):
    (w_raw, b_raw), *_ = np.linalg.lstsq(np.column_stack([DATA.x, np.ones(DATA.n)]), DATA.y)
    shift, scale = scale_feature(DATA.x, normalization)
    # A rate safely below 2/λmax, and enough steps for the flat direction (λmin).
    eigenvalues = np.linalg.eigvalsh(DATA.hessian((0, 0), normalization))
    lr = 1.0 / eigenvalues.max()
    steps = min(10_000, math.ceil(math.log(1e-12) / math.log(1 - lr * eigenvalues.min())))
    run = simulate(RunConfig(**LIN, normalization=normalization, lr=lr, steps=steps))
    np.testing.assert_allclose(run.params[-1], (w_raw * scale, b_raw + w_raw * shift), rtol=1e-6)
    assert run.outcome == "converged"


# ------------------------------------------------------------- L12: batch size


def test_batch_of_n_is_the_full_batch_exactly():
    full = simulate(RunConfig(**LIN, normalization="standard", lr=0.3, steps=50))
    whole = simulate(RunConfig(**LIN, normalization="standard", lr=0.3, steps=50, batch_size=100))
    for name in ("params", "loss", "lr", "grad", "epoch"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(full, name))
    assert whole.steps_per_epoch == 1


def wiggle(params: np.ndarray) -> tuple[float, float]:
    """(path length / net displacement, mean turning angle in degrees) of a path."""
    moves = np.diff(params, axis=0)
    lengths = np.hypot(*moves.T)
    net = float(np.hypot(*(params[-1] - params[0])))
    unit = moves[lengths > 0] / lengths[lengths > 0, None]
    turns = np.degrees(np.arccos(np.clip(np.sum(unit[1:] * unit[:-1], axis=1), -1, 1)))
    return float(lengths.sum()) / net, float(turns.mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_of_one_is_visibly_noisier_than_the_full_batch(seed):
    config = RunConfig(**LIN, normalization="standard", lr=0.1, steps=100, seed=seed)
    full_ratio, full_turn = wiggle(simulate(config).params)
    one_ratio, one_turn = wiggle(simulate(config.replace(batch_size=1)).params)
    eight_ratio, _ = wiggle(simulate(config.replace(batch_size=8)).params)
    # Round contours: the full batch walks a straight line to the minimum.
    assert full_ratio == pytest.approx(1.0, abs=1e-9) and full_turn < 1e-3
    assert one_ratio > 1.5 and one_turn > 30  # batch 1 wanders and turns at every step
    assert full_ratio < eight_ratio < one_ratio  # mini-batches sit in between


def test_mini_batches_shuffle_every_epoch_without_replacement():
    """n = 100, batch 30: 4 batches per epoch of 30, 30, 30 and 10 points, every point once.

    The gradient of every step is rebuilt from the raw data over that step's batch.
    """
    seed, batch, n = 11, 30, 100
    config = RunConfig(
        **LIN, normalization="standard", lr=0.2, batch_size=batch, steps=12, seed=seed
    )
    run = simulate(config)
    assert run.steps_per_epoch == 4
    orders = batch_orders(seed, n, 3)
    # The documented recipe: one generator per seed, each epoch's row shuffled on its own.
    recipe = np.random.default_rng(seed).permuted(np.tile(np.arange(n), (3, 1)), axis=1)
    np.testing.assert_array_equal(orders, recipe)
    u, y = scaled("standard"), DATA.y
    sizes = []
    for t in range(12):
        epoch, slot = divmod(t, 4)
        batch_rows = orders[epoch, slot * batch : (slot + 1) * batch]
        sizes.append(len(batch_rows))
        assert run.epoch[t] == epoch
        _, expected = per_point_loss_and_grad(u[batch_rows], y[batch_rows], *run.params[t])
        np.testing.assert_allclose(run.grad[t], expected, rtol=1e-9, atol=1e-12)
    assert sizes == [30, 30, 30, 10] * 3
    for epoch in range(3):
        assert sorted(orders[epoch]) == list(range(n))  # every point once per epoch
    assert not np.array_equal(orders[0], orders[1])  # a fresh shuffle each epoch
    other = simulate(config.replace(seed=seed + 1))
    assert not np.array_equal(other.grad, run.grad)  # the seed picks the shuffle
    np.testing.assert_array_equal(simulate(config).grad, run.grad)  # and only the seed


def test_batch_means_agree_with_the_per_point_batch_gradient():
    surface = DATA.surface("standard")
    orders = batch_orders(3, surface.n, 2)
    means = surface.batch_means(orders, 8)  # (2 epochs, 13 batches, 4)
    assert means.shape == (2, 13, 4)
    p = np.array([[0.7, -1.2]])
    for epoch in range(2):
        for slot in range(13):
            rows = orders[epoch, slot * 8 : (slot + 1) * 8][None]
            np.testing.assert_allclose(
                FitSurface.grad_from_means(p, means[epoch, slot]),
                surface.batch_grad(p, rows),
                rtol=1e-12,
                atol=1e-12,
            )


def test_whole_data_moments_give_the_full_gradient():
    surface = DATA.surface("none")
    means = surface.batch_means(np.arange(surface.n)[None], surface.n)[0, 0]
    p = np.array([[0.04, 1.5], [0.1, -3.0]])
    np.testing.assert_allclose(FitSurface.grad_from_means(p, means), surface.grad(p), rtol=1e-9)


# ------------------------------------------------------------- bad data


def test_a_constant_feature_cannot_be_scaled():
    data = DataFit(x=[1, 1, 1], y=[1.0, 2.0, 4.0])
    for normalization in ("standard", "minmax"):
        with pytest.raises(ValueError, match=r"constant feature.*every x equals 1"):
            data.surface(normalization)
    with pytest.raises(ValueError, match="every x equals 1"):
        _ = data.surface("none").minimiser


@pytest.mark.parametrize(
    "x, y",
    [
        ([1, 2, 3], [1, 2]),
        ([1], [1]),
        ([[1, 2], [3, 4]], [[1, 2], [3, 4]]),
        ([1, np.nan], [1, 2]),
        ([1, 2], [np.inf, 2]),
    ],
)
def test_bad_data_is_refused(x, y):
    with pytest.raises(ValueError, match="data"):
        DataFit(x, y)


def test_unknown_normalization_is_refused():
    with pytest.raises(ValueError, match="normalization = 'zscore'.*none, standard, minmax"):
        DATA.surface("zscore")
    with pytest.raises(ValueError, match="already scaled"):
        DATA.surface("standard").surface("none")


def test_batch_of_one_at_a_moderate_rate_is_labelled_converged_whatever_the_seed():
    """SGD with batch 1 jitters at a noise floor near the minimum; it has converged there
    (engine.outcome reads the lowest loss of the tail), not 'slow' or 'overshooting' by the
    luck of its last step."""
    for seed in range(8):
        config = RunConfig(**LIN, normalization="standard", lr=0.1, steps=200, batch_size=1)
        assert simulate(config.replace(seed=seed)).outcome == "converged", seed
