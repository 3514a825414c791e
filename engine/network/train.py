"""Train small networks with the engine's optimizers and schedules: many runs at once.

`train(config)` trains one `NetworkConfig`; `train_many(configs)` trains many, advancing the
runs that share a data set, architecture, batch size, length and optimizer family together as
rows of one (R, d) parameter array, exactly as engine.simulate does for the 2-D surfaces: one
batched forward/backward pass and one optimizer call per step serve them all, whatever their
learning rates, optimizer numbers, schedules or seeds.

Each step t mirrors engine.simulate's loop:

1. the full-data loss L(θ_t) (and accuracy) is recorded; with the full batch it comes from the
   same pass as the gradient;
2. ReduceLROnPlateau, stepped once per epoch on the full-data loss at the end of the epoch,
   sets the rate (other schedules are precomputed by engine.schedules.learning_rates), and a
   CyclicLR or OneCycleLR with cycle_momentum sets the step's momentum or beta1
   (engine.steploop.cycled_momenta);
3. the gradient on the step's batch (engine.simulate.batch_orders: a fresh shuffle of the n
   examples per epoch from the run's seed, cut into consecutive batches, the last one shorter;
   ceil(n / batch) steps per epoch) goes to OPTIMIZERS[name].update, and θ_{t+1} = θ_t + update
   (through the optimizer's update_in_place when it has one: the same arithmetic, without
   fresh arrays at every step).

Divergence is contained as in engine.simulate: a run has diverged at the first iterate whose
loss is not finite or exceeds its bound, DIVERGENCE_FACTOR (engine.limits) times the larger of
its starting loss and the loss of the best constant prediction (`baseline_loss`), or whose
weights leave float32's range (they are stored as float32); its record
stops just before that iterate, ``diverged_at`` names it, and the loop ends early once every
run has diverged. Nothing non-finite reaches the results.

A step computes in float64, or in float32 if asked (`train_many`'s precision): the passes and
the parameters, and the optimizer's state when the optimizer has an in-place rule (Adam, AdamW,
SGD), so that nothing is converted step by step; the other optimizers compute in float64. The
path's weights are stored as float32 (half the memory, 7 digits), the final weights as float64
(θ_k exactly). The stored paths are read-only views into one array shared by the runs of a call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

from engine import limits
from engine.network import outcome
from engine.network.data import DATASETS, NETWORK_NORMALIZATIONS, Dataset, make_dataset
from engine.network.mlp import (
    ACTIVATIONS,
    Layout,
    Workspace,
    forward,
    init_params,
    loss_and_grad,
    mean_loss,
)
from engine.optimizers import OPTIMIZERS, resolve_optimizer
from engine.params import check_integer, check_number, hashable, read_only, refused
from engine.schedules import check_cycled_momentum, resolve_schedule
from engine.steploop import (
    batch_orders,
    cycled_momenta,
    family_hyper,
    family_key,
    plateau_of,
    rate_table,
    stepped_optimizer,
)

# How often the step loop checks whether every run has already blown up (as engine.simulate).
_DIVERGENCE_CHECK_EVERY = 32
# Number formats of a step (the module docstring says what each covers).
PRECISIONS = {"float64": np.float64, "float32": np.float32}


@dataclass(frozen=True)
class NetworkConfig:
    """One training run of a small network.

    dataset, data_seed: a data set of engine.network.data and the seed it is drawn with.
    normalization: input scaling, one of NETWORK_NORMALIZATIONS ("x100": raw inputs x100).
    hidden: widths of the hidden layers (1 to 3 layers of 1 to 16 units); activation "tanh"
    or "relu". optimizer, lr, scheduler and their params: as engine.config.RunConfig.
    batch_size: None (or n) for the full batch. steps: parameter updates.
    seed: the initial weights (nn.Linear's rule) and the mini-batch shuffles.
    """

    dataset: str = "moons"
    normalization: str = "standard"
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float = 0.01
    optimizer_params: Mapping[str, Any] = field(default_factory=dict)
    scheduler: str = "constant"
    scheduler_params: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    steps: int = 1000
    seed: int = 0
    data_seed: int = 0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.dataset not in DATASETS:
            raise refused("dataset", self.dataset, "one of " + ", ".join(DATASETS))
        if self.normalization not in NETWORK_NORMALIZATIONS:
            raise refused(
                "normalization", self.normalization, "one of " + ", ".join(NETWORK_NORMALIZATIONS)
            )
        if self.activation not in ACTIVATIONS:
            raise refused("activation", self.activation, "one of " + ", ".join(ACTIVATIONS))
        try:
            hidden = tuple(self.hidden)
        except TypeError:
            raise refused("hidden", self.hidden, "a list of layer widths") from None
        set_(self, "hidden", Layout(1, hidden).hidden)  # checks the widths
        set_(self, "lr", check_number(self.lr, "lr", limits.LR_MIN, limits.LR_MAX))
        set_(self, "steps", check_integer(self.steps, "steps", limits.STEPS_MIN, limits.STEPS_MAX))
        set_(self, "seed", check_integer(self.seed, "seed", limits.SEED_MIN, limits.SEED_MAX))
        set_(
            self,
            "data_seed",
            check_integer(self.data_seed, "data_seed", limits.SEED_MIN, limits.SEED_MAX),
        )
        set_(self, "optimizer_params", read_only(self.optimizer_params, "optimizer_params"))
        set_(self, "scheduler_params", read_only(self.scheduler_params, "scheduler_params"))
        if self.batch_size is not None:
            set_(self, "batch_size", check_integer(self.batch_size, "batch_size", 1, self.data.n))
        # Kept, as RunConfig keeps them: the step loop reads them (engine.steploop).
        schedule = resolve_schedule(self.scheduler, self.lr, self.steps, self.scheduler_params)
        check_cycled_momentum(self.scheduler, self.optimizer, schedule)
        optimizer = resolve_optimizer(self.optimizer, self.optimizer_params)
        set_(self, "resolved_optimizer_params", MappingProxyType(optimizer))
        set_(self, "resolved_scheduler_params", MappingProxyType(schedule))

    @property
    def data(self) -> Dataset:
        return make_dataset(self.dataset, self.normalization, self.data_seed)

    @property
    def layout(self) -> Layout:
        return Layout(self.data.features, self.hidden)

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None or self.batch_size >= self.data.n

    @property
    def steps_per_epoch(self) -> int:
        """Updates per pass over the data: ceil(n / batch), the last batch the shorter."""
        return 1 if self.full_batch else -(-self.data.n // self.batch_size)

    def __hash__(self) -> int:
        return hash(tuple(hashable(getattr(self, name)) for name in self.__dataclass_fields__))

    def as_dict(self) -> dict[str, Any]:
        """The config as plain JSON data, tuples as lists: NetworkConfig(**as_dict()) reads it
        back (Stores, records of runs)."""
        record: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name.endswith("_params"):
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            record[name] = value
        return record


@dataclass(frozen=True, eq=False)
class NetworkRun:
    """What one training run did, iterate by iterate (k updates; k = steps unless it diverged).

    weights (k+1, d) float32: θ_0..θ_k (or only θ_k, shape (1, d), if trained with
    keep_weights=False); final_weights (d,) float64: θ_k exactly. loss (k+1,): the full-data
    loss at each iterate; accuracy (k+1,) for classification (None for regression);
    grad_norm (k,): |∇| of the batch gradient each update used; lr (k,): its rate; epoch
    (k,). diverged_at: the first iterate past the bounds (module docstring), or None.
    """

    config: NetworkConfig
    weights: np.ndarray
    final_weights: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray | None
    grad_norm: np.ndarray
    lr: np.ndarray
    epoch: np.ndarray
    steps_per_epoch: int
    diverged_at: int | None
    outcome: str | None

    @property
    def layout(self) -> Layout:
        return self.config.layout

    @property
    def data(self) -> Dataset:
        return self.config.data

    @property
    def steps_taken(self) -> int:
        return len(self.lr)

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])


def baseline_loss(data: Dataset) -> float:
    """The loss of the best constant prediction: the entropy of the class balance
    −(p log p + (1−p) log(1−p)) for cross-entropy, ½·Var(y) for ½·MSE."""
    if data.loss == "cross_entropy":
        p = float(np.clip(np.mean(data.targets), 1e-12, 1 - 1e-12))
        return -(p * np.log(p) + (1 - p) * np.log(1 - p))
    return 0.5 * float(np.var(data.targets))


def accuracy(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Share of examples on the right side of the boundary z = 0: (..., n) -> (...)."""
    hits = (z > 0) == (y > 0.5)
    # count_nonzero is fast over a whole array, slow along an axis
    count = np.count_nonzero(hits) if hits.ndim == 1 else hits.sum(axis=-1)
    return count * (1.0 / z.shape[-1])


def train(
    config: NetworkConfig, *, keep_weights: bool = True, precision: str = "float64"
) -> NetworkRun:
    """Train one network."""
    return train_many([config], keep_weights=keep_weights, precision=precision)[0]


def train_many(
    configs: Sequence[NetworkConfig],
    *,
    keep_weights: bool = True,
    diagnose: bool = True,
    precision: str = "float64",
) -> list[NetworkRun]:
    """Train many networks; equal to `train` run by run, but advanced together.

    keep_weights=False keeps only each run's final weights (the learning-rate finder needs
    no paths). diagnose=False leaves outcome None (engine.network.outcome's reference runs).
    precision "float32" runs the step in float32 (the passes, the parameters, and the state of
    an optimizer with an in-place rule: the module docstring), more than twice as fast with
    many runs, for the explorers; losses track float64's to about 1e-3 (a test bounds the
    difference).
    """
    if precision not in PRECISIONS:
        raise refused("precision", precision, "one of " + ", ".join(PRECISIONS))
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, config in enumerate(configs):
        groups[_group_key(config)].append(index)
    results: list[NetworkRun | None] = [None] * len(configs)
    for indices in groups.values():
        runs = _train_group([configs[i] for i in indices], keep_weights, PRECISIONS[precision])
        if diagnose:
            runs = label_runs(runs)
        for index, run in zip(indices, runs, strict=True):
            results[index] = run
    return results  # type: ignore[return-value]


def _group_key(config: NetworkConfig) -> tuple:
    """Runs with equal keys share a step loop: same data, network, batches' size, length and
    optimizer family (engine.steploop.family_key)."""
    return (
        config.dataset,
        config.data_seed,
        config.normalization,
        config.hidden,
        config.activation,
        None if config.full_batch else config.batch_size,
        config.steps,
        family_key(config),
    )


def initial_weights(configs: Sequence[NetworkConfig]) -> np.ndarray:
    """θ_0 of each run (R, d): nn.Linear's initialisation from its seed."""
    layout = configs[0].layout
    by_seed = {seed: init_params(layout, seed) for seed in {c.seed for c in configs}}
    return np.stack([by_seed[c.seed] for c in configs])


def _train_group(configs: list[NetworkConfig], keep_weights: bool, compute) -> list[NetworkRun]:
    first = configs[0]
    data, layout, activation = first.data, first.layout, first.activation
    x, y, loss_name = data.inputs.astype(compute), data.targets.astype(compute), data.loss
    steps, runs, n = first.steps, len(configs), data.n
    classify = data.task == "classification"
    optimizer = OPTIMIZERS[stepped_optimizer(first)[0]]
    hyper = family_hyper(configs)
    cycled = cycled_momenta(configs, steps)
    rates = rate_table(configs, steps)
    plateau, plateau_rows = plateau_of(configs)

    if first.full_batch:
        batch, per_epoch = n, 1
    else:
        batch, per_epoch = first.batch_size, first.steps_per_epoch
        epochs = -(-steps // per_epoch)
        seeds = [c.seed for c in configs]
        if len(set(seeds)) == 1:
            orders = batch_orders(seeds[0], n, epochs)  # (epochs, n), shared by every run
        else:
            by_seed = {s: batch_orders(s, n, epochs) for s in set(seeds)}
            orders = np.stack([by_seed[s] for s in seeds], axis=1)  # (epochs, R, n)

    # θ in Layout.neuron_order, the passes' own (the optimizers are elementwise, so the order
    # is theirs to ignore); the stored weights go back to PyTorch's order
    to_torch = layout.torch_order
    theta = initial_weights(configs)[:, layout.neuron_order].astype(compute)
    weights = np.empty((steps + 1 if keep_weights else 1, runs, layout.size), dtype=np.float32)
    loss = np.empty((steps + 1, runs))
    correct = np.empty((steps + 1, runs)) if classify else None
    grad_norm = np.empty((steps, runs))
    sane = np.empty((steps + 1, runs), dtype=bool)
    if keep_weights:
        weights[0] = theta[:, to_torch]
    # An optimizer with an in-place rule keeps its state in θ's dtype; the others compute in
    # float64 (their rules mix shared floats and per-run arrays differently, and float32 would
    # make a run's numbers depend on its neighbours' settings)
    in_place = optimizer.update_in_place
    state = optimizer.init(theta if in_place is not None else theta.astype(float), hyper)
    space = Workspace()  # the passes' arrays, reused step after step
    # θ itself, updated in place, so that loss_and_grad keeps its views of it
    net = theta[0] if runs == 1 else theta  # one run: θ (d,)
    # the accuracy's count of hits as one product: the negatives + Σ [z > 0]·(+1 | −1 by class)
    sides = np.where(y > 0.5, 1.0, -1.0)
    negatives = np.count_nonzero(sides < 0)
    above = np.empty(net.shape[:-1] + (n,))
    norm_sq = np.empty(runs, dtype=compute)  # |∇|² in g's dtype: no conversion while summing
    lr_t = rates
    taken = steps
    with np.errstate(all="ignore"):  # blow-ups are found below, not reported as warnings
        start = forward(layout, activation, theta[:, to_torch], x)
        bound = limits.DIVERGENCE_FACTOR * np.maximum(
            mean_loss(start, y, loss_name), baseline_loss(data)
        )
        alive, last_sane = np.ones(runs, dtype=bool), theta.copy()  # where each record ends
        largest = np.finfo(np.float32).max  # the stored weights must stay finite too
        size = np.empty_like(theta)  # |θ|, into one array made once
        for t in range(steps):
            if per_epoch == 1:
                loss[t], g, z = loss_and_grad(
                    layout, activation, net, x, y, loss_name, space, neuron_order=True
                )
            else:
                z = forward(layout, activation, net[..., to_torch], x, space)
                loss[t] = mean_loss(z, y, loss_name)
                slot = t % per_epoch
                index = orders[t // per_epoch, ..., slot * batch : (slot + 1) * batch]
                _, g, _ = loss_and_grad(
                    layout, activation, net, x[index], y[index], loss_name, space, neuron_order=True
                )
            g = g.reshape(runs, -1)
            if classify:  # accuracy(z, y), into arrays made once
                np.greater(z, 0, out=above)
                correct[t] = (np.matmul(above, sides) + negatives) * (1.0 / n)  # whole numbers
            np.less_equal(loss[t], bound, out=sane[t])
            np.abs(theta, out=size)
            if not size.max() < largest:  # seldom (or NaN): find the rows, slower along an axis
                sane[t] &= size.max(axis=1) < largest
            alive &= sane[t]
            if alive.all():  # a plain copy costs half a masked one
                np.copyto(last_sane, theta)
            else:
                np.copyto(last_sane, theta, where=alive[:, None])
            grad_norm[t] = np.vecdot(g, g, out=norm_sq)  # |∇|², rooted after the loop
            if plateau is not None:
                if t > 0 and t % per_epoch == 0:
                    plateau.step(loss[t, plateau_rows])  # the full-data loss after each epoch
                rates[t, plateau_rows, 0] = plateau.lr
            if not isinstance(rates, float):
                lr_t = rates[t]
            step_hyper = hyper if cycled is None else cycled.hyper_at(hyper, t)
            if in_place is not None:
                in_place(theta, g, state, lr_t, step_hyper)
            else:  # a copy of g: the workspace's array is overwritten next step
                move, state = optimizer.update(g.astype(float), state, lr_t, step_hyper)
                theta += move  # in place: the passes hold views of θ
            if keep_weights:
                weights[t + 1] = theta[:, to_torch]
            if t % _DIVERGENCE_CHECK_EVERY == _DIVERGENCE_CHECK_EVERY - 1:
                if not np.any(alive):
                    taken = t + 1
                    break
        z = forward(layout, activation, theta[:, to_torch], x)
        loss[taken] = mean_loss(z, y, loss_name)
        if classify:
            correct[taken] = accuracy(z, y)
        loss, sane = loss[: taken + 1], sane[: taken + 1]
        grad_norm = np.sqrt(grad_norm[:taken], out=grad_norm[:taken])
        sane[taken] = (loss[taken] <= bound) & (np.abs(theta).max(axis=1) < largest)
        np.copyto(last_sane, theta, where=(alive & sane[taken])[:, None])
        last_sane = last_sane[:, to_torch]
        if not keep_weights:
            weights[0] = last_sane
    first_bad = np.where(sane.all(axis=0), -1, np.argmin(sane, axis=0))
    diverged = first_bad >= 0
    kept = np.where(diverged, np.maximum(first_bad - 1, 0), taken)

    rates = np.broadcast_to(rates, (taken, runs, 1)) if isinstance(rates, float) else rates
    epoch = np.arange(taken) // per_epoch
    weights.flags.writeable = False
    out = []
    for r, config in enumerate(configs):
        k = int(kept[r])
        path = weights[: k + 1, r] if keep_weights else weights[:, r]
        out.append(
            NetworkRun(
                config=config,
                weights=path,
                final_weights=last_sane[r].astype(float),
                loss=loss[: k + 1, r].copy(),
                accuracy=None if correct is None else correct[: k + 1, r].copy(),
                grad_norm=grad_norm[:k, r].copy(),
                lr=np.array(rates[:k, r, 0]),
                epoch=epoch[:k].copy(),
                steps_per_epoch=per_epoch,
                diverged_at=int(first_bad[r]) if diverged[r] else None,
                outcome=None,
            )
        )
    return out


@lru_cache(maxsize=64)
def reference_loss(dataset: str, data_seed: int, hidden: tuple[int, ...], activation: str) -> float:
    """L_ref (engine.network.outcome's docstring): the lowest loss of the reference runs, over all their steps."""
    configs = [
        NetworkConfig(
            dataset=dataset,
            data_seed=data_seed,
            normalization="standard",
            hidden=hidden,
            activation=activation,
            optimizer="adam",
            lr=outcome.REFERENCE_LR,
            steps=outcome.REFERENCE_STEPS,
            seed=seed,
        )
        for seed in outcome.REFERENCE_SEEDS
    ]
    runs = train_many(configs, keep_weights=False, diagnose=False)
    return float(min(run.loss.min() for run in runs))


def label_runs(runs: list) -> list:
    """Each NetworkRun with its outcome filled in (runs of one training group)."""
    out = []
    for run in runs:
        config = run.config
        best = reference_loss(config.dataset, config.data_seed, config.hidden, config.activation)
        label = outcome.diagnose(
            run.loss,
            best=best,
            constant=baseline_loss(run.data),
            diverged=run.diverged_at is not None,
            noisy=not config.full_batch,
        )
        out.append(replace(run, outcome=label))
    return out
