"""Learning-rate schedules against an independent truth.

The engine computes whole runs from closed forms. The reference below instead follows
torch.optim.lr_scheduler's source step by step (the recursive "chainable" forms where PyTorch
uses them), in plain Python floats, simulating t calls of scheduler.step(). Hand-computed
tables pin the documented formulas down with numbers written out.
"""

from __future__ import annotations

import math
import timeit
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.params import ParamSpec
from engine.schedules import (
    SCHEDULER_NAMES,
    SCHEDULER_PARAMS,
    SCHEDULER_TITLES,
    Plateau,
    learning_rates,
    resolve_schedule,
)

# ---------------------------------------------------------------------------------------------
# Reference: PyTorch's schedulers, one step() at a time. `lr` is param_groups[0]["lr"].
# ---------------------------------------------------------------------------------------------


class RefConstant:
    def __init__(self, lr):
        self.lr = lr

    def step(self):
        pass


class RefStepLR:
    def __init__(self, lr, step_size, gamma=0.1):
        self.lr, self.step_size, self.gamma, self.last_epoch = lr, step_size, gamma, 0

    def step(self):
        self.last_epoch += 1
        if self.last_epoch != 0 and self.last_epoch % self.step_size == 0:
            self.lr = self.lr * self.gamma


class RefExponentialLR:
    def __init__(self, lr, gamma):
        self.lr, self.gamma = lr, gamma

    def step(self):
        self.lr = self.lr * self.gamma


class RefCosineAnnealingLR:
    def __init__(self, lr, T_max, eta_min=0.0):
        self.base_lr, self.lr, self.T_max, self.eta_min, self.last_epoch = lr, lr, T_max, eta_min, 0

    def step(self):
        self.last_epoch += 1
        e, T, eta = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - T) % (2 * T) == 0:
            self.lr = self.lr + (self.base_lr - eta) * (1 - math.cos(math.pi / T)) / 2
        else:
            self.lr = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (
                self.lr - eta
            ) + eta


class RefCosineAnnealingWarmRestarts:
    def __init__(self, lr, T_0, T_mult=1, eta_min=0.0):
        self.base_lr, self.T_0, self.T_i, self.T_mult, self.eta_min = lr, T_0, T_0, T_mult, eta_min
        self.T_cur = 0  # the constructor's initial step(): epoch 0
        self.lr = self._get_lr()

    def _get_lr(self):
        return (
            self.eta_min
            + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        )

    def step(self):
        self.T_cur = self.T_cur + 1
        if self.T_cur >= self.T_i:
            self.T_cur = self.T_cur % self.T_i
            self.T_i = self.T_i * self.T_mult
        self.lr = self._get_lr()


class RefCyclicLR:
    def __init__(
        self,
        base_lr,
        max_lr,
        step_size_up=2000,
        step_size_down=None,
        mode="triangular",
        gamma=1.0,
    ):
        self.base_lr, self.max_lr, self.mode, self.gamma = base_lr, max_lr, mode, gamma
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        self.last_epoch = 0
        self.lr = self._get_lr()

    def _scale(self, cycle):
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (cycle - 1))
        return self.gamma**self.last_epoch  # exp_range: scale_mode "iterations"

    def _get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        base_height = (self.max_lr - self.base_lr) * scale_factor
        return self.base_lr + base_height * self._scale(cycle)

    def step(self):
        self.last_epoch += 1
        self.lr = self._get_lr()


