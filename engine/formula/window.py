"""The plotting window of a lecturer's surface, ((x_lo, x_hi), (y_lo, y_hi)): its limits and
the checks of a window and of a start point on it, each error naming what is wrong.
"""

from __future__ import annotations

import math
from numbers import Real

from engine.formula.tree import VARIABLES

Window = tuple[tuple[float, float], tuple[float, float]]

MAX_WINDOW_BOUND = 1e4  # |window bounds| at most this
MIN_WINDOW_SPAN = 1e-3  # each axis of the window at least this wide...
MAX_WINDOW_SPAN = 1e4  # ...and at most this wide
DEFAULT_WINDOW: Window = ((-3.0, 3.0), (-3.0, 3.0))


def check_window(window) -> Window:
    """window as two (low, high) pairs of floats, or ValueError naming the axis and the fault."""
    try:
        (x_lo, x_hi), (y_lo, y_hi) = window
    except (TypeError, ValueError):
        raise ValueError(
            f"window must be ((x_low, x_high), (y_low, y_high)), got {window!r}"
        ) from None
    checked = []
    for axis, (lo, hi) in zip(VARIABLES, ((x_lo, x_hi), (y_lo, y_hi)), strict=True):
        label = f"window {axis} range ({lo!r}, {hi!r})"
        if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (lo, hi)):
            raise ValueError(f"{label} must be two numbers")
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{label} must be finite")
        if max(abs(lo), abs(hi)) > MAX_WINDOW_BOUND:
            raise ValueError(f"{label} must lie within ±{MAX_WINDOW_BOUND:g}")
        if not lo < hi:
            raise ValueError(f"{label} is empty: its low end must be below its high end")
        if not MIN_WINDOW_SPAN <= hi - lo <= MAX_WINDOW_SPAN:
            raise ValueError(
                f"{label} must be between {MIN_WINDOW_SPAN:g} and {MAX_WINDOW_SPAN:g} wide"
            )
        checked.append((lo, hi))
    return (checked[0], checked[1])


def check_start(start, window: Window) -> tuple[float, float]:
    """start as a point (x, y) of floats on window, or ValueError saying why not."""
    try:
        x, y = start
    except (TypeError, ValueError):
        raise ValueError(f"start must be a point (x, y), got {start!r}") from None
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (x, y)):
        raise ValueError(f"start {start!r} must be two numbers")
    x, y = float(x), float(y)
    (x_lo, x_hi), (y_lo, y_hi) = window
    if not (x_lo <= x <= x_hi and y_lo <= y <= y_hi):
        raise ValueError(f"start ({x:g}, {y:g}) is off the window {window}")
    return (x, y)
