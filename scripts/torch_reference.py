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
Cases with cycle_momentum=True run PyTorch's momentum cycling: CyclicLR and OneCycleLR set the
optimizer's momentum (Adam, AdamW: beta1) before every step, as engine.simulate does.
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
from engine.optimizers import CYCLED_MOMENTUM, OPTIMIZER_NAMES  # noqa: E402

OUT = ROOT / "tests" / "data" / "torch_reference.json"
SCHEDULERS = ("constant", "step", "exponential", "plateau", "cosine", "cosine_restarts", "cyclic", "onecycle")
FORMULA = "(1-x)**2 + 5*(y-x**2)**2 + 0.1*sin(3*x)"
# Every optimizer with a momentum or beta1 for CyclicLR and OneCycleLR to cycle.
CYCLING = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")
# Cycles beyond the defaults: a momentum that reaches 0 at the rate's peak (torch's SGD and
# RMSprop then step without their buffer and keep it), one that starts at 0 (SGD makes its
# buffer late), each CyclicLR mode, and OneCycleLR's other shapes.
CYCLE_VARIANTS = (
    ("to_zero", "cyclic", {"step_size_up": 5, "base_momentum": 0.0, "max_momentum": 0.95}),
    ("from_zero", "cyclic", {"step_size_up": 7, "base_momentum": 0.6, "max_momentum": 0.0}),
    ("triangular2", "cyclic", {"mode": "triangular2", "step_size_up": 4, "step_size_down": 6}),
    ("exp_range", "cyclic", {"mode": "exp_range", "gamma": 0.97, "step_size_up": 5}),
    ("three_phase", "onecycle", {"three_phase": True, "pct_start": 0.25, "base_momentum": 0.5,
                                 "max_momentum": 0.99}),
    ("linear", "onecycle", {"anneal_strategy": "linear", "base_momentum": 0.0}),
)  # fmt: skip


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
        if CYCLED_MOMENTUM[optimizer] is None:  # nothing to cycle: PyTorch refuses
            continue
        for scheduler in ("cyclic", "onecycle"):
            out.append((
                f"bowl/{optimizer}/{scheduler}/cycle_momentum",
                RunConfig(surface="bowl", optimizer=optimizer, lr=0.05, steps=60, scheduler=scheduler,
                          scheduler_params={"cycle_momentum": True}),
                None,
            ))  # fmt: skip
    for surface, lr, steps in (("trap", 0.1, 60), ("ravine", 0.005, 80)):
        for optimizer in CYCLING:
            for scheduler in ("cyclic", "onecycle"):
                out.append((
                    f"{surface}/{optimizer}/{scheduler}/cycle_momentum",
                    RunConfig(surface=surface, optimizer=optimizer, lr=lr, steps=steps,
                              scheduler=scheduler, scheduler_params={"cycle_momentum": True}),
                    None,
                ))  # fmt: skip
    for variant, scheduler, params in CYCLE_VARIANTS:
        for optimizer in CYCLING:
            if optimizer == "rmsprop" and variant == "from_zero":
                continue  # PyTorch fails there; recorded below as rmsprop_from_zero_error
            out.append((
                f"bowl/{optimizer}/{scheduler}/cycle_momentum/{variant}",
                RunConfig(surface="bowl", optimizer=optimizer, lr=0.05, steps=60, scheduler=scheduler,
                          scheduler_params={"cycle_momentum": True, **params}),
                None,
            ))  # fmt: skip
    for optimizer, scheduler, decay in (
        ("sgd", "onecycle", 0.3), ("momentum", "cyclic", 0.3), ("rmsprop", "cyclic", 0.2),
        ("adam", "onecycle", 0.3), ("adamw", "cyclic", 0.5),
    ):  # weight decay with a cycled momentum
        out.append((
            f"bowl/{optimizer}/{scheduler}/cycle_momentum/weight_decay",
            RunConfig(surface="bowl", optimizer=optimizer, lr=0.05, steps=60, scheduler=scheduler,
                      optimizer_params={"weight_decay": decay}, scheduler_params={"cycle_momentum": True}),
            None,
        ))  # fmt: skip
    for optimizer, scheduler in (("sgd", "cyclic"), ("nesterov", "onecycle"), ("adam", "cyclic"), ("rmsprop", "onecycle")):
        out.append((
            f"linreg/{optimizer}/{scheduler}/cycle_momentum/batch_10",
            RunConfig(surface="linreg", normalization="standard", batch_size=10, optimizer=optimizer,
                      lr=0.05, steps=95, seed=5, scheduler=scheduler,
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
    # RMSprop under a cycle that starts at momentum 0 and rises: torch's own failure.
    params = torch.zeros(2, requires_grad=True)
    opt = torch.optim.RMSprop([params], lr=0.01)
    scheduler = torch.optim.lr_scheduler.CyclicLR(
        opt, base_lr=0.01, max_lr=0.1, step_size_up=3, base_momentum=0.5, max_momentum=0.0
    )
    rmsprop_error = None
    try:
        for _ in range(3):
            opt.zero_grad()
            ((params - 1) ** 2).sum().backward()
            opt.step()
            scheduler.step()
    except KeyError as err:
        rmsprop_error = f"KeyError: {err}"
    # Two more of PyTorch's refusals the engine repeats: Nesterov without momentum, and a
    # one-cycle phase of zero length (pct_start 0.1 of 10 steps: phase 1 ends at step 0).
    try:
        torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.0, nesterov=True)
        nesterov_error = None
    except ValueError as err:
        nesterov_error = str(err)
    opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    try:
        torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=0.1)
        onecycle_error = None
    except ZeroDivisionError as err:
        onecycle_error = f"ZeroDivisionError: {err}"
    OUT.write_text(json.dumps({
        "torch_version": torch.__version__,
        "dtype": "float64",
        "adagrad_cycle_momentum_errors": errors,
        "rmsprop_from_zero_error": rmsprop_error,
        "nesterov_zero_momentum_error": nesterov_error,
        "onecycle_zero_phase_error": onecycle_error,
        "cases": records,
    }, indent=1) + "\n")  # fmt: skip
    print(f"{len(records)} cases, torch {torch.__version__} -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
