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
    seconds: float
    target: float | None = None  # seconds to stay under
    ratio: float | None = None  # baseline time / this time, measured in the same process
    min_ratio: float | None = None  # the ratio to reach, if the figure has one
    note: str = ""

    @property
    def passed(self) -> bool | None:
        checks = []
        if self.target is not None:
            checks.append(self.seconds < self.target)
        if self.min_ratio is not None:
            checks.append(self.ratio is not None and self.ratio >= self.min_ratio)
        return all(checks) if checks else None


def median_time(fn: Callable[[], object], repeats: int, warmups: int = 1) -> float:
    """Median wall time of fn over repeats calls, after warmups untimed calls."""
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def seconds_text(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def print_table(title: str, rows: list[Row]) -> None:
    header = ("figure", "median", "target", "result", "vs loop")
    lines = []
    for row in rows:
        result = {True: "pass", False: "FAIL", None: "-"}[row.passed]
        target = f"< {seconds_text(row.target)}" if row.target is not None else "-"
        if row.min_ratio is not None:
            target += f", >= {row.min_ratio:.0f}x"
        ratio = f"{row.ratio:.0f}x" if row.ratio is not None else "-"
        lines.append((row.figure, seconds_text(row.seconds), target, result, ratio))
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


def machine_info() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    blas_core = os.environ.get("OPENBLAS_CORETYPE")
    return "\n".join(
        [
            f"CPU: {cpu_model()}; {os.cpu_count()} cores, {usable} usable; load average {load}",
            f"Python {platform.python_version()}, NumPy {np.__version__}"
            + (f", OPENBLAS_CORETYPE={blas_core}" if blas_core else ""),
        ]
    )
