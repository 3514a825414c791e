"""The network view's figures: its loss landscape (map and 3D), its output over the input plane,
its curves and the honesty figure. Plain data in, Plotly figure dicts out (no Dash imports).

Trace layouts follow app/figures (its docstring), so assets/player.js animates them as it does
the surfaces' figures:

- landscape map ("contour"): trace 0 the slice; for run slot s, 1 + 3s the whole projected
  path (faint; customdata the step of each point), 2 + 3s the path so far, 3 + 3s the current
  point; then START_TRACE (each run's start) and END_TRACE (each run's last point). No arrow
  traces: the gradient lives in weight space, not on the plane.
- 3D landscape ("surface3d"): trace 0 the slice; per slot 1 + 3s, 2 + 3s, 3 + 3s as the map.
- curves: per slot, trace s the curve (customdata: steps), MAX_RUNS + s its current point;
  the loss adds REFERENCE_TRACE, the reference loss L_ref the outcome labels measure against.
- honesty: trace 0 the true loss L(w_t), 1 the slice's loss at the projected point, 2 the
  distance from the plane (its own axis, at the right), 3 empty; 4 to 6 their current points, 7 empty.
- output: classification, trace 0 P(class 1) in percent over the raw input plane with the
  decision boundary (the 50 % line), 1 and 2 the data of class 0 and 1; regression, trace 0
  the data, 1 + s run slot s's fitted curve. One Plotly frame per kept step, named by its
  step, restyles z of trace 0 (classification) or y of traces 1 + s (regression);
  layout.meta.frame_steps lists the steps (the figure itself shows the last frame).

P(class 1) travels as whole percents (unsigned bytes, a quarter of float32's bytes); a colour
cannot show a finer difference. The classification frames' z are typed arrays already;
compact_figure puts a figure and the rest of its frames into the wire form.

Length: five figure builders of the network view (landscape map, 3D, output frames,
curves, the projection's honesty check), sharing one slot layout for the player, and the
network's learning-rate finder (the 2-D finder's figure on the loss itself).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from app.figures.curves import LOG_FLOOR, curve_axes, curve_x, decade_step
from app.figures.maps import MARKERS_UP_TO, MAX_POINTS_3D, height_scale, heights, surface_trace
from app.figures.style import CONTOUR_LINES, MAP_COLOURS, MAX_RUNS, base_layout, empty_trace
from app.figures.wire import compact, json_safe, round_to, typed_array
from app.i18n import t

START_TRACE = 1 + 3 * MAX_RUNS
END_TRACE = START_TRACE + 1
REFERENCE_TRACE = 2 * MAX_RUNS
# Class 0 and class 1 of the toy data: dark and light points, readable over both ends of the
# probability colours (OUTPUT_COLOURS).
CLASS_COLOURS = ("#1f2933", "#ffffff")
# P(class 1): blue for class 0, orange for class 1, white at the boundary (RdBu-like, Okabe-Ito ends).
OUTPUT_COLOURS = [[0.0, "#0072B2"], [0.5, "#f7f7f7"], [1.0, "#D55E00"]]
SLICE_LINE = "#52606d"
DISTANCE_LINE = "#7b8794"
# The 3D view's axis titles, in px, and how much further back its camera stands than the
# surfaces' (maps.surface3d_figure): at 1280x720 the scene is ~315x250 px.
SCENE_TITLE_PX = 13
CAMERA_BACK = 1.2
# The scene's centre, moved to the screen's left (across the camera's line of sight), so the
# drawing slides right
SCENE_SLIDE = (-0.09, 0.083)
# The honesty figure's margins: of its ~145 px at 1280x720 most go to the plot (t: below the
# curves' x-axis menu, which sits over the graph's top right).
HONESTY_MARGIN = {"l": 56, "r": 46, "t": 36, "b": 34}


@dataclass(frozen=True)
class PlanePath:
    """One run's path on the slice's plane, as drawn: steps (m,) of the kept points, coords
    (m, 2) their (α, β), height (m,) the slice's loss there (for the 3D view) or None."""

    label: str
    colour: str
    steps: np.ndarray
    coords: np.ndarray
    height: np.ndarray | None = None


@dataclass(frozen=True)
class CurveSeries:
    """One run's values along its steps, for a curve (duck-typed for curves.curve_x)."""

    label: str
    colour: str
    steps: np.ndarray
    values: np.ndarray
    steps_per_epoch: int = 1
    batch_size: int = 1
    examples: int = 1


