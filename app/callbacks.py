"""Thin callbacks: read controls, ask the engine, hand trajectories to the figure functions.

No per-user state on the server: any worker process can answer any request. The one
module-level store is a memo: main_outputs keeps the last answers of the main callback keyed
by what they depend on (request_key; identical requests, such as a class opening the same
lesson, are answered from it), bounded in entries and in bytes; its counts are cache_stats().
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import sys
import threading
from collections import OrderedDict
from urllib.parse import urlencode

import flask
import numpy as np
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
from app.security import debug_headers
from app.upload import UploadError, data_fit_from, read_upload, table_to_store
from app.urlstate import ViewState, canonical, decode, encode, view_flags
from engine import SURFACES, budget, limits, simulate_many
from engine.catalog import problem_of
from engine.cost import step_cost_us
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
from engine.simulate import NotSimulated, check_simulated

MAX_PINNED = figures.MAX_RUNS - 1
ERROR_SLOTS = ("lr", "steps", "seed", "start", "batch_size", "params", "formula", "upload")
ERROR_IDS = {slot: f"{slot.split('_')[0]}-error" for slot in ERROR_SLOTS}
# Inputs that change the map under the paths: their change re-sends whole figures.
SURFACE_INPUTS = frozenset(
    {"surface", "normalization", "formula-text", "formula-x-range", "formula-y-range", "upload-data", "upload-x", "upload-y"}
)
CACHE_SIZE = 128  # answers the memo keeps at most...
CACHE_BYTES = 32 * 2**20  # ...and at most this many bytes of them (answer_bytes), per worker
DIGEST_OVER = 256  # an input longer than this as JSON enters the memo's key as its digest
CACHE_HEADER = "X-Descent-Cache"
# Text cells a spreadsheet would read as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


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
    try:
        check_simulated([config])  # a tampered store: the main callback never draws it
    except NotSimulated:
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

    A point's customdata is [learning rate, value of the second setting]. dcc.Graph passes
    customdata on only for points numbered by one index, so a heatmap cell (numbered [row,
    column]) arrives without it: its x and y are the rate and the value. The second setting
    must be one the run on screen offers.
    """
    point = _clicked_point(click)
    if point is None:
        return no_update
    cell = point.get("customdata") if "customdata" in point else [point.get("x"), point.get("y")]
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


def html_download(search, current=None, pinned=None, upload=None, flags=None):
    """The view on screen as one offline HTML file; nothing when there is none.

    The address names a built-in view or a formula (surface=custom&formula=...) with its
    current run; the runs drawn (current-config, pinned) and, for uploaded data, the table and
    its columns come as the page's Stores, since neither pins of a formula nor data travel in
    a link.
    """
    # Imported here: app.export reads plotly.js's 4.8 MB text, only when asked.
    from app.export import export_html, export_view

    if not isinstance(search, str):
        return no_update
    try:
        surface = current.get("surface") if isinstance(current, dict) else None
        if surface in ("custom", "upload"):
            document = export_view(current, pinned, view_flags(flags)["lang"], formula_of(search), upload)
        else:
            document = export_html(search.lstrip("?"))
    except ValueError:
        return no_update
    return {"content": document, "filename": "descent-lab.html", "type": "text/html"}


def formula_of(search) -> dict | None:
    """The formula a view's address names (surface=custom&formula=...&x_range=...&y_range=...),
    as own_problem reads it; None when it names none."""
    from app.factory import split_formula  # the link's own reader; factory imports this module

    return split_formula(_text(search).lstrip("?"))[1]


def trajectories_csv(current, pinned, search=None, upload=None) -> str | None:
    """Every run on screen, one row per step, as CSV text (via pandas).

    A formula's runs need the address that names it, uploaded data's the upload Store
    ({"table", "x", "y"}). Text cells are spreadsheet-safe (spreadsheet_text); a value a run
    cannot write as a number (it ran to infinity) is an empty cell.
    """
    if not current or not isinstance(current, dict):
        return None
    surface, problems = current.get("surface"), None
    if surface in ("custom", "upload"):
        try:
            problems = {surface: own_problem(surface, formula_of(search), upload)}
        except ValueError:
            return None
    pins, shown = stored_configs(_listed(pinned)[:MAX_PINNED], problems), stored_configs([current], problems)
    if shown:  # the screen shows the pins on the current run's surface only
        pins = [c for c in pins if c.surface == shown[0].surface]
    configs = [*pins, *shown]
    if not configs:  # e.g. a stale current run from an older version: nothing to download
        return None
    try:
        budget.check(configs)
        check_simulated(configs)
    except ValueError:  # never drawn: the main callback refuses the same runs
        return None
    labels = run_labels([config_to_dict(c) for c in configs])
    frames = []
    for index, (trajectory, label) in enumerate(zip(simulate_many(configs), labels, strict=True)):
        frame = trajectory.to_frame()
        numbers = frame.columns[1:]
        frame[numbers] = frame[numbers].where(np.isfinite(frame[numbers].astype(float)))
        frame.insert(0, "run", index + 1)
        frame.insert(1, "label", spreadsheet_text(label))
        frame.insert(2, "surface", spreadsheet_text(_surface_words(problem_of(trajectory.config.surface))))
        frame["outcome"] = spreadsheet_text(trajectory.outcome)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).to_csv(index=False)


