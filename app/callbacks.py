"""Thin callbacks: read controls, ask the engine, hand trajectories to the figure functions.

No per-user state on the server: any worker process can answer any request. The one
module-level store is a memo: main_outputs() keeps the last answers of the main callback keyed
by the canonical JSON of its inputs (identical requests, such as a class opening the same
lesson, are answered from it); its hit and miss counts are cache_stats().
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from functools import lru_cache
from urllib.parse import urlencode

import flask
import pandas as pd
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, html, no_update

from app import explore_figures, figures
from app.i18n import LANGUAGES, name_in, t
from app.lessons import LESSONS
from app.runs import (
    config_from_controls,
    config_from_dict,
    config_to_dict,
    error_field,
    params_from_controls,
    run_labels,
    specs_of,
)
from app.upload import UploadError, data_fit_from, read_upload, table_to_store
from app.urlstate import ViewState, canonical, decode, encode, view_flags
from engine import SURFACES, simulate_many
from engine.catalog import problem_of
from engine.datafit import DataFit
from engine.explore import (
    at_rate,
    current_setting,
    lr_finder,
    second_settings,
    stability_map,
    with_second,
)
from engine.formula import custom_surface
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZER_PARAMS
from engine.schedules import SCHEDULER_NAMES, SCHEDULER_PARAMS, learning_rates, resolve_schedule

MAX_PINNED = figures.MAX_RUNS - 1
ERROR_SLOTS = ("lr", "steps", "seed", "start", "batch_size", "params", "formula", "upload")
ERROR_IDS = {slot: f"{slot.split('_')[0]}-error" for slot in ERROR_SLOTS}
# Inputs that change the map under the paths: their change re-sends whole figures.
SURFACE_INPUTS = frozenset(
    {"surface", "normalization", "formula-text", "formula-x-range", "formula-y-range", "upload-data", "upload-x", "upload-y"}
)
CACHE_SIZE = 128
CACHE_HEADER = "X-Descent-Cache"


# --------------------------------------------------------------------------- request values
# The page sends well-formed values, but a request can carry anything. Each callback reads
# its values through these: a value of the wrong type reads as "no value" (the callback then
# leaves its outputs alone or shows the default), never as an exception and a 500.


def _listed(value) -> list:
    """A Store's list, or nothing when a tampered request sent something else."""
    return value if isinstance(value, list) else []


def _dicts(value) -> list[dict]:
    """The dicts in a list (stored runs, dropdown options); the rest is dropped."""
    return [item for item in _listed(value) if isinstance(item, dict)]


def _number(value) -> float | None:
    """A finite real number as a float; None for anything else (True, "1", NaN, 10**400, ...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond floats (JSON allows any size)
        return None
    return number if math.isfinite(number) else None


def _text(value) -> str:
    """A text value such as the URL's search; "" for anything else."""
    return value if isinstance(value, str) else ""


def _lang(value) -> str:
    """A language of the page; English for anything else."""
    return value if isinstance(value, str) and value in LANGUAGES else "en"


def _param_controls(values, ids) -> bool:
    """Whether values and ids are parallel lists, each id naming a parameter control: the
    optimizer or scheduler that owns it and the parameter's name."""
    if not isinstance(values, list) or not isinstance(ids, list) or len(values) != len(ids):
        return False
    return all(isinstance(i, dict) and all(isinstance(i.get(k), str) for k in ("owner", "name")) for i in ids)


def _clicked_point(click) -> dict | None:
    """The first point of a graph's clickData ({"points": [{...}, ...]}), or None."""
    points = click.get("points") if isinstance(click, dict) else None
    if isinstance(points, list) and points and isinstance(points[0], dict):
        return points[0]
    return None


def stored_configs(items, problems: dict | None = None) -> list:
    """The configs among stored dicts that still build; a stale one (e.g. from an older
    version, or tampered) is dropped, not fatal."""
    configs = []
    for data in _listed(items):
        try:
            configs.append(config_from_dict(data, problems))
        except (ValueError, TypeError):
            continue
    return configs


