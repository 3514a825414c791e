"""The network's runs: the page's controls (a request) into NetworkConfigs, and the forms a run
takes elsewhere: the Stores' dicts, a legend label, the settings it shares with a 2-D run.

`config_from_request(request)` reads the current run from the controls and `view_settings`
the map's directions; a bad value raises SettingError (or ValueError) naming its field and
allowed range, as app.runs does for a 2-D run. `shared_run` puts the settings a network run
shares with a 2-D run on a stand-in RunConfig, so app.link_settings reads and writes them alike.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from app.network_view import DIRECTIONS
from app.request import dicts, number, param_controls
from app.runs import params_from_controls, specs_of
from app.viewstate import canonical
from engine import RunConfig, limits
from engine.network import DATASETS, NetworkConfig, make_dataset
from engine.network.code import architecture
from engine.network.mlp import MAX_HIDDEN_LAYERS, MAX_WIDTH
from engine.optimizers import OPTIMIZER_PARAMS
from engine.params import SettingError, check_integer, refused
from engine.schedules import SCHEDULER_PARAMS

NETWORK = "network"  # the surface menu's value
DEFAULT_NETWORK = NetworkConfig()
HIDDEN_ALLOWED = f"1 to {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_WIDTH} units, joined by commas (e.g. 16,16)"
HIDDEN_ALLOWED_KO = f"쉼표로 이은 1~{MAX_HIDDEN_LAYERS}개 층, 층마다 1~{MAX_WIDTH}개 유닛 (예: 16,16)"


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


def config_to_dict(config: NetworkConfig) -> dict[str, Any]:
    """JSON-safe form of a network run, for the Stores (surface "network" marks it)."""
    return {"surface": NETWORK, **config.as_dict()}


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
