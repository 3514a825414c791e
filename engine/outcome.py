"""Diagnosis: what a run did, in the lecture's words. Each label is a promise about where the
run ended, so each rule below says what must be true there.

Notation: a run of k updates from p_0 to p_k; L is the full-data loss, ∇L its gradient and H
its Hessian (∇²L); f* is the surface's global minimum value. The window gives the scales
(`window_scales`, on a grid over it): diag its diagonal, L_lo and L_hi its lowest and highest
loss, the spread ΔL = L_hi − L_lo, and its typical slope G, the root-mean-square gradient.

Words the rules use, at the final point p_k:

- *settled*: the run has come to rest at a stationary point: the gradient is small on the
  surface's scale, |∇L(p_k)| <= SETTLED · G, and Newton's method for ∇L = 0 started at p_k
  (NEWTON_STEPS steps p ← p − H⁻¹∇L) reaches a stationary point q, |∇L(q)| <= STATIONARY · G,
  a few pixels away at most, |q − p_k| <= SETTLED · diag. The second test tells a rest from
  a crawl along a flat valley floor, where the gradient is small but the floor goes on
  (Rosenbrock's banana valley, or a run far out where Beale's plateau flattens), and lets a
  sharp dimple's floor count as a rest though its gradient is not tiny. (The gradient is not
  also compared with the start's: a run that starts beside a minimum has no gradient to
  shrink, and Newton's test already tells where it is.)
- *minimum-shaped* / *saddle-shaped*: at q, the Hessian's smallest eigenvalue λ_min is above
  CURVED · G / diag (it curves up every way) / below −CURVED · G / diag (some way goes down:
  a saddle point, or, rarer, a hilltop). Where it is *flat*, neither (x³ + y³, −x⁴ − y⁴ or
  x⁴ + y⁴ at the origin), the loss one visible move from q in PROBES directions decides: if
  any of them lies lower (by more than ROUNDING of ΔL) it is saddle-shaped, else
  minimum-shaped.
- *beside a global minimiser*: the nearest listed minimiser is a global one and lies within
  NEAR · diag.
- *as deep as the global minimum*: L(q) is within SAME_VALUE · ΔL of f* or below it. For a
  settled run, that is a global minimum the surface does not list (a formula's periodic
  minima outside its window, a flat valley floor).

The rules, in this order:

1. ``diverged``: the loss at some iterate stopped being finite, rose above f* by more than
   DIVERGENCE_FACTOR (engine.limits) times L_hi − f*, or fell below L_lo by more than
   DIVERGENCE_FACTOR · ΔL (a formula unbounded below, such as x² − y², whose loss falls
   without end); ``diverged_at`` is that iterate's index (engine.simulate's
   divergence_limit and divergence_floor).
2. ``converged``: the run ended at a global minimum: minimum-shaped, and settled beside a
   global minimiser or as deep as the global minimum; or a mini-batch run at its noise floor
   beside a global minimiser. A mini-batch run never settles but keeps jittering around the
   minimum at a floor set by its rate and batch, so it counts once
   L_tail - f* <= CONVERGED_GAP · (L(p_0) - f*), where L_tail is the lowest loss among the
   last TAIL of the iterates (at least 4), rather than being judged by where the last noisy
   step happened to land.
3. ``overshooting``: not converged, in the last TAIL of the run (at least 4 updates) at least
   a quarter of the updates overshot (see below), and it is still moving: one of its last
   RECENT updates is visible. It is still zig-zagging across the valley. (A run whose
   schedule has lowered the rate until it came to rest, like a cyclical rate back at its
   base, is judged by the rules below instead, even though it overshot a moment earlier.)
4. ``saddle``: settled where the surface is saddle-shaped: the gradient is zero but it is not
   a minimum (six-hump camel from (0, 0), Beale from (0, 1), x² − y² from (0, 0)). Any
   nudge would send it downhill; plain gradient descent, given none, stays.
5. ``local_minimum``: settled where the surface is minimum-shaped, but not converged: neither
   beside a global minimiser nor as deep as the global minimum, so a minimum that is not
   global (the pothole, a dimple of the egg crate, one of the camel's side humps).
6. ``slow``: none of these: still making its way down when the steps ran out (too slow),
   including a loss still falling without bound that has not yet left the bounds of rule 1.

An update p_t -> p_{t+1} *overshoots* when it jumps past the lowest point along its own
direction, ∇L(p_{t+1}) · (p_{t+1} - p_t) > 0, and the jump is visible, |p_{t+1} - p_t| >
VISIBLE * diag. On a quadratic ½ pᵀAp, plain gradient descent's step overshoots when
Σᵢ λᵢ² cᵢ² (lr λᵢ − 1) > 0, with cᵢ the iterate's components along the curvatures λᵢ: never
while lr < 1/λmax, and once lr is past 1/λ for the curvatures that dominate the step.
``overshoots`` counts them over the whole run (the updates kept, for a diverged run), so a
run can converge after overshooting.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

OUTCOMES = ("converged", "overshooting", "diverged", "local_minimum", "slow", "saddle")

CONVERGED_GAP = 1e-3
NEAR = 0.05
TAIL = 0.1
SETTLED = 1e-2
STATIONARY = 1e-6
NEWTON_STEPS = 20
CURVED = 1e-6
SAME_VALUE = 1e-6
ROUNDING = 1e-12
VISIBLE = 1e-3
RECENT = 4
# Points per axis of the grid over the window that measures its scales.
SCALE_GRID = 41
# Directions in which a flat point is probed for a way down.
PROBES = 8


def diagnose(
    *,
    params: np.ndarray,
    loss: np.ndarray,
    overshoots: np.ndarray,
    final_grad_norm: float,
    surface,
    diverged: bool,
    noisy: bool = False,
    final_grad: np.ndarray | None = None,
) -> str:
    """The outcome label of one run (rules in the module docstring).

    params (k+1, 2) and loss (k+1,) are the run's iterates, overshoots (k,) its flags; noisy
    says it took mini-batch steps. final_grad, ∇L(p_k), defaults to the surface's gradient.
    """
    params = np.asarray(params, dtype=float)
    loss = np.asarray(loss, dtype=float)
    return diagnose_many(
        final_params=params[-1:],
        recent_move=recent_move(params[:, None, :]),
        first_loss=loss[:1],
        tail_loss=loss[-tail_iterates(len(loss) - 1) :].min(keepdims=True),
        overshoots=np.asarray(overshoots, dtype=bool)[None],
        final_grad_norm=np.array([final_grad_norm], dtype=float),
        surface=surface,
        diverged=np.array([diverged]),
        noisy=noisy,
        final_grad=None if final_grad is None else np.asarray(final_grad, dtype=float)[None],
    )[0]


def diagnose_many(
    *,
    final_params: np.ndarray,
    recent_move: np.ndarray,
    first_loss: np.ndarray,
    tail_loss: np.ndarray,
    overshoots: np.ndarray,
    final_grad_norm: np.ndarray,
    surface,
    diverged: np.ndarray,
    noisy: np.ndarray | bool = False,
    final_grad: np.ndarray | None = None,
) -> list[str]:
    """The outcome labels of R runs of k updates each, at once (rules in the module docstring).

    final_params (R, 2); recent_move (R,), the length of the longest of the last RECENT
    updates (`recent_move`); first_loss (L(p_0)) and tail_loss, the lowest loss among the
    last tail_iterates(k) iterates; final_grad_norm, diverged and noisy (mini-batch steps)
    (R,); overshoots (R, k) flags; final_grad (R, 2), the full-data ∇L(p_k), by default the
    surface's. A diverged run's other entries are never read, so they may hold anything
    (even NaN).
    """
    (x0, x1), (y0, y1) = surface.window
    diagonal = float(np.hypot(x1 - x0, y1 - y0))
    best = surface.global_minimum.value
    lowest, highest, slope = window_scales(surface)
    spread = max(highest - lowest, 1e-300)
    final = np.asarray(final_params, dtype=float)

    with np.errstate(all="ignore"):  # diverged runs may hold inf or NaN: never read
        g = surface.grad(final) if final_grad is None else np.asarray(final_grad, dtype=float)
        # Newton's method only where the gradient is small already: the other runs are moving.
        stationary = final.copy()
        candidates = (final_grad_norm <= SETTLED * slope) & ~np.asarray(diverged)
        if np.any(candidates):
            stationary[candidates] = _newton(
                surface, final[candidates], g[candidates], ROUNDING * diagonal
            )
        gap = stationary - final
        settled = (
            candidates
            & (np.hypot(gap[:, 0], gap[:, 1]) <= SETTLED * diagonal)
            & (np.hypot(*surface.grad(stationary).T) <= STATIONARY * slope)
        )
        lowest_curvature = _smallest_eigenvalue(_hessian(surface, stationary))
        saddle_shaped = lowest_curvature < -CURVED * slope / diagonal
        flat = settled & ~saddle_shaped & ~(lowest_curvature > CURVED * slope / diagonal)
        if np.any(flat):
            saddle_shaped[flat] = _way_down(surface, stationary[flat], VISIBLE * diagonal, spread)
        minimum_shaped = ~saddle_shaped

        distance, nearest_is_global = _nearest_minimiser(surface, final)
        beside_global = (distance <= NEAR * diagonal) & nearest_is_global
        as_deep = surface.value(stationary) <= best + SAME_VALUE * spread
        noise_floor = np.asarray(noisy) & (
            tail_loss - best <= CONVERGED_GAP * np.maximum(first_loss - best, 0.0)
        )
        converged = minimum_shaped & (
            (settled & (beside_global | as_deep)) | (noise_floor & beside_global)
        )
        steps = overshoots.shape[1]
        tail = _tail(steps)
        zigzag = np.count_nonzero(overshoots[:, -tail:], axis=1) * 4 >= min(tail, steps)
        zigzag &= steps > 0
        zigzag &= recent_move > VISIBLE * diagonal
        saddle = settled & saddle_shaped
        stuck = settled & minimum_shaped
    labels = np.select(
        [diverged, converged, zigzag, saddle, stuck],
        ["diverged", "converged", "overshooting", "saddle", "local_minimum"],
        default="slow",
    )
    return labels.tolist()


@lru_cache(maxsize=128)
def window_scales(surface) -> tuple[float, float, float]:
    """The lowest and highest loss and the root-mean-square gradient norm on a SCALE_GRID ×
    SCALE_GRID grid over the window."""
    (x0, x1), (y0, y1) = surface.window
    axes = np.linspace(x0, x1, SCALE_GRID), np.linspace(y0, y1, SCALE_GRID)
    grid = np.stack(np.meshgrid(*axes), axis=-1)
    values, grads = surface.value(grid), surface.grad(grid)
    # Scaled by the largest norm: a steep formula's squares (1e300² on 0.001**x) overflow.
    norms = np.hypot(grads[..., 0], grads[..., 1])
    top = float(np.max(norms))
    if not np.isfinite(top):
        return float(np.min(values)), float(np.max(values)), float(np.finfo(float).max)
    rms = top * float(np.sqrt(np.mean((norms / top) ** 2))) if top > 0 else 0.0
    return float(np.min(values)), float(np.max(values)), max(rms, 1e-300)


def _way_down(surface, points: np.ndarray, radius: float, spread: float) -> np.ndarray:
    """Whether the loss one radius away, in any of PROBES directions, lies lower (rows (R,))."""
    angles = 2 * np.pi * np.arange(PROBES) / PROBES
    ring = radius * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    around = surface.value(points[:, None, :] + ring[None, :, :])
    here = surface.value(points)
    return np.any(around < (here - ROUNDING * (np.abs(here) + spread))[:, None], axis=1)


def _hessian(surface, points: np.ndarray) -> np.ndarray:
    """H at points (R, 2): the surface's own, else central differences of its gradient."""
    if hasattr(surface, "hessian"):
        return np.asarray(surface.hessian(points), dtype=float)
    (x0, x1), (y0, y1) = surface.window
    h = 1e-5 * np.array([x1 - x0, y1 - y0])
    columns = [
        (surface.grad(points + h[i] * np.eye(2)[i]) - surface.grad(points - h[i] * np.eye(2)[i]))
        / (2 * h[i])
        for i in range(2)
    ]
    out = np.stack(columns, axis=-1)
    return 0.5 * (out + np.swapaxes(out, -1, -2))