def direction_titles(directions, lang: str = "en") -> tuple[str, str]:
    """The axis titles of the plane: "PC1: 94 %" (share of the path's variance), or
    "random direction 1 (filter-normalized)"."""
    if directions.kind == "pca":
        return tuple(
            t("network_pc_axis", lang, index=k + 1, share=_percent(float(share)))
            for k, share in enumerate(directions.explained)
        )
    return tuple(t("network_random_axis", lang, index=k + 1) for k in range(2))


def direction_symbols(directions) -> tuple[str, str]:
    """The plane's axes in a word each, for the 3D view: "PC1", "PC2" or "d₁", "d₂". A small
    3D scene places its titles in perspective, where the map's long titles run into each other
    (the map beside it gives the share or the normalization)."""
    if directions.kind == "pca":
        return "PC1", "PC2"
    return "d₁", "d₂"


def _percent(share: float) -> str:
    # under 10 %, one decimal: "0.4 %" says more than "0 %"
    value = 100 * share
    return f"{value:.0f}" if value >= 9.95 else f"{value:.1f}"


def _finite_loss(loss: np.ndarray) -> np.ndarray:
    """A slice's loss with inf (overflow far out) at its largest finite value: drawable."""
    loss = np.asarray(loss, dtype=float)
    finite = np.isfinite(loss)
    top = float(loss[finite].max()) if finite.any() else 0.0
    return np.where(finite, loss, top)


def _path_traces(path: PlanePath | None, three_d: bool, z: np.ndarray | None = None) -> list[dict]:
    kind = "scatter3d" if three_d else "scatter"
    if path is None:
        empty = {"z": []} if three_d else {}
        return [empty_trace(kind, **empty) for _ in range(3)]
    x, y = path.coords[:, 0].tolist(), path.coords[:, 1].tolist()
    steps = [int(s) for s in path.steps]
    zs = {} if z is None else {"z": z.tolist()}
    whole = {
        "type": kind,
        "x": x,
        "y": y,
        **zs,
        "mode": "lines",
        "line": {"color": path.colour, "width": 2, "dash": "dot"},
        "opacity": 0.45,
        "showlegend": False,
        "hoverinfo": "skip",
        "customdata": steps,  # the player's step of each point
    }
    so_far = {
        "type": kind,
        "x": x,
        "y": y,
        **zs,
        # markers denser than pixels show nothing and cost the player an SVG node each
        "mode": "lines+markers" if len(x) <= MARKERS_UP_TO else "lines",
        "line": {"color": path.colour, "width": 4 if three_d else 3},
        "marker": {"size": 3 if three_d else 5, "color": path.colour},
        "name": path.label,
        "showlegend": False,
        "customdata": steps,
        "hovertemplate": "step %{customdata}<extra>" + path.label + "</extra>",
    }
    point = {
        "type": kind,
        "x": [x[-1]],
        "y": [y[-1]],
        **({} if z is None else {"z": [float(z[-1])]}),
        "mode": "markers",
        "marker": {"size": 8 if three_d else 14, "color": path.colour, "line": {"color": "#ffffff", "width": 2}},
        "showlegend": False,
        "hoverinfo": "skip",
    }
    return [whole, so_far, point]


def _marks(paths: list[PlanePath | None], end: bool, lang: str) -> dict:
    shown = [p for p in paths if p is not None]
    index = -1 if end else 0
    return {
        "type": "scatter",
        "x": [float(p.coords[index, 0]) for p in shown],
        "y": [float(p.coords[index, 1]) for p in shown],
        "mode": "markers",
        "marker": {
            "symbol": "star" if end else "circle",
            "size": 16 if end else 10,
            "color": "#ffffff" if end else [p.colour for p in shown],
            "line": {"color": [p.colour for p in shown] if end else "#ffffff", "width": 2},
        },
        "text": [t("network_path_end" if end else "network_path_start", lang, step=int(p.steps[index])) for p in shown],
        "hovertemplate": "%{text}<extra></extra>",
        "showlegend": False,
        "name": "ends" if end else "starts",
    }


