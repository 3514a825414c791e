"""Thin callbacks: read controls, ask the engine, hand trajectories to the figure functions.

No module-level mutable state: any worker process can answer any request.
"""

from __future__ import annotations

import math

from dash import ALL, Input, Output, State, ctx, html, no_update

from app import figures
from app.i18n import t
from app.runs import (
    config_from_controls,
    config_from_dict,
    config_to_dict,
    error_field,
    params_from_controls,
    run_labels,
)
from engine import SURFACES, limits, simulate_many
from engine.datafit import DataFit
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZER_PARAMS
from engine.schedules import SCHEDULER_NAMES, SCHEDULER_PARAMS, learning_rates, resolve_schedule

MAX_PINNED = figures.MAX_RUNS - 1
ERROR_SLOTS = ("lr", "steps", "seed", "start", "batch_size", "params")


def compute_views(
    surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
    opt_values, opt_ids, sched_values, sched_ids, pinned, lang="en",
):
    """Everything the main callback returns, as a dict (a plain function, tested directly)."""
    errors = dict.fromkeys(ERROR_SLOTS, "")
    try:
        config = config_from_controls(
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
            optimizer_params=params_from_controls(opt_values, opt_ids, optimizer, OPTIMIZER_PARAMS.get(optimizer, ())),
            scheduler_params=params_from_controls(sched_values, sched_ids, scheduler, SCHEDULER_PARAMS.get(scheduler, ())),
        )
    except ValueError as error:
        message = str(error)
        slot = error_field(message)
        slot = {"batch_size": "batch_size"}.get(slot, slot)
        if slot in errors:
            errors[slot] = message
        return {"ok": False, "errors": errors, "notice": f"{t('invalid', lang)}: {message} — {t('kept_last', lang)}"}

    pinned_configs = []
    for data in (pinned or [])[:MAX_PINNED]:
        try:
            candidate = config_from_dict(data)
        except (ValueError, TypeError):
            continue  # a stale pin (e.g. from an older version) is dropped, not fatal
        if candidate.surface == config.surface and candidate.normalization == config.normalization:
            pinned_configs.append(candidate)
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
    surface_obj = figures.surface_of(config)
    problem = SURFACES[config.surface]
    if isinstance(problem, DataFit):
        third = figures.data_fit_figure(problem, views, [c.normalization for c in (configs[i] for i in order)], lang)
    else:
        third = figures.curve_figure("grad_norm", views, lang)
    return {
        "ok": True,
        "errors": errors,
        "notice": "",
        "config": config_to_dict(config),
        "contour": figures.contour_figure(surface_obj, views, lang),
        "surface3d": figures.surface3d_figure(surface_obj, views, lang),
        "loss": figures.curve_figure("loss", views, lang),
        "lr": figures.curve_figure("lr", views, lang),
        "third": third,
        "badges": badges(ordered, views, lang),
        "formula": formula(problem, lang),
        "trajectories": ordered,
    }


def formula(problem, lang: str):
    lines = [html.Span(problem.formula, className="formula-main")]
    if isinstance(problem, DataFit):
        lines.append(
            html.Span(
                "∂L/∂w = 1/n Σᵢ (w·xᵢ + b − yᵢ)·xᵢ,   ∂L/∂b = 1/n Σᵢ (w·xᵢ + b − yᵢ)",
                className="formula-grad",
            )
        )
    lines.append(html.Span(problem.description, className="formula-note"))
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
                ],
                className="badge",
                **{"data-outcome": trajectory.outcome},
            )
        )
    return out


def lr_preview(scheduler, lr, steps, sched_values, sched_ids, lang="en"):
    """The scheduler's rate over the run (plateau: shown flat, since it depends on the loss)."""
    try:
        params = params_from_controls(sched_values, sched_ids, scheduler, SCHEDULER_PARAMS.get(scheduler, ()))
        steps = int(steps)
        lr = float(lr)
        if scheduler == "plateau":
            resolve_schedule(scheduler, lr, steps, params)
            rates = [lr] * steps
        else:
            rates = learning_rates(scheduler, lr, steps, params)
    except (ValueError, TypeError):
        return no_update
    return figures.lr_preview_figure(rates, lang)


