"""Trajectory: what one run did, step by step, and its JSON and table forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from engine.catalog import surface_name
from engine.config import RunConfig


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The iterates of one run.

    params (k+1, 2): every iterate, the start first.  loss (k+1,): full-data loss at each.
    lr (k,): rate each update used.  grad (k, 2): gradient each update used (the mini-batch one
    on linreg).  epoch (k,): the epoch each update belongs to.  k is config.steps, or fewer
    when the run diverged: then diverged_at is the index of the first iterate that left every
    sane bound, and params stops just before it. The arrays are read-only (often views into
    the arrays of every run simulated together).
    """

    config: RunConfig
    params: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad: np.ndarray
    epoch: np.ndarray
    outcome: str
    overshoots: int
    diverged_at: int | None
    steps_per_epoch: int
    param_names: tuple[str, str] = ("x", "y")

    @property
    def steps_taken(self) -> int:
        return len(self.lr)

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def to_frame(self) -> pd.DataFrame:
        """One row per iterate; the last iterate has no update, so its lr/grad/epoch are <NA>."""
        k = self.steps_taken
        x_name, y_name = self.param_names

        def padded(values: np.ndarray, dtype: str) -> pd.array:
            out = pd.array(np.append(values.astype(float), np.nan), dtype="Float64")
            out[k] = pd.NA
            return out.astype(dtype)

        return pd.DataFrame(
            {
                "step": np.arange(k + 1),
                x_name: self.params[:, 0],
                y_name: self.params[:, 1],
                "loss": self.loss,
                "lr": padded(self.lr, "Float64"),
                f"grad_{x_name}": padded(self.grad[:, 0], "Float64"),
                f"grad_{y_name}": padded(self.grad[:, 1], "Float64"),
                "epoch": padded(self.epoch, "Int64"),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: plain lists and numbers, no NaN or inf anywhere."""
        config = {f.name: _plain(getattr(self.config, f.name)) for f in fields(self.config)}
        config["surface"] = surface_name(self.config.surface)  # a custom surface by its name
        result = {
            "config": config,
            "params": self.params.tolist(),
            "loss": self.loss.tolist(),
            "lr": self.lr.tolist(),
            "grad": self.grad.tolist(),
            "epoch": self.epoch.tolist(),
            "outcome": self.outcome,
            "overshoots": self.overshoots,
            "diverged_at": self.diverged_at,
            "steps_per_epoch": self.steps_per_epoch,
            "param_names": list(self.param_names),
        }
        return result


def _plain(value: Any) -> Any:
    """value as plain JSON types: NumPy scalars to Python numbers, tuples to lists."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
