"""engine.outcome: every label from a run built for it, and each rule on its own."""

from __future__ import annotations

import numpy as np
import pytest

from app.i18n import TEXT
from engine import limits
from engine.catalog import SURFACES
from engine.config import RunConfig
from engine.formula import custom_surface
from engine.outcome import (
    CONVERGED_GAP,
    OUTCOMES,
    RECENT,
    SETTLED,
    VISIBLE,
    diagnose,
    diagnose_many,
    recent_move,
    tail_iterates,
    window_scales,
)
from engine.simulate import divergence_floor, simulate
from tests import examples

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
    # The six-hump camel's centre: ∇f(0, 0) = 0 exactly and ∇²f = [[8, 1], [1, -8]], so the
    # run never moves, on a point that is not a minimum.
    "saddle": RunConfig(surface="six_hump_camel", lr=0.01, steps=100, start=(0.0, 0.0)),
}


def test_there_are_six_outcomes():
    assert OUTCOMES == ("converged", "overshooting", "diverged", "local_minimum", "slow", "saddle")
    assert set(BUILT) == set(OUTCOMES)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_each_outcome_has_its_words_in_english_and_korean(outcome):
    key = "outcome_diverged" if outcome == "diverged" else f"outcome_{outcome}"
    for lang in ("en", "ko"):
        assert TEXT[key][lang].strip() and TEXT[f"why_{outcome}"][lang].strip()
    assert TEXT["outcome_saddle"] == {"en": "stuck on a saddle point", "ko": "안장점에 멈춤"}


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
        "final_grad_norm": 3.0,
        "surface": BOWL,
        "diverged": False,
    }
    inputs.update(changes)
    return diagnose(**inputs)


def near_minimum_path(end=(0.0, 0.0), k=40):
    return np.linspace([-4.0, 3.0], end, k + 1)


def at_rest(surface, start, end, k=40, **changes):
    """judge a path from start to end on surface, with the true gradients at both ends."""
    params = np.linspace(start, end, k + 1)
    inputs = {
        "params": params,
        "loss": surface.value(params),
        "final_grad_norm": float(np.hypot(*surface.grad(params[-1]))),
        "surface": surface,
    }
    inputs.update(changes)
    return judge(**inputs)


def test_rule_defaults_to_slow():
    assert judge() == "slow"


def test_rule_diverged_comes_first():
    assert judge(diverged=True, loss=np.full(41, 1e-9), params=near_minimum_path()) == "diverged"


def test_rule_converged_needs_a_global_minimiser_and_a_settled_gradient():
    assert at_rest(BOWL, (-4.0, 3.0), (0.0, 0.0)) == "converged"
    # The old lie: a loss that fell by 99.9% is not enough while the gradient is still 3.
    assert judge(loss=np.linspace(21.5, 1e-3, 41), params=near_minimum_path()) == "slow"
    # On the bowl ∇f = (x, 3y), so at (e, 0) the gradient is e and Newton's step reaches the
    # minimum e away: settled while e is under SETTLED of both the window's RMS gradient and
    # its diagonal.
    limit = SETTLED * min(window_scales(BOWL)[2], np.hypot(10, 8))
    for factor, outcome in ((0.9, "converged"), (1.1, "slow")):
        assert at_rest(BOWL, (-4.0, 3.0), (factor * limit, 0.0)) == outcome


def test_rule_converged_is_never_far_from_the_global_minimiser():
    """Issue 12: a start far up Beale's wall ended with loss 19 and gradient 16, 3.4 from
    the minimiser, and was called converged because it had shed 99.9% of its huge start loss."""
    config = RunConfig(
        surface="beale", optimizer="nesterov", optimizer_params={"momentum": 0.26}, lr=0.00058,
        scheduler="onecycle", start=(-3.37, -4.43), steps=161,
    )  # fmt: skip
    run = simulate(config)
    assert np.hypot(*(run.params[-1] - (3.0, 0.5))) > 3
    assert run.outcome == "slow"


def test_rule_a_crawl_along_a_valley_floor_is_not_at_rest():
    """On Rosenbrock's floor y = x² the gradient (2(x − 1), 0) is small and the Hessian
    positive definite, but the floor goes on: Newton's step points 0.5 away, to (1, 1)."""
    rosenbrock = SURFACES["rosenbrock"]
    floor = (0.5, 0.25)
    assert np.hypot(*rosenbrock.grad(floor)) == pytest.approx(1.0)
    assert np.linalg.eigvalsh(rosenbrock.hessian(floor))[0] > 0
    assert at_rest(rosenbrock, (-1.5, 2.0), floor) == "slow"
    assert at_rest(rosenbrock, (-1.5, 2.0), (1.0, 1.0)) == "converged"


