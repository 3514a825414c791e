"""The network page: the surface menu's "network" entry, from the request's controls to the main
callback's outputs, and the network view's link.

`network_outputs(request)` reads the controls into NetworkConfigs (the current run and the
pinned network runs), trains and draws them (app.network_view) and returns the main callback's
outputs, in app.answers' order plus NETWORK_OUTPUTS (the output figure and the network fields'
messages). A bad value names its field and allowed range next to the field; the pictures stay.

A link of the network view is `NetworkView` in ViewState.network. app.links hands a link's
pairs to `decode_network`, which reads
surface=network&dataset=moons&hidden=16,16&activation=tanh&directions=pca&direction_seed=0 (plus
the shared settings optimizer, lr, parameters, scheduler, batch_size, normalization, steps,
seed, pins, lang, embed; or preset=<network lesson>), repairing a bad value with a Notice as
app.links does; `encode_network(state)` writes it back. The shared settings are read and
written by app.link_settings on a stand-in RunConfig (`shared_run`), so both views spell
them alike.

Length: the network is one surface of the page end to end (controls, answer, badges, link);
split, each part would pass the same NetworkConfigs and words through another module.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from dash import html, no_update

from app.controls import batch_options, option
from app.i18n import LANGUAGES, t
from app.lessons import NETWORK_LESSONS
from app.link_settings import MAX_VALUE_CHARS, differences, notice, one_of_text, read_run
from app.network_view import DIRECTIONS, network_views, wire_views
from app.request import dicts, listed, number, param_controls
from app.runs import params_from_controls, specs_of
from app.viewmodel import ERROR_SLOTS, settings_line
from app.viewstate import MAX_PINNED, Notice, ViewState, canonical, view_flags
from app.viewstate import VIEW_KEYS as LINK_VIEW_KEYS
from engine import SURFACES, RunConfig, limits
from engine.catalog import DATA_SURFACES
from engine.network import (
    ACTIVATIONS,
    DATASETS,
    NETWORK_NORMALIZATIONS,
    NetworkConfig,
    make_dataset,
)
from engine.network.explore import (
    network_at_rate,
    network_current_setting,
    network_lr_finder,
    network_second_settings,
    network_stability_map,
    network_with_second,
)
from engine.network.mlp import MAX_HIDDEN_LAYERS, MAX_WIDTH
from engine.optimizers import OPTIMIZER_PARAMS
from engine.params import SettingError, check_integer, refused
from engine.schedules import SCHEDULER_PARAMS

NETWORK = "network"  # the surface menu's value
DEFAULT_NETWORK = NetworkConfig()
HIDDEN_ALLOWED = f"1 to {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_WIDTH} units, joined by commas (e.g. 16,16)"
HIDDEN_ALLOWED_KO = f"쉼표로 이은 1~{MAX_HIDDEN_LAYERS}개 층, 층마다 1~{MAX_WIDTH}개 유닛 (예: 16,16)"
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
# URL keys of a network run (beside the shared ones) and of the network view.
RUN_KEYS = ("dataset", "normalization", "hidden", "activation", "batch_size")
VIEW_KEYS = ("directions", "direction_seed")
# The pin grammar of app.links (which reads a network link through decode_network).
NO_PINS = "none"
MAX_PIN_ENTRIES = 32
PIN_SYNTAX = (
    "KEY:VALUE entries, each key once, joined by ';' (e.g. lr:0.3;hidden:8)",
    "KEY:VALUE 항목을 ';'로 이은 것, 키마다 한 번 (예: lr:0.3;hidden:8)",
)


@dataclass(frozen=True)
class NetworkView:
    """What a link of the network view holds beside the language and embed: the current run,
    the pinned runs, the map's directions and their seed, the network lesson it came from."""

    current: NetworkConfig = DEFAULT_NETWORK
    pinned: tuple[NetworkConfig, ...] = ()
    directions: str = "pca"
    direction_seed: int = 0
    preset: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pinned", tuple(self.pinned))
        if not isinstance(self.current, NetworkConfig) or not all(isinstance(p, NetworkConfig) for p in self.pinned):
            raise ValueError("network runs are not allowed: expected NetworkConfigs")
        if len(self.pinned) > MAX_PINNED:
            raise ValueError(f"pinned is not allowed: expected at most {MAX_PINNED} runs")
        if self.directions not in DIRECTIONS:
            raise refused("directions", self.directions, "one of " + ", ".join(DIRECTIONS))
        check_integer(self.direction_seed, "direction_seed", limits.SEED_MIN, limits.SEED_MAX)
        if self.preset is not None and self.preset not in NETWORK_LESSONS:
            raise refused("preset", self.preset, "a key of NETWORK_LESSONS or None")

    @property
    def runs(self) -> tuple[NetworkConfig, ...]:
        """The current run first, as app.network_view draws them."""
        return (self.current, *self.pinned)


