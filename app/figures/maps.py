"""The contour map and the 3D surface, with the run paths and the arrows."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.figures.exits import clear_side
from app.figures.style import (
    BATCH_ARROW,
    CONTOUR_LINES,
    EXIT_SYMBOL,
    GRADIENT_ARROW,
    MAP_COLOURS,
    MAX_RUNS,
    SHORTEST_ARROW,
    TEXT_HALO,
    UPDATE_ARROW,
    base_layout,
    empty_trace,
)
from app.figures.views import RunView, finite_values, map_window, on_map, thinned, widened_window
from app.figures.wire import round_to
from app.i18n import t
from engine.limits import NORMALIZATIONS

CONTOUR_GRID = 90
SURFACE_GRID = 60
# A 3D path is a few hundred pixels long on screen and WebGL redraws all of it per frame.
MAX_POINTS_3D = 500
# Paths with more points than this are drawn as lines without a marker per point.
MARKERS_UP_TO = 300
# The contour's traces after the run slots (module docstring).
MINIMA_TRACE = 1 + 3 * MAX_RUNS
EXITS_TRACE = MINIMA_TRACE + 1
ARROW_TRACES = (EXITS_TRACE + 1, EXITS_TRACE + 2, EXITS_TRACE + 3)  # gradient, update, batch


def whole_path_slots() -> tuple[int, ...]:
    """The contour's whole-path traces (1 + 3s)."""
    return tuple(1 + 3 * slot for slot in range(MAX_RUNS))


