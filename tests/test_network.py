"""The network problem's engine: data, the MLP's passes, its initialisation and training."""

from __future__ import annotations

import dataclasses
import importlib
import math

import numpy as np
import pytest

from engine.datafit import house_prices
from engine.network.data import DATASETS, NOISE, POINTS, RAW_SCALE, make_dataset
from engine.network.mlp import (
    Layout,
    Workspace,
    forward,
    init_params,
    loss_and_grad,
    mean_loss,
    pointwise_loss,
    sigmoid,
)
from engine.network.outcome import diagnose
from engine.network.train import NetworkConfig, baseline_loss, initial_weights, train, train_many
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZERS, stack_hyper
from engine.schedules import Plateau, learning_rates, momentum_values
from engine.simulate import batch_orders

# ----------------------------------------------------------------------------- data


@pytest.mark.parametrize("name", [n for n in DATASETS if n != "house_prices"])
def test_toy_data_sets_are_balanced_seeded_and_noisy_as_documented(name):
    data = make_dataset(name, "none", seed=3)
    assert data.inputs.shape == (POINTS, 2)
    assert sorted(np.unique(data.targets)) == [0.0, 1.0]
    assert np.count_nonzero(data.targets) == POINTS // 2
    again = make_dataset.__wrapped__(name, "none", 3)
    np.testing.assert_array_equal(again.inputs, data.inputs)
    assert not np.array_equal(make_dataset.__wrapped__(name, "none", 4).inputs, data.inputs)
    assert NOISE[name] > 0


def test_house_prices_are_the_data_fit_problems_data():
    data = make_dataset("house_prices", "none")
    fit = house_prices()
    np.testing.assert_array_equal(data.raw_inputs[:, 0], fit.x)
    np.testing.assert_array_equal(data.targets, fit.y)
    assert data.task == "regression" and data.loss == "half_mse" and data.features == 1


