"""The optimizers of torch.optim, rewritten in NumPy for many runs at once.

Each optimizer is one entry of `OPTIMIZERS` (a frozen `Optimizer`: title, parameters,
init/update, torch class, what a cyclic schedule cycles, Keras name); OPTIMIZER_NAMES,
OPTIMIZER_TITLES, OPTIMIZER_PARAMS, TORCH_CLASSES and CYCLED_MOMENTUM are views of it, so
adding an optimizer is adding one entry (and its update rule).

An optimizer is an ``init`` / ``update`` pair over plain state, in the style of optax:

    state = opt.init(params, hyper)                      # params: (R, 2) array
    updates, state = opt.update(grads, state, lr, hyper) # grads: (R, 2) array
    params = params + updates                           # updates carry the minus sign

R runs advance together, one row each. ``hyper`` is the dict returned by
`resolve_optimizer` (every value a Python scalar), or by `stack_hyper`, where a
number that differs between runs is an (R, 1) float array and ``betas`` a pair of
them; ``lr`` is a float or an (R, 1) array. Booleans (``amsgrad``, ``centered``) are
shared by all runs of one call.

Each rule follows PyTorch's documented algorithm and its order of operations
(maximize=False), so a run here retraces ``torch.optim`` to rounding
(tests/test_torch_reference.py compares whole runs with real PyTorch).

Weight decay, PyTorch's two kinds:
  * L2 (SGD, Adagrad, RMSprop, Adam): the gradient becomes g + weight_decay * θ before
    anything else, i.e. the loss gains ½ weight_decay |θ|²;
  * decoupled (AdamW): θ ← θ (1 − lr * weight_decay) before the Adam step, whatever the
    gradient; PyTorch's AdamW decays by default (weight_decay = 1e-2).
Both read the parameters, so an optimizer whose weight_decay is not 0 keeps them in its
state, as torch.optim holds the tensors it updates: ``init`` copies them and each ``update``
adds its own updates, so the caller's ``params + updates`` and the state's copy are the
same numbers.

``update`` never writes into the arrays of the state it is given: it returns a new
state (a dict of arrays plus the integer ``step``, the number of updates done).
``init`` and ``update`` also take one coordinate of one run as a Python float (the state's
numbers are then floats): the same operations in the same order, each rounded as IEEE
doubles are, so the numbers are those of the float64 arrays. A NumPy call costs about as
much for two numbers as for two thousand, so engine.simulate steps a family of one run this
way (tests/test_optimizers.py holds the two equal, bit for bit). Some
optimizers also have ``update_in_place(params, grads, state, lr, hyper)`` for a step loop
that owns its parameters and state: the same arithmetic, written into them (the network
step loop's, where fresh arrays at every step cost more than the rule). The state's arrays
take the parameters' float format (float64 for the 2-D engine, float32 for float32 networks).

Length: the registry of seven optimizers, each an entry with its parameter specs and
PyTorch's update rule in NumPy; one file, so adding one is one entry here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.params import ParamSpec, SettingError, check_params
from engine.registry import Field, Names


def _momentum_spec(default: float, help_text: str, *, zero_ok: bool = True) -> ParamSpec:
    return ParamSpec(
        "momentum",
        "float",
        default,
        low=0.0,
        high=1.0,
        low_open=not zero_ok,
        high_open=True,
        help=help_text,
    )


def _weight_decay_spec(default: float, help_text: str) -> ParamSpec:
    return ParamSpec("weight_decay", "float", default, low=0.0, high=1.0, help=help_text)


_L2_HELP = (
    "L2 penalty: pulls every parameter toward 0 by adding weight_decay * θ to the "
    "gradient (the loss gains ½ weight_decay |θ|²); 0 turns it off."
)
_L2 = _weight_decay_spec(0.0, _L2_HELP)


def _eps_spec(default: float) -> ParamSpec:
    return ParamSpec(
        "eps",
        "float",
        default,
        low=0.0,
        high=1.0,
        low_open=True,
        log=True,
        help="A tiny number added to the denominator so we never divide by zero; "
        "larger values make the first steps of flat coordinates smaller.",
    )


_SGD_MOMENTUM_HELP = (
    "How much of the previous velocity carries into this step: 0 is plain gradient "
    "descent, 0.9 lets the ball roll through small bumps and along narrow valleys."
)

_ADAM_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "betas",
        "pair",
        (0.9, 0.999),
        low=0.0,
        high=1.0,
        high_open=True,
        help="Memories of the two running averages: beta1 for the gradient (momentum), "
        "beta2 for its square (each coordinate's step size). Closer to 1 remembers longer.",
    ),
    _eps_spec(1e-8),
    ParamSpec(
        "amsgrad",
        "bool",
        False,
        help="AMSGrad: divide by the largest mean square seen so far, "
        "so a coordinate's step size can never grow back.",
    ),
)

_MOMENTUM_SPECS: tuple[ParamSpec, ...] = (
    _momentum_spec(0.9, _SGD_MOMENTUM_HELP),
    ParamSpec(
        "dampening",
        "float",
        0.0,
        low=0.0,
        high=1.0,
        help="Share of each new gradient held back when it is added to the velocity; "
        "0 adds the whole gradient. (Not applied on the very first step.)",
    ),
    _L2,
)

_NESTEROV_SPECS: tuple[ParamSpec, ...] = (
    _momentum_spec(
        0.9,
        _SGD_MOMENTUM_HELP + " Nesterov looks ahead along the velocity before stepping, "
        "so it needs a momentum above 0: PyTorch's SGD refuses nesterov=True with "
        "momentum 0 (choose sgd for no momentum).",
        zero_ok=False,
    ),
    _L2,
)

_ADAGRAD_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "lr_decay",
        "float",
        0.0,
        low=0.0,
        help="Shrinks the learning rate as training goes on: "
        "step t uses lr / (1 + (t - 1) * lr_decay).",
    ),
    ParamSpec(
        "initial_accumulator_value",
        "float",
        0.0,
        low=0.0,
        help="Starting value of each coordinate's running sum of squared gradients; "
        "a larger start makes the first steps smaller.",
    ),
    _eps_spec(1e-10),
    _L2,
)

_RMSPROP_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "alpha",
        "float",
        0.99,
        low=0.0,
        high=1.0,
        high_open=True,
        help="Memory of the running average of squared gradients: "
        "closer to 1 remembers longer, 0 uses only the current gradient.",
    ),
    _eps_spec(1e-8),
    _momentum_spec(
        0.0,
        "Velocity carried over between steps, on top of the rescaled step; 0 turns it off.",
    ),
    ParamSpec(
        "centered",
        "bool",
        False,
        help="Divide by the gradient's running variance (its mean square minus its "
        "squared mean) instead of its plain mean square.",
    ),
    _L2,
)

_ADAMW_DECAY = _weight_decay_spec(
    1e-2,
    "Decoupled weight decay: every step first shrinks each parameter by the factor "
    "1 - lr * weight_decay, apart from the gradient. PyTorch's AdamW default is 0.01.",
)


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: everything the engine, the dashboard and the generated code know of it.

    name, title: its key and its label in the menus.
    params: its hyperparameters, PyTorch's names, with Descent Lab's defaults.
    init(params, hyper) -> state; update(grads, state, lr, hyper) -> (updates, new_state),
      new params = params + updates (the module docstring).
    torch_class: the torch.optim class behind it (None: torch has none, no code is written);
      torch_args: arguments the generated code
      always passes (nesterov=True); torch_defaults: PyTorch's default of a parameter where
      Descent Lab's differs (momentum: 0 in torch's SGD), so the code writes it out.
    cycled_momentum: what CyclicLR and OneCycleLR cycle when cycle_momentum is on: the
      hyperparameter "momentum" (every torch SGD has one, 0 or not, and RMSprop), beta1 of
      "betas" (Adam, AdamW), or None: the optimizer has neither and PyTorch refuses (Adagrad).
    keras_name: the Keras 3 counterpart, for the menus; None when there is none.
    keras_args: (PyTorch name, Keras name) of the parameters the Keras script passes as they
      are, for an optimizer engine.code has no hand-written translation of.
    update_in_place(params, grads, state, lr, hyper): optional, the same update done in place
      (params += updates, the state's arrays rewritten, temporaries kept in it), for step loops
      that own params and the state; the same arithmetic in the same order as update (a test
      holds them equal). None: only update.
    """

    name: str
    title: str
    params: tuple[ParamSpec, ...]
    init: Callable[[np.ndarray, Mapping[str, Any]], dict[str, Any]]
    update: Callable[..., tuple[np.ndarray, dict[str, Any]]]
    torch_class: str | None
    cycled_momentum: str | None
    keras_name: str | None = None
    torch_args: tuple[tuple[str, Any], ...] = ()
    torch_defaults: tuple[tuple[str, Any], ...] = ()
    keras_args: tuple[tuple[str, str], ...] = ()
    update_in_place: Callable[..., None] | None = None

    def torch_default(self, spec: ParamSpec) -> Any:
        """PyTorch's default for one of params."""
        return dict(self.torch_defaults).get(spec.name, spec.default)