class RefOneCycleLR:
    def __init__(
        self,
        max_lr,
        total_steps,
        pct_start=0.3,
        anneal_strategy="cos",
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
    ):
        self.total_steps = total_steps
        initial_lr = max_lr / div_factor
        self.group = {
            "initial_lr": initial_lr,
            "max_lr": max_lr,
            "min_lr": initial_lr / final_div_factor,
        }
        if three_phase:
            self.phases = [
                (float(pct_start * total_steps) - 1, "initial_lr", "max_lr"),
                (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr"),
                (total_steps - 1, "initial_lr", "min_lr"),
            ]
        else:
            self.phases = [
                (float(pct_start * total_steps) - 1, "initial_lr", "max_lr"),
                (total_steps - 1, "max_lr", "min_lr"),
            ]
        self.anneal_strategy = anneal_strategy
        self.last_epoch = 0
        self.lr = self._get_lr()

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _get_lr(self):
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError("stepped past total_steps")
        start_step = 0.0
        for i, (end_step, start_lr, end_lr) in enumerate(self.phases):
            if step_num <= end_step or i == len(self.phases) - 1:
                pct = (step_num - start_step) / (end_step - start_step)
                return self._anneal(self.group[start_lr], self.group[end_lr], pct)
            start_step = end_step
        raise AssertionError("unreachable")

    def step(self):
        self.last_epoch += 1
        self.lr = self._get_lr()


class RefReduceLROnPlateau:
    def __init__(
        self,
        lr,
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ):
        self.lr, self.factor, self.patience = lr, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best, self.num_bad_epochs, self.cooldown_counter = math.inf, 0, 0

    def _is_better(self, a, best):
        if self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        return a < best - self.threshold

    def step(self, metrics):
        current = float(metrics)
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            old_lr = float(self.lr)
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr


# Momentum cycling (cycle_momentum, off by default) leaves the rates alone: the rate
# references take the rate's parameters only; tests/test_torch_reference.py checks momenta.
_MOMENTUM_CYCLING = ("cycle_momentum", "base_momentum", "max_momentum")


def _rate_params(p: dict) -> dict:
    return {k: v for k, v in p.items() if k not in _MOMENTUM_CYCLING}


def reference(name: str, lr: float, steps: int, p: dict) -> np.ndarray:
    """PyTorch's rate after t = 0..steps-1 calls of scheduler.step()."""
    if name == "constant":
        sched = RefConstant(lr)
    elif name == "step":
        sched = RefStepLR(lr, p["step_size"], p["gamma"])
    elif name == "exponential":
        sched = RefExponentialLR(lr, p["gamma"])
    elif name == "cosine":
        sched = RefCosineAnnealingLR(lr, p["T_max"], p["eta_min"])
    elif name == "cosine_restarts":
        sched = RefCosineAnnealingWarmRestarts(lr, p["T_0"], p["T_mult"], p["eta_min"])
    elif name == "cyclic":
        sched = RefCyclicLR(**_rate_params(p))
    elif name == "onecycle":
        sched = RefOneCycleLR(total_steps=steps, **_rate_params(p))
    else:
        raise AssertionError(name)
    rates = [sched.lr]
    for _ in range(steps - 1):
        sched.step()
        rates.append(sched.lr)
    return np.array(rates)


def assert_matches_reference(name, lr, steps, params=None):
    p = resolve_schedule(name, lr, steps, params)
    got = learning_rates(name, lr, steps, params)
    assert got.shape == (steps,) and got.dtype == np.float64
    # The recursive forms drift by a few ulps per step, far inside 1e-12.
    # Below float's smallest normal number (a rate decayed to 1e-321) relative error has no
    # meaning: the last bits are gone whatever the order of the products.
    np.testing.assert_allclose(got, reference(name, lr, steps, p), rtol=1e-12, atol=np.finfo(float).tiny)


# ---------------------------------------------------------------------------------------------
# Closed forms == PyTorch's step-by-step forms, over whole runs
# ---------------------------------------------------------------------------------------------

WHOLE_RUNS = [
    ("constant", 0.3, 50, None),
    ("step", 0.5, 300, None),
    ("step", 0.5, 300, {"step_size": 7, "gamma": 0.5}),
    ("step", 0.5, 300, {"step_size": 1, "gamma": 0.97}),
    ("exponential", 0.2, 1000, None),
    ("exponential", 0.2, 400, {"gamma": 0.9}),
    ("cosine", 1.0, 1000, None),
    ("cosine", 0.7, 1000, {"T_max": 37, "eta_min": 0.05}),
    ("cosine", 0.7, 500, {"T_max": 1, "eta_min": 0.1}),
    ("cosine", 0.7, 200, {"T_max": 500}),
    ("cosine_restarts", 0.4, 1000, None),
    ("cosine_restarts", 0.4, 1000, {"T_0": 7, "T_mult": 1, "eta_min": 0.01}),
    ("cosine_restarts", 0.4, 1000, {"T_0": 3, "T_mult": 2, "eta_min": 0.01}),
    ("cosine_restarts", 0.4, 1000, {"T_0": 1, "T_mult": 3}),
    ("cosine_restarts", 0.4, 1000, {"T_0": 5, "T_mult": 10}),
    ("cyclic", 0.01, 1000, None),
    ("cyclic", 0.01, 1000, {"step_size_up": 13, "step_size_down": 29, "max_lr": 0.3}),
    ("cyclic", 0.01, 1000, {"step_size_up": 10, "mode": "triangular2"}),
    ("cyclic", 0.01, 1000, {"step_size_up": 9, "mode": "exp_range", "gamma": 0.995}),
    ("cyclic", 0.01, 500, {"step_size_up": 1, "step_size_down": 1, "base_lr": 0.02}),
    ("onecycle", 0.5, 1000, None),
    ("onecycle", 0.5, 1000, {"anneal_strategy": "linear", "pct_start": 0.25}),
    ("onecycle", 0.5, 1000, {"three_phase": True}),
    ("onecycle", 0.5, 997, {"three_phase": True, "anneal_strategy": "linear", "pct_start": 0.41}),
    ("onecycle", 0.5, 101, {"pct_start": 0.7, "div_factor": 3, "final_div_factor": 50}),
    ("onecycle", 0.5, 3, {"pct_start": 0.2}),  # warm-up shorter than one step
    ("onecycle", 0.5, 10, {"three_phase": True, "pct_start": 0.8}),
]


@pytest.mark.parametrize(("name", "lr", "steps", "params"), WHOLE_RUNS)
def test_closed_form_matches_pytorch_step_by_step(name, lr, steps, params):
    assert_matches_reference(name, lr, steps, params)


@pytest.mark.parametrize("name", [n for n in SCHEDULER_NAMES if n != "plateau"])
@pytest.mark.parametrize("steps", [1, 2, 3, 8, 9])
def test_short_runs_match_pytorch(name, steps):
    assert_matches_reference(name, 0.1, steps)


_period = st.integers(1, 60)
_unit = st.floats(0.01, 1.0)
RANDOM_PARAMS = {
    "step": st.fixed_dictionaries({"step_size": _period, "gamma": _unit}),
    "exponential": st.fixed_dictionaries({"gamma": st.floats(0.9, 1.0)}),
    "cosine": st.fixed_dictionaries({"T_max": _period, "eta_min": st.floats(0.0, 0.05)}),
    "cosine_restarts": st.fixed_dictionaries(
        {"T_0": _period, "T_mult": st.integers(1, 4), "eta_min": st.floats(0.0, 0.05)}
    ),
    "cyclic": st.fixed_dictionaries(
        {
            "step_size_up": _period,
            "step_size_down": _period,
            "max_lr": st.floats(0.1, 2.0),
            "mode": st.sampled_from(["triangular", "triangular2", "exp_range"]),
            "gamma": st.floats(0.9, 1.0),
        }
    ),
    "onecycle": st.fixed_dictionaries(
        {
            "pct_start": st.floats(0.05, 0.95),
            "anneal_strategy": st.sampled_from(["cos", "linear"]),
            "div_factor": st.floats(1.0, 100.0),
            "final_div_factor": st.floats(1.0, 1e5),
            "three_phase": st.booleans(),
        }
    ),
}


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    name=st.sampled_from(sorted(RANDOM_PARAMS)),
    steps=st.integers(1, 250),
)
def test_random_settings_match_pytorch(data, name, steps):
    params = data.draw(RANDOM_PARAMS[name])
    if name == "onecycle":
        if _zero_length_phase(params, steps):
            # PyTorch divides 0 by 0 here; the engine refuses (test_onecycle_one_step_warmup)
            with pytest.raises(ValueError, match="pct_start"):
                learning_rates(name, 0.1, steps, params)
            return
    assert_matches_reference(name, 0.1, steps, params)


