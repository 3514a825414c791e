"""Benchmarks: `python -m benchmarks` runs every module in benchmarks.__main__.BENCHMARKS.

Timings live here, never in the test suite: the machine they run on decides them.
"""