def url_search(result: dict, flags: dict, custom: dict | None = None) -> str:
    """The query string for what is on screen, so the link reopens exactly this view.

    A lesson's own runs keep the short ?preset= link; once anything changes, the URL spells
    out the settings (the lesson was the starting point). A formula travels as
    surface=custom&formula=...&x_range=...&y_range=... with the start point; uploaded data
    cannot travel in a link, so its view keeps the last address.
    """
    if custom is not None:
        current = config_from_dict({**result["config"], "surface": "bowl", "start": None})
        query = encode(ViewState(current=current, lang=flags.get("lang", "en"), embed=bool(flags.get("embed"))))
        extra = [("surface", "custom"), *((k, str(custom.get(k) or "")) for k in ("formula", "x_range", "y_range"))]
        if result["config"].get("start") is not None:
            extra.append(("start", ",".join(f"{v:g}" for v in result["config"]["start"])))
        query = "&".join(filter(None, [query, urlencode(extra)]))
        return f"?{query}"
    current = config_from_dict(result["config"])
    pinned = tuple(result["pinned_configs"])
    preset = flags.get("preset")
    lesson = LESSONS.get(preset)
    if lesson is None or tuple(map(canonical, lesson.runs)) != tuple(map(canonical, (*pinned, current))):
        preset = None
    state = ViewState(
        current=current,
        pinned=pinned,
        lang=flags.get("lang", "en"),
        embed=bool(flags.get("embed")),
        preset=preset,
    )
    query = encode(state)
    return f"?{query}" if query else ""


def navigation_target(trigger, preset, lang, search, flags) -> str:
    """Where a lesson or language choice leads: a fresh page built from its URL."""
    flags = view_flags(flags)
    if trigger == "preset" and isinstance(preset, str) and preset in LESSONS:
        query = {"preset": preset}
        if flags["lang"] != "en":
            query["lang"] = flags["lang"]
        if flags["embed"]:
            query["embed"] = "1"
        return "/?" + urlencode(query)
    if trigger == "lang" and isinstance(lang, str) and lang in LANGUAGES:
        state, _ = decode(_text(search).lstrip("?"))
        query = encode(dataclasses.replace(state, lang=lang))
        return f"/?{query}" if query else "/"
    return no_update


def explore_outputs(view, current, second, surface, custom, upload, lang):
    """The learning-rate finder or the stability map for the run on screen."""
    hide, show = {"display": "none"}, {}
    lang = _lang(lang)
    if view not in ("finder", "map") or not current or not isinstance(current, dict):
        return False, True, no_update, hide, no_update, hide, no_update, no_update, ""
    try:
        problem = own_problem(surface, custom, upload)
        config = config_from_dict(current, {surface: problem} if problem is not None else None)
    except (ValueError, TypeError):
        return False, True, no_update, hide, no_update, hide, no_update, no_update, ""
    if view == "finder":
        sweep = lr_finder(config)
        figure = explore_figures.lr_finder_figure(sweep, config.lr, lang)
        return True, False, figure, show, no_update, hide, no_update, no_update, ""
    choices = second_settings(config)
    options = [{"label": explore_figures.second_label(c, config.scheduler, lang), "value": c} for c in choices]
    if not choices:
        return True, False, no_update, hide, no_update, hide, [], None, t("no_second", lang)
    second = second if second in choices else choices[0]
    smap = stability_map(config, second)
    figure = explore_figures.stability_map_figure(smap, config.lr, current_setting(config, second), lang)
    return True, False, no_update, hide, figure, show, options, second, ""


def map_cell_target(click, current, pinned, second, flags):
    """The link of a clicked stability-map cell: the same view at that rate and setting.

    A cell's customdata is [learning rate, value of the second setting]; the second setting
    must be one the run on screen offers.
    """
    point = _clicked_point(click)
    cell = point.get("customdata") if point is not None else None
    if not isinstance(cell, list) or len(cell) != 2:
        return no_update
    rate, value = map(_number, cell)
    if rate is None or value is None:
        return no_update
    try:
        config = config_from_dict(current)
    except (TypeError, ValueError):
        return no_update  # own formulas and data cannot travel in a link
    if second not in second_settings(config):
        return no_update
    try:
        config = with_second(at_rate(config, rate), second, value)
    except ValueError:  # e.g. a rate or value outside what a run allows
        return no_update
    flags = view_flags(flags)
    pins = stored_configs(pinned)
    state = ViewState(current=config, pinned=tuple(pins[:MAX_PINNED]), lang=flags["lang"], embed=flags["embed"])
    query = encode(state)
    return f"/?{query}" if query else "/"


