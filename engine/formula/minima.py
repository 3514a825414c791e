"""The minima of a lecturer's formula in its window, found by damped Newton's method.

Every grid point no higher than its eight neighbours seeds a damped Newton polish (Newton's
step where the Hessian is positive definite; elsewhere the Hessian's eigenvalues are replaced
by their absolute values, so the step still goes downhill; a backtracking line search keeps
every step inside the window). A polished point is a minimum if its Hessian is positive
definite and the Newton step from it is negligible; duplicates merge, and minima within
`GLOBAL_TOLERANCE` of the lowest are global. Seeding from the fine grid finds every basin
wider than a grid cell, which a coarse seed grid would miss. When no minimum exists in the
window (a plane, a saddle, a flat valley floor), `lowest_grid_point` gives the grid's lowest
point, for engine.formula.surface to polish downhill.
"""

from __future__ import annotations

import numpy as np

from engine.formula.compile import Formula
from engine.formula.window import Window

MAX_SEEDS = 200  # lowest grid-local minima polished (Rastrigin-like formulas have ~100)
POLISH_ITERATIONS = 100
GLOBAL_TOLERANCE = 1e-9  # relative: minima within this of the lowest are global


def _eigenvalues(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest eigenvalue of symmetric 2×2 matrices h (..., 2, 2)."""
    a, b, c = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
    mean, radius = 0.5 * (a + c), np.hypot(0.5 * (a - c), b)
    return mean - radius, mean + radius


def _solve(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """h⁻¹ g for 2×2 matrices, row by row (inf or NaN where h is singular)."""
    a, b, c = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
    det = a * c - b * b
    out = np.empty_like(g)
    out[..., 0] = (c * g[..., 0] - b * g[..., 1]) / det
    out[..., 1] = (a * g[..., 1] - b * g[..., 0]) / det
    return out


def _descent_step(g: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newton's step −H⁻¹g for each row, with H's eigenvalues made positive (|λ|, at least a
    hair) where it is not positive definite, so the step always goes downhill and each
    direction keeps its own curvature; also whether the step is Newton's own."""
    usable = np.all(np.isfinite(h), axis=(-2, -1)) & np.all(np.isfinite(g), axis=-1)
    h = np.where(usable[:, None, None], h, np.eye(2))
    curvatures, axes = np.linalg.eigh(h)
    floor = 1e-10 * np.max(np.abs(curvatures), axis=-1, keepdims=True) + 1e-300
    along = np.einsum("kji,kj->ki", axes, np.where(usable[:, None], g, 0.0))
    step = -np.einsum("kij,kj->ki", axes, along / np.maximum(np.abs(curvatures), floor))
    step[~np.isfinite(step)] = 0.0
    return step, usable & (curvatures[:, 0] > 0)


def polish(formula: Formula, seeds: np.ndarray, window: Window) -> np.ndarray:
    """Damped Newton from every seed at once, each kept inside the window."""
    low = np.array([window[0][0], window[1][0]])
    high = np.array([window[0][1], window[1][1]])
    span = high - low
    trials = 0.5 ** np.arange(40)  # backtracking step fractions 1, ½, ¼, ...
    p = seeds.copy()
    if len(p) == 0:
        return p
    rows = np.arange(len(p))
    with np.errstate(all="ignore"):
        for _ in range(POLISH_ITERATIONS):
            f0, g, h = formula.value_fn(p), formula.grad_fn(p), formula.hessian_fn(p)
            step, newton = _descent_step(g, h)
            # At most a quarter of the window per iteration.
            scale = np.minimum(1.0, np.min(0.25 * span / np.maximum(np.abs(step), 1e-300), axis=-1))
            step *= scale[:, None]
            candidates = np.clip(p + trials[:, None, None] * step, low, high)
            f1 = formula.value_fn(candidates)
            slope = np.sum(g * (candidates - p), axis=-1)
            accept = np.isfinite(f1) & (slope < 0) & (f1 <= f0 + 1e-4 * slope)
            # Beside a minimum rounding hides the decrease: take the full Newton step.
            near = newton & (scale == 1.0) & (np.max(np.abs(step) / span, axis=-1) < 1e-6)
            accept[0] |= near
            moves = accept.any(axis=0)
            first = np.argmax(accept, axis=0)
            new = np.where(moves[:, None], candidates[first, rows], p)
            moved = np.max(np.abs(new - p) / span)
            p = new
            if not moved > 1e-15:
                break
    return p


def local_minima(
    formula: Formula, window: Window, grid: np.ndarray, values: np.ndarray
) -> list[tuple[tuple[float, float], float]]:
    """(point, value) of each minimum in the window, lowest first."""
    rows, cols = values.shape
    padded = np.pad(values, 1, constant_values=np.inf)
    lowest_around = np.ones(values.shape, dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                lowest_around &= values <= padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]
    candidates = np.flatnonzero(lowest_around)
    candidates = candidates[np.argsort(values.ravel()[candidates], kind="stable")[:MAX_SEEDS]]
    p = polish(formula, grid.reshape(-1, 2)[candidates], window)

    span = np.array([window[0][1] - window[0][0], window[1][1] - window[1][0]])
    f, g, h = formula.value_fn(p), formula.grad_fn(p), formula.hessian_fn(p)
    with np.errstate(all="ignore"):  # a Hessian of inf/NaN entries (a pole on the window's edge)
        lowest, _ = _eigenvalues(h)
        newton_step = np.max(np.abs(_solve(h, g)) / span, axis=-1)
    is_minimum = np.isfinite(f) & (lowest > 0) & (newton_step < 1e-8)

    found: list[tuple[tuple[float, float], float]] = []
    for i in np.argsort(np.where(is_minimum, f, np.inf), kind="stable"):
        if not is_minimum[i]:
            break
        point = p[i]
        if all(np.max(np.abs(point - q) / span) > 1e-6 for q, _ in found):
            found.append(((float(point[0]), float(point[1])), float(f[i])))
    return found


def lowest_grid_point(grid: np.ndarray, values: np.ndarray, window: Window) -> tuple[float, float]:
    """The lowest grid point; among ties (a flat valley floor), the one nearest the centre."""
    flat_values, points = values.ravel(), grid.reshape(-1, 2)
    best = flat_values.min()
    ties = np.flatnonzero(flat_values <= best + GLOBAL_TOLERANCE * (1 + abs(best)))
    centre = np.array([sum(window[0]) / 2, sum(window[1]) / 2])
    span = np.array([window[0][1] - window[0][0], window[1][1] - window[1][0]])
    nearest = ties[np.argmin(np.sum(((points[ties] - centre) / span) ** 2, axis=-1))]
    return (float(points[nearest, 0]), float(points[nearest, 1]))
