"""engine.outcome: every label from a run built for it, and each rule on its own."""

from __future__ import annotations

import numpy as np
import pytest

from engine import examples
from engine.catalog import SURFACES
from engine.config import RunConfig
from engine.outcome import (
    CONVERGED_GAP,
    NEAR,
    OUTCOMES,
    RECENT,
    STATIONARY,
    VISIBLE,
    diagnose,
    diagnose_many,
    recent_move,
    tail_iterates,
)
from engine.simulate import simulate

BOWL = SURFACES["bowl"]

# One run built for each outcome, with the reason it must get that label.
BUILT = {
    # lr = 0.1 < 1/λmax = 1/3: glides straight in.
    "converged": RunConfig(surface="bowl", lr=0.1, steps=200),
    # lr = 0.66 just under 2/λmax = 2/3: the steep axis shrinks by only |1 - 0.66·3| = 0.98 a
    # step, flipping sides every time.
    "overshooting": RunConfig(surface="bowl", lr=0.66, steps=100),
    # lr = 0.7 > 2/3: the steep axis grows by 1.1 a step.
    "diverged": RunConfig(surface="bowl", lr=0.7, steps=300),
    # A small constant rate from the trap's default start settles in the pothole.
    "local_minimum": examples.TRAP_STUCK,
    # lr = 1e-4: 100 steps remove about 1% of the distance.
    "slow": RunConfig(surface="bowl", lr=1e-4, steps=100),
}


def test_there_are_five_outcomes():
    assert OUTCOMES == ("converged", "overshooting", "diverged", "local_minimum", "slow")
    assert set(BUILT) == set(OUTCOMES)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_each_outcome_comes_from_a_run_built_for_it(outcome):
    run = simulate(BUILT[outcome])
    assert run.outcome == outcome
    assert (run.diverged_at is not None) == (outcome == "diverged")


@pytest.mark.parametrize(
    "config, outcome",
    [
        # A dimple of the egg crate, far from the bottom.
        (RunConfig(surface="rastrigin", lr=0.001, steps=500), "local_minimum"),
        # Six-hump camel: from its default start into a global minimum, from the far end
        # of the back into a side hump.
        (RunConfig(surface="six_hump_camel", lr=0.01, steps=1000), "converged"),
        (
            RunConfig(surface="six_hump_camel", lr=0.01, steps=1000, start=(1.9, 0.9)),
            "local_minimum",
        ),
        # Himmelblau: all four minima are global, so any of them is convergence.
        (RunConfig(surface="himmelblau", lr=0.01, steps=500), "converged"),
        (RunConfig(surface="himmelblau", lr=0.01, steps=500, start=(-1.0, -1.0)), "converged"),
        # The ravine: a rate safe for the walls crawls along the floor.
        (RunConfig(surface="ravine", lr=0.001, steps=300), "slow"),
        # Momentum rolls through it instead.
        (RunConfig(surface="ravine", optimizer="momentum", lr=0.02, steps=300), "converged"),
    ],
)
def test_more_surfaces(config, outcome):
    assert simulate(config).outcome == outcome


def independent_overshoots(run) -> int:
    """Count overshoots from the definition: ∇L(p_{t+1}) · (p_{t+1} - p_t) > 0, visibly."""
    surface = SURFACES[run.config.surface].surface(run.config.normalization)
    (x0, x1), (y0, y1) = surface.window
    moves = np.diff(run.params, axis=0)
    past = np.sum(surface.grad(run.params[1:]) * moves, axis=1) > 0
    visible = np.hypot(*moves.T) > VISIBLE * np.hypot(x1 - x0, y1 - y0)
    return int(np.count_nonzero(past & visible))


@pytest.mark.parametrize(
    "config",
    [
        RunConfig(surface="bowl", lr=0.2, steps=100),
        RunConfig(surface="bowl", lr=0.5, steps=100),
        RunConfig(surface="ravine", lr=0.045, steps=300),
        RunConfig(surface="ravine", optimizer="momentum", lr=0.01, steps=300),
        RunConfig(surface="rosenbrock", optimizer="adam", lr=0.05, steps=500),
        RunConfig(surface="linreg", normalization="standard", lr=0.3, steps=100, batch_size=4),
        RunConfig(surface="bowl", lr=0.69, steps=200),  # diverged: counts the kept updates
    ],
    ids=lambda c: f"{c.surface}-{c.optimizer}-{c.lr}",
)
def test_overshoot_count_follows_its_definition(config):
    run = simulate(config)
    assert run.overshoots == independent_overshoots(run)


def test_overshoots_need_a_rate_above_one_over_lambda():
    """SGD on ½ pᵀAp: ∇L(p_{t+1})·move ∝ Σ λ²pᵢ²(lr λ − 1), negative while lr < 1/λmax."""
    lam = 3.0  # the bowl's steep curvature
    below = simulate(RunConfig(surface="bowl", lr=0.99 / lam, steps=100))
    barely = simulate(RunConfig(surface="bowl", lr=1.05 / lam, steps=100))
    above = simulate(RunConfig(surface="bowl", lr=1.5 / lam, steps=100))
    assert below.overshoots == 0
    # Just past 1/λ the steep axis overshoots by a hair, outweighed by the shallow axis's
    # undershoot along the step: the step as a whole still lands short.
    assert barely.overshoots == 0
    assert above.overshoots > 0


