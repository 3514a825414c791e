"""What a request may cost: its runs' work, counted before any step is taken.

Runs that share a step loop (engine.simulate.group_key: the same surface and scaling, and
the full batch or mini-batches of any size) share one gradient and loss evaluation per
step; each run adds its own optimizer update, scheduler and bookkeeping. So a request costs

    sum over step loops of  longest run's steps x evaluation cost of the surface
  + sum over runs of        steps x RUN_STEP

in units of about one NumPy operation on a step's few points (a microsecond or so). A
lecturer's formula costs one unit per NumPy operation of its compiled value and gradient
(engine.formula counts them) plus the calls' own overhead; the built-in surfaces and the
data-fit problem have known small costs. The total may be at most limits.REQUEST_BUDGET:
`check` refuses more with a BudgetError naming the field to change and how far.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine import limits
from engine.config import RunConfig
from engine.datafit import FitSurface
from engine.params import SettingError
from engine.simulate import group_key

RUN_STEP = 20  # one run's optimizer update, scheduler step and bookkeeping
EVALUATION_OVERHEAD = 30  # one call of a formula's gradient and of its loss, beyond their operations
BUILT_IN_EVALUATION = 40  # a built-in surface's gradient and loss (a few dozen NumPy calls)
DATA_FIT_EVALUATION = 5  # the data-fit gradient from the data's moments


class BudgetError(SettingError):
    """A request over limits.REQUEST_BUDGET; field is the control to change ("formula", "steps"),
    allowed the most steps that fit."""

    def __init__(self, message: str, field: str = "", allowed: str = ""):
        super().__init__(message, field, allowed)


def evaluation_cost(surface) -> int:
    """Units one step's gradient and loss evaluation of a surface costs."""
    grad_operations = getattr(getattr(surface, "grad_fn", None), "operations", None)
    if grad_operations is not None:  # a compiled formula
        return EVALUATION_OVERHEAD + grad_operations + getattr(surface.value_fn, "operations", 0)
    return DATA_FIT_EVALUATION if isinstance(surface, FitSurface) else BUILT_IN_EVALUATION


def _loops(configs: Sequence[RunConfig]) -> dict[tuple, tuple[int, int]]:
    """Per step loop: (the longest run's steps, the evaluation cost of its surface)."""
    loops: dict[tuple, tuple[int, int]] = {}
    for config in configs:
        key = group_key(config)
        longest = max(config.steps, loops[key][0]) if key in loops else config.steps
        loops[key] = (longest, evaluation_cost(config.loss_surface))
    return loops


def request_cost(configs: Sequence[RunConfig]) -> int:
    """The units of work simulate_many(configs) does (see the module's docstring)."""
    loops = _loops(configs)
    return sum(steps * cost for steps, cost in loops.values()) + RUN_STEP * sum(c.steps for c in configs)


def steps_within_budget(configs: Sequence[RunConfig]) -> int:
    """The most steps every run may have for the request to fit the budget."""
    per_step = RUN_STEP * len(configs) + sum(cost for _, cost in _loops(configs).values())
    return limits.REQUEST_BUDGET // per_step


def check(configs: Sequence[RunConfig]) -> None:
    """BudgetError if the runs together cost more than limits.REQUEST_BUDGET."""
    if not configs or request_cost(configs) <= limits.REQUEST_BUDGET:
        return
    runs = f"{len(configs)} run{'s' if len(configs) > 1 else ''}"
    longest = max(c.steps for c in configs)
    allowed = steps_within_budget(configs)
    if any(getattr(getattr(c.problem, "grad_fn", None), "operations", None) is not None for c in configs):
        raise BudgetError(
            f"formula: too costly for {runs} x {longest:,} steps: at most {allowed:,} steps with it; "
            "shorten the formula or the run",
            "formula",
            f"at most {allowed:,} steps with this formula",
        )
    raise BudgetError(
        f"steps: {runs} x {longest:,} steps are too much work for one request: at most {allowed:,} steps",
        "steps",
        f"at most {allowed:,} steps",
    )
