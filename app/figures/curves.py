"""The curves under the maps (loss, rate, gradient size), the data-fit view and the rate preview."""

from __future__ import annotations

import numpy as np

from app.figures.style import FONT, MAX_RUNS, PALETTE, base_layout, empty_trace
from app.figures.views import RunView
from app.i18n import t
from engine.cost import PER_EXAMPLE_US, STEP_OVERHEAD_US, examples_seen, modelled_time_ms

X_AXES = ("iteration", "epoch", "examples", "time")
# Below this many times |L*| a difference L - L* is rounding, not a loss; and no loss curve
# spans more decades than down to LOG_FLOOR (a quadratic's loss can fall to 1e-300 and
# would squash the rest of the curve into the top of the axis). Both floors are stated.
ROUNDING = 1e-13
LOG_FLOOR = 1e-16
# Rates spanning this factor or more are drawn on a log axis.
RATE_DECADE = 10.0


def curve_x(view: RunView, x_axis: str) -> np.ndarray:
    """Where each displayed point of a run sits on the curves' x axis (X_AXES)."""
    if x_axis == "epoch":
        return view.steps / max(1, view.steps_per_epoch)
    if x_axis == "examples":
        return examples_seen(view.steps, view.batch_size, view.examples, view.steps_per_epoch)
    if x_axis == "time":
        return modelled_time_ms(view.steps, view.batch_size, view.examples, view.steps_per_epoch)
    return view.steps


def curve_x_title(x_axis: str, lang: str) -> str:
    if x_axis == "time":
        return t("time_axis", lang, overhead=STEP_OVERHEAD_US, per_example=PER_EXAMPLE_US)
    return t({"epoch": "epoch_axis", "examples": "examples_axis"}.get(x_axis, "iteration"), lang)


def loss_values(views: list[RunView], lang: str) -> tuple[list[np.ndarray], bool, str, str]:
    """What the loss curve plots for each run, whether on a log axis, its title and its y-axis
    title.

    A log axis cannot show a loss that may be negative (the trap reaches -1.94), so it plots
    the loss above the best possible, L - L*, and says so; values at rounding level are drawn
    at a floor the axis names. A run that goes below L* (a formula whose minimum lies outside
    the window, or none at all) makes the axis linear and plots the loss itself.
    """
    raw = [finite_values(view.loss) for view in views]
    gaps = [loss - view.best for loss, view in zip(raw, views, strict=True)]
    floors = [_floor(view.best) for view in views]
    if any(np.any(gap < -floor) for gap, floor in zip(gaps, floors, strict=True)):
        return raw, False, t("loss_linear", lang), ""
    floored = any(np.any(gap < floor) for gap, floor in zip(gaps, floors, strict=True))
    values = [np.maximum(gap, floor) for gap, floor in zip(gaps, floors, strict=True)]
    best = views[0].best if views else 0.0
    shifted = any(v.best != 0 for v in views)
    title = t("loss_above_best", lang) if shifted else t("loss_log", lang)
    notes = [t("best_is", lang, best=best)] if shifted else []
    if floored:
        notes.append(t("floored", lang, floor=max(floors)))
    return values, True, title, ", ".join(notes)


