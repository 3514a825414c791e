"""Where a run's words "left the map" go beside the point where it crossed the map's edge.

Six sides are tried (above or below the exit, centred, to its right or to its left); a side
whose box of words would stick out of the window is out, and of the rest the first crossed by
the fewest segments of the drawn path is taken: a diverging zig-zag runs through the exit, and
its lines must not run through the words (tests/test_browser_screen.py measures them on
screen). Each segment is clipped against each box exactly (Liang-Barsky), so a long jump that
passes a box between two of its points counts.
"""

from __future__ import annotations

import numpy as np

from app.figures.views import RunView

# Each side's box of words around the exit, as multiples of the box's width and height:
# (left, right, low, high). Plotly sets words to the right or left of a marker off its edge,
# so those boxes start MARKER_GAP of the window's width away from the exit.
SIDES = {"top center": (-0.5, 0.5, 0, 1), "top right": (0, 1, 0, 1), "top left": (-1, 0, 0, 1),
         "bottom center": (-0.5, 0.5, -1, 0), "bottom right": (0, 1, -1, 0), "bottom left": (-1, 0, -1, 0)}  # fmt: skip
# The words' box as shares of the window's width and height (~90 x 20 px on a ~400 px map).
WORDS_BOX = (0.24, 0.09)
# Half the exit marker (18 px) on a ~400 px map, as a share of the window's width.
MARKER_GAP = 0.02


def clear_side(view: RunView, window) -> str:
    """The side of the run's exit whose box of words the fewest drawn segments cross, inside
    the surface's window (the part every pane shows); "top center" if none fits."""
    (x0, x1), (y0, y1) = window
    width, height = WORDS_BOX[0] * (x1 - x0), WORDS_BOX[1] * (y1 - y0)
    gap = MARKER_GAP * (x1 - x0)
    path = view.params[: view.map_points] if view.map_points >= 0 else view.params
    px, py = view.exit_point
    costs = {}
    for side, (left, right, low, high) in SIDES.items():
        shift = gap if left == 0 else -gap if right == 0 else 0.0
        box = (px + shift + left * width, px + shift + right * width, py + low * height, py + high * height)
        fits = box[0] >= x0 - 1e-9 and box[1] <= x1 + 1e-9 and box[2] >= y0 - 1e-9 and box[3] <= y1 + 1e-9
        if fits:
            costs[side] = crossings(path[:-1], path[1:], box)
    return min(costs, key=costs.get) if costs else "top center"


def crossings(starts: np.ndarray, ends: np.ndarray, box: tuple[float, float, float, float]) -> int:
    """How many of the segments starts[i] → ends[i] (shape (n, 2)) run through the box
    (x_low, x_high, y_low, y_high): Liang-Barsky clipping, all segments at once. Segments with
    a non-finite end count as not crossing."""
    with np.errstate(all="ignore"):
        d = ends - starts
        enter, leave = np.zeros(len(d)), np.ones(len(d))
        crossing = np.isfinite(d).all(axis=1)
        for p, q in ((-d[:, 0], starts[:, 0] - box[0]), (d[:, 0], box[1] - starts[:, 0]),
                     (-d[:, 1], starts[:, 1] - box[2]), (d[:, 1], box[3] - starts[:, 1])):  # fmt: skip
            along = p == 0
            crossing &= ~(along & (q < 0))  # parallel to this edge and outside it
            s = q / p
            enter = np.where(p < 0, np.maximum(enter, s), enter)
            leave = np.where(p > 0, np.minimum(leave, s), leave)
        return int(np.count_nonzero(crossing & (enter <= leave)))
