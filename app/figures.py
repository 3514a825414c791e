"""Figures as pure functions: trajectories in, Plotly figure dicts out (no Dash imports).

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
Unused slots are empty traces. Paths are cut where they leave the window.

The 3D path is thinned further (MAX_POINTS_3D): the player finds its point by the 3D whole
path's own customdata (the steps), never by the contour's index.

compact() turns a figure's long numeric arrays into plotly's typed-array form
{"dtype": "f4", "bdata": base64} for the wire; the figure functions themselves return lists.
"""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.i18n import t
from engine.catalog import problem_of

MAX_RUNS = 4
# Okabe–Ito colours: told apart by every common form of colour blindness.
PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7")
MAP_COLOURS = "YlGnBu"
FONT = {"family": "Inter, 'Noto Sans KR', system-ui, sans-serif", "size": 15, "color": "#1f2933"}
CONTOUR_GRID = 90
SURFACE_GRID = 60
# Paths longer than this are thinned for display: nobody sees more points than pixels.
MAX_POINTS = 2000
# A 3D path is a few hundred pixels long on screen and WebGL redraws all of it per frame.
MAX_POINTS_3D = 500
# Paths with more points than this are drawn as lines without a marker per point.
MARKERS_UP_TO = 300
# Arrays shorter than this stay plain lists: encoding would not pay for itself.
COMPACT_MIN = 16
F4_LIMIT = 3.0e38  # beyond float32's range: such an array travels as float64
EXIT_SYMBOL = "x"
GRADIENT_ARROW = "#1f2933"
UPDATE_ARROW = "#E69F00"
BATCH_ARROW = "#CC79A7"
SHORTEST_ARROW = 0.01  # of the window's diagonal: a shorter arrow would be all head
# The contour's traces after the run slots (module docstring).
MINIMA_TRACE = 1 + 3 * MAX_RUNS
EXITS_TRACE = MINIMA_TRACE + 1
ARROW_TRACES = (EXITS_TRACE + 1, EXITS_TRACE + 2, EXITS_TRACE + 3)  # gradient, update, batch


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


def typed_array(values) -> dict | list:
    """plotly's typed-array form of a numeric array: {"dtype", "bdata"[, "shape"]}.

    Integers travel as the smallest unsigned/signed type that holds them, floats as float32
    (float64 when a value lies beyond float32's range). Anything else is returned as given.
    """
    array = np.asarray(values)
    if array.dtype.kind not in "iuf" or array.ndim not in (1, 2) or array.size == 0:
        return values
    if array.dtype.kind in "iu":
        low, high = int(array.min()), int(array.max())
        if low >= 0:
            dtype = "u1" if high < 2**8 else "u2" if high < 2**16 else "u4"
        else:
            dtype = "i2" if -(2**15) <= low and high < 2**15 else "i4"
        packed = array.astype({"u1": np.uint8, "u2": np.uint16, "u4": np.uint32, "i2": np.int16, "i4": np.int32}[dtype])
    else:
        finite = np.abs(array[np.isfinite(array)])
        small = finite.size == 0 or float(finite.max()) < F4_LIMIT
        dtype = "f4" if small else "f8"
        packed = array.astype(np.float32 if small else np.float64)
    spec = {"dtype": dtype, "bdata": base64.b64encode(np.ascontiguousarray(packed).astype(packed.dtype.newbyteorder("<")).tobytes()).decode("ascii")}
    if array.ndim == 2:
        spec["shape"] = f"{array.shape[0]},{array.shape[1]}"
    return spec


def decode_typed_array(spec) -> np.ndarray:
    """The inverse of typed_array (for tests and benchmarks)."""
    if not isinstance(spec, dict):
        return np.asarray(spec)
    dtype = np.dtype(spec["dtype"].replace("f", "<f").replace("i", "<i").replace("u", "<u"))
    flat = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=dtype)
    if "shape" in spec:
        return flat.reshape([int(n) for n in str(spec["shape"]).split(",")])
    return flat


