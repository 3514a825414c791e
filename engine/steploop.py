"""What a step loop over many runs needs before its first step, shared by engine.simulate
(the 2-D surfaces) and engine.network.train (small networks).

A run here is any checked config with ``optimizer``, ``lr``, ``steps``, ``scheduler``, ``seed``
and what its check resolved, ``resolved_optimizer_params`` and ``resolved_scheduler_params``
(engine.config.RunConfig, engine.network.train.NetworkConfig). Nothing is resolved again.

  * `batch_orders`: the order a run visits its data points, epoch by epoch;
  * `stepped_optimizer`: the optimizer that steps a run (plain sgd whose momentum a schedule
    cycles is stepped as torch steps it: SGD with momentum);
  * `family_key`, `family_hyper`: which runs one optimizer call can update together, and the
    hyperparameters of that call;
  * `rate_table`: every run's learning rate at every step, from its schedule;
  * `cycled_momenta`: a family's momentum (Adam: beta1) at every step, when a schedule
    cycles it (CyclicLR, OneCycleLR with cycle_momentum=True);
  * `plateau_of`: one ReduceLROnPlateau for the runs whose rate follows the loss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.optimizers import CYCLED_MOMENTUM, merge_hyper, resolve_optimizer
from engine.params import hashable
from engine.schedules import SCHEDULES, Plateau, momenta_of, rates_of


def batch_orders(seed: int, n: int, epochs: int) -> np.ndarray:
    """The order in which one run visits the n data points: a fresh shuffle each epoch.

    Shape (epochs, n); row e is a permutation of range(n) drawn from a generator seeded with
    seed alone, so a run's batches do not depend on which other runs share the call.
    Batches are consecutive slices of each row; the last one of an epoch may be shorter.
    """
    rng = np.random.default_rng(seed)
    return rng.permuted(np.broadcast_to(np.arange(n), (epochs, n)), axis=1)


def cycles_momentum(config: Any) -> bool:
    """Whether the run's schedule moves its optimizer's momentum (or beta1) step by step."""
    return SCHEDULES[config.scheduler].momenta is not None and bool(
        config.resolved_scheduler_params.get("cycle_momentum")
    )


def stepped_optimizer(config: Any) -> tuple[str, Mapping[str, Any]]:
    """The optimizer that steps a run, and its resolved hyperparameters: the run's own, except
    plain sgd whose momentum a schedule cycles. PyTorch's SGD has a momentum (0 by default)
    that CyclicLR and OneCycleLR then set, so the run is SGD with that momentum, no dampening."""
    if config.optimizer == "sgd" and cycles_momentum(config):
        decay = config.resolved_optimizer_params["weight_decay"]
        return "momentum", resolve_optimizer(
            "momentum", {"momentum": 0.0, "dampening": 0.0, "weight_decay": decay}
        )
    return config.optimizer, config.resolved_optimizer_params


def family_key(config: Any) -> tuple:
    """Runs with equal keys can be updated by one optimizer call.

    A family shares the optimizer, its flags, which choose its code path, and Adam's betas:
    Adam raises them to the step count, and Python's float power (C's pow, used for a value
    shared by the family) and NumPy's array power (used for per-run values) differ in the
    last bit for some steps, so a run would otherwise depend on the company it keeps. For the
    same reason runs whose beta1 is cycled share a family only with runs cycling it alike.
    """
    name, resolved = stepped_optimizer(config)
    shared = tuple(
        (key, value)
        for key, value in sorted(resolved.items())
        if isinstance(value, bool) or key == "betas"
    )
    if CYCLED_MOMENTUM[name] == "betas" and cycles_momentum(config):
        cycled = (config.scheduler, config.steps, hashable(config.resolved_scheduler_params))
        return (name, shared, cycled)
    return (name, shared)


def family_hyper(configs: Sequence[Any]) -> dict:
    """The hyperparameters of one optimizer call for a family's runs (engine.optimizers)."""
    name, first = stepped_optimizer(configs[0])
    every = [stepped_optimizer(c)[1] for c in configs]
    if all(resolved == first for resolved in every):
        return merge_hyper(name, [first])  # shared: every value a scalar
    return merge_hyper(name, every)


