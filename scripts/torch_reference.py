"""Run the generated PyTorch code for a set of runs and record what real PyTorch does.

    /tmp/torchenv/bin/python scripts/torch_reference.py     # a venv with torch and numpy

writes tests/data/torch_reference.json: the torch version, and per case the run's config, the
sha256 of torch_code(config) (the exact text executed) and the trajectory PyTorch produced.
tests/test_torch_reference.py compares the engine with it and checks the digests, so the file
goes stale loudly when the generated code changes. Torch is needed here only: it is no
dependency of the project.

Mini-batches are made deterministic by the generated code's own argument: run(batch_orders)
visits the data in the order given, and this script passes engine.simulate.batch_orders(seed,
n, epochs), the order the engine uses; without it the code shuffles with torch.randperm.
Cases with cycle_momentum=True run PyTorch's momentum cycling (the engine's step loop does not
cycle momentum yet; the test replays them with engine.schedules.momentum_values).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import RunConfig  # noqa: E402
from engine.code import config_record, torch_code  # noqa: E402
from engine.formula import custom_surface  # noqa: E402
from engine.optimizers import OPTIMIZER_NAMES  # noqa: E402

OUT = ROOT / "tests" / "data" / "torch_reference.json"
SCHEDULERS = ("constant", "step", "exponential", "plateau", "cosine", "cosine_restarts", "cyclic", "onecycle")
FORMULA = "(1-x)**2 + 5*(y-x**2)**2 + 0.1*sin(3*x)"


def cases() -> list[tuple[str, RunConfig, str | None]]:
    """(case name, config, formula text) of every recorded run."""
    out: list[tuple[str, RunConfig, str | None]] = []
    plateau = {"patience": 3, "factor": 0.5}
    for surface, lr, steps in (("bowl", 0.05, 60), ("trap", 0.1, 60)):
        for optimizer in OPTIMIZER_NAMES:
            for scheduler in SCHEDULERS:
                params = plateau if scheduler == "plateau" else {}
                out.append((
                    f"{surface}/{optimizer}/{scheduler}",
                    RunConfig(surface=surface, optimizer=optimizer, lr=lr, steps=steps,
                              scheduler=scheduler, scheduler_params=params),
                    None,
                ))  # fmt: skip
    for optimizer in OPTIMIZER_NAMES:  # weight decay: L2, decoupled for AdamW
        for scheduler in ("constant", "cosine"):
            out.append((
                f"bowl/{optimizer}/{scheduler}/weight_decay",
                RunConfig(surface="bowl", optimizer=optimizer, lr=0.05, steps=60, scheduler=scheduler,
                          optimizer_params={"weight_decay": 0.3}),
                None,
            ))  # fmt: skip
    for optimizer in OPTIMIZER_NAMES:  # PyTorch's own default: momentum cycles with the rate
        if optimizer == "adagrad":
            continue
        for scheduler in ("cyclic", "onecycle"):
            out.append((
                f"bowl/{optimizer}/{scheduler}/cycle_momentum",
                RunConfig(surface="bowl", optimizer=optimizer, lr=0.05, steps=60, scheduler=scheduler,
                          scheduler_params={"cycle_momentum": True}),
                None,
            ))  # fmt: skip
    for optimizer, scheduler, params in (
        ("sgd", "plateau", {"patience": 1, "factor": 0.5}),
        ("momentum", "cosine", {}),
        ("adam", "plateau", {"patience": 2}),
    ):
        out.append((
            f"linreg/{optimizer}/{scheduler}/batch_10",
            RunConfig(surface="linreg", normalization="standard", batch_size=10, optimizer=optimizer,
                      lr=0.1, steps=95, seed=3, scheduler=scheduler, scheduler_params=params),
            None,
        ))  # fmt: skip
    out.append((
        "linreg/rmsprop/step/minmax_full_batch",
        RunConfig(surface="linreg", normalization="minmax", optimizer="rmsprop", lr=0.05, steps=80,
                  scheduler="step"),
        None,
    ))  # fmt: skip
    surface = custom_surface(FORMULA, ((-2.0, 2.0), (-1.0, 3.0)))
    for optimizer in ("adam", "nesterov"):
        out.append((
            f"formula/{optimizer}/onecycle",
            RunConfig(surface=surface, optimizer=optimizer, lr=0.01, steps=80, scheduler="onecycle"),
            FORMULA,
        ))  # fmt: skip
    return out


def execute(code: str, config: RunConfig) -> list[list[float]]:
    """Run the generated script's run(), with the engine's batch order for mini-batches."""
    namespace: dict = {"__name__": "torch_reference_case"}
    exec(compile(code, "<torch_code>", "exec"), namespace)  # noqa: S102 (our own generated text)
    if "batch_orders=None" not in code:
        return namespace["run"]()
    from engine.catalog import problem_of
    from engine.simulate import batch_orders

    n = problem_of(config.surface).surface(config.normalization).n
    per_epoch = -(-n // config.batch_size)
    orders = batch_orders(config.seed, n, -(-config.steps // per_epoch))
    return namespace["run"](orders.tolist())


def main() -> None:
    import math

    import torch

    records = []
    for name, config, formula in cases():
        code = torch_code(config, formula)
        path = execute(code, config)
        finite = [[v if math.isfinite(v) else None for v in point] for point in path]
        records.append({
            "name": name,
            "config": config_record(config, formula),
            "code_sha256": hashlib.sha256(code.encode()).hexdigest(),
            "trajectory": finite,
        })  # fmt: skip
    # PyTorch's refusal of momentum cycling without momentum, recorded as it words it.
    errors = {}
    for scheduler in ("CyclicLR", "OneCycleLR"):
        opt = torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], lr=0.1)
        kwargs = {"base_lr": 0.1, "max_lr": 1.0} if scheduler == "CyclicLR" else {"max_lr": 0.1, "total_steps": 10}
        try:
            getattr(torch.optim.lr_scheduler, scheduler)(opt, **kwargs)
        except ValueError as err:
            errors[scheduler] = str(err)
    OUT.write_text(json.dumps({
        "torch_version": torch.__version__,
        "dtype": "float64",
        "adagrad_cycle_momentum_errors": errors,
        "cases": records,
    }, indent=1) + "\n")  # fmt: skip
    print(f"{len(records)} cases, torch {torch.__version__} -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