def compact(figure: dict, plain: tuple[int, ...] = ()) -> dict:
    """The figure with every long numeric x, y, z and customdata as a typed array.

    Traces listed in `plain` keep x and y as lists (rounded to 1e-5 of the axis span): the
    contour's whole paths, which scripts and tests read from the page's gd.data, where plotly
    keeps typed arrays in their encoded form. Rows of unequal length stay lists. Returns a new
    figure; the layout is shared.
    """
    data = []
    for index, trace in enumerate(figure["data"]):
        trace = dict(trace)
        for key in ("x", "y", "z", "customdata"):
            values = trace.get(key)
            if not isinstance(values, list) or len(values) < COMPACT_MIN:
                continue
            if index in plain and key in ("x", "y"):
                trace[key] = _rounded(values, figure["layout"].get(f"{key}axis", {}).get("range"))
                continue
            try:
                trace[key] = typed_array(values)
            except ValueError:  # ragged rows
                pass
        data.append(trace)
    return {**figure, "data": data}


def _rounded(values: list, axis_range) -> list:
    """Values rounded to a hundred-thousandth of the axis span: far below a pixel, short in JSON."""
    try:
        span = abs(float(axis_range[1]) - float(axis_range[0]))
    except (TypeError, ValueError, IndexError):
        return values
    if not span > 0 or not np.isfinite(span):
        return values
    digits = max(0, 5 - int(np.floor(np.log10(span))))
    return np.round(np.asarray(values, dtype=float), digits).tolist()


def whole_path_slots() -> tuple[int, ...]:
    """The contour's whole-path traces (1 + 3s)."""
    return tuple(1 + 3 * slot for slot in range(MAX_RUNS))


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


@lru_cache(maxsize=64)
def surface_grid(surface, resolution: int):
    """Grid axes and loss values over the window, shifted so the global minimum is 0.

    Cached per surface object: the built-in ones live for the process, a formula's surface is
    cached by its text, so a recomputed path never recomputes its grid.
    """
    (x0, x1), (y0, y1) = surface.window
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    with np.errstate(all="ignore"):
        excess = np.maximum(surface.value(grid) - surface.global_minimum.value, 0.0)
    # A formula may be undefined at an isolated grid point: show it as the highest level.
    excess = np.nan_to_num(excess, nan=np.nanmax(excess, initial=0.0), posinf=np.nanmax(excess[np.isfinite(excess)], initial=0.0))
    return xs, ys, excess


def height_scale(excess: np.ndarray) -> str:
    """Linear heights for gentle surfaces; log heights when cliffs would hide the valley floor
    (half the window lies below 1/12 of the tallest point: Rosenbrock's banana, Beale)."""
    median = float(np.median(excess))
    return "log" if excess.max() > 12 * max(median, 1e-12) else "linear"


def heights(excess: np.ndarray, scale: str) -> np.ndarray:
    return np.log1p(excess) if scale == "log" else excess


def _empty_trace(kind: str = "scatter", **extra) -> dict:
    return {"type": kind, "x": [], "y": [], "showlegend": False, "hoverinfo": "skip", **extra}


def _base_layout(title: str, lang: str) -> dict:
    return {
        "title": {"text": title, "x": 0.02, "y": 0.98, "font": {"size": 17}},
        "font": FONT,
        "margin": {"l": 60, "r": 16, "t": 40, "b": 48},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
        "meta": {"lang": lang},
    }