def _zero_length_phase(params, steps) -> bool:
    """A one-cycle phase starting where it ends, as PyTorch computes the phase ends."""
    ends = [float(params["pct_start"] * steps) - 1]
    if params["three_phase"]:
        ends.append(float(2 * params["pct_start"] * steps) - 2)
    ends.append(steps - 1)
    return any(a == b for a, b in zip([0.0, *ends], ends, strict=False))


# ---------------------------------------------------------------------------------------------
# Hand-computed tables
# ---------------------------------------------------------------------------------------------

HAND_RTOL = 1e-10


def test_constant_step_exponential_by_hand():
    np.testing.assert_array_equal(learning_rates("constant", 0.3, 4), [0.3, 0.3, 0.3, 0.3])
    np.testing.assert_allclose(
        learning_rates("step", 1.0, 7, {"step_size": 3, "gamma": 0.5}),
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25],
        rtol=HAND_RTOL,
    )
    np.testing.assert_allclose(
        learning_rates("exponential", 2.0, 4, {"gamma": 0.5}), [2, 1, 0.5, 0.25], rtol=HAND_RTOL
    )


def test_cosine_with_eta_min_by_hand():
    # lr 1, eta_min 0.2, T_max 4: 0.2 + 0.8 (1 + cos(pi t / 4)) / 2; (2 +- sqrt 2) / 4 at odd t.
    # Past T_max the closed form climbs back up, like PyTorch's recursive form.
    expected = [
        1.0,
        0.882842712475,  # 0.2 + 0.8 * 0.853553390593
        0.6,
        0.317157287525,  # 0.2 + 0.8 * 0.146446609407
        0.2,
        0.317157287525,
        0.6,
        0.882842712475,
        1.0,
    ]
    got = learning_rates("cosine", 1.0, 9, {"T_max": 4, "eta_min": 0.2})
    np.testing.assert_allclose(got, expected, rtol=HAND_RTOL)


def test_warm_restarts_with_t_mult_2_by_hand():
    # T_0 = 2, T_mult = 2: restarts at 0, T_0, 3 T_0, 7 T_0 = 0, 2, 6, 14; periods 2, 4, 8, 16.
    # Each value is (1 + cos(pi T_cur / T_i)) / 2.
    expected = [
        1.0,  # restart, T_i = 2
        0.5,  # 1/2
        1.0,  # restart, T_i = 4
        0.853553390593,  # 1/4: (2 + sqrt 2) / 4
        0.5,  # 2/4
        0.146446609407,  # 3/4: (2 - sqrt 2) / 4
        1.0,  # restart, T_i = 8
        0.961939766256,  # 1/8: (1 + cos 22.5 deg) / 2
        0.853553390593,  # 2/8
        0.691341716183,  # 3/8: (1 + cos 67.5 deg) / 2
        0.5,  # 4/8
        0.308658283817,  # 5/8
        0.146446609407,  # 6/8
        0.038060233744,  # 7/8
        1.0,  # restart, T_i = 16
        0.990392640202,  # 1/16: (1 + cos 11.25 deg) / 2
    ]
    got = learning_rates("cosine_restarts", 1.0, 16, {"T_0": 2, "T_mult": 2})
    np.testing.assert_allclose(got, expected, rtol=HAND_RTOL)
    # With a floor and a longer T_0 the restarts sit at 0, T_0, 3 T_0 and 7 T_0 too.
    rates = learning_rates("cosine_restarts", 0.5, 80, {"T_0": 5, "T_mult": 2, "eta_min": 0.1})
    assert [t for t in range(80) if rates[t] == 0.5] == [0, 5, 15, 35, 75]
    assert rates.min() > 0.1


