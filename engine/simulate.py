"""Run gradient descent: `simulate` one config, `simulate_many` many at once.

Runs that share a surface and batch size advance together as arrays with a leading runs
axis, whatever their optimizer, length or scheduler: one gradient evaluation per step serves
them all, and the loop runs as long as the longest. Within such a group, runs with the same
optimizer (a "family") are contiguous rows updated by one call, so the step loop loops over
families, never over runs, in Python.

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
from engine.outcome import VISIBLE, diagnose_many, recent_move, tail_iterates, window_scales
from engine.schedules import Plateau, learning_rates, resolve_schedule
from engine.trajectory import Trajectory

# How often the step loop checks whether every run has already blown up.
_DIVERGENCE_CHECK_EVERY = 32


def simulate(config: RunConfig) -> Trajectory:
    """Run one configuration."""
    return simulate_many([config])[0]


class NotSimulated(ValueError):
    """A valid setting the step loop does not follow yet: refused, never silently ignored."""


def check_simulated(configs: Sequence[RunConfig]) -> None:
    """Raise NotSimulated for a run this loop would not follow as configured."""
    for config in configs:
        if config.scheduler in ("cyclic", "onecycle") and resolve_schedule(
            config.scheduler, config.lr, config.steps, config.scheduler_params
        ).get("cycle_momentum"):
            raise NotSimulated(
                f"{config.scheduler}.cycle_momentum = True is not allowed: expected false, since "
                "Descent Lab does not simulate cycled momentum yet (PyTorch's default, True, "
                "cycles the momentum against the rate; the generated PyTorch code can show it)"
            )


def simulate_many(configs: Sequence[RunConfig]) -> list[Trajectory]:
    """Run many configurations; equal to `simulate` run by run, but advanced together.

    Raises NotSimulated (a ValueError naming the field) for a run with cycle_momentum=True:
    the generated PyTorch code can cycle the momentum (engine.code), this loop does not yet.
    """
    check_simulated(configs)
    groups: dict[tuple, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, config in enumerate(configs):
        groups[_group_key(config)][_family_key(config)].append(index)
    results: list[Trajectory | None] = [None] * len(configs)
    for families in groups.values():
        # Each family's runs next to each other: the group's rows, in family order.
        indices = [index for members in families.values() for index in members]
        members = [[configs[i] for i in family] for family in families.values()]
        for index, trajectory in zip(indices, _simulate_group(members), strict=True):
            results[index] = trajectory
    return results  # type: ignore[return-value]


def _group_key(config: RunConfig) -> tuple:
    """Runs with equal keys share a step loop and its gradient evaluations: the surface and
    the batch size. Step counts and schedulers may differ (see _simulate_group)."""
    return (config.surface, config.normalization, _batch_size(config))


def _family_key(config: RunConfig) -> tuple:
    """Runs of a group with equal keys are updated by one optimizer call.

    A family shares the optimizer, its flags, which choose its code path, and Adam's betas:
    Adam raises them to the step count, and Python's float power (C's pow, used for a value
    shared by the family) and NumPy's array power (used for per-run values) differ in the
    last bit for some steps, so a run would otherwise depend on the company it keeps.
    """
    shared = tuple(
        (name, value)
        for name, value in sorted(
            resolve_optimizer(config.optimizer, config.optimizer_params).items()
        )
        if isinstance(value, bool) or name == "betas"
    )
    return (config.optimizer, shared)


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
    best = surface.global_minimum.value
    highest = window_scales(surface)[1] - best
    return best + limits.DIVERGENCE_FACTOR * max(highest, 1e-12)


@lru_cache(maxsize=128)
def divergence_floor(surface) -> float:
    """The loss below which a run counts as diverged: a formula unbounded below (x² − y²)
    whose loss falls without end, DIVERGENCE_FACTOR window spreads under the window's lowest."""
    lowest, highest, _ = window_scales(surface)
    return lowest - limits.DIVERGENCE_FACTOR * max(highest - lowest, 1e-12)


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


