"""The explorers on a real network: the learning-rate finder and the stability map (no Dash).

The same questions as engine.explore asks of a 2-D surface ("which rate?", "where is it
stable?"), asked of a small network: every swept network trains in one
engine.network.train_many call, the rates along its runs axis (rows of one (R, d) array).

`network_lr_finder(config)` trains config at n rates log-spaced over [LR_MIN, LR_MAX] and
returns a `NetworkLrSweep` (engine.explore's LrSweep plus the runs): its suggested rate
follows engine.explore.suggest_rate, with the network's reference loss L_ref (the yardstick of
its outcome labels, engine.network.outcome) in place of the surface's global minimum.

`network_stability_map(config, second)` trains a grid, rates across and a second setting down
("momentum" or "beta1" as the optimizer has, "batch_size"; `network_second_settings`), and
returns engine.explore's StabilityMap of the labels. Batch sizes split the grid into one
training group per row (a row's runs share their batches); train_many runs them in turn.

What the explorers cost and why they are bounded
------------------------------------------------
A network step costs what thousands of 2-D steps do, so the runs are shorter than the
configured run: at most FINDER_STEPS for the finder and MAP_STEPS for the map
(the figures' titles say how many), on a coarser map grid (MAP_RATES x MAP_ROWS), with
float32 steps (train_many's precision). The outcome
labels need L_ref: three 2,000-step Adam runs per data set and architecture, 0.4-0.8 s
once, then cached by engine.network.train.reference_loss (benchmarks/network.py times both).

A swept point is the configured run at another rate (its explicit scheduler rates scaled
along, engine.explore's rule), or also at another second setting: `network_at_rate` and
`network_with_second` build it, so a click can load exactly the run a figure shows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import limits
from engine.explore import (
    LR_FINDER_RATES,
    MOMENTUM_MAX,
    LrSweep,
    StabilityMap,
    grid_size,
    log_grid,
    momentum_optimizers,
    rate_changes,
    second_changes,
    suggest_rate,
)
from engine.network.train import NetworkConfig, NetworkRun, reference_loss, train_many
from engine.params import SettingError

# The finder's runs stop after at most this many steps: 60 of them then train in well under a
# second (benchmarks/network.py), and most rates that will work have shown it by then.
FINDER_STEPS = 300
# The map's runs: 160-180 networks of 100 steps cost ~0.7 s of CPU (200 steps took ~1.4 s,
# more than a request should); enough steps to tell a diverging rate from a stable one.
MAP_STEPS = 100
# The stability map's grid: rates across (log-spaced over the whole range, as the 2-D map) ...
MAP_RATES = 20
# ... and momentum or beta1 rows down (batch sizes come as the data allow: 1, 2, 4, ..., n).
MAP_ROWS = 8
# The passes' number format for every explorer run (the parameters stay float64).
EXPLORE_PRECISION = "float32"
SECOND_SETTINGS = ("momentum", "beta1", "batch_size")


@dataclass(frozen=True, eq=False)
class NetworkLrSweep(LrSweep):
    """engine.explore's LrSweep of a network: min_loss is L_ref (the outcome labels' yardstick,
    so final_loss − min_loss can be below 0: a run may beat the reference runs), config the
    swept run (its steps capped at FINDER_STEPS), lambda_max and both limits None (no closed
    form for a network). runs: each rate's NetworkRun (its loss curve; no weights)."""

    runs: tuple[NetworkRun, ...] = ()


def _loss_floor(config: NetworkConfig) -> float:
    return reference_loss(config.dataset, config.data_seed, config.hidden, config.activation)


def _shortened(config: NetworkConfig, steps: int) -> NetworkConfig:
    return config if config.steps <= steps else dataclasses.replace(config, steps=steps)


def network_at_rate(config: NetworkConfig, rate: float) -> NetworkConfig:
    """config at another learning rate, its explicit scheduler rates scaled along."""
    return dataclasses.replace(config, **rate_changes(config, float(rate)))


def network_with_second(config: NetworkConfig, second: str, value: Any) -> NetworkConfig:
    """config with one second setting (a name from `network_second_settings`) set to value."""
    _check_second(config, second)
    return dataclasses.replace(config, **second_changes(config, second, value))


def finder_rates(n: int = LR_FINDER_RATES) -> np.ndarray:
    """The finder's n rates, log-spaced over [LR_MIN, LR_MAX] (as engine.explore.lr_finder)."""
    return log_grid(limits.LR_MIN, limits.LR_MAX, grid_size(n, "n"))