def landscape_map_figure(slice_, paths: list[PlanePath | None], lang: str = "en") -> dict:
    """The slice L(c + α d₁ + β d₂) as a contour map (colours and lines of the surface maps,
    z = log(1 + L − min L), customdata the loss itself), drawn to scale, with each run
    slot's projected path, its start and its last point."""
    loss = _finite_loss(slice_.loss)
    lowest = float(loss.min())
    data = [
        {
            "type": "contour",
            "x": slice_.alphas.tolist(),
            "y": slice_.betas.tolist(),
            "z": round_to(np.log1p(loss - lowest), 4).tolist(),
            "customdata": loss.tolist(),
            "colorscale": MAP_COLOURS,
            "ncontours": 22,
            "contours": {"coloring": "fill", "showlines": True},
            "line": {"width": 0.6, "color": CONTOUR_LINES},
            "showscale": False,
            "hovertemplate": "α %{x:.3g}, β %{y:.3g}: L = %{customdata:.4g}<extra></extra>",
            "name": "loss",
        }
    ]
    for slot in range(MAX_RUNS):
        data.extend(_path_traces(paths[slot] if slot < len(paths) else None, three_d=False))
    data += [_marks(paths, end=False, lang=lang), _marks(paths, end=True, lang=lang)]
    x_title, y_title = direction_titles(slice_.directions, lang)
    layout = base_layout(t("network_map_title", lang), lang)
    (a0, a1), (b0, b1) = (float(slice_.alphas[0]), float(slice_.alphas[-1])), (
        float(slice_.betas[0]),
        float(slice_.betas[-1]),
    )
    axis = {"showgrid": False, "zeroline": False, "nticks": 6, "constrain": "domain"}
    layout.update(
        margin={"l": 56, "r": 16, "t": 34, "b": 44},
        hovermode="closest",
        showlegend=False,
        modebar={"orientation": "v"},
        uirevision="network-map",
        xaxis={**axis, "title": {"text": x_title}, "range": [a0, a1]},
        # Equal pixels per unit: distances on the plane look as they are. constrain "domain"
        # shrinks the plot to the square window instead of showing blank space beside it.
        yaxis={**axis, "title": {"text": y_title}, "range": [b0, b1], "scaleanchor": "x", "scaleratio": 1},
        meta={**layout["meta"], "maps": 1, "kind": "network_map", "directions": slice_.directions.kind},
    )
    return {"data": data, "layout": layout}


def landscape_surface_figure(slice_, paths: list[PlanePath | None], lang: str = "en") -> dict:
    """The slice in 3D (as maps.surface3d_figure: heights above the slice's lowest loss, log
    heights when cliffs would hide the floor, cut a little above the highest path point), each
    path lifted onto the slice's loss at its projected points (PlanePath.height)."""
    loss = _finite_loss(slice_.loss)
    lowest = float(loss.min())
    scale = height_scale(loss - lowest)
    z = heights(loss - lowest, scale)
    tallest = float(z.max())
    shown = [_thinned(p, MAX_POINTS_3D) if p is not None else None for p in paths[:MAX_RUNS]]
    lifted = [
        None if p is None or p.height is None else heights(np.maximum(_finite_loss(p.height) - lowest, 0.0), scale)
        for p in shown
    ]
    highest = max((float(h.max()) for h in lifted if h is not None and len(h)), default=tallest)
    cap = min(tallest, max(1.25 * highest, tallest / 20)) or 1.0
    x_title, y_title = direction_symbols(slice_.directions)
    delta = t("network_loss_above_slice_min", lang)
    z_title = delta if scale == "linear" else f"log(1 + {delta})"
    # the axis title is short (the pane is small at 1280x720); hovering says what ΔL is
    surface = surface_trace(slice_.alphas, slice_.betas, z, cap)
    del surface["hoverinfo"]
    surface["hovertemplate"] = f"α %{{x:.3g}}, β %{{y:.3g}}: {z_title} = %{{z:.3g}}<br>{t('network_delta_loss', lang)}<extra></extra>"
    data = [surface]
    for slot in range(MAX_RUNS):
        path = shown[slot] if slot < len(shown) else None
        if path is not None and lifted[slot] is None:
            path = None  # no heights: a 3D path needs them
        # lifted a little so the path stays visible on the surface
        path_z = None if path is None else np.minimum(lifted[slot], cap) + 0.01 * cap
        data.extend(_path_traces(path, three_d=True, z=path_z))
    layout = base_layout(t("network_surface_title", lang), lang)
    title_font = {"size": SCENE_TITLE_PX}
    layout.update(
        margin={"l": 0, "r": 0, "t": 36, "b": 0},
        # upright, at the side: along the top it covered the title on a 1280x720 screen
        modebar={"orientation": "v"},
        scene={
            "xaxis": {"title": {"text": x_title, "font": title_font}, "range": [float(slice_.alphas[0]), float(slice_.alphas[-1])], "nticks": 5, "tickfont": {"size": 11}},
            "yaxis": {"title": {"text": y_title, "font": title_font}, "range": [float(slice_.betas[0]), float(slice_.betas[-1])], "nticks": 5, "tickfont": {"size": 11}},
            "zaxis": {"title": {"text": z_title, "font": {"size": 12}}, "range": [0, cap * 1.05], "nticks": 4, "tickfont": {"size": 10}},
            # a step further back than the surfaces' 3D view: the titles stay inside a small pane
            # the view slid right along the screen (eye and centre moved alike), so the height's
            # title, at the left, stays inside the pane: at 1280x720 its edge cut the title
            "camera": {
                "eye": {"x": -1.25 * CAMERA_BACK + SCENE_SLIDE[0], "y": -1.35 * CAMERA_BACK + SCENE_SLIDE[1], "z": 0.95 * CAMERA_BACK},
                "center": {"x": SCENE_SLIDE[0], "y": SCENE_SLIDE[1], "z": 0},
            },
            "domain": {"x": [0, 1], "y": [0, 1]},
            "aspectmode": "manual",
            # the window is square: equal floor sides keep it to scale
            "aspectratio": {"x": 1, "y": 1, "z": 0.6},
        },
        uirevision="network-surface",
        showlegend=False,
        meta={**layout["meta"], "kind": "network_surface", "slice_min": lowest},
    )
    return {"data": data, "layout": layout}