def contour_figure(surface, views: list[RunView], lang: str = "en") -> dict:
    xs, ys, excess = surface_grid(surface, CONTOUR_GRID)
    x_name, y_name = surface.param_names
    data = [
        {
            "type": "contour",
            "x": xs.tolist(),
            "y": ys.tolist(),
            "z": np.round(np.log1p(excess), 4).tolist(),
            "colorscale": MAP_COLOURS,
            "reversescale": True,
            "ncontours": 22,
            "contours": {"coloring": "fill", "showlines": True},
            "line": {"width": 0.6, "color": "rgba(255,255,255,0.55)"},
            "showscale": False,
            # Hover (and so a click) reports the point: a click there starts a new descent.
            "hovertemplate": "%{x:.3g}, %{y:.3g}<extra></extra>",
            "name": "loss",
        }
    ]
    for slot in range(MAX_RUNS):
        view = views[slot] if slot < len(views) else None
        scale = arrow_scale(view, surface) if view is not None else 0.0
        data.extend(_path_traces(view, three_d=False, scale=scale))
    data.append(_minima_trace(surface, lang))
    data.append(_exit_trace(views, lang))
    data.extend(_arrows(views[0] if views else None, surface, lang))
    # The title doubles as the arrows' key.
    key = [(GRADIENT_ARROW, t("gradient", lang)), (UPDATE_ARROW, t("update", lang))]
    if views and views[0].batch_grad is not None:
        key.append((BATCH_ARROW, t("batch_gradient", lang)))
    arrows_key = "  ".join(f'<span style="color:{colour};font-size:13px">➜ {name}</span>' for colour, name in key)
    layout = _base_layout(f"{t('contour_title', lang)}   {arrows_key}", lang)
    (x0, x1), (y0, y1) = surface.window
    layout.update(
        xaxis={"title": {"text": x_name}, "range": [x0, x1], "showgrid": False, "zeroline": False},
        yaxis={"title": {"text": y_name}, "range": [y0, y1], "showgrid": False, "zeroline": False},
        uirevision=f"{surface.name}:{_normalization(surface)}",
        clickmode="event",
        hovermode="closest",
        # Down the right edge: across the top it would cover the arrows' key in the title.
        modebar={"orientation": "v"},
        margin={"l": 52, "r": 8, "t": 34, "b": 40},
        # Clear of the modebar down the right edge.
        legend={"x": 0.92, "xanchor": "right", "y": 0.99, "bgcolor": "rgba(255,255,255,0.8)", "font": {"size": 13}},
    )
    return {"data": data, "layout": layout}


def _normalization(surface) -> str:
    return getattr(surface, "normalization", "none")


def _path_traces(
    view: RunView | None, three_d: bool, z: np.ndarray | None = None, scale: float = 0.0
) -> list[dict]:
    kind = "scatter3d" if three_d else "scatter"
    if view is None:
        empty = {"z": []} if three_d else {}
        return [_empty_trace(kind, **empty), _empty_trace(kind, **empty), _empty_trace(kind, **empty)]
    x = view.params[:, 0].tolist()
    y = view.params[:, 1].tolist()
    zs = {} if z is None else {"z": z.tolist()}
    end_zs = {} if z is None else {"z": [float(z[-1])]}
    whole = {
        "type": kind,
        "x": x,
        "y": y,
        **zs,
        "mode": "lines",
        "line": {"color": view.colour, "width": 2, "dash": "dot"},
        "opacity": 0.45,
        "showlegend": False,
        "hoverinfo": "skip",
        # The player (assets/player.js) redraws the contour's arrows from these rows.
        "customdata": view.steps.tolist() if three_d else arrow_rows(view, scale),
    }
    so_far = {
        "type": kind,
        "x": x,
        "y": y,
        **zs,
        # Markers denser than pixels show nothing and cost the player one SVG node each per frame.
        "mode": "lines+markers" if len(x) <= MARKERS_UP_TO else "lines",
        "line": {"color": view.colour, "width": 4 if three_d else 3},
        "marker": {"size": 3 if three_d else 5, "color": view.colour},
        "name": view.label,
        "showlegend": True,
        "customdata": view.steps.tolist(),
        "hovertemplate": "step %{customdata}<extra>" + view.label + "</extra>",
    }
    point = {
        "type": kind,
        "x": [x[-1]],
        "y": [y[-1]],
        **end_zs,
        "mode": "markers",
        "marker": {
            "size": 8 if three_d else 14,
            "color": view.colour,
            "line": {"color": "#ffffff", "width": 2},
        },
        "showlegend": False,
        "hoverinfo": "skip",
    }
    return [whole, so_far, point]