@lru_cache(maxsize=64)
def surface_grid(surface, resolution: int, shape: str = "map"):
    """Grid axes and loss values over the map's window (views.map_window), shifted so the
    global minimum is 0.

    The surface's own window keeps `resolution` grid lines per axis (the raw data-fit
    problem's ravine, far narrower than it is long, stays resolved at equal scale); the
    widening beyond it is sampled at a quarter of that density.
    Cached per surface object: the built-in ones live for the process, a formula's surface is
    cached by its text, so a recomputed path never recomputes its grid. shape="square": over
    square_window (the 3D view, whose floor is square).
    """
    (x0, x1), (y0, y1) = surface.window
    (gx0, gx1), (gy0, gy1) = map_window(surface) if shape == "map" else square_window(surface)
    if shape == "map":
        xs = _grid_axis(gx0, gx1, x0, x1, resolution)
        ys = _grid_axis(gy0, gy1, y0, y1, resolution)
    else:  # the 3D view: WebGL redraws every cell each frame, so no more than resolution²
        xs, ys = np.linspace(gx0, gx1, resolution), np.linspace(gy0, gy1, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    with np.errstate(all="ignore"):
        excess = np.maximum(surface.value(grid) - surface.global_minimum.value, 0.0)
    # A formula undefined (or overflowing) at grid points: shown at the highest finite level
    top = np.max(excess[np.isfinite(excess)], initial=0.0)
    excess = np.nan_to_num(excess, nan=top, posinf=top)
    return xs, ys, excess


def square_window(surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """The surface's window with its shorter side widened to the longer: the 3D view's floor
    is square, so equal spans keep it to scale (a round bowl looks round from above)."""
    (x0, x1), (y0, y1) = surface.window
    span = max(x1 - x0, y1 - y0)
    return widened_window(x0, x1, span), widened_window(y0, y1, span)


def _grid_axis(low: float, high: float, own_low: float, own_high: float, resolution: int) -> np.ndarray:
    """Grid lines over low..high, as fine over the surface's own window as if the map were
    just that window (its potholes stay resolved), coarser over the widening beyond it."""
    own = np.linspace(own_low, own_high, resolution)
    if high - low <= (own_high - own_low) * 1.01:
        return own
    step = (own_high - own_low) / (resolution - 1)
    beyond = max(4, int(np.ceil((high - low) / (4 * step))))
    return np.union1d(own, np.linspace(low, high, beyond))


def height_scale(excess: np.ndarray) -> str:
    """Linear heights for gentle surfaces; log heights when cliffs would hide the valley floor
    (half the window lies below 1/12 of the tallest point: Rosenbrock's banana, Beale)."""
    median = float(np.median(excess))
    return "log" if excess.max() > 12 * max(median, 1e-12) else "linear"


def heights(excess: np.ndarray, scale: str) -> np.ndarray:
    return np.log1p(excess) if scale == "log" else excess


def _axis_names(panel: int) -> tuple[str, str]:
    """Plotly's names of a panel's axes: ("x", "y"), ("x2", "y2"), ..."""
    suffix = "" if panel == 0 else str(panel + 1)
    return f"x{suffix}", f"y{suffix}"


def _on_panel(trace: dict, panel: int) -> dict:
    if panel == 0:
        return trace
    x_axis, y_axis = _axis_names(panel)
    return {**trace, "xaxis": x_axis, "yaxis": y_axis}


def _shown_window(surface, views: list[RunView]):
    """The ranges a map asks for: the surface's window, widened to hold every run that was not
    cut (one that converges by a detour outside the window stays on the map), with a margin."""
    (x0, x1), (y0, y1) = surface.window
    kept = [on_map(v).params for v in views if v.exit_point is None and len(v.params)]
    if not kept:
        return (x0, x1), (y0, y1)
    points = np.vstack(kept)
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.05 * np.array([x1 - x0, y1 - y0])
    return (
        (float(min(x0, low[0] - pad[0] if low[0] < x0 else x0)), float(max(x1, high[0] + pad[0] if high[0] > x1 else x1))),
        (float(min(y0, low[1] - pad[1] if low[1] < y0 else y0)), float(max(y1, high[1] + pad[1] if high[1] > y1 else y1))),
    )


def _map_trace(surface) -> dict:
    xs, ys, excess = surface_grid(surface, CONTOUR_GRID)
    return {
        "type": "contour",
        "x": xs.tolist(),
        "y": ys.tolist(),
        "z": round_to(np.log1p(excess), 4).tolist(),
        "colorscale": MAP_COLOURS,
        "ncontours": 22,
        "contours": {"coloring": "fill", "showlines": True},
        "line": {"width": 0.6, "color": CONTOUR_LINES},
        "showscale": False,
        # Hover (and so a click) reports the point: a click there starts a new descent.
        "hovertemplate": "%{x:.3g}, %{y:.3g}<extra></extra>",
        "name": "loss",
    }


def contour_figure(surface, views: list[RunView], lang: str = "en", panels: list | None = None) -> dict:
    """The contour map with every run slot's path, drawn to scale (equal pixels per unit).

    panels: the surface of each view (a run scaled differently lives on other axes); each
    distinct one gets its own map side by side, the current run's (surface) first. Traces of
    the second and later maps (their map, minima and exits) follow the arrows, so the slot
    traces keep their indices whatever the number of maps.
    """
    panels = list(panels) if panels is not None else [surface] * len(views)
    surfaces = [surface] + [p for i, p in enumerate(panels) if p is not surface and p not in panels[:i]]
    panel_of = [surfaces.index(p) for p in panels]
    x_name, y_name = surface.param_names
    data = [_map_trace(surface)]
    for slot in range(MAX_RUNS):
        view = on_map(views[slot]) if slot < len(views) else None
        panel = panel_of[slot] if view is not None else 0
        scale = arrow_scale(view, surfaces[panel]) if view is not None else 0.0
        data.extend(_on_panel(trace, panel) for trace in _path_traces(view, three_d=False, scale=scale))
    own = [v for v, p in zip(views, panel_of, strict=True) if p == 0]
    data.append(_minima_trace(surface, lang))
    data.append(_exit_trace(own, lang, surface.window))
    data.extend(_arrows(on_map(views[0]) if views else None, surface, lang))
    for panel in range(1, len(surfaces)):
        theirs = [v for v, p in zip(views, panel_of, strict=True) if p == panel]
        extra = [_map_trace(surfaces[panel]), _minima_trace(surfaces[panel], lang), _exit_trace(theirs, lang, surfaces[panel].window)]
        data.extend(_on_panel(trace, panel) for trace in extra)
    # The title doubles as the arrows' key.
    key = [(GRADIENT_ARROW, t("gradient", lang)), (UPDATE_ARROW, t("update", lang))]
    if views and views[0].batch_grad is not None:
        key.append((BATCH_ARROW, t("batch_gradient", lang)))
    arrows_key = "  ".join(f'<span style="color:{colour};font-size:13px">➜ {name}</span>' for colour, name in key)
    layout = base_layout(f"{t('contour_title', lang)}   {arrows_key}", lang)
    layout.update(
        uirevision=":".join(f"{s.name}:{_normalization(s)}" for s in surfaces),
        clickmode="event",
        hovermode="closest",
        # Down the right edge: across the top it would cover the arrows' key in the title.
        modebar={"orientation": "v"},
        margin={"l": 52, "r": 28, "t": 34, "b": 40},
        # No legend: inside the map it would cover paths or the minimum, beside it it would
        # take the map's room; the cards under the player name each colour.
        showlegend=False,
        meta={**layout["meta"], "maps": len(surfaces)},
    )
    gap = 0.06
    # Left to right in the lecture's order (raw, standardized, min-max), whichever is current.
    order = sorted(range(len(surfaces)), key=lambda p: NORMALIZATIONS.index(_normalization(surfaces[p])))
    for panel, panel_surface in enumerate(surfaces):
        x_axis, y_axis = _axis_names(panel)
        place = order.index(panel)
        low, high = place / len(surfaces), (place + 1) / len(surfaces)
        (x0, x1), (y0, y1) = _shown_window(panel_surface, [v for v, p in zip(views, panel_of, strict=True) if p == panel])
        layout[x_axis.replace("x", "xaxis")] = {
            "title": {"text": x_name},
            "range": [x0, x1],
            "domain": [low + (gap if place else 0), high - (gap if place < len(surfaces) - 1 else 0)],
            "anchor": y_axis,
            "showgrid": False,
            "zeroline": False,
            "nticks": 6,
        }
        layout[y_axis.replace("y", "yaxis")] = {
            "title": {"text": y_name if place == 0 else ""},
            "range": [y0, y1],
            "anchor": x_axis,
            # Equal pixels per unit on both axes: round contours look round, and the gradient
            # arrow stands at right angles to the contour lines. Plotly widens one range to fit
            # the pane (the map is computed over views.map_window to cover it).
            "scaleanchor": x_axis,
            "scaleratio": 1,
            "showgrid": False,
            "zeroline": False,
            "nticks": 6,
        }
    if len(surfaces) > 1:
        layout["annotations"] = [
            {
                "text": f"<b>{t(f'norm_{_normalization(panel_surface)}', lang)}</b>",
                "xref": f"{_axis_names(panel)[0]} domain",
                "yref": "paper",
                "x": 0.5,
                "y": 1.0,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 14},
            }
            for panel, panel_surface in enumerate(surfaces)
        ]
        layout["margin"] = {**layout["margin"], "t": 58}
    return {"data": data, "layout": layout}


def _normalization(surface) -> str:
    return getattr(surface, "normalization", "none")


def _path_traces(
    view: RunView | None, three_d: bool, z: np.ndarray | None = None, scale: float = 0.0
) -> list[dict]:
    kind = "scatter3d" if three_d else "scatter"
    if view is None:
        empty = {"z": []} if three_d else {}
        return [empty_trace(kind, **empty), empty_trace(kind, **empty), empty_trace(kind, **empty)]
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


def _exit_trace(views: list[RunView], lang: str, window) -> dict:
    exits = [(v.exit_point, v.colour, clear_side(v, window)) for v in views if v.exit_point is not None]
    return {
        "type": "scatter",
        "x": [p[0] for p, _, _ in exits],
        "y": [p[1] for p, _, _ in exits],
        "mode": "markers+text",
        "marker": {"symbol": EXIT_SYMBOL, "size": 18, "color": [c for _, c, _ in exits], "line": {"width": 2}},
        "text": [t("left_window", lang)] * len(exits),
        "textposition": [side for _, _, side in exits],
        # a white halo, where a path still runs by the words
        "textfont": {"size": 14, "shadow": TEXT_HALO},
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
                # Names the trace's SVG group (assets/style.css gives arrows a light halo).
                "uid": f"arrow-{name}",
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    return traces


def surface_trace(xs, ys, z, cap: float) -> dict:
    """The 3D view's surface: heights z over the grid xs, ys, capped at cap (the paths' room)."""
    return {
        "type": "surface",
        "x": np.asarray(xs).tolist(),
        "y": np.asarray(ys).tolist(),
        "z": round_to(np.minimum(z, cap), 4).tolist(),
        "cmin": 0.0,
        "cmax": cap,
        "colorscale": MAP_COLOURS,
        "showscale": False,
        "opacity": 0.92,
        "hoverinfo": "skip",
        "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": False}, "width": 1}},
        "lighting": {"ambient": 0.75, "diffuse": 0.5, "specular": 0.05},
    }


