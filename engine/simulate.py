"""Run gradient descent: `simulate` one config, `simulate_many` many at once.

Runs that share a surface, optimizer, batch size and step count advance together as arrays
with a leading runs axis, so the step loop never loops over runs in Python.

The step loop does only what the next step needs: the gradient, the optimizer's update and
(for ReduceLROnPlateau) the loss the scheduler reads. Everything that merely describes the run
(the loss at every iterate, overshoot flags, divergence, the outcome) is computed after the
loop, once, on whole (steps, runs) arrays; the results are the same as computing them step by
step, since each is an elementwise function of the stored iterates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from engine import limits
from engine.catalog import problem_of
from engine.config import RunConfig
from engine.optimizers import OPTIMIZERS, resolve_optimizer, stack_hyper
from engine.outcome import VISIBLE, diagnose_many, recent_move, tail_iterates
from engine.schedules import Plateau, learning_rates, resolve_schedule
from engine.trajectory import Trajectory

# How often the step loop checks whether every run has already blown up.
_DIVERGENCE_CHECK_EVERY = 32


def simulate(config: RunConfig) -> Trajectory:
    """Run one configuration."""
    return simulate_many([config])[0]


def simulate_many(configs: Sequence[RunConfig]) -> list[Trajectory]:
    """Run many configurations; equal to `simulate` run by run, but advanced together."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, config in enumerate(configs):
        groups[_group_key(config)].append(index)
    results: list[Trajectory | None] = [None] * len(configs)
    for indices in groups.values():
        for index, trajectory in zip(
            indices, _simulate_group([configs[i] for i in indices]), strict=True
        ):
            results[index] = trajectory
    return results  # type: ignore[return-value]


def _group_key(config: RunConfig) -> tuple:
    """Runs with equal keys advance together.

    Besides what shapes the arrays (surface, batch size, steps), a group shares the
    optimizer's flags, which choose its code path, and Adam's betas: Adam raises them to the
    step count, and Python's float power (C's pow, used for a value shared by the group) and
    NumPy's array power (used for per-run values) differ in the last bit for some steps, so
    a run would otherwise depend on the company it keeps.
    """
    shared = tuple(
        (name, value)
        for name, value in sorted(
            resolve_optimizer(config.optimizer, config.optimizer_params).items()
        )
        if isinstance(value, bool) or name == "betas"
    )
    plateau_mode = None
    if config.scheduler == "plateau":
        plateau_mode = resolve_schedule(
            "plateau", config.lr, config.steps, config.scheduler_params
        )["threshold_mode"]
    return (
        config.surface,
        config.normalization,
        config.optimizer,
        shared,
        _batch_size(config),
        config.steps,
        config.scheduler == "plateau",
        plateau_mode,
    )


def _overshoots(next_grad: np.ndarray, move: np.ndarray, visible: float) -> np.ndarray:
    """Per row: the move went past the lowest point along its line, visibly (engine.outcome).

    next_grad and move have shape (..., 2); the result has their leading shape.
    """
    shape = move.shape[:-1]
    next_grad = np.ascontiguousarray(next_grad).reshape(-1, 2)
    move = np.ascontiguousarray(move).reshape(-1, 2)
    past = np.einsum("ij,ij->i", next_grad, move) > 0
    past &= np.einsum("ij,ij->i", move, move) > visible
    return past.reshape(shape)


@lru_cache(maxsize=128)
def divergence_limit(surface) -> float:
    """The loss past which a run counts as diverged (engine.limits.DIVERGENCE_FACTOR)."""
    (x0, x1), (y0, y1) = surface.window
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41)), axis=-1)
    best = surface.global_minimum.value
    highest = float(np.max(surface.value(grid))) - best
    return best + limits.DIVERGENCE_FACTOR * max(highest, 1e-12)


def _batch_size(config: RunConfig) -> int | None:
    """None for the full batch; a batch holding every data point is the full batch."""
    surface = problem_of(config.surface).surface(config.normalization)
    n = getattr(surface, "n", None)
    if config.batch_size is None or n is None or config.batch_size >= n:
        return None
    return config.batch_size


