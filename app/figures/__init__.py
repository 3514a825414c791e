"""Figures as pure functions: trajectories in, Plotly figure dicts out (no Dash imports).

One module a job: style (slots, colours, base layout), views (RunView: a run thinned and cut
for drawing), maps (contour and 3D), curves (loss, rate, gradient, data fit), wire (typed
arrays for the browser), layers (the map's contour in a graph of its own under the paths).

Every animated figure has a fixed layout of traces, so the browser's player (assets/player.js)
and the server's partial updates both address runs by slot:

- contour: trace 0 the map; for run slot s, trace 1 + 3s the whole path (faint), 2 + 3s the
  path so far, 3 + 3s the current point; then one trace of minima, one of exit marks, and
  the arrows of slot 0 at its current point (ARROW_TRACES): gradient, update, batch gradient.
  The arrows are scatter traces, not annotations: the player moves their SVG with the paths,
  never making Plotly redraw the map. The whole-path trace's customdata holds one
  row per point, [step, gradient arrow x, y, update x, y(, batch gradient arrow x, y)], the
  arrows as drawn (gradients scaled by arrow_scale), so the player can redraw them.
- surface3d: trace 0 the surface; per slot 1 + 3s whole path, 2 + 3s so far, 3 + 3s point.
- curves (loss, lr, gradient size): per slot, trace s the curve, MAX_RUNS + s the current point.
- data fit: trace 0 the data; per slot, trace 1 + s the fitted line.
Unused slots are empty traces. A diverged run's map path is cut one point after it leaves the
map's window; its curves go on to the step it diverged. Runs scaled differently (raw,
standardized, min-max) get maps side by side: their traces carry xaxis "x2"/yaxis "y2" and so
on, and each extra map's own traces (map, minima, exits) follow the arrows.

The 3D path is thinned further (MAX_POINTS_3D): the player finds its point by the 3D whole
path's own customdata (the steps), never by the contour's index.

compact() turns a figure's long numeric arrays into plotly's typed-array form
{"dtype": "f4", "bdata": base64} for the wire; the figure functions themselves return lists.
"""

from __future__ import annotations

from app.figures.curves import (
    X_AXES,
    curve_figure,
    curve_x,
    data_fit_figure,
    decade_step,
    loss_values,
    lr_preview_figure,
    rate_figure,
)
from app.figures.layers import empty_layer, map_layers
from app.figures.maps import (
    ARROW_TRACES,
    CONTOUR_GRID,
    EXITS_TRACE,
    MARKERS_UP_TO,
    MAX_POINTS_3D,
    MINIMA_TRACE,
    SURFACE_GRID,
    arrow_rows,
    arrow_scale,
    contour_figure,
    height_scale,
    heights,
    surface3d_figure,
    surface_grid,
    whole_path_slots,
)
from app.figures.style import (
    BATCH_ARROW,
    CONTOUR_LINES,
    EXIT_SYMBOL,
    FONT,
    GRADIENT_ARROW,
    MAP_COLOURS,
    MAX_RUNS,
    PALETTE,
    SHORTEST_ARROW,
    UPDATE_ARROW,
    base_layout,
    empty_trace,
)
from app.figures.views import (
    MAX_POINTS,
    WIDEST_PANE,
    RunView,
    map_window,
    on_map,
    run_view,
    surface_of,
    thinned,
)
from app.figures.wire import COMPACT_MIN, F4_LIMIT, compact, typed_array

__all__ = [name for name in dir() if not name.startswith("__")]
