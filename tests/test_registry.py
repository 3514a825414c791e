"""One registry entry per optimizer and schedule, and a RunConfig that checks once.

(a) A RunConfig resolves its optimizer and schedule when it is made, and the engine reads what
    it kept: simulating, sweeping and writing code resolve and check nothing again.
(b) Adding an optimizer is one registry entry: a toy sign-SGD registered in a test shows in
    every table the dashboard reads and runs through RunConfig and simulate_many.
(c) Every refused setting raises a SettingError that names its field and what is allowed.
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pytest

from engine import budget, code, explore
from engine.code import KERAS_NAMES, torch_code
from engine.config import RunConfig
from engine.explore import lr_finder, second_settings, stability_map
from engine.network.train import NetworkConfig, train_many
from engine.optimizers import (
    CYCLED_MOMENTUM,
    OPTIMIZER_NAMES,
    OPTIMIZER_PARAMS,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    TORCH_CLASSES,
    Optimizer,
    resolve_optimizer,
)
from engine.params import ParamSpec, SettingError
from engine.schedules import resolve_schedule
from engine.simulate import simulate, simulate_many

# The optimizers as this module found them, before any test registered a toy one.
REGISTERED_AT_IMPORT = tuple(OPTIMIZER_NAMES)


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """Counts of resolve_optimizer, resolve_schedule, ParamSpec.check and RunConfig (and
    NetworkConfig) creations, wherever in the engine they are called from."""
    counts: Counter = Counter()

    def counting(name, function):
        def counted(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)

        return counted

    for name, function in (
        ("resolve_optimizer", resolve_optimizer),
        ("resolve_schedule", resolve_schedule),
    ):
        wrapped = counting(name, function)
        for module_name, module in list(sys.modules.items()):
            if module_name.startswith("engine") and getattr(module, name, None) is function:
                monkeypatch.setattr(module, name, wrapped)
    monkeypatch.setattr(ParamSpec, "check", counting("check", ParamSpec.check))
    monkeypatch.setattr(RunConfig, "__post_init__", counting("made", RunConfig.__post_init__))
    monkeypatch.setattr(
        NetworkConfig, "__post_init__", counting("networks made", NetworkConfig.__post_init__)
    )
    return counts


# ------------------------------------------------------------------ (a) resolved once


def test_a_run_is_resolved_once_when_it_is_made(calls):
    cyclic = RunConfig(
        surface="linreg",
        normalization="standard",
        optimizer="adam",
        optimizer_params={"betas": (0.8, 0.99)},
        lr=0.05,
        scheduler="cyclic",
        scheduler_params={"max_lr": 0.5},
        batch_size=8,
        steps=40,
    )
    plateau = RunConfig(surface="bowl", optimizer="momentum", scheduler="plateau", steps=40)
    assert calls["made"] == 2
    assert calls["resolve_optimizer"] == 2 and calls["resolve_schedule"] == 2
    # adam.betas and cyclic.max_lr given, cyclic's base_lr, step sizes derived: five checks
    checks_per_cyclic = 5
    assert calls["check"] == checks_per_cyclic

    calls.clear()
    simulate_many([cyclic, plateau, cyclic])
    torch_code(cyclic)
    code.keras_code(plateau)
    budget.check([cyclic, plateau])
    explore.current_setting(cyclic, "beta1")
    assert calls == Counter()  # nothing resolved, checked or made again

    # The sweep makes one checked RunConfig per rate, each resolved once as it is made.
    rates = 5
    lr_finder(cyclic, n=rates)
    assert calls == Counter(
        made=rates, resolve_optimizer=rates, resolve_schedule=rates, check=rates * checks_per_cyclic
    )


def test_a_network_run_is_resolved_once_when_it_is_made(calls):
    config = NetworkConfig(
        hidden=(2,), optimizer="rmsprop", scheduler="plateau", steps=5, batch_size=50
    )
    assert calls["resolve_optimizer"] == 1 and calls["resolve_schedule"] == 1
    calls.clear()
    train_many([config, config], diagnose=False)
    assert calls == Counter()
    # Judging the outcome trains reference runs: new configs, each resolved once as it is made.
    train_many([config])
    made = calls["networks made"]
    assert made > 0 and calls["resolve_optimizer"] == calls["resolve_schedule"] == made


def test_a_config_keeps_what_its_check_resolved():
    config = RunConfig(
        surface="linreg", normalization="minmax", optimizer="adamw", scheduler="step", steps=40
    )
    assert dict(config.resolved_optimizer_params) == resolve_optimizer("adamw", {})
    assert dict(config.resolved_scheduler_params) == {
        "step_size": 10,
        "gamma": 0.1,
    }  # a quarter of the run
    assert config.loss_surface is config.problem.surface("minmax")
    assert config.resolved_start == config.loss_surface.default_start
    with pytest.raises(TypeError):  # what the engine reads cannot be changed under it
        config.resolved_optimizer_params["eps"] = 1.0


def test_the_full_batch_has_one_spelling():
    n = RunConfig(surface="linreg").problem.n
    assert RunConfig(surface="linreg", batch_size=n).batch_size is None
    assert RunConfig(surface="linreg", batch_size=n) == RunConfig(surface="linreg")
    assert RunConfig(surface="linreg", batch_size=n - 1).batch_size == n - 1
    assert RunConfig(surface="linreg", batch_size=n).as_dict()["batch_size"] is None


def test_cycled_momentum_without_momentum_is_refused_when_made():
    # PyTorch's CyclicLR and OneCycleLR raise for Adagrad, which has neither momentum nor betas.
    for scheduler in ("cyclic", "onecycle"):
        with pytest.raises(
            SettingError, match=rf"{scheduler}\.cycle_momentum = True .*adagrad"
        ) as error:
            RunConfig(
                optimizer="adagrad", scheduler=scheduler, scheduler_params={"cycle_momentum": True}
            )
        assert error.value.field == f"{scheduler}.cycle_momentum"
        RunConfig(
            optimizer="rmsprop", scheduler=scheduler, scheduler_params={"cycle_momentum": True}
        )


# ----------------------------------------------------------- (b) one entry per optimizer


def _sign_init(params, hyper):
    return {"step": 0}


def _sign_update(grads, state, lr, hyper):
    """signSGD: θ ← θ − lr·sign(g)."""
    return -lr * np.sign(grads), {"step": state["step"] + 1}


SIGN_SGD = Optimizer(
    "sign_sgd",
    "signSGD (the sign of the gradient)",
    (),
    _sign_init,
    _sign_update,
    torch_class=None,
    cycled_momentum=None,
)


def test_an_optimizer_is_one_registry_entry(monkeypatch):
    monkeypatch.setitem(OPTIMIZERS, "sign_sgd", SIGN_SGD)
    assert OPTIMIZER_NAMES[-1] == "sign_sgd" and "sign_sgd" in OPTIMIZER_NAMES
    assert OPTIMIZER_PARAMS["sign_sgd"] == () and OPTIMIZER_TITLES["sign_sgd"] == SIGN_SGD.title
    assert TORCH_CLASSES["sign_sgd"] is None and CYCLED_MOMENTUM["sign_sgd"] is None
    assert KERAS_NAMES["sign_sgd"] is None
    assert second_settings(RunConfig(optimizer="sign_sgd")) == []

    start, lr, steps = (1.05, -0.73), 0.1, 5
    sign_run, sgd_run = simulate_many(
        [
            RunConfig(optimizer="sign_sgd", lr=lr, start=start, steps=steps),
            RunConfig(
                optimizer="sgd", lr=lr, start=start, steps=steps
            ),  # the same loop, another family
        ]
    )
    # On the bowl ½(λ₁x² + λ₂y²), λ > 0, sign(∇f) = sign(θ): each coordinate walks lr per step
    # toward 0, x_t = x₀ − lr·t, y_t = y₀ + lr·t, until it would cross (not within 5 steps).
    t = np.arange(steps + 1)
    expected = np.column_stack([start[0] - lr * t, start[1] + lr * t])
    np.testing.assert_allclose(sign_run.params, expected, rtol=0, atol=1e-12)
    assert (
        sgd_run.params.tolist()
        == simulate(RunConfig(lr=lr, start=start, steps=steps)).params.tolist()
    )
    with pytest.raises(ValueError, match="no torch code for the optimizer 'sign_sgd'"):
        torch_code(RunConfig(optimizer="sign_sgd"))


def test_the_registry_is_left_as_it_was():
    # The monkeypatched entry above is gone again: the tables are views, not copies.
    assert "sign_sgd" not in OPTIMIZER_NAMES and "sign_sgd" not in OPTIMIZER_PARAMS
    assert OPTIMIZER_NAMES == REGISTERED_AT_IMPORT


# ---------------------------------------------------------- (c) errors name their field

LIN = {"surface": "linreg"}


@pytest.mark.parametrize(
    "fields, field, allowed",
    [
        ({"lr": 20}, "lr", "a number in [1e-05, 10]"),
        ({"lr": "0.1"}, "lr", "a number in [1e-05, 10]"),
        ({"steps": 0}, "steps", "an integer in [1, 10000]"),
        ({"seed": -1}, "seed", "an integer in [0, 4294967295]"),
        ({"surface": "sphere"}, "surface", "bowl, ravine, trap, linreg"),
        ({"optimizer": "lbfgs"}, "optimizer", "sgd, momentum, nesterov, adagrad"),
        ({"scheduler": "linear"}, "scheduler", "constant, step, exponential, plateau"),
        ({**LIN, "batch_size": 0}, "batch_size", "an integer in [1, 100]"),
        ({**LIN, "batch_size": 8.5}, "batch_size", "an integer in [1, 100]"),
        ({"batch_size": 8}, "batch_size", "the full batch (None)"),
        ({"normalization": "zscore"}, "normalization", "one of none, standard, minmax"),
        ({"normalization": "standard"}, "normalization", "'none'"),
        ({"start": (0.0, 100.0)}, "start", "a number in [-12, 12]"),
        ({"start": 3.0}, "start", "two numbers (x, y)"),
        (
            {"optimizer_params": [("momentum", 0.9)]},
            "optimizer_params",
            "a mapping of names to values",
        ),
        (
            {"optimizer": "adam", "optimizer_params": {"betas": (0.9, 1.0)}},
            "adam.betas",
            "each in [0, 1)",
        ),
        (
            {"optimizer": "adam", "optimizer_params": {"beta1": 0.9}},
            "adam.beta1",
            "betas, eps, amsgrad",
        ),
        (
            {"optimizer": "nesterov", "optimizer_params": {"momentum": 0}},
            "nesterov.momentum",
            "(0, 1)",
        ),
        (
            {"scheduler": "plateau", "scheduler_params": {"patience": -1}},
            "plateau.patience",
            "[0, 10000]",
        ),
        (
            {"scheduler": "cyclic", "scheduler_params": {"base_lr": 0.5, "max_lr": 0.1}},
            "cyclic.max_lr",
            "a number >= base_lr (0.5)",
        ),
        (
            {"scheduler": "onecycle", "steps": 10, "scheduler_params": {"pct_start": 0.1}},
            "onecycle.pct_start",
            "another pct_start",
        ),
        (
            {
                "optimizer": "adagrad",
                "scheduler": "cyclic",
                "scheduler_params": {"cycle_momentum": True},
            },
            "cyclic.cycle_momentum",
            "cycle_momentum off",
        ),
    ],
)
def test_every_refused_setting_names_its_field(fields, field, allowed):
    with pytest.raises(SettingError) as error:
        RunConfig(**fields)
    assert error.value.field == field
    assert allowed in error.value.allowed and allowed in str(error.value)


@pytest.mark.parametrize(
    "call, field, allowed",
    [
        (lambda: lr_finder(RunConfig(), n=1), "n", "an integer in [2, 200]"),
        (
            lambda: stability_map(RunConfig(), "momentum"),
            "second",
            "this run has no second setting",
        ),
        (lambda: stability_map(RunConfig(optimizer="adam"), "momentum"), "second", "one of beta1"),
        (
            lambda: stability_map(RunConfig(), "momentum", lr_range=(1.0, 0.1)),
            "second",
            "this run has",
        ),
        (
            lambda: stability_map(RunConfig(optimizer="momentum"), "momentum", lr_range=(1.0, 0.1)),
            "lr_range",
            "low < high",
        ),
        (
            # PyTorch's RMSprop loses its momentum buffer when a cycle starts it at 0 (a KeyError
            # in torch 2.13): refused when the run is made, naming the field.
            lambda: RunConfig(
                optimizer="rmsprop",
                scheduler="cyclic",
                scheduler_params={"cycle_momentum": True, "base_momentum": 0.5, "max_momentum": 0.0},
            ),
            "cyclic.max_momentum",
            "max_momentum > 0",
        ),
    ],
)
def test_the_explorers_and_the_step_loop_name_the_field_too(call, field, allowed):
    with pytest.raises(SettingError) as error:
        call()
    assert error.value.field == field
    assert allowed in error.value.allowed and allowed in str(error.value)


def test_a_setting_error_is_a_value_error():
    # Callers that catch ValueError (the page's request readers) catch every refusal.
    assert issubclass(SettingError, ValueError)
