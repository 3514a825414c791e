"""The page: controls on the left, synchronized views on the right.

Length: the whole page is one tree of components (controls, views, explorers, help), built
from the URL state; split by panel it would pass the same state through five modules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dash import dcc, html, no_update

from app import network_page
from app.controls import (
    batch_options,
    control_values,
    labelled,
    optimizer_options,
    option,
    param_block,
    scheduler_options,
)
from app.figures.curves import X_AXES
from app.i18n import name_in, t
from app.lessons import EVERY_LESSON, LESSONS, lesson_text
from app.runs import config_to_dict
from app.upload import MAX_UPLOAD_BYTES
from engine import SURFACES, limits
from engine.catalog import DATA_SURFACES, has_data

GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": "hover",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
}
CURVE_CONFIG = {"displayModeBar": False, "responsive": True}
# The map's contour, under the paths graph (app.figures.layers): it only shows.
LAYER_CONFIG = {"staticPlot": True, "displayModeBar": False, "responsive": True}

# The explorers' and the Code view's copies of the run drawn (current-config): a new run goes
# on only to the copy of the lower view on screen (handed_on), so a hidden lower view costs no
# request per change (issue 16). The layout holds the first answer's run in both
# (app.factory.first_answer).
FOLLOWERS = {"explore": "explore-follow", "code": "code-follow"}
FOLLOWER_OF = {"finder": "explore", "map": "explore", "code": "code"}  # lower view -> the copy it reads


def handed_on(view, config) -> tuple:
    """FOLLOWERS' new values, in order, for a run drawn while `view` is on screen under the
    player: the run to the copy that view reads, no_update to the other (and to both under the
    curves, or when no run was drawn)."""
    to = FOLLOWER_OF.get(view) if isinstance(view, str) else None
    return tuple(config if name == to and config is not no_update else no_update for name in FOLLOWERS)


def surface_options(lang: str) -> list[dict]:
    options = []
    for name, problem in SURFACES.items():
        label = name_in("surface", name, problem.title, lang)
        if has_data(problem) and lang == "en":
            label = f"{label} ({t('data_fit', lang)})"
        options.append(option(label, name))
    options.append(option(t("own_formula", lang), "custom"))
    options.append(option(t("own_data", lang), "upload"))
    options.append(option(t("network_menu", lang), network_page.NETWORK))
    return options


def own_surface_controls(state, lang: str) -> html.Div:
    """A lecturer's own formula, or own data: shown only when chosen as the surface."""
    custom = state.custom or {}
    return html.Div(
        [
            html.Div(
                [
                    labelled(
                        t("formula_field", lang),
                        dcc.Input(
                            id="formula-text",
                            type="text",
                            value=custom.get("formula", "x**2 + 3*sin(y)"),
                            debounce=True,
                            maxLength=200,
                            spellCheck=False,
                            className="number-input formula-input",
                        ),
                        control_id="formula-text",
                        hint=t("formula_hint", lang),
                        error_id="formula-error",
                    ),
                    html.Div(
                        [
                            labelled(
                                t("x_range", lang),
                                dcc.Input(id="formula-x-range", type="text", value=custom.get("x_range", "-3, 3"), debounce=True, className="number-input"),
                            ),
                            labelled(
                                t("y_range", lang),
                                dcc.Input(id="formula-y-range", type="text", value=custom.get("y_range", "-3, 3"), debounce=True, className="number-input"),
                            ),
                        ],
                        className="pair-row",
                    ),
                ],
                id="formula-controls",
                hidden=state.current_surface != "custom",
            ),
            html.Div(
                [
                    dcc.Upload(
                        id="upload-file",
                        children=html.Div(t("upload_hint", lang, mb=f"{MAX_UPLOAD_BYTES / 1e6:g}")),
                        max_size=MAX_UPLOAD_BYTES,
                        accept=".csv,text/csv,text/plain",
                        className="upload",
                    ),
                    html.Div(
                        [
                            labelled("x", dcc.Dropdown(id="upload-x", clearable=False)),
                            labelled("y", dcc.Dropdown(id="upload-y", clearable=False)),
                        ],
                        className="pair-row",
                    ),
                    html.Div(id="upload-notes", className="control-hint"),
                    html.Div(id="upload-error", className="control-error", role="alert"),
                ],
                id="upload-controls",
                hidden=state.current_surface != "upload",
            ),
        ]
    )