def _newton(surface, points: np.ndarray, grad: np.ndarray, tolerance: float) -> np.ndarray:
    """Up to NEWTON_STEPS of Newton's method for ∇L = 0 from each point (R, 2), until no step
    is longer than tolerance: it converges to the nearest stationary point of any kind. A row
    whose Hessian is singular stays put."""
    p, g = points, grad
    for _ in range(NEWTON_STEPS):
        step = _solve(_hessian(surface, p), g)
        usable = np.all(np.isfinite(step), axis=-1, keepdims=True)
        p = np.where(usable, p - step, p)
        if not np.any(usable & (np.abs(step) > tolerance)):  # every row has stopped moving
            break
        g = surface.grad(p)
    return p


def _smallest_eigenvalue(h: np.ndarray) -> np.ndarray:
    """λ_min of symmetric 2×2 matrices (R, 2, 2)."""
    a, b, c = h[:, 0, 0], h[:, 0, 1], h[:, 1, 1]
    return 0.5 * (a + c) - np.hypot(0.5 * (a - c), b)


def _solve(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """H⁻¹g row by row (inf or NaN where H is singular)."""
    a, b, c = h[:, 0, 0], h[:, 0, 1], h[:, 1, 1]
    det = a * c - b * b
    out = np.empty_like(g)
    out[:, 0] = (c * g[:, 0] - b * g[:, 1]) / det
    out[:, 1] = (a * g[:, 1] - b * g[:, 0]) / det
    return out


def _nearest_minimiser(surface, final: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to the nearest listed minimiser, and whether that one is global."""
    points = np.array([m.point for m in surface.minima], dtype=float).reshape(-1, 2)
    is_global = np.array([m.is_global for m in surface.minima])
    gaps = final[:, None, :] - points[None, :, :]
    distances = np.hypot(gaps[..., 0], gaps[..., 1])
    nearest = np.argmin(np.where(np.isnan(distances), np.inf, distances), axis=1)
    return distances[np.arange(len(final)), nearest], is_global[nearest]


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
