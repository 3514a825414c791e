"""Explore the settings around one run: a learning-rate finder and a stability map.

The lecture's advice (L8) is to try several rates and compare; these do it in bulk, each in
one `simulate_many` call, so hundreds of runs cost about as much as a few.

`lr_finder(config)` runs the same descent at n rates log-spaced over [LR_MIN, LR_MAX] and
answers "which rate should I pick?" (`LrSweep.suggested_rate`, rule below).

`stability_map(config, second)` runs a grid: learning rate across, a second setting down
(`second_settings(config)` lists the ones that apply), and records each cell's outcome.

What "the same run at another rate" means
-----------------------------------------
Everything but the rate stays as configured. Scheduler parameters that are themselves rates
(base_lr, max_lr, eta_min, min_lr: those whose range ends at schedules.MAX_RATE), when set
explicitly, scale with the rate, so the schedule keeps its shape (a cyclic rate between lr and
10 lr stays a tenfold cycle). `at_rate` and `with_second` build the exact configuration of a
swept point, so a click on a figure can load precisely the run it shows.

Quadratic surfaces
------------------
A surface whose Hessian is the same at the window's corners, centre and default start is
treated as the quadratic ½ pᵀAp (bowl, ravine, and the data-fit problem for each
normalization). There plain gradient descent is stable iff lr < 2/λmax (`stability_limit`),
and heavy-ball momentum iff lr λ < 2(1 + μ) for every eigenvalue λ (Goh, "Why Momentum Really
Works", Distill 2017). PyTorch's form buf = μ buf + g, p -= lr buf is heavy ball in other
variables (v = lr buf), so it shares that region; Nesterov's look-ahead step shrinks it to
lr λ < 2(1 + μ)/(1 + 2μ). L2 weight decay wd (SGD's) makes the loss L + ½ wd |θ|², whose
curvatures are λ + wd, so the optimizer's limit uses λmax + wd. The tests check each against
simulated cells.

Length: two explorers (the learning-rate finder and the stability map) share the
run-at-many-settings machinery and the stability limits they draw; each is about half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

from engine import limits
from engine.config import RunConfig
from engine.optimizers import OPTIMIZER_PARAMS
from engine.params import SettingError, check_integer, refused
from engine.schedules import MAX_PERIOD, MAX_RATE, SCHEDULER_PARAMS
from engine.simulate import simulate_many
from engine.trajectory import Trajectory

LR_FINDER_RATES = 60
MAP_SIZE = 40
# The map's runs stop after at most this many steps, so 1600 of them take a fraction of a
# second whatever the run's own length; the map's outcomes describe these shorter runs.
MAP_STEPS = 200
# Most rates (or rows) one sweep may ask for: keeps a request from the page bounded.
MAX_GRID = 200
# Momentum-like settings run from 0 to this (their range is [0, 1), and 1 never settles).
MOMENTUM_MAX = 0.99
# suggested_rate: runs within this factor of the lowest excess loss share the lowest band ...
LOSS_BAND = 10.0
# ... and so does any excess below this fraction of the starting excess (the minimum itself,
# to rounding: 1e-30 and 1e-50 are the same loss to anyone reading the plot).
AT_MINIMUM = 1e-12
# Hessians equal to this relative tolerance at every probe point make a quadratic.
QUADRATIC_RTOL = 1e-9

# Scheduler parameters that replace the optimizer's rate: the rate axis already sweeps them.
_RATE_AXIS = {("cyclic", "base_lr"), ("onecycle", "max_lr")}


def momentum_optimizers() -> tuple[str, ...]:
    """The optimizers with a momentum parameter (read from the registry each time, so an
    optimizer registered later counts)."""
    return tuple(
        name for name, specs in OPTIMIZER_PARAMS.items() if any(s.name == "momentum" for s in specs)
    )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class LrSweep:
    """The same run at n learning rates.

    rates (n,) ascending.  final_loss (n,): the loss where each run ended; for a diverged run
    the last loss before it left every sane bound (always finite), with diverged (n,) set and
    diverged_at[i] the iterate where it left.  outcome (n,): labels from engine.outcome.
    min_loss is the surface's global minimum value and start_loss the loss at the start, so
    final_loss - min_loss is the excess a log axis can show.

    lambda_max: the largest Hessian eigenvalue on a quadratic surface, else None.
    stability_limit: 2 / lambda_max, plain gradient descent's limit (None off quadratics).
    optimizer_limit: the rate past which this optimizer, with its settings and a constant
      rate on the full batch, diverges on this quadratic: 2/λmax for sgd, 2(1+μ)/λmax for
      momentum ((1 − dampening) λmax in the denominator when μ > 0), 2(1+μ)/((1+2μ) λmax) for
      nesterov; None where no such closed form holds (adaptive optimizers, schedules,
      mini-batches, non-quadratic surfaces).
    suggested_rate: see `suggest_rate`; None when no run converged.
    """

    config: RunConfig
    rates: np.ndarray
    final_loss: np.ndarray
    diverged: np.ndarray
    diverged_at: tuple[int | None, ...]
    outcome: np.ndarray
    min_loss: float
    start_loss: float
    lambda_max: float | None
    stability_limit: float | None
    optimizer_limit: float | None
    suggested_rate: float | None

    @property
    def excess_loss(self) -> np.ndarray:
        """final_loss above the global minimum, never negative."""
        return np.maximum(self.final_loss - self.min_loss, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: plain lists and numbers, no NaN or inf."""
        return {
            "config": _config_dict(self.config),
            "rates": self.rates.tolist(),
            "final_loss": self.final_loss.tolist(),
            "diverged": self.diverged.tolist(),
            "diverged_at": list(self.diverged_at),
            "outcome": self.outcome.tolist(),
            "min_loss": self.min_loss,
            "start_loss": self.start_loss,
            "lambda_max": self.lambda_max,
            "stability_limit": self.stability_limit,
            "optimizer_limit": self.optimizer_limit,
            "suggested_rate": self.suggested_rate,
        }


