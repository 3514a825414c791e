"""Learning-rate schedules with PyTorch's semantics, in NumPy.

Each schedule is one entry of `SCHEDULES` (a frozen `Schedule`): its title, its parameters,
how their defaults follow from the run, its rate as a function of t (one function per
schedule, as optax writes them) and what the generated code needs. SCHEDULER_NAMES,
SCHEDULER_TITLES and SCHEDULER_PARAMS are views of it.

`learning_rates` gives a whole run's rates at once from closed forms, vectorized over the
iteration index t. Rate t is what the matching `torch.optim.lr_scheduler` class gives after t
calls of `scheduler.step()`, i.e. the rate used by the (t+1)-th `optimizer.step()`.

ReduceLROnPlateau depends on the loss, so it cannot be precomputed: `Plateau` steps it one
iteration at a time, vectorized over many runs whose hyperparameters may differ.

Parameter names are PyTorch's. Every parameter is a `ParamSpec`, so the dashboard builds its
controls from the same ranges the engine enforces.

Momentum cycling: PyTorch's CyclicLR and OneCycleLR also move the optimizer's momentum (or
Adam's beta1) against the rate by default (cycle_momentum=True): high momentum while the rate
is low, low momentum at the rate's peak. Here cycle_momentum defaults to False, so a run's
momentum stays the optimizer's own unless asked (the controls and the generated code say so);
`momentum_values` gives the cycled values, step by step, with PyTorch's rules (and its
refusals: an optimizer without momentum; RMSprop cycling up from 0), and the step loops
apply them (engine.steploop.cycled_momenta).

Length: the registry of eight schedules with PyTorch's semantics (closed forms, their
checks, momentum cycling) and ReduceLROnPlateau's stepper; one file, so adding one is one entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import limits
from engine.optimizers import CYCLED_MOMENTUM
from engine.params import ParamSpec, SettingError, check_params, refused
from engine.registry import Field, Names

# Largest rate a scheduler parameter may name: room for CyclicLR's default max_lr = 10 * lr.
MAX_RATE = 10 * limits.LR_MAX
# Longest period or wait, in iterations: a whole run.
MAX_PERIOD = limits.STEPS_MAX


def _rate(name: str, default: Any, help: str, *, zero_ok: bool = False) -> ParamSpec:
    return ParamSpec(
        name,
        "float",
        default,
        low=0.0,
        high=MAX_RATE,
        low_open=not zero_ok,
        log=not zero_ok,
        help=help,
    )


def _period(name: str, default: Any, help: str) -> ParamSpec:
    return ParamSpec(name, "int", default, low=1, high=MAX_PERIOD, help=help)


_DECAY_GAMMA_HELP = "Multiply the rate by gamma at every drop. 0.1 means each drop is tenfold."


def _cycle_momentum_specs(base: float, peak: float) -> tuple[ParamSpec, ...]:
    """cycle_momentum with its two momenta; PyTorch's defaults except cycle_momentum."""
    return (
        ParamSpec(
            "cycle_momentum",
            "bool",
            False,
            help="Also cycle the optimizer's momentum (Adam: beta1) against the rate, from "
            "max_momentum when the rate is lowest to base_momentum at its peak. "
            "Off here; PyTorch's default is True (cycle_momentum=True).",
        ),
        ParamSpec(
            "base_momentum",
            "float",
            base,
            low=0.0,
            high=1.0,
            high_open=True,
            help="With cycle_momentum: the momentum at the rate's peak.",
        ),
        ParamSpec(
            "max_momentum",
            "float",
            peak,
            low=0.0,
            high=1.0,
            high_open=True,
            help="With cycle_momentum: the momentum where the rate is lowest "
            "(it replaces the optimizer's own momentum).",
        ),
    )


_CONSTANT_SPECS: tuple[ParamSpec, ...] = ()

_STEP_SPECS: tuple[ParamSpec, ...] = (
    _period(
        "step_size",
        None,
        "Iterations between drops. Default: a quarter of the run, so the rate drops 3 times.",
    ),
    ParamSpec(
        "gamma",
        "float",
        0.1,
        low=0.0,
        high=1.0,
        low_open=True,
        log=True,
        help=_DECAY_GAMMA_HELP,
    ),
)

