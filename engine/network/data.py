"""Toy data sets for the network problem, generated from a seed, and their input scaling.

Binary classification in the plane (labels 0/1), POINTS examples each, half per class:

- ``moons``: two interleaved half circles (as scikit-learn's make_moons): the upper arc
  (cos t, sin t) is class 0, the lower (1 − cos t, ½ − sin t) class 1, t in [0, π];
  Gaussian noise of standard deviation NOISE["moons"] = 0.1 on each coordinate.
- ``circles``: a ring of radius 1 (class 0) around a ring of radius CIRCLES_FACTOR = 0.5
  (class 1), noise 0.08.
- ``xor``: points uniform in the square [−1, 1]², half of them in the two quadrants where
  x₁·x₂ > 0 (class 0), half where the signs differ (class 1); then noise 0.05 (so a few
  points stray over the axes).
- ``spiral``: two arms r = s, angle = 1.75·2π·s + kπ for s in [0.05, 1] and arm k = 0, 1
  (TensorFlow Playground's spiral), noise 0.04.

Regression: ``house_prices``, the lecture's data-fit data (engine.datafit.house_prices: 100
houses, area in m² against price), one input feature.

Input scaling, per feature column, fitted on the data set itself (engine.datafit.scale_feature):
``none``, ``standard`` ((x − μ)/σ), ``minmax`` ((x − min)/(max − min)), and ``x100``: the raw
inputs multiplied by 100, so that the toy data behave like unscaled measurements (lesson L10
on a network: N3). House prices' raw area is already ~100 times its standardized scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.datafit import house_prices, scale_feature
from engine.limits import NORMALIZATIONS

CLASSIFICATION_DATASETS = ("moons", "circles", "xor", "spiral")
DATASETS = (*CLASSIFICATION_DATASETS, "house_prices")
DATASET_TITLES = {
    "moons": "Two moons",
    "circles": "Circles",
    "xor": "XOR",
    "spiral": "Spiral",
    "house_prices": "House prices (regression)",
}
POINTS = 200
NOISE = {"moons": 0.1, "circles": 0.08, "xor": 0.05, "spiral": 0.04}
CIRCLES_FACTOR = 0.5
SPIRAL_TURNS = 1.75
# Multiplies the raw inputs in the "x100" scaling.
RAW_SCALE = 100.0
NETWORK_NORMALIZATIONS = (*NORMALIZATIONS, "x100")


@dataclass(frozen=True, eq=False)
class Dataset:
    """One data set as the network sees it.

    inputs (n, features) are the scaled inputs; raw_inputs the generated ones, with
    inputs = (raw_inputs − shift) / scale; targets (n,) are labels 0/1 (classification) or
    prices (regression).
    """

    name: str
    task: str  # "classification" or "regression"
    raw_inputs: np.ndarray
    targets: np.ndarray
    normalization: str
    shift: np.ndarray
    scale: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str

    @property
    def inputs(self) -> np.ndarray:
        return self._inputs

    def __post_init__(self) -> None:
        scaled = (self.raw_inputs - self.shift) / self.scale
        for array in (scaled, self.raw_inputs, self.targets):
            array.flags.writeable = False
        object.__setattr__(self, "_inputs", scaled)

    @property
    def n(self) -> int:
        return len(self.targets)

    @property
    def features(self) -> int:
        return self.raw_inputs.shape[1]

    @property
    def loss(self) -> str:
        """The loss the network minimises on this data (engine.network.mlp.LOSSES)."""
        return "cross_entropy" if self.task == "classification" else "half_mse"

    def scale_inputs(self, raw: np.ndarray) -> np.ndarray:
        """Raw input points (..., features) to what the network sees (for boundary grids)."""
        return (np.asarray(raw, dtype=float) - self.shift) / self.scale


def _moons(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    outer, inner = n - n // 2, n // 2
    t_out, t_in = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    x = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], 1),
            np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1),
        ]
    )
    return x, np.repeat([0.0, 1.0], [outer, inner])


def _circles(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    outer, inner = n - n // 2, n // 2
    t_out = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    x = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], 1),
            CIRCLES_FACTOR * np.stack([np.cos(t_in), np.sin(t_in)], 1),
        ]
    )
    return x, np.repeat([0.0, 1.0], [outer, inner])


def _xor(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    # uniform in the square given the class: class 0 in the quadrants where the signs agree
    labels = np.repeat([0.0, 1.0], [n - n // 2, n // 2])
    first = rng.choice([-1.0, 1.0], n)
    signs = np.stack([first, np.where(labels == 1, -first, first)], 1)
    return signs * rng.uniform(0.0, 1.0, (n, 2)), labels


def _spiral(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    arms = []
    for k, count in enumerate((n - n // 2, n // 2)):
        s = np.linspace(0.05, 1.0, count)
        angle = SPIRAL_TURNS * 2 * np.pi * s + k * np.pi
        arms.append(np.stack([s * np.cos(angle), s * np.sin(angle)], 1))
    return np.concatenate(arms), np.repeat([0.0, 1.0], [n - n // 2, n // 2])


_GENERATORS = {"moons": _moons, "circles": _circles, "xor": _xor, "spiral": _spiral}


@lru_cache(maxsize=64)
def make_dataset(name: str = "moons", normalization: str = "standard", seed: int = 0) -> Dataset:
    """The named data set (DATASETS) drawn from default_rng(seed), scaled by normalization
    (NETWORK_NORMALIZATIONS). House prices are fixed data: the seed does not change them."""
    if normalization not in NETWORK_NORMALIZATIONS:
        raise ValueError(
            f"normalization = {normalization!r} is not allowed: expected one of {', '.join(NETWORK_NORMALIZATIONS)}"
        )
    if name == "house_prices":
        fit = house_prices()
        raw, targets = fit.x[:, None], fit.y.copy()
        task, features, target_name = "regression", (fit.x_label,), fit.y_label
    elif name in _GENERATORS:
        rng = np.random.default_rng(seed)
        raw, targets = _GENERATORS[name](rng, POINTS)
        raw = raw + rng.normal(0.0, NOISE[name], raw.shape)
        task, features, target_name = "classification", ("x₁", "x₂"), "class"
    else:
        raise ValueError(
            f"dataset = {name!r} is not allowed: expected one of {', '.join(DATASETS)}"
        )
    if normalization == "x100":
        shift, scale = np.zeros(raw.shape[1]), np.full(raw.shape[1], 1.0 / RAW_SCALE)
    else:
        pairs = [scale_feature(raw[:, j], normalization) for j in range(raw.shape[1])]
        shift, scale = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    return Dataset(name, task, raw, targets, normalization, shift, scale, features, target_name)
