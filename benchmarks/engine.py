"""Engine speed: the issue's targets, timed on this machine.

- `simulate`, one run of 1,000 steps: under 15 ms.
- `simulate_many`, 1,000 Adam runs on Rosenbrock at 1,000 learning rates log-spaced from 1e-4
  to 1, 1,000 steps each: under 0.1 s, and at least 30x faster than calling `simulate` for
  each run.
- `simulate_many`, SGD on the standardized data fit with batch 8, 1,000 runs of 1,000 steps:
  under 0.1 s (a learning-rate sweep sharing one seed; 1,000 different seeds is shown too).

Each figure is the median of several timed calls after a warm-up. The loop-of-`simulate`
baseline is timed in the same process, on an evenly spaced sample of the runs (scaled up to
all of them) unless --full-baseline is given: the full loop takes tens of seconds.
"""

from __future__ import annotations

import numpy as np

from benchmarks.report import Row, median_time, seconds_text
from engine.config import RunConfig
from engine.simulate import simulate, simulate_many

RUNS = 1_000
STEPS = 1_000
SINGLE_TARGET = 0.015
MANY_TARGET = 0.1
MIN_SPEEDUP = 30
BASELINE_SAMPLE = 50  # runs timed for the loop-of-simulate baseline


def adam_sweep() -> list[RunConfig]:
    return [
        RunConfig(surface="rosenbrock", optimizer="adam", lr=float(lr), steps=STEPS)
        for lr in np.logspace(-4, 0, RUNS)
    ]


def batch_sweep(*, seeds: bool) -> list[RunConfig]:
    return [
        RunConfig(
            surface="linreg",
            normalization="standard",
            optimizer="sgd",
            lr=float(lr),
            batch_size=8,
            steps=STEPS,
            seed=run if seeds else 0,
        )
        for run, lr in enumerate(np.logspace(-3, 0, RUNS))
    ]


def loop_time(configs: list[RunConfig], repeats: int, full: bool) -> float:
    """Seconds to run every config with its own `simulate` call (sampled and scaled)."""
    sample = configs if full else configs[:: max(1, len(configs) // BASELINE_SAMPLE)]

    def loop() -> None:
        for config in sample:
            simulate(config)

    return median_time(loop, repeats=max(1, repeats // 2)) * len(configs) / len(sample)


def run(args) -> list[Row]:
    repeats, full = args.repeats, args.full_baseline
    singles = (
        ("simulate: SGD on bowl, 1,000 steps", RunConfig(surface="bowl", lr=0.1, steps=STEPS)),
        (
            "simulate: Adam on rosenbrock, 1,000 steps",
            RunConfig(surface="rosenbrock", optimizer="adam", lr=0.01, steps=STEPS),
        ),
        (
            "simulate: SGD on linreg, batch 8, 1,000 steps",
            RunConfig(
                surface="linreg", normalization="standard", lr=0.1, batch_size=8, steps=STEPS
            ),
        ),
    )
    rows = [
        Row(label, median_time(lambda c=config: simulate(c), repeats), SINGLE_TARGET)
        for label, config in singles
    ]
    # (label, configs, target seconds, least speed-up over the loop of simulate)
    sweeps = (
        (
            "simulate_many: 1,000 Adam runs on rosenbrock, lr 1e-4..1",
            adam_sweep(),
            MANY_TARGET,
            MIN_SPEEDUP,
        ),
        (
            "simulate_many: 1,000 SGD runs on linreg, batch 8, lr sweep",
            batch_sweep(seeds=False),
            MANY_TARGET,
            None,
        ),
        (
            "simulate_many: 1,000 SGD runs on linreg, batch 8, 1,000 seeds",
            batch_sweep(seeds=True),
            None,
            None,
        ),
    )
    sampled = "every run" if full else f"{BASELINE_SAMPLE} evenly spaced runs, scaled to {RUNS}"
    for label, configs, target, min_ratio in sweeps:
        seconds = median_time(lambda c=configs: simulate_many(c), repeats)
        baseline = loop_time(configs, repeats, full)
        note = f"loop of simulate: {seconds_text(baseline)} (timed on {sampled})"
        rows.append(Row(label, seconds, target, baseline / seconds, min_ratio, note))
    return rows