@dataclass(frozen=True, eq=False)
class StabilityMap:
    """Outcomes over learning rate (columns) x a second setting (rows).

    rates (n,) ascending; values (m,) ascending, the second setting's value of each row.
    outcome (m, n), dtype object: an engine.outcome label, or None where the engine refuses
    the combination (cyclic's max_lr below its base_lr).  final_loss (m, n): as in LrSweep,
    NaN where refused.  steps: the length of every run (the config's, capped at MAP_STEPS).
    second_log: the rows are spaced on a log scale.  boundary (m,) or None: on a quadratic
    with a momentum setting of sgd-with-momentum or nesterov and a constant rate, the rate
    where each row turns unstable in theory (see the module docstring).
    """

    config: RunConfig
    second: str
    rates: np.ndarray
    values: np.ndarray
    outcome: np.ndarray
    final_loss: np.ndarray
    steps: int
    second_log: bool
    min_loss: float
    lambda_max: float | None
    boundary: np.ndarray | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: plain lists and numbers (NaN as None)."""
        loss = [[None if math.isnan(x) else x for x in row] for row in self.final_loss.tolist()]
        return {
            "config": _config_dict(self.config),
            "second": self.second,
            "rates": self.rates.tolist(),
            "values": self.values.tolist(),
            "outcome": self.outcome.tolist(),
            "final_loss": loss,
            "steps": self.steps,
            "second_log": self.second_log,
            "min_loss": self.min_loss,
            "lambda_max": self.lambda_max,
            "boundary": None if self.boundary is None else self.boundary.tolist(),
        }


def _config_dict(config: RunConfig) -> dict[str, Any]:
    """config as plain JSON types (its parameter mappings as dicts, tuples as lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict | MappingProxyType):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value

    return {f.name: plain(getattr(config, f.name)) for f in fields(config)}


# ---------------------------------------------------------------- learning-rate finder


def lr_finder(config: RunConfig, n: int = LR_FINDER_RATES) -> LrSweep:
    """Run config at n learning rates log-spaced over [LR_MIN, LR_MAX], all in one call."""
    n = grid_size(n, "n")
    rates = log_grid(limits.LR_MIN, limits.LR_MAX, n)
    runs = simulate_many([at_rate(config, float(rate)) for rate in rates])
    surface = config.loss_surface
    final_loss, diverged, diverged_at = _ends(runs, surface, config)
    outcome = np.array([run.outcome for run in runs])
    lam = lambda_max(surface)
    best = float(surface.global_minimum.value)
    start_loss = float(surface.value(np.array(config.resolved_start)))
    return LrSweep(
        config=config,
        rates=rates,
        final_loss=final_loss,
        diverged=diverged,
        diverged_at=diverged_at,
        outcome=outcome,
        min_loss=best,
        start_loss=start_loss,
        lambda_max=lam,
        stability_limit=None if lam is None else 2.0 / lam,
        optimizer_limit=critical_rate(config, lam),
        suggested_rate=suggest_rate(rates, final_loss - best, outcome, start_loss - best),
    )


