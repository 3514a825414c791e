"""Diagnosis: what a run did, in the lecture's words.

The rules, applied in this order to a run of k updates from p_0 to p_k, with f* the surface's
global minimum value, L the full-data loss and ∇L its gradient, and diag the window's diagonal:

1. ``diverged``: the loss at some iterate stopped being finite or exceeded the highest loss in
   the window by DIVERGENCE_FACTOR (engine.limits); ``diverged_at`` is that iterate's index.
2. ``converged``: the run removed all but CONVERGED_GAP of its initial excess loss,
   (L(p_k) - f*) <= CONVERGED_GAP * (L(p_0) - f*), and ended within NEAR * diag of a global
   minimiser.
3. ``overshooting``: not converged, in the last TAIL of the run at least a quarter of the
   updates overshot (see below), and the last update is still visible: it is still
   zig-zagging across the valley. (A run whose schedule has lowered the rate until it came to
   rest, like a cyclical rate back at its base, is judged by the rules below instead, even
   though it overshot a moment earlier.)
4. ``local_minimum``: not converged and at rest where the loss is not lowest: the gradient
   has shrunk to STATIONARY of its starting size (a true stationary point, not a crawl), or
   the run ended within NEAR * diag of a listed minimiser that is not global.
5. ``slow``: none of these: still making its way down when the steps ran out (too slow).

An update p_t -> p_{t+1} *overshoots* when it jumps past the lowest point along its own
direction, ∇L(p_{t+1}) · (p_{t+1} - p_t) > 0, and the jump is visible, |p_{t+1} - p_t| >
VISIBLE * diag. On a quadratic, plain gradient descent overshoots exactly when lr > 1/λ for
some curvature λ the path still has a component along. ``overshoots`` counts them over the
whole run, so a run can converge after overshooting.
"""

from __future__ import annotations

import numpy as np

OUTCOMES = ("converged", "overshooting", "diverged", "local_minimum", "slow")

CONVERGED_GAP = 1e-3
NEAR = 0.05
TAIL = 0.1
STATIONARY = 1e-6
VISIBLE = 1e-3


def diagnose(
    *,
    params: np.ndarray,
    loss: np.ndarray,
    overshoots: np.ndarray,
    start_grad_norm: float,
    final_grad_norm: float,
    surface,
    diverged: bool,
) -> str:
    """The outcome label of one run (rules in the module docstring).

    params (k+1, 2) and loss (k+1,) are the run's iterates, overshoots (k,) its flags.
    """
    params = np.asarray(params, dtype=float)
    return diagnose_many(
        final_params=params[-1:],
        last_move=(params[-1:] - params[-2:-1]) if len(params) > 1 else np.zeros((1, 2)),
        first_loss=np.asarray(loss, dtype=float)[:1],
        final_loss=np.asarray(loss, dtype=float)[-1:],
        overshoots=np.asarray(overshoots, dtype=bool)[None],
        start_grad_norm=np.array([start_grad_norm], dtype=float),
        final_grad_norm=np.array([final_grad_norm], dtype=float),
        surface=surface,
        diverged=np.array([diverged]),
    )[0]


def diagnose_many(
    *,
    final_params: np.ndarray,
    last_move: np.ndarray,
    first_loss: np.ndarray,
    final_loss: np.ndarray,
    overshoots: np.ndarray,
    start_grad_norm: np.ndarray,
    final_grad_norm: np.ndarray,
    surface,
    diverged: np.ndarray,
) -> list[str]:
    """The outcome labels of R runs of k updates each, at once (rules in the module docstring).

    final_params (R, 2) and last_move (R, 2), which is p_k - p_{k-1}; first_loss, final_loss,
    the gradient norms and diverged (R,); overshoots (R, k) flags. A diverged run's other
    entries are never read, so they may hold anything (even NaN).
    """
    (x0, x1), (y0, y1) = surface.window
    diagonal = float(np.hypot(x1 - x0, y1 - y0))
    best = surface.global_minimum.value
    final = np.asarray(final_params, dtype=float)

    def distance_to(minima) -> np.ndarray:
        points = np.array([m.point for m in minima], dtype=float).reshape(-1, 2)
        if len(points) == 0:
            return np.full(len(final), np.inf)
        gaps = final[:, None, :] - points[None, :, :]
        return np.min(np.hypot(gaps[..., 0], gaps[..., 1]), axis=1)

    with np.errstate(invalid="ignore", over="ignore"):
        globals_ = [m for m in surface.minima if m.is_global]
        locals_ = [m for m in surface.minima if not m.is_global]
        initial_gap = np.maximum(first_loss - best, 0.0)
        final_gap = final_loss - best
        converged = (final_gap <= CONVERGED_GAP * initial_gap) & (
            distance_to(globals_) <= NEAR * diagonal
        )
        steps = overshoots.shape[1]
        tail = max(4, int(np.ceil(TAIL * steps)))
        zigzag = np.count_nonzero(overshoots[:, -tail:], axis=1) * 4 >= min(tail, steps)
        zigzag &= steps > 0
        zigzag &= np.hypot(last_move[:, 0], last_move[:, 1]) > VISIBLE * diagonal
        at_rest = final_grad_norm <= STATIONARY * start_grad_norm
        stuck = at_rest | (distance_to(locals_) <= NEAR * diagonal)
    labels = np.select(
        [diverged, converged, zigzag, stuck],
        ["diverged", "converged", "overshooting", "local_minimum"],
        default="slow",
    )
    return labels.tolist()