_EXPONENTIAL_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "gamma",
        "float",
        None,
        low=0.0,
        high=1.0,
        low_open=True,
        help="Multiply the rate by gamma after every iteration. "
        "Default: the gamma that shrinks the rate 100-fold over the run.",
    ),
)

_PLATEAU_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "factor",
        "float",
        0.1,
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        help="When the loss stalls, multiply the rate by this factor.",
    ),
    ParamSpec(
        "patience",
        "int",
        10,
        low=0,
        high=MAX_PERIOD,
        help="How many iterations without improvement to tolerate before cutting the rate.",
    ),
    ParamSpec(
        "threshold",
        "float",
        1e-4,
        low=0.0,
        high=10.0,
        help="How much better the loss must get to count as an improvement.",
    ),
    ParamSpec(
        "threshold_mode",
        "choice",
        "rel",
        choices=("rel", "abs"),
        help="rel: improve by a fraction of the best loss; abs: by a fixed amount.",
    ),
    ParamSpec(
        "cooldown",
        "int",
        0,
        low=0,
        high=MAX_PERIOD,
        help="Iterations to wait after a cut before counting stalls again.",
    ),
    _rate("min_lr", 0.0, "The rate is never cut below this floor.", zero_ok=True),
    ParamSpec(
        "eps",
        "float",
        1e-8,
        low=0.0,
        high=1.0,
        help="Cuts smaller than this are skipped, so the rate stops shrinking.",
    ),
)

_COSINE_SPECS: tuple[ParamSpec, ...] = (
    _period(
        "T_max",
        None,
        "Iterations from the full rate down to eta_min (half a cosine wave). "
        "Default: the whole run. Past T_max the rate climbs back up.",
    ),
    _rate("eta_min", 0.0, "The lowest rate, reached after T_max iterations.", zero_ok=True),
)

_COSINE_RESTARTS_SPECS: tuple[ParamSpec, ...] = (
    _period(
        "T_0",
        None,
        "Iterations until the first restart to the full rate. Default: a quarter of the run.",
    ),
    ParamSpec(
        "T_mult",
        "int",
        1,
        low=1,
        high=10,
        help="Each cycle lasts T_mult times longer than the one before (1: all equal).",
    ),
    _rate("eta_min", 0.0, "The lowest rate, reached just before each restart.", zero_ok=True),
)

_CYCLIC_SPECS: tuple[ParamSpec, ...] = (
    _rate("base_lr", None, "Bottom of the cycle. Default: the optimizer's learning rate."),
    _rate("max_lr", None, "Top of the cycle. Default: 10 times base_lr."),
    _period(
        "step_size_up",
        None,
        "Iterations climbing from base_lr to max_lr. Default: an eighth of the run.",
    ),
    _period(
        "step_size_down",
        None,
        "Iterations falling back to base_lr. Default: the same as step_size_up.",
    ),
    ParamSpec(
        "mode",
        "choice",
        "triangular",
        choices=("triangular", "triangular2", "exp_range"),
        help="triangular: same height every cycle; triangular2: height halves each cycle; "
        "exp_range: height shrinks by gamma every iteration.",
    ),
    ParamSpec(
        "gamma",
        "float",
        1.0,
        low=0.0,
        high=1.0,
        low_open=True,
        help="exp_range only: the cycle height is multiplied by gamma every iteration.",
    ),
    *_cycle_momentum_specs(0.8, 0.9),
)

_ONECYCLE_SPECS: tuple[ParamSpec, ...] = (
    _rate("max_lr", None, "The peak rate. Default: the optimizer's learning rate."),
    ParamSpec(
        "pct_start",
        "float",
        0.3,
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        help="Fraction of the run spent warming up to max_lr.",
    ),
    ParamSpec(
        "anneal_strategy",
        "choice",
        "cos",
        choices=("cos", "linear"),
        help="Shape of each rise and fall: half a cosine wave or a straight line.",
    ),
    ParamSpec(
        "div_factor",
        "float",
        25.0,
        low=1.0,
        high=1e4,
        log=True,
        help="The run starts at max_lr / div_factor.",
    ),
    ParamSpec(
        "final_div_factor",
        "float",
        1e4,
        low=1.0,
        high=1e8,
        log=True,
        help="The run ends at the starting rate / final_div_factor.",
    ),
    ParamSpec(
        "three_phase",
        "bool",
        False,
        help="Fall back to the starting rate symmetrically, then anneal to the end rate "
        "(the original paper's schedule).",
    ),
    *_cycle_momentum_specs(0.85, 0.95),
)


