"""The view model: what the page shows for a set of runs.

`compute_views` reads the controls into run descriptions (app.runs), runs them (engine) and
returns every figure and text the page shows, as plain data; the main callback (app.answers)
and the exports (app.export, app.downloads) draw from it.
"""

from __future__ import annotations

import math

from dash import html, no_update

from app import figures
from app.i18n import name_in, t
from app.request import listed, number, param_controls
from app.runs import (
    config_from_controls,
    config_to_dict,
    error_field,
    own_problem,
    params_from_controls,
    run_labels,
    simulated,
    specs_of,
    stored_configs,
)
from app.viewstate import MAX_PINNED
from engine import budget, limits
from engine.catalog import has_data, problem_of
from engine.cost import step_cost_us
from engine.optimizers import OPTIMIZER_PARAMS
from engine.schedules import SCHEDULER_PARAMS, learning_rates, resolve_schedule

ERROR_SLOTS = ("lr", "steps", "seed", "start", "batch_size", "params", "formula", "upload")


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
        slot = error_field(error)
        if slot in errors:
            errors[slot] = message
        return {"ok": False, "errors": errors, "notice": f"{t('invalid', lang)}: {message} — {t('kept_last', lang)}"}

    problems = {surface: problem} if problem is not None else None
    pinned_configs = [
        candidate
        for candidate in stored_configs(listed(pinned)[:MAX_PINNED], problems)
        if candidate.surface == config.surface
    ]
    return page_views(config, pinned_configs, lang, x_axis)


def page_views(config, pinned_configs=(), lang: str = "en", x_axis: str = "iteration") -> dict:
    """What the page shows for the current run description and the pinned ones on its surface:
    every figure and text, as plain data, or {"ok": False, "errors", "notice"} when the runs
    cost more than a request may (engine.budget) or cannot be simulated.

    x_axis: what the curves are drawn against (figures.X_AXES; anything else: iteration).
    """
    errors = dict.fromkeys(ERROR_SLOTS, "")
    pinned_configs = list(pinned_configs)
    configs = [*pinned_configs, config]
    try:  # the request's work, counted before any step (engine.budget)
        budget.check(configs)
    except budget.BudgetError as error:
        errors[error.field] = str(error)
        return {"ok": False, "errors": errors, "notice": f"{t('invalid', lang)}: {error} — {t('kept_last', lang)}"}
    trajectories = simulated(configs)
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
    if has_data(problem):
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
        "run": config,
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
    head = [name_in("surface", problem.name, problem.title, lang), config.optimizer, f"{t('learning_rate', lang).lower()} {config.lr:g}"]
    batch = None if config.batch_size is None else str(config.batch_size)
    return settings_line(head, config, batch, runs, lang)


def settings_line(head: list[str], config, batch: str | None, runs: int, lang: str) -> str:
    """The summary's words: head, then the scheduler, batch, scaling and steps where they are
    not the defaults (config: a RunConfig or a NetworkConfig), and how many runs are pinned."""
    parts = list(head)
    if config.scheduler != "constant":
        parts.append(config.scheduler)
    if batch is not None:
        parts.append(f"{t('batch_size', lang).lower()} {batch}")
    if config.normalization != "none":
        parts.append(t(f"norm_{config.normalization}", lang))
    parts.append(f"{config.steps} {t('steps', lang).lower()}")
    if runs > 1:
        parts.append(f"+{runs - 1}")
    return " · ".join(parts)


def formula(problem, lang: str):
    lines = [html.Span(problem.formula, className="formula-main")]
    if has_data(problem):
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
    ran = dict(zip(extra, simulated([configs[0].replace(lr=r) for r in extra]), strict=True))
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
    lr, steps = number(lr), number(steps)
    if lr is None or steps is None or not isinstance(scheduler, str) or scheduler not in SCHEDULER_PARAMS:
        return no_update
    if not param_controls(sched_values, sched_ids):
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
