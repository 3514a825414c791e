"""Diagnosis: what a run did, in the lecture's words.

The rules, applied in this order to a run of k updates from p_0 to p_k, with f* the surface's
global minimum value, L the full-data loss and ∇L its gradient, and diag the window's diagonal:

1. ``diverged``: the loss at some iterate stopped being finite or exceeded the highest loss in
   the window by DIVERGENCE_FACTOR (engine.limits); ``diverged_at`` is that iterate's index.
2. ``converged``: the run removed all but CONVERGED_GAP of its initial excess loss,
   (L(p_k) - f*) <= CONVERGED_GAP * (L(p_0) - f*), and ended within NEAR * diag of a global
   minimiser.
3. ``overshooting``: not converged, and in the last TAIL of the run at least a quarter of the
   updates overshot (see below): it is still zig-zagging across the valley.
4. ``local_minimum``: not converged and at rest where the loss is not lowest: the gradient
   has shrunk to STATIONARY of its starting size (a true stationary point, not a crawl), or the run ended within NEAR * diag of a
   listed minimiser that is not global.
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
    """The outcome label of one run (rules in the module docstring)."""
    if diverged:
        return "diverged"
    (x0, x1), (y0, y1) = surface.window
    diagonal = float(np.hypot(x1 - x0, y1 - y0))
    best = surface.global_minimum.value
    final = params[-1]

    def distance_to(minima) -> float:
        points = np.array([m.point for m in minima], dtype=float).reshape(-1, 2)
        if len(points) == 0:
            return np.inf
        return float(np.min(np.hypot(*(points - final).T)))

    globals_ = [m for m in surface.minima if m.is_global]
    locals_ = [m for m in surface.minima if not m.is_global]
    initial_gap = max(float(loss[0] - best), 0.0)
    final_gap = float(loss[-1] - best)
    if final_gap <= CONVERGED_GAP * initial_gap and distance_to(globals_) <= NEAR * diagonal:
        return "converged"
    steps = len(overshoots)
    tail = max(4, int(np.ceil(TAIL * steps)))
    if steps and np.count_nonzero(overshoots[-tail:]) * 4 >= min(tail, steps):
        return "overshooting"
    at_rest = final_grad_norm <= STATIONARY * start_grad_norm
    if at_rest or distance_to(locals_) <= NEAR * diagonal:
        return "local_minimum"
    return "slow"
