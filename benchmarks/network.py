"""Network speed: issue 15's engine targets, timed on this machine.

- training a 2-16-16-1 tanh network (Adam, two moons, 200 points) for 1,000 full-batch steps,
  recording every step's weights: under 150 ms;
- a 41 x 41 slice of its loss through the final weights along the path's PCA directions,
  float32, every grid point through the network at once: under 100 ms;
- 60 such networks at once (the learning-rate finder's rates, 1e-4 to 1), 1,000 steps, in
  the finder's float32 (EXPLORE_PRECISION; float64 printed for reference): under 1 s, beside its baseline (a sample of the same networks trained one by one, scaled
  to 60; the ratio compares CPU times);
- the explorers (engine/network/explore.py): the LR finder's 60 networks, FINDER_STEPS steps
  each, float32 passes, in one train_many call: under 1 s, beside its baseline (a sample of
  the same rates trained one by one with train(), scaled to 60); each stability map of the run;
- the whole network view of that run (app/network_view.py: training, PCA plane, slice, path,
  output frames, every figure in wire form and dumped to JSON): p95 of VIEW_REPEATS calls
  under 400 ms, with training alone timed the same way beside it (the rest is the view's
  own cost); and its JSON under 1 MB.

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

import json
import os
import time
from collections.abc import Callable

import numpy as np

from app.network_view import network_views, wire_views
from benchmarks.report import Row, seconds_text
from engine.explore import LR_FINDER_RATES
from engine.network.explore import (
    EXPLORE_PRECISION,
    network_at_rate,
    network_lr_finder,
    network_second_settings,
    network_stability_map,
)
from engine.network.landscape import (
    loss_slice,
    output_frames,
    path_window,
    pca_directions,
    project,
)
from engine.network.train import NetworkConfig, reference_loss, train, train_many

TRAIN_TARGET = 0.150
SLICE_TARGET = 0.100
FINDER_TARGET = 1.0
VIEW_TARGET = 0.400
VIEW_BYTES_TARGET = 1_000_000
VIEW_REPEATS = 20
STEPS = 1_000
# A shorter finder, as the stability map caps its runs (engine.explore.MAP_STEPS).
SHORT_STEPS = 200
# Rates of the finder trained one by one for its baseline (scaled to all of them).
SAMPLED = 6
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


def p95_time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The 95th percentile wall time and the median CPU time of fn over repeats calls, after
    one untimed call."""
    fn()
    walls, cpus = [], []
    for _ in range(max(1, repeats)):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return float(np.percentile(walls, 95)), float(np.median(cpus))


def view_json(configs: list[NetworkConfig]) -> str:
    """What the page receives for the network view: every figure in wire form, as JSON."""
    return json.dumps(wire_views(network_views(configs)), allow_nan=False, separators=(",", ":"))


def view_rows(config: NetworkConfig) -> list[Row]:
    wall, cpu = p95_time(lambda: view_json([config]), VIEW_REPEATS)
    train_wall, train_cpu = p95_time(lambda: train_many([config]), VIEW_REPEATS)
    size = len(view_json([config]).encode())
    return [
        Row(
            f"network view: configs to figure JSON, p95 of {VIEW_REPEATS}",
            wall,
            VIEW_TARGET,
            note=f"median CPU time {seconds_text(cpu)}; of which training p95 {seconds_text(train_wall)} "
            f"(median CPU {seconds_text(train_cpu)})",
        ),
        Row("network view: JSON payload", size, VIEW_BYTES_TARGET, unit="bytes"),
    ]


def finder_configs(steps: int = STEPS) -> list[NetworkConfig]:
    rates = np.geomspace(1e-4, 1.0, LR_FINDER_RATES)
    return [NetworkConfig(lr=float(lr), steps=steps) for lr in rates]


def explorer_rows(config: NetworkConfig, repeats: int) -> list[Row]:
    """engine.network.explore as the page calls it: the finder (60 rates, FINDER_STEPS steps,
    one train_many call) against SAMPLED of those rates trained one by one (train()), scaled
    to 60; and the stability maps of this run (its labels' reference runs already cached)."""
    sweep = network_lr_finder(config)
    sampled = [
        network_at_rate(sweep.config, float(rate)) for rate in sweep.rates[:: len(sweep.rates) // SAMPLED]
    ]
    one_by_one, one_cpu = best_time(lambda: [alone(c) for c in sampled], max(1, repeats // 2))
    scale = len(sweep.rates) / len(sampled)
    rows = [
        timed_row(
            f"network explorers: LR finder, {len(sweep.rates)} networks x {sweep.config.steps} steps at once",
            lambda: network_lr_finder(config),
            max(1, repeats // 2),
            FINDER_TARGET,
            note=f"baseline: {len(sampled)} sequential train() calls scaled to {len(sweep.rates)}: "
            f"{seconds_text(one_by_one * scale)} (CPU {seconds_text(one_cpu * scale)})",
        )
    ]
    for second in network_second_settings(config):
        smap = network_stability_map(config, second)
        rows.append(
            timed_row(
                f"network explorers: stability map, {smap.outcome.size} networks ({second}) x {smap.steps} steps",
                lambda s=second: network_stability_map(config, s),
                max(1, repeats // 2),
            )
        )
    return rows


def batched_row(
    figure: str, configs: list[NetworkConfig], precision: str, repeats: int, target: float | None
) -> Row:
    """train_many of configs, beside its baseline in CPU time: SAMPLED of them trained one by
    one (train()), scaled to all of them (the ratio is baseline / batched)."""
    wall, cpu = best_time(
        lambda: train_many(configs, keep_weights=False, precision=precision), repeats
    )
    sampled = configs[:: max(1, len(configs) // SAMPLED)]
    _, one_cpu = best_time(
        lambda: [train(c, keep_weights=False, precision=precision) for c in sampled],
        max(1, repeats // 2),
    )
    baseline = one_cpu * len(configs) / len(sampled)
    return Row(
        figure,
        wall,
        target,
        ratio=baseline / cpu,
        note=f"CPU time {seconds_text(cpu)}; baseline: {len(sampled)} sequential train() calls "
        f"scaled to {len(configs)}: CPU {seconds_text(baseline)}",
    )


def alone(config: NetworkConfig):
    return train(config, keep_weights=False, precision=EXPLORE_PRECISION)


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
                batched_row(
                    f"network: {LR_FINDER_RATES} networks at once (LR finder), "
                    f"{steps:,} steps, {precision}",
                    finder,
                    precision,
                    max(1, repeats // 2),
                    # the target is the finder's, which trains in EXPLORE_PRECISION; float64 for reference
                    target if precision == EXPLORE_PRECISION else None,
                )
            )
    rows += explorer_rows(config, repeats)
    rows += view_rows(config)
    rows.append(
        Row(
            "network: reference runs for the outcome labels (once per architecture)",
            reference_seconds,
        )
    )
    return rows