def surface3d_figure(surface, views: list[RunView], lang: str = "en") -> dict:
    """The loss surface in 3D with the runs' paths on it.

    Its floor is square_window (to scale, like the map); its height range fits the part the
    runs visit: the surface is cut flat a little above the highest point of any path (never
    lower than a twentieth of the window's tallest point), so a bowl whose corners tower over
    the path (the data-fit problem) still shows its shape around the path.
    """
    xs, ys, excess = surface_grid(surface, SURFACE_GRID, "square")
    scale = height_scale(excess)
    z = heights(excess, scale)
    tallest = float(z.max())
    best = surface.global_minimum.value
    shown = [thinned(on_map(view), MAX_POINTS_3D) for view in views[:MAX_RUNS]]
    with np.errstate(all="ignore"):
        path_heights = [heights(np.maximum(finite_values(v.loss) - best, 0.0), scale) for v in shown]
    highest = max((float(np.max(h)) for h in path_heights if len(h)), default=tallest)
    cap = min(tallest, max(1.25 * highest, tallest / 20)) or 1.0
    x_name, y_name = surface.param_names
    data = [surface_trace(xs, ys, z, cap)]
    for slot in range(MAX_RUNS):
        view = shown[slot] if slot < len(shown) else None
        path_z = None
        if view is not None:
            # Lift the path a little so it stays visible on the surface.
            path_z = np.minimum(path_heights[slot], cap) + 0.01 * cap
        data.extend(_path_traces(view, three_d=True, z=path_z))
    layout = base_layout(t("surface_title", lang), lang)
    (x0, x1), (y0, y1) = square_window(surface)
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