# --------------------------------------------------------------------------- runs


def parse_hidden(value) -> tuple[int, ...]:
    """ "16,16" (or [16, 16], or 16) -> (16, 16); SettingError naming hidden otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        parts = [value]
    elif isinstance(value, list | tuple):
        parts = list(value)
    elif isinstance(value, str):
        parts = [part.strip() for part in value.split(",")] if value.strip() else []
    else:
        parts = []
    widths = []
    for part in parts[: MAX_HIDDEN_LAYERS + 1]:
        try:
            width = float(part) if isinstance(part, str) else part
        except ValueError:
            width = None
        if isinstance(width, bool) or not isinstance(width, int | float) or width != width or not float(width).is_integer():
            widths = []
            break
        widths.append(int(width))
    if not 1 <= len(widths) <= MAX_HIDDEN_LAYERS or len(parts) > MAX_HIDDEN_LAYERS or not all(1 <= w <= MAX_WIDTH for w in widths):
        raise refused("hidden", value, HIDDEN_ALLOWED)
    return tuple(widths)


def hidden_text(hidden) -> str:
    return ",".join(str(width) for width in hidden)


def architecture(config: NetworkConfig) -> str:
    """The network as the lecture writes it: "2-16-16-1 tanh"."""
    return "-".join(str(w) for w in (config.layout.inputs, *config.hidden, 1)) + f" {config.activation}"


def config_to_dict(config: NetworkConfig) -> dict[str, Any]:
    """JSON-safe form of a network run, for the Stores (surface "network" marks it)."""
    out: dict[str, Any] = {"surface": NETWORK}
    for name in config.__dataclass_fields__:
        value = getattr(config, name)
        if name.endswith("_params"):
            value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def config_from_dict(data) -> NetworkConfig:
    """A network run from its stored dict; ValueError/TypeError for anything else."""
    if not isinstance(data, dict) or data.get("surface") != NETWORK:
        raise ValueError(f"run = {data!r} is not allowed: expected a network run")
    values = {k: v for k, v in data.items() if k != "surface"}
    for name in ("optimizer_params", "scheduler_params"):
        params = values.get(name)
        if isinstance(params, dict):
            values[name] = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    return NetworkConfig(**values)


def stored_networks(items) -> list[NetworkConfig]:
    """The network runs among stored dicts (a 2-D run, a stale or tampered one is dropped)."""
    out = []
    for data in dicts(items):
        try:
            out.append(config_from_dict(data))
        except (ValueError, TypeError):
            continue
    return out


def _blank(field: str, allowed: str) -> SettingError:
    return SettingError(f"{field} = blank is not allowed: expected {allowed}", field, allowed)


def config_from_request(request) -> NetworkConfig:
    """The current network run from the controls; SettingError (or ValueError) names the field."""
    if request.lr is None:
        raise _blank("lr", f"a number in [{limits.LR_MIN:g}, {limits.LR_MAX:g}]")
    if request.steps is None:
        raise _blank("steps", f"an integer in [{limits.STEPS_MIN}, {limits.STEPS_MAX}]")
    if request.seed is None:
        raise _blank("seed", f"an integer in [{limits.SEED_MIN}, {limits.SEED_MAX}]")
    if not isinstance(request.dataset, str) or request.dataset not in DATASETS:
        raise refused("dataset", request.dataset, "one of " + ", ".join(DATASETS))
    hidden = parse_hidden(request.hidden)
    optimizer, scheduler = request.optimizer, request.scheduler
    opt_ok, sched_ok = param_controls(request.opt_values, request.opt_ids), param_controls(request.sched_values, request.sched_ids)
    batch = request.batch_size
    if batch is not None and batch != "full" and number(batch) is None:
        raise refused("batch_size", batch, f"full or an integer in [1, {make_dataset(request.dataset).n}]")
    if batch is not None and batch != "full" and not 1 <= number(batch) <= make_dataset(request.dataset).n:
        raise refused("batch_size", batch, f"full or an integer in [1, {make_dataset(request.dataset).n}]")
    return NetworkConfig(
        dataset=request.dataset,
        normalization=request.normalization,
        hidden=hidden,
        activation=request.activation,
        optimizer=optimizer,
        lr=request.lr,
        optimizer_params=params_from_controls(request.opt_values, request.opt_ids, optimizer, specs_of(OPTIMIZER_PARAMS, optimizer)) if opt_ok else {},
        scheduler=scheduler,
        scheduler_params=params_from_controls(request.sched_values, request.sched_ids, scheduler, specs_of(SCHEDULER_PARAMS, scheduler)) if sched_ok else {},
        batch_size=None if batch in (None, "full") else batch,
        steps=request.steps,
        seed=request.seed,
    )


def view_settings(request) -> tuple[str, int]:
    """The map's directions and their seed; SettingError naming directions otherwise."""
    directions = request.directions
    if not isinstance(directions, str) or directions not in DIRECTIONS:
        raise refused("directions", directions, "one of " + ", ".join(DIRECTIONS))
    if request.direction_seed is None:
        raise _blank("direction_seed", f"an integer in [{limits.SEED_MIN}, {limits.SEED_MAX}]")
    seed = check_integer(request.direction_seed, "direction_seed", limits.SEED_MIN, limits.SEED_MAX)
    return directions, seed


