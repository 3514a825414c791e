"""Labelled controls, built from the engine's parameter specs (one place for every range), and
the optimizer and scheduler menus' labels (with their PyTorch and Keras names)."""

from __future__ import annotations

from dash import dcc, html

from app.i18n import name_in, t
from engine.optimizers import OPTIMIZER_PARAMS, OPTIMIZERS
from engine.params import ParamSpec
from engine.schedules import SCHEDULER_PARAMS, SCHEDULES


def labelled(label: str, control, *, control_id: str | None = None, hint: str | None = None, error_id: str | None = None) -> html.Div:
    """A control with its label above, an optional hint and a slot for its error message."""
    children = [html.Label(label, htmlFor=control_id, className="control-label"), control]
    if hint:
        children.append(html.Div(hint, className="control-hint"))
    if error_id:
        children.append(html.Div(id=error_id, className="control-error", role="alert"))
    return html.Div(children, className="control")


def _default_text(spec: ParamSpec) -> str:
    if spec.default is None:
        return "auto"
    if spec.kind == "pair":
        return ", ".join(f"{v:g}" for v in spec.default)
    if isinstance(spec.default, bool):
        return str(spec.default).lower()
    if isinstance(spec.default, float | int):
        return f"{spec.default:g}"
    return str(spec.default)


def param_control(spec: ParamSpec, kind: str, owner: str, value=None) -> html.Div:
    """One hyperparameter control. Blank means the default (PyTorch's, or derived from the run).

    kind is "opt-param" or "sched-param"; the id carries the owner and the PyTorch name.
    """
    control_id = {"type": kind, "owner": owner, "name": spec.name}
    if spec.kind == "choice":
        control = dcc.Dropdown(
            id=control_id,
            options=[{"label": c, "value": c} for c in spec.choices],
            value=value if value is not None else spec.default,
            clearable=False,
            searchable=False,
        )
    elif spec.kind == "bool":
        control = dcc.Dropdown(
            id=control_id,
            options=[{"label": "true", "value": "true"}, {"label": "false", "value": "false"}],
            value=value if value is not None else str(bool(spec.default)).lower(),
            clearable=False,
            searchable=False,
        )
    else:
        control = dcc.Input(
            id=control_id,
            type="text" if spec.kind == "pair" else "number",
            value=value,
            placeholder=f"default {_default_text(spec)}",
            debounce=True,
            inputMode="decimal",
            className="number-input",
        )
    return html.Div(
        [
            html.Label(spec.name, className="param-label", title=spec.help),
            control,
        ],
        className="param",
        title=f"{spec.help} Allowed: {spec.allowed()}.",
    )


PARAM_SPECS = {"opt-param": OPTIMIZER_PARAMS, "sched-param": SCHEDULER_PARAMS}


def param_block(kind: str, owner, shown=None) -> html.Div:
    """The chosen optimizer's (kind "opt-param") or scheduler's ("sched-param") parameter
    controls, the only block the page holds: a new choice gets its own block from a callback
    (app.panels.chosen_params), so the first render skips every other owner's controls.

    shown: values by parameter name, as the controls hold them (control_value); an unknown
    owner (a tampered request) gets an empty block.
    """
    specs = PARAM_SPECS[kind].get(owner, ()) if isinstance(owner, str) else ()
    shown = shown or {}
    return html.Div(
        [param_control(spec, kind, owner, shown.get(spec.name)) for spec in specs],
        className="param-block",
    )


def control_values(kind: str, owner: str, params: dict) -> dict:
    """A run's configured parameters as their controls show them."""
    specs = PARAM_SPECS[kind].get(owner, ())
    return {spec.name: _control_value(spec, params.get(spec.name)) for spec in specs}


def _control_value(spec: ParamSpec, value):
    """A configured value as its control shows it (pairs as "a,b", booleans as "true"/"false")."""
    if value is None:
        return None
    if spec.kind == "pair":
        return ",".join(f"{v:g}" for v in value)
    if spec.kind == "bool":
        return str(bool(value)).lower()
    return value


def option(label: str, value) -> dict:
    return {"label": label, "value": value}


def _named(title: str, names: list[str]) -> str:
    """A menu title with the library names added inside its parentheses (or new ones)."""
    extra = " · ".join(names)
    return f"{title[:-1]} · {extra})" if title.endswith(")") else f"{title} ({extra})"


def optimizer_label(name: str, lang: str) -> str:
    """"Adam (torch.optim.Adam · keras.optimizers.Adam)": so a student who learned either
    library recognises it (the names are the registry's)."""
    entry = OPTIMIZERS[name]
    names = [f"torch.optim.{entry.torch_class}"] if entry.torch_class else []
    return _named(name_in("optimizer", name, entry.title, lang), [*names, entry.keras_name or t("no_keras", lang)])


def scheduler_label(name: str, lang: str) -> str:
    """"Reduce on plateau (ReduceLROnPlateau · Keras callback ReduceLROnPlateau)": the torch
    class (already in most titles) and the Keras counterpart, shortened to fit the menu."""
    entry = SCHEDULES[name]
    title = name_in("scheduler", name, entry.title, lang)
    names = [entry.torch_class] if entry.torch_class and entry.torch_class not in title else []
    keras = entry.keras_name
    if keras is None:
        keras = t("no_keras", lang)
    elif keras.startswith("keras.callbacks."):
        keras = f"{t('keras_callback', lang)} {keras.removeprefix('keras.callbacks.')}"
    elif keras.startswith("keras.optimizers.schedules."):
        keras = f"Keras {keras.removeprefix('keras.optimizers.schedules.')}"
    elif not keras.startswith("keras."):
        keras = f"Keras: {keras}"  # a phrase, e.g. "a fixed learning_rate"
    return _named(title, [*names, keras])


def optimizer_options(lang: str) -> list[dict]:
    return [option(optimizer_label(name, lang), name) for name in OPTIMIZERS]


def scheduler_options(lang: str) -> list[dict]:
    return [option(scheduler_label(name, lang), name) for name in SCHEDULES]


def batch_options(n: int, lang: str) -> list[dict]:
    sizes = [1]
    while sizes[-1] * 2 < n:
        sizes.append(sizes[-1] * 2)
    return [option(str(s), s) for s in sizes] + [option(f"{t('full_batch', lang)} ({n})", "full")]
