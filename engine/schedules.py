"""Learning-rate schedules with PyTorch's semantics, in NumPy.

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
momentum stays the optimizer's own unless asked; `momentum_values` gives the cycled values,
step by step, with PyTorch's rules (and its refusal for an optimizer without momentum).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import limits
from engine.optimizers import CYCLED_MOMENTUM
from engine.params import ParamSpec, check_params

SCHEDULER_NAMES = (
    "constant",
    "step",
    "exponential",
    "plateau",
    "cosine",
    "cosine_restarts",
    "cyclic",
    "onecycle",
)

SCHEDULER_TITLES: dict[str, str] = {
    "constant": "Constant (no scheduler)",
    "step": "Step decay (StepLR)",
    "exponential": "Exponential decay (ExponentialLR)",
    "plateau": "Reduce on plateau (ReduceLROnPlateau)",
    "cosine": "Cosine annealing (CosineAnnealingLR)",
    "cosine_restarts": "Cosine with warm restarts (CosineAnnealingWarmRestarts)",
    "cyclic": "Cyclical (CyclicLR)",
    "onecycle": "One-cycle (OneCycleLR)",
}

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


SCHEDULER_PARAMS: dict[str, tuple[ParamSpec, ...]] = {
    "constant": (),
    "step": (
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
    ),
    "exponential": (
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
    ),
    "plateau": (
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
    ),
    "cosine": (
        _period(
            "T_max",
            None,
            "Iterations from the full rate down to eta_min (half a cosine wave). "
            "Default: the whole run. Past T_max the rate climbs back up.",
        ),
        _rate("eta_min", 0.0, "The lowest rate, reached after T_max iterations.", zero_ok=True),
    ),
    "cosine_restarts": (
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
    ),
    "cyclic": (
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
    ),
    "onecycle": (
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
    ),
}


def _specs(name: str) -> tuple[ParamSpec, ...]:
    if not isinstance(name, str) or name not in SCHEDULER_PARAMS:
        raise ValueError(
            f"unknown scheduler {name!r}: the schedulers are {', '.join(SCHEDULER_NAMES)}"
        )
    return SCHEDULER_PARAMS[name]


def _check_run(lr: Any, steps: Any) -> tuple[float, int]:
    if isinstance(lr, bool):
        raise ValueError(f"lr = {lr!r} is not allowed: expected a positive number")
    try:
        rate = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"lr = {lr!r} is not allowed: expected a positive number") from None
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"lr = {lr!r} is not allowed: expected a positive number")
    # Bounded like a run's steps: a schedule is one array of `steps` rates (1e9 would be 8 GB).
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or not 1 <= steps <= limits.STEPS_MAX:
        raise ValueError(
            f"steps = {steps!r} is not allowed: expected an integer in [1, {limits.STEPS_MAX}]"
        )
    return rate, int(steps)


def _derived_defaults(name: str, lr: float, steps: int, given: dict[str, Any]) -> dict[str, Any]:
    """Defaults that depend on the run (or on other parameters)."""
    if name == "step":
        return {"step_size": max(1, steps // 4)}
    if name == "exponential":
        return {"gamma": 0.01 ** (1.0 / steps)}
    if name == "cosine":
        return {"T_max": steps}
    if name == "cosine_restarts":
        return {"T_0": max(1, steps // 4)}
    if name == "cyclic":
        up = given.get("step_size_up", max(1, steps // 8))
        return {
            "base_lr": lr,
            "max_lr": 10.0 * given.get("base_lr", lr),
            "step_size_up": up,
            "step_size_down": up,
        }
    if name == "onecycle":
        return {"max_lr": lr}
    return {}


def resolve_schedule(name: str, lr: float, steps: int, params: dict | None) -> dict:
    """Validate params and fill every default; return the complete parameter dict used.

    A value of None means "use the default". Unknown parameters and out-of-range values raise
    ValueError naming the parameter, its value and what is allowed. Feeding the result back in
    returns it unchanged.
    """
    specs = _specs(name)
    lr, steps = _check_run(lr, steps)
    given = dict(params or {})
    known = {spec.name for spec in specs}
    if any(key not in known for key in given):
        check_params(given, specs, name)  # raises, naming the unknown parameter
    checked = check_params({k: v for k, v in given.items() if v is not None}, specs, name)
    derived = _derived_defaults(name, lr, steps, checked)
    resolved: dict[str, Any] = {}
    for spec in specs:
        if spec.name in checked:
            resolved[spec.name] = checked[spec.name]
        elif spec.default is not None:
            resolved[spec.name] = spec.default
        else:
            resolved[spec.name] = spec.check(derived[spec.name], name)
    if name == "cyclic" and resolved["max_lr"] < resolved["base_lr"]:
        raise ValueError(
            f"cyclic.max_lr = {resolved['max_lr']!r} is not allowed: expected a number "
            f">= base_lr ({resolved['base_lr']:g})"
        )
    if name == "onecycle":
        _check_phases(resolved, steps)
    return resolved


def _onecycle_phases(p: dict[str, Any], total_steps: int) -> list[tuple[float, str, str]]:
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


def _check_phases(p: dict[str, Any], steps: int) -> None:
    """Refuse a one-cycle phase of zero length, on which PyTorch divides 0 by 0.

    PyTorch evaluates the schedule at every step 0..steps (the last scheduler.step() of a
    run included) and raises ZeroDivisionError where a phase's start equals its end.
    """
    previous_end = 0.0
    for index, (end, _, _) in enumerate(_onecycle_phases(p, steps)):
        if end == previous_end:
            raise ValueError(
                f"onecycle.pct_start = {p['pct_start']!r} is not allowed for {steps} steps: "
                f"phase {index + 1} of the cycle would last zero steps (it starts and ends at "
                f"step {end:g}), where PyTorch's OneCycleLR divides by zero; choose another "
                "pct_start"
            )
        previous_end = end


def learning_rates(name: str, lr: float, steps: int, params: dict | None = None) -> np.ndarray:
    """Rates for iterations t = 0..steps-1, shape (steps,), float64.

    Rate t is what PyTorch's scheduler gives after t calls of scheduler.step(). Not defined for
    'plateau', whose rate depends on the loss: use `Plateau` for that.
    """
    if name == "plateau":
        raise ValueError(
            "the plateau scheduler depends on the loss, so its rates cannot be computed in "
            "advance: step a Plateau with each iteration's loss instead"
        )
    p = resolve_schedule(name, lr, steps, params)
    lr = float(lr)
    t = np.arange(steps)
    if name == "constant":
        return np.full(steps, lr)
    if name == "step":
        return lr * p["gamma"] ** (t // p["step_size"])
    if name == "exponential":
        return lr * p["gamma"] ** t
    if name == "cosine":
        eta_min = p["eta_min"]
        return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * t / p["T_max"])) / 2
    if name == "cosine_restarts":
        return _cosine_restarts(lr, t, p["T_0"], p["T_mult"], p["eta_min"])
    if name == "cyclic":
        return _cyclic(t, p)
    return _onecycle(t, steps, p)


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


def _cyclic(t: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    scale_factor, scale = _cyclic_shape(t, p)
    base_height = (p["max_lr"] - p["base_lr"]) * scale_factor
    return p["base_lr"] + base_height * scale


def _cyclic_shape(t: np.ndarray, p: dict[str, Any]):
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


def _onecycle(t: np.ndarray, total_steps: int, p: dict[str, Any]) -> np.ndarray:
    max_lr = p["max_lr"]
    initial_lr = max_lr / p["div_factor"]
    rates = {"initial": initial_lr, "max": max_lr, "min": initial_lr / p["final_div_factor"]}
    return _onecycle_anneal(t, total_steps, p, rates)


def _onecycle_anneal(
    t: np.ndarray, total_steps: int, p: dict[str, Any], values: dict[str, float]
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
    into momentum SGD). Raises ValueError, as PyTorch does, for an optimizer with neither
    momentum nor betas (Adagrad).
    """
    if name not in ("cyclic", "onecycle"):
        _specs(name)  # an unknown name raises
        return None
    p = resolve_schedule(name, lr, steps, params)
    if not p["cycle_momentum"]:
        return None
    if CYCLED_MOMENTUM.get(optimizer, "unknown") is None:
        raise ValueError(
            f"{name}.cycle_momentum = True is not allowed with {optimizer}: it has no momentum "
            "or beta1 to cycle (PyTorch: \"optimizer must support momentum or beta1 with "
            "`cycle_momentum` option enabled\"); turn cycle_momentum off"
        )
    t = np.arange(steps)
    base, peak = p["base_momentum"], p["max_momentum"]
    if name == "onecycle":
        return _onecycle_anneal(t, steps, p, {"initial": peak, "max": base, "min": peak})
    scale_factor, scale = _cyclic_shape(t, p)
    return peak - (peak - base) * scale_factor * scale


