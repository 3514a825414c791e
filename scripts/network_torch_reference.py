"""Run the generated PyTorch code for a set of network runs and record what real PyTorch does.

    /tmp/torchenv/bin/python scripts/network_torch_reference.py     # a venv with torch and numpy

writes tests/data/network_torch_reference.json: the torch version, and per case the run's
config, the sha256 of network_torch_code(config) (the exact text executed) and the full-data
loss at every iterate that PyTorch produced. tests/test_network_code.py compares the engine
(engine.network.train) with it and checks the digests, so the file goes stale loudly when the
generated code changes. Torch is needed here only: it is no dependency of the project.

The generated run() draws its start from torch.manual_seed and shuffles with torch.randperm;
this script passes the engine's instead through the script's own arguments:
initial_weights = engine.network.init_params(layout, seed) (nn.Linear's rule, drawn with
NumPy) and batch_orders = engine.steploop.batch_orders(seed, n, epochs), so both sides train
the same network on the same batches.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.network import NetworkConfig, init_params  # noqa: E402
from engine.network.code import network_torch_code  # noqa: E402
from engine.steploop import batch_orders  # noqa: E402

OUT = ROOT / "tests" / "data" / "network_torch_reference.json"


def case(name: str, **fields) -> tuple[str, NetworkConfig]:
    return name, NetworkConfig(**fields)


def cases() -> list[tuple[str, NetworkConfig]]:
    """(case name, config) of every recorded run: each data set, both activations, 1 to 3
    hidden layers, every optimizer, every scheduler (momentum cycling too), batch 1, mini-batches
    and the full batch, each input scaling."""
    plateau = {"patience": 2, "factor": 0.5}
    return [
        case("moons/adam/constant/full/standard", dataset="moons", hidden=(16, 16), optimizer="adam",
             lr=0.01, steps=60),
        case("moons/relu/sgd/step/batch_1/none", dataset="moons", hidden=(8,), activation="relu",
             optimizer="sgd", lr=0.1, scheduler="step", scheduler_params={"step_size": 20, "gamma": 0.5},
             batch_size=1, steps=60, seed=3),
        case("moons/sgd/onecycle/cycle_momentum/batch_32/x100", dataset="moons", hidden=(16, 16),
             optimizer="sgd", lr=0.001, scheduler="onecycle", scheduler_params={"cycle_momentum": True},
             batch_size=32, normalization="x100", steps=60),
        case("moons/relu/adadelta/constant/full/standard", dataset="moons", hidden=(16,),
             activation="relu", optimizer="adadelta", lr=1.0, steps=50, seed=2),
        case("moons/nesterov/plateau/batch_25/standard", dataset="moons", hidden=(3,),
             optimizer="nesterov", lr=0.05, scheduler="plateau", scheduler_params=plateau,
             batch_size=25, steps=100, seed=4),
        case("moons/adam/cosine/batch_40/data_seed_5", dataset="moons", hidden=(8, 8), optimizer="adam",
             lr=0.02, scheduler="cosine", scheduler_params={"T_max": 30}, batch_size=40, steps=80,
             seed=6, data_seed=5),
        case("moons/relu/adagrad/step/batch_1/weight_decay", dataset="moons", hidden=(16, 16),
             activation="relu", optimizer="adagrad", lr=0.05,
             optimizer_params={"lr_decay": 0.01, "weight_decay": 0.01}, scheduler="step",
             scheduler_params={"step_size": 10}, batch_size=1, steps=40),
        case("circles/momentum/cosine/batch_32/minmax", dataset="circles", hidden=(16, 16, 16),
             optimizer="momentum", lr=0.05, scheduler="cosine", batch_size=32, normalization="minmax",
             steps=80, seed=1),
        case("circles/relu/adamw/onecycle/cycle_momentum/full/standard", dataset="circles",
             hidden=(16, 16), activation="relu", optimizer="adamw", lr=0.01,
             optimizer_params={"weight_decay": 0.05}, scheduler="onecycle",
             scheduler_params={"cycle_momentum": True}, steps=60),
        case("circles/rmsprop_centered/cyclic/cycle_momentum/full", dataset="circles", hidden=(8, 8),
             optimizer="rmsprop", lr=0.001, optimizer_params={"momentum": 0.5, "centered": True},
             scheduler="cyclic", scheduler_params={"cycle_momentum": True, "step_size_up": 10},
             steps=60),
        case("circles/relu/adam/onecycle/batch_50/x100", dataset="circles", hidden=(16, 16, 16),
             activation="relu", optimizer="adam", lr=0.001, scheduler="onecycle", batch_size=50,
             normalization="x100", steps=60, seed=9),
        case("circles/rmsprop/exponential/full/none", dataset="circles", hidden=(16,),
             optimizer="rmsprop", lr=0.005, scheduler="exponential", scheduler_params={"gamma": 0.97},
             normalization="none", steps=60),
        case("xor/rmsprop/plateau/batch_50/standard", dataset="xor", hidden=(8, 8), optimizer="rmsprop",
             lr=0.01, scheduler="plateau", scheduler_params=plateau, batch_size=50, steps=100),
        case("xor/relu/nesterov/exponential/full/x100", dataset="xor", hidden=(4,), activation="relu",
             optimizer="nesterov", lr=1e-4, scheduler="exponential", normalization="x100", steps=40),
        case("xor/adamw_amsgrad/plateau/full/standard", dataset="xor", hidden=(16,), optimizer="adamw",
             lr=0.05, optimizer_params={"amsgrad": True}, scheduler="plateau",
             scheduler_params={"patience": 1, "factor": 0.5, "threshold": 0.01}, steps=60, seed=7),
        case("xor/relu/sgd/exponential/batch_16/x100/weight_decay", dataset="xor", hidden=(16, 16),
             activation="relu", optimizer="sgd", lr=1e-4, optimizer_params={"weight_decay": 0.1},
             scheduler="exponential", batch_size=16, normalization="x100", steps=60),
        case("xor/adam/cosine_restarts/batch_1/minmax", dataset="xor", hidden=(8, 8, 8), optimizer="adam",
             lr=0.01, scheduler="cosine_restarts", scheduler_params={"T_0": 10, "T_mult": 2},
             batch_size=1, normalization="minmax", steps=60, seed=5),
        case("spiral/adam/cyclic/cycle_momentum/batch_64/standard", dataset="spiral",
             hidden=(16, 16, 16), optimizer="adam", lr=0.001, scheduler="cyclic",
             scheduler_params={"cycle_momentum": True, "max_lr": 0.02, "step_size_up": 15},
             batch_size=64, steps=100),
        case("spiral/relu/adagrad/cosine_restarts/full/minmax", dataset="spiral", hidden=(16, 16),
             activation="relu", optimizer="adagrad", lr=0.05, scheduler="cosine_restarts",
             normalization="minmax", steps=60),
        case("spiral/relu/momentum_dampening/step/batch_200", dataset="spiral", hidden=(8, 8, 8),
             activation="relu", optimizer="momentum", lr=0.05, optimizer_params={"dampening": 0.3},
             scheduler="step", batch_size=200, steps=50),
        case("spiral/adam/constant/full/standard", dataset="spiral", hidden=(16, 16), optimizer="adam",
             lr=0.05, steps=100, seed=11),
        case("house_prices/adam/constant/full/standard", dataset="house_prices", hidden=(8,),
             optimizer="adam", lr=0.05, steps=60),
        case("house_prices/relu/sgd/plateau/batch_10/minmax", dataset="house_prices", hidden=(4, 4),
             activation="relu", optimizer="sgd", lr=0.05, scheduler="plateau", scheduler_params=plateau,
             batch_size=10, normalization="minmax", steps=80, seed=2),
        case("house_prices/momentum/constant/full/none", dataset="house_prices", hidden=(2,),
             optimizer="momentum", lr=1e-4, normalization="none", steps=60),
        case("house_prices/relu/adam/cyclic/batch_1/standard", dataset="house_prices", hidden=(16,),
             activation="relu", optimizer="adam", lr=0.001, scheduler="cyclic", batch_size=1, steps=60),
        case("house_prices/adamw/cosine/batch_20/x100", dataset="house_prices", hidden=(16, 16),
             optimizer="adamw", lr=0.01, scheduler="cosine", batch_size=20, normalization="x100",
             steps=60, seed=1),
        case("house_prices/sgd/constant/full/standard/diverges", dataset="house_prices", hidden=(8,),
             optimizer="sgd", lr=1.0, steps=40),  # past the divergence bound at iterate 8
    ]  # fmt: skip


def execute(code: str, config: NetworkConfig) -> list[float]:
    """Run the generated script's run() with the engine's initial weights and batch order."""
    namespace: dict = {"__name__": "network_torch_reference_case", "print": lambda *args: None}
    exec(compile(code, "<network_torch_code>", "exec"), namespace)  # noqa: S102 (our own generated text)
    weights = init_params(config.layout, config.seed)
    if config.full_batch:
        return namespace["run"](weights)
    n = config.data.n
    per_epoch = -(-n // config.batch_size)
    orders = batch_orders(config.seed, n, -(-config.steps // per_epoch))
    return namespace["run"](weights, orders.tolist())


def main() -> None:
    import torch

    records = []
    for name, config in cases():
        code = network_torch_code(config)
        losses = execute(code, config)
        records.append({
            "name": name,
            "config": config.as_dict(),
            "code_sha256": hashlib.sha256(code.encode()).hexdigest(),
            "loss": [v if math.isfinite(v) else None for v in losses],
        })  # fmt: skip
    # The scripts as a student runs them, with torch's own start and shuffles: they must run
    # too (their numbers are torch's draws, so only their length and finiteness are checked).
    defaults = {}
    for name, config in cases()[:3]:
        namespace: dict = {"__name__": "network_torch_reference_default", "print": lambda *args: None}
        exec(compile(network_torch_code(config), "<network_torch_code>", "exec"), namespace)  # noqa: S102
        defaults[name] = namespace["run"]()
    OUT.write_text(json.dumps({
        "torch_version": torch.__version__,
        "dtype": "float64",
        "default_runs": defaults,
        "cases": records,
    }, indent=1) + "\n")  # fmt: skip
    print(f"{len(records)} cases, torch {torch.__version__} -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