def _rate_table(configs: list[RunConfig], steps: int) -> np.ndarray | float:
    """The rate of every run at every step of a loop of `steps`: a float when every run has
    the same constant rate, else an array (steps, runs, 1).

    Each run's schedule is its own, over its own length; a run shorter than the loop keeps
    its last rate (what it does past its end is discarded). The rows of ReduceLROnPlateau
    runs are left for the step loop to fill.
    """
    if len({c.lr for c in configs}) == 1 and all(c.scheduler == "constant" for c in configs):
        return float(configs[0].lr)
    table = np.empty((steps, len(configs), 1))
    constant = np.array([c.scheduler == "constant" for c in configs])
    table[:, constant, 0] = [c.lr for c, flat in zip(configs, constant, strict=True) if flat]
    cache: dict = {}
    for r, c in enumerate(configs):
        if c.scheduler in ("constant", "plateau"):
            continue
        key = (c.scheduler, c.lr, c.steps, _hashable(c.scheduler_params))
        if key not in cache:
            cache[key] = learning_rates(c.scheduler, c.lr, c.steps, c.scheduler_params)
        column = cache[key]
        table[: c.steps, r, 0] = column
        table[c.steps :, r, 0] = column[-1]
    return table


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


def _plateau(configs: list[RunConfig]) -> tuple[Plateau | None, slice | np.ndarray]:
    """A Plateau for the group's ReduceLROnPlateau runs (None if none), and their rows."""
    rows = np.flatnonzero([c.scheduler == "plateau" for c in configs])
    if len(rows) == 0:
        return None, rows
    chosen = [configs[r] for r in rows]
    settings = [resolve_schedule("plateau", c.lr, c.steps, c.scheduler_params) for c in chosen]
    plateau = Plateau(
        np.array([c.lr for c in chosen]), **{name: [s[name] for s in settings] for name in settings[0]}
    )
    return plateau, (slice(None) if len(rows) == len(configs) else rows)


def _optimizer_hyper(configs: list[RunConfig]) -> dict:
    first = configs[0].optimizer_params
    if all(c.optimizer_params == first for c in configs):
        hyper = stack_hyper(configs[0].optimizer, [first])  # shared: every value a scalar
    else:
        hyper = stack_hyper(configs[0].optimizer, [c.optimizer_params for c in configs])
    return hyper


def _families(families: list[list[RunConfig]]) -> list[tuple[slice, object, dict]]:
    """(rows, optimizer, hyper) of each family, its runs being consecutive rows."""
    out = []
    start = 0
    for members in families:
        optimizer = OPTIMIZERS[members[0].optimizer]
        out.append((slice(start, start + len(members)), optimizer, _optimizer_hyper(members)))
        start += len(members)
    return out


