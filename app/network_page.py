"""The network page: the surface menu's "network" entry, from the request's controls to the main
callback's outputs, and the network's own controls.

`network_outputs(request)` reads the controls into NetworkConfigs (app.network_runs: the
current run and the pinned network runs), trains and draws them (app.network_view) and returns
the main callback's outputs, in app.answers' order plus NETWORK_OUTPUTS (the output figure and
the network fields' messages). A bad value names its field and allowed range next to the field;
the pictures stay. The link it sends back is app.links.encode's (app.network_links holds the
network's keys). NETWORK, config_from_dict and config_from_request are app.network_runs',
read from here too (app.code_view).
"""

from __future__ import annotations

from dash import html, no_update

from app.controls import batch_options, option
from app.i18n import t
from app.lessons import NETWORK_LESSONS
from app.links import encode
from app.network_links import NetworkView
from app.network_runs import (
    NETWORK,
    canonical_network,
    config_from_dict,
    config_from_request,
    config_to_dict,
    hidden_text,
    run_labels,
    shared_run,
    stored_networks,
    view_settings,
)
from app.network_view import DIRECTIONS, network_views, wire_views
from app.request import listed
from app.viewmodel import ERROR_SLOTS, settings_line
from app.viewstate import MAX_PINNED, ViewState, view_flags
from engine import SURFACES, limits
from engine.catalog import DATA_SURFACES
from engine.network import (
    ACTIVATIONS,
    DATASETS,
    NETWORK_NORMALIZATIONS,
    NetworkConfig,
    make_dataset,
)
from engine.network.code import architecture
from engine.network.explore import (
    network_at_rate,
    network_current_setting,
    network_lr_finder,
    network_second_settings,
    network_stability_map,
    network_with_second,
)
from engine.optimizers import OPTIMIZER_PARAMS
from engine.schedules import SCHEDULER_PARAMS

# The network fields' message slots, beside app.viewmodel's ERROR_SLOTS (their ids: <slot>-error).
NETWORK_ERROR_SLOTS = ("dataset", "hidden", "activation", "directions")
# The main callback's outputs the network adds after app.answers' own: (id, property).
NETWORK_OUTPUTS = (
    ("network-output", "figure"),
    *((f"{slot}-error", "children") for slot in NETWORK_ERROR_SLOTS),
    # the third graph's switch: its figures and choices (THIRD_VIEW_SWITCH shows them)
    ("network-third", "data"),
)
# What the third graph can show on the network; the first the task has is its default.
THIRD_VIEWS = ("accuracy", "grad_norm", "honesty")
# In the browser (app.callbacks registers it): the switch's figure into the third graph, its
# value, hint, choices and box. The Store holds null after a bad value (all stays) and {} on
# another surface (the switch hides). The main callback draws the default already, so a new
# answer redraws only for another choice; a choice the task lacks falls back to the default.
THIRD_VIEW_SWITCH = """
function (stored, choice) {
  var skip = window.dash_clientside.no_update;
  if (!stored) return [skip, skip, skip, skip, skip];
  if (!stored.figures) return [skip, skip, true, skip, true];
  var key = stored.figures[choice] ? choice : stored["default"];
  var clicked = (window.dash_clientside.callback_context.triggered || []).some(function (t) {
    return t.prop_id === "third-view.value";
  });
  var figure = clicked || key !== stored["default"] ? stored.figures[key] : skip;
  return [figure, key === choice ? skip : key, key !== "honesty", clicked ? skip : stored.options, false];
}
"""


def error_slot(error: Exception) -> str | None:
    """Which message slot an error belongs beside (app.viewmodel's or the network's), or None."""
    field = getattr(error, "field", "") or str(error).split(" = ", 1)[0]
    head = field.split(".", 1)[0]
    if head in OPTIMIZER_PARAMS or head in SCHEDULER_PARAMS or head in ("optimizer_params", "scheduler_params"):
        return "params"
    if head == "direction_seed":
        return "directions"
    return head if head in ERROR_SLOTS or head in NETWORK_ERROR_SLOTS else None