def clicked_rate(click):
    """The learning rate of a clicked learning-rate-finder point (its customdata), or no update."""
    point = _clicked_point(click)
    rate = _number(point.get("customdata")) if point is not None else None
    return no_update if rate is None else rate


def clicked_start(click) -> tuple[float | None, float | None]:
    """The start point of a click on the contour map, rounded; (None, None), the surface's
    default start, for a click that names no point with numeric x and y."""
    point = _clicked_point(click)
    if point is None:
        return None, None
    x, y = _number(point.get("x")), _number(point.get("y"))
    if x is None or y is None:
        return None, None
    return round(x, 4), round(y, 4)


def pinned_after(current, pinned) -> list[dict]:
    """The pinned runs after pinning the current one: it moves to the end, at most MAX_PINNED
    are kept. Pinned entries that are not runs (dicts) are dropped; no current run clears."""
    if not isinstance(current, dict):
        return []
    kept = [p for p in _dicts(pinned) if p != current]
    return [*kept, current][-MAX_PINNED:]


def block_styles(chosen, names) -> list[dict]:
    """The style of each parameter block (one per optimizer or scheduler): only the chosen
    one's is shown.

    In a request the blocks are the ones it names as outputs (Dash wants one style for
    each, and a tampered request may name fewer or others); called directly, all of names.
    """
    owners = list(names)
    if flask.has_request_context():
        owners = [_owner(block) for block in _listed(ctx.outputs_list)]
    return [{} if owner == chosen else {"display": "none"} for owner in owners]


def _owner(block) -> str | None:
    block_id = block.get("id") if isinstance(block, dict) else None
    return block_id.get("owner") if isinstance(block_id, dict) else None


def upload_outputs(contents, filename):
    """A CSV upload read into a table kept in the browser, with the column choices it offers."""
    try:
        table = read_upload(contents, filename or "data.csv")
    except UploadError as error:
        return no_update, no_update, no_update, no_update, no_update, "", str(error)
    columns = list(table.columns)
    options = [{"label": c, "value": c} for c in columns]
    notes = [html.Div(note) for note in table.notices]
    return table_to_store(table), options, columns[0], options, columns[1], notes, ""


def html_download(search: str | None):
    """The view a URL's search names, as one offline HTML file; nothing for a search that is
    not text (the page's address always is)."""
    from app.export import export_html  # imports plotly.js's 4.8 MB text only when asked

    if not isinstance(search, str):
        return no_update
    try:
        document = export_html(search.lstrip("?"))
    except ValueError:
        return no_update
    return {"content": document, "filename": "descent-lab.html", "type": "text/html"}


def trajectories_csv(current, pinned) -> str | None:
    """Every run on screen, one row per step, as CSV text (via pandas)."""
    if not current or not isinstance(current, dict):
        return None
    configs = stored_configs([*_listed(pinned)[:MAX_PINNED], current])
    labels = run_labels([config_to_dict(c) for c in configs])
    frames = []
    for index, (trajectory, label) in enumerate(zip(simulate_many(configs), labels, strict=True)):
        frame = trajectory.to_frame()
        frame.insert(0, "run", index + 1)
        frame.insert(1, "label", label)
        frame["outcome"] = trajectory.outcome
        frames.append(frame)
    if not frames:  # e.g. a stale current run from an older version: nothing to download
        return None
    return pd.concat(frames, ignore_index=True).to_csv(index=False)