class Plateau:
    """ReduceLROnPlateau (mode 'min') for R runs at once; every state array has shape (R,).

    Each hyperparameter may be a scalar or an (R,) array (threshold_mode: a string or a
    sequence of strings). `step(losses)` is one `scheduler.step(loss)` call for every run.
    A NaN loss never counts as an improvement, exactly as in PyTorch, and raises nothing.
    """

    def __init__(
        self,
        lr,
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ) -> None:
        specs = {spec.name: spec for spec in SCHEDULER_PARAMS["plateau"]}
        given = {
            "factor": factor,
            "patience": patience,
            "threshold": threshold,
            "threshold_mode": threshold_mode,
            "cooldown": cooldown,
            "min_lr": min_lr,
            "eps": eps,
        }
        arrays: dict[str, np.ndarray] = {}
        for key, value in given.items():
            array = np.asarray(value)
            if array.ndim > 1:
                raise ValueError(f"plateau.{key} must be a scalar or a 1-D array of runs")
            for item in np.unique(array):
                specs[key].check(item.item(), "plateau")
            arrays[key] = array
        lr_array = np.asarray(lr, dtype=np.float64)
        if lr_array.ndim > 1 or not np.all(np.isfinite(lr_array) & (lr_array > 0)):
            raise ValueError(
                f"plateau.lr = {lr!r} is not allowed: expected positive numbers, one per run"
            )
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
        self.best = np.full(runs, np.inf)
        self.num_bad_epochs = np.zeros(runs, dtype=np.int64)
        self.cooldown_counter = np.zeros(runs, dtype=np.int64)

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
        # inf * 0 (best = inf, threshold = 1) and NaN losses give NaN comparisons: all False,
        # as in PyTorch's float arithmetic.
        with np.errstate(invalid="ignore", over="ignore"):
            if self._all_rel:
                better = current < self.best * self._rel_keep
            elif not self._any_rel:
                better = current < self.best - self.threshold
            else:
                better = np.where(
                    self.rel,
                    current < self.best * self._rel_keep,
                    current < self.best - self.threshold,
                )
        np.copyto(self.best, current, where=better)
        self.num_bad_epochs += 1
        np.copyto(self.num_bad_epochs, 0, where=better)

        cooling = self.cooldown_counter > 0
        if cooling.any():
            np.subtract(self.cooldown_counter, 1, out=self.cooldown_counter, where=cooling)
            np.copyto(self.num_bad_epochs, 0, where=cooling)

        reduce = self.num_bad_epochs > self.patience
        if reduce.any():
            new_lr = np.maximum(self.lr * self.factor, self.min_lr)
            np.copyto(self.lr, new_lr, where=reduce & (self.lr - new_lr > self.eps))
            np.copyto(self.cooldown_counter, self.cooldown, where=reduce)
            np.copyto(self.num_bad_epochs, 0, where=reduce)
        return self.lr.copy()