def arrow_rows(view: RunView, scale: float) -> list[list[float]]:
    """Per displayed point: [step, gradient arrow x, y, update x, y], and for mini-batch runs
    the batch gradient's arrow [..., x, y]; gradients times `scale` (arrow_scale)."""
    batch = (view.batch_grad * scale).tolist() if view.batch_grad is not None else [[] for _ in view.steps]
    return [
        [int(step), *grad, *update, *extra]
        for step, grad, update, extra in zip(view.steps, (view.grad * scale).tolist(), view.update.tolist(), batch, strict=True)
    ]


def _minima_trace(surface, lang: str) -> dict:
    minima = surface.minima
    return {
        "type": "scatter",
        "x": [m.point[0] for m in minima],
        "y": [m.point[1] for m in minima],
        "mode": "markers",
        "marker": {
            "symbol": ["star" if m.is_global else "circle-open" for m in minima],
            "size": [16 if m.is_global else 9 for m in minima],
            "color": "#ffffff",
            "line": {"color": "#1f2933", "width": 1.5},
        },
        "text": [t("global_min" if m.is_global else "local_min", lang) for m in minima],
        "hovertemplate": "%{text}<extra></extra>",
        "showlegend": False,
        "name": "minima",
    }


def _exit_trace(views: list[RunView], lang: str) -> dict:
    exits = [(v.exit_point, v.colour) for v in views if v.exit_point is not None]
    return {
        "type": "scatter",
        "x": [p[0] for p, _ in exits],
        "y": [p[1] for p, _ in exits],
        "mode": "markers+text",
        "marker": {"symbol": EXIT_SYMBOL, "size": 18, "color": [c for _, c in exits], "line": {"width": 2}},
        "text": [t("left_window", lang)] * len(exits),
        "textposition": "top center",
        "textfont": {"size": 14},
        "showlegend": False,
        "hoverinfo": "skip",
        "name": "exits",
    }


def arrow_scale(view: RunView, surface) -> float:
    """Display length per unit of gradient: the run's largest gradient spans 18% of the window."""
    (x0, x1), (y0, y1) = surface.window
    largest = float(np.max(np.hypot(view.grad[:, 0], view.grad[:, 1]))) if len(view.grad) else 0.0
    return 0.18 * float(np.hypot(x1 - x0, y1 - y0)) / largest if largest > 0 else 0.0


def _arrows(view: RunView | None, surface, lang: str) -> list[dict]:
    """At slot 0's last point: the full-data gradient (uphill); the update actually taken (it
    differs under momentum, RMSprop, Adam); for mini-batches, the batch gradient the update
    used, on the gradient's scale, so the noise of small batches shows. An arrow shorter than
    SHORTEST_ARROW of the window's diagonal (no more than its own head) is transparent; one
    that does not exist (no run, or no batch) has no points."""
    arrows = [
        (GRADIENT_ARROW, "gradient", 2.5, 15),
        (UPDATE_ARROW, "update", 2.5, 15),
        (BATCH_ARROW, "batch_gradient", 2.0, 12),
    ]
    vectors: list = [None, None, None]
    if view is not None and len(view.steps):
        scale = arrow_scale(view, surface)
        vectors = [view.grad[-1] * scale, view.update[-1], None]
        if view.batch_grad is not None:
            vectors[2] = view.batch_grad[-1] * scale
    (x0, x1), (y0, y1) = surface.window
    shortest = SHORTEST_ARROW * float(np.hypot(x1 - x0, y1 - y0))
    traces = []
    for (colour, name, width, head), vector in zip(arrows, vectors, strict=True):
        x, y, opacity = [], [], 0
        if vector is not None:
            (px, py) = view.params[-1]
            x, y = [float(px), float(px + vector[0])], [float(py), float(py + vector[1])]
            opacity = 1 if float(np.hypot(*vector)) >= shortest else 0
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": y,
                # A short arrow is drawn invisible, not left out: the player moves it later.
                "opacity": opacity,
                "mode": "lines+markers",
                "line": {"color": colour, "width": width},
                # An arrowhead at the tip, turned along the shaft; none at the tail.
                "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, head], "color": colour, "line": {"width": 0}},
                "name": t(name, lang),
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    return traces