def own_problem(surface, custom, upload):
    """The Surface of a lecturer's formula or the DataFit of uploaded data, else None.

    Nothing is kept on the server: the formula and the data arrive with every request.
    """
    if surface == "custom":
        custom = custom if isinstance(custom, dict) else {}
        window = (parse_range(custom.get("x_range"), "x range"), parse_range(custom.get("y_range"), "y range"))
        return custom_surface(custom.get("formula") or "", window)
    if surface == "upload":
        upload = upload if isinstance(upload, dict) else {}
        if not upload.get("table"):
            raise UploadError("upload: choose a CSV file first")
        return data_fit_from(upload["table"], upload.get("x"), upload.get("y"))
    return None


def parse_range(text, name: str) -> tuple[float, float]:
    """ "-3, 3" -> (-3.0, 3.0); the window's own checks follow in custom_surface."""
    try:
        low, high = (float(part) for part in str(text).split(","))
    except ValueError:
        raise ValueError(f"window {name} = {text!r} is not allowed: expected two numbers like -3, 3") from None
    return low, high


def compute_views(
    surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
    opt_values, opt_ids, sched_values, sched_ids, pinned, lang="en", custom=None, upload=None,
):
    """Everything the main callback returns, as a dict (a plain function, tested directly)."""
    errors = dict.fromkeys(ERROR_SLOTS, "")
    try:
        problem = own_problem(surface, custom, upload)
    except ValueError as error:
        slot = "upload" if surface == "upload" else "formula"
        errors[slot] = str(error)
        return {"ok": False, "errors": errors, "notice": f"{t('invalid', lang)}: {error} — {t('kept_last', lang)}"}
    try:
        config = config_from_controls(
            problem=problem,
            surface=surface,
            optimizer=optimizer,
            lr=lr,
            scheduler=scheduler,
            batch_size=batch_size,
            normalization=normalization,
            steps=steps,
            seed=seed,
            start_x=start_x,
            start_y=start_y,
            optimizer_params=params_from_controls(opt_values, opt_ids, optimizer, specs_of(OPTIMIZER_PARAMS, optimizer)),
            scheduler_params=params_from_controls(sched_values, sched_ids, scheduler, specs_of(SCHEDULER_PARAMS, scheduler)),
        )
    except ValueError as error:
        message = str(error)
        slot = error_field(message)
        slot = {"batch_size": "batch_size"}.get(slot, slot)
        if slot in errors:
            errors[slot] = message
        return {"ok": False, "errors": errors, "notice": f"{t('invalid', lang)}: {message} — {t('kept_last', lang)}"}

    problems = {surface: problem} if problem is not None else None
    pinned_configs = [
        candidate
        for candidate in stored_configs(_listed(pinned)[:MAX_PINNED], problems)
        if candidate.surface == config.surface
    ]
    configs = [*pinned_configs, config]
    trajectories = simulate_many(configs)
    labels = run_labels([config_to_dict(c) for c in configs])
    # The current run always has the first colour; pinned runs follow.
    order = [len(configs) - 1, *range(len(configs) - 1)]
    views = [
        figures.run_view(trajectories[i], labels[i], figures.PALETTE[slot])
        for slot, i in enumerate(order)
    ]
    ordered = [trajectories[i] for i in order]
    ordered_configs = [configs[i] for i in order]
    # A run scaled differently lives on other axes: it joins the curves, not the map.
    on_map = [v for v, c in zip(views, ordered_configs, strict=True) if c.normalization == config.normalization]
    surface_obj = figures.surface_of(config)
    problem = problem_of(config.surface)
    if isinstance(problem, DataFit):
        third = figures.data_fit_figure(problem, views, [c.normalization for c in ordered_configs], lang)
    else:
        third = figures.curve_figure("grad_norm", views, lang)
    return {
        "ok": True,
        "errors": errors,
        "notice": "",
        "config": config_to_dict(config),
        "contour": figures.contour_figure(surface_obj, on_map, lang),
        "surface3d": figures.surface3d_figure(surface_obj, on_map, lang),
        "loss": figures.curve_figure("loss", views, lang),
        "lr": figures.curve_figure("lr", views, lang),
        "third": third,
        "badges": badges(ordered, views, lang, [c.normalization != config.normalization for c in ordered_configs]),
        "formula": formula(problem, lang),
        "summary": summary(config, len(configs), lang),
        "pinned_configs": pinned_configs,
        "trajectories": ordered,
    }