def batch_orders(seed: int, n: int, epochs: int) -> np.ndarray:
    """The order in which one run visits the n data points: a fresh shuffle each epoch.

    Shape (epochs, n); row e is a permutation of range(n) drawn from a generator seeded with
    seed alone, so a run's batches do not depend on which other runs share the call.
    Batches are consecutive slices of each row; the last one of an epoch may be shorter.
    """
    rng = np.random.default_rng(seed)
    return rng.permuted(np.broadcast_to(np.arange(n), (epochs, n)), axis=1)


def _batch_means(configs: list[RunConfig], surface, batch_size: int, steps: int):
    """Each run's batch moments at each step (engine.datafit.FitSurface.batch_means).

    Returns (means, per_epoch): means has shape (steps, 1, 4) when every run shares one seed
    (and so one sequence of batches), else (steps, runs, 4).
    """
    n = surface.n
    per_epoch = -(-n // batch_size)
    epochs = -(-steps // per_epoch)
    seeds = sorted({c.seed for c in configs})
    means = np.empty((steps, len(seeds), 4))
    for row, seed in enumerate(seeds):
        per_batch = surface.batch_means(batch_orders(seed, n, epochs), batch_size)
        means[:, row] = per_batch.reshape(-1, 4)[:steps]
    if len(seeds) > 1 and seeds != [c.seed for c in configs]:
        row_of = {seed: row for row, seed in enumerate(seeds)}
        means = means[:, [row_of[c.seed] for c in configs]]
    return means, per_epoch


def _learning_rates(configs: list[RunConfig], steps: int) -> np.ndarray | float:
    """Rates of a group without plateau: a float when every run has the same constant rate,
    else an array (steps, runs, 1)."""
    if all(c.scheduler == "constant" for c in configs):
        base_lr = np.array([c.lr for c in configs])
        if np.all(base_lr == base_lr[0]):
            return float(base_lr[0])
        return np.broadcast_to(base_lr[:, None], (steps, len(configs), 1))
    cache: dict = {}
    columns = []
    for c in configs:
        key = (c.scheduler, c.lr, _hashable(c.scheduler_params))
        if key not in cache:
            cache[key] = learning_rates(c.scheduler, c.lr, steps, c.scheduler_params)
        columns.append(cache[key])
    return np.stack(columns, axis=1)[:, :, None]


def _hashable(params) -> object:
    items = []
    for name, value in sorted(params.items()):
        if isinstance(value, list | tuple):
            value = tuple(value)
        items.append((name, value))
    try:
        hash(tuple(items))
    except TypeError:
        return object()  # never equal to anything: no sharing
    return tuple(items)


def _plateau(configs: list[RunConfig], base_lr: np.ndarray, steps: int) -> Plateau:
    settings = [resolve_schedule("plateau", c.lr, steps, c.scheduler_params) for c in configs]
    return Plateau(
        base_lr.copy(),
        **{
            name: (np.array([s[name] for s in settings]) if name != "threshold_mode" else value)
            for name, value in settings[0].items()
        },
    )


def _optimizer_hyper(configs: list[RunConfig]) -> dict:
    first = configs[0].optimizer_params
    if all(c.optimizer_params == first for c in configs):
        hyper = stack_hyper(configs[0].optimizer, [first])  # shared: every value a scalar
    else:
        hyper = stack_hyper(configs[0].optimizer, [c.optimizer_params for c in configs])
    return hyper


def _simulate_group(configs: list[RunConfig]) -> list[Trajectory]:
    first = configs[0]
    surface = problem_of(first.surface).surface(first.normalization)
    steps = first.steps
    runs = len(configs)
    batch_size = _batch_size(first)
    optimizer = OPTIMIZERS[first.optimizer]
    hyper = _optimizer_hyper(configs)

    start = np.array([c.resolved_start for c in configs], dtype=float)
    base_lr = np.array([c.lr for c in configs])
    plateau = _plateau(configs, base_lr, steps) if first.scheduler == "plateau" else None
    if plateau is not None:
        rates = np.empty((steps, runs, 1))
    else:
        rates = _learning_rates(configs, steps)

    # The full-data gradient: the analytic surfaces' array function directly, skipping
    # the input checks of Surface.grad (the loop's arrays are always float (runs, 2)).
    grad_fn = getattr(surface, "grad_fn", surface.grad)
    if batch_size is None:
        per_epoch = 1
    else:
        means, per_epoch = _batch_means(configs, surface, batch_size, steps)

    limit = divergence_limit(surface)
    params = np.empty((steps + 1, runs, 2))
    grads = np.empty((steps, runs, 2))
    moves = np.empty((steps, runs, 2))
    params[0] = start
    p = params[0]
    state = optimizer.init(p, hyper)
    lr_t = rates
    taken = steps
    with np.errstate(all="ignore"):  # blow-ups are found below, not reported as warnings
        for t in range(steps):
            if batch_size is None:
                g = grad_fn(p)
            else:
                g = surface.grad_from_means(p, means[t])
            grads[t] = g
            if plateau is not None:
                rates[t, :, 0] = plateau.lr
                lr_t = rates[t]
            elif not isinstance(rates, float):
                lr_t = rates[t]
            move, state = optimizer.update(g, state, lr_t, hyper)
            moves[t] = move
            p = np.add(p, move, out=params[t + 1])
            if plateau is not None and (t + 1) % per_epoch == 0:
                plateau.step(surface.value(p))  # the full-data loss after each epoch
            if t % _DIVERGENCE_CHECK_EVERY == _DIVERGENCE_CHECK_EVERY - 1:
                if not np.any(surface.value(p) <= limit):  # NaN compares False
                    taken = t + 1
                    break

        # Everything below works on whole arrays, after the loop.
        params = params[: taken + 1]
        grads, moves = grads[:taken], moves[:taken]
        loss = surface.value(params)  # (taken + 1, runs)
        final_grads = grad_fn(params[taken])
        visible = _visible_squared(surface)
        if batch_size is None:  # the gradient at p_{t+1} is the one update t+1 used
            overshot = np.empty((taken, runs), dtype=bool)
            overshot[:-1] = _overshoots(grads[1:], moves[:-1], visible)
            overshot[-1] = _overshoots(final_grads, moves[-1], visible)
        else:  # overshoot is judged on the full-data gradient
            overshot = _overshoots(surface.grad(params[1:]), moves, visible)
        sane = loss <= limit
        first_bad = np.where(sane.all(axis=0), -1, np.argmin(sane, axis=0))
        diverged = first_bad >= 0
        # An update counts up to the last iterate kept: a diverged run stops before the bad one.
        kept = np.where(diverged, first_bad - 1, taken)
        counted = overshot & (np.arange(taken)[:, None] < kept)
        outcomes = diagnose_many(
            final_params=params[taken],
            recent_move=recent_move(params),
            first_loss=loss[0],
            tail_loss=loss[-tail_iterates(taken) :].min(axis=0),
            final_loss=loss[taken],
            overshoots=overshot.T,
            start_grad_norm=np.hypot(*grad_fn(start).T),
            final_grad_norm=np.hypot(*final_grads.T),
            surface=surface,
            diverged=diverged,
        )
    overshoot_counts = np.count_nonzero(counted, axis=0)

    # Each run's arrays are read-only views into the group's arrays: no per-run copies.
    rates = np.broadcast_to(rates, (taken, runs, 1)) if isinstance(rates, float) else rates
    lr = rates[:taken, :, 0]
    epoch = np.arange(taken) // per_epoch
    for array in (params, loss, grads, lr, epoch):
        array.flags.writeable = False
    param_names = tuple(surface.param_names)
    trajectories = []
    for r, config in enumerate(configs):
        k = int(kept[r])
        trajectories.append(
            Trajectory(
                config=config,
                params=params[: k + 1, r],
                loss=loss[: k + 1, r],
                lr=lr[:k, r],
                grad=grads[:k, r],
                epoch=epoch[:k],
                outcome=outcomes[r],
                overshoots=int(overshoot_counts[r]),
                diverged_at=int(first_bad[r]) if diverged[r] else None,
                steps_per_epoch=per_epoch,
                param_names=param_names,
            )
        )
    return trajectories


def _visible_squared(surface) -> float:
    """Squared length of the smallest move engine.outcome counts as visible."""
    (x0, x1), (y0, y1) = surface.window
    return (VISIBLE * float(np.hypot(x1 - x0, y1 - y0))) ** 2