def _thinned(path: PlanePath, limit: int) -> PlanePath:
    """Every stride-th point and the last, at most limit in all."""
    keep = kept_indices(len(path.steps), limit)
    if len(keep) == len(path.steps):
        return path
    height = None if path.height is None else path.height[keep]
    return PlanePath(path.label, path.colour, path.steps[keep], path.coords[keep], height)


def kept_indices(count: int, limit: int) -> np.ndarray:
    """Indices 0..count−1 thinned to every stride-th one and the last, at most limit."""
    if count <= limit:
        return np.arange(count)
    stride = -(-(count - 1) // (limit - 1))
    keep = np.arange(0, count, stride)
    return keep if keep[-1] == count - 1 else np.append(keep, count - 1)


# ------------------------------------------------------------------ curves


def network_curve_figure(
    kind: str,
    series: list[CurveSeries],
    lang: str = "en",
    x_axis: str = "iteration",
    reference: float | None = None,
) -> dict:
    """kind "loss" (the full-data loss L(w_t) on a log axis), "accuracy" (training accuracy,
    0 to 100 %), "lr" (the rate of each update) or "grad_norm" (|∇| of each update's batch
    gradient, log axis), against x_axis (curves.X_AXES).

    The loss is L itself, not L − L* as for the surfaces: a network's L* is unknown, and the
    best loss the runs reached is hit by one run at one step, where L − L* would dive to the
    floor. Both losses are positive, so a log axis holds L. reference: L_ref, the loss the
    outcome labels measure against, drawn as a dotted line.
    """
    values = [np.nan_to_num(np.asarray(s.values, dtype=float), nan=0.0, posinf=np.finfo(float).max) for s in series]
    note = ""
    if kind == "accuracy":
        values = [100 * v for v in values]
        log = False
    elif kind == "lr":
        positive = [v[v > 0] for v in values if np.any(v > 0)]
        log = bool(positive) and max(map(np.max, positive)) >= 10 * min(map(np.min, positive))
    else:
        if any(np.any(v < LOG_FLOOR) for v in values):
            note = t("floored", lang, floor=LOG_FLOOR)
        values = [np.maximum(v, LOG_FLOOR) for v in values]
        log = True
    title = {
        "loss": "network_loss_title",
        "accuracy": "network_accuracy_title",
        "lr": "lr_axis_log" if log else "lr_axis",
        "grad_norm": "network_grad_title",
    }[kind]
    curves, points = [], []
    for slot in range(MAX_RUNS):
        if slot >= len(series):
            curves.append(empty_trace())
            points.append(empty_trace())
            continue
        run, y = series[slot], values[slot]
        x = curve_x(run, x_axis)
        curves.append(
            {
                "type": "scatter",
                "x": x.tolist(),
                "y": y.tolist(),
                "customdata": [int(s) for s in run.steps],
                "mode": "lines",
                "line": {"color": run.colour, "width": 2.5, "shape": "hv" if kind == "lr" else "linear"},
                "name": run.label,
                "showlegend": False,
                "hovertemplate": "step %{customdata}: %{y:.4g}<extra></extra>",
            }
        )
        points.append(
            {
                "type": "scatter",
                "x": [float(x[-1])] if len(x) else [],
                "y": [float(y[-1])] if len(y) else [],
                "mode": "markers",
                "marker": {"size": 11, "color": run.colour, "line": {"color": "#fff", "width": 2}},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    data = curves + points
    if kind == "loss" and reference is not None and series:
        end = max(float(curve_x(s, x_axis)[-1]) for s in series if len(s.steps))
        data.append(
            {
                "type": "scatter",
                "x": [0.0, end],
                "y": [max(reference, LOG_FLOOR)] * 2,
                "mode": "lines",
                "line": {"color": "#9aa5b1", "width": 1.5, "dash": "dot"},
                "name": t("network_reference_loss", lang),
                "showlegend": False,
                "hovertemplate": t("network_reference_loss", lang) + ": %{y:.4g}<extra></extra>",
            }
        )
    layout = base_layout(t(title, lang), lang)
    layout.update(
        curve_axes(curves, log, note, x_axis, lang, y_range=[0, 101] if kind == "accuracy" else None),
        showlegend=False,
        meta={**layout["meta"], "kind": f"network_{kind}"},
    )
    return {"data": data, "layout": layout}


def honesty_figure(steps: np.ndarray, on_plane, colour: str, lang: str = "en") -> dict:
    """What the map hides, along the current run's path (on_plane: an engine PathOnPlane at
    those steps): the true loss L(w_t) and the slice's loss at the projected point
    L(c + α_t d₁ + β_t d₂) on a log axis, and on a second axis at the right the distance |r_t|
    of w_t from the plane. One panel: the third graph is ~145 px tall on a 1280x720 screen,
    where two stacked panels left the losses a 25 px strip."""
    steps = [int(s) for s in steps]
    true_loss = np.maximum(_finite_loss(on_plane.true_loss), LOG_FLOOR)
    map_loss = np.maximum(_finite_loss(on_plane.plane_loss), LOG_FLOOR)
    distance = np.nan_to_num(np.asarray(on_plane.distance, dtype=float))
    # (values, hover word, legend word, line, axis): the legend's words are short, as it sits
    # inside the plot; the hover gives the whole name
    lines = [
        (true_loss, "network_true_loss", "network_true_loss", {"color": colour, "width": 2.5}, "y"),
        (map_loss, "network_map_loss", "network_map_loss_key", {"color": SLICE_LINE, "width": 2, "dash": "dash"}, "y"),
        (distance, "network_plane_distance", "network_plane_distance", {"color": DISTANCE_LINE, "width": 2, "dash": "dot"}, "y2"),
    ]
    curves, points = [], []
    for values, key, legend_key, line, y_axis in lines:
        name = t(key, lang)
        curves.append(
            {
                "type": "scatter",
                "x": steps,
                "y": values.tolist(),
                "customdata": steps,
                "mode": "lines",
                "line": line,
                "name": t(legend_key, lang),
                "yaxis": y_axis,
                "showlegend": y_axis == "y",
                "hovertemplate": f"step %{{customdata}}: %{{y:.4g}}<extra>{name}</extra>",
            }
        )
        points.append(
            {
                "type": "scatter",
                "x": [steps[-1]],
                "y": [float(values[-1])],
                "yaxis": y_axis,
                "mode": "markers",
                "marker": {"size": 9, "color": line["color"], "line": {"color": "#fff", "width": 2}},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    curves += [empty_trace()] * (MAX_RUNS - len(curves))
    points += [empty_trace()] * (MAX_RUNS - len(points))
    layout = base_layout(t("network_honesty_title", lang), lang)
    decades = decade_step(curves[:2])
    layout.update(
        margin=HONESTY_MARGIN,
        xaxis={"title": {"text": t("iteration", lang), "font": {"size": 12}, "standoff": 2}, "rangemode": "tozero", "gridcolor": "#e4e7eb", "nticks": 6, "tickfont": {"size": 12}},
        yaxis={
            "title": {"text": t("loss", lang), "font": {"size": 12}, "standoff": 2},
            "type": "log",
            "exponentformat": "power",
            **({"dtick": decades} if decades else {}),
            "gridcolor": "#e4e7eb",
            "tickfont": {"size": 12},
        },
        # the distance's own scale, in its colour, over the same plot
        yaxis2={
            "title": {"text": t("network_plane_distance_axis", lang), "font": {"size": 12, "color": DISTANCE_LINE}, "standoff": 2},
            "overlaying": "y",
            "side": "right",
            "tickmode": "auto",  # its own round numbers, not the loss axis's grid ("sync")
            "rangemode": "tozero",
            "showgrid": False,
            "zeroline": False,
            "nticks": 3,
            "tickfont": {"size": 11, "color": DISTANCE_LINE},
        },
        # inside the plot's top right, where a converging run's curves have fallen away
        legend={"orientation": "v", "y": 1.0, "x": 1.0, "xanchor": "right", "yanchor": "top", "font": {"size": 11}, "bgcolor": "rgba(255,255,255,0.7)"},
        showlegend=True,
        meta={**layout["meta"], "kind": "network_honesty"},
    )
    return {"data": curves + points, "layout": layout}


# ------------------------------------------------------------------ the network's output


def output_figure(
    data, frame_steps, outputs: list, colours: list[str], labels: list[str], lang: str = "en"
) -> dict:
    """The network's output over its input plane, one Plotly frame per kept step.

    data: the engine's Dataset. frame_steps: the player's step of each frame. outputs: per run
    slot an engine OutputFrames or None, one frame per frame step (a run that stopped early
    repeats its last iterate). For
    classification only the first slot's is drawn: P(class 1) in whole percents with the
    decision boundary at 50 %, the data coloured by class. For regression every slot's fitted
    curve over the data.
    """
    first = next(o for o in outputs if o is not None)
    frame_steps = [int(s) for s in frame_steps]
    names = [str(s) for s in frame_steps]
    if data.task == "classification":
        percent = np.rint(100 * np.nan_to_num(first.values, nan=0.5)).astype(np.uint8)
        traces = [
            {
                "type": "contour",
                "x": first.xs.tolist(),
                "y": first.ys.tolist(),
                "z": percent[-1].tolist(),
                "zmin": 0,
                "zmax": 100,
                "colorscale": OUTPUT_COLOURS,
                # one line, the decision boundary σ(z) = ½, over smooth colours
                "contours": {"coloring": "heatmap", "start": 50, "end": 50, "size": 1, "showlines": True},
                "line": {"width": 2.5, "color": "#1f2933"},
                "showscale": False,
                "name": "output",
                "hovertemplate": f"%{{x:.2f}}, %{{y:.2f}}: {t('network_p_class_1', lang)} = %{{z}} %<extra></extra>",
            }
        ]
        for label in (0, 1):
            chosen = data.targets == label
            traces.append(
                {
                    "type": "scatter",
                    "x": data.raw_inputs[chosen, 0].tolist(),
                    "y": data.raw_inputs[chosen, 1].tolist(),
                    "mode": "markers",
                    "marker": {"size": 7, "color": CLASS_COLOURS[label], "line": {"color": "#1f2933", "width": 1}},
                    "name": t("network_class_label", lang, label=label),
                    "showlegend": True,
                    "hovertemplate": "(%{x:.2f}, %{y:.2f})<extra>" + t("network_class_label", lang, label=label) + "</extra>",
                }
            )
        # packed at once: as lists, 60 frames of P² numbers would only be packed again
        frames = [{"name": name, "data": [{"z": typed_array(percent[k])}], "traces": [0]} for k, name in enumerate(names)]
        x_title, y_title = data.feature_names
        axes = {
            "xaxis": {"title": {"text": x_title}, "range": [float(first.xs[0]), float(first.xs[-1])], "showgrid": False, "zeroline": False, "constrain": "domain"},
            # the inputs' own units on both axes: the data's shape as it is
            "yaxis": {"title": {"text": y_title}, "range": [float(first.ys[0]), float(first.ys[-1])], "showgrid": False, "zeroline": False, "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"},
        }
        # The classes' key in the title: a legend there covered the title on a narrow pane.
        key = "  ".join(
            f'<span style="font-size:12px">{mark} {t("network_class_label", lang, label=label)}</span>'
            for label, mark in ((0, "●"), (1, "○"))
        )
        title = f"{t('network_boundary_title', lang)}   {key}"
    else:
        traces = [
            {
                "type": "scatter",
                "x": data.raw_inputs[:, 0].tolist(),
                "y": data.targets.tolist(),
                "mode": "markers",
                "marker": {"size": 7, "color": "rgba(31,41,51,0.55)"},
                "name": "data",
                "showlegend": False,
                "hovertemplate": "(%{x}, %{y})<extra></extra>",
            }
        ]
        fitted = []
        for slot in range(MAX_RUNS):
            output = outputs[slot] if slot < len(outputs) else None
            if output is None:
                traces.append(empty_trace())
                fitted.append(None)
                continue
            curve = _finite_loss(output.values)  # a diverging fit may overflow: drawn at its largest
            fitted.append(curve)
            traces.append(
                {
                    "type": "scatter",
                    "x": output.xs.tolist(),
                    "y": curve[-1].tolist(),
                    "mode": "lines",
                    "line": {"color": colours[slot], "width": 3},
                    "name": labels[slot],
                    "showlegend": False,
                    "hoverinfo": "skip",
                }
            )
        slots = [slot for slot, curve in enumerate(fitted) if curve is not None]
        frames = [
            {"name": name, "data": [{"y": fitted[s][k].tolist()} for s in slots], "traces": [1 + s for s in slots]}
            for k, name in enumerate(names)
        ]
        y_low, y_high = float(data.targets.min()), float(data.targets.max())
        pad = 0.15 * (y_high - y_low)
        axes = {
            "xaxis": {"title": {"text": data.feature_names[0]}, "gridcolor": "#e4e7eb"},
            # the data's range: a wild fit runs off the top rather than squashing the data
            "yaxis": {"title": {"text": data.target_name}, "range": [y_low - pad, y_high + pad], "gridcolor": "#e4e7eb"},
        }
        title = t("network_fitted_curve_title", lang)
    layout = base_layout(title, lang)
    layout.update(
        margin={"l": 56, "r": 12, "t": 36, "b": 44},
        hovermode="closest",
        showlegend=False,
        uirevision=f"network-output:{data.name}",
        meta={**layout["meta"], "kind": "network_output", "task": data.task, "frame_steps": frame_steps},
        **axes,
    )
    return {"data": traces, "layout": layout, "frames": frames}


def network_finder_figure(sweep, current_lr: float, lang: str = "en") -> dict:
    """app.explore_figures' learning-rate finder of a network sweep (engine.network.explore),
    on the loss L itself (log axis, as the network's curves: its L* is unknown) with the
    reference loss L_ref, the labels' yardstick, as a dotted line. The suggested rate is the
    engine's (measured against L_ref)."""
    from app.explore_figures import lr_finder_figure  # app.explore_figures imports app.figures

    figure = lr_finder_figure(replace(sweep, min_loss=0.0), current_lr, lang)
    loss_word, shown = t("explore_excess_loss", lang), t("loss", lang)
    for trace in figure["data"]:
        if "text" in trace:
            trace["text"] = [text.replace(loss_word, shown) for text in trace["text"]]
    reference = float(sweep.min_loss)
    figure["layout"]["shapes"].append(
        {
            "type": "line",
            "xref": "paper",
            "yref": "y",
            "x0": 0.0,
            "x1": 1.0,
            "y0": reference,
            "y1": reference,
            "line": {"color": "#9aa5b1", "width": 1.5, "dash": "dot"},
            "label": {"text": t("network_reference_loss", lang), "textposition": "start", "font": {"size": 12}},
        }
    )
    figure["layout"]["yaxis"]["title"] = {"text": t("network_finder_loss", lang)}
    figure["layout"]["meta"] = {**figure["layout"]["meta"], "reference_loss": reference}
    return figure


def compact_figure(figure: dict, plain: tuple[int, ...] = ()) -> dict:
    """wire.compact for a figure and its frames: long arrays as typed arrays, strict JSON."""
    out = compact(figure, plain)
    if "frames" in figure:
        out["frames"] = [
            {**frame, "data": [json_safe({key: _typed(value) for key, value in trace.items()}) for trace in frame["data"]]}
            for frame in figure["frames"]
        ]
    return out


def _typed(value):
    if isinstance(value, list) and value:
        try:
            return typed_array(value)
        except ValueError:  # ragged rows
            return value
    return value