def summary(config, runs: int, lang: str) -> str:
    """One line naming the settings, for embedded slides."""
    problem = problem_of(config.surface)
    parts = [name_in("surface", problem.name, problem.title, lang), config.optimizer, f"{t('learning_rate', lang).lower()} {config.lr:g}"]
    if config.scheduler != "constant":
        parts.append(config.scheduler)
    if config.batch_size is not None:
        parts.append(f"{t('batch_size', lang).lower()} {config.batch_size}")
    if config.normalization != "none":
        parts.append(t(f"norm_{config.normalization}", lang))
    parts.append(f"{config.steps} {t('steps', lang).lower()}")
    if runs > 1:
        parts.append(f"+{runs - 1}")
    return " · ".join(parts)


def formula(problem, lang: str):
    lines = [html.Span(problem.formula, className="formula-main")]
    if isinstance(problem, DataFit):
        lines.append(
            html.Span(
                "∂L/∂w = 1/n Σᵢ (w·xᵢ + b − yᵢ)·xᵢ,   ∂L/∂b = 1/n Σᵢ (w·xᵢ + b − yᵢ)",
                className="formula-grad",
            )
        )
    lines.append(html.Span(name_in("description", problem.name, problem.description, lang), className="formula-note"))
    return lines


def outcome_text(trajectory, lang: str) -> str:
    if trajectory.outcome == "diverged":
        return t("outcome_diverged", lang, step=trajectory.diverged_at)
    return t(f"outcome_{trajectory.outcome}", lang)


def badges(trajectories, views, lang: str, off_map=None) -> list:
    out = []
    off_map = off_map or [False] * len(views)
    for trajectory, view, hidden in zip(trajectories, views, off_map, strict=True):
        facts = [
            f"{t('final_loss', lang)} {trajectory.final_loss:.4g}",
            f"{t('steps', lang).lower()} {trajectory.steps_taken}",
            f"{t('overshoots', lang)} {trajectory.overshoots}",
        ]
        if trajectory.steps_per_epoch > 1:
            epochs = math.ceil(trajectory.steps_taken / trajectory.steps_per_epoch)
            facts.append(f"{t('epochs', lang)} {epochs} ({trajectory.steps_per_epoch} {t('steps_per_epoch', lang)})")
        out.append(
            html.Div(
                [
                    html.Span(className="badge-dot", style={"background": view.colour}),
                    html.Span(outcome_text(trajectory, lang), className=f"badge-label outcome-{trajectory.outcome}"),
                    html.Span(view.label, className="badge-run"),
                    html.Span(t(f"why_{trajectory.outcome}", lang), className="badge-why"),
                    html.Span(" · ".join(facts), className="badge-facts"),
                    *([html.Span(t("not_on_map", lang), className="badge-facts")] if hidden else []),
                ],
                className="badge",
                **{"data-outcome": trajectory.outcome},
            )
        )
    return out


def lr_preview(scheduler, lr, steps, sched_values, sched_ids, lang="en"):
    """The scheduler's rate over the run (plateau: shown flat, since it depends on the loss).

    Anything that does not make a schedule (a blank or non-numeric rate or step count, an
    unknown scheduler, parameter controls that are not the page's) keeps the last picture.
    """
    lr, steps = _number(lr), _number(steps)
    if lr is None or steps is None or not isinstance(scheduler, str) or scheduler not in SCHEDULER_PARAMS:
        return no_update
    if not _param_controls(sched_values, sched_ids):
        return no_update
    try:
        params = params_from_controls(sched_values, sched_ids, scheduler, SCHEDULER_PARAMS[scheduler])
        steps = int(steps)
        if scheduler == "plateau":
            resolve_schedule(scheduler, lr, steps, params)
            rates = [lr] * steps
        else:
            rates = learning_rates(scheduler, lr, steps, params)
    except (ValueError, TypeError, OverflowError):  # the engine's checks of the parameters
        return no_update
    return figures.lr_preview_figure(rates, lang)


