"""The page: controls on the left, synchronized views on the right."""

from __future__ import annotations

import math

from dash import dcc, html

from app.controls import batch_options, labelled, option, param_block
from app.i18n import t
from engine import SURFACES, limits
from engine.datafit import DataFit
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZER_PARAMS, OPTIMIZER_TITLES
from engine.schedules import SCHEDULER_NAMES, SCHEDULER_PARAMS, SCHEDULER_TITLES

DEFAULTS = {
    "surface": "bowl",
    "optimizer": "sgd",
    "lr": 0.1,
    "scheduler": "constant",
    "batch_size": "full",
    "normalization": "none",
    "steps": 100,
    "seed": 0,
}
GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": "hover",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
}
CURVE_CONFIG = {"displayModeBar": False, "responsive": True}


def surface_options(lang: str) -> list[dict]:
    options = []
    for name, problem in SURFACES.items():
        label = problem.title if hasattr(problem, "title") else name
        if isinstance(problem, DataFit):
            label = f"{label} ({t('data_fit', lang)})"
        options.append(option(label, name))
    return options


def lr_marks() -> dict:
    low, high = round(math.log10(limits.LR_MIN)), round(math.log10(limits.LR_MAX))
    return {e: f"{10.0**e:g}" for e in range(low, high + 1, 2)}


def controls(lang: str) -> html.Aside:
    linreg_n = SURFACES["linreg"].n
    return html.Aside(
        [
            labelled(
                t("surface", lang),
                dcc.Dropdown(id="surface", options=surface_options(lang), value=DEFAULTS["surface"], clearable=False),
                control_id="surface",
            ),
            labelled(
                t("optimizer", lang),
                dcc.Dropdown(
                    id="optimizer",
                    options=[option(OPTIMIZER_TITLES[n], n) for n in OPTIMIZER_NAMES],
                    value=DEFAULTS["optimizer"],
                    clearable=False,
                ),
                control_id="optimizer",
            ),
            html.Div(
                [
                    param_block(OPTIMIZER_PARAMS[name], "opt-param", name, name == DEFAULTS["optimizer"])
                    for name in OPTIMIZER_NAMES
                ],
                className="param-blocks",
            ),
            labelled(
                t("learning_rate", lang),
                html.Div(
                    [
                        dcc.Slider(
                            id="lr-slider",
                            min=math.log10(limits.LR_MIN),
                            max=math.log10(limits.LR_MAX),
                            step=0.01,
                            value=math.log10(DEFAULTS["lr"]),
                            marks=lr_marks(),
                            updatemode="mouseup",
                        ),
                        dcc.Input(
                            id="lr",
                            type="number",
                            value=DEFAULTS["lr"],
                            debounce=True,
                            className="number-input lr-input",
                            inputMode="decimal",
                        ),
                    ],
                    className="lr-row",
                ),
                control_id="lr",
                error_id="lr-error",
            ),
            labelled(
                t("scheduler", lang),
                dcc.Dropdown(
                    id="scheduler",
                    options=[option(SCHEDULER_TITLES[n], n) for n in SCHEDULER_NAMES],
                    value=DEFAULTS["scheduler"],
                    clearable=False,
                ),
                control_id="scheduler",
            ),
            html.Div(
                [
                    param_block(SCHEDULER_PARAMS[name], "sched-param", name, name == DEFAULTS["scheduler"])
                    for name in SCHEDULER_NAMES
                ],
                className="param-blocks",
            ),
            dcc.Graph(id="lr-preview", config={"displayModeBar": False, "staticPlot": True}, className="lr-preview"),
            html.Div(id="params-error", className="control-error", role="alert"),
            html.Div(
                [
                    labelled(
                        t("batch_size", lang),
                        dcc.Dropdown(
                            id="batch-size",
                            options=batch_options(linreg_n, lang),
                            value=DEFAULTS["batch_size"],
                            clearable=False,
                            disabled=True,
                        ),
                        control_id="batch-size",
                        error_id="batch-error",
                    ),
                    labelled(
                        t("normalization", lang),
                        dcc.RadioItems(
                            id="normalization",
                            options=[
                                option(t("norm_none", lang), "none"),
                                option(t("norm_standard", lang), "standard"),
                                option(t("norm_minmax", lang), "minmax"),
                            ],
                            value=DEFAULTS["normalization"],
                            className="radio",
                        ),
                        control_id="normalization",
                    ),
                    html.Div(id="data-only-reason", className="control-hint"),
                ],
                className="data-controls",
            ),
            html.Div(
                [
                    labelled(
                        t("steps", lang),
                        dcc.Input(
                            id="steps",
                            type="number",
                            value=DEFAULTS["steps"],
                            min=limits.STEPS_MIN,
                            max=limits.STEPS_MAX,
                            step=1,
                            debounce=True,
                            className="number-input",
                        ),
                        control_id="steps",
                        error_id="steps-error",
                    ),
                    labelled(
                        t("seed", lang),
                        dcc.Input(
                            id="seed",
                            type="number",
                            value=DEFAULTS["seed"],
                            min=limits.SEED_MIN,
                            max=limits.SEED_MAX,
                            step=1,
                            debounce=True,
                            className="number-input",
                        ),
                        control_id="seed",
                        error_id="seed-error",
                    ),
                ],
                className="pair-row",
            ),
            labelled(
                t("start", lang),
                html.Div(
                    [
                        dcc.Input(id="start-x", type="number", debounce=True, placeholder="x", className="number-input"),
                        dcc.Input(id="start-y", type="number", debounce=True, placeholder="y", className="number-input"),
                    ],
                    className="pair-row",
                ),
                hint=t("start_hint", lang),
                error_id="start-error",
            ),
            html.Div(
                [
                    html.Button(t("pin", lang), id="pin", className="button", n_clicks=0),
                    html.Button(t("clear_pins", lang), id="clear-pins", className="button ghost", n_clicks=0),
                ],
                className="pair-row",
            ),
            html.Div(t("compare_hint", lang), className="control-hint"),
        ],
        className="controls",
        id="controls",
    )