def suggest_rate(
    rates: np.ndarray, excess: np.ndarray, outcome: Sequence[str], start_excess: float
) -> float | None:
    """The rate a lecturer would pick: as large as possible, as low a loss as any, not on a cliff.

    1. The lowest band: converged runs whose excess loss (above the global minimum) is within
       LOSS_BAND of the lowest converged excess, or below AT_MINIMUM of the starting excess
       (at the minimum to rounding).
    2. Of these, the largest rate whose next larger swept rate also converged: one grid step
       of headroom, so the suggestion is never the last rate before divergence, where a
       little more curvature, noise or a different start throws the run out.
    3. If no rate in the band has that headroom, the largest rate in the band.
    None when no run converged: then no rate works within the run's steps.
    On the bowl (λ = 1, 3) this picks the grid rate nearest below 2/(λmin + λmax) = 0.5, the
    rate that shrinks both directions equally fast.
    """
    converged = np.asarray(outcome) == "converged"
    if not converged.any():
        return None
    excess = np.maximum(np.asarray(excess, dtype=float), 0.0)
    best = float(excess[converged].min())
    band = converged & (excess <= max(LOSS_BAND * best, AT_MINIMUM * max(start_excess, 0.0)))
    headroom = np.append(converged[1:], True)  # past the last rate: nothing known to fail
    chosen = np.flatnonzero(band & headroom)
    if len(chosen) == 0:
        chosen = np.flatnonzero(band)
    return float(rates[chosen[-1]])


# ---------------------------------------------------------------------- stability map


def second_settings(config: RunConfig) -> list[str]:
    """The second settings a stability map of config can sweep, in the order to offer them.

    "momentum" for optimizers with a momentum parameter, "beta1" (Adam's first beta),
    "batch_size" on the data-fit problem, then the scheduler's numeric parameters by their
    PyTorch names (except the one that replaces the rate itself: cyclic's base_lr and
    onecycle's max_lr, which the rate axis already sweeps).
    """
    names = []
    # A schedule that cycles the momentum replaces the optimizer's own (a flat map): its
    # base_momentum and max_momentum are swept instead, and only then.
    cycling = bool(config.resolved_scheduler_params.get("cycle_momentum"))
    if config.optimizer in momentum_optimizers() and not cycling:
        names.append("momentum")
    if config.optimizer == "adam" and not cycling:
        names.append("beta1")
    if getattr(config.loss_surface, "n", None) is not None:
        names.append("batch_size")
    for spec in SCHEDULER_PARAMS[config.scheduler]:
        if spec.kind in ("float", "int") and (config.scheduler, spec.name) not in _RATE_AXIS:
            if spec.name not in _CYCLED_MOMENTA or cycling:
                names.append(spec.name)
    return names


# The momenta a schedule cycles: a second setting only with cycle_momentum on.
_CYCLED_MOMENTA = ("base_momentum", "max_momentum")