def lr_marks() -> dict:
    low, high = round(math.log10(limits.LR_MIN)), round(math.log10(limits.LR_MAX))
    return {e: f"{10.0**e:g}" for e in range(low, high + 1, 2)}


def controls(state, lang: str) -> html.Aside:
    config = state.current
    # Off a data problem the batch sizes are the built-in fit's (the control is then disabled).
    data = config.problem if has_data(config.problem) else SURFACES[DATA_SURFACES[0]]
    batch = "full" if config.batch_size is None else config.batch_size
    batch_choices = batch_options(data.n, lang)
    network = state.network
    if network is not None:  # the network's own data: its batch size and scaling
        batch = "full" if network.current.batch_size is None else network.current.batch_size
        batch_choices = network_page.batch_choices(network_page.NETWORK, network.current.dataset, lang)
    if batch not in [o["value"] for o in batch_choices]:
        batch_choices.insert(-1, option(str(batch), batch))
    start_x, start_y = config.start if config.start is not None else (None, None)
    return html.Aside(
        [
            labelled(
                t("surface", lang),
                dcc.Dropdown(id="surface", options=surface_options(lang), value=state.current_surface, clearable=False),
                control_id="surface",
            ),
            own_surface_controls(state, lang),
            network_page.network_controls(network, lang),
            labelled(
                t("optimizer", lang),
                dcc.Dropdown(
                    id="optimizer",
                    options=optimizer_options(lang),
                    value=config.optimizer,
                    clearable=False,
                ),
                control_id="optimizer",
            ),
            # Only the chosen optimizer's parameters: a new choice brings its own block
            # (callbacks.show_optimizer_params): the first render skips ~190 of ~390 components.
            html.Div(
                param_block("opt-param", config.optimizer, control_values("opt-param", config.optimizer, config.optimizer_params)),
                id="opt-params",
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
                            value=math.log10(config.lr),
                            marks=lr_marks(),
                            updatemode="mouseup",
                        ),
                        dcc.Input(
                            id="lr",
                            type="number",
                            value=config.lr,
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
                    options=scheduler_options(lang),
                    value=config.scheduler,
                    clearable=False,
                ),
                control_id="scheduler",
            ),
            html.Div(
                param_block("sched-param", config.scheduler, control_values("sched-param", config.scheduler, config.scheduler_params)),
                id="sched-params",
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
                            options=batch_choices,
                            value=batch,
                            clearable=False,
                            disabled=not has_data(config.problem) and network is None,
                        ),
                        control_id="batch-size",
                        error_id="batch-error",
                    ),
                    labelled(
                        t("normalization", lang),
                        dcc.RadioItems(
                            id="normalization",
                            options=network_page.normalization_options(state.current_surface, lang),
                            value=config.normalization if network is None else network.current.normalization,
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
                            value=config.steps,
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
                            value=config.seed,
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
            html.Div(
                labelled(
                    t("start", lang),
                    html.Div(
                        [
                            dcc.Input(id="start-x", type="number", value=start_x, debounce=True, placeholder="x", className="number-input"),
                            dcc.Input(id="start-y", type="number", value=start_y, debounce=True, placeholder="y", className="number-input"),
                        ],
                        className="pair-row",
                    ),
                    hint=t("start_hint", lang),
                    error_id="start-error",
                ),
                id="start-box",
                hidden=network is not None,  # a network starts from its seed's weights
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


def config_surface(state) -> str:
    return state.current_surface if isinstance(state.current_surface, str) else ""


def curve_axis(lang: str, curve_x: str) -> dcc.Dropdown:
    """What the curves are drawn against: iteration, epoch, examples processed, modelled time."""
    return dcc.Dropdown(
        id="curve-x",
        options=[option(f"x: {t(f'x_{axis}', lang)}", axis) for axis in X_AXES],
        value=curve_x,
        clearable=False,
        searchable=False,
        className="curve-x",
    )


def player_bar(lang: str, lower_view: str = "curves") -> html.Div:
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
            dcc.RadioItems(
                id="lower-view",
                options=[
                    option(t("view_curves", lang), "curves"),
                    option(t("view_finder", lang), "finder"),
                    option(t("view_map", lang), "map"),
                    option(t("view_code", lang), "code"),
                ],
                value=lower_view,  # a link may open another view (view=map)
                inline=True,
                className="lower-switch",
            ),
        ],
        className="player",
        id="player",
    )


def views(state, lang: str) -> html.Section:
    def graph(graph_id: str, class_name: str) -> dcc.Graph:
        config = GRAPH_CONFIG if class_name == "map" else CURVE_CONFIG
        return dcc.Graph(id=graph_id, config=config, className=f"graph {class_name}")

    return html.Section(
        [
            html.Div(
                [
                    lesson_panel(state.preset, lang),
                    html.Div(id="summary", className="summary"),
                    html.Div(id="formula", className="formula"),
                ],
                className="view-head",
            ),
            html.Div(
                [
                    html.Div(  # the contour under the paths, in the same place (app.figures.layers)
                        [dcc.Graph(id="contour-layer", config=LAYER_CONFIG, className="graph map-layer"), graph("contour", "map")],
                        className="map-stack",
                    ),
                    graph("surface3d", "map"),
                    html.Div(  # the network's output (decision boundary or fitted curve), stepped by the player
                        dcc.Graph(id="network-output", config=CURVE_CONFIG, className="graph network-output"),
                        id="network-output-box",
                        className="network-output-box",
                        hidden=state.network is None,
                    ),
                ],
                id="maps",
                className="maps",
            ),
            player_bar(lang, state.lower_view),
            html.Div(id="badges", className="badges", role="status"),
            html.Div(
                [
                    html.Div(
                        [
                            graph("loss-graph", "curve"),
                            graph("lr-graph", "curve"),
                            html.Div(  # on the network, a switch above it picks what it shows
                                [network_page.third_view_box(state.network, lang), graph("third-graph", "curve")],
                                className="third-box",
                            ),
                            html.Div(
                                curve_axis(lang, LESSONS[state.preset].curve_x if state.preset in LESSONS else "iteration"),
                                id="curve-x-box",
                                className="curve-x-box",
                                hidden=not has_data(SURFACES.get(config_surface(state))),
                            ),
                        ],
                        id="curves",
                        className="curves",
                        hidden=state.lower_view != "curves",
                    ),
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Label(t("second_setting", lang), htmlFor="explore-second", className="control-label"),
                                    dcc.Dropdown(id="explore-second", value=state.second, clearable=False, searchable=False, className="explore-second"),
                                    html.Span(id="explore-note", className="control-hint"),
                                ],
                                id="explore-bar",
                                className="explore-bar",
                            ),
                            dcc.Graph(id="finder-graph", config=CURVE_CONFIG, className="graph explore-graph"),
                            dcc.Graph(id="map-graph", config=CURVE_CONFIG, className="graph explore-graph"),
                        ],
                        id="explore",
                        className="explore",
                        hidden=state.lower_view not in ("finder", "map"),
                    ),
                    html.Div(id="code-view", className="code-view", hidden=state.lower_view != "code"),
                ],
                className="lower",
            ),
        ],
        className="views",
    )


