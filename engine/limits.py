"""Every limit on a run, defined once: the engine's checks and the dashboard's controls read these."""

LR_MIN = 1e-5
LR_MAX = 10.0
STEPS_MIN = 1
STEPS_MAX = 10_000
SEED_MIN = 0
SEED_MAX = 2**32 - 1
# A start point may lie anywhere in the surface's window widened by this many window sizes on
# each side: far enough to click around the map, near enough that the picture stays readable.
START_MARGIN = 1.0
NORMALIZATIONS = ("none", "standard", "minmax")
# A run has diverged once its loss exceeds the highest loss in the window by this factor, or
# falls below the window's lowest loss by this many window ranges (a formula unbounded below),
# or stops being finite: far past any picture, long before float overflow.
DIVERGENCE_FACTOR = 1e6
# The most work one request may ask for, in engine.budget's units (about a microsecond of CPU
# each): room for 4 runs x STEPS_MAX steps on any built-in surface or a short formula; a
# costly formula gets fewer steps. engine.budget says how a request is counted.
REQUEST_BUDGET = 1_500_000
# The learning-rate ladder (lesson L8) fills in the x3 rungs between the runs on screen, up to
# the first that diverges: at most this many rungs, and this many steps in all.
LADDER_RUNGS = 12
LADDER_STEPS = 20_000
