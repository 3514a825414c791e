"""Run the benchmarks and print one table per module: `python -m benchmarks [name ...]`.

Each entry of BENCHMARKS names a module with a `run(args) -> list[Row]`: engine, server,
payload, wire, browser and load (see docs/performance.md for what each measures).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from benchmarks.report import machine_info, print_table

# (name, module): run in this order.
BENCHMARKS: list[tuple[str, str]] = [
    ("engine", "benchmarks.engine"),
    ("server", "benchmarks.server"),
    ("payload", "benchmarks.payload"),
    ("wire", "benchmarks.wire"),
    ("browser", "benchmarks.browser"),
    ("load", "benchmarks.load"),
    ("network", "benchmarks.network"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        help="benchmarks to run (default: all): " + ", ".join(name for name, _ in BENCHMARKS),
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per figure")
    parser.add_argument(
        "--full-baseline",
        action="store_true",
        help="time the loop-of-simulate baseline over every run, not a sample",
    )
    args = parser.parse_args(argv)
    known = dict(BENCHMARKS)
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}: choose from {', '.join(known)}")
    print(machine_info())
    failed = 0
    for name, module in BENCHMARKS:
        if args.names and name not in args.names:
            continue
        rows = importlib.import_module(module).run(args)
        print_table(name, rows)
        failed += sum(row.passed is False for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