def stability_map(
    config: RunConfig,
    second: str,
    n: int = MAP_SIZE,
    m: int = MAP_SIZE,
    *,
    lr_range: tuple[float, float] | None = None,
    max_steps: int = MAP_STEPS,
) -> StabilityMap:
    """Outcomes of config over n learning rates x m values of a second setting, in one call.

    Rates: log-spaced over lr_range, by default the whole [LR_MIN, LR_MAX], so the map shows
    every regime (too slow, converging, overshooting, diverging) and stays put while the
    current rate moves across it.  Rows, by setting:
      momentum, beta1: evenly spaced over [0, MOMENTUM_MAX];
      batch_size: 1, 2, 4, ... below n, then n (the full batch), whatever m is;
      a scheduler rate (eta_min, min_lr, cyclic's max_lr): log-spaced over [LR_MIN, LR_MAX];
      a scheduler period counted in iterations (T_0, step_size, ...): from its lowest
      allowed value to the map's steps, log-spaced when that is 1, else evenly;
      other numbers: over their ParamSpec range, an open end moved in by 1% of the range;
      log-spaced when the spec says log, or when the default sits below 1% of the range's
      top (plateau's threshold 1e-4 in [0, 10]: an even grid would skip every value that
      matters), starting from default / 100 (or top / 10⁴) when the range starts at 0;
      integers rounded to distinct values, so a row count may come out below m.
    Every run stops after min(config.steps, max_steps) steps (derived scheduler defaults such
    as T_max follow the shorter run).
    """
    _check_second(config, second)
    n = grid_size(n, "n")
    m = grid_size(m, "m")
    max_steps = grid_size(max_steps, "max_steps", low=1, high=limits.STEPS_MAX)
    low, high = (limits.LR_MIN, limits.LR_MAX) if lr_range is None else _rate_range(lr_range)
    rates = log_grid(low, high, n)
    steps = min(config.steps, max_steps)
    base = config.replace(steps=steps)
    values, second_log = _second_values(base, second, m)

    # Each cell is at_rate then with_second, merged into one checked RunConfig.
    columns = [rate_changes(base, float(rate), fixed=second) for rate in rates]
    rows = [second_changes(base, second, value) for value in values]
    cells: list[RunConfig] = []
    where: list[tuple[int, int]] = []
    refusal: ValueError | None = None
    for row, row_changes in enumerate(rows):
        for column, column_changes in enumerate(columns):
            changes = {**column_changes, **row_changes}
            if "scheduler_params" in row_changes:  # keep the column's scaled rates
                changes["scheduler_params"] = {
                    **column_changes["scheduler_params"],
                    second: row_changes["scheduler_params"][second],
                }
            try:
                cells.append(base.replace(**changes))
            except ValueError as error:  # a combination the engine refuses: leave it empty
                refusal = refusal or error
                continue
            where.append((row, column))
    if not cells:
        raise refusal or ValueError("the stability map has no cell to run")
    runs = simulate_many(cells)
    surface = config.loss_surface
    final_loss, _, _ = _ends(runs, surface, base)
    outcome_grid = np.full((len(values), n), None, dtype=object)
    loss_grid = np.full((len(values), n), np.nan)
    for (row, column), run, loss in zip(where, runs, final_loss, strict=True):
        outcome_grid[row, column] = run.outcome
        loss_grid[row, column] = loss
    lam = lambda_max(surface)
    boundary = None
    if second == "momentum" and lam is not None:
        limits_ = [critical_rate(with_second(base, second, v), lam) for v in values]
        if all(limit is not None for limit in limits_):
            boundary = np.array(limits_, dtype=float)
    return StabilityMap(
        config=config,
        second=second,
        rates=rates,
        values=values,
        outcome=outcome_grid,
        final_loss=loss_grid,
        steps=steps,
        second_log=second_log,
        min_loss=float(surface.global_minimum.value),
        lambda_max=lam,
        boundary=boundary,
    )


def current_setting(config: RunConfig, second: str) -> float | int:
    """config's own value of a second setting (its default filled in), to mark on a map."""
    _check_second(config, second)
    if second == "batch_size":
        return config.batch_size if config.batch_size is not None else config.loss_surface.n
    if second in ("momentum", "beta1"):
        resolved = config.resolved_optimizer_params
        return resolved["betas"][0] if second == "beta1" else resolved["momentum"]
    return config.resolved_scheduler_params[second]


def at_rate(config: RunConfig, rate: float, fixed: str | None = None) -> RunConfig:
    """config at another learning rate, its explicit scheduler rates scaled along (but fixed).

    See the module docstring: the schedule keeps its shape relative to the rate.
    """
    return config.replace(**rate_changes(config, rate, fixed))


def with_second(config: RunConfig, second: str, value: Any) -> RunConfig:
    """config with one second setting (a name from `second_settings`) set to value."""
    return config.replace(**second_changes(config, second, value))


