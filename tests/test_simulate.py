"""engine.simulate against independent truth: linear algebra, hand-run references, the lessons.

Sources of truth, none of them the engine's own step loop:
  * the quadratic stability theorem: plain gradient descent on ½ pᵀAp converges iff
    lr < 2/λmax and overshoots once lr > 1/λmax (λ from np.linalg.eigvalsh of the Hessian);
  * the update rules replayed on the trajectory's own gradients and rates;
  * a scalar ReduceLROnPlateau written below from PyTorch's documented algorithm;
  * `simulate` itself, for `simulate_many` (grouping must not change a single bit).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

# Submodules, not `from engine import ...`: that also works where `engine` resolves as a
# namespace package (a stale editable install).
from engine import limits
from engine.catalog import SURFACES
from engine.config import RunConfig
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZER_PARAMS
from engine.outcome import OUTCOMES
from engine.schedules import SCHEDULER_NAMES, SCHEDULER_PARAMS
from engine.simulate import divergence_limit, simulate, simulate_many
from tests import examples

ARRAYS = ("params", "loss", "lr", "grad", "epoch")


def surface_of(config: RunConfig):
    return SURFACES[config.surface].surface(config.normalization)


def assert_same_run(a, b):
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    for name in ("outcome", "overshoots", "diverged_at", "steps_per_epoch", "param_names"):
        assert getattr(a, name) == getattr(b, name), name


def assert_finite(run):
    for name in ARRAYS:
        assert np.all(np.isfinite(getattr(run, name))), name


# ------------------------------------------------------------- quadratic stability


def lambda_max(surface_name: str) -> float:
    surface = SURFACES[surface_name]
    return float(np.max(np.linalg.eigvalsh(surface.hessian(surface.default_start))))


@pytest.mark.parametrize("surface", ["bowl", "ravine"])
@pytest.mark.parametrize("factor", [0.5, 0.9, 1.5, 1.9])
def test_sgd_converges_below_two_over_lambda_max(surface, factor):
    lam = lambda_max(surface)
    # The slowest direction contracts by (1 - lr λmin) per step: run until it has shrunk a lot.
    lam_min = float(np.min(np.linalg.eigvalsh(SURFACES[surface].hessian((0.0, 0.0)))))
    lr = factor / lam
    slowest = max(abs(1 - lr * lam_min), abs(1 - lr * lam))
    steps = math.ceil(math.log(1e-8) / math.log(slowest))
    run = simulate(RunConfig(surface=surface, lr=lr, steps=steps))
    assert run.outcome == "converged"
    assert run.diverged_at is None
    assert np.hypot(*run.params[-1]) < 1e-3
    if factor < 1:
        assert run.overshoots == 0  # lr < 1/λmax: every step lands short of the valley floor
    else:
        assert run.overshoots > 0  # 1/λmax < lr < 2/λmax: zig-zags, yet converges


@pytest.mark.parametrize("surface", ["bowl", "ravine"])
@pytest.mark.parametrize("factor", [2.1, 3.0])
def test_sgd_diverges_above_two_over_lambda_max(surface, factor):
    run = simulate(RunConfig(surface=surface, lr=factor / lambda_max(surface), steps=2000))
    assert run.outcome == "diverged"
    assert run.diverged_at is not None and run.diverged_at < 2000
    assert_finite(run)


def test_stability_edge_is_sharp_on_bowl():
    """Just inside 2/λmax the run still converges; just outside, it diverges."""
    lam = lambda_max("bowl")
    inside = simulate(RunConfig(surface="bowl", lr=1.98 / lam, steps=3000))
    outside = simulate(RunConfig(surface="bowl", lr=2.02 / lam, steps=3000))
    assert inside.outcome == "converged"
    assert outside.outcome == "diverged"


# ------------------------------------------------------------- named trap examples


@pytest.mark.parametrize("name", sorted(examples.EXPECTED_OUTCOMES))
def test_named_examples_end_as_documented(name):
    config = getattr(examples, name)
    assert isinstance(config, RunConfig)
    assert name in examples.__doc__
    assert simulate(config).outcome == examples.EXPECTED_OUTCOMES[name]


def test_trap_stuck_settles_in_the_pothole():
    trap = SURFACES["trap"]
    pothole = next(m for m in trap.minima if not m.is_global)
    run = simulate(examples.TRAP_STUCK)
    assert np.hypot(*(run.params[-1] - pothole.point)) < 1e-3
    assert run.final_loss > trap.global_minimum.value + 1.0


def test_cyclic_rate_kicks_the_run_out_of_the_pothole():
    """The lecture's claim: the rising rate throws a settled run out of a narrow well."""
    trap = SURFACES["trap"]
    pothole = np.array(next(m for m in trap.minima if not m.is_global).point)
    basin = np.array(trap.global_minimum.point)
    run = simulate(examples.TRAP_ESCAPES_CYCLIC)
    to_pothole = np.hypot(*(run.params - pothole).T)
    to_basin = np.hypot(*(run.params - basin).T)
    settled = int(np.argmax(to_pothole < 0.05))
    assert 0 < settled < 20  # first it settles in the pothole, as TRAP_STUCK does ...
    assert run.lr[settled] < 0.25  # ... while the rate is still small enough to stay ...
    left = settled + int(np.argmax(to_pothole[settled:] > 0.5))
    assert left > settled and run.lr[left - 1] > 0.25  # ... until the rising rate kicks it out
    assert to_basin[-1] < 1e-3  # and it ends at the bottom of the deep basin
    # The same start and the same base rate, held constant, stays in the pothole.
    constant = simulate(
        examples.TRAP_ESCAPES_CYCLIC.replace(scheduler="constant", scheduler_params={})
    )
    assert constant.outcome == "local_minimum"