@pytest.mark.parametrize("name", ["moons", "house_prices"])
def test_input_scalings(name):
    raw = make_dataset(name, "none").raw_inputs
    standard = make_dataset(name, "standard").inputs
    np.testing.assert_allclose(standard.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standard.std(axis=0), 1.0, rtol=1e-12)
    minmax = make_dataset(name, "minmax").inputs
    np.testing.assert_allclose(minmax.min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(minmax.max(axis=0), 1.0, rtol=1e-15)
    np.testing.assert_allclose(make_dataset(name, "x100").inputs, raw * RAW_SCALE, rtol=1e-15)
    np.testing.assert_array_equal(make_dataset(name, "none").inputs, raw)


def test_unknown_data_set_or_scaling_is_refused():
    with pytest.raises(ValueError, match="dataset"):
        make_dataset("mnist")
    with pytest.raises(ValueError, match="normalization"):
        make_dataset("moons", "whiten")


# --------------------------------------------------------------------------- layout


def test_layout_follows_pytorchs_parameter_order():
    layout = Layout(2, (16, 16))
    assert layout.size == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    theta = np.arange(layout.size, dtype=float)[None]
    # parameters_to_vector order: W1 (16x2, row-major), b1, W2, b2, W3, b3
    np.testing.assert_array_equal(layout.weight(theta, 0)[0], np.arange(32).reshape(16, 2))
    np.testing.assert_array_equal(layout.bias(theta, 0)[0], np.arange(32, 48))
    np.testing.assert_array_equal(layout.weight(theta, 2)[0], np.arange(320, 336).reshape(1, 16))
    np.testing.assert_array_equal(layout.bias(theta, 2)[0], [336])
    assert np.shares_memory(layout.weight(theta, 1), theta)
    assert len(layout.rows()) == 16 + 16 + 1
    assert np.count_nonzero(layout.weight_mask()) == 32 + 256 + 16


@pytest.mark.parametrize("hidden", [(), (17,), (4, 4, 4, 4), (0,)])
def test_layout_refuses_sizes_outside_the_limits(hidden):
    with pytest.raises(ValueError, match="hidden"):
        Layout(2, hidden)


# ------------------------------------------------------------------------- backprop


def _reference_forward(
    layout: Layout, activation: str, theta: np.ndarray, x: np.ndarray
) -> np.ndarray:
    """One network, written out layer by layer from the flat vector by hand."""
    a, start = x, 0
    sizes = layout.sizes
    for layer in range(len(sizes) - 1):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        w = theta[start : start + fan_in * fan_out].reshape(fan_out, fan_in)
        start += fan_in * fan_out
        b = theta[start : start + fan_out]
        start += fan_out
        pre = a @ w.T + b
        if layer == len(sizes) - 2:
            return pre[:, 0]
        a = np.tanh(pre) if activation == "tanh" else np.where(pre > 0, pre, 0.0)
    raise AssertionError("unreachable")


def _reference_loss(z: np.ndarray, y: np.ndarray, loss: str) -> float:
    if loss == "cross_entropy":
        return float(np.mean(np.logaddexp(0.0, z) - z * y))  # log(1 + e^z) − z y
    return float(np.mean(0.5 * (z - y) ** 2))


def _away_from_kinks(layout, theta_runs, x, margin=1e-3):
    """Examples whose pre-activations, in every run, stay farther than margin from 0."""
    keep = np.ones(len(x), dtype=bool)
    for theta in theta_runs:
        a = x
        for layer in range(layout.layers - 1):
            pre = a @ layout.weight(theta, layer).T + layout.bias(theta, layer)
            keep &= np.all(np.abs(pre) > margin, axis=1)
            a = np.maximum(pre, 0.0)
    return keep


HIDDEN = [(16,), (5, 16), (16, 7, 3)]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda h: "-".join(map(str, h)))
@pytest.mark.parametrize("dataset", ["moons", "house_prices"])
def test_backprop_matches_central_differences(activation, hidden, dataset):
    data = make_dataset(dataset, "standard")
    layout = Layout(data.features, hidden)
    rng = np.random.default_rng(11)
    theta = rng.normal(0.0, 0.7, (3, layout.size))  # three runs, different weights
    x, y = data.inputs, data.targets
    if activation == "relu":
        keep = _away_from_kinks(layout, theta, x)
        assert keep.sum() > 0.8 * len(x)
        x, y = x[keep], y[keep]
    value, grad, z = loss_and_grad(layout, activation, theta, x, y, data.loss)
    h = 1e-6
    for r in range(len(theta)):
        assert value[r] == pytest.approx(
            _reference_loss(_reference_forward(layout, activation, theta[r], x), y, data.loss),
            rel=1e-12,
        )
        np.testing.assert_allclose(
            z[r], _reference_forward(layout, activation, theta[r], x), rtol=1e-12, atol=1e-12
        )
        numeric = np.empty(layout.size)
        for i in range(layout.size):
            step = np.zeros(layout.size)
            step[i] = h
            up = _reference_loss(
                _reference_forward(layout, activation, theta[r] + step, x), y, data.loss
            )
            down = _reference_loss(
                _reference_forward(layout, activation, theta[r] - step, x), y, data.loss
            )
            numeric[i] = (up - down) / (2 * h)
        error = np.linalg.norm(grad[r] - numeric) / np.linalg.norm(numeric)
        assert error < 1e-6, (r, error)