@dataclass(frozen=True)
class CycledMomentum:
    """A family's momentum at every step of its loop, when a schedule cycles it.

    key: the hyperparameter it replaces, "momentum" or "betas" (beta1, the first of the pair).
    values: per step, a Python float shared by the family's runs, or an (R, 1) array; a run
    that does not cycle keeps its own momentum in its row.
    """

    key: str
    values: list[float] | np.ndarray

    def hyper_at(self, hyper: Mapping[str, Any], t: int) -> dict:
        """hyper with step t's momentum (what the scheduler has set before optimizer step t+1)."""
        value = self.values[t]
        if self.key == "betas":
            return {**hyper, "betas": (value, hyper["betas"][1])}
        return {**hyper, "momentum": value}


def cycled_momenta(configs: Sequence[Any], steps: int) -> CycledMomentum | None:
    """The momentum of one family's runs at each step of a loop of `steps`; None when no run's
    schedule cycles it (engine.schedules.momenta_of gives PyTorch's values).

    Each run's momenta are over its own length; a run shorter than the loop keeps its last.
    """
    cycling = [cycles_momentum(c) for c in configs]
    if not any(cycling):
        return None
    name, _ = stepped_optimizer(configs[0])
    key = CYCLED_MOMENTUM[name]
    columns = []
    cache: dict = {}
    for config, cycles in zip(configs, cycling, strict=True):
        column = np.empty(steps)
        if cycles:
            params = config.resolved_scheduler_params
            index = (config.scheduler, config.steps, hashable(params))
            if index not in cache:
                schedule = SCHEDULES[config.scheduler]
                cache[index] = momenta_of(schedule, config.optimizer, config.steps, params)
            own = cache[index]
            column[: config.steps] = own
            column[config.steps :] = own[-1]
        else:
            resolved = stepped_optimizer(config)[1]
            column[:] = resolved["betas"][0] if key == "betas" else resolved["momentum"]
        columns.append(column)
    if all(np.array_equal(column, columns[0]) for column in columns[1:]):
        return CycledMomentum(key, columns[0].tolist())  # Python floats, as Adam's pow needs
    return CycledMomentum(key, np.stack(columns, axis=1)[:, :, None])


def rate_table(configs: Sequence[Any], steps: int) -> np.ndarray | float:
    """The rate of every run at every step of a loop of `steps`: a float when every run has
    the same constant rate, else an array (steps, runs, 1).

    Each run's schedule is its own, over its own length; a run shorter than the loop keeps
    its last rate (what it does past its end is discarded). The rows of ReduceLROnPlateau
    runs (a schedule without rates) are left for the step loop to fill.
    """
    if len({c.lr for c in configs}) == 1 and all(c.scheduler == "constant" for c in configs):
        return float(configs[0].lr)
    table = np.empty((steps, len(configs), 1))
    constant = np.array([c.scheduler == "constant" for c in configs])
    table[:, constant, 0] = [c.lr for c, flat in zip(configs, constant, strict=True) if flat]
    cache: dict = {}
    for r, c in enumerate(configs):
        schedule = SCHEDULES[c.scheduler]
        if c.scheduler == "constant" or schedule.rates is None:
            continue
        key = (c.scheduler, c.lr, c.steps, hashable(c.resolved_scheduler_params))
        if key not in cache:
            cache[key] = rates_of(schedule, c.lr, c.steps, c.resolved_scheduler_params)
        column = cache[key]
        table[: c.steps, r, 0] = column
        table[c.steps :, r, 0] = column[-1]
    return table


def plateau_of(configs: Sequence[Any]) -> tuple[Plateau | None, slice | np.ndarray]:
    """A Plateau for the ReduceLROnPlateau runs among configs (None if none), and their rows."""
    rows = np.flatnonzero([c.scheduler == "plateau" for c in configs])
    if len(rows) == 0:
        return None, rows
    chosen = [configs[r] for r in rows]
    plateau = Plateau.of_runs([c.lr for c in chosen], [c.resolved_scheduler_params for c in chosen])
    return plateau, (slice(None) if len(rows) == len(configs) else rows)