def _simulate_group(members: list[list[RunConfig]]) -> list[Trajectory]:
    """Run one group, given as its families; trajectories come in the same order."""
    configs = [config for family in members for config in family]
    first = configs[0]
    surface = problem_of(first.surface).surface(first.normalization)
    steps = max(c.steps for c in configs)  # the loop's length; shorter runs stop reading early
    own_steps = np.array([c.steps for c in configs])
    runs = len(configs)
    batch_size = _batch_size(first)
    families = _families(members)

    start = np.array([c.resolved_start for c in configs], dtype=float)
    rates = _rate_table(configs, steps)
    plateau, plateau_rows = _plateau(configs)

    # The full-data gradient and loss: the analytic surfaces' array functions directly,
    # skipping the input checks of Surface.grad (the loop's arrays are always float (runs, 2)).
    grad_fn = getattr(surface, "grad_fn", surface.grad)
    value_fn = getattr(surface, "value_fn", surface.value)
    if batch_size is None:
        per_epoch = 1
    else:
        means, per_epoch = _batch_means(configs, surface, batch_size, steps)

    limit, floor = divergence_limit(surface), divergence_floor(surface)
    params = np.empty((steps + 1, runs, 2))
    grads = np.empty((steps, runs, 2))
    moves = np.empty((steps, runs, 2))
    params[0] = start
    p = params[0]
    states = [optimizer.init(p[rows], hyper) for rows, optimizer, hyper in families]
    whole = len(families) == 1  # the common case: no slicing
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
                rates[t, plateau_rows, 0] = plateau.lr
            if not isinstance(rates, float):
                lr_t = rates[t]
            if whole:
                _, optimizer, hyper = families[0]
                moves[t], states[0] = optimizer.update(g, states[0], lr_t, hyper)
            else:
                for k, (rows, optimizer, hyper) in enumerate(families):
                    rate = lr_t if isinstance(lr_t, float) else lr_t[rows]
                    moves[t, rows], states[k] = optimizer.update(g[rows], states[k], rate, hyper)
            p = np.add(p, moves[t], out=params[t + 1])
            if plateau is not None and (t + 1) % per_epoch == 0:
                plateau.step(value_fn(p[plateau_rows]))  # the full-data loss after each epoch
            if t % _DIVERGENCE_CHECK_EVERY == _DIVERGENCE_CHECK_EVERY - 1:
                now = value_fn(p)
                if not np.any((now <= limit) & (now >= floor)):  # NaN compares False
                    taken = t + 1
                    break

        # Everything below works on whole arrays, after the loop.
        params = params[: taken + 1]
        grads, moves = grads[:taken], moves[:taken]
        loss = surface.value(params)  # (taken + 1, runs)
        ends = np.minimum(own_steps, taken)  # each run's last iterate
        visible = _visible_squared(surface)
        if batch_size is None:  # the gradient at p_{t+1} is the one update t+1 used
            overshot = np.empty((taken, runs), dtype=bool)
            overshot[:-1] = _overshoots(grads[1:], moves[:-1], visible)
            overshot[-1] = _overshoots(grad_fn(params[taken]), moves[-1], visible)
        else:  # overshoot is judged on the full-data gradient
            overshot = _overshoots(surface.grad(params[1:]), moves, visible)
        # Past its own end a run is ignored: it cannot diverge there.
        sane = ((loss <= limit) & (loss >= floor)) | (np.arange(taken + 1)[:, None] > ends)
        first_bad = np.where(sane.all(axis=0), -1, np.argmin(sane, axis=0))
        diverged = first_bad >= 0
        # An update counts up to the last iterate kept: a diverged run stops before the bad one.
        kept = np.where(diverged, first_bad - 1, ends)
        counted = overshot & (np.arange(taken)[:, None] < kept)
        outcomes = np.empty(runs, dtype=object)
        lengths = np.unique(ends)
        for end in lengths:
            # One length (the usual case): whole arrays, no copies of the runs' columns.
            cols = slice(None) if len(lengths) == 1 else np.flatnonzero(ends == end)
            outcomes[cols] = _diagnose(
                surface, params[: end + 1, cols], loss[: end + 1, cols],
                overshot[:end, cols], diverged[cols], grad_fn, batch_size is not None,
            )  # fmt: skip
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


def _diagnose(surface, params, loss, overshot, diverged, grad_fn, noisy) -> list[str]:
    """Outcome labels of runs of equal length: params (k+1, R, 2), loss (k+1, R),
    overshot (k, R); noisy for mini-batch runs."""
    taken = len(params) - 1
    final_grad = grad_fn(params[taken])  # the full-data gradient
    return diagnose_many(
        final_params=params[taken],
        recent_move=recent_move(params),
        first_loss=loss[0],
        tail_loss=loss[-tail_iterates(taken) :].min(axis=0),
        overshoots=overshot.T,
        final_grad_norm=np.hypot(*final_grad.T),
        final_grad=final_grad,
        surface=surface,
        diverged=diverged,
        noisy=noisy,
    )


def _visible_squared(surface) -> float:
    """Squared length of the smallest move engine.outcome counts as visible."""
    (x0, x1), (y0, y1) = surface.window
    return (VISIBLE * float(np.hypot(x1 - x0, y1 - y0))) ** 2
