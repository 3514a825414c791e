"""Outcome labels for a network run, in the lecture's words (the labels of engine.outcome).

A network's loss has no known minimum, so the yardstick is the *reference loss* L_ref: the
lowest full-data loss that REFERENCE_SEEDS seeds of Adam at REFERENCE_LR, full batch,
REFERENCE_STEPS steps on standardized inputs reach with the same architecture on the same
data (engine.network.train.reference_loss, cached). Input scaling does not change what a network can fit (an
affine rescaling of the inputs is absorbed by the first layer), so one reference serves every
normalization.

Notation: a run of k updates with full-data losses L_0..L_k; L_const, the loss of the best
constant prediction (engine.network.train.baseline_loss: log 2 for balanced classes, ½·Var(y)
for regression); the scale S = max(L_const − L_ref, tiny), the way from knowing only the
average to the best fit; the tail, the run's last max(4, ⌈TAIL·k⌉) updates, from L_s to L_end,
where L_end is L_k, or for a mini-batch run (whose full-data loss jitters) the tail's lowest
loss; its gap L_end − L_ref.

The rules, in this order:

1. ``diverged``: the loss at some iterate stopped being finite or passed the run's bound
   (engine.network.train: DIVERGENCE_FACTOR times the larger of L_0 and L_const);
   ``diverged_at`` names that iterate.
2. ``converged``: gap <= CONVERGED_GAP · S: within 5 % of the way from the average's loss to
   the best this network reaches on this data.
3. *at a standstill*: at the tail's pace, L_s − L_end per tail, closing the gap would take more
   than STANDSTILL whole runs of this length (STANDSTILL/TAIL tails):
   L_s − L_end < gap · TAIL / STANDSTILL.
   - ``overshooting``: at a standstill, yet the loss rose at at least RISES (a quarter) of the
     tail's updates: it bounces about above the floor (a rate too large, or mini-batch noise
     at a floor well above the best).
   - ``local_minimum`` (stuck): at a standstill on a plateau well above the best (a poor
     minimum, a flat region, dead ReLU units).
4. ``slow``: none of these: still falling when the steps ran out (too slow), at a pace that
   would close the gap within STANDSTILL more runs.

A network's path never "settles" the way a 2-D descent does (the cross-entropy on separable
data keeps falling as the weights grow), so these rules read the loss curve, not the gradient.
"""

from __future__ import annotations

import math

import numpy as np

CONVERGED_GAP = 0.05
STANDSTILL = 10
TAIL = 0.1
RISES = 0.25
REFERENCE_SEEDS = (0, 1, 2)
REFERENCE_LR = 0.01
REFERENCE_STEPS = 2000
# A rise in the loss smaller than this share of S is rounding, not a rise.
ROUNDING = 1e-12


def tail_updates(steps: int) -> int:
    """How many of a run's last updates make up its tail: TAIL of them, at least 4."""
    return max(4, math.ceil(TAIL * steps))


def diagnose(loss: np.ndarray, *, best: float, constant: float, diverged: bool, noisy: bool) -> str:
    """The label of one run with full-data losses L_0..L_k (module docstring); best is L_ref,
    constant L_const."""
    if diverged:
        return "diverged"
    loss = np.asarray(loss, dtype=float)
    k = len(loss) - 1
    scale = max(constant - best, 1e-12 * max(abs(best), 1.0))
    tail = loss[-min(tail_updates(k), k) - 1 :]
    end = float(tail.min()) if noisy else float(loss[-1])
    gap = end - best
    if gap <= CONVERGED_GAP * scale:
        return "converged"
    if k == 0 or float(tail[0]) - end >= gap * TAIL / STANDSTILL:
        return "slow"
    rises = np.count_nonzero(np.diff(tail) > ROUNDING * scale)
    return "overshooting" if rises >= RISES * (len(tail) - 1) else "local_minimum"