def get_schedule(name: Any) -> Schedule:
    """The schedule called name, or SettingError listing the known ones."""
    if not isinstance(name, str) or name not in SCHEDULES:
        names = ", ".join(SCHEDULES)
        raise SettingError(
            f"unknown scheduler {name!r}: the schedulers are {names}", "scheduler", f"one of {names}"
        )
    return SCHEDULES[name]


def _check_run(lr: Any, steps: Any) -> tuple[float, int]:
    if isinstance(lr, bool):
        raise refused("lr", lr, "a positive number")
    try:
        rate = float(lr)
    except (TypeError, ValueError):
        raise refused("lr", lr, "a positive number") from None
    if not (math.isfinite(rate) and rate > 0):
        raise refused("lr", lr, "a positive number")
    # Bounded like a run's steps: a schedule is one array of `steps` rates (1e9 would be 8 GB).
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or not 1 <= steps <= limits.STEPS_MAX:
        raise refused("steps", steps, f"an integer in [1, {limits.STEPS_MAX}]")
    return rate, int(steps)


def resolve_schedule(name: str, lr: float, steps: int, params: dict | None) -> dict:
    """Validate params and fill every default; return the complete parameter dict used.

    A value of None means "use the default". Unknown parameters and out-of-range values raise
    SettingError naming the parameter, its value and what is allowed. Feeding the result back
    in returns it unchanged.
    """
    schedule = get_schedule(name)
    specs = schedule.params
    lr, steps = _check_run(lr, steps)
    given = dict(params or {})
    known = {spec.name for spec in specs}
    if any(key not in known for key in given):
        check_params(given, specs, name)  # raises, naming the unknown parameter
    checked = check_params({k: v for k, v in given.items() if v is not None}, specs, name)
    derived = schedule.derived(lr, steps, checked)
    resolved: dict[str, Any] = {}
    for spec in specs:
        if spec.name in checked:
            resolved[spec.name] = checked[spec.name]
        elif spec.default is not None:
            resolved[spec.name] = spec.default
        else:
            resolved[spec.name] = spec.check(derived[spec.name], name)
    if schedule.check is not None:
        schedule.check(resolved, steps)
    return resolved


def learning_rates(name: str, lr: float, steps: int, params: dict | None = None) -> np.ndarray:
    """Rates for iterations t = 0..steps-1, shape (steps,), float64.

    Rate t is what PyTorch's scheduler gives after t calls of scheduler.step(). Not defined for
    'plateau', whose rate depends on the loss: use `Plateau` for that.
    """
    schedule = get_schedule(name)
    _has_rates(schedule)
    return rates_of(schedule, lr, steps, resolve_schedule(name, lr, steps, params))


def rates_of(schedule: Schedule, lr: float, steps: int, resolved: Mapping[str, Any]) -> np.ndarray:
    """`learning_rates` from parameters already resolved (RunConfig.schedule)."""
    _has_rates(schedule)
    return schedule.rates(np.arange(steps), float(lr), steps, resolved)


def _has_rates(schedule: Schedule) -> None:
    if schedule.rates is None:
        raise ValueError(
            f"the {schedule.name} scheduler depends on the loss, so its rates cannot be computed in "
            "advance: step a Plateau with each iteration's loss instead"
        )


# ------------------------------------------------------------- each schedule's rate t
# rates(t, lr, steps, p): the rate after t scheduler steps, for t an array of iterations.


