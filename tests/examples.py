"""Named runs that show a lesson, each asserted by tests/test_simulate.py (test data: no
production module uses them).

The local-minimum trap (lessons L7 and L9), every run plain SGD from the trap's default start
on the pothole's far wall. The pothole is narrow (curvature about 8), so steps with a rate
below about 0.25 settle in it; the deep basin is wide (curvature about 1) and holds steps up
to a rate of about 2.

TRAP_STUCK
    A small constant rate (0.05) slides into the pothole and stays there: ``local_minimum``.
TRAP_ESCAPES_CYCLIC
    A triangular CyclicLR from 0.02 up to 1.0 and back, 50 iterations each way. The run first
    settles in the pothole like TRAP_STUCK (within 5 steps); as the rate climbs past about 0.6
    the steps grow too big for the pothole's walls and throw the run out (step ~30); it lands in
    the wide basin, which holds even the peak rate, and settles there as the rate falls back:
    ``converged`` (to the global minimum).
TRAP_ESCAPES_RESTARTS
    Cosine annealing with warm restarts at a peak rate of 0.8, restarting every 100 iterations.
    Each cycle begins at its peak, so the first steps are already too big for the pothole and
    throw the run into the basin; the falling rate lets it settle there, and the later restarts
    cannot throw it out of the wide basin: ``converged``.
TRAP_PLATEAU
    ReduceLROnPlateau from a rate of 0.3 (halving after 10 iterations without improvement). The
    run falls into the pothole and bounces across its floor (a constant 0.3 would keep bouncing:
    ``overshooting``); once the loss stops improving, the cut to 0.15 calms it at the pothole's
    floor. Quick to settle, weak against a local minimum: ``local_minimum``, as the lecture says.
"""

from __future__ import annotations

from engine.config import RunConfig

TRAP_STUCK = RunConfig(surface="trap", optimizer="sgd", lr=0.05, steps=300)

TRAP_ESCAPES_CYCLIC = RunConfig(
    surface="trap",
    optimizer="sgd",
    lr=0.02,
    scheduler="cyclic",
    scheduler_params={"base_lr": 0.02, "max_lr": 1.0, "step_size_up": 50},
    steps=300,
)

TRAP_ESCAPES_RESTARTS = RunConfig(
    surface="trap",
    optimizer="sgd",
    lr=0.8,
    scheduler="cosine_restarts",
    scheduler_params={"T_0": 100},
    steps=300,
)

TRAP_PLATEAU = RunConfig(
    surface="trap",
    optimizer="sgd",
    lr=0.3,
    scheduler="plateau",
    scheduler_params={"patience": 10, "factor": 0.5},
    steps=300,
)

# What each named run must end as.
EXPECTED_OUTCOMES: dict[str, str] = {
    "TRAP_STUCK": "local_minimum",
    "TRAP_ESCAPES_CYCLIC": "converged",
    "TRAP_ESCAPES_RESTARTS": "converged",
    "TRAP_PLATEAU": "local_minimum",
}
