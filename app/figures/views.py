"""RunView: one trajectory thinned and cut for drawing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from engine.catalog import problem_of

# Paths longer than this are thinned for display: nobody sees more points than pixels.
MAX_POINTS = 2000


@dataclass(frozen=True)
class RunView:
    """One trajectory prepared for drawing."""

    label: str
    colour: str
    steps: np.ndarray  # iteration index of every displayed point
    params: np.ndarray  # (m, 2), cut where the run left the window (later points dropped)
    loss: np.ndarray  # (m,)
    lr: np.ndarray  # (m,) rate of the update leaving each point (last repeats)
    grad: np.ndarray  # (m, 2) full-data gradient at each point
    update: np.ndarray  # (m, 2) the update taken from each point (last is zero)
    batch_grad: np.ndarray | None  # (m, 2) the mini-batch gradient each update used, or None
    exit_point: tuple[float, float] | None  # where a run that left the window crossed its edge


def surface_of(config):
    return problem_of(config.surface).surface(config.normalization)


def run_view(trajectory, label: str, colour: str) -> RunView:
    """Thin the trajectory to what a screen can show and cut it where it leaves the window."""
    surface = surface_of(trajectory.config)
    params = trajectory.params
    (x0, x1), (y0, y1) = surface.window
    inside = (params[:, 0] >= x0) & (params[:, 0] <= x1) & (params[:, 1] >= y0) & (params[:, 1] <= y1)
    exit_point = None
    end = len(params)
    if not inside.all() and trajectory.diverged_at is not None:
        # Cut where the path leaves the window (after entering it, for a start off the map).
        entered = int(np.argmax(inside))
        left = np.flatnonzero(~inside[entered:])
        first_out = entered + int(left[0]) if len(left) else len(params)
        end = max(first_out, 1)
        if 0 < first_out < len(params):
            exit_point = _edge_crossing(params[first_out - 1], params[first_out], surface.window)
    # Every stride-th point and the last: at most MAX_POINTS in all.
    stride = max(1, -(-(end - 1) // (MAX_POINTS - 1)))
    steps = np.arange(0, end, stride)
    if steps[-1] != end - 1:
        steps = np.append(steps, end - 1)
    points = params[steps]
    lr = np.append(trajectory.lr, trajectory.lr[-1] if len(trajectory.lr) else trajectory.config.lr)
    update = np.vstack([np.diff(params, axis=0), np.zeros((1, 2))])
    return RunView(
        label=label,
        colour=colour,
        steps=steps,
        params=points,
        loss=trajectory.loss[steps],
        lr=lr[steps],
        grad=surface.grad(points),
        update=update[steps],
        batch_grad=(
            np.vstack([trajectory.grad, np.zeros((1, 2))])[steps] if getattr(trajectory, "steps_per_epoch", 1) > 1 else None
        ),
        exit_point=exit_point,
    )


def thinned(view: RunView, limit: int) -> RunView:
    """Every stride-th displayed point and the last, at most `limit` in all."""
    count = len(view.steps)
    if count <= limit:
        return view
    stride = -(-(count - 1) // (limit - 1))
    keep = np.arange(0, count, stride)
    if keep[-1] != count - 1:
        keep = np.append(keep, count - 1)
    return dataclasses.replace(
        view,
        steps=view.steps[keep],
        params=view.params[keep],
        loss=view.loss[keep],
        lr=view.lr[keep],
        grad=view.grad[keep],
        update=view.update[keep],
        batch_grad=None if view.batch_grad is None else view.batch_grad[keep],
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

