"""Runnable code for a network run: `network_torch_code` (PyTorch) and `network_keras_code`
(Keras 3) for a NetworkConfig.

The PyTorch script is the run as a student writes it: the data drawn with NumPy exactly as
engine.network.data draws it (same seed, same numbers; `network_data_code` is that block), the
same input scaling, an ``nn.Sequential`` of ``nn.Linear`` and ``nn.Tanh``/``nn.ReLU``, the loss
engine.network.mlp computes (``nn.BCEWithLogitsLoss`` on the logit, or ½·MSE for regression),
float64 throughout, and the optimizer and scheduler written as engine.code writes them for a
2-D run (only arguments that differ from PyTorch's defaults; the scheduler stepped once per
update, ReduceLROnPlateau once per epoch on the full-data loss after it). Its
``run(initial_weights=None, batch_orders=None)`` returns the full-data loss at every iterate,
as the page's loss curve shows it; by default the start is nn.Linear's own from
torch.manual_seed(seed) and the batches torch.randperm's, and a checker passes the engine's
(engine.network.init_params, engine.steploop.batch_orders): scripts/network_torch_reference.py.

The Keras script is the nearest Keras 3 version (Dense layers initialised as nn.Linear,
model.fit over whole epochs), with a comment on each difference that changes the numbers and
"# No Keras equivalent: ..." where Keras has none. It is text only: it is not run.
"""

from __future__ import annotations

from engine.code import (
    TORCH_SCHEDULERS,
    keras_optimizer,
    keras_plateau_lines,
    keras_schedule,
    literal,
    optimizer_line,
    scheduler_lines,
)
from engine.network.data import (
    CIRCLES_FACTOR,
    DATASET_TITLES,
    NOISE,
    POINTS,
    RAW_SCALE,
    SPIRAL_TURNS,
)
from engine.network.train import NetworkConfig
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULER_TITLES

# The torch module of each activation (Keras takes the name itself).
TORCH_ACTIVATIONS = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()"}
# How often (in steps) the scripts print the loss: ten lines over a run.
PRINTS_PER_RUN = 10


def architecture(config: NetworkConfig) -> str:
    """The network as the lecture writes it: "2-16-16-1 tanh"."""
    sizes = config.layout.sizes
    return "-".join(str(size) for size in sizes) + f" {config.activation}"


# --------------------------------------------------------------------------- the data


def _draw_lines(name: str) -> list[str]:
    """NumPy lines drawing the raw inputs x and the targets y, in engine.network.data's order
    of operations (its generators' formulas, with its constants written in)."""
    outer, inner = POINTS - POINTS // 2, POINTS // 2
    labels = f"y = np.repeat([0.0, 1.0], [{outer}, {inner}])  # class 0, then class 1"
    if name == "house_prices":  # engine.datafit.house_prices: fixed data, its own seed
        return [
            "rng = np.random.default_rng(7)  # the house prices' own seed: fixed data",
            "area = np.round(rng.uniform(40.0, 200.0, 100), 1)  # m²",
            "price = np.round(0.05 * area + 1.0 + rng.normal(0.0, 0.8, 100), 2)  # 100k",
            "x, y = area[:, None], price",
        ]
    noise = f"x = x + rng.normal(0.0, {literal(NOISE[name])}, x.shape)  # the noise"
    if name == "moons":
        return [
            f"t_upper, t_lower = np.linspace(0, np.pi, {outer}), np.linspace(0, np.pi, {inner})",
            "x = np.concatenate([",
            "    np.stack([np.cos(t_upper), np.sin(t_upper)], 1),  # upper arc: class 0",
            "    np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], 1),  # lower arc: class 1",
            "])",
            labels,
            noise,
        ]
    if name == "circles":
        return [
            f"t_outer = np.linspace(0, 2 * np.pi, {outer}, endpoint=False)",
            f"t_inner = np.linspace(0, 2 * np.pi, {inner}, endpoint=False)",
            "x = np.concatenate([",
            "    np.stack([np.cos(t_outer), np.sin(t_outer)], 1),  # outer ring: class 0",
            f"    {literal(CIRCLES_FACTOR)} * np.stack([np.cos(t_inner), np.sin(t_inner)], 1),  # inner ring: class 1",
            "])",
            labels,
            noise,
        ]
    if name == "xor":
        return [
            labels,
            f"first = rng.choice([-1.0, 1.0], {POINTS})  # sign of x1",
            "signs = np.stack([first, np.where(y == 1, -first, first)], 1)  # class 1: signs differ",
            f"x = signs * rng.uniform(0.0, 1.0, ({POINTS}, 2))",
            noise,
        ]
    if name == "spiral":
        return [
            "arms = []",
            f"for k, count in enumerate(({outer}, {inner})):  # arm k is class k",
            "    s = np.linspace(0.05, 1.0, count)",
            f"    angle = {literal(SPIRAL_TURNS)} * 2 * np.pi * s + k * np.pi",
            "    arms.append(np.stack([s * np.cos(angle), s * np.sin(angle)], 1))",
            "x = np.concatenate(arms)",
            labels,
            noise,
        ]
    raise ValueError(f"no code for the dataset {name!r}")