def test_plateau_settles_where_cyclic_escapes():
    """L9: ReduceLROnPlateau is fast to settle but weak against local minima."""
    plateau = simulate(examples.TRAP_PLATEAU)
    assert len(np.unique(plateau.lr)) > 1  # it did cut the rate
    assert plateau.outcome == "local_minimum"
    assert simulate(examples.TRAP_ESCAPES_RESTARTS).final_loss < plateau.final_loss - 1.0


# ------------------------------------------------------------- simulate_many == simulate


def mixed_configs() -> list[RunConfig]:
    lin = {"surface": "linreg", "normalization": "standard"}
    return [
        RunConfig(surface="bowl", lr=0.1, steps=120),
        RunConfig(surface="bowl", lr=0.6, steps=120),
        RunConfig(surface="bowl", lr=0.7, steps=120),  # diverges
        RunConfig(surface="bowl", lr=0.7, steps=20),  # would diverge, but stops first
        RunConfig(surface="bowl", lr=0.3, steps=45, start=(2.0, -1.0)),  # shorter: same loop
        RunConfig(surface="ravine", optimizer="momentum", lr=0.02, steps=150),
        RunConfig(
            surface="ravine",
            optimizer="momentum",
            lr=0.02,
            steps=150,
            optimizer_params={"momentum": 0.5, "dampening": 0.1},
        ),
        RunConfig(surface="ravine", optimizer="nesterov", lr=0.04, steps=150),
        RunConfig(surface="rosenbrock", optimizer="adam", lr=0.05, steps=300),
        RunConfig(
            surface="rosenbrock",
            optimizer="adam",
            lr=0.02,
            steps=300,
            optimizer_params={"betas": (0.8, 0.99)},
        ),
        RunConfig(
            surface="rosenbrock",
            optimizer="adam",
            lr=0.01,
            steps=300,
            optimizer_params={"betas": (0.95, 0.9), "eps": 1e-6},
        ),
        RunConfig(
            surface="rosenbrock",
            optimizer="adam",
            lr=0.01,
            steps=300,
            optimizer_params={"amsgrad": True},
        ),
        RunConfig(surface="rosenbrock", lr=10.0, steps=300),  # diverges at once
        RunConfig(surface="beale", optimizer="rmsprop", lr=0.01, steps=200),
        RunConfig(
            surface="beale",
            optimizer="rmsprop",
            lr=0.01,
            steps=200,
            optimizer_params={"centered": True, "momentum": 0.5},
        ),
        RunConfig(surface="himmelblau", optimizer="adagrad", lr=0.5, steps=200),
        RunConfig(
            surface="himmelblau",
            optimizer="adagrad",
            lr=0.3,
            steps=200,
            optimizer_params={"lr_decay": 0.01},
        ),
        RunConfig(
            surface="trap", lr=0.3, steps=200, scheduler="plateau", scheduler_params={"patience": 3}
        ),
        RunConfig(
            surface="trap",
            lr=0.3,
            steps=200,
            scheduler="plateau",
            scheduler_params={"patience": 12, "factor": 0.5},
        ),
        RunConfig(
            surface="trap",
            lr=0.5,
            steps=200,
            scheduler="plateau",
            scheduler_params={"patience": 5, "cooldown": 3, "threshold_mode": "abs"},
        ),
        RunConfig(  # another optimizer family in the same plateau step loop
            surface="trap",
            optimizer="adam",
            lr=0.3,
            steps=130,
            scheduler="plateau",
            scheduler_params={"patience": 4, "threshold_mode": "abs"},
        ),
        RunConfig(
            surface="trap",
            lr=0.02,
            steps=200,
            scheduler="cyclic",
            scheduler_params={"max_lr": 1.0, "step_size_up": 50},
        ),
        RunConfig(surface="trap", lr=0.5, steps=200, scheduler="cosine"),
        RunConfig(surface="trap", lr=0.5, steps=200, scheduler="cosine_restarts"),
        RunConfig(surface="rastrigin", lr=0.01, steps=200, scheduler="onecycle"),
        RunConfig(surface="six_hump_camel", lr=0.05, steps=200, scheduler="step"),
        RunConfig(**lin, lr=0.1, steps=200, batch_size=8, seed=0),
        RunConfig(**lin, lr=0.3, steps=77, batch_size=8, seed=0),  # fewer epochs
        RunConfig(**lin, lr=0.1, steps=200, batch_size=8, seed=1),
        RunConfig(**lin, lr=0.1, steps=200, batch_size=30, seed=2),
        RunConfig(**lin, lr=0.1, steps=200, batch_size=1, seed=3),
        RunConfig(**lin, lr=0.1, steps=200, batch_size=100),  # full batch
        RunConfig(**lin, lr=0.1, steps=200),
        RunConfig(
            **lin,
            lr=0.5,
            steps=200,
            batch_size=8,
            seed=4,
            scheduler="plateau",
            scheduler_params={"patience": 2},
        ),
        RunConfig(
            **lin,
            lr=0.5,
            steps=200,
            batch_size=8,
            seed=5,
            scheduler="plateau",
            scheduler_params={"patience": 0, "factor": 0.3},
        ),
        RunConfig(**lin, optimizer="momentum", lr=0.05, steps=200, batch_size=16, seed=6),
        RunConfig(surface="linreg", lr=0.1, steps=200),  # raw x: diverges
        RunConfig(surface="linreg", normalization="minmax", lr=0.5, steps=200, batch_size=10),
    ]


