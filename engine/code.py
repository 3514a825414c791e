"""Runnable code for a run: `torch_code` (PyTorch) and `keras_code` (Keras 3) for a RunConfig.

The PyTorch script reproduces the engine's run: the surface (or data) as a torch function of
the two parameters, float64 throughout, the optimizer and scheduler constructed with every
argument whose value differs from PyTorch's own default (PyTorch's defaults are left out;
required arguments are always written), and a loop that steps the scheduler where the engine
does: once per iteration, or ReduceLROnPlateau once per epoch with the full-data loss after it.
Its ``run()`` returns the trajectory, one [x, y] per iterate; ``run(batch_orders)`` takes the
data's visiting order (one permutation per epoch) instead of torch's own shuffling, which is
how scripts/torch_reference.py replays the engine's batches (engine.simulate.batch_orders).

The Keras script is the nearest Keras 3 equivalent (keras.optimizers, keras.optimizers.schedules,
keras.callbacks.ReduceLROnPlateau), with one comment line on each difference that changes the
numbers, and "# No Keras equivalent: ..." where Keras has none. It is text only: it is not run.

Length: two code generators (PyTorch and Keras) for every optimizer x scheduler and both
kinds of problem, with the notes on each numerical difference; they share the run's reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from engine import surfaces as S
from engine.catalog import surface_name
from engine.config import RunConfig
from engine.datafit import DataFit
from engine.formula import CONSTANTS, Expr, parse_formula
from engine.optimizers import CYCLED_MOMENTUM, OPTIMIZERS
from engine.registry import Field
from engine.schedules import SCHEDULER_TITLES, SCHEDULES

# The torch.optim.lr_scheduler class behind each scheduler (None: no scheduler at all).
TORCH_SCHEDULERS = Field(SCHEDULES, "torch_class")


class _KerasNames(Mapping):
    """Every optimizer's and scheduler's Keras 3 counterpart (their entries' keras_name), for
    the menus; None: there is none."""

    def __getitem__(self, name: str):
        return (OPTIMIZERS.get(name) or SCHEDULES[name]).keras_name

    def __iter__(self):
        return iter((*OPTIMIZERS, *SCHEDULES))

    def __len__(self) -> int:
        return len(OPTIMIZERS) + len(SCHEDULES)


KERAS_NAMES = _KerasNames()

_NO_KERAS = {
    "cyclic": "CyclicLR (TensorFlow Addons had tfa.optimizers.CyclicalLearningRate; Addons is "
    "no longer maintained). This script keeps the rate fixed at base_lr.",
    "onecycle": "OneCycleLR. This script keeps the rate fixed at max_lr / div_factor.",
}


def literal(value: float) -> str:
    """A float literal that reads back as exactly the same number."""
    return repr(float(value))


def keyword_args(pairs: list[tuple[str, Any]]) -> str:
    """name=value pairs as a call's keyword arguments, each value exactly."""
    return ", ".join(f"{k}={v!r}" if isinstance(v, str | bool) else f"{k}={_value(v)}" for k, v in pairs)


def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(literal(x) for x in v) + ")"
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return literal(v)


# --------------------------------------------------------------------------- the loss


def _analytic_loss(name: str) -> list[str]:
    """The body of loss_fn(params) for a built-in surface, in the engine's order of operations."""
    x_y = ["    x, y = params[0], params[1]"]
    if name == "bowl":
        a = S.BOWL_MATRIX
        return x_y + [f"    return ({literal(a[0, 0] / 2)} * x) * x + ({literal(a[1, 1] / 2)} * y) * y"]
    if name == "ravine":
        a = S.RAVINE_MATRIX
        return x_y + [
            f"    return (({literal(a[0, 0] / 2)} * x) * x + ({literal(a[0, 1])} * x) * y"
            f" + ({literal(a[1, 1] / 2)} * y) * y)"
        ]
    if name == "trap":
        lines = x_y + [f"    f = {literal(S.TRAP_BOWL)} * (x * x + y * y)"]
        for w in S.TRAP_WELLS:
            lines.append(
                f"    f = f - {literal(w.depth)} * torch.exp(((x - {literal(w.centre[0])}) ** 2"
                f" + (y - {literal(w.centre[1])}) ** 2) / {literal(-2.0 * w.width**2)})"
            )
        return lines + ["    return f"]
    if name == "rosenbrock":
        return x_y + [
            f"    return ({literal(S.ROSENBROCK_A)} - x) ** 2 + {literal(S.ROSENBROCK_B)} * (y - x * x) ** 2"
        ]
    if name == "himmelblau":
        return x_y + [
            f"    return (x * x + y - {literal(S.HIMMELBLAU_A)}) ** 2"
            f" + (x + y * y - {literal(S.HIMMELBLAU_B)}) ** 2"
        ]
    if name == "rastrigin":
        a = literal(S.RASTRIGIN_A)
        return [
            f"    return {literal(2 * S.RASTRIGIN_A)} + torch.sum(params * params"
            f" - {a} * torch.cos({literal(2 * math.pi)} * params))"
        ]
    if name == "beale":
        c1, c2, c3 = (literal(c) for c in S.BEALE_C)
        return x_y + [
            f"    return (({c1} - x + x * y) ** 2 + ({c2} - x + x * y**2) ** 2"
            f" + ({c3} - x + x * y**3) ** 2)"
        ]
    if name == "six_hump_camel":
        a, b, c, d = (literal(v) for v in (S.CAMEL_A, S.CAMEL_B, S.CAMEL_C, S.CAMEL_D))
        return x_y + [
            f"    return ({a} - {b} * x**2 + x**4 / {c}) * x**2 + x * y + {d} * (y**2 - 1.0) * y**2"
        ]
    raise ValueError(f"no torch code for the surface {name!r}")


_TORCH_FUNCTIONS = {"arctan": "torch.atan"}


def torch_expression(expr: Expr) -> str:
    """A formula's parsed tree as a torch expression in x and y (fully parenthesised)."""
    op = expr.op
    if op == "num":
        return f"math.{expr.name}" if expr.name in CONSTANTS else literal(expr.value)
    if op == "var":
        return expr.name
    args = [torch_expression(a) for a in expr.args]
    if op == "neg":
        return f"(-{args[0]})"
    symbol = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}.get(op)
    if symbol:
        return f"({args[0]} {symbol} {args[1]})"
    return f"{_TORCH_FUNCTIONS.get(op, 'torch.' + op)}({args[0]})"


