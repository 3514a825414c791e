"""What a run costs: examples processed and a stated model of time, for the batch-size lesson.

The model is the lecture's claim made explicit: an update costs a fixed overhead (launching the
work, reading the weights, Python) plus a small cost per example in its batch, since hardware
processes a batch's examples in parallel. So a batch of 1 is cheap per step but pays the
overhead once per example; the full batch pays it once per epoch.
"""

from __future__ import annotations

import numpy as np

STEP_OVERHEAD_US = 50.0  # fixed cost of one update, microseconds
PER_EXAMPLE_US = 0.5  # cost of one example within a batch, microseconds


def examples_seen(steps: np.ndarray, batch_size: int, examples: int, steps_per_epoch: int) -> np.ndarray:
    """Examples processed before iterate `steps` (array of iteration indices).

    An epoch visits every example once in steps_per_epoch batches of batch_size (the last
    one shorter); a function of (x, y) alone has one "example" per step.
    """
    steps = np.asarray(steps, dtype=np.int64)
    epochs, within = np.divmod(steps, max(1, steps_per_epoch))
    return epochs * examples + np.minimum(within * batch_size, examples)


def modelled_time_ms(steps: np.ndarray, batch_size: int, examples: int, steps_per_epoch: int) -> np.ndarray:
    """Time in milliseconds before iterate `steps` under the cost model above."""
    seen = examples_seen(steps, batch_size, examples, steps_per_epoch)
    return (np.asarray(steps, dtype=float) * STEP_OVERHEAD_US + seen * PER_EXAMPLE_US) / 1000.0


def step_cost_us(batch_size: int) -> float:
    """Modelled time of one update with a batch of batch_size examples, microseconds."""
    return STEP_OVERHEAD_US + PER_EXAMPLE_US * batch_size