def test_rule_converged_reads_the_lowest_loss_of_the_tail_of_a_mini_batch_run():
    """A mini-batch run jitters at its noise floor: reaching it within the tail counts."""
    gap = 21.5 * CONVERGED_GAP
    noisy = np.linspace(21.5, 1.5 * gap, 41)
    noisy[-3] = 0.5 * gap  # within the last 4 iterates (the tail of 40 updates)
    assert judge(loss=noisy, params=near_minimum_path(), noisy=True) == "converged"
    # A full-batch run is judged by where it ended: still a gradient of 3 there.
    assert judge(loss=noisy, params=near_minimum_path()) == "slow"
    noisy[-3], noisy[-6] = 1.5 * gap, 0.5 * gap  # before the tail: does not count
    assert judge(loss=noisy, params=near_minimum_path(), noisy=True) == "slow"


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


def test_rule_local_minimum_is_a_settled_minimum_that_is_not_global():
    trap = SURFACES["trap"]
    pothole = next(m for m in trap.minima if not m.is_global).point
    assert at_rest(trap, trap.default_start, pothole) == "local_minimum"
    # A small gradient alone is not a minimum: on the bowl's slope it is slow.
    assert judge(final_grad_norm=1e-9) == "slow"


@pytest.mark.parametrize(
    "surface, point",
    [
        (SURFACES["six_hump_camel"], (0.0, 0.0)),
        (SURFACES["beale"], (0.0, 1.0)),
        (custom_surface("x^2 - y^2"), (0.0, 0.0)),
        (SURFACES["rastrigin"], (0.0, 0.0)),  # the egg crate's bottom: a minimum, not a saddle
    ],
    ids=["six_hump_camel", "beale", "x^2 - y^2", "rastrigin"],
)
def test_rule_saddle_is_at_rest_where_the_hessian_is_indefinite(surface, point):
    """∇f = 0 at each point; the Hessian's eigenvalues (by hand: camel [[8, 1], [1, -8]],
    x² − y² diag(2, -2)) have both signs, except at Rastrigin's global minimum."""
    assert np.all(surface.grad(point) == 0)
    eigenvalues = np.linalg.eigvalsh(surface.hessian(point))
    expected = "converged" if eigenvalues[0] > 0 else "saddle"
    assert expected == ("saddle" if eigenvalues[0] < 0 < eigenvalues[1] else "converged")
    run = simulate(RunConfig(surface=surface, lr=0.01, steps=50, start=point))
    assert run.outcome == expected
    # Beside the point, on the way in along the direction that curves up, it is the same.
    (x0, x1), (y0, y1) = surface.window
    upward = np.linalg.eigh(surface.hessian(point))[1][:, 1]
    near = np.array(point) + 1e-9 * np.hypot(x1 - x0, y1 - y0) * upward
    assert at_rest(surface, near + 0.1 * upward, near) == expected


@pytest.mark.parametrize(
    "text, start",
    [("x^2 - y^2", (0.5, 0.1)), ("-x^4 - y^4", (0.5, 0.1)), ("x^3 + y^3", (-0.5, -0.5))],
)
def test_a_loss_falling_without_bound_diverges(text, start):
    surface = custom_surface(text)
    run = simulate(RunConfig(surface=surface, lr=0.1, steps=400, start=start))
    assert run.outcome == "diverged"
    # Every kept iterate is above the floor; the next one is below it or not finite.
    assert np.all(run.loss >= divergence_floor(surface))
    assert len(run.params) == run.diverged_at


def test_the_divergence_floor_of_x2_minus_y2_is_a_million_window_spreads_down():
    """On [-3, 3]², x² − y² runs from -9 to 9; SGD's iterates are (1 - 2lr)^t x₀ and
    (1 + 2lr)^t y₀, so the first iterate past the floor is known in closed form."""
    surface = custom_surface("x^2 - y^2")
    floor = -9.0 - limits.DIVERGENCE_FACTOR * 18.0
    assert divergence_floor(surface) == pytest.approx(floor)
    lr, start = 0.05, np.array([0.5, 0.1])
    run = simulate(RunConfig(surface=surface, lr=lr, steps=400, start=tuple(start)))
    t = np.arange(401)
    loss = ((1 - 2 * lr) ** t * start[0]) ** 2 - ((1 + 2 * lr) ** t * start[1]) ** 2
    assert run.diverged_at == int(np.argmax(loss < floor))
    # The same run cut short, still above the floor, is still on its way down: slow.
    assert simulate(RunConfig(surface=surface, lr=lr, steps=20, start=tuple(start))).outcome == "slow"


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
    final_norm = rng.choice([1e-9, 1.0], runs)
    diverged = rng.random(runs) < 0.1
    noisy = rng.random(runs) < 0.3
    many = diagnose_many(
        final_params=paths[-1],
        recent_move=recent_move(paths),
        first_loss=loss[0],
        tail_loss=loss[-tail_iterates(k) :].min(axis=0),
        noisy=noisy,
        overshoots=flags,
        final_grad_norm=final_norm,
        surface=BOWL,
        diverged=diverged,
    )
    for r in range(runs):
        single = diagnose(
            params=paths[:, r],
            loss=loss[:, r],
            overshoots=flags[r],
            final_grad_norm=final_norm[r],
            surface=BOWL,
            diverged=bool(diverged[r]),
            noisy=bool(noisy[r]),
        )
        assert single == many[r]
    assert len(set(many)) >= 4