def test_warm_restart_boundaries_are_exact():
    # PyTorch's step(epoch) computes the cycle with a float log, and log(243, 3) < 5 puts t = 121
    # (T_0 = 1, T_mult = 3) at the end of cycle 4 instead of the start of cycle 5. step()
    # counts in integers and restarts there; so does the engine.
    rates = learning_rates("cosine_restarts", 1.0, 400, {"T_0": 1, "T_mult": 3})
    starts = [0, 1, 4, 13, 40, 121, 364]
    assert [t for t in range(400) if rates[t] == 1.0] == starts
    assert rates[120] == pytest.approx((1 + math.cos(math.pi * 80 / 81)) / 2, rel=1e-12)


CYCLIC = {"base_lr": 1.0, "max_lr": 5.0, "step_size_up": 2, "step_size_down": 2}


def test_cyclic_triangular_by_hand():
    got = learning_rates("cyclic", 1.0, 12, {**CYCLIC, "mode": "triangular"})
    np.testing.assert_allclose(got, [1, 3, 5, 3] * 3, rtol=HAND_RTOL)


def test_cyclic_triangular2_by_hand():
    # The height halves every cycle: 4, 2, 1.
    got = learning_rates("cyclic", 1.0, 13, {**CYCLIC, "mode": "triangular2"})
    np.testing.assert_allclose(got, [1, 3, 5, 3, 1, 2, 3, 2, 1, 1.5, 2, 1.5, 1], rtol=HAND_RTOL)


def test_cyclic_exp_range_by_hand():
    # base + 4 * triangle(t) * 0.5 ** t, triangle = 0, 1/2, 1, 1/2, 0, ...
    got = learning_rates("cyclic", 1.0, 12, {**CYCLIC, "mode": "exp_range", "gamma": 0.5})
    expected = [
        1.0,
        2.0,  # 1 + 2 / 2
        2.0,  # 1 + 4 / 4
        1.25,  # 1 + 2 / 8
        1.0,
        1.0625,  # 1 + 2 / 32
        1.0625,  # 1 + 4 / 64
        1.015625,  # 1 + 2 / 128
        1.0,
        1.00390625,  # 1 + 2 / 512
        1.00390625,  # 1 + 4 / 1024
        1.0009765625,  # 1 + 2 / 2048
    ]
    np.testing.assert_allclose(got, expected, rtol=HAND_RTOL)


def test_cyclic_asymmetric_by_hand():
    # One step up, three down: 1, 5, then down by 4/3 per step.
    params = {**CYCLIC, "step_size_up": 1, "step_size_down": 3}
    got = learning_rates("cyclic", 1.0, 9, params)
    np.testing.assert_allclose(got, [1, 5, 11 / 3, 7 / 3, 1, 5, 11 / 3, 7 / 3, 1], rtol=HAND_RTOL)


ONECYCLE = {"pct_start": 0.2, "div_factor": 25.0, "final_div_factor": 1e4}


def test_onecycle_cos_by_hand():
    # max_lr 1, 10 steps: start 1/25 = 0.04, peak 1 at the end of phase 1 (t = 0.2 * 10 - 1 = 1),
    # end 0.04 / 1e4 = 4e-6 at t = 9. Phase 2: 4e-6 + (1 - 4e-6) (1 + cos(pi (t - 1) / 8)) / 2.
    got = learning_rates("onecycle", 1.0, 10, {**ONECYCLE, "anneal_strategy": "cos"})
    expected = [
        0.04,
        1.0,
        0.961939918497,  # 4e-6 + 0.999996 * 0.961939766256
        0.853553976380,  # 4e-6 + 0.999996 * 0.853553390593
        0.691342950816,  # 4e-6 + 0.999996 * 0.691341716183
        0.500002,  # halfway: (1 + 4e-6) / 2
        0.308661049184,
        0.146450023620,
        0.038064081503,
        4e-6,
    ]
    np.testing.assert_allclose(got, expected, rtol=HAND_RTOL)


def test_onecycle_linear_by_hand():
    got = learning_rates("onecycle", 1.0, 10, {**ONECYCLE, "anneal_strategy": "linear"})
    # Phase 2 falls by (1 - 4e-6) / 8 = 0.1249995 per step.
    expected = [
        0.04,
        1.0,
        0.8750005,
        0.750001,
        0.6250015,
        0.500002,
        0.3750025,
        0.250003,
        0.1250035,
        4e-6,
    ]
    np.testing.assert_allclose(got, expected, rtol=HAND_RTOL)
    # A longer warm-up: 20 steps, pct_start 0.25 -> peak at t = 4, rising by 0.24 per step.
    got = learning_rates("onecycle", 1.0, 20, {"pct_start": 0.25, "anneal_strategy": "linear"})
    np.testing.assert_allclose(got[:5], [0.04, 0.28, 0.52, 0.76, 1.0], rtol=HAND_RTOL)
    assert got[-1] == pytest.approx(4e-6, rel=HAND_RTOL)
    assert got.argmax() == 4


