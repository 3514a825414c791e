"""A lecturer's own loss surface: `custom_surface` turns a formula and a plotting window into
a `Surface` like the built-in ones.

Domain rule: f must be a finite number at every point of a `GRID_POINTS` × `GRID_POINTS`
grid over the window, or `custom_surface` refuses the formula, naming an offending point
and operation (``log`` of a non-positive number, ``sqrt`` of a negative number, division
by zero, a fractional power of a negative number, an overflowing ``exp``...). Outside the
window, where a diverging run may go, the compiled functions give NaN or ±inf and never
warn (engine.formula.compile).

The same grid seeds the search for minima (engine.formula.minima). When the window holds no
minimum, the lowest point of the grid is listed as the one "global" minimum: the lowest point
in the window, which the outcome labels need as their reference (polished downhill along the
edge, so an edge minimum such as that of log(x) on x ∈ [0.1, 3] is exact).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from engine.formula.compile import Formula, build_formula
from engine.formula.minima import GLOBAL_TOLERANCE, local_minima, lowest_grid_point, polish
from engine.formula.parse import parse_formula
from engine.formula.tree import FormulaError, apply_op, postorder, why_not_finite
from engine.formula.window import DEFAULT_WINDOW, Window, check_start, check_window
from engine.surfaces import Minimum, Surface

# Points per axis of the grid that checks the domain and seeds the minima search. 201 holds
# the 41-point grid engine.simulate scans for the divergence limit (200 = 5 · 40).
GRID_POINTS = 201
START_FRACTION = 0.75  # default start: this far from the lowest minimum to a window corner


def _explain_undefined(formula: Formula, point: np.ndarray) -> FormulaError:
    """The error for a formula that is not finite at point: which operation fails there."""
    x, y = float(point[0]), float(point[1])
    where = f"x={x:.6g}, y={y:.6g}"
    values: dict[int, float] = {}
    for node in postorder([formula.expr]):
        if node.op == "num":
            values[id(node)] = node.value
            continue
        if node.op == "var":
            values[id(node)] = x if node.name == "x" else y
            continue
        inputs = [values[id(a)] for a in node.args]
        result = apply_op(node.op, inputs)
        if not math.isfinite(result):  # its inputs are finite: children come first
            reason = why_not_finite(node.op, inputs)
            return FormulaError(
                f"f is not defined everywhere on the window (e.g. {reason} at {where}): "
                "change the window or the formula",
                formula.text.strip(),
                node.pos,
            )
        values[id(node)] = result
    return FormulaError(f"f is not a finite number at {where}: change the window or the formula")


def _default_start(formula: Formula, window: Window, target: tuple[float, float]):
    """START_FRACTION of the way from target to the farthest window corner where f is finite,
    rounded to a hundredth of the window."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    span = max(x_hi - x_lo, y_hi - y_lo)
    digits = -math.floor(math.log10(span / 100))
    corners = [(x, y) for x in (x_lo, x_hi) for y in (y_lo, y_hi)]
    corners.sort(key=lambda c: -math.hypot((c[0] - target[0]) / span, (c[1] - target[1]) / span))
    for corner in [*corners, target]:
        start = [t + START_FRACTION * (c - t) for t, c in zip(target, corner, strict=True)]
        start = [
            min(max(round(v, digits), lo), hi) for v, (lo, hi) in zip(start, window, strict=True)
        ]
        if np.isfinite(formula.value_fn(start)):
            return (float(start[0]), float(start[1]))
    return target


def custom_surface(
    text: str,
    window=DEFAULT_WINDOW,
    start: tuple[float, float] | None = None,
) -> Surface:
    """A `Surface` for the lecturer's formula f(x, y) on window ((x_lo, x_hi), (y_lo, y_hi)).

    Raises FormulaError (a ValueError) for a formula that is not allowed or not defined
    everywhere on the window, and ValueError naming the window or start when those are bad.
    Results are cached: the same arguments give the same Surface object.
    """
    parse_formula(text)  # the formula's own errors first
    window = check_window(window)
    if start is not None:
        start = check_start(start, window)
    return _custom_surface(text, window, start)


@lru_cache(maxsize=64)
def _custom_surface(text: str, window: Window, start: tuple[float, float] | None) -> Surface:
    formula = build_formula(text)
    (x_lo, x_hi), (y_lo, y_hi) = window
    xs = np.linspace(x_lo, x_hi, GRID_POINTS)
    ys = np.linspace(y_lo, y_hi, GRID_POINTS)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    values = formula.value_fn(grid)
    undefined = ~np.isfinite(values)
    if undefined.any():
        raise _explain_undefined(formula, grid.reshape(-1, 2)[np.argmax(undefined.ravel())])

    found = local_minima(formula, window, grid, values)
    where = f"x ∈ [{x_lo:g}, {x_hi:g}], y ∈ [{y_lo:g}, {y_hi:g}]"
    if found:
        best = found[0][1]
        tolerance = GLOBAL_TOLERANCE * (1.0 + abs(best))
        minima = tuple(Minimum(point, value, value <= best + tolerance) for point, value in found)
        count = f"{len(minima)} minim{'um' if len(minima) == 1 else 'a'}"
        description = f"Your own surface on {where}: {count} found by Newton's method."
        if values.min() < best - tolerance:
            description += " The window's edge lies lower than any minimum inside it."
    else:
        point = lowest_grid_point(grid, values, window)
        # Slide it to the lowest point nearby (along an edge, say), never uphill.
        polished = polish(formula, np.array([point]), window)[0]
        if formula.value_fn(polished) <= formula.value_fn(point):
            point = (float(polished[0]), float(polished[1]))
        minima = (Minimum(point, float(formula.value_fn(point)), True),)
        description = (
            f"Your own surface on {where}: it has no minimum inside the window, so the marked "
            "point is the lowest point in the window."
        )
    if start is None:
        start = _default_start(formula, window, minima[0].point)
    return Surface(
        name="custom",
        title="Your formula",
        description=description,
        formula=f"f(x, y) = {formula.pretty}",
        window=window,
        minima=minima,
        default_start=start,
        value_fn=formula.value_fn,
        grad_fn=formula.grad_fn,
        hessian_fn=formula.hessian_fn,
    )