def test_backprop_with_a_batch_per_run_equals_each_run_alone():
    data = make_dataset("moons", "standard")
    layout = Layout(2, (16, 16))
    rng = np.random.default_rng(5)
    theta = rng.normal(0.0, 0.5, (4, layout.size))
    index = rng.integers(0, data.n, (4, 9))
    value, grad, _ = loss_and_grad(
        layout, "tanh", theta, data.inputs[index], data.targets[index], data.loss
    )
    for r in range(4):
        alone = loss_and_grad(
            layout, "tanh", theta[r], data.inputs[index[r]], data.targets[index[r]], data.loss
        )
        assert value[r] == pytest.approx(alone[0], rel=1e-13)
        np.testing.assert_allclose(grad[r], alone[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("runs", [(), (3,)], ids=["one network", "three runs"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("dataset", ["moons", "house_prices"])
def test_a_pass_reused_step_after_step_equals_a_fresh_one(dataset, activation, runs, dtype):
    """The step loop rewrites θ in place and hands loss_and_grad the same arrays each step: the
    pass laid out at the first call (its views and arrays) must give, bit for bit, what a
    fresh call does, and the loss and slope the module's formulas give."""
    data = make_dataset(dataset, "standard")
    layout = Layout(data.features, (16, 7))
    x, y = data.inputs.astype(dtype), data.targets.astype(dtype)
    rng = np.random.default_rng(4)
    space = Workspace()
    theta = np.empty(runs + (layout.size,), dtype=dtype)
    for step in range(3):
        theta[...] = rng.normal(0.0, 0.8, theta.shape)
        value, grad, z = loss_and_grad(layout, activation, theta, x, y, data.loss, space)
        if step == 0:
            laid_out = space._pass
        assert space._pass is laid_out  # reused, not laid out again
        fresh = loss_and_grad(layout, activation, theta.copy(), x, y, data.loss)
        for mine, theirs in zip((value, grad, z), fresh, strict=True):
            assert mine.dtype == theirs.dtype == dtype
            np.testing.assert_array_equal(mine, theirs)
        # forward sums in another order (the pass folds each bias into its matrix product):
        # equal to rounding, not bit for bit
        tolerance = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(
            z, forward(layout, activation, theta, x), rtol=tolerance, atol=tolerance
        )
        np.testing.assert_array_equal(value, mean_loss(z, y, data.loss))
        # ∂L/∂b_L = mean of ∂ℓ/∂z: σ(z) − y or z − y
        slope = sigmoid(z) - y if data.loss == "cross_entropy" else z - y
        np.testing.assert_allclose(grad[..., -1], slope.mean(axis=-1), rtol=1e-5, atol=1e-7)


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    # −log σ(z) = log(1 + e^(−z)) for class 1, −log(1 − σ(z)) = log(1 + e^z) for class 0
    for y, expected in ((1.0, np.logaddexp(0.0, -z)), (0.0, np.logaddexp(0.0, z))):
        loss = pointwise_loss(z, np.full(5, y), "cross_entropy")
        np.testing.assert_allclose(loss, expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(
        sigmoid(z), [0.0, 1 / (1 + math.exp(40)), 0.5, 1 / (1 + math.exp(-40)), 1.0], rtol=1e-12
    )


# --------------------------------------------------------------------- initialisation


def _torch_bound(fan_in: int) -> float:
    """nn.Linear.reset_parameters: kaiming_uniform_(a=√5): gain·√(3/fan_in), gain = √(2/(1+a²))."""
    a = math.sqrt(5)
    return math.sqrt(2.0 / (1 + a * a)) * math.sqrt(3.0 / fan_in)


def test_initialisation_follows_nn_linears_rule_per_layer():
    layout = Layout(2, (16, 16, 8))
    draws = np.stack([init_params(layout, seed) for seed in range(300)])
    for layer in range(layout.layers):
        fan_in = layout.sizes[layer]
        bound = _torch_bound(fan_in)
        assert bound == pytest.approx(1 / math.sqrt(fan_in), rel=1e-15)
        for values in (layout.weight(draws, layer).ravel(), layout.bias(draws, layer).ravel()):
            assert np.all(np.abs(values) <= bound)
            # Kolmogorov-Smirnov distance to U(−bound, bound): under 1.63/√N (the 1 % level)
            u = np.sort(values) / bound
            cdf = (u + 1) / 2
            n = len(u)
            ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
            assert ks < 1.63 / math.sqrt(n), (layer, ks)


def test_the_same_seed_gives_the_same_weights():
    layout = Layout(2, (16, 16))
    np.testing.assert_array_equal(init_params(layout, 7), init_params(layout, 7))
    assert not np.array_equal(init_params(layout, 7), init_params(layout, 8))
    runs = initial_weights([NetworkConfig(seed=7), NetworkConfig(seed=8, lr=0.1)])
    np.testing.assert_array_equal(runs[0], init_params(layout, 7))
    np.testing.assert_array_equal(runs[1], init_params(layout, 8))


# -------------------------------------------------------------------------- training


def test_two_moons_adam_reaches_95_percent_and_converges():
    run = train(
        NetworkConfig(
            dataset="moons",
            hidden=(16, 16),
            activation="tanh",
            optimizer="adam",
            lr=0.01,
            steps=1000,
            seed=0,
        )
    )
    assert run.accuracy[-1] >= 0.95
    assert run.outcome == "converged"
    assert run.diverged_at is None and run.steps_taken == 1000
    assert run.loss[-1] < 0.05 * run.loss[0]


def test_a_hundredfold_adam_rate_cannot_diverge_a_tanh_classifier():
    """Adam moves each weight by at most about lr per step and tanh units are bounded, so the
    logit, and the cross-entropy with it, grow at most linearly: at lr 1 the loss spikes
    above its start but comes back down. (A rate that does diverge: see the next tests.)"""
    run = train(NetworkConfig(dataset="moons", optimizer="adam", lr=1.0))
    assert run.diverged_at is None
    assert run.loss.max() > 2 * run.loss[0]
    assert run.outcome == "converged"
    for array in (run.weights, run.loss, run.accuracy, run.grad_norm):
        assert np.all(np.isfinite(array))


def _assert_finite(run):
    for array in (run.weights, run.final_weights, run.loss, run.grad_norm, run.lr):
        assert np.all(np.isfinite(array))
    if run.accuracy is not None:
        assert np.all(np.isfinite(run.accuracy))


def test_a_hundredfold_sgd_rate_diverges_on_the_house_price_network():
    slow, fast = train_many(
        [NetworkConfig(dataset="house_prices", optimizer="sgd", lr=lr) for lr in (0.01, 1.0)]
    )
    assert slow.outcome == "converged" and slow.diverged_at is None
    assert fast.outcome == "diverged"
    assert fast.diverged_at is not None and fast.steps_taken == fast.diverged_at - 1
    assert len(fast.weights) == len(fast.loss) == fast.diverged_at
    _assert_finite(fast)
    _assert_finite(slow)


def test_divergence_on_a_classifier_is_contained():
    (run,) = train_many(
        [
            NetworkConfig(
                dataset="moons", normalization="x100", activation="relu", optimizer="sgd", lr=1.0
            )
        ]
    )
    assert run.outcome == "diverged" and run.diverged_at is not None
    _assert_finite(run)
    lone = train(
        NetworkConfig(
            dataset="moons", normalization="x100", activation="relu", optimizer="sgd", lr=1.0
        ),
        keep_weights=False,
    )
    assert lone.diverged_at == run.diverged_at
    np.testing.assert_allclose(lone.final_weights, run.weights[-1], rtol=1e-6)
    _assert_finite(lone)


@pytest.mark.parametrize("batch_size", [1, 7, 64, 199])
def test_steps_per_epoch_and_batches_follow_batch_orders(batch_size):
    config = NetworkConfig(optimizer="sgd", lr=0.05, batch_size=batch_size, steps=30, seed=4)
    run = train(config)
    n = config.data.n
    per_epoch = math.ceil(n / batch_size)
    assert run.steps_per_epoch == per_epoch
    np.testing.assert_array_equal(run.epoch, np.arange(30) // per_epoch)
    # the same steps by hand, over the batches of engine.simulate.batch_orders
    layout, data = config.layout, config.data
    orders = batch_orders(4, n, math.ceil(30 / per_epoch))
    theta = init_params(layout, 4)
    for t in range(30):
        slot = t % per_epoch
        index = orders[t // per_epoch, slot * batch_size : (slot + 1) * batch_size]
        _, g, _ = loss_and_grad(
            layout, "tanh", theta, data.inputs[index], data.targets[index], data.loss
        )
        assert run.grad_norm[t] == pytest.approx(np.linalg.norm(g), rel=1e-12)
        theta = theta - 0.05 * g
    np.testing.assert_allclose(run.final_weights, theta, rtol=1e-12, atol=1e-14)
    z = forward(layout, "tanh", theta, data.inputs)
    assert run.loss[-1] == pytest.approx(float(mean_loss(z, data.targets, data.loss)), rel=1e-12)


def test_a_batch_of_every_point_is_the_full_batch():
    n = make_dataset("moons", "standard").n
    full, whole = train_many(
        [NetworkConfig(steps=50), NetworkConfig(steps=50, batch_size=n, lr=0.01)]
    )
    np.testing.assert_array_equal(full.weights, whole.weights)
    np.testing.assert_array_equal(full.loss, whole.loss)
    assert whole.steps_per_epoch == 1


def test_sgd_at_a_constant_rate_is_the_hand_written_loop():
    config = NetworkConfig(
        dataset="circles", hidden=(8, 8), optimizer="sgd", lr=0.3, steps=5, seed=2
    )
    run = train(config)
    data, layout = config.data, config.layout
    w = init_params(layout, 2)
    path = [w.copy()]
    for _ in range(5):
        _, grad, _ = loss_and_grad(layout, "tanh", w, data.inputs, data.targets, data.loss)
        w -= 0.3 * grad
        path.append(w.copy())
    np.testing.assert_array_equal(run.weights, np.array(path, dtype=np.float32))
    np.testing.assert_array_equal(run.final_weights, w)
    np.testing.assert_array_equal(run.lr, 0.3)
    np.testing.assert_array_equal(train(config).weights, run.weights)  # deterministic
    assert not run.weights.flags.writeable


def test_adam_with_a_cosine_schedule_is_the_engines_optimizer_and_schedule():
    config = NetworkConfig(
        optimizer="adam",
        optimizer_params={"betas": (0.8, 0.99)},
        lr=0.02,
        scheduler="cosine",
        steps=40,
    )
    run = train(config)
    data, layout = config.data, config.layout
    rates = learning_rates("cosine", 0.02, 40)
    np.testing.assert_array_equal(run.lr, rates)
    adam, hyper = OPTIMIZERS["adam"], stack_hyper("adam", [{"betas": (0.8, 0.99)}])
    theta = init_params(layout, 0)[None]
    state = adam.init(theta, hyper)
    for t in range(40):
        _, g, _ = loss_and_grad(layout, "tanh", theta[0], data.inputs, data.targets, data.loss)
        move, state = adam.update(g[None], state, rates[t], hyper)
        theta = theta + move
    np.testing.assert_allclose(run.final_weights, theta[0], rtol=1e-12, atol=1e-14)


def test_cycled_momentum_trains_as_torchs_formulas_with_the_schedulers_momenta():
    """CyclicLR / OneCycleLR with cycle_momentum set momentum (Adam: beta1) before each step;
    here torch's documented updates are written out with those values."""
    sgd_params = {"cycle_momentum": True, "step_size_up": 6, "base_momentum": 0.0}
    sgd = NetworkConfig(dataset="circles", hidden=(6,), optimizer="sgd", lr=0.05, steps=30,
                        scheduler="cyclic", scheduler_params=sgd_params, batch_size=40)  # fmt: skip
    adam_params = {"cycle_momentum": True}
    adam = NetworkConfig(dataset="circles", hidden=(6,), optimizer="adam", lr=0.02, steps=30,
                         scheduler="onecycle", scheduler_params=adam_params)  # fmt: skip
    data, layout = sgd.data, sgd.layout
    rates, momenta = (learning_rates("cyclic", 0.05, 30, sgd_params),
                      momentum_values("cyclic", "sgd", 0.05, 30, sgd_params))  # fmt: skip
    assert 0.0 in momenta  # a step without the buffer (torch skips it at momentum 0)
    theta, buf = init_params(layout, 0), None
    orders = batch_orders(0, data.n, 30)
    per_epoch = -(-data.n // 40)
    for t in range(30):
        index = orders[t // per_epoch, (t % per_epoch) * 40 : (t % per_epoch + 1) * 40]
        _, g, _ = loss_and_grad(
            layout, "tanh", theta, data.inputs[index], data.targets[index], data.loss
        )
        if momenta[t] == 0:
            direction = g
        else:
            buf = g.copy() if buf is None else momenta[t] * buf + g
            direction = buf
        theta = theta - rates[t] * direction
    np.testing.assert_allclose(train(sgd).final_weights, theta, rtol=1e-12, atol=1e-14)

    rates = learning_rates("onecycle", 0.02, 30, adam_params)
    beta1 = momentum_values("onecycle", "adam", 0.02, 30, adam_params)
    theta = init_params(layout, 0)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(30):
        _, g, _ = loss_and_grad(layout, "tanh", theta, data.inputs, data.targets, data.loss)
        m = beta1[t] * m + (1 - beta1[t]) * g
        v = 0.999 * v + 0.001 * g * g
        step = t + 1  # the bias correction reads the step's own beta1, as torch's Adam does
        denom = np.sqrt(v) / math.sqrt(1 - 0.999**step) + 1e-8
        theta = theta - rates[t] / (1 - beta1[t] ** step) * m / denom
    together = train_many([adam, dataclasses.replace(adam, scheduler_params={})])
    np.testing.assert_allclose(together[0].final_weights, theta, rtol=1e-10, atol=1e-13)
    np.testing.assert_array_equal(together[0].final_weights, train(adam).final_weights)
    assert np.abs(together[0].final_weights - together[1].final_weights).max() > 1e-4


def test_reduce_on_plateau_steps_once_per_epoch_on_the_full_data_loss():
    params = {"patience": 1, "factor": 0.5, "threshold": 0.5}
    config = NetworkConfig(
        optimizer="sgd",
        lr=0.5,
        scheduler="plateau",
        scheduler_params=params,
        batch_size=50,
        steps=40,
    )
    run = train(config)
    per_epoch = 4
    plateau = Plateau(np.array([0.5]), **params)
    expected = []
    for t in range(40):
        if t > 0 and t % per_epoch == 0:
            plateau.step(np.array([run.loss[t]]))
        expected.append(plateau.lr[0])
    np.testing.assert_array_equal(run.lr, expected)
    assert run.lr[-1] < 0.5  # it did cut the rate


def test_many_runs_at_once_equal_each_run_alone():
    configs = [
        NetworkConfig(optimizer="momentum", lr=0.1, steps=60, seed=1, batch_size=16),
        NetworkConfig(
            optimizer="momentum",
            lr=0.3,
            optimizer_params={"momentum": 0.5},
            steps=60,
            seed=2,
            batch_size=16,
        ),
        NetworkConfig(
            optimizer="momentum", lr=0.05, scheduler="step", steps=60, seed=1, batch_size=16
        ),
        NetworkConfig(optimizer="adam", lr=0.01, steps=60),
    ]
    together = train_many(configs)
    for config, run in zip(configs, together, strict=True):
        alone = train(config)
        np.testing.assert_allclose(run.weights, alone.weights, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(run.loss, alone.loss, rtol=1e-10)
        np.testing.assert_array_equal(run.lr, alone.lr)
        assert run.outcome == alone.outcome


def test_the_finders_networks_trained_together_equal_each_trained_alone():
    """The learning-rate finder trains its rates as rows of one batched pass (units first,
    one matrix product per run); train() of one rate takes the single-network path. Both
    must give the same run, to rounding, over the whole path: same rates, seeds, optimizers."""
    configs = [NetworkConfig(lr=float(lr), steps=150) for lr in np.geomspace(1e-4, 1.0, 9)]
    configs += [
        NetworkConfig(optimizer="momentum", lr=0.05, steps=150, seed=seed) for seed in (1, 2)
    ]
    together = train_many(configs)
    assert len({id(run.weights.base) for run in together[:9]}) == 1  # one training group
    for config, run in zip(configs, together, strict=True):
        alone = train(config)
        np.testing.assert_allclose(run.final_weights, alone.final_weights, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(run.loss, alone.loss, rtol=1e-12)
        np.testing.assert_allclose(run.grad_norm, alone.grad_norm, rtol=1e-12)
        np.testing.assert_array_equal(run.accuracy, alone.accuracy)
        assert run.outcome == alone.outcome


def test_baseline_loss_is_the_best_constant_prediction():
    moons = make_dataset("moons", "standard")
    assert baseline_loss(moons) == pytest.approx(math.log(2), rel=1e-12)
    prices = make_dataset("house_prices", "standard")
    constant = np.full(prices.n, prices.targets.mean())
    assert baseline_loss(prices) == pytest.approx(
        0.5 * np.mean((constant - prices.targets) ** 2), rel=1e-12
    )


# --------------------------------------------------------------------------- outcome


@pytest.mark.parametrize(
    ("loss", "label"),
    [
        (np.linspace(0.7, 0.0, 101), "converged"),
        (np.r_[np.linspace(0.7, 0.3, 91), np.linspace(0.3, 0.25, 10)], "slow"),
        (np.r_[np.linspace(0.7, 0.3, 90), np.full(11, 0.3)], "local_minimum"),
        (np.r_[np.linspace(0.7, 0.3, 90), 0.3 + 0.01 * (np.arange(11) % 2)], "overshooting"),
    ],
    ids=["converged", "slow", "stuck", "bouncing"],
)
def test_outcome_rules_read_the_loss_curve(loss, label):
    assert diagnose(loss, best=0.0, constant=0.7, diverged=False, noisy=False) == label
    assert diagnose(loss, best=0.0, constant=0.7, diverged=True, noisy=False) == "diverged"


def test_config_refuses_bad_settings_naming_them():
    for field, value in (
        ("dataset", "iris"),
        ("activation", "gelu"),
        ("hidden", (32,)),
        ("lr", 0.0),
        ("batch_size", 201),
        ("normalization", "pca"),
    ):
        with pytest.raises(ValueError, match=field):
            NetworkConfig(**{field: value})


def test_float32_passes_track_float64():
    data = make_dataset("moons", "standard")
    layout = Layout(2, (16, 16))
    theta = np.random.default_rng(2).normal(0.0, 0.5, (5, layout.size))
    value, grad, _ = loss_and_grad(layout, "tanh", theta, data.inputs, data.targets, data.loss)
    quick = loss_and_grad(
        layout,
        "tanh",
        theta.astype(np.float32),
        data.inputs.astype(np.float32),
        data.targets.astype(np.float32),
        data.loss,
    )
    assert quick[1].dtype == np.float32
    np.testing.assert_allclose(quick[0], value, rtol=1e-5)
    error = np.linalg.norm(quick[1] - grad, axis=1) / np.linalg.norm(grad, axis=1)
    assert np.all(error < 1e-5)
    configs = [NetworkConfig(lr=lr, steps=200) for lr in (1e-3, 1e-2, 1e-1)]
    exact = train_many(configs)
    fast = train_many(configs, precision="float32")
    for a, b in zip(exact, fast, strict=True):
        np.testing.assert_allclose(b.loss, a.loss, rtol=1e-3, atol=1e-6)
        assert a.outcome == b.outcome
        assert b.final_weights.dtype == np.float64  # θ_k exactly, as float64's
    # a float32 run trains the same alone as among others (per-run rates, shared ones alone)
    for optimizer in ("adam", "momentum"):
        rows = [dataclasses.replace(c, optimizer=optimizer) for c in configs]
        together = train_many(rows, precision="float32")
        alone = train(rows[1], precision="float32")
        np.testing.assert_allclose(together[1].loss, alone.loss, rtol=1e-6)
    with pytest.raises(ValueError, match="precision"):
        train_many(configs, precision="float16")


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_optimizer_updates_the_flat_weights_as_the_engines(name):
    """engine.optimizers is elementwise over (runs, d): d = 337 works as d = 2 does."""
    config = NetworkConfig(optimizer=name, lr=0.01, steps=6, seed=3)
    run = train(config)
    data, layout = config.data, config.layout
    optimizer, hyper = OPTIMIZERS[name], stack_hyper(name, [{}])
    theta = init_params(layout, 3)[None]
    state = optimizer.init(theta, hyper)
    for _ in range(6):
        _, g, _ = loss_and_grad(layout, "tanh", theta[0], data.inputs, data.targets, data.loss)
        move, state = optimizer.update(g[None], state, 0.01, hyper)
        theta = theta + move
    np.testing.assert_allclose(run.final_weights, theta[0], rtol=1e-12, atol=1e-15)


def test_the_step_loop_ends_once_every_run_has_diverged(monkeypatch):
    # the module (engine.network's attribute "train" is the function, as engine.simulate is)
    training = importlib.import_module("engine.network.train")

    calls = []
    real = training.loss_and_grad

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "loss_and_grad", counted)
    configs = [
        NetworkConfig(dataset="house_prices", optimizer="sgd", lr=lr, steps=1000)
        for lr in (1.0, 10.0)
    ]
    runs = train_many(configs, diagnose=False)
    assert all(run.diverged_at is not None for run in runs)
    assert len(calls) <= training._DIVERGENCE_CHECK_EVERY  # not 1,000 steps
