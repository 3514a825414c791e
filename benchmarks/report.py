"""What every benchmark module shares: timing, the result row, the table, the machine."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Row:
    """One measured figure. target and ratio may be None (nothing to compare)."""

    figure: str
    seconds: float  # the measured value: seconds unless unit says otherwise
    target: float | None = None  # value to stay under (or reach, if higher is better)
    ratio: float | None = None  # baseline / this (or this / baseline), measured in the same run
    min_ratio: float | None = None  # the ratio to reach, if the figure has one
    note: str = ""
    unit: str = "s"  # "s", "bytes", "fps", "%" or "x"
    higher: bool = False  # the target is a floor (frames per second, hit rate)

    @property
    def passed(self) -> bool | None:
        checks = []
        if self.target is not None:
            checks.append(self.seconds >= self.target if self.higher else self.seconds < self.target)
        if self.min_ratio is not None:
            checks.append(self.ratio is not None and self.ratio >= self.min_ratio)
        return all(checks) if checks else None


def median_time(fn: Callable[[], object], repeats: int, warmups: int = 1, clock=time.perf_counter) -> float:
    """Median time of fn over repeats calls, after warmups untimed calls: wall time, or CPU
    time with clock=time.process_time."""
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def value_text(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1000:.1f} KB" if value < 1e6 else f"{value / 1e6:.2f} MB"
    if unit == "fps":
        return f"{value:.1f} fps"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "count":
        return f"{value:.0f}"
    if unit == "/s":
        return f"{value:.0f} /s"
    return seconds_text(value)


def seconds_text(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def print_table(title: str, rows: list[Row]) -> None:
    header = ("figure", "result", "target", "pass", "vs baseline")
    lines = []
    for row in rows:
        result = {True: "pass", False: "FAIL", None: "-"}[row.passed]
        target = "-"
        if row.target is not None:
            target = f"{'>=' if row.higher else '<'} {value_text(row.target, row.unit)}"
        if row.min_ratio is not None:
            target = (target + ", " if target != "-" else "") + f">= {row.min_ratio:g}x"
        ratio = "-" if row.ratio is None else f"{row.ratio:.0f}x" if row.ratio >= 10 else f"{row.ratio:.2f}x"
        lines.append((row.figure, value_text(row.seconds, row.unit), target, result, ratio))
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def fmt(cells) -> str:
        first, *rest = cells
        return "  ".join(
            [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
        )

    print(f"\n== {title} ==")
    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(fmt(line))
    for row in rows:
        if row.note:
            print(f"  {row.figure}: {row.note}")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def small_call_seconds() -> float:
    """The host's price of one NumPy call on a few numbers (np.add of two (4, 2) float64
    arrays into a third), median of 5 batches: what the step loops of a few runs pay per
    operation. A gauge of the host's speed when the table was taken (on a shared VM it swings
    by half within minutes, so it does not turn the figures into host-free units)."""
    a, b, out = np.ones((4, 2)), np.ones((4, 2)), np.empty((4, 2))
    calls = 20_000

    def batch() -> None:
        for _ in range(calls):
            np.add(a, b, out=out)

    return median_time(batch, repeats=5) / calls


def machine_info() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    blas_core = os.environ.get("OPENBLAS_CORETYPE")
    return "\n".join(
        [
            f"CPU: {cpu_model()}; {os.cpu_count()} cores, {usable} usable; load average {load}",
            f"Python {platform.python_version()}, NumPy {np.__version__}"
            + (f", OPENBLAS_CORETYPE={blas_core}" if blas_core else ""),
            f"one small NumPy call ((4, 2) add): {small_call_seconds() * 1e9:.0f} ns",
        ]
    )