def idle_outputs() -> tuple:
    """NETWORK_OUTPUTS on another surface: the output figure untouched, no messages, the third
    graph's switch emptied and hidden (its figures are the network's)."""
    return (no_update, *[""] * len(NETWORK_ERROR_SLOTS), {})


def third_views(views: dict, lang: str) -> dict:
    """What the third graph's switch offers: {"default", "figures", "options"}. Classification
    opens on the accuracy, regression (no accuracy) on what the map hides."""
    figures = {key: views[key] for key in THIRD_VIEWS if views.get(key) is not None}
    default = "accuracy" if "accuracy" in figures else "honesty"
    return {"default": default, "figures": figures, "options": third_options("accuracy" in figures, lang)}


def third_options(classify: bool, lang: str) -> list[dict]:
    return [
        {"label": t(f"network_third_{key}", lang), "value": key, "disabled": key == "accuracy" and not classify, "title": t(f"network_third_{key}_help", lang)}
        for key in THIRD_VIEWS
    ]


def third_view_box(view: NetworkView | None, lang: str) -> html.Div:
    """The third graph's switch (accuracy / gradient norm / what the map hides) and the honesty
    figure's caveat, shown on the network only; app.layout puts it above the third graph."""
    from dash import dcc

    classify = view is not None and view.current.data.task == "classification"
    # no choice off the network: the network switched to in the page opens on its default
    value = None if view is None else "accuracy" if classify else "honesty"
    return html.Div(
        [
            dcc.Store(id="network-third"),
            dcc.RadioItems(id="third-view", options=third_options(classify, lang), value=value, inline=True, className="third-view"),
            html.Div(t("network_third_hint", lang), id="third-view-hint", className="third-view-hint", title=t("network_third_honesty_help", lang), hidden=value != "honesty"),
        ],
        id="third-view-box",
        className="third-view-box",
        hidden=view is None,
    )


def drawn_views(view: NetworkView, lang: str, x_axis: str = "iteration") -> dict:
    """The network view's figures in their wire form and the facts beside them, as the page
    draws them (app.export's offline file draws the same)."""
    configs = list(view.runs)
    views = network_views(
        configs, directions=view.directions, direction_seed=view.direction_seed, lang=lang, labels=run_labels(configs), x_axis=x_axis
    )
    return wire_views(views)


def network_outputs(request) -> tuple[tuple, dict | None]:
    """The main callback's outputs for surface "network" and the config drawn (or None)."""
    flags = view_flags(request.flags)
    lang = flags["lang"]
    errors = dict.fromkeys((*ERROR_SLOTS, *NETWORK_ERROR_SLOTS), "")
    try:
        current = config_from_request(request)
        directions, direction_seed = view_settings(request)
    except (ValueError, TypeError) as error:
        message = str(error)
        slot = error_slot(error)
        if slot is not None:
            errors[slot] = message
        notice_text = f"{t('invalid', lang)}: {message} — {t('kept_last', lang)}"
        return (*[no_update] * 10, notice_text, *[errors[s] for s in ERROR_SLOTS], no_update, *[errors[s] for s in NETWORK_ERROR_SLOTS], None), None
    pinned = stored_networks(listed(request.pinned)[:MAX_PINNED])
    configs = [current, *pinned]
    view = NetworkView(current, tuple(pinned), directions, direction_seed, _preset_of(flags.get("preset"), configs))
    views = drawn_views(view, lang, _x_axis(request.curve_x))
    third_store = third_views(views, lang)
    third = third_store["figures"][third_store["default"]]
    outputs = (
        views["map"],
        views["surface3d"],
        views["loss"],
        views["lr"],
        third,
        badges(views, lang),
        [],  # no formula: the loss is the network's over its data (the summary names both)
        summary(current, len(configs), lang),
        config_to_dict(current),
        "?" + encode(ViewState(current=shared_run(current), lang=lang, embed=flags["embed"], network=view)),
        "",
        *[errors[s] for s in ERROR_SLOTS],
        views["output"],
        *[errors[s] for s in NETWORK_ERROR_SLOTS],
        third_store,
    )
    return outputs, config_to_dict(current)