def _surface_words(problem) -> str:
    """The surface a run descends, in a CSV cell: a built-in's name, an own formula as shown,
    uploaded data as the fit of its two columns."""
    if problem.name == "custom":
        return problem.formula
    if isinstance(problem, DataFit) and problem.name != "linreg":
        return f"{problem.y_label} ≈ w·{problem.x_label} + b"
    return problem.name


def spreadsheet_text(text: str) -> str:
    """text as a CSV cell no spreadsheet runs: one starting like a formula (=, +, -, @, tab,
    CR) gets a leading single quote (OWASP's advice on CSV injection)."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


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
    x_axis="iteration",
):
    """Everything the main callback returns, as a dict (a plain function, tested directly).

    x_axis: what the curves are drawn against (figures.X_AXES; anything else: iteration).
    """
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
    try:  # the request's work, counted before any step (engine.budget)
        budget.check(configs)
    except budget.BudgetError as error:
        errors[error.field] = str(error)
        return {"ok": False, "errors": errors, "notice": f"{t('invalid', lang)}: {error} — {t('kept_last', lang)}"}
    try:
        trajectories = simulate_many(configs)
    except NotSimulated as error:
        errors["params"] = str(error)
        return {"ok": False, "errors": errors, "notice": f"{t('invalid', lang)}: {error} — {t('kept_last', lang)}"}
    labels = run_labels([config_to_dict(c) for c in configs])
    # The current run always has the first colour; pinned runs follow.
    order = [len(configs) - 1, *range(len(configs) - 1)]
    views = [
        figures.run_view(trajectories[i], labels[i], figures.PALETTE[slot])
        for slot, i in enumerate(order)
    ]
    ordered = [trajectories[i] for i in order]
    ordered_configs = [configs[i] for i in order]
    # A run scaled differently lives on other axes: its map stands beside the current one's.
    panels = [figures.surface_of(c) for c in ordered_configs]
    surface_obj = figures.surface_of(config)
    problem = problem_of(config.surface)
    x_axis = x_axis if x_axis in figures.X_AXES else "iteration"
    if isinstance(problem, DataFit):
        third = figures.data_fit_figure(problem, views, [c.normalization for c in ordered_configs], lang)
    elif lr_ladder(ordered_configs):
        third = figures.rate_figure(ordered, views, lang, ladder_rungs(ordered_configs, ordered))
    else:
        third = figures.curve_figure("grad_norm", views, lang, x_axis)
    return {
        "ok": True,
        "errors": errors,
        "notice": "",
        "config": config_to_dict(config),
        "contour": figures.contour_figure(surface_obj, views, lang, panels=panels),
        "surface3d": figures.surface3d_figure(surface_obj, [v for v, p in zip(views, panels, strict=True) if p is surface_obj], lang),
        "loss": figures.curve_figure("loss", views, lang, x_axis),
        "lr": figures.curve_figure("lr", views, lang, x_axis),
        "third": third,
        "badges": badges(ordered, views, lang),
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


def badges(trajectories, views, lang: str) -> list:
    out = []
    for trajectory, view in zip(trajectories, views, strict=True):
        facts = [
            f"{t('final_loss', lang)} {trajectory.final_loss:.4g}",
            f"{t('steps', lang).lower()} {trajectory.steps_taken}",
            f"{t('overshoots', lang)} {trajectory.overshoots}",
        ]
        if trajectory.steps_per_epoch > 1:
            epochs = trajectory.steps_taken / trajectory.steps_per_epoch
            facts.append(f"{t('epochs', lang)} {epochs:.3g} ({trajectory.steps_per_epoch} {t('steps_per_epoch', lang)})")
        if len({v.batch_size for v in views}) > 1:  # batch sizes compared: what a step costs
            facts.append(t("step_cost", lang, cost=step_cost_us(view.batch_size)))
        out.append(
            html.Div(
                [
                    html.Span(className="badge-dot", style={"background": view.colour}),
                    html.Span(outcome_text(trajectory, lang), className=f"badge-label outcome-{trajectory.outcome}"),
                    html.Span(view.label, className="badge-run"),
                    html.Span(t(f"why_{trajectory.outcome}", lang), className="badge-why"),
                    html.Span(" · ".join(facts), className="badge-facts"),
                ],
                className="badge",
                title=t(f"why_{trajectory.outcome}", lang),
                **{"data-outcome": trajectory.outcome},
            )
        )
    return out


def ladder_rungs(configs, trajectories) -> list:
    """The rest of a learning-rate ladder: the runs x3 apart from the smallest rate on screen
    up to the first that diverges (the lecture's recipe), other than the runs on screen.
    Empty when the ladder would cost more than limits.LADDER_STEPS steps."""
    shown = {float(c.lr): tr for c, tr in zip(configs, trajectories, strict=True)}
    rates, rate = [], min(shown)
    while rate <= limits.LR_MAX and len(rates) < limits.LADDER_RUNGS:
        rates.append(rate)
        rate = float(f"{rate * 3:.12g}")
    extra = [r for r in rates if not any(math.isclose(r, s, rel_tol=1e-9) for s in shown)]
    if not extra or len(extra) * configs[0].steps > limits.LADDER_STEPS:
        return []
    ran = dict(zip(extra, simulate_many([configs[0].replace(lr=r) for r in extra]), strict=True))
    kept = []
    for rate in rates:  # climb until a rung diverges, on screen or not
        run = ran.get(rate) or next(tr for s, tr in shown.items() if math.isclose(rate, s, rel_tol=1e-9))
        if rate in ran:
            kept.append(run)
        if run.outcome == "diverged":
            break
    return kept


def lr_ladder(configs) -> bool:
    """Whether the runs on screen are a learning-rate ladder: three or more runs alike in every
    setting but the rate (the third graph then shows final loss against rate)."""
    if len(configs) < 3 or len({c.lr for c in configs}) != len(configs):
        return False
    first = configs[0]
    return all(c.replace(lr=first.lr) == first for c in configs[1:])


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
        """Name whether the main callback's answer came from the memo: benchmarks/load.py counts
        the hit rate from it. The counts and the worker's pid only when debug headers are on."""
        state = flask.g.get("descent_cache")
        if state:
            response.headers[CACHE_HEADER] = state
            if debug_headers(app.server):
                stats = cache_stats()
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
        Output("curve-x-box", "hidden"),
        Input("surface", "value"),
        State("normalization", "options"),
        State("view-flags", "data"),
    )
    def data_controls(surface, options, flags=None):
        """Batch size, normalization and the curves' x axis (epochs, examples, time) apply to
        data only."""
        is_data = surface == "upload" or (isinstance(surface, str) and isinstance(SURFACES.get(surface), DataFit))
        options = [{**o, "disabled": not is_data} for o in _dicts(options)] or no_update
        lang = view_flags(flags)["lang"]
        return not is_data, options, "" if is_data else t("only_data_fit", lang), not is_data

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

    # In the browser (assets/maps.js): several maps side by side take more of the row.
    app.clientside_callback(
        ClientsideFunction(namespace="maps", function_name="rowClass"),
        Output("maps", "className"),
        Input("contour", "figure"),
    )

    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="href"),
        Output("copy-link", "content"),
        Input("copy-link", "n_clicks"),
        prevent_initial_call=True,
    )

    # Both downloads export the runs drawn: the address names a built-in view or a formula;
    # the Stores hold the runs and uploaded data, which no link carries.
    download_states = (
        State("url", "search"),
        State("current-config", "data"),
        State("pinned", "data"),
        State("upload-data", "data"),
        State("upload-x", "value"),
        State("upload-y", "value"),
        State("view-flags", "data"),
    )

    @app.callback(
        Output("html-download", "data"),
        Input("html-button", "n_clicks"),
        *download_states,
        prevent_initial_call=True,
    )
    def download_html(_clicks, search, current, pinned, table, upload_x, upload_y, flags):
        """The view on screen as one self-contained HTML file (the same as `python -m app.export`)."""
        return html_download(search, current, pinned, {"table": table, "x": upload_x, "y": upload_y}, flags)

    @app.callback(
        Output("csv-download", "data"),
        Input("csv-button", "n_clicks"),
        *download_states,
        prevent_initial_call=True,
    )
    def download_csv(_clicks, search, current, pinned, table, upload_x, upload_y, _flags):
        text = trajectories_csv(current, pinned, search, {"table": table, "x": upload_x, "y": upload_y})
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
        Input("curve-x", "value"),
        State({"type": "opt-param", "owner": ALL, "name": ALL}, "id"),
        State({"type": "sched-param", "owner": ALL, "name": ALL}, "id"),
        State("view-flags", "data"),
        State("current-config", "data"),
    )
    def recompute(surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed,
                  start_x, start_y, opt_values, sched_values, pinned, formula, x_range, y_range,
                  table, upload_x, upload_y, curve_x, opt_ids, sched_ids, flags, last_config=None):
        answer, hit = main_outputs.answer(
            surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
            opt_values, sched_values, pinned, formula, x_range, y_range, table, upload_x, upload_y,
            opt_ids, sched_ids, flags, curve_x,
        )
        if flask.has_request_context():
            flask.g.descent_cache = "hit" if hit else "miss"
        outputs, config = answer
        if config is not None and paths_only(ctx.triggered_prop_ids, last_config, config, surface):
            return (path_patch(outputs[0], contour=True), path_patch(outputs[1], contour=False), *outputs[2:])
        return outputs