def surface3d_figure(surface, views: list[RunView], lang: str = "en") -> dict:
    xs, ys, excess = surface_grid(surface, SURFACE_GRID)
    scale = height_scale(excess)
    z = heights(excess, scale)
    cap = float(z.max())
    x_name, y_name = surface.param_names
    best = surface.global_minimum.value
    data = [
        {
            "type": "surface",
            "x": xs.tolist(),
            "y": ys.tolist(),
            "z": np.round(z, 4).tolist(),
            "colorscale": MAP_COLOURS,
            "reversescale": True,
            "showscale": False,
            "opacity": 0.92,
            "hoverinfo": "skip",
            "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": False}, "width": 1}},
            "lighting": {"ambient": 0.75, "diffuse": 0.5, "specular": 0.05},
        }
    ]
    for slot in range(MAX_RUNS):
        view = views[slot] if slot < len(views) else None
        path_z = None
        if view is not None:
            view = thinned(view, MAX_POINTS_3D)
            # Lift the path a little so it stays visible on the surface.
            path_z = np.minimum(heights(np.maximum(view.loss - best, 0.0), scale), cap) + 0.01 * cap
        data.extend(_path_traces(view, three_d=True, z=path_z))
    layout = _base_layout(t("surface_title", lang), lang)
    (x0, x1), (y0, y1) = surface.window
    z_title = t("loss", lang) if scale == "linear" else f"log(1 + {t('loss', lang)})"
    layout.update(
        margin={"l": 0, "r": 0, "t": 36, "b": 0},
        scene={
            "xaxis": {"title": {"text": x_name}, "range": [x0, x1], "nticks": 5, "tickfont": {"size": 11}},
            "yaxis": {"title": {"text": y_name}, "range": [y0, y1], "nticks": 5, "tickfont": {"size": 11}},
            "zaxis": {
                "title": {"text": z_title, "font": {"size": 12}},
                "range": [0, cap * 1.05],
                "nticks": 4,
                "tickfont": {"size": 10},
            },
            "camera": {"eye": {"x": -1.25, "y": -1.35, "z": 0.95}},
            "domain": {"x": [0, 1], "y": [0, 1]},
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": 1, "z": 0.6},
        },
        uirevision=f"{surface.name}:{_normalization(surface)}",
        showlegend=False,
    )
    return {"data": data, "layout": layout}