def rate_changes(config: RunConfig, rate: float, fixed: str | None = None) -> dict[str, Any]:
    params = dict(config.scheduler_params)
    factor = rate / config.lr
    for spec in SCHEDULER_PARAMS[config.scheduler]:
        value = params.get(spec.name)
        if spec.high == MAX_RATE and value is not None and spec.name != fixed:
            params[spec.name] = min(float(value) * factor, MAX_RATE)
    return {"lr": rate, "scheduler_params": params}


def second_changes(config: RunConfig, second: str, value: Any) -> dict[str, Any]:
    if second == "batch_size":
        return {"batch_size": int(value)}
    if second == "momentum":
        return {"optimizer_params": {**config.optimizer_params, "momentum": float(value)}}
    if second == "beta1":
        beta2 = config.resolved_optimizer_params["betas"][1]
        return {"optimizer_params": {**config.optimizer_params, "betas": (float(value), beta2)}}
    spec = _scheduler_spec(config, second)
    value = int(value) if spec.kind == "int" else float(value)
    return {"scheduler_params": {**config.scheduler_params, second: value}}


# ------------------------------------------------------------------- quadratic theory


@lru_cache(maxsize=64)
def lambda_max(surface) -> float | None:
    """The largest Hessian eigenvalue if the surface is quadratic (Hessian the same at the
    window's corners, centre and default start) and curves upward; else None."""
    (x0, x1), (y0, y1) = surface.window
    probes = np.array(
        [
            [x0, y0],
            [x1, y1],
            [x0, y1],
            [x1, y0],
            [(x0 + x1) / 2, (y0 + y1) / 2],
            surface.default_start,
        ],
        dtype=float,
    )
    hessians = surface.hessian(probes)
    scale = float(np.max(np.abs(hessians[0])))
    if not np.allclose(hessians, hessians[0], rtol=QUADRATIC_RTOL, atol=QUADRATIC_RTOL * scale):
        return None
    top = float(np.max(np.linalg.eigvalsh(hessians[0])))
    return top if top > 0 else None


def critical_rate(config: RunConfig, lam: float | None) -> float | None:
    """The rate past which config's optimizer diverges on a quadratic with top curvature lam
    (the surface's; L2 weight decay adds to it), for a constant rate on the full batch; None
    where no closed form applies (LrSweep)."""
    if lam is None or config.scheduler != "constant":
        return None
    if config.batch_size is not None:  # mini-batches: no closed form
        return None
    hyper = config.resolved_optimizer_params
    # L2 weight decay (SGD's kind) adds weight_decay to every curvature: g + wd θ is the
    # gradient of the loss + ½ wd |θ|², whose Hessian is A + wd I.
    lam = lam + hyper.get("weight_decay", 0.0)
    if config.optimizer == "sgd":
        return 2.0 / lam
    if config.optimizer == "momentum":
        mu = hyper["momentum"]
        keep = 1.0 if mu == 0 else 1.0 - hyper["dampening"]  # torch skips dampening at mu = 0
        return 2.0 * (1.0 + mu) / (keep * lam) if keep > 0 else None
    if config.optimizer == "nesterov":
        mu = hyper["momentum"]
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lam)
    return None


# ------------------------------------------------------------------------- internals


def grid_size(value: Any, name: str, low: int = 2, high: int = MAX_GRID) -> int:
    if not isinstance(value, int):  # a float such as 40.0 is refused: a grid counts cells
        raise refused(name, value, f"an integer in [{low}, {high}]")
    return check_integer(value, name, low, high)


def _rate_range(lr_range: Any) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in lr_range)
    except (TypeError, ValueError):
        low = high = math.nan
    if not (limits.LR_MIN <= low < high <= limits.LR_MAX):
        raise refused(
            "lr_range",
            lr_range,
            f"(low, high) with {limits.LR_MIN:g} <= low < high <= {limits.LR_MAX:g}",
        )
    return low, high


def log_grid(low: float, high: float, count: int) -> np.ndarray:
    # geomspace can land a last bit outside its ends; RunConfig checks rates exactly.
    return np.clip(np.geomspace(low, high, count), low, high)


def _ends(runs: list[Trajectory], surface, config: RunConfig):
    """Each run's last sane loss, whether it diverged, and where."""
    start = float(surface.value(np.array(config.resolved_start)))
    # A run that left at its very first iterate keeps no loss at all: its start stands in.
    final_loss = np.array([run.final_loss if len(run.loss) else start for run in runs])
    diverged = np.array([run.diverged_at is not None for run in runs])
    return final_loss, diverged, tuple(run.diverged_at for run in runs)


