"""From control values to validated run configs, and back: the app's one door into the engine."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from app.figures.style import MAX_RUNS
from app.request import listed
from app.upload import UploadError, data_fit_from
from engine import SURFACES, RunConfig, Trajectory, limits, simulate_many
from engine.catalog import has_data
from engine.formula import custom_surface
from engine.optimizers import OPTIMIZER_PARAMS
from engine.params import SettingError
from engine.schedules import SCHEDULER_PARAMS, learning_rates

# Runs kept after a view: the CSV download that follows it, or the next change with the same
# pins, reads them instead of running them again. Two views' worth, each within engine.budget.
RECENT_RUNS = 2 * MAX_RUNS
_recent: OrderedDict[RunConfig, Trajectory] = OrderedDict()
_recent_lock = threading.Lock()  # the dev server answers on threads


def simulated(configs: Sequence[RunConfig]) -> list[Trajectory]:
    """engine.simulate_many, reading the runs simulated lately (the same config, the same
    trajectory: the engine is deterministic and a run does not depend on the others beside it)."""
    with _recent_lock:
        found = {c: _recent[c] for c in configs if c in _recent}
        for config in found:
            _recent.move_to_end(config)
    missing = list(dict.fromkeys(c for c in configs if c not in found))
    if missing:
        ran = dict(zip(missing, simulate_many(missing), strict=True))
        found.update(ran)
        with _recent_lock:
            _recent.update(ran)
            while len(_recent) > RECENT_RUNS:
                _recent.popitem(last=False)
    return [found[c] for c in configs]


def forget_recent_runs() -> None:
    """Empty the recent runs (benchmarks measure cold requests)."""
    with _recent_lock:
        _recent.clear()


# The fields of RunConfig the controls set, in the order a legend names them.
FIELDS = ("surface", "optimizer", "lr", "scheduler", "batch_size", "normalization", "steps", "start", "seed")
SHORT_NAMES = {"batch_size": "batch", "normalization": "scaling", "optimizer": "", "scheduler": ""}


def specs_of(table: dict, name) -> tuple:
    """The ParamSpecs of an optimizer or scheduler by name; () for any other value (even a list)."""
    return table.get(name, ()) if isinstance(name, str) else ()


def params_from_controls(values: list, ids: list[dict], owner: str, specs) -> dict[str, Any]:
    """The non-blank hyperparameters of one optimizer or scheduler, as the user typed them."""
    kinds = {spec.name: spec.kind for spec in specs}
    chosen = {}
    for value, control_id in zip(values, ids, strict=True):
        if control_id["owner"] != owner or value in (None, ""):
            continue
        name = control_id["name"]
        if kinds.get(name) == "bool":
            value = value == "true" if isinstance(value, str) else bool(value)
        chosen[name] = value
    return chosen


def config_from_controls(
    *,
    surface: str,
    optimizer: str,
    lr,
    scheduler: str,
    batch_size,
    normalization: str,
    steps,
    seed,
    start_x,
    start_y,
    optimizer_params: dict,
    scheduler_params: dict,
    problem=None,
) -> RunConfig:
    """Build and validate a RunConfig; ValueError names the field on bad input.

    problem: the Surface or DataFit for surface "custom" (a formula) or "upload" (data).
    """
    if problem is not None:
        surface = problem
    else:
        problem = SURFACES.get(surface) if isinstance(surface, str) else None
    is_data = problem is not None and has_data(problem)
    start = None
    if start_x is not None or start_y is not None:
        if start_x is None or start_y is None:
            raise SettingError("start = needs both x and y (or both blank for the default start)", "start", "two numbers")
        start = (start_x, start_y)
    if lr is None:
        raise refused_blank("lr", f"a number in [{limits.LR_MIN:g}, {limits.LR_MAX:g}]")
    if steps is None:
        raise refused_blank("steps", f"an integer in [{limits.STEPS_MIN}, {limits.STEPS_MAX}]")
    if seed is None:
        raise refused_blank("seed", f"an integer in [{limits.SEED_MIN}, {limits.SEED_MAX}]")
    return RunConfig(
        surface=surface,
        optimizer=optimizer,
        lr=lr,
        optimizer_params=optimizer_params,
        scheduler=scheduler,
        scheduler_params=scheduler_params,
        batch_size=None if (not is_data or batch_size in (None, "full")) else batch_size,
        normalization=normalization if is_data else "none",
        steps=steps,
        start=start,
        seed=seed,
    )


def refused_blank(field: str, allowed: str) -> SettingError:
    """A control left blank that a run needs."""
    return SettingError(f"{field} = blank is not allowed: expected {allowed}", field, allowed)


def config_to_dict(config: RunConfig) -> dict[str, Any]:
    """JSON-safe form of a config (for Stores and URLs)."""
    return config.as_dict()


def config_from_dict(data: dict[str, Any], problems: dict[str, Any] | None = None) -> RunConfig:
    """A config from its dict; problems maps "custom"/"upload" to the surface on screen."""
    if not isinstance(data, dict):
        raise ValueError(f"run = {data!r} is not allowed: expected a mapping of settings")
    values = dict(data)
    if problems and values.get("surface") in problems:
        values["surface"] = problems[values["surface"]]
    if values.get("start") is not None:
        values["start"] = tuple(values["start"])
    params = values.get("optimizer_params") or {}
    if isinstance(params, dict):  # anything else: RunConfig names it
        values["optimizer_params"] = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    return RunConfig(**values)


def _describe(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        return " ".join(f"{k} {_describe(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ",".join(_describe(v) for v in value)
    return "full" if value is None else str(value)


def run_labels(configs: list[dict[str, Any]]) -> list[str]:
    """Legend labels naming only what differs between the runs, e.g. "lr 0.3" vs "lr 0.03".

    Runs that differ in their scheduler are named by it and by the rates it starts and peaks
    at ("cyclic · lr 0.1, peak 1"), so a race between schedulers states what is fair about it.
    """
    if len(configs) <= 1:
        return [f"lr {_describe(configs[0]['lr'])}"] if configs else []
    keys = [k for k in (*FIELDS, "optimizer_params", "scheduler_params") if len({repr(c.get(k)) for c in configs}) > 1]
    by_scheduler = "scheduler" in keys
    if by_scheduler:
        keys = [k for k in keys if k not in ("lr", "scheduler_params")]
    labels = []
    for index, config in enumerate(configs):
        parts = []
        for key in keys:
            name = SHORT_NAMES.get(key, key)
            text = _describe(config.get(key))
            if key.endswith("_params"):
                parts.append(text or "defaults")
            elif key == "scheduler" and by_scheduler:
                parts.append(f"{text} · {_rates(config)}")
            else:
                parts.append(f"{name} {text}".strip())
        labels.append(" · ".join(parts) or f"run {index + 1}")
    return labels


def _rates(config: dict[str, Any]) -> str:
    """The rate a scheduled run starts at and peaks at, e.g. "lr 0.1, peak 1"."""
    start = config.get("lr")
    if not isinstance(start, int | float) or isinstance(start, bool):
        return f"lr {_describe(start)}"
    if config.get("scheduler") == "plateau":
        return f"lr {start:.3g}, only cut"
    try:
        rates = learning_rates(config["scheduler"], start, int(config["steps"]), config.get("scheduler_params") or {})
    except (KeyError, TypeError, ValueError):
        return f"lr {start:.3g}"
    first, peak = float(rates[0]), float(max(rates))
    return f"lr {first:.3g}" + (f", peak {peak:.3g}" if peak > first * (1 + 1e-9) else "")


def error_field(error: ValueError) -> str:
    """Which control an engine error belongs to, from the field it names (SettingError.field):
    an optimizer's or scheduler's parameter ("adam.betas") is the parameters' slot."""
    field = getattr(error, "field", "")
    head = field.split(".", 1)[0].split(" ", 1)[0]
    if "." in field or head in OPTIMIZER_PARAMS or head in SCHEDULER_PARAMS or head in ("optimizer_params", "scheduler_params"):
        return "params"
    return head


def stored_configs(items, problems: dict | None = None) -> list:
    """The configs among stored dicts that still build; a stale one (e.g. from an older
    version, or tampered) is dropped, not fatal."""
    configs = []
    for data in listed(items):
        try:
            configs.append(config_from_dict(data, problems))
        except (ValueError, TypeError):
            continue
    return configs


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