def request_key(
    surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
    opt_values, sched_values, pinned, formula, x_range, y_range, table, upload_x, upload_y,
    opt_ids, sched_ids, flags, curve_x="iteration",
) -> str:
    """What the main callback's answer depends on, as one short text: equal keys, equal answers.

    The formula's fields count only when the surface is "custom", the uploaded table and its
    columns only when it is "upload", the view flags as the callback reads them; an input
    longer than DIGEST_OVER characters of canonical JSON enters as its blake2b digest, so
    junk in a request never grows the key.
    """
    own = {"custom": (formula, x_range, y_range), "upload": (table, upload_x, upload_y)}
    parts = (
        surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
        opt_values, sched_values, opt_ids, sched_ids, pinned,
        own.get(surface) if isinstance(surface, str) else None, view_flags(flags), curve_x,
    )  # fmt: skip
    return "|".join(_digest(part) for part in parts)


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    if len(text) <= DIGEST_OVER:
        return text
    return "#" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def answer_bytes(value) -> int:
    """About how much memory an answer holds: its strings, numbers and containers, each shared
    object once; Dash components by their JSON form."""
    seen: set[int] = set()
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if hasattr(item, "to_plotly_json"):
            item = item.to_plotly_json()
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return total


class AnswerMemo:
    """The main callback's last answers (least recently used out first), at most CACHE_SIZE
    of them and at most CACHE_BYTES by answer_bytes; an answer bigger than a quarter of that
    is not kept. Safe for a worker's threads; answers are computed outside the lock."""

    def __init__(self, compute, entries: int = CACHE_SIZE, max_bytes: int = CACHE_BYTES):
        self.__wrapped__ = compute
        self.entries, self.max_bytes = entries, max_bytes
        self._answers: OrderedDict[str, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = self.bytes = 0

    def answer(self, *inputs) -> tuple[object, bool]:
        """The answer for the main callback's inputs, and whether it came from the memo."""
        key = request_key(*inputs)
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                self.hits += 1
                return found[0], True
            self.misses += 1
        answer = self.__wrapped__(*inputs)
        size = answer_bytes(answer)
        if size <= self.max_bytes // 4:
            with self._lock:
                if key not in self._answers:
                    self._answers[key] = (answer, size)
                    self.bytes += size
                while len(self._answers) > self.entries or self.bytes > self.max_bytes:
                    _, (_, dropped) = self._answers.popitem(last=False)
                    self.bytes -= dropped
        return answer, False

    def __call__(self, *inputs):
        return self.answer(*inputs)[0]

    def cache_clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.hits = self.misses = self.bytes = 0

    def cache_info(self) -> dict:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "size": len(self._answers), "bytes": self.bytes}


def _main_outputs(
    surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
    opt_values, sched_values, pinned, formula, x_range, y_range, table, upload_x, upload_y,
    opt_ids, sched_ids, flags, curve_x="iteration",
):
    """The main callback's outputs (full figures, compacted) and the config drawn, or None.

    Memoized per process (main_outputs): the answer depends on nothing but request_key's parts.
    """
    flags = view_flags(flags)
    lang = flags.get("lang", "en")
    custom = {"formula": formula, "x_range": x_range, "y_range": y_range}
    upload = {"table": table, "x": upload_x, "y": upload_y}
    result = compute_views(
        surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
        opt_values, opt_ids, sched_values, sched_ids, pinned, lang, custom=custom, upload=upload,
        x_axis=curve_x,
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


main_outputs = AnswerMemo(_main_outputs)


def cache_stats() -> dict:
    """This process's memo of the main callback: hits, misses, entries, bytes held."""
    return {**main_outputs.cache_info(), "pid": os.getpid()}


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