def register(app) -> None:
    @app.server.after_request
    def cache_header(response):
        """Name whether the main callback's answer came from the memo, with the counts."""
        state = flask.g.get("descent_cache")
        if state:
            stats = cache_stats()
            response.headers[CACHE_HEADER] = state
            response.headers[CACHE_HEADER + "-Stats"] = f"hits={stats['hits']}; misses={stats['misses']}; pid={stats['pid']}"
        return response

    # In the browser (assets/player.js): the main callback waits for this one, since it may
    # change the rate, so a server round trip here would delay every rate change.
    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="syncRate"),
        Output("lr", "value"),
        Output("lr-slider", "value"),
        Input("lr", "value"),
        Input("lr-slider", "value"),
        State("lr-slider", "min"),
        State("lr-slider", "max"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output({"type": "opt-param-block", "owner": ALL}, "style"),
        Input("optimizer", "value"),
    )
    def show_optimizer_params(optimizer):
        return block_styles(optimizer, OPTIMIZER_NAMES)

    @app.callback(
        Output({"type": "sched-param-block", "owner": ALL}, "style"),
        Input("scheduler", "value"),
    )
    def show_scheduler_params(scheduler):
        return block_styles(scheduler, SCHEDULER_NAMES)

    @app.callback(
        Output("batch-size", "disabled"),
        Output("normalization", "options"),
        Output("data-only-reason", "children"),
        Input("surface", "value"),
        State("normalization", "options"),
        State("view-flags", "data"),
    )
    def data_controls(surface, options, flags=None):
        is_data = surface == "upload" or (isinstance(surface, str) and isinstance(SURFACES.get(surface), DataFit))
        options = [{**o, "disabled": not is_data} for o in _dicts(options)] or no_update
        lang = view_flags(flags)["lang"]
        return not is_data, options, "" if is_data else t("only_data_fit", lang)

    @app.callback(
        Output("curves", "hidden"),
        Output("explore", "hidden"),
        Output("finder-graph", "figure"),
        Output("finder-graph", "style"),
        Output("map-graph", "figure"),
        Output("map-graph", "style"),
        Output("explore-second", "options"),
        Output("explore-second", "value"),
        Output("explore-note", "children"),
        Output("explore-bar", "style"),
        Input("lower-view", "value"),
        Input("current-config", "data"),
        Input("explore-second", "value"),
        State("surface", "value"),
        State("formula-text", "value"),
        State("formula-x-range", "value"),
        State("formula-y-range", "value"),
        State("upload-data", "data"),
        State("upload-x", "value"),
        State("upload-y", "value"),
        State("view-flags", "data"),
    )
    def explore(view, current, second, surface, formula, x_range, y_range, table, upload_x, upload_y, flags):
        custom = {"formula": formula, "x_range": x_range, "y_range": y_range}
        upload = {"table": table, "x": upload_x, "y": upload_y}
        outputs = explore_outputs(view, current, second, surface, custom, upload, view_flags(flags)["lang"])
        # The "against" choice belongs to the stability map only.
        return (*outputs, {} if view == "map" else {"visibility": "hidden"})

    @app.callback(
        Output("lr", "value", allow_duplicate=True),
        Input("finder-graph", "clickData"),
        prevent_initial_call=True,
    )
    def load_clicked_rate(click):
        """A point of the learning-rate finder loads its rate (its customdata)."""
        return clicked_rate(click)

    @app.callback(
        Output("navigate", "href", allow_duplicate=True),
        Input("map-graph", "clickData"),
        State("current-config", "data"),
        State("pinned", "data"),
        State("explore-second", "value"),
        State("view-flags", "data"),
        prevent_initial_call=True,
    )
    def load_clicked_cell(click, current, pinned, second, flags):
        """A cell of the stability map opens that rate and setting (a new link)."""
        return map_cell_target(click, current, pinned, second, flags)

    @app.callback(
        Output("formula-controls", "hidden"),
        Output("upload-controls", "hidden"),
        Input("surface", "value"),
    )
    def own_surface_panels(surface):
        return surface != "custom", surface != "upload"

    @app.callback(
        Output("upload-data", "data"),
        Output("upload-x", "options"),
        Output("upload-x", "value"),
        Output("upload-y", "options"),
        Output("upload-y", "value"),
        Output("upload-notes", "children"),
        Output("upload-error", "children", allow_duplicate=True),
        Input("upload-file", "contents"),
        State("upload-file", "filename"),
        prevent_initial_call=True,
    )
    def receive_upload(contents, filename):
        return upload_outputs(contents, filename)

    @app.callback(
        Output("start-x", "value"),
        Output("start-y", "value"),
        Input("contour", "clickData"),
        Input("surface", "value"),
        Input("normalization", "value"),
        prevent_initial_call=True,
    )
    def start_from_click(click, _surface, _normalization):
        """A click on the map starts the descent there; a new surface starts at its default."""
        if ctx.triggered_id != "contour":
            return None, None
        return clicked_start(click)

    @app.callback(
        Output("pinned", "data"),
        Input("pin", "n_clicks"),
        Input("clear-pins", "n_clicks"),
        State("current-config", "data"),
        State("pinned", "data"),
        prevent_initial_call=True,
    )
    def pin_run(_pin, _clear, current, pinned):
        if ctx.triggered_id == "clear-pins":
            return []
        return pinned_after(current, pinned)

    @app.callback(
        Output("lr-preview", "figure"),
        Input("scheduler", "value"),
        Input("lr", "value"),
        Input("steps", "value"),
        Input({"type": "sched-param", "owner": ALL, "name": ALL}, "value"),
        State({"type": "sched-param", "owner": ALL, "name": ALL}, "id"),
    )
    def preview(scheduler, lr, steps, sched_values, sched_ids):
        return lr_preview(scheduler, lr, steps, sched_values, sched_ids)

    @app.callback(
        Output("navigate", "href"),
        Input("preset", "value"),
        Input("lang", "value"),
        State("url", "search"),
        State("view-flags", "data"),
        prevent_initial_call=True,
    )
    def navigate(preset, lang, search, flags):
        """A lesson or a language is a new page: reload it from its URL."""
        return navigation_target(ctx.triggered_id, preset, lang, search, flags)

    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="href"),
        Output("copy-link", "content"),
        Input("copy-link", "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("html-download", "data"),
        Input("html-button", "n_clicks"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def download_html(_clicks, search):
        """The view on screen as one self-contained HTML file (the same as `python -m app.export`)."""
        return html_download(search)

    @app.callback(
        Output("csv-download", "data"),
        Input("csv-button", "n_clicks"),
        State("current-config", "data"),
        State("pinned", "data"),
        prevent_initial_call=True,
    )
    def download_csv(_clicks, current, pinned):
        text = trajectories_csv(current, pinned)
        if text is None:
            return no_update
        return {"content": text, "filename": "descent-lab-runs.csv", "type": "text/csv"}

    @app.callback(
        Output("contour", "figure"),
        Output("surface3d", "figure"),
        Output("loss-graph", "figure"),
        Output("lr-graph", "figure"),
        Output("third-graph", "figure"),
        Output("badges", "children"),
        Output("formula", "children"),
        Output("summary", "children"),
        Output("current-config", "data"),
        Output("url", "search"),
        Output("notice", "children"),
        *[Output(ERROR_IDS[slot], "children") for slot in ERROR_SLOTS],
        Input("surface", "value"),
        Input("optimizer", "value"),
        Input("lr", "value"),
        Input("scheduler", "value"),
        Input("batch-size", "value"),
        Input("normalization", "value"),
        Input("steps", "value"),
        Input("seed", "value"),
        Input("start-x", "value"),
        Input("start-y", "value"),
        Input({"type": "opt-param", "owner": ALL, "name": ALL}, "value"),
        Input({"type": "sched-param", "owner": ALL, "name": ALL}, "value"),
        Input("pinned", "data"),
        Input("formula-text", "value"),
        Input("formula-x-range", "value"),
        Input("formula-y-range", "value"),
        Input("upload-data", "data"),
        Input("upload-x", "value"),
        Input("upload-y", "value"),
        State({"type": "opt-param", "owner": ALL, "name": ALL}, "id"),
        State({"type": "sched-param", "owner": ALL, "name": ALL}, "id"),
        State("view-flags", "data"),
        State("current-config", "data"),
    )
    def recompute(surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed,
                  start_x, start_y, opt_values, sched_values, pinned, formula, x_range, y_range,
                  table, upload_x, upload_y, opt_ids, sched_ids, flags, last_config=None):
        key = request_key(
            surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
            opt_values, sched_values, pinned, formula, x_range, y_range, table, upload_x, upload_y,
            opt_ids, sched_ids, flags,
        )
        if surface == "upload":  # uploaded tables are large and seldom repeated: not memoized
            answer, hit = main_outputs.__wrapped__(key), None
        else:
            hits = main_outputs.cache_info().hits
            answer = main_outputs(key)
            hit = main_outputs.cache_info().hits > hits
        if hit is not None and flask.has_request_context():
            flask.g.descent_cache = "hit" if hit else "miss"
        outputs, config = answer
        if config is not None and paths_only(ctx.triggered_prop_ids, last_config, config, surface):
            return (path_patch(outputs[0], contour=True), path_patch(outputs[1], contour=False), *outputs[2:])
        return outputs


def request_key(*inputs) -> str:
    """The canonical JSON of the main callback's inputs: equal requests, equal keys."""
    return json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)


@lru_cache(maxsize=CACHE_SIZE)
def main_outputs(key: str):
    """The main callback's outputs (full figures, compacted) and the config drawn, or None.

    Memoized per process by request_key: the answer depends on nothing but the inputs.
    """
    (surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
     opt_values, sched_values, pinned, formula, x_range, y_range, table, upload_x, upload_y,
     opt_ids, sched_ids, flags) = json.loads(key)  # fmt: skip
    flags = view_flags(flags)
    lang = flags.get("lang", "en")
    custom = {"formula": formula, "x_range": x_range, "y_range": y_range}
    upload = {"table": table, "x": upload_x, "y": upload_y}
    result = compute_views(
        surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
        opt_values, opt_ids, sched_values, sched_ids, pinned, lang, custom=custom, upload=upload,
    )
    errors = [result["errors"][slot] for slot in ERROR_SLOTS]
    if not result["ok"]:
        return (*[no_update] * 10, result["notice"], *errors), None
    outputs = (
        figures.compact(result["contour"], plain=figures.whole_path_slots()),
        figures.compact(result["surface3d"]),
        figures.compact(result["loss"]),
        figures.compact(result["lr"]),
        figures.compact(result["third"]),
        result["badges"],
        result["formula"],
        result["summary"],
        result["config"],
        url_search(result, flags, custom if surface == "custom" else None) if surface != "upload" else no_update,
        result["notice"],
        *errors,
    )
    return outputs, result["config"]


def cache_stats() -> dict:
    """This process's memo of the main callback: hits, misses, entries."""
    info = main_outputs.cache_info()
    return {"hits": info.hits, "misses": info.misses, "size": info.currsize, "pid": os.getpid()}


def paths_only(triggered, last_config, config, surface) -> bool:
    """Whether the browser's figures already show this map, so only the paths need sending:
    something other than the map's inputs changed, and the last drawn run was on the same
    surface and scaling (after an error the browser may still show an older map)."""
    ids = [str(i) for i in (triggered or {}).values()]
    if not ids or any(i in SURFACE_INPUTS for i in ids) or surface in ("custom", "upload"):
        return False
    if not isinstance(last_config, dict):
        return False
    return all(last_config.get(k) == config.get(k) for k in ("surface", "normalization"))


def path_patch(figure: dict, contour: bool) -> Patch:
    """Replace the run traces (data[1:]: paths, and on the contour the arrows) and, on the
    contour, the title, which holds the arrows' key."""
    patch = Patch()
    for index in range(1, len(figure["data"])):
        patch["data"][index] = figure["data"][index]
    if contour:
        patch["layout"]["title"] = figure["layout"]["title"]
    return patch