def test_onecycle_three_phase_by_hand():
    # 10 steps, pct_start 0.3: up to max_lr at t = 2, back to 0.04 at t = 2 * 3 - 2 = 4, then
    # linearly down to 4e-6 at t = 9 (by (0.04 - 4e-6) / 5 = 0.0079992 per step).
    got = learning_rates("onecycle", 1.0, 10, {"three_phase": True, "anneal_strategy": "linear"})
    expected = [0.04, 0.52, 1.0, 0.52, 0.04, 0.0320008, 0.0240016, 0.0160024, 0.0080032, 4e-6]
    np.testing.assert_allclose(got, expected, rtol=HAND_RTOL)


def test_onecycle_one_step_warmup():
    # pct_start * total_steps == 1 makes PyTorch's first phase [0, 0] and it divides 0 by 0
    # (ZeroDivisionError). The engine refuses the same settings, naming pct_start.
    with pytest.raises(ZeroDivisionError):
        RefOneCycleLR(1.0, 10, pct_start=0.1)
    for three_phase in (False, True):
        with pytest.raises(ValueError, match=r"onecycle\.pct_start = 0\.1 .* 10 steps: phase 1"):
            learning_rates("onecycle", 1.0, 10, {"pct_start": 0.1, "three_phase": three_phase})


# ---------------------------------------------------------------------------------------------
# Plateau: crafted losses, exact cut iterations
# ---------------------------------------------------------------------------------------------


def plateau_rates(losses, lr=1.0, **kwargs) -> list[float]:
    """Rates after 0, 1, 2, ... calls of step(loss); checked against the reference too."""
    plateau = Plateau(lr, **kwargs)
    ref = RefReduceLROnPlateau(lr, **kwargs)
    rates = [float(plateau.lr[0])]
    for loss in losses:
        got = plateau.step(np.array([loss]))
        assert got.shape == (1,)
        assert got[0] == ref.step(loss)
        rates.append(float(got[0]))
    return rates


def cuts(rates) -> list[int]:
    """The calls of step() (1-based) after which the rate dropped."""
    return [k for k in range(1, len(rates)) if rates[k] < rates[k - 1]]


def test_plateau_patience_by_hand():
    # Patience 2: the third non-improving call in a row cuts the rate, then counting restarts.
    losses = [10, 9, 9, 9, 9, 9, 9, 9, 8, 9, 9, 9]
    rates = plateau_rates(losses, factor=0.5, patience=2)
    assert cuts(rates) == [5, 8, 12]
    assert rates == [1.0] * 5 + [0.5] * 3 + [0.25] * 4 + [0.125]


def test_plateau_patience_zero():
    # PyTorch's doc example: the first call sets the baseline, every later worse call cuts.
    rates = plateau_rates([3, 4, 2, 5, 5], factor=0.5, patience=0)
    assert cuts(rates) == [2, 4, 5]


def test_plateau_cooldown_by_hand():
    losses = [5.0] * 11
    # Patience 1: cuts at 3; cooldown 2 swallows calls 4 and 5; bad calls 6, 7 -> cut at 7; ...
    assert cuts(plateau_rates(losses, factor=0.5, patience=1, cooldown=2)) == [3, 7, 11]
    assert cuts(plateau_rates(losses, factor=0.5, patience=1, cooldown=0)) == [3, 5, 7, 9, 11]


def test_plateau_threshold_modes_by_hand():
    # The loss falls by 0.004 per call from 100.
    losses = [100 - 0.004 * k for k in range(13)]
    # rel 1e-4 of ~100 is 0.01: two small steps are not progress, the third (0.012) is.
    assert cuts(plateau_rates(losses, patience=1, threshold=1e-4)) == [3, 6, 9, 12]
    # abs 1e-4: every 0.004 step is progress, never a cut.
    assert cuts(plateau_rates(losses, patience=1, threshold=1e-4, threshold_mode="abs")) == []
    # abs 0.005: only every second call beats the best by 0.005.
    got = plateau_rates(losses, factor=0.5, patience=0, threshold=0.005, threshold_mode="abs")
    assert cuts(got) == [2, 4, 6, 8, 10, 12]


def test_plateau_min_lr_and_eps_by_hand():
    # factor 0.1 from 1 with a floor at 0.05: 1 -> 0.1 -> 0.05, then nothing left to cut.
    rates = plateau_rates([1.0] * 6, factor=0.1, patience=0, min_lr=0.05)
    assert rates == [1.0, 1.0, 0.1, 0.05, 0.05, 0.05, 0.05]
    # A cut smaller than eps is skipped: 1e-7 -> 5e-8 changes by 5e-8 < eps 1e-7.
    assert cuts(plateau_rates([1.0] * 5, lr=1e-7, factor=0.5, patience=0, eps=1e-7)) == []
    assert cuts(plateau_rates([1.0] * 3, lr=1e-7, factor=0.5, patience=0, eps=1e-8)) == [2, 3]


