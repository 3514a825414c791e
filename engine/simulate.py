"""Run gradient descent: `simulate` one config, `simulate_many` many at once.

Runs that share a surface, optimizer, batch size and step count advance together as arrays
with a leading runs axis, so the step loop never loops over runs in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from engine import limits
from engine.catalog import SURFACES
from engine.config import RunConfig
from engine.optimizers import OPTIMIZERS, resolve_optimizer, stack_hyper
from engine.outcome import VISIBLE, diagnose
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
    shared_flags = tuple(
        (name, value)
        for name, value in sorted(resolve_optimizer(config.optimizer, config.optimizer_params).items())
        if isinstance(value, bool)
    )
    plateau_mode = None
    if config.scheduler == "plateau":
        plateau_mode = resolve_schedule("plateau", config.lr, config.steps, config.scheduler_params)[
            "threshold_mode"
        ]
    return (
        config.surface,
        config.normalization,
        config.optimizer,
        shared_flags,
        _batch_size(config),
        config.steps,
        config.scheduler == "plateau",
        plateau_mode,
    )


def _overshoots(next_grad: np.ndarray, move: np.ndarray, visible: float) -> np.ndarray:
    """Per run: the move went past the lowest point along its line, visibly (engine.outcome)."""
    return (np.einsum("ij,ij->i", next_grad, move) > 0) & (np.einsum("ij,ij->i", move, move) > visible)


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
    surface = SURFACES[config.surface].surface(config.normalization)
    n = getattr(surface, "n", None)
    if config.batch_size is None or n is None or config.batch_size >= n:
        return None
    return config.batch_size


def _batches(configs: list[RunConfig], n: int, batch_size: int, steps: int):
    """Index arrays of each run's mini-batch per iteration, reshuffled every epoch by seed."""
    per_epoch = -(-n // batch_size)
    epochs = -(-steps // per_epoch)
    seeds = sorted({c.seed for c in configs})
    orders = np.empty((len(seeds), epochs, n), dtype=np.intp)
    for row, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        orders[row] = rng.permuted(np.broadcast_to(np.arange(n), (epochs, n)), axis=1)
    run_seed = np.array([seeds.index(c.seed) for c in configs])
    return orders, run_seed, per_epoch


def _simulate_group(configs: list[RunConfig]) -> list[Trajectory]:
    first = configs[0]
    surface = SURFACES[first.surface].surface(first.normalization)
    steps = first.steps
    runs = len(configs)
    batch_size = _batch_size(first)
    optimizer = OPTIMIZERS[first.optimizer]
    hyper = stack_hyper(first.optimizer, [c.optimizer_params for c in configs])

    start = np.array([c.resolved_start for c in configs], dtype=float)
    base_lr = np.array([c.lr for c in configs])
    plateau = None
    if first.scheduler == "plateau":
        settings = [resolve_schedule("plateau", c.lr, steps, c.scheduler_params) for c in configs]
        plateau = Plateau(
            base_lr.copy(),
            **{
                name: (np.array([s[name] for s in settings]) if name != "threshold_mode" else value)
                for name, value in settings[0].items()
            },
        )
        rates = np.empty((steps, runs))
    elif all(c.scheduler == "constant" for c in configs):
        rates = np.broadcast_to(base_lr, (steps, runs))
    else:
        rates = np.stack(
            [learning_rates(c.scheduler, c.lr, steps, c.scheduler_params) for c in configs], axis=1
        )

    if batch_size is None:
        per_epoch = 1
        batch_grad = None
    else:
        orders, run_seed, per_epoch = _batches(configs, surface.n, batch_size, steps)
        batch_grad = surface.batch_grad

    (x0, x1), (y0, y1) = surface.window
    visible = (VISIBLE * float(np.hypot(x1 - x0, y1 - y0))) ** 2
    limit = divergence_limit(surface)

    params = np.empty((steps + 1, runs, 2))
    loss = np.empty((steps + 1, runs))
    grads = np.empty((steps, runs, 2))
    overshot = np.zeros((steps, runs), dtype=bool)
    p = start.copy()
    params[0] = p
    loss[0] = surface.value(p)
    state = optimizer.init(p, hyper)
    lr_now = base_lr.copy()
    taken = steps
    move = None
    with np.errstate(all="ignore"):  # blow-ups are found below, not reported as warnings
        for t in range(steps):
            if batch_grad is None:
                g = surface.grad(p)
                if move is not None:  # did the last move jump past the minimum along its line?
                    overshot[t - 1] = _overshoots(g, move, visible)
            else:
                epoch, slot = divmod(t, per_epoch)
                index = orders[run_seed, epoch, slot * batch_size : (slot + 1) * batch_size]
                g = batch_grad(p, index)
            grads[t] = g
            if plateau is not None:
                rates[t] = lr_now
                lr_t = lr_now[:, None]
            else:
                lr_t = rates[t][:, None]
            move, state = optimizer.update(g, state, lr_t, hyper)
            p = p + move
            params[t + 1] = p
            loss[t + 1] = surface.value(p)
            if batch_grad is not None:  # overshoot is judged on the full-data gradient
                overshot[t] = _overshoots(surface.grad(p), move, visible)
            if plateau is not None and (t + 1) % per_epoch == 0:
                lr_now = plateau.step(loss[t + 1])
            if t % _DIVERGENCE_CHECK_EVERY == _DIVERGENCE_CHECK_EVERY - 1:
                if not np.any(loss[t + 1] <= limit):  # NaN compares False
                    taken = t + 1
                    break
        final_grads = surface.grad(p)
        if batch_grad is None and move is not None:
            overshot[taken - 1] = _overshoots(final_grads, move, visible)
        sane = loss[: taken + 1] <= limit
        start_grads = surface.grad(start)

    # One copy into run-major order, so each run's arrays are contiguous views.
    params = params[: taken + 1].transpose(1, 0, 2).copy()
    loss = loss[: taken + 1].T.copy()
    grads = grads[:taken].transpose(1, 0, 2).copy()
    rates = np.ascontiguousarray(np.asarray(rates, dtype=float)[:taken].T)
    overshot = overshot[:taken].T
    epoch_of_step = np.arange(steps) // per_epoch
    first_bad = np.where(sane.all(axis=0), -1, np.argmin(sane, axis=0))
    trajectories = []
    for r, config in enumerate(configs):
        diverged_at = int(first_bad[r]) if first_bad[r] >= 0 else None
        k = taken if diverged_at is None else diverged_at - 1
        run_params = params[r, : k + 1]
        run_loss = loss[r, : k + 1]
        run_flags = overshot[r, :k]
        final_grad = final_grads[r] if diverged_at is None else grads[r, k - 1] if k > 0 else start_grads[r]
        outcome = diagnose(
            params=run_params,
            loss=run_loss,
            overshoots=run_flags,
            start_grad_norm=float(np.hypot(*start_grads[r])),
            final_grad_norm=float(np.hypot(*final_grad)),
            surface=surface,
            diverged=diverged_at is not None,
        )
        trajectories.append(
            Trajectory(
                config=config,
                params=run_params,
                loss=run_loss,
                lr=rates[r, :k],
                grad=grads[r, :k],
                epoch=epoch_of_step[:k].copy(),
                outcome=outcome,
                overshoots=int(np.count_nonzero(run_flags)),
                diverged_at=diverged_at,
                steps_per_epoch=per_epoch,
                param_names=tuple(surface.param_names),
            )
        )
    return trajectories
