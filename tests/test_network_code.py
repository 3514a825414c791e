"""The network's PyTorch script against real PyTorch, and its Keras version.

tests/data/network_torch_reference.json holds what torch 2.13 (float64, CPU) did when it ran
the script network_torch_code(config) generates, started from the engine's initial weights on
the engine's batches (scripts/network_torch_reference.py wrote it): every data set, both
activations, 1 to 3 hidden layers, every optimizer and scheduler (momentum cycling too), batch
1, mini-batches and the full batch, every input scaling, and one run that diverges. Each case's
digest is of the generated text, so changing the generator without re-recording fails here.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from engine import limits
from engine.network import DATASETS, NETWORK_NORMALIZATIONS, NetworkConfig, make_dataset, train
from engine.network.code import network_data_code, network_keras_code, network_torch_code
from engine.optimizers import CYCLED_MOMENTUM, OPTIMIZERS
from engine.schedules import SCHEDULES

REFERENCE = json.loads((Path(__file__).parent / "data" / "network_torch_reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cases"]}
# Both sides compute in float64 but in different orders (BLAS's sums against NumPy's, torch's
# BCEWithLogits against the engine's stable formula), so each loss differs by a few ulps
# (~1e-16), and training carries the difference on; over these runs it stays below 3e-13.
# A real difference of rule is far larger: the lr changed in its 7th digit moves the losses
# by ~2e-5 (test_the_tolerance_tells_a_slightly_different_run_apart).
RTOL = 1e-10


def config_of(record: dict) -> NetworkConfig:
    fields = dict(record)
    fields["hidden"] = tuple(fields["hidden"])
    fields["optimizer_params"] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in fields["optimizer_params"].items()
    }
    return NetworkConfig(**fields)


def relative_error(ours: np.ndarray, torch: np.ndarray) -> np.ndarray:
    return np.abs(ours - torch) / np.abs(torch)


def test_the_reference_is_real_pytorch_in_float64_and_covers_the_menus():
    assert REFERENCE["torch_version"].startswith("2.13.0")
    assert REFERENCE["dtype"] == "float64"
    configs = [config_of(case["config"]) for case in REFERENCE["cases"]]
    assert {c.dataset for c in configs} == set(DATASETS)
    assert {c.normalization for c in configs} == set(NETWORK_NORMALIZATIONS)
    assert {c.activation for c in configs} == {"tanh", "relu"}
    assert {len(c.hidden) for c in configs} == {1, 2, 3}
    assert {c.optimizer for c in configs} == set(OPTIMIZERS)
    assert {c.scheduler for c in configs} == set(SCHEDULES)
    assert any(c.resolved_scheduler_params.get("cycle_momentum") for c in configs)
    batches = {"full" if c.full_batch else "one" if c.batch_size == 1 else "mini" for c in configs}
    assert batches == {"full", "one", "mini"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_code_shown_is_the_code_recorded(name):
    code = network_torch_code(config_of(CASES[name]["config"]))
    assert hashlib.sha256(code.encode()).hexdigest() == CASES[name]["code_sha256"], (
        "re-run scripts/network_torch_reference.py"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_engine_trains_the_network_as_pytorch_does(name):
    config = config_of(CASES[name]["config"])
    recorded = CASES[name]["loss"]
    assert len(recorded) == config.steps + 1
    run = train(config)
    # Up to the engine's first diverged iterate (it keeps none after); PyTorch's losses must be
    # finite that far.
    kept = len(run.loss)
    torch = np.array(recorded[:kept], dtype=float)
    assert np.isfinite(torch).all()
    error = relative_error(run.loss, torch)
    assert error.max() <= RTOL, (name, float(error.max()), int(error.argmax()))


def test_the_diverging_run_stops_where_pytorchs_loss_passes_the_bound():
    (name,) = [name for name in CASES if name.endswith("/diverges")]
    config = config_of(CASES[name]["config"])
    run = train(config)
    torch = np.array(CASES[name]["loss"], dtype=float)
    targets = make_dataset(config.dataset, config.normalization, config.data_seed).targets
    constant = 0.5 * np.var(targets)  # the best constant prediction's ½·MSE
    bound = limits.DIVERGENCE_FACTOR * max(torch[0], constant)
    assert run.diverged_at is not None and run.outcome == "diverged"
    assert torch[run.diverged_at] > bound and (torch[: run.diverged_at] <= bound).all()


def test_the_tolerance_tells_a_slightly_different_run_apart():
    name = "spiral/adam/constant/full/standard"
    config = config_of(CASES[name]["config"])
    nudged = train(NetworkConfig(**{**CASES[name]["config"], "hidden": config.hidden, "lr": config.lr * (1 + 1e-7)}))
    error = relative_error(nudged.loss, np.array(CASES[name]["loss"]))
    assert error.max() > 100 * RTOL


def test_the_scripts_with_torchs_own_start_and_shuffles_ran_too():
    assert REFERENCE["default_runs"]
    for name, losses in REFERENCE["default_runs"].items():
        config = config_of(CASES[name]["config"])
        assert len(losses) == config.steps + 1 and np.isfinite(losses).all()
        # a different start than the engine's (torch's generator, not NumPy's), same rule
        assert losses != CASES[name]["loss"][: len(losses)]


# --------------------------------------------------------------------------- the script's text


@pytest.mark.parametrize(
    ("dataset", "normalization", "data_seed"),
    [(d, n, s) for d in DATASETS for n in NETWORK_NORMALIZATIONS for s in (0, 3)],
)
def test_the_data_block_draws_the_dashboards_numbers(dataset, normalization, data_seed):
    config = NetworkConfig(dataset=dataset, normalization=normalization, data_seed=data_seed, steps=10)
    namespace = {"np": np}
    exec(compile(network_data_code(config), "<data>", "exec"), namespace)  # noqa: S102 (our own text)
    data = make_dataset(dataset, normalization, data_seed)
    assert np.array_equal(namespace["x"], data.inputs)  # to the last bit
    assert np.array_equal(namespace["y"], data.targets)


@pytest.mark.parametrize(
    ("dataset", "hidden", "activation"),
    [("moons", (16, 8, 4), "relu"), ("spiral", (5,), "tanh"), ("house_prices", (3, 2), "tanh")],
)
def test_the_script_builds_the_network_on_screen(dataset, hidden, activation):
    config = NetworkConfig(dataset=dataset, hidden=hidden, activation=activation, steps=10)
    code = network_torch_code(config)
    compile(code, "<torch>", "exec")
    inputs = 1 if dataset == "house_prices" else 2
    sizes = (inputs, *hidden, 1)
    layers = re.findall(r"nn\.Linear\((\d+), (\d+)\)", code)
    assert [(int(a), int(b)) for a, b in layers] == list(zip(sizes[:-1], sizes[1:], strict=True))
    module = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()"}[activation]
    assert code.count(module) == len(hidden)
    if dataset == "house_prices":
        assert "0.5 * nn.functional.mse_loss(z, target)" in code and "BCEWithLogits" not in code
    else:
        assert "loss_fn = nn.BCEWithLogitsLoss()" in code and "mse_loss" not in code


def _configs_for_every_entry():
    """(optimizer, scheduler, config) for every pair of the registries, momentum cycled where
    the optimizer has one; a mini-batch run of moons."""
    for optimizer, scheduler in itertools.product(OPTIMIZERS, SCHEDULES):
        params = {}
        if SCHEDULES[scheduler].momenta is not None and CYCLED_MOMENTUM[optimizer] is not None:
            params = {"cycle_momentum": True}
        if scheduler == "plateau":
            params = {"patience": 3}
        yield optimizer, scheduler, NetworkConfig(
            optimizer=optimizer, scheduler=scheduler, scheduler_params=params, batch_size=32, steps=50
        )


@pytest.mark.parametrize(("optimizer", "scheduler", "config"), list(_configs_for_every_entry()))
def test_every_optimizer_and_scheduler_gets_both_scripts(optimizer, scheduler, config):
    torch_code = network_torch_code(config)
    compile(torch_code, "<torch>", "exec")
    assert f"torch.optim.{OPTIMIZERS[optimizer].torch_class}(model.parameters(), lr={config.lr!r}" in torch_code
    torch_class = SCHEDULES[scheduler].torch_class
    if torch_class:
        assert f"scheduler = torch.optim.lr_scheduler.{torch_class}(optimizer" in torch_code
    else:
        assert "scheduler" not in torch_code.split("def run(")[1]
    keras_code = network_keras_code(config)
    compile(keras_code, "<keras>", "exec")
    optimizer_class = re.match(r"keras\.optimizers\.(\w+)", OPTIMIZERS[optimizer].keras_name).group(1)
    assert f"optimizer = keras.optimizers.{optimizer_class}(learning_rate=" in keras_code
    keras_name = SCHEDULES[scheduler].keras_name
    if keras_name is None:  # said so, and the rate the script keeps instead
        assert f"# No Keras equivalent: {torch_class}" in keras_code
    elif keras_name.startswith("keras."):
        keras_class = re.match(r"keras\.[\w.]*\.(\w+)", keras_name).group(1)
        assert f".{keras_class}(" in keras_code
    if scheduler == "plateau":
        assert "callbacks=[plateau]" in keras_code and "patience=4" in keras_code  # PyTorch's 3


@pytest.mark.parametrize(
    ("dataset", "batch_size", "steps", "epochs", "loss"),
    [("moons", None, 40, 40, "keras.losses.BinaryCrossentropy(from_logits=True)"),
     ("xor", 50, 40, 10, "keras.losses.BinaryCrossentropy(from_logits=True)"),
     ("house_prices", 30, 10, 3, "half_mse")],
)  # fmt: skip
def test_the_keras_script_trains_the_same_network_and_says_what_differs(dataset, batch_size, steps, epochs, loss):
    config = NetworkConfig(dataset=dataset, hidden=(16, 4), activation="relu", batch_size=batch_size, steps=steps)
    code = network_keras_code(config)
    compile(code, "<keras>", "exec")
    inputs = 1 if dataset == "house_prices" else 2
    assert f"keras.Input(shape=({inputs},))" in code
    assert re.findall(r"linear\((\d+), (\d+)", code) == [("16", str(inputs)), ("4", "16"), ("1", "4")]
    assert code.count('"relu"),') == 2
    assert f"model.compile(optimizer=optimizer, loss={loss})" in code
    n = make_dataset(dataset).n
    assert f"batch_size={batch_size or n}, epochs={epochs}, shuffle=True" in code
    assert ("model.fit trains whole epochs" in code) is (epochs * -(-n // (batch_size or n)) != steps)
    # the data are the PyTorch script's, drawn the same way
    assert network_data_code(config) in code and network_data_code(config) in network_torch_code(config)