# --------------------------------------------------------------------------- PyTorch


def optimizer_line(config: RunConfig, parameters: str = "[params]") -> str:
    """The script's line constructing config's torch.optim optimizer over `parameters`."""
    optimizer = OPTIMIZERS[config.optimizer]
    if optimizer.torch_class is None:
        raise ValueError(f"no torch code for the optimizer {optimizer.name!r}: torch.optim has no such class")
    hyper = config.resolved_optimizer_params
    pairs: list[tuple[str, Any]] = [("lr", config.lr)]
    for spec in optimizer.params:
        value = hyper[spec.name]
        if value != optimizer.torch_default(spec):
            pairs.append((spec.name, value))
    pairs += optimizer.torch_args
    return f"    optimizer = torch.optim.{optimizer.torch_class}({parameters}, {keyword_args(pairs)})"


def _scheduler_pairs(config: RunConfig) -> list[tuple[str, Any]]:
    name = config.scheduler
    schedule = SCHEDULES[name]
    p = config.resolved_scheduler_params
    required = schedule.torch_required
    pairs: list[tuple[str, Any]] = [(key, p[key]) for key in required]
    if schedule.torch_length:
        pairs.append((schedule.torch_length, config.steps))
    cycling = p.get("cycle_momentum", False)
    momenta = ("cycle_momentum", "base_momentum", "max_momentum")
    for spec in schedule.params:
        if spec.name in required or spec.name in momenta:
            continue
        value = p[spec.name]
        default = schedule.torch_default(spec)
        if name == "cyclic" and spec.name == "step_size_down":
            default = p["step_size_up"]  # torch: None means the same as step_size_up
        if value != default:
            pairs.append((spec.name, value))
    if "cycle_momentum" in p:
        # Written out either way: off differs from PyTorch's default, and on, the cycled
        # momenta replace the optimizer's own, so the reader sees which values it takes.
        pairs.append(("cycle_momentum", cycling))
        if cycling:
            pairs += [(key, p[key]) for key in momenta[1:]]
    return pairs