def test_plateau_nan_and_inf_losses_are_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A NaN is never an improvement, so it counts as a bad call, like in PyTorch.
        nan = float("nan")
        rates = plateau_rates([nan, nan, 1.0, nan, nan, nan], factor=0.5, patience=1)
        assert cuts(rates) == [2, 5]
        rates = plateau_rates([math.inf, -math.inf, nan, -math.inf], factor=0.5, patience=0)
        assert cuts(rates) == [1, 3, 4]
        # rel threshold 1: best * 0 = inf * 0 = NaN, so nothing is ever better.
        assert cuts(plateau_rates([3, 2, 1], factor=0.5, patience=1, threshold=1.0)) == [2]
        # Losses near the float limit: best * (1 - threshold) overflows to -inf silently.
        plateau_rates([1e308, -1e308, 1e308], threshold=10.0, patience=0)


def test_plateau_vectorized_runs_match_scalar_reference():
    rng = np.random.default_rng(7)
    settings = dict(
        lr=np.array([1.0, 0.5, 0.1, 2.0, 0.3, 1e-3]),
        factor=np.array([0.5, 0.1, 0.9, 0.3, 0.7, 0.2]),
        patience=np.array([0, 1, 3, 5, 2, 10]),
        threshold=np.array([1e-4, 0.01, 0.0, 0.5, 1e-3, 0.05]),
        threshold_mode=np.array(["rel", "abs", "rel", "abs", "abs", "rel"]),
        cooldown=np.array([0, 2, 1, 0, 5, 3]),
        min_lr=np.array([0.0, 0.01, 0.05, 1e-4, 0.0, 1e-5]),
        eps=np.array([1e-8, 1e-8, 0.0, 1e-3, 1e-8, 1e-9]),
    )
    runs, steps = 6, 300
    # Noisy descent with stalls, a few NaNs and infinities.
    losses = np.cumsum(rng.normal(-0.01, 0.05, (steps, runs)), axis=0) + 10
    losses[rng.random((steps, runs)) < 0.3] = 10.0
    losses[rng.random((steps, runs)) < 0.02] = np.nan
    losses[rng.random((steps, runs)) < 0.01] = np.inf
    plateau = Plateau(**settings)
    refs = [
        RefReduceLROnPlateau(**{k: v[r].item() for k, v in settings.items()}) for r in range(runs)
    ]
    got = np.empty((steps, runs))
    want = np.empty((steps, runs))
    for t in range(steps):
        got[t] = plateau.step(losses[t])
        want[t] = [ref.step(losses[t, r]) for r, ref in enumerate(refs)]
    np.testing.assert_array_equal(got, want)
    assert (np.diff(got, axis=0) < 0).sum() > 10  # the runs did cut, differently
    # reductions counts the steps that changed some run's rate (the step loop rewrites its
    # rate table at each)
    changed = np.any(np.diff(np.vstack([settings["lr"], got]), axis=0) != 0, axis=1)
    assert plateau.reductions == np.count_nonzero(changed)
    assert len({tuple(cuts(list(got[:, r]))) for r in range(runs)}) == runs