def network_explore_outputs(view: str, current, second, lang: str) -> tuple:
    """app.explorers' outputs for a network run on screen: the learning-rate finder or the
    stability map of engine.network.explore, drawn by the 2-D explorers' figure builders."""
    from app import explore_figures
    from app.figures.network import network_finder_figure

    hide, show = {"display": "none"}, {}
    try:
        config = config_from_dict(current)
    except (ValueError, TypeError):
        return False, True, no_update, hide, no_update, hide, no_update, no_update, ""
    if view == "finder":
        figure = network_finder_figure(network_lr_finder(config), config.lr, lang)
        return True, False, figure, show, no_update, hide, no_update, no_update, ""
    choices = network_second_settings(config)
    options = [{"label": explore_figures.second_label(c, config.scheduler, lang), "value": c} for c in choices]
    second = second if second in choices else choices[0]
    smap = network_stability_map(config, second)
    figure = explore_figures.stability_map_figure(smap, config.lr, network_current_setting(config, second), lang)
    runs = sum(cell is not None for cell in smap.outcome.ravel())
    note = t("network_explore_note", lang, steps=smap.steps, runs=runs)
    return True, False, no_update, hide, figure, show, options, second, note


def network_cell_link(rate, value, current, pinned, second, flags) -> str | None:
    """The link of a clicked cell of a network's stability map: that run at the cell's rate and
    setting, with the same pins (None if the cell or the run on screen cannot make one)."""
    try:
        config = config_from_dict(current)
        if second not in network_second_settings(config):
            return None
        config = canonical_network(network_with_second(network_at_rate(config, rate), second, value))
    except (ValueError, TypeError):
        return None
    flags = view_flags(flags)
    view = NetworkView(config, tuple(stored_networks(listed(pinned)[:MAX_PINNED])))
    state = ViewState(current=shared_run(config), lang=flags["lang"], embed=flags["embed"], network=view)
    return "/?" + encode(state)


def _x_axis(value) -> str:
    from app.figures.curves import X_AXES

    return value if isinstance(value, str) and value in X_AXES else "iteration"


def _preset_of(preset, configs) -> str | None:
    """The lesson the runs on screen still are (so the link stays ?preset=...), or None."""
    lesson = NETWORK_LESSONS.get(preset) if isinstance(preset, str) else None
    if lesson is None:
        return None
    runs = (lesson.current, *lesson.pinned)
    return preset if tuple(map(canonical_network, runs)) == tuple(map(canonical_network, configs)) else None


def badges(views: dict, lang: str) -> list:
    """One badge per run: its outcome ("diverged at step 6"), final loss and accuracy."""
    out = []
    for run in views["runs"]:
        outcome = run["outcome"]
        label = t("outcome_diverged", lang, step=run["diverged_at"]) if outcome == "diverged" else t(f"outcome_{outcome}", lang)
        facts = [f"{t('final_loss', lang)} {run['final_loss']:.4g}"]
        if run["final_accuracy"] is not None:
            facts.append(f"{t('network_accuracy', lang)} {100 * run['final_accuracy']:.1f} %")
        facts.append(f"{t('steps', lang).lower()} {run['steps_taken']}")
        if not run["on_map"]:
            facts.append(t("network_off_map_badge", lang))
        out.append(
            html.Div(
                [
                    html.Span(className="badge-dot", style={"background": run["colour"]}),
                    html.Span(label, className=f"badge-label outcome-{outcome}"),
                    html.Span(run["label"], className="badge-run"),
                    html.Span(t(f"why_{outcome}", lang), className="badge-why"),
                    html.Span(" · ".join(facts), className="badge-facts"),
                ],
                className="badge",
                title=t(f"why_{outcome}", lang),
                **{"data-outcome": outcome},
            )
        )
    if views["notes"]:
        out.append(html.Div([html.Div(note) for note in views["notes"]], className="network-notes"))
    return out