def test_simulate_many_equals_simulate_bit_for_bit():
    configs = mixed_configs()
    together = simulate_many(configs)
    assert len(together) == len(configs)
    assert {run.outcome for run in together} >= {"converged", "diverged"}
    for config, run in zip(configs, together, strict=True):
        assert run.config is config
        assert_same_run(run, simulate(config))


def test_mini_batch_runs_of_every_size_share_a_loop_and_run_as_alone():
    """Batch sizes 1, 3, 7 and 16 (each with ReduceLROnPlateau stepped at its own epochs'
    ends) advance in one step loop: the heaviest data-fit request pays one loop, not four."""
    from engine.simulate import group_key

    lin = {"surface": "linreg", "normalization": "standard", "scheduler": "plateau", "steps": 400}
    cut_soon = {"patience": 1, "threshold": 0.1}
    configs = [
        RunConfig(**lin, lr=0.05, batch_size=1, optimizer="rmsprop", optimizer_params={"centered": True}, scheduler_params=cut_soon),
        RunConfig(**lin, lr=0.1, batch_size=3, optimizer="adam", seed=1, scheduler_params=cut_soon),
        RunConfig(**lin, lr=0.1, batch_size=7, optimizer="adagrad", scheduler_params={"patience": 2, "threshold": 0.1}),
        RunConfig(**{**lin, "scheduler": "constant"}, lr=0.01, batch_size=16, optimizer="sgd"),
    ]
    assert len({group_key(c) for c in configs}) == 1
    together = simulate_many(configs)
    for config, run in zip(configs, together, strict=True):
        assert_same_run(run, simulate(config))
    assert [run.steps_per_epoch for run in together] == [100, 34, 15, 7]
    assert together[1].epoch[33] == 0 and together[1].epoch[34] == 1
    for run in together[1:3]:  # the plateau cuts, each at the end of one of its own epochs
        first_cut = int(np.argmax(run.lr != run.lr[0]))
        assert first_cut > 0 and first_cut % run.steps_per_epoch == 0, (first_cut, run.steps_per_epoch)