def _constant(t: np.ndarray, lr: float, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    return np.full(t.shape, lr)


def _step(t: np.ndarray, lr: float, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    return lr * p["gamma"] ** (t // p["step_size"])


def _exponential(t: np.ndarray, lr: float, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    return lr * p["gamma"] ** t


def _cosine(t: np.ndarray, lr: float, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    eta_min = p["eta_min"]
    return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * t / p["T_max"])) / 2


def _warm_restarts(t: np.ndarray, lr: float, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    return _cosine_restarts(lr, t, p["T_0"], p["T_mult"], p["eta_min"])


def _cosine_restarts(lr: float, t: np.ndarray, T_0: int, T_mult: int, eta_min: float):
    if T_mult == 1:
        T_cur = t % T_0
        T_i = np.full(t.shape, T_0)
    else:
        # Cycle n starts at T_0 * (T_mult**n - 1) / (T_mult - 1); exact in integers, unlike
        # PyTorch's step(epoch) float log, which misplaces some restarts (T_0=1, T_mult=3,
        # t=121). Its step() counts T_cur up in integers, which this reproduces.
        starts, periods = [0], [T_0]
        while starts[-1] + periods[-1] < len(t):
            starts.append(starts[-1] + periods[-1])
            periods.append(periods[-1] * T_mult)
        cycle = np.searchsorted(np.array(starts), t, side="right") - 1
        T_cur = t - np.array(starts)[cycle]
        T_i = np.array(periods)[cycle]
    return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * T_cur / T_i)) / 2


def _cyclic(t: np.ndarray, lr: float, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    scale_factor, scale = _cyclic_shape(t, p)
    base_height = (p["max_lr"] - p["base_lr"]) * scale_factor
    return p["base_lr"] + base_height * scale


def _cyclic_shape(t: np.ndarray, p: Mapping[str, Any]):
    """CyclicLR's triangle, 0 at the cycle's ends and 1 at its top, and its mode's scale."""
    up = float(p["step_size_up"])
    total_size = up + float(p["step_size_down"])
    step_ratio = up / total_size
    cycle = np.floor(1 + t / total_size)
    x = 1.0 + t / total_size - cycle
    scale_factor = np.where(x <= step_ratio, x / step_ratio, (x - 1) / (step_ratio - 1))
    if p["mode"] == "triangular":
        scale = 1.0
    elif p["mode"] == "triangular2":
        # PyTorch's 1 / 2**(cycle - 1), without overflowing to inf after 1,024 cycles
        scale = np.exp2(1.0 - cycle)
    else:  # exp_range scales by iterations, not cycles
        scale = p["gamma"] ** t
    return scale_factor, scale


def _onecycle_phases(p: Mapping[str, Any], total_steps: int) -> list[tuple[float, str, str]]:
    """OneCycleLR's phases as PyTorch writes them: (end_step, start, end), where start and
    end name the rate ("initial", "max", "min") that the phase anneals between.
    Momentum runs the other way: max_momentum where the rate is initial or min, base_momentum
    where it is max."""
    pct_start = p["pct_start"]
    if p["three_phase"]:
        return [
            (float(pct_start * total_steps) - 1, "initial", "max"),
            (float(2 * pct_start * total_steps) - 2, "max", "initial"),
            (total_steps - 1, "initial", "min"),
        ]
    return [
        (float(pct_start * total_steps) - 1, "initial", "max"),
        (total_steps - 1, "max", "min"),
    ]


def _check_phases(p: Mapping[str, Any], steps: int) -> None:
    """Refuse a one-cycle phase of zero length, on which PyTorch divides 0 by 0.

    PyTorch evaluates the schedule at every step 0..steps (the last scheduler.step() of a
    run included) and raises ZeroDivisionError where a phase's start equals its end.
    """
    previous_end = 0.0
    for index, (end, _, _) in enumerate(_onecycle_phases(p, steps)):
        if end == previous_end:
            raise SettingError(
                f"onecycle.pct_start = {p['pct_start']!r} is not allowed with {steps} steps: "
                f"phase {index + 1} of the cycle would last zero steps (it starts and ends at "
                f"step {end:g}), where PyTorch's OneCycleLR divides by zero; choose another "
                "pct_start",
                "onecycle.pct_start",
                "another pct_start",
            )
        previous_end = end



def _onecycle(t: np.ndarray, lr: float, total_steps: int, p: Mapping[str, Any]) -> np.ndarray:
    max_lr = p["max_lr"]
    initial_lr = max_lr / p["div_factor"]
    rates = {"initial": initial_lr, "max": max_lr, "min": initial_lr / p["final_div_factor"]}
    return _onecycle_anneal(t, total_steps, p, rates)


def _onecycle_anneal(
    t: np.ndarray, total_steps: int, p: Mapping[str, Any], values: dict[str, float]
) -> np.ndarray:
    """OneCycleLR's anneal over its phases, between the values named by each phase.

    PyTorch picks the first phase whose end_step is >= t (else the last); a phase starts
    where the previous one ends, and pct = (t - start) / (end - start) runs from 0 to 1:
    cos: end + (start - end) / 2 * (cos(π pct) + 1);  linear: start + (end - start) * pct.
    """
    phases = _onecycle_phases(p, total_steps)
    start_step = np.zeros(t.shape)
    end_step = np.zeros(t.shape)
    start_value = np.zeros(t.shape)
    end_value = np.zeros(t.shape)
    unset = np.ones(t.shape, dtype=bool)
    previous_end = 0.0
    for i, (end, begin_name, finish_name) in enumerate(phases):
        here = unset & ((t <= end) | (i == len(phases) - 1))
        start_step[here] = previous_end
        end_step[here] = end
        start_value[here] = values[begin_name]
        end_value[here] = values[finish_name]
        unset &= ~here
        previous_end = end
    # resolve_schedule refuses phases of zero length, so the width is never 0 here.
    pct = (t - start_step) / (end_step - start_step)
    if p["anneal_strategy"] == "cos":
        return end_value + (start_value - end_value) / 2.0 * (np.cos(np.pi * pct) + 1)
    return (end_value - start_value) * pct + start_value


def _check_cyclic(p: Mapping[str, Any], steps: int) -> None:
    if p["max_lr"] < p["base_lr"]:
        raise SettingError(
            f"cyclic.max_lr = {p['max_lr']!r} is not allowed: expected a number "
            f">= base_lr ({p['base_lr']:g})",
            "cyclic.max_lr",
            f"a number >= base_lr ({p['base_lr']:g})",
        )


def _cyclic_defaults(lr: float, steps: int, given: Mapping[str, Any]) -> dict[str, Any]:
    up = given.get("step_size_up", max(1, steps // 8))
    return {
        "base_lr": lr,
        "max_lr": 10.0 * given.get("base_lr", lr),
        "step_size_up": up,
        "step_size_down": up,
    }


# -------------------------------------------------------------------- cycled momentum
# momenta(t, steps, p): the momentum after t scheduler steps, when cycle_momentum is on.


def _cyclic_momenta(t: np.ndarray, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    base, peak = p["base_momentum"], p["max_momentum"]
    scale_factor, scale = _cyclic_shape(t, p)
    return peak - (peak - base) * scale_factor * scale


def _onecycle_momenta(t: np.ndarray, steps: int, p: Mapping[str, Any]) -> np.ndarray:
    base, peak = p["base_momentum"], p["max_momentum"]
    return _onecycle_anneal(t, steps, p, {"initial": peak, "max": base, "min": peak})


def check_cycled_momentum(name: str, optimizer: str, resolved: Mapping[str, Any]) -> None:
    """SettingError where PyTorch fails on a cycled momentum: an optimizer with neither
    momentum nor betas (Adagrad: the scheduler raises ValueError), and RMSprop whose cycle
    starts at momentum 0 and rises (its first step makes no momentum buffer, and the first
    step with a momentum above 0 raises KeyError: 'momentum_buffer')."""
    if not resolved.get("cycle_momentum"):
        return
    if CYCLED_MOMENTUM.get(optimizer, "unknown") is None:
        raise SettingError(
            f"{name}.cycle_momentum = True is not allowed with {optimizer}: it has no momentum "
            "or beta1 to cycle (PyTorch: \"optimizer must support momentum or beta1 with "
            "`cycle_momentum` option enabled\"); turn cycle_momentum off",
            f"{name}.cycle_momentum",
            "cycle_momentum off",
        )
    # Both schedules start the cycle at max_momentum and reach base_momentum.
    if optimizer == "rmsprop" and resolved["max_momentum"] == 0 < resolved["base_momentum"]:
        raise SettingError(
            f"{name}.max_momentum = 0.0 is not allowed with rmsprop and base_momentum "
            f"{resolved['base_momentum']!r}: the cycle starts at momentum 0 and rises, and "
            "PyTorch's RMSprop then fails (KeyError: 'momentum_buffer', as it makes the buffer "
            "only on a first step with a momentum); choose max_momentum > 0",
            f"{name}.max_momentum",
            "max_momentum > 0",
        )


def momentum_values(
    name: str, optimizer: str, lr: float, steps: int, params: dict | None = None
) -> np.ndarray | None:
    """The momentum (Adam, AdamW: beta1) of iterations t = 0..steps-1 when the schedule
    cycles it, shape (steps,); None when it does not (cycle_momentum off, or a scheduler
    without momentum cycling).

    Value t is what PyTorch's scheduler has set after t calls of scheduler.step(), so the
    one the (t+1)-th optimizer.step() uses; it replaces the optimizer's own momentum.
      CyclicLR:   max_momentum − (max_momentum − base_momentum) · s(t) · scale(t), with the
                  rate's triangle s(t) ∈ [0, 1] and its mode's scale (1, ½ per cycle, γᵗ);
      OneCycleLR: the rate's phases annealed from max_momentum to base_momentum while the
                  rate rises, and back while it falls (three_phase: it stays at max in the
                  last phase).
    For plain sgd the cycled value is the momentum of torch's SGD (momentum 0 there turns
    into momentum SGD). Raises SettingError, as PyTorch does, for an optimizer with neither
    momentum nor betas (Adagrad).
    """
    schedule = get_schedule(name)
    if schedule.momenta is None:
        return None
    return momenta_of(schedule, optimizer, steps, resolve_schedule(name, lr, steps, params))


def momenta_of(
    schedule: Schedule, optimizer: str, steps: int, resolved: Mapping[str, Any]
) -> np.ndarray | None:
    """`momentum_values` from parameters already resolved (RunConfig.schedule)."""
    if schedule.momenta is None or not resolved.get("cycle_momentum"):
        return None
    check_cycled_momentum(schedule.name, optimizer, resolved)
    return schedule.momenta(np.arange(steps), steps, resolved)


# ---------------------------------------------------------------------- registry


def _nothing_derived(lr: float, steps: int, given: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _a_quarter(name: str) -> Callable[[float, int, Mapping[str, Any]], dict[str, Any]]:
    return lambda lr, steps, given: {name: max(1, steps // 4)}


@dataclass(frozen=True)
class Schedule:
    """One learning-rate schedule: everything the engine, the dashboard and the generated
    code know of it.

    name, title: its key and its label in the menus. params: its parameters, PyTorch's names;
    a default None is derived from the run by derived(lr, steps, given) -> {name: value}.
    rates(t, lr, steps, p): the rate after t scheduler steps (t an array), p the resolved
      parameters; None when the rate depends on the loss (ReduceLROnPlateau: `Plateau`).
    check(p, steps): what the parameters' ranges cannot say alone (cyclic's max_lr >= base_lr),
      raising SettingError; None if nothing.
    momenta(t, steps, p): the cycled momentum when cycle_momentum is on; None: it cycles none.
    torch_class: the torch.optim.lr_scheduler class (None: no scheduler at all); torch_required:
      its arguments without a default, which the generated code always writes; torch_length: the
      argument that takes the run's length (OneCycleLR's total_steps); torch_defaults: PyTorch's
      default where Descent Lab's differs (cycle_momentum: True in PyTorch).
    keras_name: the Keras 3 counterpart, for the menus; None when there is none.
    """

    name: str
    title: str
    params: tuple[ParamSpec, ...]
    rates: Callable[[np.ndarray, float, int, Mapping[str, Any]], np.ndarray] | None
    torch_class: str | None
    derived: Callable[[float, int, Mapping[str, Any]], dict[str, Any]] = _nothing_derived
    check: Callable[[Mapping[str, Any], int], None] | None = None
    momenta: Callable[[np.ndarray, int, Mapping[str, Any]], np.ndarray] | None = None
    keras_name: str | None = None
    torch_required: tuple[str, ...] = ()
    torch_length: str | None = None
    torch_defaults: tuple[tuple[str, Any], ...] = ()

    def torch_default(self, spec: ParamSpec) -> Any:
        """PyTorch's default for one of params."""
        return dict(self.torch_defaults).get(spec.name, spec.default)


_CYCLES_MOMENTUM_IN_TORCH = (("cycle_momentum", True),)

# Every schedule, in menu order: adding one is one entry here (and its rate function).
SCHEDULES: dict[str, Schedule] = {
    entry.name: entry
    for entry in (
        Schedule(
            "constant", "Constant (no scheduler)", _CONSTANT_SPECS, _constant, None,
            keras_name="a fixed learning_rate",
        ),
        Schedule(
            "step", "Step decay (StepLR)", _STEP_SPECS, _step, "StepLR", derived=_a_quarter("step_size"),
            keras_name="keras.optimizers.schedules.ExponentialDecay(staircase=True)",
            torch_required=("step_size",),
        ),
        Schedule(
            "exponential", "Exponential decay (ExponentialLR)", _EXPONENTIAL_SPECS, _exponential,
            "ExponentialLR", derived=lambda lr, steps, given: {"gamma": 0.01 ** (1.0 / steps)},
            keras_name="keras.optimizers.schedules.ExponentialDecay", torch_required=("gamma",),
        ),
        Schedule(
            "plateau", "Reduce on plateau (ReduceLROnPlateau)", _PLATEAU_SPECS, None,
            "ReduceLROnPlateau", keras_name="keras.callbacks.ReduceLROnPlateau",
        ),
        Schedule(
            "cosine", "Cosine annealing (CosineAnnealingLR)", _COSINE_SPECS, _cosine, "CosineAnnealingLR",
            derived=lambda lr, steps, given: {"T_max": steps},
            keras_name="keras.optimizers.schedules.CosineDecay", torch_required=("T_max",),
        ),
        Schedule(
            "cosine_restarts", "Cosine with warm restarts (CosineAnnealingWarmRestarts)",
            _COSINE_RESTARTS_SPECS, _warm_restarts, "CosineAnnealingWarmRestarts",
            derived=_a_quarter("T_0"), keras_name="keras.optimizers.schedules.CosineDecayRestarts",
            torch_required=("T_0",),
        ),
        Schedule(
            "cyclic", "Cyclical (CyclicLR)", _CYCLIC_SPECS, _cyclic, "CyclicLR", derived=_cyclic_defaults,
            check=_check_cyclic, momenta=_cyclic_momenta,
            torch_required=("base_lr", "max_lr", "step_size_up"), torch_defaults=_CYCLES_MOMENTUM_IN_TORCH,
        ),
        Schedule(
            "onecycle", "One-cycle (OneCycleLR)", _ONECYCLE_SPECS, _onecycle, "OneCycleLR",
            derived=lambda lr, steps, given: {"max_lr": lr}, check=_check_phases, momenta=_onecycle_momenta,
            torch_required=("max_lr",), torch_length="total_steps", torch_defaults=_CYCLES_MOMENTUM_IN_TORCH,
        ),
    )
}  # fmt: skip

# Views of the registry, by the names the dashboard imports.
SCHEDULER_NAMES = Names(SCHEDULES)
SCHEDULER_TITLES = Field(SCHEDULES, "title")
SCHEDULER_PARAMS = Field(SCHEDULES, "params")


class Plateau:
    """ReduceLROnPlateau (mode 'min') for R runs at once; every state array has shape (R,).

    Each hyperparameter may be a scalar or an (R,) array (threshold_mode: a string or a
    sequence of strings). `step(losses)` is one `scheduler.step(loss)` call for every run.
    A NaN loss never counts as an improvement, exactly as in PyTorch, and raises nothing.
    """

    def __init__(self, lr, **settings) -> None:
        """lr: the starting rate(s); settings: the plateau parameters by PyTorch's names, each
        defaulting to the plateau schedule's own (SCHEDULES["plateau"].params)."""
        specs = {spec.name: spec for spec in SCHEDULES["plateau"].params}
        unknown = {key: None for key in settings if key not in specs}
        check_params(unknown, tuple(specs.values()), "plateau")  # raises, naming an unknown one
        arrays: dict[str, np.ndarray] = {}
        for key, spec in specs.items():
            array = np.asarray(settings.get(key, spec.default))
            if array.ndim > 1:
                raise SettingError(
                    f"plateau.{key} must be a scalar or a 1-D array of runs",
                    f"plateau.{key}",
                    "a scalar or a 1-D array of runs",
                )
            for item in np.unique(array):
                spec.check(item.item(), "plateau")
            arrays[key] = array
        self._start(lr, arrays)

    @classmethod
    def of_runs(cls, lr: Sequence[float], settings: Sequence[Mapping[str, Any]]) -> Plateau:
        """A Plateau for runs whose settings are already checked: each run's rate and its
        resolved plateau parameters (RunConfig.resolved_scheduler_params)."""
        plateau = cls.__new__(cls)
        names = [spec.name for spec in SCHEDULES["plateau"].params]
        plateau._start(lr, {name: np.asarray([s[name] for s in settings]) for name in names})
        return plateau

    def _start(self, lr, arrays: dict[str, np.ndarray]) -> None:
        lr_array = np.asarray(lr, dtype=np.float64)
        if lr_array.ndim > 1 or not np.all(np.isfinite(lr_array) & (lr_array > 0)):
            raise refused("plateau.lr", lr, "positive numbers, one per run")
        try:
            shape = np.broadcast_shapes(lr_array.shape, *(a.shape for a in arrays.values()))
        except ValueError:
            raise ValueError(
                "plateau: lr and every array hyperparameter must have one entry per run"
            ) from None
        shape = shape or (1,)
        runs = shape[0]

        def spread(array: np.ndarray, dtype) -> np.ndarray:
            return np.broadcast_to(array.astype(dtype), (runs,)).copy()

        self.lr = spread(lr_array, np.float64)
        self.factor = spread(arrays["factor"], np.float64)
        self.patience = spread(arrays["patience"], np.int64)
        self.threshold = spread(arrays["threshold"], np.float64)
        self.rel = spread(arrays["threshold_mode"] == "rel", bool)
        self.cooldown = spread(arrays["cooldown"], np.int64)
        self.min_lr = spread(arrays["min_lr"], np.float64)
        self.eps = spread(arrays["eps"], np.float64)
        self._all_rel = bool(self.rel.all())
        self._any_rel = bool(self.rel.any())
        self._rel_keep = 1.0 - self.threshold
        # only inf * 0 (best = ±inf, threshold 1 in rel mode) is an invalid operation here
        self._warns = bool(np.any(self.rel & (self._rel_keep == 0)))
        self.best = np.full(runs, np.inf)
        self.num_bad_epochs = np.zeros(runs, dtype=np.int64)
        self.cooldown_counter = np.zeros(runs, dtype=np.int64)
        # Python-side bounds, so a step makes no reductions in the usual case: whether some
        # run is cooling down, and how many more steps every run surely stays within its
        # patience (num_bad_epochs grows by at most 1 a step)
        self._cooling = False
        self._quiet = int(self.patience.min())
        self.reductions = 0  # how many steps changed some run's rate

    def _better(self, current: np.ndarray) -> np.ndarray:
        """Which runs' losses count as improvements. inf * 0 (best = inf, threshold = 1) and
        NaN losses give NaN comparisons: all False, as in PyTorch's float arithmetic."""
        if self._all_rel:
            return current < self.best * self._rel_keep
        if not self._any_rel:
            return current < self.best - self.threshold
        return np.where(
            self.rel, current < self.best * self._rel_keep, current < self.best - self.threshold
        )

    def step(self, metrics: np.ndarray) -> np.ndarray:
        """One scheduler.step(loss) for every run; return the new rates, shape (R,)."""
        current = np.asarray(metrics, dtype=np.float64)
        if current.shape != self.lr.shape:
            if current.shape not in ((), (1,)):
                raise ValueError(
                    f"plateau: got {current.shape} losses for {self.lr.shape[0]} runs"
                )
            current = np.broadcast_to(current, self.lr.shape)
        # Called once per iteration by the step loop, so the state is updated in place and
        # the rare branches (cooldown, a cut) are skipped when no run is in them.
        if self._warns:
            with np.errstate(invalid="ignore"):
                better = self._better(current)
        else:
            better = self._better(current)
        np.copyto(self.best, current, where=better)
        self.num_bad_epochs += 1
        np.copyto(self.num_bad_epochs, 0, where=better)

        if self._cooling:
            cooling = self.cooldown_counter > 0
            np.subtract(self.cooldown_counter, 1, out=self.cooldown_counter, where=cooling)
            np.copyto(self.num_bad_epochs, 0, where=cooling)
            self._cooling = bool(self.cooldown_counter.any())

        if self._quiet > 0:
            self._quiet -= 1
            return self.lr.copy()
        reduce = self.num_bad_epochs > self.patience
        if reduce.any():
            new_lr = np.maximum(self.lr * self.factor, self.min_lr)
            cut = reduce & (self.lr - new_lr > self.eps)
            if cut.any():
                np.copyto(self.lr, new_lr, where=cut)
                self.reductions += 1
            np.copyto(self.cooldown_counter, self.cooldown, where=reduce)
            np.copyto(self.num_bad_epochs, 0, where=reduce)
            self._cooling = bool(self.cooldown_counter.any())
        self._quiet = int((self.patience - self.num_bad_epochs).min())
        return self.lr.copy()
