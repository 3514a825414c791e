"""RunConfig: everything that defines one descent run, validated up front."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from engine import limits
from engine.catalog import SURFACES, problem_of, surface_name
from engine.datafit import DataFit
from engine.optimizers import resolve_optimizer
from engine.schedules import resolve_schedule
from engine.surfaces import Surface


def _frozen(mapping: Any, name: str) -> MappingProxyType:
    if mapping is None:
        return MappingProxyType({})
    if not isinstance(mapping, dict | MappingProxyType):
        raise ValueError(f"{name} = {mapping!r} is not allowed: expected a mapping of names to values")
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class RunConfig:
    """One run of gradient descent.

    surface: a name in SURFACES ("linreg" is the data-fit problem).
    optimizer, optimizer_params: PyTorch's optimizer, argument names and defaults.
    lr: the (base) learning rate, in [LR_MIN, LR_MAX].
    scheduler, scheduler_params: PyTorch's lr_scheduler, counted in iterations.
    batch_size: None for the full batch; on linreg an integer in [1, n] (n means full batch).
    normalization: "none", "standard" or "minmax" scaling of linreg's feature.
    steps: number of iterations (parameter updates).
    start: (x, y), or None for the surface's default start.
    seed: shuffles the mini-batches.
    Every field is checked on construction: a bad value raises ValueError naming the field,
    the value and what is allowed.
    """

    surface: str = "bowl"
    optimizer: str = "sgd"
    lr: float = 0.1
    optimizer_params: dict[str, Any] = field(default_factory=dict)
    scheduler: str = "constant"
    scheduler_params: dict[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    normalization: str = "none"
    steps: int = 100
    start: tuple[float, float] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        is_name = isinstance(self.surface, str) and self.surface in SURFACES
        if not is_name and not isinstance(self.surface, Surface | DataFit):
            raise ValueError(
                f"surface = {self.surface!r} is not allowed: expected one of {', '.join(SURFACES)}"
                " (or a Surface / DataFit object)"
            )
        set_(self, "lr", _number(self.lr, "lr", limits.LR_MIN, limits.LR_MAX))
        set_(self, "steps", _integer(self.steps, "steps", limits.STEPS_MIN, limits.STEPS_MAX))
        set_(self, "seed", _integer(self.seed, "seed", limits.SEED_MIN, limits.SEED_MAX))
        set_(self, "optimizer_params", _frozen(self.optimizer_params, "optimizer_params"))
        set_(self, "scheduler_params", _frozen(self.scheduler_params, "scheduler_params"))
        if self.normalization not in limits.NORMALIZATIONS:
            raise ValueError(
                f"normalization = {self.normalization!r} is not allowed: expected one of "
                + ", ".join(limits.NORMALIZATIONS)
            )
        problem = problem_of(self.surface)
        surface = problem.surface(self.normalization)  # raises for scaling an analytic surface
        self._check_batch_size(surface)
        if self.start is not None:
            set_(self, "start", self._checked_start(surface))
        resolve_optimizer(self.optimizer, self.optimizer_params)
        resolve_schedule(self.scheduler, self.lr, self.steps, self.scheduler_params)

    def _check_batch_size(self, surface) -> None:
        if self.batch_size is None:
            return
        n = getattr(surface, "n", None)
        if n is None:
            raise ValueError(
                f"batch_size = {self.batch_size!r} is not allowed: {self.surface} has no data "
                "to split into batches, so only the full batch (None) applies"
            )
        object.__setattr__(self, "batch_size", _integer(self.batch_size, "batch_size", 1, n))

    def _checked_start(self, surface) -> tuple[float, float]:
        try:
            x, y = self.start
        except (TypeError, ValueError):
            raise ValueError(f"start = {self.start!r} is not allowed: expected two numbers (x, y)") from None
        point = []
        for value, (low, high), name in zip((x, y), surface.window, surface.param_names, strict=True):
            span = (high - low) * limits.START_MARGIN
            point.append(_number(value, f"start {name}", low - span, high + span))
        return (point[0], point[1])

    @property
    def resolved_start(self) -> tuple[float, float]:
        if self.start is not None:
            return self.start
        return problem_of(self.surface).surface(self.normalization).default_start

    def __hash__(self) -> int:
        # The parameter mappings are read-only views, which Python does not hash: hash
        # their items instead, so equal configs hash equal and can key a cache.
        return hash(tuple(_hashable(getattr(self, name)) for name in self.__dataclass_fields__))

    def as_dict(self) -> dict[str, Any]:
        """The config as plain JSON data: a surface by its name, tuples as lists (Stores, URLs,
        records of runs)."""
        return {
            "surface": surface_name(self.surface),
            "optimizer": self.optimizer,
            "lr": self.lr,
            "optimizer_params": {k: list(v) if isinstance(v, tuple) else v for k, v in self.optimizer_params.items()},
            "scheduler": self.scheduler,
            "scheduler_params": dict(self.scheduler_params),
            "batch_size": self.batch_size,
            "normalization": self.normalization,
            "steps": self.steps,
            "start": list(self.start) if self.start is not None else None,
            "seed": self.seed,
        }

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some fields changed (and checked again)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return RunConfig(**values)


def _number(value: Any, name: str, low: float, high: float) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float (JSON allows any size)
            number = math.inf
        ok = math.isfinite(number) and low <= number <= high
    if not ok:
        raise ValueError(f"{name} = {value!r} is not allowed: expected a number in [{low:g}, {high:g}]")
    return number


def _integer(value: Any, name: str, low: int, high: int) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        ok = True
    if not (ok and low <= value <= high):
        raise ValueError(f"{name} = {value!r} is not allowed: expected an integer in [{low}, {high}]")
    return int(value)


def _hashable(value: Any) -> Any:
    if isinstance(value, dict | MappingProxyType):
        return tuple(sorted((key, _hashable(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(item) for item in value)
    return value
