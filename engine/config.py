"""RunConfig: everything that defines one descent run, checked once, with what the check resolved.

A RunConfig is checked as it is made (and again by `replace`); it keeps what the check found,
so the engine reads it instead of working it out again: the problem and its loss surface as
normalized, every optimizer hyperparameter and scheduler parameter with its default filled in,
and the batch size in one spelling (None: the full batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from engine import limits
from engine.catalog import SURFACES, problem_of, surface_name
from engine.datafit import DataFit
from engine.optimizers import resolve_optimizer
from engine.params import SettingError, check_integer, check_number, hashable, read_only, refused
from engine.schedules import check_cycled_momentum, resolve_schedule
from engine.surfaces import Surface


@dataclass(frozen=True)
class RunConfig:
    """One run of gradient descent.

    surface: a name in SURFACES ("linreg" is the data-fit problem).
    optimizer, optimizer_params: PyTorch's optimizer, argument names and defaults.
    lr: the (base) learning rate, in [LR_MIN, LR_MAX].
    scheduler, scheduler_params: PyTorch's lr_scheduler, counted in iterations.
    batch_size: None for the full batch; on linreg an integer in [1, n]. n is stored as None,
    the one spelling of the full batch.
    normalization: "none", "standard" or "minmax" scaling of linreg's feature.
    steps: number of iterations (parameter updates).
    start: (x, y), or None for the surface's default start.
    seed: shuffles the mini-batches.
    Checking resolves the rest of the run, kept for the engine to read: problem and
    loss_surface, resolved_optimizer_params and resolved_scheduler_params, resolved_start.
    Every field is checked on construction: a bad value raises SettingError (a ValueError)
    naming the field, the value and what is allowed.
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
            names = ", ".join(SURFACES)
            raise SettingError(
                f"surface = {self.surface!r} is not allowed: expected one of {names}"
                " (or a Surface / DataFit object)",
                "surface",
                f"one of {names}",
            )
        set_(self, "lr", check_number(self.lr, "lr", limits.LR_MIN, limits.LR_MAX))
        set_(self, "steps", check_integer(self.steps, "steps", limits.STEPS_MIN, limits.STEPS_MAX))
        set_(self, "seed", check_integer(self.seed, "seed", limits.SEED_MIN, limits.SEED_MAX))
        set_(self, "optimizer_params", read_only(self.optimizer_params, "optimizer_params"))
        set_(self, "scheduler_params", read_only(self.scheduler_params, "scheduler_params"))
        if self.normalization not in limits.NORMALIZATIONS:
            raise refused("normalization", self.normalization, "one of " + ", ".join(limits.NORMALIZATIONS))
        problem = problem_of(self.surface)
        try:
            surface = problem.surface(self.normalization)
        except ValueError as error:  # scaling an analytic surface, or one already scaled
            raise SettingError(str(error), "normalization", "'none'") from None
        set_(self, "_problem", problem)
        set_(self, "_loss_surface", surface)
        set_(self, "batch_size", self._checked_batch_size(surface))
        if self.start is not None:
            set_(self, "start", self._checked_start(surface))
        optimizer = resolve_optimizer(self.optimizer, self.optimizer_params)
        schedule = resolve_schedule(self.scheduler, self.lr, self.steps, self.scheduler_params)
        check_cycled_momentum(self.scheduler, self.optimizer, schedule)
        set_(self, "_optimizer_settings", MappingProxyType(optimizer))
        set_(self, "_scheduler_settings", MappingProxyType(schedule))
        # The parameters given keep their checked values ("0.8, 0.99" -> (0.8, 0.99)); a None
        # (the default) is dropped: equal runs compare equal however they were typed.
        for name, resolved in (("optimizer_params", optimizer), ("scheduler_params", schedule)):
            given = getattr(self, name)
            set_(self, name, MappingProxyType({k: resolved[k] for k, v in given.items() if v is not None}))

    def _checked_batch_size(self, surface) -> int | None:
        """None for the full batch, the one spelling of it: a batch of all n points is None."""
        if self.batch_size is None:
            return None
        n = getattr(surface, "n", None)
        if n is None:
            raise SettingError(
                f"batch_size = {self.batch_size!r} is not allowed: {self.surface} has no data "
                "to split into batches, so only the full batch (None) applies",
                "batch_size",
                "the full batch (None)",
            )
        size = check_integer(self.batch_size, "batch_size", 1, n)
        return None if size == n else size

    def _checked_start(self, surface) -> tuple[float, float]:
        try:
            x, y = self.start
        except (TypeError, ValueError):
            raise SettingError(
                f"start = {self.start!r} is not allowed: expected two numbers (x, y)", "start", "two numbers (x, y)"
            ) from None
        point = []
        for value, (low, high), name in zip((x, y), surface.window, surface.param_names, strict=True):
            span = (high - low) * limits.START_MARGIN
            try:
                point.append(check_number(value, f"start {name}", low - span, high + span))
            except SettingError as error:
                error.field = "start"  # the message names the coordinate, the field is the start
                raise
        return (point[0], point[1])

    @property
    def problem(self) -> Surface | DataFit:
        """What the run descends: the analytic surface, or the data-fit problem (engine.catalog)."""
        return self._problem

    @property
    def loss_surface(self):
        """The loss surface the run descends: the problem as normalized (a Surface or FitSurface)."""
        return self._loss_surface

    @property
    def resolved_start(self) -> tuple[float, float]:
        if self.start is not None:
            return self.start
        return self._loss_surface.default_start

    @property
    def resolved_optimizer_params(self) -> MappingProxyType:
        """Every hyperparameter of the optimizer, PyTorch's default where none was given
        (engine.optimizers.resolve_optimizer): what the update reads."""
        return self._optimizer_settings

    @property
    def resolved_scheduler_params(self) -> MappingProxyType:
        """Every parameter of the scheduler, derived defaults filled in
        (engine.schedules.resolve_schedule): what the schedule reads."""
        return self._scheduler_settings

    def __hash__(self) -> int:
        # The parameter mappings are read-only views, which Python does not hash: hash
        # their items instead, so equal configs hash equal and can key a cache.
        return hash(tuple(hashable(getattr(self, name)) for name in self.__dataclass_fields__))

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