def error_slot(error: Exception) -> str | None:
    """Which message slot an error belongs beside (app.viewmodel's or the network's), or None."""
    field = getattr(error, "field", "") or str(error).split(" = ", 1)[0]
    head = field.split(".", 1)[0]
    if head in OPTIMIZER_PARAMS or head in SCHEDULER_PARAMS or head in ("optimizer_params", "scheduler_params"):
        return "params"
    if head == "direction_seed":
        return "directions"
    return head if head in ERROR_SLOTS or head in NETWORK_ERROR_SLOTS else None


def run_labels(configs: list[NetworkConfig]) -> list[str]:
    """Legend labels naming what differs between the runs ("lr 1", "normalization x100")."""
    if len(configs) == 1:
        return [f"{configs[0].optimizer}, lr {configs[0].lr:g}"]
    words = {
        "dataset": lambda c: c.dataset,
        "normalization": lambda c: c.normalization,
        "hidden": lambda c: architecture(c),
        "activation": lambda c: c.activation,
        "optimizer": lambda c: c.optimizer,
        "lr": lambda c: f"lr {c.lr:g}",
        "scheduler": lambda c: c.scheduler,
        "batch_size": lambda c: "batch " + ("full" if c.full_batch else str(c.batch_size)),
        "steps": lambda c: f"{c.steps} steps",
        "seed": lambda c: f"seed {c.seed}",
    }
    shown = [name for name, word in words.items() if len({word(c) for c in configs}) > 1]
    return [" · ".join(words[name](c) for name in shown) or f"run {i + 1}" for i, c in enumerate(configs)]


# --------------------------------------------------------------------------- the answer


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
    value = "accuracy" if classify else "honesty"
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
    labels = run_labels(configs)
    views = wire_views(network_views(configs, directions=directions, direction_seed=direction_seed, lang=lang, labels=labels, x_axis=_x_axis(request.curve_x)))
    third_store = third_views(views, lang)
    third = third_store["figures"][third_store["default"]]
    view = NetworkView(current, tuple(pinned), directions, direction_seed, _preset_of(flags.get("preset"), configs))
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
        "?" + encode_network(ViewState(current=shared_run(current), lang=lang, embed=flags["embed"], network=view)),
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
    return "/?" + encode_network(state)


def _x_axis(value) -> str:
    from app.figures.curves import X_AXES

    return value if isinstance(value, str) and value in X_AXES else "iteration"


def _preset_of(preset, configs) -> str | None:
    """The lesson the runs on screen still are (so the link stays ?preset=...), or None."""
    lesson = NETWORK_LESSONS.get(preset) if isinstance(preset, str) else None
    if lesson is None:
        return None
    runs = (lesson.current, *lesson.runs[:-1])
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