def curve_figure(kind: str, views: list[RunView], lang: str = "en") -> dict:
    """kind: "loss" (log scale), "lr" or "grad_norm" (log scale), against iteration."""
    values = {
        "loss": lambda v: v.loss,
        "lr": lambda v: v.lr,
        "grad_norm": lambda v: np.hypot(v.grad[:, 0], v.grad[:, 1]),
    }[kind]
    titles = {"loss": "loss_log", "lr": "lr_axis", "grad_norm": "grad_norm"}
    log = kind in ("loss", "grad_norm")
    curves, points = [], []
    for slot in range(MAX_RUNS):
        if slot >= len(views):
            curves.append(_empty_trace())
            points.append(_empty_trace())
            continue
        view = views[slot]
        y = np.asarray(values(view), dtype=float)
        if log:  # a log axis cannot show 0: floor at a tiny positive value
            y = np.maximum(y, 1e-16)
        curves.append(
            {
                "type": "scatter",
                "x": view.steps.tolist(),
                "y": y.tolist(),
                "mode": "lines",
                "line": {"color": view.colour, "width": 2.5, "shape": "hv" if kind == "lr" else "linear"},
                "name": view.label,
                "showlegend": False,
                "hovertemplate": "%{x}: %{y:.4g}<extra></extra>",
            }
        )
        points.append(
            {
                "type": "scatter",
                "x": [int(view.steps[-1])],
                "y": [float(y[-1])],
                "mode": "markers",
                "marker": {"size": 11, "color": view.colour, "line": {"color": "#fff", "width": 2}},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    layout = _base_layout(t(titles[kind], lang), lang)
    layout.update(
        margin={"l": 62, "r": 12, "t": 36, "b": 44},
        xaxis={"title": {"text": t("iteration", lang)}, "rangemode": "tozero", "gridcolor": "#e4e7eb"},
        yaxis={
            "type": "log" if log else "linear",
            "exponentformat": "power",
            # Whole decades, about five labels whatever the range: no crowd of 2s and 5s.
            **({"dtick": _decade_step(curves)} if log else {}),
            "gridcolor": "#e4e7eb",
            "rangemode": "normal" if log else "tozero",
        },
        showlegend=False,
    )
    return {"data": curves + points, "layout": layout}


def _decade_step(curves: list[dict]) -> int:
    values = np.concatenate([np.asarray(c["y"], dtype=float) for c in curves if len(c.get("y", []))] or [np.ones(1)])
    decades = np.log10(values.max()) - np.log10(values.min())
    return max(1, int(np.ceil(decades / 5)))


def data_fit_figure(problem, views: list[RunView], normalizations: list[str], lang: str = "en") -> dict:
    """The data with each run's fitted line at its current (here: last) point."""
    data = [
        {
            "type": "scatter",
            "x": problem.x.tolist(),
            "y": problem.y.tolist(),
            "mode": "markers",
            "marker": {"size": 7, "color": "rgba(31,41,51,0.55)"},
            "name": "data",
            "showlegend": False,
            "hovertemplate": "(%{x}, %{y})<extra></extra>",
        }
    ]
    x_low, x_high = float(problem.x.min()), float(problem.x.max())
    for slot in range(MAX_RUNS):
        if slot >= len(views):
            data.append(_empty_trace())
            continue
        view = views[slot]
        shift, scale = problem.scaling(normalizations[slot])
        slope, intercept = problem.line(view.params[-1], normalizations[slot])
        data.append(
            {
                "type": "scatter",
                "x": [x_low, x_high],
                "y": [slope * x_low + intercept, slope * x_high + intercept],
                "mode": "lines",
                "line": {"color": view.colour, "width": 3},
                "showlegend": False,
                "hoverinfo": "skip",
                # The player redraws the line for any step from (w, b) and the scaling.
                "meta": {"shift": shift, "scale": scale},
                "customdata": np.column_stack([view.steps, view.params]).tolist(),
            }
        )
    layout = _base_layout(t("data_title", lang), lang)
    y_low, y_high = float(problem.y.min()), float(problem.y.max())
    pad = 0.15 * (y_high - y_low)
    layout.update(
        margin={"l": 56, "r": 12, "t": 36, "b": 44},
        xaxis={"title": {"text": problem.x_label}, "gridcolor": "#e4e7eb"},
        yaxis={"title": {"text": problem.y_label}, "range": [y_low - pad, y_high + pad], "gridcolor": "#e4e7eb"},
    )
    return {"data": data, "layout": layout}


def lr_preview_figure(rates: np.ndarray, lang: str = "en") -> dict:
    """A small sparkline of the scheduler's rate over the run."""
    return {
        "data": [
            {
                "type": "scatter",
                "x": list(range(len(rates))),
                "y": np.asarray(rates, dtype=float).tolist(),
                "mode": "lines",
                "line": {"color": PALETTE[1], "width": 2, "shape": "hv"},
                "hovertemplate": "%{x}: %{y:.3g}<extra></extra>",
            }
        ],
        "layout": {
            "height": 90,
            "margin": {"l": 44, "r": 6, "t": 6, "b": 20},
            "font": {**FONT, "size": 11},
            "xaxis": {"showgrid": False},
            "yaxis": {"rangemode": "tozero", "gridcolor": "#e4e7eb", "nticks": 3, "exponentformat": "power"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "#ffffff",
            "showlegend": False,
        },
    }