# ------------------------------------------------------------- each rule on its own


def judge(**changes):
    """diagnose on the bowl with a plain default run, some inputs changed."""
    k = 40
    inputs = {
        "params": np.linspace([-4.0, 3.0], [-2.0, 1.5], k + 1),
        "loss": np.linspace(21.5, 5.0, k + 1),
        "overshoots": np.zeros(k, dtype=bool),
        "start_grad_norm": 10.0,
        "final_grad_norm": 3.0,
        "surface": BOWL,
        "diverged": False,
    }
    inputs.update(changes)
    return diagnose(**inputs)


def near_minimum_path(end=(0.0, 0.0), k=40):
    return np.linspace([-4.0, 3.0], end, k + 1)


def test_rule_defaults_to_slow():
    assert judge() == "slow"


def test_rule_diverged_comes_first():
    assert judge(diverged=True, loss=np.full(41, 1e-9), params=near_minimum_path()) == "diverged"


def test_rule_converged_needs_a_small_gap_and_a_global_minimiser_nearby():
    gap = 21.5 * CONVERGED_GAP
    loss = np.linspace(21.5, 0.9 * gap, 41)
    assert judge(loss=loss, params=near_minimum_path()) == "converged"
    assert judge(loss=np.linspace(21.5, 1.1 * gap, 41), params=near_minimum_path()) == "slow"
    diagonal = np.hypot(10, 8)
    far = near_minimum_path(end=(1.1 * NEAR * diagonal, 0.0))
    assert judge(loss=loss, params=far) == "slow"


def test_rule_converged_reads_the_lowest_loss_of_the_tail():
    """A mini-batch run jitters at its noise floor: reaching it within the tail counts."""
    gap = 21.5 * CONVERGED_GAP
    noisy = np.linspace(21.5, 1.5 * gap, 41)
    noisy[-3] = 0.5 * gap  # within the last 4 iterates (the tail of 40 updates)
    assert judge(loss=noisy, params=near_minimum_path()) == "converged"
    noisy[-3], noisy[-6] = 1.5 * gap, 0.5 * gap  # before the tail: does not count
    assert judge(loss=noisy, params=near_minimum_path()) == "slow"


def test_rule_overshooting_needs_a_quarter_of_the_tail_and_recent_visible_moves():
    flags = np.zeros(40, dtype=bool)
    flags[-4:] = [False, True, False, False]  # a quarter of the tail (max(4, 10%) updates)
    assert judge(overshoots=flags) == "overshooting"
    flags[:] = True
    flags[-4:] = False  # zig-zagged earlier, but not in the tail
    assert judge(overshoots=flags) == "slow"
    # A rate that has come down until the run rests: its last RECENT moves are too small to see.
    step = 0.5 * VISIBLE * np.hypot(10, 8)
    params = near_minimum_path(end=(-2.0, 1.5))
    params[-RECENT:] = params[-RECENT - 1] + step * np.arange(1, RECENT + 1)[:, None] * [1, 0]
    assert judge(overshoots=np.ones(40, dtype=bool), params=params) == "slow"
    # One visible move among them (momentum or Adam slowing at a turn) is still moving.
    params[-1] = params[-2] + [3 * step, 0]
    assert judge(overshoots=np.ones(40, dtype=bool), params=params) == "overshooting"


def test_rule_local_minimum_at_rest_or_beside_a_local_minimiser():
    assert judge(final_grad_norm=0.5 * STATIONARY * 10.0) == "local_minimum"
    trap = SURFACES["trap"]
    pothole = next(m for m in trap.minima if not m.is_global).point
    start = trap.default_start
    params = np.linspace(start, pothole, 41)
    loss = trap.value(params)
    assert judge(surface=trap, params=params, loss=loss) == "local_minimum"


def test_diagnose_many_is_diagnose_row_by_row():
    rng = np.random.default_rng(5)
    runs, k = 64, 30
    # Random walks toward or past the bowl's minimum, some shrinking to a stop.
    ends = rng.uniform(-1, 1, (runs, 2)) * rng.choice([0.01, 1, 4], (runs, 1))
    fade = np.linspace(1, 0, k + 1)[:, None, None] ** rng.choice([0, 3], (runs, 1))
    noise = rng.normal(0, 0.05, (k + 1, runs, 2)) * fade
    paths = np.linspace([-4.0, 3.0], ends, k + 1) + noise  # (k+1, runs, 2)
    loss = BOWL.value(paths)
    flags = rng.random((runs, k)) < rng.uniform(0, 0.6, (runs, 1))
    start_norm = np.full(runs, 10.0)
    final_norm = rng.choice([1e-9, 1.0], runs)
    diverged = rng.random(runs) < 0.1
    many = diagnose_many(
        final_params=paths[-1],
        recent_move=recent_move(paths),
        first_loss=loss[0],
        tail_loss=loss[-tail_iterates(k) :].min(axis=0),
        overshoots=flags,
        start_grad_norm=start_norm,
        final_grad_norm=final_norm,
        surface=BOWL,
        diverged=diverged,
    )
    for r in range(runs):
        single = diagnose(
            params=paths[:, r],
            loss=loss[:, r],
            overshoots=flags[r],
            start_grad_norm=start_norm[r],
            final_grad_norm=final_norm[r],
            surface=BOWL,
            diverged=bool(diverged[r]),
        )
        assert single == many[r]
    assert len(set(many)) >= 4