def _unknown_optimizer(name: Any) -> SettingError:
    names = ", ".join(OPTIMIZERS)
    return SettingError(
        f"unknown optimizer {name!r}: the optimizers are {names}", "optimizer", f"one of {names}"
    )


def get_optimizer(name: Any) -> Optimizer:
    """The optimizer called name, or SettingError listing the known ones."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise _unknown_optimizer(name)
    return OPTIMIZERS[name]


def resolve_optimizer(name: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate an optimizer's hyperparameters and fill in PyTorch's defaults.

    Raises SettingError naming an unknown optimizer or parameter (and listing the known
    ones), or a value outside its range. Returns the complete dict of Python scalars
    (``betas`` a tuple of two floats). Nesterov's momentum range excludes 0, which
    torch.optim.SGD refuses ("Nesterov momentum requires a momentum").
    """
    specs = get_optimizer(name).params
    given = dict(params or {})
    try:
        checked = check_params(given, specs, name)
    except SettingError as error:
        if error.field == "nesterov.momentum" and given.get("momentum") == 0:
            raise SettingError(
                f"{error}, since Nesterov's look-ahead needs a momentum: PyTorch's SGD raises "
                f'"{NESTEROV_WITHOUT_MOMENTUM}" for nesterov=True with momentum 0 (choose sgd '
                "for no momentum)",
                error.field,
                error.allowed,
            ) from None
        raise
    return {spec.name: checked.get(spec.name, spec.default) for spec in specs}


