"""The curves under the maps (loss, rate, gradient size), the data-fit view and the rate preview."""

from __future__ import annotations

import numpy as np

from app.figures.style import FONT, MAX_RUNS, PALETTE, _base_layout, _empty_trace
from app.figures.views import RunView
from app.i18n import t


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