def curve_figure(kind: str, views: list[RunView], lang: str = "en", x_axis: str = "iteration") -> dict:
    """kind: "loss" (log of L - L*, see loss_values), "lr" or "grad_norm" (log scale), against
    x_axis (X_AXES). Each curve's customdata holds the iteration of each point, whatever the
    x axis, so the player can draw it up to the current step."""
    if kind == "loss":
        series, log, title, y_title = loss_values(views, lang)
    elif kind == "lr":
        series = [finite_values(v.lr) for v in views]
        # A linear axis hides every rate below a tenth of the largest (ReduceLROnPlateau's cuts).
        positive = [r[r > 0] for r in series if np.any(r > 0)]
        log = bool(positive) and max(map(np.max, positive)) >= RATE_DECADE * min(map(np.min, positive))
        title, y_title = t("lr_axis_log" if log else "lr_axis", lang), ""
    else:
        norms = [finite_values(np.hypot(v.grad[:, 0], v.grad[:, 1])) for v in views]
        floored = any(np.any(n < LOG_FLOOR) for n in norms)
        series = [np.maximum(n, LOG_FLOOR) for n in norms]
        log, title = True, t("grad_norm", lang)
        y_title = t("floored", lang, floor=LOG_FLOOR) if floored else ""
    curves, points = [], []
    for slot in range(MAX_RUNS):
        if slot >= len(views):
            curves.append(empty_trace())
            points.append(empty_trace())
            continue
        view, y = views[slot], series[slot]
        x = curve_x(view, x_axis)
        curves.append(
            {
                "type": "scatter",
                "x": x.tolist(),
                "y": y.tolist(),
                "customdata": view.steps.tolist(),
                "mode": "lines",
                "line": {"color": view.colour, "width": 2.5, "shape": "hv" if kind == "lr" else "linear"},
                "name": view.label,
                "showlegend": False,
                "hovertemplate": "step %{customdata}: %{y:.4g}<extra></extra>",
            }
        )
        points.append(
            {
                "type": "scatter",
                "x": [float(x[-1])],
                "y": [float(y[-1])],
                "mode": "markers",
                "marker": {"size": 11, "color": view.colour, "line": {"color": "#fff", "width": 2}},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    layout = base_layout(title, lang)
    layout.update(curve_axes(curves, log, y_title, x_axis, lang), showlegend=False)
    return {"data": curves + points, "layout": layout}


def curve_axes(curves: list[dict], log: bool, y_title: str, x_axis: str, lang: str, y_range: list | None = None) -> dict:
    """The layout entries every curve shares (the surfaces' and the network's): its margin, the
    x axis (X_AXES, titled by curve_x_title) and the y axis, log or linear, titled y_title (a
    note such as the floor), with whole decades between labels on a log axis (decade_step of
    the curves' y). y_range: a fixed linear range (the accuracy's 0 to 100 %)."""
    step = decade_step(curves) if log else None
    short = short_log_ticks(curves) if log and step is None else None
    return {
        "margin": {"l": 62, "r": 12, "t": 36, "b": 44},
        "xaxis": {
            "title": {"text": curve_x_title(x_axis, lang), "font": {"size": 12 if x_axis == "time" else 15}},
            "rangemode": "tozero",
            "gridcolor": "#e4e7eb",
            "nticks": 6,
        },
        "yaxis": {
            "title": {"text": y_title, "font": {"size": 12}},
            "type": "log" if log else "linear",
            "exponentformat": "power",
            # Whole decades, a few labels whatever the range: no crowd of 2s and 5s.
            **({"dtick": step} if step else {}),
            **({"tickmode": "array", "tickvals": short} if short else {}),
            **({"range": y_range} if y_range is not None else {}),
            "gridcolor": "#e4e7eb",
            "rangemode": "normal" if log else "tozero",
            "nticks": 6,
        },
    }


# A curve is about 130 px tall on a 1280x720 screen: more labels than this, in powers of ten
# with superscripts, overlap.
LOG_LABELS = 3


def _floor(best: float) -> float:
    """The smallest L - L* a log axis draws for a surface whose best loss is `best`."""
    return max(ROUNDING * abs(best), LOG_FLOOR)


def _above_best(loss: float, best: float) -> float:
    """A final loss as the rate plot draws it: finite, above the best, at least the floor."""
    return max(float(finite_values(np.array([loss]))[0]) - best, _floor(best))


def decade_step(curves: list[dict]) -> int | None:
    """Whole decades between labels: about LOG_LABELS + 1 labels over the curves' finite
    positive values; None (Plotly's own 2s and 5s) when they span under two decades, where
    whole decades would leave the axis with one label or none."""
    values = np.concatenate([np.asarray(c["y"], dtype=float) for c in curves if len(c.get("y", []))] or [np.ones(1)])
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) == 0:
        return None
    decades = float(np.log10(values.max()) - np.log10(values.min()))
    if decades < 2:
        return None
    return max(1, int(np.ceil(decades / LOG_LABELS)))


def short_log_ticks(curves: list[dict]) -> list[float] | None:
    """The labels of a log axis spanning under two decades: round values (steps of 1, 2, 2.5
    or 5 times a power of ten, else 1-2-5, 1-3 or whole decades), as many as keep each gap at
    least a fifth of the span: Plotly's own labelled 6, 8, ... 22 on a 85 px axis, crowded
    together at the top. None: Plotly's own (no two such values in range)."""
    values = np.concatenate([np.asarray(c["y"], dtype=float) for c in curves if len(c.get("y", []))] or [np.ones(1)])
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) == 0 or values.max() <= values.min():
        return None
    low, high = float(values.min()), float(values.max())
    span = np.log10(high / low)
    if span >= 2:
        return None
    top = int(np.floor(np.log10(high)))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # near float's ends
        steps = [m * 10.0**power for power in range(top - 2, top + 1) for m in (1, 2, 2.5, 5)]
        candidates = [
            np.arange(np.ceil(low / step), np.floor(high / step) + 1) * step
            for step in steps
            if 0 < step < np.inf and (high - low) / step <= 8
        ]
        powers = 10.0 ** np.arange(top - 3, top + 1)
        candidates.append(np.sort(np.concatenate([powers, 2 * powers, 5 * powers])))
        candidates.append(np.sort(np.concatenate([powers, 3 * powers])))
        candidates.append(powers)
        best = None
        for ticks in candidates:
            ticks = ticks[(ticks >= low) & (ticks <= high) & (ticks > 0) & np.isfinite(ticks)]
            if len(ticks) >= 2 and np.min(np.diff(np.log10(ticks))) >= span / 5 - 1e-12:
                if best is None or len(ticks) > len(best):
                    best = ticks
    return None if best is None else [float(f"{v:.12g}") for v in best]