def navigation_target(trigger, preset, lang, search, flags) -> str | None:
    """Where a network lesson, or a language chosen on the network view, leads; None when
    app.navigation decides (a 2-D lesson or view)."""
    flags = view_flags(flags)
    if trigger == "preset" and isinstance(preset, str) and preset in NETWORK_LESSONS:
        query = {"preset": preset, **({"lang": flags["lang"]} if flags["lang"] != "en" else {}), **({"embed": "1"} if flags["embed"] else {})}
        return "/?" + urlencode(query)
    return None  # a language: app.navigation decodes the link (app.links reads a network one)


# --------------------------------------------------------------------------- the link


def shared_run(config: NetworkConfig) -> RunConfig:
    """The settings a network run shares with a 2-D run, on a stand-in RunConfig (the bowl):
    optimizer, lr and parameters, scheduler and parameters, steps, seed. The page's shared
    controls and app.link_settings read them from it."""
    return RunConfig(
        surface="bowl",
        optimizer=config.optimizer,
        lr=config.lr,
        optimizer_params=dict(config.optimizer_params),
        scheduler=config.scheduler,
        scheduler_params=dict(config.scheduler_params),
        steps=config.steps,
        seed=config.seed,
    )


def canonical_network(config: NetworkConfig) -> NetworkConfig:
    """The same run with its parameters as app.viewstate.canonical leaves them."""
    shared = canonical(shared_run(config))
    return dataclasses.replace(
        config, optimizer_params=dict(shared.optimizer_params), scheduler_params=dict(shared.scheduler_params), batch_size=None if config.full_batch else config.batch_size
    )


def _run_differences(base: NetworkConfig | None, config: NetworkConfig) -> list[tuple[str, str]]:
    """The entries that turn base into config; base None writes the network's own settings
    out (dataset, hidden, activation), and the rest against the defaults."""
    out = []
    if base is None or config.dataset != base.dataset:
        out.append(("dataset", config.dataset))
    reference = base or DEFAULT_NETWORK
    if config.normalization != reference.normalization:
        out.append(("normalization", config.normalization))
    if base is None or config.hidden != base.hidden:
        out.append(("hidden", hidden_text(config.hidden)))
    if base is None or config.activation != base.activation:
        out.append(("activation", config.activation))
    batch_before = None if base is not None and config.dataset != base.dataset else reference.batch_size
    if config.batch_size != batch_before:
        out.append(("batch_size", "full" if config.batch_size is None else str(config.batch_size)))
    return out + differences(canonical(shared_run(reference)), canonical(shared_run(config)))


def encode_network(state: ViewState) -> str:
    """The query (without '?') that decode_network reads back into state."""
    view: NetworkView = state.network
    current = canonical_network(view.current)
    pinned = [canonical_network(p) for p in view.pinned]
    lesson = NETWORK_LESSONS.get(view.preset) if view.preset else None
    pairs: list[tuple[str, str]] = []
    if lesson is not None:
        pairs.append(("preset", view.preset))
        base, base_pins = canonical_network(lesson.current), [canonical_network(r) for r in lesson.runs[:-1]]
        pairs += _run_differences(base, current)
    else:
        base_pins = []
        pairs += [("surface", NETWORK), *_run_differences(None, current)]
    if lesson is None or view.directions != "pca":
        pairs.append(("directions", view.directions))
    if lesson is None or view.direction_seed != 0:
        pairs.append(("direction_seed", str(view.direction_seed)))
    if lesson is not None and pinned == base_pins:
        pass  # the lesson's own pins
    elif not pinned and base_pins:
        pairs.append(("pin", NO_PINS))
    else:
        pairs += [("pin", ";".join(f"{k}:{v}" for k, v in _run_differences(current, pin))) for pin in pinned]
    if state.lang != "en":
        pairs.append(("lang", state.lang))
    if state.embed:
        pairs.append(("embed", "1"))
    return "&".join(f"{quote(key, safe='.')}={quote(value, safe=',:;')}" for key, value in pairs)