def summary(config: NetworkConfig, runs: int, lang: str) -> str:
    head = [t("network_menu", lang), config.dataset, architecture(config), config.optimizer, f"{t('learning_rate', lang).lower()} {config.lr:g}"]
    return settings_line(head, config, "full" if config.full_batch else str(config.batch_size), runs, lang)


# --------------------------------------------------------------------------- page pieces


def normalization_options(surface, lang: str) -> list[dict]:
    """The scalings a run on surface may have: the network's (raw x100 too), or the 2-D data's."""
    names = NETWORK_NORMALIZATIONS if surface == NETWORK else limits.NORMALIZATIONS
    return [option(t(f"norm_{name}", lang), name) for name in names]


def normalization_choices(surface, options: list[dict], lang: str) -> list[dict]:
    """The radio's options for surface: those it shows that apply, and any missing one."""
    names = [o["value"] for o in normalization_options(surface, lang)]
    kept = [o for o in options if o.get("value") in names]
    shown = {o.get("value") for o in kept}
    return kept + [o for o in normalization_options(surface, lang) if o["value"] not in shown]


def batch_choices(surface, dataset, lang: str) -> list[dict]:
    """The batch sizes of the network's data set (n points: 1..n or full), else of linreg's."""
    if surface == NETWORK and isinstance(dataset, str) and dataset in DATASETS:
        return batch_options(make_dataset(dataset).n, lang)
    return batch_options(SURFACES[DATA_SURFACES[0]].n, lang)


def panel_outputs(surface, dataset, lang: str) -> tuple:
    """What the network shows and hides: its controls and output shown, the start point hidden;
    the batch sizes of its data."""
    network = surface == NETWORK
    return not network, not network, network, batch_choices(surface, dataset, lang)


def network_controls(view: NetworkView | None, lang: str) -> html.Div:
    """The network's own controls (data set, hidden layers, activation, the map's directions),
    shown only on the network; their choices are the engine's."""
    from dash import dcc

    from app.controls import labelled

    hidden = view is None
    view = view or NetworkView()
    config = view.current
    return html.Div(
        [
            labelled(
                t("network_dataset", lang),
                dcc.Dropdown(id="dataset", options=[option(name, name) for name in DATASETS], value=config.dataset, clearable=False),
                control_id="dataset",
                error_id="dataset-error",
            ),
            labelled(
                t("network_hidden", lang),
                dcc.Input(id="hidden", type="text", value=hidden_text(config.hidden), debounce=True, maxLength=40, className="number-input"),
                control_id="hidden",
                hint=t("network_hidden_hint", lang),
                error_id="hidden-error",
            ),
            labelled(
                t("network_activation", lang),
                dcc.RadioItems(id="activation", options=[option(name, name) for name in ACTIVATIONS], value=config.activation, inline=True, className="radio"),
                control_id="activation",
                error_id="activation-error",
            ),
            html.Div(
                [
                    labelled(
                        t("network_directions", lang),
                        dcc.Dropdown(
                            id="directions",
                            options=[option(t(f"network_directions_{name}", lang), name) for name in DIRECTIONS],
                            value=view.directions,
                            clearable=False,
                            searchable=False,
                        ),
                        control_id="directions",
                    ),
                    labelled(
                        t("network_direction_seed", lang),
                        dcc.Input(id="direction-seed", type="number", value=view.direction_seed, min=limits.SEED_MIN, max=limits.SEED_MAX, step=1, debounce=True, className="number-input"),
                        control_id="direction-seed",
                    ),
                ],
                className="pair-row",
            ),
            html.Div(id="directions-error", className="control-error", role="alert"),
        ],
        id="network-controls",
        className="network-controls",
        hidden=hidden,
    )