def player_bar(lang: str) -> html.Div:
    return html.Div(
        [
            html.Button("|◀", id="player-start", className="icon-button", title="Home", n_clicks=0),
            html.Button("◀", id="player-back", className="icon-button", title="←", n_clicks=0),
            html.Button("▶", id="player-play", className="icon-button play", title=f"{t('play', lang)} (space)", n_clicks=0),
            html.Button("▶|", id="player-forward", className="icon-button", title="→", n_clicks=0),
            dcc.Input(id="player-scrubber", type="range", min=0, max=100, step=1, value=100, className="scrubber"),
            html.Span(
                [html.Span(t("step", lang) + " "), html.Span("0", id="player-step"), html.Span(" / "), html.Span("0", id="player-total")],
                className="step-label",
            ),
            html.Label(t("speed", lang), htmlFor="player-speed", className="speed-label"),
            dcc.Dropdown(
                id="player-speed",
                options=[option(f"{s}×", s) for s in (0.25, 0.5, 1, 2, 4)],
                value=1,
                clearable=False,
                searchable=False,
                className="speed",
            ),
        ],
        className="player",
        id="player",
    )


def views(lang: str) -> html.Section:
    def graph(graph_id: str, class_name: str) -> dcc.Graph:
        config = GRAPH_CONFIG if class_name == "map" else CURVE_CONFIG
        return dcc.Graph(id=graph_id, config=config, className=f"graph {class_name}")

    return html.Section(
        [
            html.Div(id="formula", className="formula"),
            html.Div([graph("contour", "map"), graph("surface3d", "map")], className="maps"),
            player_bar(lang),
            html.Div(id="badges", className="badges", role="status"),
            html.Div(
                [graph("loss-graph", "curve"), graph("lr-graph", "curve"), graph("third-graph", "curve")],
                className="curves",
            ),
        ],
        className="views",
    )


def page(lang: str = "en") -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="pinned", data=[]),
            dcc.Store(id="current-config"),
            html.Header(
                [
                    html.H1("Descent Lab"),
                    html.Span(t("tagline", lang), className="tagline"),
                    html.Div(id="notice", className="notice", role="alert"),
                ],
                className="topbar",
            ),
            html.Div([controls(lang), views(lang)], className="workspace"),
        ],
        id="page",
        className="page",
    )