def lesson_options(lang: str) -> list[dict]:
    return [
        option(f"{lesson.number} · {lesson_text(lesson, lang)[0]}", key) for key, lesson in EVERY_LESSON.items()
    ]


def lesson_panel(preset: str | None, lang: str):
    lesson = EVERY_LESSON.get(preset)
    if lesson is None:
        return html.Div(id="lesson", className="lesson", hidden=True)
    title, explanation = lesson_text(lesson, lang)
    return html.Div(
        [html.Strong(f"{lesson.number} · {title}"), html.Span(explanation)],
        id="lesson",
        className="lesson",
    )


def shortcuts(lang: str) -> html.Div:
    rows = [
        ("Space", t("key_play", lang)),
        ("← →", t("key_step", lang)),
        ("Home", t("key_home", lang)),
        ("P", t("key_present", lang)),
        ("?", t("key_help", lang)),
    ]
    return html.Div(
        html.Div(
            [html.H2(t("shortcuts", lang))]
            + [html.Div([html.Kbd(key), html.Span(text)], className="shortcut") for key, text in rows],
            className="shortcuts-card",
        ),
        id="shortcuts",
        className="shortcuts",
        hidden=True,
    )


def topbar(state, lang: str) -> html.Header:
    return html.Header(
        [
            html.H1("Descent Lab"),
            html.Span(t("tagline", lang), className="tagline"),
            dcc.Dropdown(
                id="preset",
                options=lesson_options(lang),
                value=state.preset if state.preset in EVERY_LESSON else None,
                placeholder=t("choose_lesson", lang),
                clearable=False,
                className="preset",
            ),
            dcc.RadioItems(
                id="lang",
                options=[option("EN", "en"), option("한국어", "ko")],
                value=lang,
                className="lang",
                inline=True,
            ),
            html.Div(
                [
                    dcc.Clipboard(id="copy-link", title=t("copy_link", lang), className="copy-link"),
                    html.Span(t("copy_link", lang), className="copy-label"),
                ],
                className="copy",
            ),
            html.Button(t("csv", lang), id="csv-button", className="button ghost", n_clicks=0),
            dcc.Download(id="csv-download"),
            html.Button(t("html", lang), id="html-button", className="button ghost", n_clicks=0, title=t("html_hint", lang)),
            dcc.Download(id="html-download"),
            html.Button("?", id="help-button", className="icon-button", title=t("shortcuts", lang), n_clicks=0),
        ],
        className="topbar",
    )