# torch.optim.SGD's words (torch 2.13), for nesterov=True with momentum 0.
NESTEROV_WITHOUT_MOMENTUM = "Nesterov momentum requires a momentum and zero dampening"


def stack_hyper(name: str, per_run: Sequence[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Resolve each run's hyperparameters and merge them into one dict for `update`
    (`merge_hyper`)."""
    if not per_run:
        raise ValueError("stack_hyper needs at least one run")
    return merge_hyper(name, [resolve_optimizer(name, given) for given in per_run])


def merge_hyper(name: str, resolved: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Merge runs' resolved hyperparameters (`resolve_optimizer`, RunConfig.hyper) into
    one dict for `update`.

    A value shared by every run stays a Python scalar; one that differs becomes an
    (R, 1) float array (``betas``: a tuple of two such arrays, or of two floats).
    Booleans must agree across runs, since they choose the code path.
    """
    if not resolved:
        raise ValueError("merge_hyper needs at least one run")
    merged: dict[str, Any] = {}
    for spec in get_optimizer(name).params:
        values = [r[spec.name] for r in resolved]
        if spec.kind == "pair":
            merged[spec.name] = tuple(_stack([v[i] for v in values]) for i in range(2))
        elif spec.kind == "bool":
            if len(set(values)) > 1:
                raise ValueError(
                    f"{name}.{spec.name} must be the same for all runs of one call, "
                    f"got {sorted(set(values))}"
                )
            merged[spec.name] = values[0]
        else:
            merged[spec.name] = _stack(values)
    return merged


def _stack(values: list[Any]) -> Any:
    if all(v == values[0] for v in values):
        return values[0]
    return np.asarray(values, dtype=float).reshape(-1, 1)


# --------------------------------------------------------------------------- sgd


def _decays(hyper: Mapping[str, Any]) -> bool:
    """Whether weight decay is on for some run (a per-run array counts as on)."""
    decay = hyper.get("weight_decay", 0.0)
    return isinstance(decay, np.ndarray) or decay != 0


def _float_type(params) -> np.dtype:
    """The state's number format: the parameters' own if they are floats (float32 for the
    network explorers), else float64."""
    dtype = np.asarray(params).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _zeros(params, fill=0.0):
    """A state array shaped as params, every entry fill (a float for a float coordinate)."""
    if type(params) is float:
        return float(fill)
    zeros = np.zeros(np.shape(params), dtype=_float_type(params))
    if type(fill) is not float or fill != 0:
        zeros[...] = fill
    return zeros


def _sqrt(x):
    """np.sqrt, and for a float math.sqrt (the same IEEE rounding) without a NumPy call;
    NaN below 0, as np.sqrt gives."""
    if type(x) is float:
        return math.sqrt(x) if x >= 0 else math.nan
    return np.sqrt(x)


def _maximum(a, b):
    """np.maximum, and for floats its rule without a NumPy call: b unless a is larger, NaN
    from either side."""
    if type(a) is float and type(b) is float:
        return a if a > b or a != a else b
    return np.maximum(a, b)


def _scratch(state: dict[str, Any], params: np.ndarray, count: int) -> list[np.ndarray]:
    """count arrays shaped as params, kept in the state: an in-place update's temporaries,
    made once rather than at every step."""
    found = state.get("scratch")
    if found is None or len(found) < count or found[0].shape != params.shape:
        found = state["scratch"] = [np.empty_like(params) for _ in range(count)]
    return found


def _coefficient(value, dtype):
    """A per-run (R, 1) hyperparameter in the parameters' format (a float stays a float): a
    float64 factor would make every float32 pass compute in float64."""
    if type(value) is float:  # the usual case, first: this runs several times a step
        return value
    return value.astype(dtype, copy=False) if isinstance(value, np.ndarray | np.generic) else value


def _l2_into(grads, state, hyper, out):
    """_l2 written into out (the same arithmetic): g + weight_decay * θ, or g itself."""
    if "params" not in state:
        return grads
    np.multiply(_coefficient(hyper["weight_decay"], out.dtype), state["params"], out=out)
    out += grads
    return out


def _with_params(state: dict[str, Any], params, hyper: Mapping[str, Any]) -> dict[str, Any]:
    """state, plus a copy of the parameters when weight decay needs them."""
    if _decays(hyper):
        state["params"] = params if type(params) is float else np.array(params, dtype=_float_type(params))
    return state


def _l2(grads, state, hyper):
    """PyTorch's L2 weight decay: g + weight_decay * θ (torch: g.add(p, alpha=wd))."""
    if "params" not in state:
        return grads
    return grads + hyper["weight_decay"] * state["params"]


def _moved(new: dict[str, Any], state: dict[str, Any], updates: np.ndarray) -> dict[str, Any]:
    """new, with the kept parameters moved by this update (when they are kept)."""
    if "params" in state:
        new["params"] = state["params"] + updates
    return new


def _sgd_init(params: np.ndarray, hyper: Mapping[str, Any]) -> dict[str, Any]:
    return _with_params({"step": 0}, params, hyper)


def _sgd_update(grads, state, lr, hyper):
    # torch: p.add_(g, alpha=-lr)
    updates = _l2(grads, state, hyper) * -lr
    return updates, _moved({"step": state["step"] + 1}, state, updates)


def _sgd_in_place(params, grads, state, lr, hyper):
    decayed, updates = _scratch(state, params, 2)
    grads = _l2_into(grads, state, hyper, decayed)
    np.multiply(grads, _coefficient(-lr, params.dtype), out=updates)  # torch: p.add_(g, alpha=-lr)
    _move_in_place(params, state, updates)
    state["step"] += 1


def _move_in_place(params, state, updates):
    """params (and the state's kept copy, when there is one) += updates, as _moved."""
    params += updates
    if "params" in state:
        state["params"] += updates


# ------------------------------------------------------- momentum and nesterov


def _buffer_init(params: np.ndarray, hyper: Mapping[str, Any]) -> dict[str, Any]:
    # started: whether torch's momentum_buffer exists yet (it is made at the first step
    # whose momentum is not 0): False, True, or an (R, 1) bool array.
    state = {"step": 0, "buf": _zeros(params), "started": False}
    return _with_params(state, params, hyper)


def _velocity(grads, state, hyper, dampening):
    """SGD's momentum buffer, torch's way: (new buf, new started, moving).

    buf = clone(g) at the first step with a momentum (no dampening), then
    mu*buf + (1-dampening)*g. A step whose momentum is 0 (a cycled momentum can reach 0)
    skips the buffer in torch: it is neither read nor changed, and the step is plain g.
    moving says which runs used the buffer this step (True, False or an (R, 1) array).
    """
    mu = hyper["momentum"]
    started = state["started"]
    if isinstance(mu, np.ndarray):
        moving: Any = mu != 0
        if moving.all():
            moving = True
    else:
        moving = bool(mu != 0)  # a Python bool, also for a NumPy scalar
    if moving is True and started is True:  # the usual step, as torch writes it
        buf = mu * state["buf"]
        buf += (1.0 - dampening) * grads
        return buf, True, True
    if moving is False:
        return state["buf"], started, False
    if type(grads) is not float:
        grads = np.asarray(grads, dtype=float)
    if started is False:
        buf = grads if type(grads) is float else grads.copy()  # torch: buf = clone(g), no dampening
    else:
        buf = mu * state["buf"]
        buf += (1.0 - dampening) * grads
        if started is not True:
            buf = np.where(started, buf, grads)
    if moving is not True:
        buf = np.where(moving, buf, state["buf"])
    started = np.logical_or(started, moving)
    return buf, (True if started.all() else started), moving


def _momentum_update(grads, state, lr, hyper):
    grads = _l2(grads, state, hyper)
    buf, started, moving = _velocity(grads, state, hyper, hyper["dampening"])
    # torch: p.add_(buf, alpha=-lr), or p.add_(g, alpha=-lr) at momentum 0
    direction = (
        buf if moving is True else grads if moving is False else np.where(moving, buf, grads)
    )
    updates = direction * -lr
    new = {"step": state["step"] + 1, "buf": buf, "started": started}
    return updates, _moved(new, state, updates)


def _nesterov_update(grads, state, lr, hyper):
    grads = _l2(grads, state, hyper)
    buf, started, moving = _velocity(grads, state, hyper, 0.0)  # torch: dampening 0 with nesterov
    # torch: g = g.add(buf, alpha=momentum); p.add_(g, alpha=-lr) (plain g at momentum 0)
    look_ahead = hyper["momentum"] * buf
    look_ahead += grads
    if moving is not True:
        look_ahead = np.where(moving, look_ahead, grads)
    look_ahead *= -lr
    new = {"step": state["step"] + 1, "buf": buf, "started": started}
    return look_ahead, _moved(new, state, look_ahead)


# ----------------------------------------------------------------------- adagrad


def _adagrad_init(params: np.ndarray, hyper: Mapping[str, Any]) -> dict[str, Any]:
    total = _zeros(params, hyper["initial_accumulator_value"])
    return _with_params({"step": 0, "sum": total}, params, hyper)


def _adagrad_update(grads, state, lr, hyper):
    grads = _l2(grads, state, hyper)
    step = state["step"] + 1
    clr = lr / (1 + (step - 1) * hyper["lr_decay"])
    total = grads * grads  # torch: sum.addcmul_(g, g)
    total = state["sum"] + total
    std = _sqrt(total)
    std += hyper["eps"]
    updates = grads / std  # torch: p.addcdiv_(g, std, value=-clr)
    updates *= -clr
    return updates, _moved({"step": step, "sum": total}, state, updates)


# ----------------------------------------------------------------------- rmsprop


def _rmsprop_init(params: np.ndarray, hyper: Mapping[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {"step": 0, "square_avg": _zeros(params), "buf": _zeros(params)}
    if hyper["centered"]:
        state["grad_avg"] = _zeros(params)
    return _with_params(state, params, hyper)


def _rmsprop_update(grads, state, lr, hyper):
    grads = _l2(grads, state, hyper)
    alpha, mu = hyper["alpha"], hyper["momentum"]
    new: dict[str, Any] = {"step": state["step"] + 1}
    square_avg = alpha * state["square_avg"]
    square_avg += (1 - alpha) * (grads * grads)  # torch: v.mul_(a).addcmul_(g, g, value=1-a)
    new["square_avg"] = square_avg
    if hyper["centered"]:
        grad_avg = alpha * state["grad_avg"]
        grad_avg += (1 - alpha) * grads
        new["grad_avg"] = grad_avg
        avg = square_avg - grad_avg * grad_avg
        # v - g_avg**2 >= 0 in exact arithmetic; rounding can push it a hair below 0
        # (then torch gives NaN). Clamp, so a constant gradient does not poison the run.
        avg = _sqrt(_maximum(avg, 0.0))
    else:
        avg = _sqrt(square_avg)
    avg += hyper["eps"]
    scaled = grads / avg
    if isinstance(mu, np.ndarray) or mu > 0:
        # torch: buf.mul_(mu).addcdiv_(g, avg); p.add_(buf, alpha=-lr).  Where mu == 0 torch
        # steps by g/avg and leaves the buffer alone (a cycled momentum can reach 0 and rise).
        buf = mu * state["buf"]
        buf += scaled
        if isinstance(mu, np.ndarray) and not mu.all():
            moving = mu > 0
            updates = np.where(moving, buf, scaled) * -lr
            new["buf"] = np.where(moving, buf, state["buf"])
        else:
            new["buf"] = buf
            updates = buf * -lr
        return updates, _moved(new, state, updates)
    new["buf"] = state["buf"]
    scaled *= -lr  # torch: p.addcdiv_(g, avg, value=-lr)
    return scaled, _moved(new, state, scaled)


# -------------------------------------------------------------------------- adam


def _adam_init(params: np.ndarray, hyper: Mapping[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {"step": 0, "exp_avg": _zeros(params), "exp_avg_sq": _zeros(params)}
    if hyper["amsgrad"]:
        state["max_exp_avg_sq"] = _zeros(params)
    return _with_params(state, params, hyper)


def _adam_update(grads, state, lr, hyper):
    """Adam; its weight decay is L2 (added to the gradient)."""
    updates, new = _adam_step(_l2(grads, state, hyper), state, lr, hyper)
    return updates, _moved(new, state, updates)


def _adamw_update(grads, state, lr, hyper):
    """AdamW: θ ← θ (1 − lr·weight_decay), then the Adam step on the same gradient.

    torch: p.mul_(1 - lr * wd); p.addcdiv_(m, denom, value=-step_size). As an update:
    θ·(1 − lr·wd) + adam − θ, so params + updates is the decayed-then-stepped θ.
    """
    adam, new = _adam_step(grads, state, lr, hyper)
    if "params" not in state:
        return adam, new
    theta = state["params"]
    decayed = theta * (1 - lr * hyper["weight_decay"])
    decayed += adam
    updates = decayed - theta
    return updates, _moved(new, state, updates)


def _adam_step(grads, state, lr, hyper):
    """The Adam step itself, without weight decay, on fresh arrays (or floats): the state
    given is left as it was. The operations and their order are _adam_step_in_place's."""
    dtype = np.dtype(np.float64) if type(grads) is float else state["exp_avg"].dtype
    step, (b1, one_minus_b1, b2, one_minus_b2, bias_correction2_sqrt, step_size, eps) = _adam_factors(
        state["step"], lr, hyper, dtype
    )
    exp_avg = state["exp_avg"] * b1
    exp_avg += one_minus_b1 * grads
    exp_avg_sq = state["exp_avg_sq"] * b2
    exp_avg_sq += (grads * grads) * one_minus_b2
    new: dict[str, Any] = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    second = exp_avg_sq
    if hyper["amsgrad"]:
        second = new["max_exp_avg_sq"] = _maximum(state["max_exp_avg_sq"], exp_avg_sq)
    denom = _sqrt(second) / bias_correction2_sqrt
    denom += eps
    updates = exp_avg / denom
    updates *= -step_size
    return updates, new


def _adam_in_place(params, grads, state, lr, hyper):
    """_adam_update in place: the same operations in the same order, into the state's arrays."""
    decayed, spare, updates = _scratch(state, params, 3)
    _adam_step_in_place(_l2_into(grads, state, hyper, decayed), state, lr, hyper, spare, updates)
    _move_in_place(params, state, updates)


def _adamw_in_place(params, grads, state, lr, hyper):
    """_adamw_update in place: updates = θ (1 − lr·wd) + adam − θ, as the pure rule."""
    decayed, spare, updates = _scratch(state, params, 3)
    _adam_step_in_place(grads, state, lr, hyper, spare, updates)
    if "params" in state:
        theta = state["params"]
        shrink = _coefficient(1 - lr * hyper["weight_decay"], params.dtype)
        np.multiply(theta, shrink, out=decayed)
        decayed += updates
        np.subtract(decayed, theta, out=updates)
    _move_in_place(params, state, updates)


def _adam_factors(step, lr, hyper, dtype) -> tuple[int, tuple]:
    """The next step's count and its seven factors: beta1, 1 - beta1, beta2, 1 - beta2,
    sqrt(bias_correction2), lr / bias_correction1 and eps, each computed in float64, then put
    in the arrays' format (a per-run array and a shared float give the same numbers, so a run
    trains the same alone or among others)."""
    beta1, beta2 = hyper["betas"]
    step += 1
    bias_correction1, bias_correction2 = 1 - beta1**step, 1 - beta2**step
    float64 = dtype == np.float64  # the 2-D engine's arrays: every factor as it is
    # math.sqrt rounds as np.sqrt (IEEE), without making a NumPy scalar of a float
    root = math.sqrt if float64 and type(bias_correction2) is float else np.sqrt
    factors = (beta1, 1 - beta1, beta2, 1 - beta2, root(bias_correction2), lr / bias_correction1, hyper["eps"])
    if not float64:
        factors = tuple(_coefficient(factor, dtype) for factor in factors)
    return step, factors


def _adam_step_in_place(grads, state, lr, hyper, spare, updates):
    """The Adam step, without weight decay: the state's moments and step rewritten, the
    update written into updates (spare: a scratch array of their shape)."""
    state["step"], factors = _adam_factors(state["step"], lr, hyper, updates.dtype)
    b1, one_minus_b1, b2, one_minus_b2, bias_correction2_sqrt, step_size, eps = factors
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg *= b1
    np.multiply(one_minus_b1, grads, out=spare)
    exp_avg += spare
    exp_avg_sq *= b2
    np.multiply(grads, grads, out=spare)
    spare *= one_minus_b2
    exp_avg_sq += spare
    if hyper["amsgrad"]:
        second = np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
    else:
        second = exp_avg_sq
    # torch: denom = (sqrt(v) / sqrt(bc2)).add_(eps): eps after the bias correction
    np.sqrt(second, out=spare)
    spare /= bias_correction2_sqrt
    spare += eps
    np.divide(exp_avg, spare, out=updates)  # torch: p.addcdiv_(m, denom, value=-step_size)
    updates *= -step_size


# ---------------------------------------------------------------------- adadelta

_ADADELTA_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "rho",
        "float",
        0.9,
        low=0.0,
        high=1.0,
        help="Memory of the running averages of squared gradients and squared steps: "
        "closer to 1 remembers longer.",
    ),
    _eps_spec(1e-6),
    _L2,
)


def _adadelta_init(params: np.ndarray, hyper: Mapping[str, Any]) -> dict[str, Any]:
    state = {"step": 0, "square_avg": _zeros(params), "acc_delta": _zeros(params)}
    return _with_params(state, params, hyper)


def _adadelta_update(grads, state, lr, hyper):
    # torch: v = rho v + (1-rho) g²; delta = sqrt(u + eps) / sqrt(v + eps) g;
    # u = rho u + (1-rho) delta²; p -= lr delta
    grads = _l2(grads, state, hyper)
    rho, eps = hyper["rho"], hyper["eps"]
    square_avg = rho * state["square_avg"] + (1 - rho) * (grads * grads)
    delta = _sqrt(state["acc_delta"] + eps) / _sqrt(square_avg + eps) * grads
    acc_delta = rho * state["acc_delta"] + (1 - rho) * (delta * delta)
    updates = delta * -lr
    new = {"step": state["step"] + 1, "square_avg": square_avg, "acc_delta": acc_delta}
    return updates, _moved(new, state, updates)


# ---------------------------------------------------------------------- registry

_SGD_MOMENTUM_IN_TORCH = (("momentum", 0.0),)  # torch's SGD: no momentum unless asked

# Every optimizer, in menu order: adding one is one entry here (and its init/update).
OPTIMIZERS: dict[str, Optimizer] = {
    entry.name: entry
    for entry in (
        Optimizer(
            "sgd", "SGD (plain gradient descent)", (_L2,), _sgd_init, _sgd_update,
            torch_class="SGD", cycled_momentum="momentum", keras_name="keras.optimizers.SGD",
            update_in_place=_sgd_in_place,
        ),
        Optimizer(
            "momentum", "SGD with momentum", _MOMENTUM_SPECS, _buffer_init, _momentum_update,
            torch_class="SGD", cycled_momentum="momentum",
            keras_name="keras.optimizers.SGD(momentum=...)", torch_defaults=_SGD_MOMENTUM_IN_TORCH,
        ),
        Optimizer(
            "nesterov", "SGD with Nesterov momentum", _NESTEROV_SPECS, _buffer_init, _nesterov_update,
            torch_class="SGD", cycled_momentum="momentum",
            keras_name="keras.optimizers.SGD(nesterov=True)", torch_args=(("nesterov", True),),
            torch_defaults=_SGD_MOMENTUM_IN_TORCH,
        ),
        Optimizer(
            "adagrad", "Adagrad", _ADAGRAD_SPECS, _adagrad_init, _adagrad_update,
            torch_class="Adagrad", cycled_momentum=None, keras_name="keras.optimizers.Adagrad",
        ),
        Optimizer(
            "adadelta", "Adadelta", _ADADELTA_SPECS, _adadelta_init, _adadelta_update,
            torch_class="Adadelta", cycled_momentum=None, keras_name="keras.optimizers.Adadelta",
            keras_args=(("rho", "rho"), ("eps", "epsilon")),
        ),
        Optimizer(
            "rmsprop", "RMSprop", _RMSPROP_SPECS, _rmsprop_init, _rmsprop_update,
            torch_class="RMSprop", cycled_momentum="momentum", keras_name="keras.optimizers.RMSprop",
        ),
        Optimizer(
            "adam", "Adam", (*_ADAM_SPECS, _L2), _adam_init, _adam_update,
            torch_class="Adam", cycled_momentum="betas", keras_name="keras.optimizers.Adam",
            update_in_place=_adam_in_place,
        ),
        Optimizer(
            "adamw", "AdamW (Adam with decoupled weight decay)", (*_ADAM_SPECS, _ADAMW_DECAY),
            _adam_init, _adamw_update,
            torch_class="AdamW", cycled_momentum="betas", keras_name="keras.optimizers.AdamW",
            update_in_place=_adamw_in_place,
        ),
    )
}  # fmt: skip

# Views of the registry, by the names the dashboard imports.
OPTIMIZER_NAMES = Names(OPTIMIZERS)
OPTIMIZER_TITLES = Field(OPTIMIZERS, "title")
OPTIMIZER_PARAMS = Field(OPTIMIZERS, "params")
TORCH_CLASSES = Field(OPTIMIZERS, "torch_class")
CYCLED_MOMENTUM = Field(OPTIMIZERS, "cycled_momentum")
