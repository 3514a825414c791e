"""Figures for engine.explore: the learning-rate finder and the stability map (no Dash imports).

Both are pure functions returning Plotly figure dicts, JSON-safe (no NaN or inf). Every point
or cell carries in customdata the setting it ran with, so a click can load it:
- lr_finder_figure: customdata of a point = its learning rate (a number).
- stability_map_figure: customdata of a cell = [learning rate, second setting's value].
Outcomes always take the same colour, from the Okabe–Ito palette (colour-blind safe).
"""

from __future__ import annotations

import math

import numpy as np

from app.figures import FONT, base_layout
from app.i18n import TEXT, t
from engine.explore import LrSweep, StabilityMap
from engine.outcome import OUTCOMES

OUTCOME_COLOURS = {
    "converged": "#009E73",
    "overshooting": "#E69F00",
    "diverged": "#D55E00",
    "local_minimum": "#CC79A7",
    "slow": "#56B4E9",
    "saddle": "#999999",
}
# An outcome named after this table was written still gets a colour of its own.
OTHER_OUTCOME_COLOUR = "#555555"
# Cells the engine refuses to run (cyclic's max_lr below its base_lr) show the plot's
# background through the gap.
REFUSED_COLOUR = "#e4e7eb"
INK = FONT["color"]
LIMIT_COLOUR = "#0072B2"
SUGGESTED_COLOUR = "#F0E442"
# A log axis cannot show 0: excess losses are floored here (as in app.figures' curves).
LOSS_FLOOR = 1e-16
# Diverged runs sit this factor above the highest loss of any other run (or the start).
DIVERGED_HEADROOM = 10.0

def outcome_name(outcome: str, lang: str = "en") -> str:
    """An outcome's name in the legend; one named after the words were written reads as its key."""
    key = f"explore_{outcome}"
    return t(key, lang) if key in TEXT else outcome.replace("_", " ")


def second_label(second: str, scheduler: str, lang: str = "en") -> str:
    """Axis title of a second setting: the lecture's word, or scheduler.name (PyTorch's)."""
    if f"explore_{second}" in TEXT:
        return t(f"explore_{second}", lang)
    return f"{scheduler}.{second}"


def limit_formula(config) -> str:
    """The critical-rate formula of config's optimizer (engine.explore.critical_rate)."""
    if config.optimizer == "nesterov":
        return "2(1+μ)/((1+2μ)λmax)"
    if config.optimizer == "momentum":
        params = dict(config.optimizer_params)
        if params.get("dampening", 0.0) and params.get("momentum", 0.9):
            return "2(1+μ)/((1−dampening)λmax)"
        return "2(1+μ)/λmax"
    return "2/λmax"


# ------------------------------------------------------------------ learning-rate finder