def finite_values(values: np.ndarray) -> np.ndarray:
    """Overflow capped at float's largest, NaN as 0: a curve never carries NaN or inf to JSON."""
    big = np.finfo(float).max
    return np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=big, neginf=-big)


def rate_figure(trajectories, views: list[RunView], lang: str = "en", rungs=()) -> dict:
    """Final loss above the best against the learning rate: the lecture's ladder.

    Laid out like the curves (trace s: run slot s's final loss, one marker, its customdata the
    run's last step, so the player shows it once the run has finished; MAX_RUNS + s: the same
    point as the "current" mark), then a dotted line joining the rungs by rate and the other
    rungs of the ladder (trajectories not on the map, in grey). A diverged run sits above the
    rest, marked with a cross.
    """
    best = views[0].best if views else 0.0  # one surface: the rungs differ only in rate
    rung_rates = [float(run.config.lr) for run in rungs]
    rung_finals = [_above_best(run.final_loss, best) for run in rungs]
    finals = [_above_best(trajectory.final_loss, best) for trajectory in trajectories]
    kept = [f for f, tr in zip([*finals, *rung_finals], [*trajectories, *rungs], strict=True) if tr.outcome != "diverged"]
    top = max(kept) * 30 if kept else 1.0
    rung_ys = [top if run.outcome == "diverged" else f for f, run in zip(rung_finals, rungs, strict=True)]
    ys = [top if tr.outcome == "diverged" else f for f, tr in zip(finals, trajectories, strict=True)]
    rates = [float(tr.config.lr) for tr in trajectories]
    markers, points = [], []
    for slot in range(MAX_RUNS):
        if slot >= len(views):
            markers.append(empty_trace())
            points.append(empty_trace())
            continue
        view, trajectory = views[slot], trajectories[slot]
        diverged = trajectory.outcome == "diverged"
        marker = {
            "type": "scatter",
            "x": [rates[slot]],
            "y": [ys[slot]],
            "customdata": [int(view.steps[-1])],
            "mode": "markers",
            "marker": {"size": 16, "color": view.colour, "symbol": "x" if diverged else "circle", "line": {"color": "#fff", "width": 1.5}},
            "name": view.label,
            "showlegend": False,
            "hovertemplate": "lr %{x:.3g}: %{y:.3g}<extra></extra>",
        }
        markers.append(marker)
        points.append({**marker, "hoverinfo": "skip", "hovertemplate": None, "marker": {**marker["marker"], "size": 10}})
    all_rates, all_ys = [*rates, *rung_rates], [*ys, *rung_ys]
    order = np.argsort(all_rates)
    line = {
        "type": "scatter",
        "x": [all_rates[i] for i in order],
        "y": [all_ys[i] for i in order],
        "mode": "lines",
        "line": {"color": "#9aa5b1", "width": 2, "dash": "dot"},
        "showlegend": False,
        "hoverinfo": "skip",
    }
    others = {
        "type": "scatter",
        "x": rung_rates,
        "y": rung_ys,
        "mode": "markers",
        "marker": {"size": 11, "color": "#9aa5b1", "symbol": ["x" if r.outcome == "diverged" else "circle" for r in rungs]},
        "showlegend": False,
        "hovertemplate": "lr %{x:.3g}: %{y:.3g}<extra></extra>",
    }
    layout = base_layout(t("rate_title", lang), lang)
    layout.update(
        margin={"l": 62, "r": 12, "t": 36, "b": 44},
        xaxis={"title": {"text": t("rate_axis", lang)}, "type": "log", "exponentformat": "power", "gridcolor": "#e4e7eb"},
        yaxis={
            "type": "log",
            "exponentformat": "power",
            **({"dtick": step} if (step := decade_step([{"y": all_ys}])) else {}),
            "gridcolor": "#e4e7eb",
        },
        showlegend=False,
        meta={**layout["meta"], "kind": "rate"},
    )
    return {"data": markers + points + [line, others], "layout": layout}


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
            data.append(empty_trace())
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
    layout = base_layout(t("data_title", lang), lang)
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
