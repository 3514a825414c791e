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
# A run has diverged once its loss exceeds the highest loss in the window by this factor (or
# stops being finite): far past any picture, long before float overflow.
DIVERGENCE_FACTOR = 1e6
