"""Network speed: issue 15's engine targets, timed on this machine.

- training a 2-16-16-1 tanh network (Adam, two moons, 200 points) for 1,000 full-batch steps,
  recording every step's weights: under 150 ms;
- a 41 x 41 slice of its loss through the final weights along the path's PCA directions,
  float32, every grid point through the network at once: under 100 ms;
- 60 such networks at once (the learning-rate finder's rates, 1e-4 to 1), 1,000 steps:
  under 1 s.

Training is shown with float64 passes (the default) and float32 passes (train_many's
precision="float32", offered for the explorers). Each figure is the best wall time of
--repeats calls after a warm-up; the machine is shared, so each note adds the best CPU time
of this process over the same calls, what the wall time would be on an idle machine for this
single-threaded work. Linear algebra on small matrices is slowest when OpenBLAS starts
threads on a busy machine: run with OPENBLAS_NUM_THREADS=1 (the first note says whether it
is set). The reference runs behind the outcome labels are cached and warmed up first; their
one-off cost is shown without a target.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from benchmarks.report import Row, seconds_text
from engine.explore import LR_FINDER_RATES
from engine.network.landscape import (
    loss_slice,
    output_frames,
    path_window,
    pca_directions,
    project,
)
from engine.network.outcome import reference_loss
from engine.network.train import NetworkConfig, train, train_many

TRAIN_TARGET = 0.150
SLICE_TARGET = 0.100
FINDER_TARGET = 1.0
STEPS = 1_000
# A shorter finder, as the stability map caps its runs (engine.explore.MAP_STEPS).
SHORT_STEPS = 200
# Playback frames of the decision boundary timed (one every 20 steps of a 1,000-step run).
FRAMES = 51


def best_time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The fastest wall time and the fastest CPU time of fn over repeats calls, after one
    untimed call."""
    fn()
    walls, cpus = [], []
    for _ in range(max(1, repeats)):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus)


def timed_row(
    figure: str,
    fn: Callable[[], object],
    repeats: int,
    target: float | None = None,
    note: str = "",
) -> Row:
    wall, cpu = best_time(fn, repeats)
    cpu_note = f"CPU time {seconds_text(cpu)}"
    return Row(figure, wall, target, note=f"{note}; {cpu_note}" if note else cpu_note)


def finder_configs(steps: int = STEPS) -> list[NetworkConfig]:
    rates = np.geomspace(1e-4, 1.0, LR_FINDER_RATES)
    return [NetworkConfig(lr=float(lr), steps=steps) for lr in rates]


def run(args) -> list[Row]:
    repeats = args.repeats
    config = NetworkConfig(
        dataset="moons", hidden=(16, 16), activation="tanh", optimizer="adam", lr=0.01, steps=STEPS
    )
    start = time.perf_counter()
    reference_loss.cache_clear()
    reference_loss(config.dataset, config.data_seed, config.hidden, config.activation)
    reference_seconds = time.perf_counter() - start

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    rows = [
        timed_row(
            "network: train 2-16-16-1, 1,000 full-batch steps",
            lambda: train(config),
            repeats,
            TRAIN_TARGET,
            note=f"OPENBLAS_NUM_THREADS={threads}",
        ),
        timed_row(
            "network: the same, float32 passes",
            lambda: train(config, precision="float32"),
            repeats,
            TRAIN_TARGET,
        ),
    ]
    trained = train(config)
    path = trained.weights.astype(float)
    directions = pca_directions(path)
    coords, _ = project(path, path[-1], directions)
    window = path_window(coords)
    layout, data = trained.layout, trained.data

    def slice_(dtype) -> object:
        return loss_slice(layout, "tanh", data, path[-1], directions, window, dtype=dtype)

    rows += [
        timed_row(
            "network: 41x41 loss slice (float32)", lambda: slice_(np.float32), repeats, SLICE_TARGET
        ),
        timed_row("network: 41x41 loss slice (float64)", lambda: slice_(np.float64), repeats),
        timed_row(
            "network: PCA directions + projection of the path",
            lambda: project(path, path[-1], pca_directions(path)),
            repeats,
        ),
    ]
    frames = np.linspace(0, STEPS, FRAMES).astype(int)
    rows.append(
        timed_row(
            f"network: {FRAMES} decision-boundary frames, 60x60",
            lambda: output_frames(layout, "tanh", data, trained.weights, frames),
            repeats,
        )
    )
    for steps, target in ((STEPS, FINDER_TARGET), (SHORT_STEPS, None)):
        finder = finder_configs(steps)
        for precision in ("float64", "float32"):
            rows.append(
                timed_row(
                    f"network: {LR_FINDER_RATES} networks at once (LR finder), "
                    f"{steps:,} steps, {precision}",
                    lambda f=finder, p=precision: train_many(f, keep_weights=False, precision=p),
                    max(1, repeats // 2),
                    target,
                )
            )
    rows.append(
        Row(
            "network: reference runs for the outcome labels (once per architecture)",
            reference_seconds,
        )
    )
    return rows
