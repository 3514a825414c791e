"""Diagnosis: what a run did, in the lecture's words.

The rules, applied in this order to a run of k updates from p_0 to p_k, with f* the surface's
global minimum value, L the full-data loss and ∇L its gradient, and diag the window's diagonal:

1. ``diverged``: the loss at some iterate stopped being finite or exceeded the highest loss in
   the window by DIVERGENCE_FACTOR (engine.limits); ``diverged_at`` is that iterate's index.
2. ``converged``: the run removed all but CONVERGED_GAP of its initial excess loss,
   (L_tail - f*) <= CONVERGED_GAP * (L(p_0) - f*), and ended within NEAR * diag of a global
   minimiser. L_tail is the lowest loss among the last TAIL of the iterates (at least 4): for
   a run whose loss falls steadily that is L(p_k), while a mini-batch run, which never settles
   but keeps jittering around the minimum at a noise floor set by its rate and batch, counts
   as converged once it has reached that floor, rather than being judged by where the last
   noisy step happened to land. A run whose final iterate itself has removed that much of its
   excess loss is converged wherever it ended: it found an equally deep minimum the surface
   does not list (a formula's periodic minima outside its window, say).
3. ``overshooting``: not converged, in the last TAIL of the run (at least 4 updates) at least
   a quarter of the updates overshot (see below), and it is still moving: one of its last
   RECENT updates is visible. It is still zig-zagging across the valley. (A run whose
   schedule has lowered the rate until it came to rest, like a cyclical rate back at its
   base, is judged by the rules below instead, even though it overshot a moment earlier.)
4. ``local_minimum``: not converged and at rest where the loss is not lowest: the gradient
   has shrunk to STATIONARY of its starting size (a true stationary point, not a crawl), or
   the run ended within NEAR * diag of a listed minimiser that is not global.
5. ``slow``: none of these: still making its way down when the steps ran out (too slow).

An update p_t -> p_{t+1} *overshoots* when it jumps past the lowest point along its own
direction, ∇L(p_{t+1}) · (p_{t+1} - p_t) > 0, and the jump is visible, |p_{t+1} - p_t| >
VISIBLE * diag. On a quadratic ½ pᵀAp, plain gradient descent's step overshoots when
Σᵢ λᵢ² cᵢ² (lr λᵢ − 1) > 0, with cᵢ the iterate's components along the curvatures λᵢ: never
while lr < 1/λmax, and once lr is past 1/λ for the curvatures that dominate the step.
``overshoots`` counts them over the whole run (the updates kept, for a diverged run), so a
run can converge after overshooting.
"""

from __future__ import annotations

import numpy as np

OUTCOMES = ("converged", "overshooting", "diverged", "local_minimum", "slow")

CONVERGED_GAP = 1e-3
NEAR = 0.05
TAIL = 0.1
STATIONARY = 1e-6
VISIBLE = 1e-3
RECENT = 4


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
    loss = np.asarray(loss, dtype=float)
    return diagnose_many(
        final_params=params[-1:],
        recent_move=recent_move(params[:, None, :]),
        first_loss=loss[:1],
        tail_loss=loss[-tail_iterates(len(loss) - 1) :].min(keepdims=True),
        overshoots=np.asarray(overshoots, dtype=bool)[None],
        start_grad_norm=np.array([start_grad_norm], dtype=float),
        final_grad_norm=np.array([final_grad_norm], dtype=float),
        surface=surface,
        diverged=np.array([diverged]),
    )[0]


def diagnose_many(
    *,
    final_params: np.ndarray,
    recent_move: np.ndarray,
    first_loss: np.ndarray,
    tail_loss: np.ndarray,
    overshoots: np.ndarray,
    start_grad_norm: np.ndarray,
    final_grad_norm: np.ndarray,
    surface,
    diverged: np.ndarray,
    final_loss: np.ndarray | None = None,
) -> list[str]:
    """The outcome labels of R runs of k updates each, at once (rules in the module docstring).

    final_params (R, 2); recent_move (R,), the length of the longest of the last RECENT
    updates (`recent_move`); first_loss (L(p_0)); tail_loss, the lowest loss among the last
    tail_iterates(k) iterates; the gradient norms and diverged (R,); overshoots (R, k) flags. A diverged run's other entries are never
    read, so they may hold anything (even NaN).
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
        tail_gap = tail_loss - best
        converged = (tail_gap <= CONVERGED_GAP * initial_gap) & (
            distance_to(globals_) <= NEAR * diagonal
        )
        if final_loss is not None:
            converged |= final_loss - best <= CONVERGED_GAP * initial_gap
        steps = overshoots.shape[1]
        tail = _tail(steps)
        zigzag = np.count_nonzero(overshoots[:, -tail:], axis=1) * 4 >= min(tail, steps)
        zigzag &= steps > 0
        zigzag &= recent_move > VISIBLE * diagonal
        at_rest = final_grad_norm <= STATIONARY * start_grad_norm
        stuck = at_rest | (distance_to(locals_) <= NEAR * diagonal)
    labels = np.select(
        [diverged, converged, zigzag, stuck],
        ["diverged", "converged", "overshooting", "local_minimum"],
        default="slow",
    )
    return labels.tolist()


def _tail(steps: int) -> int:
    """How many of a run's last updates (or iterates) make up its tail: TAIL of them, at least 4."""
    return max(4, int(np.ceil(TAIL * steps)))


def tail_iterates(steps: int) -> int:
    """How many of the last iterates of a run of `steps` updates tail_loss looks at."""
    return min(_tail(steps), steps + 1)


def recent_move(params: np.ndarray) -> np.ndarray:
    """Length of the longest of the last RECENT updates of each run: params (k+1, R, 2) -> (R,).

    0 for a run of no updates. One update is not enough: momentum and Adam slow to a near
    stop at every turn of a zig-zag.
    """
    moves = np.diff(params[-(RECENT + 1) :], axis=0)
    if len(moves) == 0:
        return np.zeros(params.shape[1])
    return np.max(np.hypot(moves[..., 0], moves[..., 1]), axis=0)