@dataclass(frozen=True)
class PageState:
    """What the page opens with: the URL's ViewState, plus a lecturer's formula if it named one."""

    view: object
    custom: dict | None = None  # {"formula", "x_range", "y_range"}

    def __getattr__(self, name):  # current, pinned, lang, embed, network
        return getattr(self.view, name)

    @property
    def current_surface(self) -> str:
        if self.view.network is not None:
            return network_page.NETWORK
        return "custom" if self.custom else self.view.current.surface

    @property
    def preset(self) -> str | None:
        return self.view.preset if self.view.network is None else self.view.network.preset

    @property
    def pinned_data(self) -> list[dict]:
        """The pinned runs as the Store holds them (network runs by network_page's dicts)."""
        if self.view.network is not None:
            return [network_page.config_to_dict(c) for c in self.view.network.pinned]
        return [config_to_dict(c) for c in self.view.pinned]


def page(view, notices=(), lang: str | None = None, custom: dict | None = None) -> html.Div:
    """The whole page for a ViewState (from the URL), with any notices about ignored values."""
    state = PageState(view, custom)
    lang = lang or state.lang
    classes = "page embed" if state.embed else "page"
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            # Where a lesson, a language or a map cell leads: a clientside callback (player.go)
            # loads it. A second dcc.Location would write its stale search back into the address
            # as the page leaves, and the browser would cancel the navigation.
            dcc.Store(id="navigate"),
            dcc.Store(id="navigated"),
            dcc.Store(id="pinned", data=state.pinned_data),
            dcc.Store(id="upload-data"),
            dcc.Store(id="current-config"),
            *(dcc.Store(id=store) for store in FOLLOWERS.values()),
            dcc.Store(id="view-flags", data={"lang": lang, "embed": state.embed, "preset": state.preset}),
            topbar(state, lang),
            html.Div(
                [html.Div(notice.message(lang)) for notice in notices],
                id="url-notice",
                className="url-notice",
                role="alert",
                hidden=not notices,
            ),
            html.Div(id="notice", className="notice", role="alert"),
            html.Div([controls(state, lang), views(state, lang)], className="workspace"),
            shortcuts(lang),
        ],
        id="page",
        className=classes,
        lang=lang,
    )
