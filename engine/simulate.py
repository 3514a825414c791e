"""Run gradient descent: `simulate` one config, `simulate_many` many at once.

Runs that share a surface and scaling, and take the full batch or mini-batches (of any size:
each run reads its own batches' moments), advance together as arrays with a leading runs
axis, whatever their optimizer, length or scheduler: one gradient evaluation per step serves
them all, and the loop runs as long as the longest. Within such a group, runs with the same
optimizer (a "family") are contiguous rows updated by one call, so the step loop loops over
families, never over runs, in Python.

A NumPy call costs about 0.7 us however few numbers it touches, a float operation some 30 ns,
so where a group holds few runs the loop takes Python floats, by the same operations and so
to the same numbers (the tests hold each run equal alone and in a crowd, bit for bit): a
family of one run steps its two coordinates as floats (engine.optimizers takes either), and
the data fit's gradients and losses for up to _FEW_RUNS runs are floats (engine.datafit).
Where a full-batch ReduceLROnPlateau reads the loss at every iterate, a surface that shares
the terms of its loss and gradient (Surface.value_grad_fn) gives both from one evaluation.

The step loop does only what the next step needs: the gradient, the optimizer's update with
the step's rate (and, when CyclicLR or OneCycleLR cycle it, the step's momentum or beta1, as
PyTorch's scheduler sets it in the param group) and, for ReduceLROnPlateau, the loss the
scheduler reads. Everything that merely describes the run
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
from engine.config import RunConfig
from engine.optimizers import OPTIMIZERS
from engine.outcome import VISIBLE, diagnose_many, recent_move, tail_iterates, window_scales
from engine.steploop import (
    batch_orders,
    cycled_momenta,
    family_hyper,
    family_key,
    plateau_of,
    rate_table,
    stepped_optimizer,
)
from engine.trajectory import Trajectory

# How often the step loop checks whether every run has already blown up.
_DIVERGENCE_CHECK_EVERY = 32
# Up to this many runs, the data fit's gradients are cheaper on Python floats (about 1 us a
# run) than as arrays (about 9 us a call, however few runs).
_FEW_RUNS = 8


def simulate(config: RunConfig) -> Trajectory:
    """Run one configuration."""
    return simulate_many([config])[0]


def simulate_many(configs: Sequence[RunConfig]) -> list[Trajectory]:
    """Run many configurations; equal to `simulate` run by run, but advanced together.

    Every valid RunConfig is followed as configured (cycled momentum included): what PyTorch
    refuses is refused when the RunConfig is made.
    """
    groups: dict[tuple, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, config in enumerate(configs):
        groups[group_key(config)][family_key(config)].append(index)
    results: list[Trajectory | None] = [None] * len(configs)
    for families in groups.values():
        # Each family's runs next to each other: the group's rows, in family order.
        indices = [index for members in families.values() for index in members]
        members = [[configs[i] for i in family] for family in families.values()]
        for index, trajectory in zip(indices, _simulate_group(members), strict=True):
            results[index] = trajectory
    return results  # type: ignore[return-value]


def group_key(config: RunConfig) -> tuple:
    """Runs with equal keys share a step loop and its gradient evaluations: the surface, and
    full batch or mini-batches (each mini-batch run reads its own batches' moments, whatever
    its batch size). Step counts and schedulers may differ (see _simulate_group)."""
    return (config.surface, config.normalization, config.batch_size is None)


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


def _batch_means(configs: list[RunConfig], surface, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Each run's batch moments at each step (engine.datafit.FitSurface.batch_means), and its
    steps per epoch (ceil(n / batch size)).

    means has shape (steps, 1, 4) when every run shares one seed and batch size (and so one
    sequence of batches), else (steps, runs, 4).
    """
    n = surface.n
    per_epoch = {c.batch_size: -(-n // c.batch_size) for c in configs}
    kinds = sorted({(c.seed, c.batch_size) for c in configs})
    means = np.empty((steps, len(kinds), 4))
    for row, (seed, batch_size) in enumerate(kinds):
        orders = batch_orders(seed, n, -(-steps // per_epoch[batch_size]))
        means[:, row] = surface.batch_means(orders, batch_size).reshape(-1, 4)[:steps]
    if len(kinds) > 1 and kinds != [(c.seed, c.batch_size) for c in configs]:
        row_of = {kind: row for row, kind in enumerate(kinds)}
        means = means[:, [row_of[(c.seed, c.batch_size)] for c in configs]]
    return means, np.array([per_epoch[c.batch_size] for c in configs])


def _plateaus(configs: list[RunConfig], per_epoch: np.ndarray) -> list[tuple]:
    """(Plateau, its rows, steps per epoch) for each epoch length among the ReduceLROnPlateau
    runs: each is stepped at the end of its own epochs."""
    out = []
    for length in np.unique(per_epoch):
        members = np.flatnonzero(per_epoch == length)
        plateau, rows = plateau_of([configs[r] for r in members])  # its own runs among them
        if plateau is not None:
            rows = members[rows]
            out.append((plateau, slice(None) if len(rows) == len(configs) else rows, int(length)))
    return out


def _families(families: list[list[RunConfig]], steps: int) -> list[tuple]:
    """(rows, optimizer, hyper, cycled) of each family, its runs being consecutive rows;
    rows is a slice, or the row (an int) of a family of one run, which steps on floats;
    cycled is its CycledMomentum, or None."""
    out = []
    start = 0
    for members in families:
        optimizer = OPTIMIZERS[stepped_optimizer(members[0])[0]]
        rows = start if len(members) == 1 else slice(start, start + len(members))
        out.append((rows, optimizer, family_hyper(members), cycled_momenta(members, steps)))
        start += len(members)
    return out


def _simulate_group(members: list[list[RunConfig]]) -> list[Trajectory]:
    """Run one group, given as its families; trajectories come in the same order."""
    configs = [config for family in members for config in family]
    first = configs[0]
    surface = first.loss_surface
    steps = max(c.steps for c in configs)  # the loop's length; shorter runs stop reading early
    own_steps = np.array([c.steps for c in configs])
    runs = len(configs)
    mini_batches = first.batch_size is not None  # every run of the group, or none
    families = _families(members, steps)

    start = np.array([c.resolved_start for c in configs], dtype=float)
    rates = rate_table(configs, steps)

    # The full-data gradient and loss: the analytic surfaces' array functions directly,
    # skipping the input checks of Surface.grad (the loop's arrays are always float (runs, 2)).
    grad_fn = getattr(surface, "grad_fn", surface.grad)
    value_fn = getattr(surface, "value_fn", surface.value)
    if mini_batches:
        means, per_epoch = _batch_means(configs, surface, steps)
    else:
        per_epoch = np.ones(runs, dtype=int)
    plateaus = _plateaus(configs, per_epoch)
    # Full batch, ReduceLROnPlateau reads the loss at every iterate: where the surface shares
    # the terms of its loss and gradient, one evaluation gives that loss and the next gradient.
    value_grad_fn = None if mini_batches or not plateaus else getattr(surface, "value_grad_fn", None)
    next_grad = None
    # The data fit's gradients and losses on Python floats, for a few runs (the same numbers).
    fit_floats = getattr(surface, "grads_on_floats", None) if runs <= _FEW_RUNS else None

    limit, floor = divergence_limit(surface), divergence_floor(surface)
    params = np.empty((steps + 1, runs, 2))
    grads = np.empty((steps, runs, 2))
    moves = np.empty((steps, runs, 2))
    params[0] = start
    p = params[0]
    states = [
        [optimizer.init(x, hyper) for x in p[rows].tolist()]  # one state per coordinate
        if type(rows) is int
        else optimizer.init(p[rows], hyper)
        for rows, optimizer, hyper, _ in families
    ]
    whole = len(families) == 1 and type(families[0][0]) is slice  # no slicing
    floats = any(type(rows) is int for rows, *_ in families)
    lr_t = rates
    for plateau, plateau_rows, _ in plateaus:  # a plateau's rate, rewritten ahead at each cut
        rates[:, plateau_rows, 0] = plateau.lr
    cuts_seen = [0] * len(plateaus)
    taken = steps
    with np.errstate(all="ignore"):  # blow-ups are found below, not reported as warnings
        for t in range(steps):
            g_floats = None
            if fit_floats is not None:
                g_floats = fit_floats(p.tolist(), means[t].tolist() if mini_batches else None)
                grads[t] = g_floats
                g = grads[t]
            else:
                if mini_batches:
                    g = surface.grad_from_means(p, means[t])
                elif next_grad is not None:
                    g = next_grad
                else:
                    g = grad_fn(p)
                grads[t] = g
            if not isinstance(rates, float):
                lr_t = rates[t]
            if whole:
                _, optimizer, hyper, cycled = families[0]
                if cycled is not None:
                    hyper = cycled.hyper_at(hyper, t)
                moves[t], states[0] = optimizer.update(g, states[0], lr_t, hyper)
            else:
                if floats:
                    g_floats = g.tolist() if g_floats is None else g_floats
                    lr_floats = None if isinstance(lr_t, float) else lr_t[:, 0].tolist()
                for k, (rows, optimizer, hyper, cycled) in enumerate(families):
                    if cycled is not None:
                        hyper = cycled.hyper_at(hyper, t)
                    if type(rows) is int:  # one run: each coordinate on floats
                        rate = lr_t if lr_floats is None else lr_floats[rows]
                        state = states[k]
                        move = [0.0, 0.0]
                        for i, gradient in enumerate(g_floats[rows]):
                            move[i], state[i] = optimizer.update(gradient, state[i], rate, hyper)
                        moves[t, rows] = move
                    else:
                        rate = lr_t if isinstance(lr_t, float) else lr_t[rows]
                        moves[t, rows], states[k] = optimizer.update(g[rows], states[k], rate, hyper)
            p = np.add(p, moves[t], out=params[t + 1])
            if value_grad_fn is not None:
                loss_now, next_grad = value_grad_fn(p)
            for k, (plateau, plateau_rows, length) in enumerate(plateaus):
                if (t + 1) % length == 0:  # the full-data loss after each of its epochs
                    if value_grad_fn is not None:
                        plateau.step(loss_now[plateau_rows])
                    elif fit_floats is not None:
                        plateau.step(surface.losses_on_floats(p[plateau_rows].tolist()))
                    else:
                        plateau.step(value_fn(p[plateau_rows]))
                    if plateau.reductions != cuts_seen[k]:
                        cuts_seen[k] = plateau.reductions
                        rates[t + 1 :, plateau_rows, 0] = plateau.lr
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
        if not mini_batches:  # the gradient at p_{t+1} is the one update t+1 used
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
                overshot[:end, cols], diverged[cols], grad_fn, mini_batches,
            )  # fmt: skip
    overshoot_counts = np.count_nonzero(counted, axis=0)

    # Each run's arrays are read-only views into the group's arrays: no per-run copies.
    rates = np.broadcast_to(rates, (taken, runs, 1)) if isinstance(rates, float) else rates
    lr = rates[:taken, :, 0]
    # each epoch length's epoch index of every update, shared by its runs
    epochs = {int(length): np.arange(taken) // length for length in np.unique(per_epoch)}
    for array in (params, loss, grads, lr, *epochs.values()):
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
                epoch=epochs[int(per_epoch[r])][:k],
                outcome=outcomes[r],
                overshoots=int(overshoot_counts[r]),
                diverged_at=int(first_bad[r]) if diverged[r] else None,
                steps_per_epoch=int(per_epoch[r]),
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