def scheduler_lines(config: RunConfig) -> list[str]:
    """The script's lines constructing config's lr_scheduler (none for a constant rate), with
    a comment when it cycles the optimizer's momentum."""
    scheduler_class = TORCH_SCHEDULERS[config.scheduler]
    if not scheduler_class:
        return []
    pairs = _scheduler_pairs(config)
    args = ", " + keyword_args(pairs) if pairs else ""
    lines = [f"    scheduler = torch.optim.lr_scheduler.{scheduler_class}(optimizer{args})"]
    if config.resolved_scheduler_params.get("cycle_momentum"):
        what = "beta1 (betas[0])" if CYCLED_MOMENTUM[config.optimizer] == "betas" else "momentum"
        lines.append(
            f"    # cycle_momentum: the scheduler sets the optimizer's {what} before every "
            "step, from max_momentum (lowest rate) to base_momentum (highest rate)"
        )
    return lines


def _data_lines(problem: DataFit, config: RunConfig) -> list[str]:
    lines = [
        f"x = torch.tensor([{', '.join(literal(v) for v in problem.x)}])",
        f"y = torch.tensor([{', '.join(literal(v) for v in problem.y)}])",
    ]
    if config.normalization == "standard":
        lines.append("x = (x - x.mean()) / x.std(correction=0)  # standardized feature")
    elif config.normalization == "minmax":
        lines.append("x = (x - x.min()) / (x.max() - x.min())  # min-max scaled feature")
    lines += [
        "",
        "",
        "def loss_fn(params, xb=x, yb=y):",
        '    """Half the mean squared error of the line w * x + b: 1/(2n) sum (w x + b - y)^2."""',
        "    w, b = params[0], params[1]",
        "    return 0.5 * ((w * xb + b - yb) ** 2).mean()",
    ]
    return lines