def test_simulate_many_does_not_depend_on_order_or_company():
    configs = mixed_configs()
    forward = simulate_many(configs)
    backward = simulate_many(configs[::-1])[::-1]
    doubled = simulate_many(configs + configs)
    for a, b, c, d in zip(
        forward, backward, doubled[: len(configs)], doubled[len(configs) :], strict=True
    ):
        assert_same_run(a, b)
        assert_same_run(a, c)
        assert_same_run(a, d)


def test_simulate_many_of_nothing_is_empty():
    assert simulate_many([]) == []


# ------------------------------------------------------------- the trajectory


@pytest.mark.parametrize(
    "config",
    [
        RunConfig(surface="bowl", lr=0.1, steps=40),
        RunConfig(surface="linreg", normalization="standard", lr=0.1, batch_size=8, steps=40),
    ],
    ids=["full", "mini-batch"],
)
def test_trajectory_shapes(config):
    run = simulate(config)
    k = config.steps
    assert run.params.shape == (k + 1, 2)
    assert run.loss.shape == (k + 1,)
    assert run.lr.shape == (k,)
    assert run.grad.shape == (k, 2)
    assert run.epoch.shape == (k,)
    assert run.steps_taken == k
    assert run.params[0].tolist() == list(config.resolved_start)
    np.testing.assert_allclose(run.loss, surface_of(config).value(run.params), rtol=1e-15)


@pytest.mark.parametrize("surface", [s for s in SURFACES if s != "linreg"] + ["linreg"])
def test_full_batch_gradient_and_sgd_step(surface):
    config = RunConfig(surface=surface, lr=1e-3, steps=30)
    run = simulate(config)
    s = surface_of(config)
    np.testing.assert_allclose(run.grad, s.grad(run.params[:-1]), rtol=1e-14, atol=0)
    np.testing.assert_allclose(run.lr, 1e-3)
    np.testing.assert_allclose(
        np.diff(run.params, axis=0), -run.lr[:, None] * run.grad, rtol=1e-9, atol=1e-15
    )


def test_momentum_steps_replay_from_the_gradients():
    """torch.optim.SGD(momentum, dampening): buf = g on step 1, then mu*buf + (1-d)*g."""
    mu, damp = 0.8, 0.25
    config = RunConfig(
        surface="ravine",
        optimizer="momentum",
        lr=0.01,
        steps=60,
        optimizer_params={"momentum": mu, "dampening": damp},
        scheduler="cosine",
    )
    run = simulate(config)
    p = np.array(run.params[0])
    buf = None
    for t in range(run.steps_taken):
        g = run.grad[t]
        buf = g.copy() if buf is None else mu * buf + (1 - damp) * g
        p = p - run.lr[t] * buf
        np.testing.assert_allclose(p, run.params[t + 1], rtol=1e-12, atol=1e-14)


def test_adam_steps_replay_with_a_schedule():
    """The rate of update t is lr[t] (a cyclic schedule makes an off-by-one visible)."""
    b1, b2, eps = 0.9, 0.99, 1e-8
    config = RunConfig(
        surface="rosenbrock",
        optimizer="adam",
        lr=0.01,
        steps=80,
        optimizer_params={"betas": (b1, b2)},
        scheduler="cyclic",
        scheduler_params={"step_size_up": 7},
    )
    run = simulate(config)
    m = v = np.zeros(2)
    p = np.array(run.params[0])
    for t in range(run.steps_taken):
        g = run.grad[t]
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** (t + 1)), v / (1 - b2 ** (t + 1))
        p = p - run.lr[t] * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(p, run.params[t + 1], rtol=1e-10, atol=1e-13)