def decode_network(pairs, notices: list[Notice], known_key) -> ViewState | None:
    """The network view a link's (key, value) pairs name (surface=network or a network lesson),
    its notices appended to notices; None for any other link (app.links reads it).
    known_key: app.links' spelling of a key (keys match ignoring case)."""
    keys = {known_key(k): v.strip().lower() for k, v in pairs}
    if keys.get("surface") != NETWORK and keys.get("preset") not in NETWORK_LESSONS:
        return None

    def spelled(written: str) -> str:
        return written.lower() if written.lower() in (*RUN_KEYS, *VIEW_KEYS) else known_key(written)

    singles: dict[str, tuple[str, str]] = {}
    pins: list[str] = []
    for written, value in pairs:
        key = spelled(written)
        if key == "pin":
            pins.append(value)
            continue
        if key in singles:
            notices.append(notice(*singles[key], ("one value (the last one counts)", "값 하나 (마지막 값이 적용됨)")))
        singles[key] = (written, value)
    lang, embed = "en", False
    if "lang" in singles:
        written, value = singles.pop("lang")
        if value.strip().lower() in LANGUAGES:
            lang = value.strip().lower()
        else:
            notices.append(notice(written, value, one_of_text(LANGUAGES), ("en", "en")))
    if "embed" in singles:
        written, value = singles.pop("embed")
        if value.strip().lower() in ("1", "true", "0", "false"):
            embed = value.strip().lower() in ("1", "true")
        else:
            notices.append(notice(written, value, ("1 or 0", "1 또는 0"), ("0", "0")))
    preset, base, base_pins = None, DEFAULT_NETWORK, ()
    if "preset" in singles:
        written, value = singles.pop("preset")
        if value.strip().lower() in NETWORK_LESSONS:
            preset = value.strip().lower()
            lesson = NETWORK_LESSONS[preset]
            base, base_pins = canonical_network(lesson.current), tuple(canonical_network(r) for r in lesson.runs[:-1])
        else:
            keys = ", ".join(NETWORK_LESSONS)
            notices.append(notice(written, value, (f"a network lesson ({keys}) with surface=network", f"surface=network와 함께 신경망 강의 주제 ({keys})")))
    if "surface" in singles:
        written, value = singles.pop("surface")
        if value.strip().lower() != NETWORK:
            notices.append(notice(written, value, (f"{NETWORK} with a network lesson", f"신경망 강의 주제와 함께 {NETWORK}"), (NETWORK, NETWORK)))
    if "start" in singles:
        written, value = singles.pop("start")
        notices.append(notice(written, value, ("no start point (a network starts from its seed's weights)", "시작점 없음 (신경망은 시드의 가중치에서 시작)")))
    directions, direction_seed = "pca", 0
    if "directions" in singles:
        written, value = singles.pop("directions")
        if value.strip().lower() in DIRECTIONS:
            directions = value.strip().lower()
        else:
            notices.append(notice(written, value, one_of_text(DIRECTIONS), ("pca", "pca")))
    if "direction_seed" in singles:
        written, value = singles.pop("direction_seed")
        try:
            direction_seed = check_integer(float(value), "direction_seed", limits.SEED_MIN, limits.SEED_MAX)
        except (ValueError, OverflowError):
            seeds = f"[{limits.SEED_MIN}, {limits.SEED_MAX}]"
            notices.append(notice(written, value, (f"an integer in {seeds}", f"{seeds} 범위의 정수"), ("0", "0")))
    current = read_network(base, singles, notices.append, top_level=True)
    entries = {}  # of each pin: key -> (key as written, text)
    for text in pins:
        if text.strip() == NO_PINS:
            continue
        parts = [part.partition(":") for part in text.split(";", MAX_PIN_ENTRIES) if part.strip()]
        entries[text] = [(spelled(w.strip()), w.strip(), colon, value) for w, colon, value in parts]
    pinned, replaced = (), False
    for text in pins:
        if text.strip() == NO_PINS:
            replaced = True
            continue
        if len(pinned) == MAX_PINNED:
            notices.append(notice("pin", text, (f"at most {MAX_PINNED} pinned runs", f"고정된 실행 최대 {MAX_PINNED}개")))
            continue
        pin = _pin(current, text, entries[text], notices)
        if pin is not None:
            pinned, replaced = (*pinned, pin), True
    if not replaced:
        pinned = base_pins
    view = NetworkView(current, pinned, directions, direction_seed, preset)
    return ViewState(current=shared_run(current), lang=lang, embed=embed, network=view)