def network_lr_finder(
    config: NetworkConfig, n: int = LR_FINDER_RATES, *, max_steps: int = FINDER_STEPS
) -> NetworkLrSweep:
    """Train config at n rates, every run for min(config.steps, max_steps) steps, in one call."""
    rates = finder_rates(n)
    max_steps = grid_size(max_steps, "max_steps", low=1, high=limits.STEPS_MAX)
    base = _shortened(config, max_steps)
    configs = [network_at_rate(base, rate) for rate in rates]
    runs = train_many(configs, keep_weights=False, precision=EXPLORE_PRECISION)
    best = _loss_floor(config)
    final_loss = np.array([run.final_loss for run in runs])
    outcome = np.array([run.outcome for run in runs])
    start_loss = float(runs[0].loss[0])  # one seed: every rate starts from the same weights
    return NetworkLrSweep(
        config=base,
        rates=rates,
        final_loss=final_loss,
        diverged=np.array([run.diverged_at is not None for run in runs]),
        diverged_at=tuple(run.diverged_at for run in runs),
        outcome=outcome,
        min_loss=best,
        start_loss=start_loss,
        lambda_max=None,
        stability_limit=None,
        optimizer_limit=None,
        suggested_rate=suggest_rate(rates, final_loss - best, outcome, start_loss - best),
        runs=tuple(runs),
    )


def network_second_settings(config: NetworkConfig) -> list[str]:
    """The second settings a network's stability map can sweep, in the order to offer them:
    "momentum" for optimizers with one, "beta1" for Adam's family (neither while a schedule
    cycles them), then "batch_size" (every network trains on data)."""
    cycling = bool(config.resolved_scheduler_params.get("cycle_momentum"))
    names = []
    if not cycling and config.optimizer in momentum_optimizers():
        names.append("momentum")
    if not cycling and "betas" in config.resolved_optimizer_params:
        names.append("beta1")
    return [*names, "batch_size"]


def network_current_setting(config: NetworkConfig, second: str) -> float | int:
    """config's own value of a second setting (its default filled in), to mark on a map."""
    _check_second(config, second)
    if second == "batch_size":
        return config.data.n if config.full_batch else int(config.batch_size)
    if second == "beta1":
        return float(config.resolved_optimizer_params["betas"][0])
    return float(config.resolved_optimizer_params["momentum"])


def map_rows(config: NetworkConfig, second: str, m: int = MAP_ROWS) -> tuple[np.ndarray, bool]:
    """The map's rows and whether they are log-spaced: momentum or beta1 evenly over
    [0, MOMENTUM_MAX] (Nesterov's from one row up: it needs a momentum), batch sizes
    1, 2, 4, ... below n, then n (the full batch)."""
    _check_second(config, second)
    if second == "batch_size":
        n = config.data.n
        return np.array([2**k for k in range(n.bit_length()) if 2**k < n] + [n]), True
    m = grid_size(m, "m")
    low = MOMENTUM_MAX / m if config.optimizer == "nesterov" and second == "momentum" else 0.0
    return np.linspace(low, MOMENTUM_MAX, m), False


def network_stability_map(
    config: NetworkConfig,
    second: str,
    n: int = MAP_RATES,
    m: int = MAP_ROWS,
    *,
    max_steps: int = MAP_STEPS,
) -> StabilityMap:
    """Labels of config over n rates x the rows of a second setting, in one train_many call.

    Every run stops after min(config.steps, max_steps) steps. A cell the engine refuses
    (a setting outside its range) stays None, as on the 2-D map."""
    _check_second(config, second)
    rates = log_grid(limits.LR_MIN, limits.LR_MAX, grid_size(n, "n"))
    max_steps = grid_size(max_steps, "max_steps", low=1, high=limits.STEPS_MAX)
    base = _shortened(config, max_steps)
    values, second_log = map_rows(base, second, m)
    cells: list[NetworkConfig] = []
    where: list[tuple[int, int]] = []
    for row, value in enumerate(values):
        for column, rate in enumerate(rates):
            try:
                cells.append(network_with_second(network_at_rate(base, rate), second, value))
            except ValueError:
                continue
            where.append((row, column))
    if not cells:
        raise SettingError("the stability map has no cell the engine accepts", "second", "a setting to map")
    runs = train_many(cells, keep_weights=False, precision=EXPLORE_PRECISION)
    outcome = np.full((len(values), len(rates)), None, dtype=object)
    final_loss = np.full((len(values), len(rates)), np.nan)
    for (row, column), run in zip(where, runs, strict=True):
        outcome[row, column] = run.outcome
        final_loss[row, column] = run.final_loss
    return StabilityMap(
        config=config,
        second=second,
        rates=rates,
        values=values,
        outcome=outcome,
        final_loss=final_loss,
        steps=base.steps,
        second_log=second_log,
        min_loss=_loss_floor(config),
        lambda_max=None,
        boundary=None,
    )


def _check_second(config: NetworkConfig, second: Any) -> None:
    choices = network_second_settings(config)
    if second not in choices:
        allowed = "one of " + ", ".join(choices)
        raise SettingError(
            f"second = {second!r} is not allowed for {config.optimizer}: expected {allowed}",
            "second",
            allowed,
        )


__all__ = [
    "EXPLORE_PRECISION",
    "FINDER_STEPS",
    "MAP_RATES",
    "MAP_ROWS",
    "MAP_STEPS",
    "NetworkLrSweep",
    "finder_rates",
    "map_rows",
    "network_at_rate",
    "network_current_setting",
    "network_lr_finder",
    "network_second_settings",
    "network_stability_map",
    "network_with_second",
]