def test_epochs_of_mini_batches():
    config = RunConfig(surface="linreg", normalization="standard", lr=0.1, batch_size=8, steps=60)
    run = simulate(config)
    assert run.steps_per_epoch == math.ceil(100 / 8) == 13
    assert run.epoch.tolist() == [t // 13 for t in range(60)]
    full = simulate(config.replace(batch_size=None))
    assert full.steps_per_epoch == 1
    assert full.epoch.tolist() == list(range(60))


def diverging_configs() -> list[RunConfig]:
    return [
        RunConfig(surface="rosenbrock", lr=10.0, steps=200),
        RunConfig(
            surface="bowl",
            optimizer="momentum",
            lr=1.0,
            steps=300,
            optimizer_params={"momentum": 0.999},
        ),
        RunConfig(
            surface="rosenbrock",
            optimizer="momentum",
            lr=1.0,
            steps=300,
            optimizer_params={"momentum": 0.999},
        ),
        RunConfig(
            surface="rosenbrock",
            optimizer="adam",
            lr=10.0,
            steps=300,
            optimizer_params={"eps": 1e-12},
        ),
        RunConfig(surface="linreg", lr=10.0, steps=300, batch_size=1),
        RunConfig(surface="beale", optimizer="nesterov", lr=10.0, steps=300),
        RunConfig(
            surface="himmelblau",
            optimizer="rmsprop",
            lr=10.0,
            steps=300,
            optimizer_params={"centered": True, "eps": 1e-12},
        ),
    ]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("config", diverging_configs(), ids=lambda c: f"{c.surface}-{c.optimizer}")
def test_blow_ups_are_quiet_and_cut_before_the_bad_iterate(config, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = simulate(config)
        payload = json.dumps(run.to_dict(), allow_nan=False)
        frame = run.to_frame()
        frame.to_csv(tmp_path / "run.csv", index=False)
    if run.outcome == "diverged":
        assert run.diverged_at is not None
        assert len(run.params) == run.diverged_at  # the iterates before the bad one
        assert run.steps_taken == run.diverged_at - 1
        assert np.all(run.loss <= divergence_limit(surface_of(config)))
    assert_finite(run)
    text = (tmp_path / "run.csv").read_text().lower()
    assert "nan" not in text and "inf" not in text
    assert json.loads(payload)["diverged_at"] == run.diverged_at


def test_diverged_at_is_the_first_iterate_past_the_bound():
    """On the bowl, SGD's iterates are known in closed form: p_t = (1 - lr λ)^t p_0 per axis."""
    lr, steps = 0.7, 400
    run = simulate(RunConfig(surface="bowl", lr=lr, steps=steps))
    curvatures = np.diag(SURFACES["bowl"].hessian((0.0, 0.0)))
    t = np.arange(steps + 1)[:, None]
    closed_form = (1 - lr * curvatures) ** t * np.array(SURFACES["bowl"].default_start)
    loss = 0.5 * (closed_form**2 * curvatures).sum(axis=1)
    first_bad = int(np.argmax(loss > divergence_limit(SURFACES["bowl"])))
    assert run.outcome == "diverged"
    assert run.diverged_at == first_bad
    np.testing.assert_allclose(run.params, closed_form[:first_bad], rtol=1e-9)


def test_to_frame_has_one_row_per_iterate(tmp_path):
    config = RunConfig(surface="linreg", normalization="standard", lr=0.2, batch_size=30, steps=9)
    run = simulate(config)
    frame = run.to_frame()
    assert len(frame) == run.steps_taken + 1
    assert list(frame.columns) == ["step", "w", "b", "loss", "lr", "grad_w", "grad_b", "epoch"]
    np.testing.assert_array_equal(frame["loss"].to_numpy(), run.loss)
    assert frame["lr"].isna().tolist() == [False] * 9 + [True]
    assert frame["epoch"].tolist()[:9] == [0, 0, 0, 0, 1, 1, 1, 1, 2]
    frame.to_csv(tmp_path / "run.csv", index=False)
    assert "nan" not in (tmp_path / "run.csv").read_text().lower()


def test_to_dict_is_plain_json():
    config = RunConfig(
        surface="ravine",
        optimizer="adam",
        lr=np.float64(0.05),
        steps=20,
        optimizer_params={"betas": [0.9, 0.99]},
        scheduler="cosine_restarts",
        scheduler_params={"T_0": np.int64(5)},
        start=(np.float32(1.0), -1),
    )
    data = simulate(config).to_dict()
    back = json.loads(json.dumps(data, allow_nan=False))
    assert back == data
    assert back["config"]["scheduler_params"] == {"T_0": 5}
    assert back["config"]["start"] == [1.0, -1.0]
    assert len(back["params"]) == 21 and len(back["lr"]) == 20


def test_trajectory_arrays_are_read_only():
    run = simulate(RunConfig(surface="bowl", steps=5))
    for name in ARRAYS:
        with pytest.raises(ValueError):
            getattr(run, name)[0] = 0


# ------------------------------------------------------------- ReduceLROnPlateau order


class ReferencePlateau:
    """torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min'), from its documentation."""

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
    ):
        self.lr, self.factor, self.patience = lr, factor, patience
        self.threshold, self.mode, self.cooldown = threshold, threshold_mode, cooldown
        self.min_lr, self.eps = min_lr, eps
        self.best, self.bad, self.cooling = math.inf, 0, 0

    def step(self, loss: float) -> None:
        if self.mode == "rel":
            better = loss < self.best * (1 - self.threshold)
        else:
            better = loss < self.best - self.threshold
        if better:
            self.best, self.bad = loss, 0
        else:
            self.bad += 1
        if self.cooling > 0:
            self.cooling -= 1
            self.bad = 0
        if self.bad > self.patience:
            new = max(self.lr * self.factor, self.min_lr)
            if self.lr - new > self.eps:
                self.lr = new
            self.cooling, self.bad = self.cooldown, 0


PLATEAU_RUNS = [
    # surfaces whose loss and gradient come from one evaluation (Surface.value_grad_fn)
    RunConfig(surface="beale", optimizer="momentum", lr=0.002, steps=300, scheduler="plateau",
              scheduler_params={"patience": 3, "factor": 0.5}),  # fmt: skip
    RunConfig(surface="himmelblau", lr=0.02, steps=300, scheduler="plateau",
              scheduler_params={"patience": 1, "factor": 0.5, "cooldown": 2}),  # fmt: skip
    RunConfig(
        surface="trap",
        lr=0.3,
        steps=300,
        scheduler="plateau",
        scheduler_params={"patience": 4, "factor": 0.5},
    ),
    RunConfig(
        surface="rastrigin",
        lr=0.02,
        steps=300,
        scheduler="plateau",
        scheduler_params={
            "patience": 2,
            "cooldown": 3,
            "threshold": 0.01,
            "threshold_mode": "abs",
            "min_lr": 0.001,
        },
    ),
    RunConfig(
        surface="bowl",
        optimizer="momentum",
        lr=0.3,
        steps=300,
        scheduler="plateau",
        scheduler_params={"patience": 0, "factor": 0.7},
    ),
    RunConfig(
        surface="linreg",
        normalization="standard",
        lr=0.9,
        batch_size=8,
        steps=300,
        scheduler="plateau",
        scheduler_params={"patience": 1, "factor": 0.5},
    ),
]


@pytest.mark.parametrize("config", PLATEAU_RUNS, ids=lambda c: c.surface)
def test_plateau_reads_the_full_loss_after_each_epoch(config):
    run = simulate(config)
    reference = ReferencePlateau(config.lr, **config.scheduler_params)
    expected = []
    for t in range(run.steps_taken):
        expected.append(reference.lr)
        if (t + 1) % run.steps_per_epoch == 0:
            reference.step(float(run.loss[t + 1]))  # full-data loss after the epoch
    assert len(set(expected)) > 1, "pick a run whose rate gets cut"
    np.testing.assert_array_equal(run.lr, expected)


# ------------------------------------------------------------- property-based


def spec_values(spec):
    """A strategy over one ParamSpec's allowed values."""
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    low = spec.low if spec.low is not None else 0.0
    high = spec.high if spec.high is not None else 100.0
    if spec.kind == "int":
        return st.integers(int(math.ceil(low)), int(min(high, 500)))
    number = st.floats(
        low, min(high, 100.0), exclude_min=spec.low_open, exclude_max=spec.high_open or high > 100.0
    )
    if spec.kind == "pair":
        return st.tuples(number, number)
    return number


@st.composite
def run_configs(draw):
    surface = draw(st.sampled_from(list(SURFACES)))
    optimizer = draw(st.sampled_from(OPTIMIZER_NAMES))
    scheduler = draw(st.sampled_from(SCHEDULER_NAMES))
    optimizer_params = {
        spec.name: draw(spec_values(spec))
        for spec in OPTIMIZER_PARAMS[optimizer]
        if draw(st.booleans())
    }
    scheduler_params = {
        spec.name: draw(spec_values(spec))
        for spec in SCHEDULER_PARAMS[scheduler]
        if draw(st.booleans())
    }
    lr = 10 ** draw(st.floats(math.log10(limits.LR_MIN), math.log10(limits.LR_MAX)))
    fields = {}
    if surface == "linreg":
        fields["normalization"] = draw(st.sampled_from(limits.NORMALIZATIONS))
        fields["batch_size"] = draw(st.none() | st.integers(1, 100))
    window = SURFACES[surface].surface(fields.get("normalization", "none")).window
    if draw(st.booleans()):
        fields["start"] = tuple(
            draw(st.floats(lo - (hi - lo), hi + (hi - lo))) for lo, hi in window
        )
    try:
        return RunConfig(
            surface=surface,
            optimizer=optimizer,
            optimizer_params=optimizer_params,
            scheduler=scheduler,
            scheduler_params=scheduler_params,
            lr=min(lr, limits.LR_MAX),
            steps=draw(st.integers(1, 60)),
            seed=draw(st.integers(limits.SEED_MIN, limits.SEED_MAX)),
            **fields,
        )
    except ValueError:  # e.g. a cyclic max_lr below its base_lr: a rejected draw
        assume(False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=run_configs())
def test_any_valid_config_gives_a_finite_json_safe_run(config):
    run = simulate(config)  # every valid config runs, cycled momentum included
    assert run.outcome in OUTCOMES
    assert_finite(run)
    k = run.steps_taken
    assert run.params.shape == (k + 1, 2) and run.grad.shape == (k, 2)
    assert (run.diverged_at is not None) == (run.outcome == "diverged")
    if run.diverged_at is None:
        assert k == config.steps
    else:
        assert len(run.params) == run.diverged_at <= config.steps
    json.dumps(run.to_dict(), allow_nan=False)


def cycled_configs() -> list[RunConfig]:
    """Runs whose momentum (beta1) a schedule cycles, mixed with runs of the same optimizers
    that do not: each family then holds different momenta row by row, or splits (Adam)."""
    on = {"cycle_momentum": True}
    to_zero = {**on, "step_size_up": 5, "base_momentum": 0.0}
    return [
        RunConfig(optimizer="momentum", scheduler="cyclic", scheduler_params=on, steps=80),
        RunConfig(optimizer="momentum", scheduler="cyclic", scheduler_params=to_zero, steps=50),
        RunConfig(optimizer="momentum", scheduler="cyclic", steps=80),
        RunConfig(optimizer="momentum", optimizer_params={"momentum": 0.5}, steps=80),
        RunConfig(optimizer="sgd", scheduler="onecycle", scheduler_params=on, steps=80),
        RunConfig(optimizer="sgd", scheduler="onecycle", steps=80),
        RunConfig(optimizer="nesterov", scheduler="onecycle", scheduler_params={**on, "three_phase": True}),
        RunConfig(optimizer="rmsprop", lr=0.01, scheduler="cyclic", scheduler_params=to_zero, steps=60),
        RunConfig(optimizer="rmsprop", lr=0.01, optimizer_params={"momentum": 0.3}, steps=60),
        RunConfig(optimizer="adam", scheduler="cyclic", scheduler_params=on, steps=80),
        RunConfig(optimizer="adam", scheduler="onecycle", scheduler_params=on, steps=70),
        RunConfig(optimizer="adam", steps=80),
        RunConfig(optimizer="adamw", scheduler="cyclic", scheduler_params=to_zero, steps=80),
    ]


def test_cycled_momentum_runs_alike_alone_and_in_company():
    configs = cycled_configs()
    together = simulate_many(configs)
    backward = simulate_many(configs[::-1])[::-1]
    for config, run, other in zip(configs, together, backward, strict=True):
        assert_same_run(run, simulate(config))
        assert_same_run(run, other)


def test_cycled_momentum_changes_the_run_and_only_with_cycle_momentum():
    """PyTorch's CyclicLR and OneCycleLR move the momentum (beta1) against the rate: the
    path differs from the same run at the optimizer's own momentum, the rates do not."""
    for optimizer in ("sgd", "momentum", "rmsprop", "adam"):
        for scheduler in ("cyclic", "onecycle"):
            config = RunConfig(optimizer=optimizer, scheduler=scheduler, scheduler_params={"cycle_momentum": True})
            cycled, plain = simulate(config), simulate(config.replace(scheduler_params={}))
            np.testing.assert_array_equal(cycled.lr, plain.lr)
            assert cycled.params.shape == plain.params.shape
            # the first step is alike: no velocity yet (Adam: beta1 cancels in its bias correction)
            np.testing.assert_allclose(cycled.params[:2], plain.params[:2], rtol=1e-12, atol=0)
            assert np.abs(cycled.params - plain.params).max() > 1e-3, (optimizer, scheduler)


def test_plain_sgd_with_cycled_momentum_is_torchs_sgd_with_that_momentum():
    """torch's SGD has momentum 0 unless asked, and the scheduler sets it: plain sgd becomes SGD
    with momentum, no dampening (its buffer is the first gradient, then mu_t buf + g)."""
    params = {"cycle_momentum": True, "step_size_up": 4}
    config = RunConfig(surface="ravine", optimizer="sgd", lr=0.01, steps=30, scheduler="cyclic", scheduler_params=params)
    from engine.schedules import learning_rates, momentum_values

    rates = learning_rates("cyclic", 0.01, 30, params)
    momenta = momentum_values("cyclic", "sgd", 0.01, 30, params)
    surface = config.loss_surface
    p = np.array(config.resolved_start, dtype=float)
    buf = None
    path = [p]
    for t in range(30):
        g = surface.grad(p[None])[0]
        buf = g.copy() if buf is None else momenta[t] * buf + g
        p = p - rates[t] * buf
        path.append(p)
    np.testing.assert_allclose(simulate(config).params, np.array(path), rtol=1e-12, atol=0)




def _float_lane_configs():
    """Every optimizer under several schedules, full batch and mini-batch, a blow-up included."""
    from engine.optimizers import OPTIMIZERS

    lin = {"surface": "linreg", "normalization": "standard", "batch_size": 4, "seed": 3}
    configs = []
    for name, optimizer in OPTIMIZERS.items():
        decay = {} if name == "adamw" else {"weight_decay": 0.05}
        configs += [
            RunConfig(surface="trap", optimizer=name, lr=0.05, steps=150),
            RunConfig(surface="rosenbrock", optimizer=name, optimizer_params=decay, lr=0.002, steps=150),
            RunConfig(surface="himmelblau", optimizer=name, lr=0.01, steps=150, scheduler="plateau",
                      scheduler_params={"patience": 0, "factor": 0.5}),
            RunConfig(surface="bowl", optimizer=name, lr=5.0, steps=150),  # adaptive ones may not blow up
            RunConfig(**lin, optimizer=name, lr=0.05, steps=150, scheduler="plateau",
                      scheduler_params={"patience": 1}),
            RunConfig(**{**lin, "batch_size": None}, optimizer=name, lr=0.1, steps=150, scheduler="plateau",
                      scheduler_params={"patience": 0, "factor": 0.5}),
        ]  # fmt: skip
        if optimizer.cycled_momentum is not None:
            configs.append(RunConfig(surface="beale", optimizer=name, lr=0.001, steps=150, scheduler="cyclic",
                                     scheduler_params={"cycle_momentum": True, "step_size_up": 10}))  # fmt: skip
    return configs


def test_a_run_alone_steps_on_floats_as_it_does_in_a_crowd():
    """A family of one run steps on Python floats, a larger one on arrays, and a few runs of
    the data fit take their gradients and losses on floats (engine.simulate): each run is the
    same, bit for bit, alone, among other optimizers' runs (each its own family, at its own
    row), beside a second run of its family and in a crowd of ten, all on arrays."""
    from engine.simulate import _FEW_RUNS

    configs = _float_lane_configs()
    together = simulate_many(configs)
    assert {run.outcome for run in together} >= {"converged", "diverged"}
    for config, among in zip(configs, together, strict=True):
        crowd = [config] + [config.replace(lr=config.lr / k) for k in range(2, _FEW_RUNS + 3)]
        on_arrays = simulate_many(crowd)[0]
        assert_same_run(simulate(config), on_arrays)
        assert_same_run(simulate_many(crowd[:2])[0], on_arrays)
        assert_same_run(among, on_arrays)