def _scheduler_spec(config: RunConfig, name: str):
    return next(spec for spec in SCHEDULER_PARAMS[config.scheduler] if spec.name == name)


def _second_values(config: RunConfig, second: str, m: int) -> tuple[np.ndarray, bool]:
    """The rows of a map (see stability_map) and whether they are log-spaced."""
    if second in ("momentum", "beta1"):
        # Nesterov needs some momentum (PyTorch refuses 0): its rows start one row up.
        low = MOMENTUM_MAX / m if config.optimizer == "nesterov" and second == "momentum" else 0.0
        return np.linspace(low, MOMENTUM_MAX, m), False
    if second == "batch_size":
        n = config.loss_surface.n
        sizes = [2**k for k in range(n.bit_length()) if 2**k < n] + [n]
        return np.array(sizes), True
    spec = _scheduler_spec(config, second)
    if spec.kind == "float" and spec.high == MAX_RATE:
        return log_grid(limits.LR_MIN, limits.LR_MAX, m), True
    if spec.low is None or spec.high is None:
        raise SettingError(
            f"{config.scheduler}.{second} has no bounded range to map",
            "second",
            "a setting with a bounded range",
        )
    low, high = float(spec.low), float(spec.high)
    if spec.kind == "int":
        if spec.high == MAX_PERIOD:
            high = float(max(config.steps, int(low)))
        log = low >= 1 and spec.high == MAX_PERIOD
        grid = np.geomspace(low, high, m) if log else np.linspace(low, high, m)
        return np.unique(np.round(grid).astype(int)), log
    tiny_default = isinstance(spec.default, float) and 0 < spec.default < 0.01 * high
    if spec.log or tiny_default:
        if low <= 0:
            low = spec.default * 1e-2 if tiny_default else high * 1e-4
        elif spec.low_open:
            low *= 1.01
        if spec.high_open:
            high *= 0.99
        return log_grid(low, high, m), True
    span = high - low
    low += 0.01 * span if spec.low_open else 0.0
    high -= 0.01 * span if spec.high_open else 0.0
    return np.linspace(low, high, m), False


def _check_second(config: RunConfig, second: Any) -> None:
    """SettingError (field "second") saying why a second setting does not apply to config."""
    choices = second_settings(config)
    if second in choices:
        return
    offer = (
        f"for this run choose one of {', '.join(choices)}"
        if choices
        else (
            "this run has no second setting to map (try an optimizer with momentum, adam, "
            "a scheduler, or the data-fit problem)"
        )
    )
    if second == "batch_size":
        raise _not_second(
            choices,
            f"batch_size applies to the data-fit problem only: {config.surface} has no data to "
            f"split into batches; {offer}",
        )
    if second == "momentum":
        raise _not_second(
            choices,
            f"momentum applies to optimizers with a momentum parameter "
            f"({', '.join(momentum_optimizers())}): {config.optimizer} has none; {offer}",
        )
    if second == "beta1":
        raise _not_second(
            choices,
            f"beta1 (Adam's first beta) applies to adam only, not {config.optimizer}; {offer}",
        )
    if (config.scheduler, second) in _RATE_AXIS:
        raise _not_second(
            choices,
            f"{second} replaces the learning rate of the {config.scheduler} scheduler, so the "
            f"learning-rate axis already sweeps it; {offer}",
        )
    own = {spec.name: spec for spec in SCHEDULER_PARAMS[config.scheduler]}
    if second in own:
        raise _not_second(
            choices,
            f"{config.scheduler}.{second} is a {own[second].kind} setting, not a number to "
            f"sweep; {offer}",
        )
    owners = [
        name for name, specs in SCHEDULER_PARAMS.items() if any(s.name == second for s in specs)
    ]
    if owners:
        raise _not_second(
            choices,
            f"{second} is a parameter of the {' / '.join(owners)} scheduler, not of "
            f"{config.scheduler}; {offer}",
        )
    raise _not_second(choices, f"unknown second setting {second!r}: {offer}")


def _not_second(choices: list[str], message: str) -> SettingError:
    allowed = "one of " + ", ".join(choices) if choices else "this run has no second setting to map"
    return SettingError(message, "second", allowed)