def torch_code(config: RunConfig, formula: str | None = None) -> str:
    """A short, runnable PyTorch script reproducing config's run (see the module docstring).

    A lecturer's own surface (a Surface named "custom") needs its formula text, which the
    Surface does not keep: pass it as formula.
    """
    problem = config.problem
    name = surface_name(config.surface)
    steps = config.steps
    start = config.resolved_start
    is_data = isinstance(problem, DataFit) or hasattr(problem, "n")
    n = problem.n if is_data else None
    batch = config.batch_size  # None: the full batch
    per_epoch = -(-n // batch) if batch else 1

    title = getattr(problem, "title", name)
    scheduler_class = TORCH_SCHEDULERS[config.scheduler]
    lines = [
        f'"""Descent Lab run: {title}; {OPTIMIZERS[config.optimizer].torch_class}, lr {config.lr:g}, '
        f'{steps} steps, {SCHEDULER_TITLES[config.scheduler]}."""',
        "",
    ]
    uses_math = False
    body: list[str]
    if is_data:
        body = _data_lines(problem, config)
    elif name == "custom":
        if formula is None:
            raise ValueError("torch_code needs the formula text of a custom surface: pass formula=")
        expression = torch_expression(parse_formula(formula))
        uses_math = "math." in expression
        body = [
            "def loss_fn(params):",
            f'    """f(x, y) = {formula.strip()}"""',
            "    x, y = params[0], params[1]",
            f"    return {expression}",
        ]
    else:
        surface = problem.surface(config.normalization)
        body = ["def loss_fn(params):", f'    """{surface.formula}"""', *_analytic_loss(name)]
    lines += (["import math", ""] if uses_math else []) + [
        "import torch",
        "",
        "torch.set_default_dtype(torch.float64)  # float64, as the dashboard computes",
        "",
    ]
    if not is_data:
        lines.append("")
    lines += body + ["", ""]

    signature = "def run(batch_orders=None):" if batch else "def run():"
    lines += [signature]
    if batch:
        lines += [
            f'    """The trajectory; batch_orders[e] is epoch e\'s order of the {n} points '
            "(default: torch's own shuffling, so the batches differ from the dashboard's, "
            'which draws them with NumPy)."""',
        ]
    else:
        lines += ['    """The trajectory: [x, y] at every iterate."""']
    lines += [
        f"    params = torch.tensor([{literal(start[0])}, {literal(start[1])}], requires_grad=True)",
        optimizer_line(config),
    ]
    lines += scheduler_lines(config)
    lines += ["    trajectory = [params.tolist()]", f"    for step in range({steps}):"]
    if batch:
        lines += [
            f"        epoch, k = divmod(step, {per_epoch})",
            "        if k == 0:",
            "            order = (",
            f"                torch.randperm({n}) if batch_orders is None "
            "else torch.as_tensor(batch_orders[epoch])",
            "            )",
            f"        chosen = order[k * {batch} : (k + 1) * {batch}]",
            "        loss = loss_fn(params, x[chosen], y[chosen])",
        ]
    else:
        lines.append("        loss = loss_fn(params)")
    lines += ["        optimizer.zero_grad()", "        loss.backward()", "        optimizer.step()"]
    if config.scheduler == "plateau":
        indent = "        "
        if batch:
            lines.append(f"        if k == {per_epoch - 1}:  # the epoch's last batch")
            indent += "    "
        lines += [
            f"{indent}with torch.no_grad():",
            f"{indent}    scheduler.step(loss_fn(params))  # the full-data loss after the epoch",
        ]
    elif scheduler_class:
        lines.append("        scheduler.step()")
    lines += [
        "        trajectory.append(params.tolist())",
        "    return trajectory",
        "",
        "",
        'if __name__ == "__main__":',
        "    path = run()",
        '    print(f"{len(path) - 1} steps, last point {path[-1]}")',
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- Keras

_KERAS_OPTIMIZER_NOTES: dict[str, list[str]] = {
    "momentum": [
        "# Keras SGD keeps the velocity in rate units (v = momentum*v - lr*g, p += v); PyTorch "
        "scales it at each step (buf = momentum*buf + g, p -= lr*buf): same while the rate is "
        "constant, different once a scheduler changes it.",
    ],
    "nesterov": [
        "# Keras Nesterov folds the rate into the velocity as well: same as PyTorch while the rate "
        "is constant, different once a scheduler changes it.",
    ],
    "adagrad": [
        "# Keras Adagrad puts epsilon inside the square root (g / sqrt(sum + eps)) and its "
        "defaults differ (initial_accumulator_value=0.1, epsilon=1e-7): both are set to PyTorch's "
        "values below, but eps placement still changes the numbers.",
    ],
    "rmsprop": [
        "# Keras RMSprop puts epsilon inside the square root (g / sqrt(v + eps)), PyTorch outside "
        "(g / (sqrt(v) + eps)); its defaults differ too (rho=0.9, epsilon=1e-7): set to PyTorch's.",
    ],
    "adam": [
        "# Keras Adam adds epsilon to sqrt(v) before the bias correction (PyTorch: after it) and "
        "defaults to epsilon=1e-7 (PyTorch 1e-8): set to PyTorch's value below.",
    ],
    "adamw": [
        "# Keras Adam(W) adds epsilon to sqrt(v) before the bias correction (PyTorch: after it); "
        "Keras AdamW defaults to weight_decay=0.004 and epsilon=1e-7 (PyTorch: 0.01 and 1e-8).",
    ],
}


def keras_optimizer(config: RunConfig, rate: str) -> tuple[list[str], str]:
    """(comment lines on its differences from PyTorch's, the line making `optimizer`) for
    config's optimizer in Keras 3 at the learning rate expression `rate`."""
    name = config.optimizer
    hyper = config.resolved_optimizer_params
    notes = list(_KERAS_OPTIMIZER_NOTES.get(name, []))
    args = [f"learning_rate={rate}"]
    decay = hyper.get("weight_decay", 0.0)
    if name in ("momentum", "nesterov"):
        args.append(f"momentum={literal(hyper['momentum'])}")
        if name == "nesterov":
            args.append("nesterov=True")
        if name == "momentum" and hyper["dampening"] != 0:
            notes.append(f"# No Keras equivalent: dampening={hyper['dampening']:g} (Keras SGD has none).")
        keras_class = "SGD"
    elif name == "sgd":
        keras_class = "SGD"
    elif name == "adagrad":
        args += [
            f"initial_accumulator_value={literal(hyper['initial_accumulator_value'])}",
            f"epsilon={literal(hyper['eps'])}",
        ]
        if hyper["lr_decay"] != 0:
            notes.append(f"# No Keras equivalent: lr_decay={hyper['lr_decay']:g} (Keras Adagrad has none).")
        keras_class = "Adagrad"
    elif name == "rmsprop":
        args += [f"rho={literal(hyper['alpha'])}", f"epsilon={literal(hyper['eps'])}"]
        if hyper["momentum"] != 0:
            args.append(f"momentum={literal(hyper['momentum'])}")
            notes.append(
                "# Keras RMSprop's momentum accumulates lr * g / sqrt(v + eps), PyTorch's "
                "g / (sqrt(v) + eps) times lr afterwards: different once the rate changes."
            )
        if hyper["centered"]:
            args.append("centered=True")
        keras_class = "RMSprop"
    elif name in ("adam", "adamw"):
        beta1, beta2 = hyper["betas"]
        args += [f"beta_1={literal(beta1)}", f"beta_2={literal(beta2)}", f"epsilon={literal(hyper['eps'])}"]
        if hyper["amsgrad"]:
            args.append("amsgrad=True")
        keras_class = "Adam" if name == "adam" else "AdamW"
    elif OPTIMIZERS[name].keras_name and OPTIMIZERS[name].keras_args:  # read from its entry
        entry = OPTIMIZERS[name]
        args += [f"{keras}={literal(hyper[torch])}" for torch, keras in entry.keras_args]
        notes.append(f"# Keras's {entry.keras_name} defaults differ from PyTorch's: set to PyTorch's values below.")
        keras_class = entry.keras_name.removeprefix("keras.optimizers.")
    else:  # an optimizer without a translation here: say so rather than guess
        notes.append(f"# No Keras equivalent: {OPTIMIZERS[name].title}. This script uses plain SGD.")
        return notes, f"optimizer = keras.optimizers.SGD({args[0]})"
    if name == "adamw":
        args.append(f"weight_decay={literal(decay)}")
    elif decay != 0:
        args.append(f"weight_decay={literal(decay)}")
        notes.append(
            "# Keras weight_decay is decoupled (p -= lr * wd * p after the step); PyTorch's "
            f"{OPTIMIZERS[name].torch_class} adds wd * p to the gradient (L2): different numbers."
        )
    return notes, f"optimizer = keras.optimizers.{keras_class}({', '.join(args)})"


def keras_schedule(config: RunConfig) -> tuple[list[str], str]:
    """(lines defining the rate, the expression passed as learning_rate)."""
    name = config.scheduler
    lr = literal(config.lr)
    p = config.resolved_scheduler_params
    schedules = "keras.optimizers.schedules"
    if name in ("constant", "plateau"):
        return [], lr
    if name == "step":
        return [
            f"schedule = {schedules}.ExponentialDecay(initial_learning_rate={lr}, "
            f"decay_steps={p['step_size']}, decay_rate={literal(p['gamma'])}, staircase=True)"
        ], "schedule"
    if name == "exponential":
        return [
            f"schedule = {schedules}.ExponentialDecay(initial_learning_rate={lr}, "
            f"decay_steps=1, decay_rate={literal(p['gamma'])})"
        ], "schedule"
    if name == "cosine":
        lines = []
        if p["T_max"] < config.steps:
            lines.append(
                "# Keras CosineDecay stays at its floor after decay_steps; PyTorch's "
                "CosineAnnealingLR climbs back up after T_max."
            )
        lines.append(
            f"schedule = {schedules}.CosineDecay(initial_learning_rate={lr}, "
            f"decay_steps={p['T_max']}, alpha={literal(p['eta_min'] / config.lr)})"
        )
        return lines, "schedule"
    if name == "cosine_restarts":
        return [
            f"schedule = {schedules}.CosineDecayRestarts(initial_learning_rate={lr}, "
            f"first_decay_steps={p['T_0']}, t_mul={literal(p['T_mult'])}, m_mul=1.0, "
            f"alpha={literal(p['eta_min'] / config.lr)})"
        ], "schedule"
    fixed = p["base_lr"] if name == "cyclic" else p["max_lr"] / p["div_factor"]
    return [f"# No Keras equivalent: {_NO_KERAS[name]}"], literal(fixed)


def keras_code(config: RunConfig, formula: str | None = None) -> str:
    """The Keras 3 (TensorFlow backend) version of config's run, with its differences noted."""
    torch_text = torch_code(config, formula)
    schedule_lines, rate = keras_schedule(config)
    notes, optimizer = keras_optimizer(config, rate)
    start = config.resolved_start
    lines = [
        f'"""Descent Lab run in Keras 3 (TensorFlow backend): {config.optimizer}, lr {config.lr:g}, '
        f'{config.steps} steps, {SCHEDULER_TITLES[config.scheduler]}."""',
        "",
        "import keras",
        "import tensorflow as tf",
        "",
        "# The loss, written with TensorFlow ops (the PyTorch version's torch.* calls as tf.math.*).",
    ]
    loss = _loss_for_tensorflow(torch_text)
    lines += loss
    lines += ["", *schedule_lines, *notes, optimizer]
    if config.scheduler == "plateau":
        lines += keras_plateau_lines(config)
        lines += [
            "plateau.set_model(type(\"Holder\", (), {\"optimizer\": optimizer})())  # a callback outside fit()",
            "plateau.on_train_begin()",
        ]
    lines += [
        "",
        f"params = keras.Variable([{literal(start[0])}, {literal(start[1])}], dtype=\"float64\")",
        "trajectory = [params.numpy().tolist()]",
        f"for step in range({config.steps}):",
    ]
    if config.batch_size is not None:
        lines.append(
            "    # Mini-batches: take them from tf.random.shuffle as the PyTorch version does "
            "with torch.randperm; here every step uses the full data."
        )
    lines += [
        "    with tf.GradientTape() as tape:",
        "        loss = loss_fn(params)",
        "    grads = tape.gradient(loss, [params])",
        "    optimizer.apply_gradients(zip(grads, [params]))",
    ]
    if config.scheduler == "plateau":
        lines.append("    plateau.on_epoch_end(step, {\"loss\": float(loss_fn(params))})")
    lines += ["    trajectory.append(params.numpy().tolist())", "print(trajectory[-1])", ""]
    return "\n".join(lines)


def keras_plateau_lines(config: RunConfig) -> list[str]:
    """The Keras script's ReduceLROnPlateau callback `plateau` for config's plateau schedule,
    after its notes on the differences from PyTorch's."""
    p = config.resolved_scheduler_params
    lines = []
    if p["threshold_mode"] == "rel":
        lines.append(
            "# Keras min_delta is absolute (loss < best - min_delta); PyTorch's default "
            f"threshold_mode='rel' asks for loss < best * (1 - {p['threshold']:g})."
        )
    return lines + [
        "# Keras cuts once `patience` epochs pass without improvement, PyTorch after more "
        f"than `patience`: patience={p['patience'] + 1} here is PyTorch's {p['patience']}.",
        f"plateau = keras.callbacks.ReduceLROnPlateau(monitor=\"loss\", factor={literal(p['factor'])}, "
        f"patience={p['patience'] + 1}, min_delta={literal(p['threshold'])}, "
        f"cooldown={p['cooldown']}, min_lr={literal(p['min_lr'])})",
    ]


def _loss_for_tensorflow(torch_text: str) -> list[str]:
    """The torch script's data and loss_fn, with torch calls as TensorFlow ones."""
    start = torch_text.index("torch.set_default_dtype")
    end = torch_text.index("def run(")
    block = torch_text[start:end].split("\n", 1)[1].strip("\n")
    lines = []
    for line in block.split("\n"):
        if line.startswith(("x = torch.tensor([", "y = torch.tensor([")):
            line = line.replace("torch.tensor([", "tf.constant([")[:-1] + ", dtype=tf.float64)"
        line = line.replace(
            "(x - x.mean()) / x.std(correction=0)", "(x - tf.reduce_mean(x)) / tf.math.reduce_std(x)"
        )
        line = line.replace(
            "(x - x.min()) / (x.max() - x.min())",
            "(x - tf.reduce_min(x)) / (tf.reduce_max(x) - tf.reduce_min(x))",
        )
        line = line.replace("((w * xb + b - yb) ** 2).mean()", "tf.reduce_mean((w * xb + b - yb) ** 2)")
        line = line.replace("torch.sum(", "tf.reduce_sum(").replace("torch.", "tf.math.")
        lines.append(line)
    return lines


# --------------------------------------------------------------------------- records


def config_record(config: RunConfig, formula: str | None = None) -> dict[str, Any]:
    """config as JSON-safe data (a custom surface as its formula text and window)."""
    record = config.as_dict()
    if record["surface"] == "custom":
        record["surface"] = {"formula": formula, "window": [list(b) for b in config.problem.window]}
    return record


def config_from_record(record: dict[str, Any]) -> tuple[RunConfig, str | None]:
    """The RunConfig (and formula text, for a custom surface) that config_record described."""
    from engine.formula import custom_surface

    fields = dict(record)
    formula = None
    if isinstance(fields["surface"], dict):
        formula = fields["surface"]["formula"]
        window = tuple(tuple(b) for b in fields["surface"]["window"])
        fields["surface"] = custom_surface(formula, window)
    fields["optimizer_params"] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in fields["optimizer_params"].items()
    }
    if fields["start"] is not None:
        fields["start"] = tuple(fields["start"])
    return RunConfig(**fields), formula