def _pin(current: NetworkConfig, text: str, parts, notices: list[Notice]) -> NetworkConfig | None:
    """The network run a pin describes (differences from the current run), or None with a notice.
    parts: its entries as (key, key as written, ":" or "", value)."""
    entries: dict[str, tuple[str, str]] = {}
    if len(text) > MAX_VALUE_CHARS or len(parts) > MAX_PIN_ENTRIES:
        notices.append(notice("pin", text, (f"at most {MAX_PIN_ENTRIES} entries", f"항목 최대 {MAX_PIN_ENTRIES}개")))
        return None
    for key, written, colon, value in parts:
        if not colon or key in entries or key in (*VIEW_KEYS, *LINK_VIEW_KEYS, "surface", "start"):
            notices.append(notice("pin", text, PIN_SYNTAX))
            return None
        entries[key] = (written, value)
    found: list[Notice] = []
    pin = read_network(current, entries, found.append, top_level=False)
    if not found:
        return pin
    notices.append(notice("pin", text, (f"{found[0].allowed} for {found[0].key}", f"{found[0].key}: {found[0].allowed_ko}")))
    return None


def read_network(base: NetworkConfig, given: dict[str, tuple[str, str]], report, *, top_level: bool) -> NetworkConfig:
    """base changed by the given entries (key -> (key as written, text)); a value it cannot use
    is reported and left at base's (a new data set resets the batch size, as a new surface does)."""
    given = dict(given)
    values = {name: getattr(base, name) for name in base.__dataclass_fields__}

    def take(name, parse, allowed, fallback):
        if name not in given:
            return
        written, text = given.pop(name)
        try:
            values[name] = parse(text.strip()) if len(text) <= MAX_VALUE_CHARS else parse("\0")
        except (ValueError, TypeError, OverflowError):
            report(notice(written, text, allowed, fallback))

    def choice(options):
        def parse(text):
            if text.lower() not in options:
                raise ValueError(text)
            return text.lower()

        return parse

    take("dataset", choice(DATASETS), one_of_text(DATASETS), (base.dataset, base.dataset))
    if values["dataset"] != base.dataset:
        values["batch_size"] = None
    take("normalization", choice(NETWORK_NORMALIZATIONS), one_of_text(NETWORK_NORMALIZATIONS), (base.normalization, base.normalization))
    take("hidden", parse_hidden, (HIDDEN_ALLOWED, HIDDEN_ALLOWED_KO), (hidden_text(base.hidden), hidden_text(base.hidden)))
    take("activation", choice(ACTIVATIONS), one_of_text(ACTIVATIONS), (base.activation, base.activation))
    n = make_dataset(values["dataset"]).n

    def batch(text):
        if text == "full":
            return None
        size = float(text)
        if not (size.is_integer() and 1 <= size <= n):
            raise ValueError(text)
        return int(size)

    full = ("the full batch", "전체 배치")
    take("batch_size", batch, (f"full or an integer in [1, {n}]", f"full 또는 [1, {n}] 범위의 정수"), full)
    shared = read_run(canonical(shared_run(base)), given, report, top_level=top_level)
    for name in ("optimizer", "lr", "optimizer_params", "scheduler", "scheduler_params", "steps", "seed"):
        values[name] = getattr(shared, name)
    try:
        return canonical_network(NetworkConfig(**values))
    except ValueError as error:  # the data set's batch sizes were checked: a last resort
        report(notice("query", "&".join(f"{w}={t}" for w, t in given.values()) or str(error)[:40], ("settings the engine accepts together", "엔진이 함께 받아들이는 설정"), ("the run without them", "그 설정을 뺀 실행")))
        return base


__all__ = [
    "NETWORK",
    "NETWORK_ERROR_SLOTS",
    "NETWORK_OUTPUTS",
    "NetworkView",
    "batch_choices",
    "config_from_dict",
    "config_from_request",
    "config_to_dict",
    "decode_network",
    "encode_network",
    "idle_outputs",
    "navigation_target",
    "network_cell_link",
    "network_explore_outputs",
    "network_outputs",
    "normalization_options",
    "panel_outputs",
    "parse_hidden",
    "read_network",
    "shared_run",
    "stored_networks",
    "third_view_box",
    "third_views",
]


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