def test_plateau_scalars_broadcast_over_runs():
    plateau = Plateau(np.array([1.0, 2.0, 3.0]), factor=0.5, patience=np.array([0, 1, 2]))
    assert plateau.lr.shape == (3,)
    for _ in range(3):
        rates = plateau.step(np.array([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(rates, [0.25, 1.0, 3.0])
    # One scalar loss may stand for every run.
    np.testing.assert_array_equal(Plateau(0.1).step(1.0), [0.1])


def test_plateau_rejects_bad_settings():
    with pytest.raises(ValueError, match=r"plateau\.factor = 1\.5.*\(0, 1\)"):
        Plateau(np.ones(2), factor=np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match=r"plateau\.threshold_mode = 'max'"):
        Plateau(np.ones(2), threshold_mode=np.array(["rel", "max"]))
    with pytest.raises(ValueError, match=r"plateau\.patience = -1"):
        Plateau(1.0, patience=-1)
    with pytest.raises(ValueError, match=r"plateau\.lr"):
        Plateau(np.array([0.1, -0.1]))
    with pytest.raises(ValueError, match="one entry per run"):
        Plateau(np.ones(3), factor=np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="losses for 3 runs"):
        Plateau(np.ones(3)).step(np.ones(2))


# ---------------------------------------------------------------------------------------------
# Parameters: defaults relative to the run, validation, metadata
# ---------------------------------------------------------------------------------------------


def test_defaults_relative_to_steps():
    assert resolve_schedule("constant", 0.1, 100, None) == {}
    assert resolve_schedule("step", 0.1, 100, None) == {"step_size": 25, "gamma": 0.1}
    assert resolve_schedule("exponential", 0.1, 100, None) == {"gamma": 0.01 ** (1 / 100)}
    assert resolve_schedule("cosine", 0.1, 100, None) == {"T_max": 100, "eta_min": 0.0}
    assert resolve_schedule("cosine_restarts", 0.1, 100, {}) == {
        "T_0": 25,
        "T_mult": 1,
        "eta_min": 0.0,
    }
    assert resolve_schedule("cyclic", 0.1, 100, None) == {
        "base_lr": 0.1,
        "max_lr": 1.0,
        "step_size_up": 12,
        "step_size_down": 12,
        "mode": "triangular",
        "gamma": 1.0,
        "cycle_momentum": False,
        "base_momentum": 0.8,
        "max_momentum": 0.9,
    }
    assert resolve_schedule("onecycle", 0.1, 100, None) == {
        "max_lr": 0.1,
        "pct_start": 0.3,
        "anneal_strategy": "cos",
        "div_factor": 25.0,
        "final_div_factor": 1e4,
        "three_phase": False,
        "cycle_momentum": False,
        "base_momentum": 0.85,
        "max_momentum": 0.95,
    }
    assert resolve_schedule("plateau", 0.1, 100, None) == {
        "factor": 0.1,
        "patience": 10,
        "threshold": 1e-4,
        "threshold_mode": "rel",
        "cooldown": 0,
        "min_lr": 0.0,
        "eps": 1e-8,
    }
    # Tiny runs still get periods of at least one step.
    assert resolve_schedule("step", 0.1, 3, None)["step_size"] == 1
    assert resolve_schedule("cosine_restarts", 0.1, 3, None)["T_0"] == 1
    assert resolve_schedule("cyclic", 0.1, 7, None)["step_size_up"] == 1
    # Exponential's default falls 100x over the run.
    rates = learning_rates("exponential", 0.5, 40)
    assert rates[-1] * resolve_schedule("exponential", 0.5, 40, None)["gamma"] == pytest.approx(
        0.005, rel=1e-12
    )


def test_defaults_follow_other_parameters():
    p = resolve_schedule("cyclic", 0.1, 100, {"base_lr": 0.05, "step_size_up": 3})
    assert p["max_lr"] == 0.5 and p["step_size_down"] == 3
    # None means "the default", as in PyTorch's step_size_down=None.
    assert resolve_schedule("cyclic", 0.1, 100, {"step_size_down": None})["step_size_down"] == 12
    assert resolve_schedule("cosine", 0.1, 100, {"T_max": None})["T_max"] == 100
    # Explicit values need not fit the run: a T_max past the end is fine.
    assert resolve_schedule("cosine", 0.1, 100, {"T_max": 1000})["T_max"] == 1000


def test_resolved_params_round_trip():
    for name in SCHEDULER_NAMES:
        resolved = resolve_schedule(name, 0.2, 120, None)
        assert list(resolved) == [spec.name for spec in SCHEDULER_PARAMS[name]]
        assert resolve_schedule(name, 0.2, 120, resolved) == resolved
        if name != "plateau":
            np.testing.assert_array_equal(
                learning_rates(name, 0.2, 120, resolved), learning_rates(name, 0.2, 120)
            )


def test_values_are_coerced_to_their_kind():
    p = resolve_schedule("onecycle", 0.1, 50, {"three_phase": "true", "div_factor": "10"})
    assert p["three_phase"] is True and p["div_factor"] == 10.0
    assert resolve_schedule("step", 0.1, 50, {"step_size": 5.0})["step_size"] == 5
    assert isinstance(resolve_schedule("step", 0.1, 50, {"step_size": 5.0})["step_size"], int)


def test_unknown_parameter_is_named():
    with pytest.raises(ValueError, match=r"'step_sise'.*step_size, gamma"):
        resolve_schedule("step", 0.1, 100, {"step_sise": 3})
    with pytest.raises(ValueError, match=r"'T_max'.*T_0, T_mult, eta_min"):
        learning_rates("cosine_restarts", 0.1, 100, {"T_max": 3})
    with pytest.raises(ValueError, match=r"'gamma'.*none"):
        resolve_schedule("constant", 0.1, 100, {"gamma": None})


def test_unknown_scheduler_is_named():
    with pytest.raises(ValueError, match=r"'linear'.*constant, step, exponential, plateau"):
        resolve_schedule("linear", 0.1, 100, None)
    with pytest.raises(ValueError, match="'linear'"):
        learning_rates("linear", 0.1, 100)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("step", {"gamma": -0.5}, r"step\.gamma = -0\.5 .*\(0, 1\]"),
        ("exponential", {"gamma": 0.0}, r"exponential\.gamma = 0\.0 .*\(0, 1\]"),
        ("step", {"step_size": 0}, r"step\.step_size = 0 .*an integer in \[1, "),
        ("step", {"step_size": 2.5}, r"step\.step_size = 2\.5 .*an integer"),
        ("plateau", {"factor": 1.0}, r"plateau\.factor = 1\.0 .*\(0, 1\)"),
        ("plateau", {"factor": 2}, r"plateau\.factor = 2 .*\(0, 1\)"),
        ("plateau", {"patience": -1}, r"plateau\.patience = -1 .*\[0, 10000\]"),
        ("plateau", {"threshold_mode": "max"}, r"plateau\.threshold_mode = 'max' .*rel, abs"),
        ("cosine", {"T_max": 0}, r"cosine\.T_max = 0 "),
        ("cosine", {"eta_min": -0.1}, r"cosine\.eta_min = -0\.1 .*\[0, "),
        ("cosine_restarts", {"T_mult": 0}, r"cosine_restarts\.T_mult = 0 .*\[1, 10\]"),
        ("cyclic", {"max_lr": 0.01}, r"cyclic\.max_lr = 0\.01 .*>= base_lr \(0\.1\)"),
        ("cyclic", {"base_lr": 0.5, "max_lr": 0.2}, r"cyclic\.max_lr = 0\.2 .*base_lr \(0\.5\)"),
        ("cyclic", {"mode": "sawtooth"}, r"cyclic\.mode = 'sawtooth' .*triangular, triangular2"),
        ("cyclic", {"gamma": 1.5}, r"cyclic\.gamma = 1\.5 .*\(0, 1\]"),
        ("onecycle", {"pct_start": 1.0}, r"onecycle\.pct_start = 1\.0 .*\(0, 1\)"),
        ("onecycle", {"div_factor": 0.5}, r"onecycle\.div_factor = 0\.5 .*\[1, "),
        ("onecycle", {"anneal_strategy": "exp"}, r"onecycle\.anneal_strategy = 'exp' .*cos, "),
        ("onecycle", {"three_phase": "maybe"}, r"onecycle\.three_phase = 'maybe'"),
        ("onecycle", {"max_lr": float("nan")}, r"onecycle\.max_lr = nan"),
    ],
)
def test_out_of_range_values_are_named(name, params, message):
    with pytest.raises(ValueError, match=message):
        resolve_schedule(name, 0.1, 100, params)


def test_bad_run_arguments():
    with pytest.raises(ValueError, match="plateau"):
        learning_rates("plateau", 0.1, 100)
    for lr in (0.0, -1.0, float("inf"), "fast", True):
        with pytest.raises(ValueError, match="lr = "):
            learning_rates("cosine", lr, 100)
    for steps in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="steps = "):
            learning_rates("cosine", 0.1, steps)


