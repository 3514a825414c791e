"""Values as a request carries them.

The page sends well-formed values, but a request can carry anything. Each callback reads its
values through these: a value of the wrong type reads as "no value" (the callback then leaves
its outputs alone or shows the default), never as an exception and a 500.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from app.i18n import LANGUAGES


def listed(value) -> list:
    """A Store's list, or nothing when a tampered request sent something else."""
    return value if isinstance(value, list) else []


def dicts(value) -> list[dict]:
    """The dicts in a list (stored runs, dropdown options); the rest is dropped."""
    return [item for item in listed(value) if isinstance(item, dict)]


def number(value) -> float | None:
    """A finite real number as a float; None for anything else (True, "1", NaN, 10**400, ...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond floats (JSON allows any size)
        return None
    return number if math.isfinite(number) else None


def text_of(value) -> str:
    """A text value such as the URL's search; "" for anything else."""
    return value if isinstance(value, str) else ""


def page_lang(value) -> str:
    """A language of the page; English for anything else."""
    return value if isinstance(value, str) and value in LANGUAGES else "en"


def param_controls(values, ids) -> bool:
    """Whether values and ids are parallel lists, each id naming a parameter control: the
    optimizer or scheduler that owns it and the parameter's name."""
    if not isinstance(values, list) or not isinstance(ids, list) or len(values) != len(ids):
        return False
    return all(isinstance(i, dict) and all(isinstance(i.get(k), str) for k in ("owner", "name")) for i in ids)


def clicked_point(click) -> dict | None:
    """The first point of a graph's clickData ({"points": [{...}, ...]}), or None."""
    points = click.get("points") if isinstance(click, dict) else None
    if isinstance(points, list) and points and isinstance(points[0], dict):
        return points[0]
    return None


@dataclass(frozen=True)
class PageRequest:
    """What the main callback reads, by the names of the controls: the run's settings, the
    pinned runs, a lecturer's formula or uploaded data, the curves' x axis and the view flags.

    Values arrive as the request sent them (app.runs reads and checks them); the fields'
    order is the order app.callbacks wires them, so PageRequest(*values) also works.
    """

    surface: Any = None
    optimizer: Any = None
    lr: Any = None
    scheduler: Any = None
    batch_size: Any = None
    normalization: Any = None
    steps: Any = None
    seed: Any = None
    start_x: Any = None
    start_y: Any = None
    opt_values: Any = None
    sched_values: Any = None
    pinned: Any = None
    formula: Any = None
    x_range: Any = None
    y_range: Any = None
    table: Any = None
    upload_x: Any = None
    upload_y: Any = None
    opt_ids: Any = None
    sched_ids: Any = None
    flags: Any = None
    curve_x: Any = "iteration"
    # the network page's own controls (app.network_runs reads them; surface "network" only)
    dataset: Any = None
    hidden: Any = None
    activation: Any = None
    directions: Any = None
    direction_seed: Any = None

    @property
    def custom(self) -> dict:
        """A lecturer's formula and its window, as app.runs.own_problem reads them."""
        return {"formula": self.formula, "x_range": self.x_range, "y_range": self.y_range}

    @property
    def upload(self) -> dict:
        """Uploaded data and its chosen columns, as app.runs.own_problem reads them."""
        return {"table": self.table, "x": self.upload_x, "y": self.upload_y}

    def own_inputs(self) -> tuple | None:
        """The inputs of the surface's own problem, which count only for that surface."""
        return {"custom": (self.formula, self.x_range, self.y_range), "upload": (self.table, self.upload_x, self.upload_y)}.get(
            self.surface if isinstance(self.surface, str) else None
        )


def request_fields() -> tuple[str, ...]:
    """The main callback's inputs and states, in order (app.callbacks wires one per name)."""
    return tuple(f.name for f in fields(PageRequest))
