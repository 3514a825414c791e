"""RunView: one trajectory thinned and cut for drawing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from engine.catalog import problem_of

# Paths longer than this are thinned for display: nobody sees more points than pixels.
MAX_POINTS = 2000


# A map is drawn to scale (equal pixels per unit on both axes), so Plotly widens one of its
# ranges to the pane's shape. The map is computed over the surface's window widened to every
# pane shape from square to this many times wider than tall, so no widened side is blank.
WIDEST_PANE = 2.6


@dataclass(frozen=True)
class RunView:
    """One trajectory prepared for drawing.

    The arrays hold every displayed point of the run (thinned to MAX_POINTS) up to its last
    kept iterate: the curves draw all of them. The map draws the first `map_points` of them:
    a diverging run is cut one point after it leaves the map's window (so its line runs off
    the edge), while its curves go on to the step where it diverged.
    """

    label: str
    colour: str
    steps: np.ndarray  # iteration index of every displayed point
    params: np.ndarray  # (m, 2)
    loss: np.ndarray  # (m,)
    lr: np.ndarray  # (m,) rate of the update leaving each point (last repeats)
    grad: np.ndarray  # (m, 2) full-data gradient at each point (finite: overflow is capped)
    update: np.ndarray  # (m, 2) the update taken from each point (last is zero)
    batch_grad: np.ndarray | None  # (m, 2) the mini-batch gradient each update used, or None
    exit_point: tuple[float, float] | None  # where a run that left the window crossed its edge
    map_points: int = -1  # how many of the points the map draws (-1: all)
    steps_per_epoch: int = 1
    batch_size: int = 1  # examples per update (the full batch: every example)
    examples: int = 1  # examples in the data (1 for a function of (x, y))
    best: float = 0.0  # the surface's lowest loss, f*


def surface_of(config):
    return problem_of(config.surface).surface(config.normalization)


def map_window(surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """The window the map is computed over: the surface's window, its shorter side widened
    so that a pane up to WIDEST_PANE times wider than tall (or square) is covered at equal
    scale, around the same centre."""
    (x0, x1), (y0, y1) = surface.window
    width, height = x1 - x0, y1 - y0
    return widened_window(x0, x1, max(width, WIDEST_PANE * height)), widened_window(y0, y1, max(height, width))


def widened_window(low: float, high: float, span: float) -> tuple[float, float]:
    """low..high widened to span around its centre (itself exactly when no wider)."""
    if span <= high - low:
        return (low, high)
    centre = (low + high) / 2
    return (centre - span / 2, centre + span / 2)


def _inside(params: np.ndarray, window) -> np.ndarray:
    (x0, x1), (y0, y1) = window
    with np.errstate(invalid="ignore"):
        return (params[:, 0] >= x0) & (params[:, 0] <= x1) & (params[:, 1] >= y0) & (params[:, 1] <= y1)


def run_view(trajectory, label: str, colour: str) -> RunView:
    """Thin the trajectory to what a screen can show; mark where the map's part of it ends."""
    surface = surface_of(trajectory.config)
    params = trajectory.params
    end = len(params)
    map_end = end
    exit_point = None
    inside = _inside(params, map_window(surface))
    if trajectory.diverged_at is not None and not inside.all():
        # The map keeps the first point out of its window (after entering it, for a start
        # off the map), so the line visibly runs off the edge; the exit mark sits where the
        # path crossed the surface's own window, which is always on screen.
        entered = int(np.argmax(inside))
        left = np.flatnonzero(~inside[entered:])
        if len(left):
            map_end = entered + int(left[0]) + 1
        on_window = _inside(params, surface.window)
        out = np.flatnonzero(~on_window[entered:])
        if len(out) and entered + int(out[0]) > 0:
            first_out = entered + int(out[0])
            exit_point = _edge_crossing(params[first_out - 1], params[first_out], surface.window)
    # Every stride-th point, the last one the map draws, and the last: about MAX_POINTS in all.
    stride = max(1, -(-(end - 1) // (MAX_POINTS - 1)))
    steps = np.unique(np.concatenate([np.arange(0, end, stride), [map_end - 1, end - 1]]))
    points = params[steps]
    lr = np.append(trajectory.lr, trajectory.lr[-1] if len(trajectory.lr) else trajectory.config.lr)
    update = np.vstack([np.diff(params, axis=0), np.zeros((1, 2))])
    with np.errstate(all="ignore"):  # a diverging run's far points overflow the gradient
        grad = finite_values(surface.grad(points))
    per_epoch = getattr(trajectory, "steps_per_epoch", 1)
    examples = getattr(surface, "n", 1)
    batch = trajectory.config.batch_size
    return RunView(
        label=label,
        colour=colour,
        steps=steps,
        params=points,
        loss=trajectory.loss[steps],
        lr=lr[steps],
        grad=grad,
        update=update[steps],
        batch_grad=(np.vstack([trajectory.grad, np.zeros((1, 2))])[steps] if per_epoch > 1 else None),
        exit_point=exit_point,
        map_points=int(np.searchsorted(steps, map_end - 1)) + 1,
        steps_per_epoch=per_epoch,
        batch_size=examples if batch is None else min(int(batch), examples),
        examples=examples,
        best=float(surface.global_minimum.value),
    )


def finite_values(values: np.ndarray) -> np.ndarray:
    """Values with overflow capped at float's largest and NaN as 0: drawable, never JSON NaN."""
    return np.nan_to_num(values, nan=0.0, posinf=np.finfo(float).max, neginf=-np.finfo(float).max)


def on_map(view: RunView) -> RunView:
    """The part of a run the map draws."""
    if view.map_points < 0 or view.map_points >= len(view.steps):
        return view
    return _subset(view, np.arange(view.map_points))


def thinned(view: RunView, limit: int) -> RunView:
    """Every stride-th displayed point and the last, at most `limit` in all."""
    count = len(view.steps)
    if count <= limit:
        return view
    stride = -(-(count - 1) // (limit - 1))
    keep = np.arange(0, count, stride)
    if keep[-1] != count - 1:
        keep = np.append(keep, count - 1)
    return _subset(view, keep)


def _subset(view: RunView, keep: np.ndarray) -> RunView:
    return dataclasses.replace(
        view,
        steps=view.steps[keep],
        params=view.params[keep],
        loss=view.loss[keep],
        lr=view.lr[keep],
        grad=view.grad[keep],
        update=view.update[keep],
        batch_grad=None if view.batch_grad is None else view.batch_grad[keep],
        map_points=-1,
    )


def _edge_crossing(inside_point, outside_point, window) -> tuple[float, float]:
    """Where the segment from a point in the window to one outside crosses the window's edge."""
    (x0, x1), (y0, y1) = window
    direction = outside_point - inside_point
    fraction = 1.0
    for axis, (low, high) in enumerate(((x0, x1), (y0, y1))):
        if direction[axis] > 0:
            fraction = min(fraction, (high - inside_point[axis]) / direction[axis])
        elif direction[axis] < 0:
            fraction = min(fraction, (low - inside_point[axis]) / direction[axis])
    point = inside_point + max(fraction, 0.0) * direction
    return float(point[0]), float(point[1])