def test_metadata_for_the_dashboard():
    assert tuple(SCHEDULER_PARAMS) == SCHEDULER_NAMES
    assert tuple(SCHEDULER_TITLES) == SCHEDULER_NAMES
    assert SCHEDULER_TITLES["cosine"] == "Cosine annealing (CosineAnnealingLR)"
    for name, specs in SCHEDULER_PARAMS.items():
        assert len({spec.name for spec in specs}) == len(specs)
        for spec in specs:
            assert isinstance(spec, ParamSpec)
            assert spec.help, (name, spec.name)
            if spec.default is not None:
                assert spec.check(spec.default, name) == spec.default
            if spec.log:
                assert spec.low is not None and (spec.low > 0 or spec.low_open)


def test_fast_enough():
    # Called once per run configuration: 1,000 steps must take well under a millisecond.
    for name in SCHEDULER_NAMES:
        if name == "plateau":
            continue
        seconds = min(
            timeit.repeat(lambda n=name: learning_rates(n, 0.1, 1000), number=5, repeat=5)
        )
        assert seconds / 5 < 1e-3, name
    seconds = min(
        timeit.repeat(
            lambda: learning_rates("cosine_restarts", 0.1, 1000, {"T_0": 1, "T_mult": 2}),
            number=5,
            repeat=5,
        )
    )
    assert seconds / 5 < 1e-3


def test_onecycle_zero_length_last_phase_is_refused():
    # three_phase, 10 steps, pct_start 0.55: phase 2 ends at 2 * 5.5 - 2 = 9 = the last
    # step, so phase 3 is [9, 9] and PyTorch's last scheduler.step() divides 0 by 0.
    with pytest.raises(ValueError, match=r"onecycle\.pct_start = 0\.55 .*phase 3"):
        learning_rates("onecycle", 1.0, 10, {"pct_start": 0.55, "three_phase": True})
    learning_rates("onecycle", 1.0, 10, {"pct_start": 0.55})  # two phases: fine


def test_momentum_cycling_by_hand():
    from engine.schedules import momentum_values

    # CyclicLR, up 2 down 2: the momentum falls from 0.9 to 0.8 while the rate climbs.
    got = momentum_values("cyclic", "momentum", 0.1, 6, {"cycle_momentum": True, "step_size_up": 2})
    np.testing.assert_allclose(got, [0.9, 0.85, 0.8, 0.85, 0.9, 0.85], rtol=HAND_RTOL)
    # OneCycleLR, linear, 10 steps, pct 0.3: 0.95 -> 0.85 at t = 2, back to 0.95 at t = 9.
    got = momentum_values(
        "onecycle", "adam", 0.1, 10, {"cycle_momentum": True, "anneal_strategy": "linear"}
    )
    np.testing.assert_allclose(got[[0, 1, 2, 9]], [0.95, 0.9, 0.85, 0.95], rtol=HAND_RTOL)
    assert momentum_values("cyclic", "adam", 0.1, 6, None) is None  # off by default
    assert momentum_values("cosine", "adam", 0.1, 6, None) is None
