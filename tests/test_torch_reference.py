"""The engine against real PyTorch, and the code view's text.

tests/data/torch_reference.json holds what torch 2.13 (float64, CPU) did when it ran the
script torch_code(config) generates, for every optimizer x scheduler on the bowl and the
trap, weight decay (L2 and AdamW's decoupled), PyTorch's momentum cycling (CyclicLR and
OneCycleLR setting momentum or beta1 before every step: every mode and shape, a momentum that
reaches 0 or starts there, with weight decay, on mini-batches), mini-batch data fits with
ReduceLROnPlateau and a lecturer's formula (scripts/torch_reference.py wrote it).
Each case's digest is of the generated text, so changing the generator without re-recording
fails here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from engine import SCHEDULER_NAMES, RunConfig, simulate
from engine.code import KERAS_NAMES, config_from_record, keras_code, torch_code
from engine.optimizers import CYCLED_MOMENTUM, NESTEROV_WITHOUT_MOMENTUM, OPTIMIZER_NAMES
from engine.params import SettingError
from engine.schedules import momentum_values

REFERENCE = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cases"]}
RTOL = 1e-9


def engine_path(config: RunConfig) -> np.ndarray:
    return simulate(config).params


def relative_error(engine: np.ndarray, torch: np.ndarray) -> np.ndarray:
    """Per iterate: |engine - torch| / |torch| (Euclidean norms of the two parameters)."""
    scale = np.maximum(np.linalg.norm(torch, axis=1), 1e-300)
    return np.linalg.norm(engine - torch, axis=1) / scale


def test_the_reference_is_real_pytorch_in_float64():
    assert REFERENCE["torch_version"].startswith("2.13.0")
    assert REFERENCE["dtype"] == "float64"
    names = {(c["config"]["optimizer"], c["config"]["scheduler"]) for c in REFERENCE["cases"]}
    assert {(o, s) for o in OPTIMIZER_NAMES for s in SCHEDULER_NAMES} <= names


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_code_shown_is_the_code_recorded(name):
    config, formula = config_from_record(CASES[name]["config"])
    digest = hashlib.sha256(torch_code(config, formula).encode()).hexdigest()
    assert digest == CASES[name]["code_sha256"], "re-run scripts/torch_reference.py"


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_retraces_pytorch(name):
    config, _ = config_from_record(CASES[name]["config"])
    recorded = CASES[name]["trajectory"]
    assert len(recorded) == config.steps + 1
    ours = engine_path(config)
    # Compare the steps before any divergence: the engine stops at the first diverged
    # iterate; PyTorch's own path must be finite that far.
    kept = len(ours)
    torch = np.array(recorded[:kept], dtype=float)
    assert np.isfinite(torch).all()
    assert kept >= min(config.steps + 1, 10)
    error = relative_error(ours, torch)
    assert error.max() <= RTOL, (name, float(error.max()), int(error.argmax()))


def test_momentum_cycling_without_momentum_is_refused_like_pytorch():
    torch_words = REFERENCE["adagrad_cycle_momentum_errors"]
    assert set(torch_words) == {"CyclicLR", "OneCycleLR"}
    for scheduler in ("cyclic", "onecycle"):
        with pytest.raises(ValueError, match="no momentum") as err:
            momentum_values(scheduler, "adagrad", 0.1, 10, {"cycle_momentum": True})
        assert torch_words["CyclicLR"] in str(err.value)
        assert momentum_values(scheduler, "adagrad", 0.1, 10, None) is None  # off by default


def test_the_reference_cycles_momentum_on_every_optimizer_that_has_one():
    cycled = [
        c["config"]
        for c in REFERENCE["cases"]
        if c["config"]["scheduler_params"].get("cycle_momentum")
    ]
    with_momentum = {name for name in OPTIMIZER_NAMES if CYCLED_MOMENTUM[name] is not None}
    assert with_momentum == {"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"}
    assert {(c["optimizer"], c["scheduler"]) for c in cycled} == {
        (o, s) for o in with_momentum for s in ("cyclic", "onecycle")
    }
    shapes = {
        (c["scheduler"], key, str(value))
        for c in cycled
        for key, value in c["scheduler_params"].items()
    }
    for shape in (("cyclic", "mode", "triangular2"), ("cyclic", "mode", "exp_range"),
                  ("cyclic", "base_momentum", "0.0"), ("cyclic", "max_momentum", "0.0"),
                  ("onecycle", "three_phase", "True"), ("onecycle", "anneal_strategy", "linear")):  # fmt: skip
        assert shape in shapes
    assert any(c.get("batch_size") for c in cycled)
    assert any(c.get("optimizer_params", {}).get("weight_decay") for c in cycled)


def test_rmsprop_cycling_up_from_zero_momentum_is_refused_as_pytorch_fails():
    # torch's RMSprop makes its momentum buffer on the first step only if momentum > 0 then.
    assert REFERENCE["rmsprop_from_zero_error"] == "KeyError: 'momentum_buffer'"
    for scheduler in ("cyclic", "onecycle"):
        params = {"cycle_momentum": True, "base_momentum": 0.5, "max_momentum": 0.0}
        with pytest.raises(SettingError, match="momentum_buffer") as err:
            RunConfig(optimizer="rmsprop", scheduler=scheduler, scheduler_params=params)
        assert err.value.field == f"{scheduler}.max_momentum"
        RunConfig(
            optimizer="momentum", scheduler=scheduler, scheduler_params=params
        )  # torch's SGD copes
        RunConfig(
            optimizer="rmsprop",
            scheduler=scheduler,
            scheduler_params={**params, "base_momentum": 0.0},
        )


def test_nesterov_without_momentum_and_a_zero_length_phase_are_refused_as_pytorch_refuses():
    torch_words = REFERENCE["nesterov_zero_momentum_error"]
    assert torch_words == NESTEROV_WITHOUT_MOMENTUM
    with pytest.raises(SettingError, match="Nesterov's look-ahead needs a momentum") as err:
        RunConfig(optimizer="nesterov", optimizer_params={"momentum": 0.0})
    assert torch_words in str(err.value) and err.value.field == "nesterov.momentum"
    # PyTorch's OneCycleLR divides by zero when a phase starts where it ends.
    assert REFERENCE["onecycle_zero_phase_error"].startswith("ZeroDivisionError")
    with pytest.raises(SettingError, match="zero steps .*divides by zero") as err:
        RunConfig(scheduler="onecycle", steps=10, scheduler_params={"pct_start": 0.1})
    assert err.value.field == "onecycle.pct_start"
    RunConfig(
        scheduler="onecycle", steps=10, scheduler_params={"pct_start": 0.25}
    )  # 1.5 steps: fine


def test_generated_code_writes_the_cycled_momenta_it_uses():
    code = torch_code(RunConfig(optimizer="adam", scheduler="cyclic", scheduler_params={
        "cycle_momentum": True, "base_momentum": 0.7, "step_size_up": 5}))  # fmt: skip
    assert "step_size_up=5, cycle_momentum=True, base_momentum=0.7, max_momentum=0.9)" in code
    assert "sets the optimizer's beta1 (betas[0]) before every step" in code
    onecycle = torch_code(RunConfig(optimizer="momentum", scheduler="onecycle", steps=40,
                                    scheduler_params={"cycle_momentum": True}))  # fmt: skip
    assert (
        "OneCycleLR(optimizer, max_lr=0.1, total_steps=40, cycle_momentum=True, "
        "base_momentum=0.85, max_momentum=0.95)" in onecycle
    )
    assert "sets the optimizer's momentum before every step" in onecycle


def test_generated_code_spells_out_the_engine_defaults_that_differ_from_pytorchs():
    cyclic = torch_code(RunConfig(scheduler="cyclic"))
    assert "cycle_momentum=False" in cyclic  # PyTorch's default is True
    assert "torch.float64" in cyclic
    momentum = torch_code(RunConfig(optimizer="momentum"))
    assert "torch.optim.SGD([params], lr=0.1, momentum=0.9)" in momentum  # torch's default 0
    assert "dampening" not in momentum  # PyTorch's own default: left out
    nesterov = torch_code(RunConfig(optimizer="nesterov"))
    assert "momentum=0.9, nesterov=True" in nesterov
    adamw = torch_code(RunConfig(optimizer="adamw", optimizer_params={"weight_decay": 0.01}))
    assert "torch.optim.AdamW([params], lr=0.1)" in adamw
    onecycle = torch_code(RunConfig(scheduler="onecycle", steps=40))
    assert "OneCycleLR(optimizer, max_lr=0.1, total_steps=40, cycle_momentum=False)" in onecycle


def test_generated_code_steps_plateau_per_epoch_on_the_full_loss():
    code = torch_code(RunConfig(surface="linreg", batch_size=25, scheduler="plateau", steps=12))
    assert "if k == 3:" in code and "scheduler.step(loss_fn(params))" in code
    assert "torch.randperm(100)" in code  # torch's own shuffling unless an order is given
    full = torch_code(RunConfig(scheduler="plateau"))
    assert "        with torch.no_grad():\n            scheduler.step(loss_fn(params))" in full


def test_a_custom_surface_needs_its_formula_text():
    case = CASES["formula/adam/onecycle"]
    config, formula = config_from_record(case["config"])
    assert "torch.sin(" in torch_code(config, formula)
    with pytest.raises(ValueError, match="formula"):
        torch_code(config)


# --------------------------------------------------------------------------- Keras

KERAS_CLASSES = {
    "sgd": "keras.optimizers.SGD(",
    "momentum": "keras.optimizers.SGD(",
    "nesterov": "keras.optimizers.SGD(",
    "adagrad": "keras.optimizers.Adagrad(",
    "adadelta": "keras.optimizers.Adadelta(",
    "rmsprop": "keras.optimizers.RMSprop(",
    "adam": "keras.optimizers.Adam(",
    "adamw": "keras.optimizers.AdamW(",
}
KERAS_SCHEDULES = {
    "constant": "learning_rate=0.1)",
    "step": "keras.optimizers.schedules.ExponentialDecay(",
    "exponential": "keras.optimizers.schedules.ExponentialDecay(",
    "plateau": "keras.callbacks.ReduceLROnPlateau(",
    "cosine": "keras.optimizers.schedules.CosineDecay(",
    "cosine_restarts": "keras.optimizers.schedules.CosineDecayRestarts(",
    "cyclic": "# No Keras equivalent: CyclicLR",
    "onecycle": "# No Keras equivalent: OneCycleLR",
}


@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_keras_code_constructs_the_documented_optimizer(optimizer):
    code = keras_code(RunConfig(optimizer=optimizer))
    assert KERAS_CLASSES[optimizer] in code
    assert "optimizer.apply_gradients(" in code and "tf.GradientTape()" in code
    if optimizer == "nesterov":
        assert "nesterov=True" in code
    if optimizer in ("adagrad", "adadelta", "rmsprop", "adam", "adamw"):
        assert "epsilon" in code and "# Keras" in code  # eps placement / defaults noted


@pytest.mark.parametrize("scheduler", SCHEDULER_NAMES)
def test_keras_code_names_the_schedule_or_says_there_is_none(scheduler):
    code = keras_code(RunConfig(scheduler=scheduler))
    assert KERAS_SCHEDULES[scheduler] in code
    assert (KERAS_NAMES[scheduler] is None) == ("No Keras equivalent" in code)


def test_keras_notes_each_difference_that_changes_the_numbers():
    momentum = keras_code(RunConfig(optimizer="momentum", scheduler="step"))
    assert "once a scheduler changes it" in momentum
    assert "eps inside" not in momentum
    assert "inside the square root" in keras_code(RunConfig(optimizer="rmsprop"))
    assert "before the bias correction" in keras_code(RunConfig(optimizer="adam"))
    assert "L2" in keras_code(RunConfig(optimizer="sgd", optimizer_params={"weight_decay": 0.1}))
    assert "No Keras equivalent: dampening" in keras_code(
        RunConfig(optimizer="momentum", optimizer_params={"dampening": 0.5})
    )
    plateau = keras_code(RunConfig(scheduler="plateau", scheduler_params={"patience": 4}))
    assert "patience=5" in plateau and "min_delta is absolute" in plateau
    assert "climbs back up" in keras_code(
        RunConfig(scheduler="cosine", scheduler_params={"T_max": 30})
    )


def test_keras_names_cover_every_menu_entry():
    assert set(KERAS_NAMES) == set(OPTIMIZER_NAMES) | set(SCHEDULER_NAMES)
    assert KERAS_NAMES["cyclic"] is None and KERAS_NAMES["onecycle"] is None
    assert KERAS_NAMES["plateau"] == "keras.callbacks.ReduceLROnPlateau"