def _scaling_lines(normalization: str) -> list[str]:
    """The input scaling of engine.network.data, column by column as it computes it."""
    if normalization == "standard":
        return [
            "# standardize each input column: (x - mean) / std",
            "shift = np.array([column.mean() for column in x.T])",
            "scale = np.array([column.std() for column in x.T])",
            "x = (x - shift) / scale",
        ]
    if normalization == "minmax":
        return [
            "# min-max scale each input column to [0, 1]",
            "shift = np.array([column.min() for column in x.T])",
            "scale = np.array([column.max() - column.min() for column in x.T])",
            "x = (x - shift) / scale",
        ]
    if normalization == "x100":
        # divided by 1/100, as the dashboard computes it: x * 100 differs in the last bit
        return [f"x = x / {literal(1.0 / RAW_SCALE)}  # x100: the raw inputs times 100, unscaled on purpose"]
    return []  # "none": the raw inputs


def network_data_code(config: NetworkConfig) -> str:
    """NumPy code that leaves the network's inputs in x (n, features) and its targets in y (n,),
    the numbers engine.network.data.make_dataset gives for config (needs ``import numpy as np``)."""
    name = config.dataset
    lines = [f"# The data: {DATASET_TITLES[name]}, drawn as the dashboard draws it."]
    if name != "house_prices":
        lines.append(f"rng = np.random.default_rng({config.data_seed})")
    lines += _draw_lines(name) + _scaling_lines(config.normalization)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- PyTorch


def _model_lines(config: NetworkConfig, indent: str) -> list[str]:
    sizes = config.layout.sizes
    lines = [f"{indent}model = nn.Sequential("]
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        last = layer == len(sizes) - 2
        activation = "" if last else f" {TORCH_ACTIVATIONS[config.activation]},"
        lines.append(f"{indent}    nn.Linear({fan_in}, {fan_out}),{activation}")
    return lines + [f"{indent})"]


def _loss_lines(config: NetworkConfig) -> list[str]:
    if config.data.task == "classification":
        return [
            "# binary cross-entropy on the logit z (the sigmoid is inside the loss)",
            "loss_fn = nn.BCEWithLogitsLoss()",
        ]
    return [
        "",
        "",
        "def loss_fn(z, target):",
        '    """The lecture\'s ½·MSE: 1/(2n) sum (z - y)^2."""',
        "    return 0.5 * nn.functional.mse_loss(z, target)",
    ]