def register(app) -> None:
    @app.callback(
        Output("lr", "value"),
        Output("lr-slider", "value"),
        Input("lr", "value"),
        Input("lr-slider", "value"),
        prevent_initial_call=True,
    )
    def sync_learning_rate(typed, exponent):
        """The slider is log10(lr); typing sets the slider, sliding sets the number."""
        if ctx.triggered_id == "lr-slider":
            if exponent is None:
                return no_update, no_update
            return float(f"{10**exponent:.3g}"), no_update
        if isinstance(typed, int | float) and typed > 0 and math.isfinite(typed):
            low, high = math.log10(limits.LR_MIN), math.log10(limits.LR_MAX)
            return no_update, min(max(math.log10(typed), low), high)
        return no_update, no_update

    @app.callback(
        Output({"type": "opt-param-block", "owner": ALL}, "style"),
        Input("optimizer", "value"),
    )
    def show_optimizer_params(optimizer):
        return [{} if name == optimizer else {"display": "none"} for name in OPTIMIZER_NAMES]

    @app.callback(
        Output({"type": "sched-param-block", "owner": ALL}, "style"),
        Input("scheduler", "value"),
    )
    def show_scheduler_params(scheduler):
        return [{} if name == scheduler else {"display": "none"} for name in SCHEDULER_NAMES]

    @app.callback(
        Output("batch-size", "disabled"),
        Output("normalization", "options"),
        Output("data-only-reason", "children"),
        Input("surface", "value"),
        State("normalization", "options"),
    )
    def data_controls(surface, options):
        is_data = isinstance(SURFACES.get(surface), DataFit)
        options = [{**o, "disabled": not is_data} for o in options]
        return not is_data, options, "" if is_data else t("only_data_fit", "en")

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
        if ctx.triggered_id != "contour" or not click or not click.get("points"):
            return None, None
        point = click["points"][0]
        return round(float(point["x"]), 4), round(float(point["y"]), 4)

    @app.callback(
        Output("pinned", "data"),
        Input("pin", "n_clicks"),
        Input("clear-pins", "n_clicks"),
        State("current-config", "data"),
        State("pinned", "data"),
        prevent_initial_call=True,
    )
    def pin_run(_pin, _clear, current, pinned):
        if ctx.triggered_id == "clear-pins" or current is None:
            return []
        pinned = [p for p in (pinned or []) if p != current]
        return (pinned + [current])[-MAX_PINNED:]

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
        Output("contour", "figure"),
        Output("surface3d", "figure"),
        Output("loss-graph", "figure"),
        Output("lr-graph", "figure"),
        Output("third-graph", "figure"),
        Output("badges", "children"),
        Output("formula", "children"),
        Output("current-config", "data"),
        Output("notice", "children"),
        *[Output(f"{slot.replace('_', '-').replace('-size', '')}-error", "children") for slot in ERROR_SLOTS],
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
        State({"type": "opt-param", "owner": ALL, "name": ALL}, "id"),
        State({"type": "sched-param", "owner": ALL, "name": ALL}, "id"),
    )
    def recompute(surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed,
                  start_x, start_y, opt_values, sched_values, pinned, opt_ids, sched_ids):
        result = compute_views(
            surface, optimizer, lr, scheduler, batch_size, normalization, steps, seed, start_x, start_y,
            opt_values, opt_ids, sched_values, sched_ids, pinned,
        )
        errors = [result["errors"][slot] for slot in ERROR_SLOTS]
        if not result["ok"]:
            return (*[no_update] * 8, result["notice"], *errors)
        return (
            result["contour"],
            result["surface3d"],
            result["loss"],
            result["lr"],
            result["third"],
            result["badges"],
            result["formula"],
            result["config"],
            result["notice"],
            *errors,
        )