def lr_finder_figure(sweep: LrSweep, current_lr: float, lang: str = "en") -> dict:
    """Excess loss at the end of each run against its rate (log-log), coloured by outcome.

    Diverged runs are drawn as × at a capped height above every other run; the current rate
    is a dashed line, the stability limit 2/λmax (on quadratics) a blue line, and this
    optimizer's own limit a second line when it differs. The suggested rate is a star.
    """
    rates = np.asarray(sweep.rates, dtype=float)
    shown = np.maximum(sweep.excess_loss, LOSS_FLOOR)
    kept = ~np.asarray(sweep.diverged, dtype=bool)
    start = max(sweep.start_loss - sweep.min_loss, LOSS_FLOOR)
    cap = DIVERGED_HEADROOM * max(float(shown[kept].max()) if kept.any() else 0.0, start)
    heights = np.where(kept, shown, cap)
    outcome = np.asarray(sweep.outcome)
    lr_word, loss_word = t("explore_learning_rate", lang), t("explore_excess_loss", lang)

    def hover(i: int) -> str:
        at = sweep.diverged_at[i]
        if at is not None:
            what = t("explore_diverged_at", lang, step=at)
        else:
            what = outcome_name(str(outcome[i]), lang)
        loss = f"{loss_word} {float(sweep.excess_loss[i]):.3g}"
        return f"{lr_word} {rates[i]:.3g}<br>{loss}<br>{what}"

    data = [
        {  # a faint guide through the runs that stayed sane, so the curve reads as one
            "type": "scatter",
            "x": rates[kept].tolist(),
            "y": heights[kept].tolist(),
            "mode": "lines",
            "line": {"color": "#9aa5b1", "width": 1.5},
            "showlegend": False,
            "hoverinfo": "skip",
        }
    ]
    for name in OUTCOMES:
        chosen = np.flatnonzero(outcome == name)
        diverged = name == "diverged"
        data.append(
            {
                "type": "scatter",
                "x": rates[chosen].tolist(),
                "y": heights[chosen].tolist(),
                "mode": "markers",
                "name": outcome_name(name, lang),
                "showlegend": bool(len(chosen)),
                "marker": {
                    "color": OUTCOME_COLOURS.get(name, OTHER_OUTCOME_COLOUR),
                    "symbol": "x" if diverged else "circle",
                    "size": 11 if diverged else 9,
                    "line": {"color": "#ffffff", "width": 0 if diverged else 1},
                },
                "customdata": rates[chosen].tolist(),
                "text": [hover(int(i)) for i in chosen],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    suggested = sweep.suggested_rate
    if suggested is not None:
        i = int(np.argmin(np.abs(rates - suggested)))
        data.append(
            {
                "type": "scatter",
                "x": [float(rates[i])],
                "y": [float(heights[i])],
                "mode": "markers",
                "name": t("explore_suggested", lang, value=f"{suggested:.3g}"),
                "marker": {
                    "color": SUGGESTED_COLOUR,
                    "symbol": "star",
                    "size": 20,
                    "line": {"color": INK, "width": 1.5},
                },
                "customdata": [float(rates[i])],
                "text": [hover(i)],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    else:
        data.append({"type": "scatter", "x": [], "y": [], "showlegend": False, "hoverinfo": "skip"})

    shapes = [
        _vertical_line(
            current_lr,
            t("explore_current", lang, value=f"{current_lr:.3g}"),
            INK,
            "dash",
            "start",
        )
    ]
    if sweep.stability_limit is not None:
        shapes.append(_vertical_line(sweep.stability_limit, "2/λmax", LIMIT_COLOUR, "dot", "end"))
    own = sweep.optimizer_limit
    if (
        own is not None
        and sweep.stability_limit is not None
        and not math.isclose(own, sweep.stability_limit, rel_tol=1e-9)
    ):
        shapes.append(
            _vertical_line(own, limit_formula(sweep.config), LIMIT_COLOUR, "dashdot", "middle")
        )

    layout = base_layout(t("explore_finder_title", lang, steps=sweep.config.steps), lang)
    layout.update(
        xaxis={
            "title": {"text": lr_word},
            "type": "log",
            "range": _log_range(rates),
            "exponentformat": "power",
            "gridcolor": "#e4e7eb",
        },
        yaxis={
            "title": {"text": loss_word},
            "type": "log",
            "exponentformat": "power",
            "gridcolor": "#e4e7eb",
        },
        shapes=shapes,
        clickmode="event",
        hovermode="closest",
        meta={**layout["meta"], "suggested_rate": suggested},
    )
    return {"data": data, "layout": layout}


def _vertical_line(x: float, text: str, colour: str, dash: str, position: str) -> dict:
    # Shapes take data coordinates on a log axis (annotations would need log10 of them).
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": float(x),
        "x1": float(x),
        "y0": 0.0,
        "y1": 1.0,
        "line": {"color": colour, "width": 2, "dash": dash},
        "label": {
            "text": text,
            "textposition": position,
            "textangle": 0,
            "xanchor": "left",
            "font": {"size": 12, "color": colour},
        },
    }


def _log_range(values: np.ndarray) -> list[float]:
    """A log axis's range (in log10 units) covering values with half a grid step to spare."""
    logs = np.log10(np.asarray(values, dtype=float))
    half = 0.5 * float(np.min(np.diff(logs))) if len(logs) > 1 else 0.5
    return [float(logs[0] - half), float(logs[-1] + half)]


def _linear_range(values: np.ndarray) -> list[float]:
    values = np.asarray(values, dtype=float)
    half = 0.5 * float(np.min(np.diff(values))) if len(values) > 1 else 0.5
    return [float(values[0] - half), float(values[-1] + half)]


# ---------------------------------------------------------------------- stability map


def stability_map_figure(
    smap: StabilityMap, current_lr: float, current_second: float, lang: str = "en"
) -> dict:
    """Each cell's outcome over learning rate (log x) and the second setting (y).

    A discrete colour scale in the outcome colours, with a colour bar naming the outcomes;
    the current settings as a dark, white-outlined dot; on quadratics with a momentum
    setting, the theoretical boundary lr = 2(1+μ)/λmax (or Nesterov's) as a dark dashed line.
    """
    rates = np.asarray(smap.rates, dtype=float)
    values = np.asarray(smap.values)
    k = len(OUTCOMES)
    code = {name: i for i, name in enumerate(OUTCOMES)}
    colourscale = []
    for i, name in enumerate(OUTCOMES):
        colour = OUTCOME_COLOURS.get(name, OTHER_OUTCOME_COLOUR)
        colourscale += [[i / k, colour], [(i + 1) / k, colour]]
    second_word = second_label(smap.second, smap.config.scheduler, lang)
    lr_word = t("explore_learning_rate", lang)
    names = [outcome_name(name, lang) for name in OUTCOMES]

    def number(value) -> float | int:
        return int(value) if isinstance(value, np.integer) else float(value)

    z, text, customdata = [], [], []
    for row, value in enumerate(values):
        cells = smap.outcome[row]
        z.append([None if o is None else code[o] for o in cells])
        text.append([t("explore_refused", lang) if o is None else names[code[o]] for o in cells])
        customdata.append([[float(rate), number(value)] for rate in rates])
    data = [
        {
            "type": "heatmap",
            "x": rates.tolist(),
            "y": values.tolist(),
            "z": z,
            "zmin": -0.5,
            "zmax": k - 0.5,
            "colorscale": colourscale,
            "colorbar": {
                "tickvals": list(range(k)),
                "ticktext": names,
                "thickness": 14,
                "len": 0.9,
                "outlinewidth": 0,
            },
            "text": text,
            "customdata": customdata,
            "hovertemplate": f"{lr_word} %{{customdata[0]:.3g}}<br>{second_word} "
            "%{customdata[1]:.3g}<br>%{text}<extra></extra>",
            "showlegend": False,
        }
    ]
    if smap.boundary is not None:
        formula = f"lr = {limit_formula(smap.config)}"
        data.append(
            {
                "type": "scatter",
                "x": np.asarray(smap.boundary, dtype=float).tolist(),
                "y": values.astype(float).tolist(),
                "mode": "lines",
                "name": t("explore_theory", lang, formula=formula),
                "line": {"color": INK, "width": 3, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    shown_second = float(current_second)
    if smap.second_log and shown_second <= 0:  # a log axis has no 0: sit on the bottom row
        shown_second = float(values[0])
    data.append(
        {
            "type": "scatter",
            "x": [float(current_lr)],
            "y": [shown_second],
            "mode": "markers",
            "name": t("explore_current_settings", lang),
            "marker": {"color": INK, "size": 15, "line": {"color": "#ffffff", "width": 3}},
            "customdata": [[float(current_lr), float(current_second)]],
            "hovertemplate": f"{lr_word} {float(current_lr):.3g}<br>{second_word} "
            f"{float(current_second):.3g}<extra></extra>",
        }
    )
    yaxis = {"title": {"text": second_word}, "showgrid": False, "zeroline": False}
    if smap.second_log:
        yaxis.update(type="log", range=_log_range(values), exponentformat="power")
        if smap.second == "batch_size":
            yaxis.update(tickvals=values.tolist(), ticktext=[str(v) for v in values.tolist()])
    else:
        yaxis.update(range=_linear_range(values))
    layout = base_layout(t("explore_map_title", lang, steps=smap.steps), lang)
    layout.update(
        xaxis={
            "title": {"text": lr_word},
            "type": "log",
            "range": _log_range(rates),
            "exponentformat": "power",
            "showgrid": False,
            "zeroline": False,
        },
        yaxis=yaxis,
        plot_bgcolor=REFUSED_COLOUR,
        clickmode="event",
        hovermode="closest",
    )
    return {"data": data, "layout": layout}