def network_torch_code(config: NetworkConfig) -> str:
    """A runnable PyTorch training script for config's run (see the module docstring)."""
    if OPTIMIZERS[config.optimizer].torch_class is None:
        raise ValueError(f"no torch code for the optimizer {config.optimizer!r}: torch.optim has no such class")
    data = config.data
    n, steps = data.n, config.steps
    per_epoch = config.steps_per_epoch
    batch = n if config.full_batch else config.batch_size
    every = max(1, steps // PRINTS_PER_RUN)
    lines = [
        f'"""Descent Lab network: {architecture(config)} on {DATASET_TITLES[config.dataset]}; '
        f"{OPTIMIZERS[config.optimizer].torch_class}, lr {config.lr:g}, {steps} steps, "
        f'{SCHEDULER_TITLES[config.scheduler]}."""',
        "",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        "torch.set_default_dtype(torch.float64)  # float64, as the dashboard computes",
        "",
        network_data_code(config).rstrip("\n"),
        "x, y = torch.tensor(x), torch.tensor(y)",
        *_loss_lines(config),
        "",
        "",
        "def full_loss(model):",
        '    """The loss on all the data, as the dashboard\'s loss curve shows it."""',
        "    with torch.no_grad():",
        "        return loss_fn(model(x).squeeze(-1), y).item()",
        "",
        "",
        "def run(initial_weights=None, batch_orders=None):",
        '    """The full-data loss at every iterate. initial_weights: one flat vector in',
        "    parameters_to_vector's order (default: nn.Linear's own start from the seed);",
        f"    batch_orders[e]: epoch e's order of the {n} points (default: torch.randperm's).",
        '    The dashboard draws both with NumPy, so its numbers differ from the defaults\'."""',
        f"    torch.manual_seed({config.seed})",
        *_model_lines(config, "    "),
        "    if initial_weights is not None:",
        "        nn.utils.vector_to_parameters(torch.as_tensor(initial_weights), model.parameters())",
        optimizer_line(config, "model.parameters()"),
        *scheduler_lines(config),
        "    losses = []",
        f"    for step in range({steps}):",
    ]
    if per_epoch == 1:
        lines += [
            "        loss = loss_fn(model(x).squeeze(-1), y)  # the full batch",
            "        losses.append(loss.item())",
        ]
    else:
        lines += [
            f"        epoch, k = divmod(step, {per_epoch})  # {per_epoch} batches per epoch, the last one shorter",
            "        if k == 0:  # a fresh shuffle every epoch",
            f"            order = torch.randperm({n}) if batch_orders is None else torch.as_tensor(batch_orders[epoch])",
            f"        chosen = order[k * {batch} : (k + 1) * {batch}]",
            "        losses.append(full_loss(model))",
            "        loss = loss_fn(model(x[chosen]).squeeze(-1), y[chosen])",
        ]
    lines += ["        optimizer.zero_grad()", "        loss.backward()", "        optimizer.step()"]
    if config.scheduler == "plateau":
        indent = "        "
        if per_epoch > 1:
            lines.append(f"        if k == {per_epoch - 1}:  # the epoch's last batch")
            indent += "    "
        lines.append(f"{indent}scheduler.step(full_loss(model))  # the full-data loss after the epoch")
    elif TORCH_SCHEDULERS[config.scheduler]:
        lines.append("        scheduler.step()")
    lines += [
        f"        if step % {every} == 0:",
        '            print(f"step {step:5d}  loss {losses[-1]:.6f}")',
        "    losses.append(full_loss(model))",
        "    return losses",
        "",
        "",
        'if __name__ == "__main__":',
        "    losses = run()",
        '    print(f"{len(losses) - 1} steps, final loss {losses[-1]:.6f}")',
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- Keras


def _keras_fit_notes(config: NetworkConfig, epochs: int, per_epoch: int) -> list[str]:
    notes = [
        "# Keras draws its own initial weights and shuffles (the dashboard draws them with NumPy),",
        "# and its history holds each epoch's mean batch loss, not the full-data loss per step.",
    ]
    if epochs * per_epoch != config.steps:
        notes.append(
            f"# model.fit trains whole epochs: {epochs} epochs of {per_epoch} steps is "
            f"{epochs * per_epoch} steps, where the dashboard stops after {config.steps}."
        )
    if config.scheduler == "plateau":
        notes.append(
            "# The callback sees the epoch's mean batch loss; PyTorch's script steps on the "
            "full-data loss after the epoch."
        )
    return notes


def network_keras_code(config: NetworkConfig) -> str:
    """The Keras 3 version of config's run, with its differences from PyTorch's noted."""
    data = config.data
    classify = data.task == "classification"
    per_epoch = config.steps_per_epoch
    batch = data.n if config.full_batch else config.batch_size
    epochs = -(-config.steps // per_epoch)
    sizes = config.layout.sizes
    schedule_lines, rate = keras_schedule(config)
    notes, optimizer = keras_optimizer(config, rate)
    lines = [
        f'"""Descent Lab network in Keras 3: {architecture(config)} on {DATASET_TITLES[config.dataset]}; '
        f"{config.optimizer}, lr {config.lr:g}, {config.steps} steps, "
        f'{SCHEDULER_TITLES[config.scheduler]}."""',
        "",
        "import keras",
        "import numpy as np",
        "",
        'keras.config.set_floatx("float64")  # float64, as the dashboard computes',
        f"keras.utils.set_random_seed({config.seed})",
        "",
        network_data_code(config).rstrip("\n"),
        "y = y[:, None]  # one target column, as the model has one output",
        "",
        "",
        "def linear(units, fan_in, activation=None):",
        '    """A Dense layer started as torch\'s nn.Linear: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""',
        "    bound = 1 / np.sqrt(fan_in)",
        "    return keras.layers.Dense(",
        "        units,",
        "        activation=activation,",
        "        kernel_initializer=keras.initializers.RandomUniform(-bound, bound),",
        "        bias_initializer=keras.initializers.RandomUniform(-bound, bound),",
        "    )",
        "",
    ]
    if not classify:
        lines += [
            "",
            "def half_mse(target, z):",
            '    """The lecture\'s ½·MSE: half of Keras\'s mean squared error."""',
            "    return 0.5 * keras.losses.mean_squared_error(target, z)",
            "",
        ]
    lines += ["", "model = keras.Sequential([", f"    keras.Input(shape=({sizes[0]},)),"]
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        last = layer == len(sizes) - 2
        activation = "" if last else f', "{config.activation}"'
        output = "the logit z" if classify else "the prediction z"
        comment = f"  # {output}: no activation" if last else ""
        lines.append(f"    linear({fan_out}, {fan_in}{activation}),{comment}")
    lines += ["])", "", *schedule_lines, *notes, optimizer]
    loss = "keras.losses.BinaryCrossentropy(from_logits=True)" if classify else "half_mse"
    callbacks = ""
    if config.scheduler == "plateau":
        lines += keras_plateau_lines(config)
        callbacks = ", callbacks=[plateau]"
    lines += [
        f"model.compile(optimizer=optimizer, loss={loss})",
        "",
        *_keras_fit_notes(config, epochs, per_epoch),
        f"history = model.fit(x, y, batch_size={batch}, epochs={epochs}, shuffle=True{callbacks}, verbose=0)",
        'print(f"{len(history.history[\'loss\'])} epochs, last epoch\'s loss {history.history[\'loss\'][-1]:.6f}")',
        "",
    ]
    return "\n".join(lines)
