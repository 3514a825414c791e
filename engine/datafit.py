"""The lecture's data-fit problem: fit y_hat = w x + b to data by least squares.

    L(w, b) = 1/(2n) Σ (w x_i + b - y_i)²
    ∂L/∂w = 1/n Σ (w x_i + b - y_i) x_i,   ∂L/∂b = 1/n Σ (w x_i + b - y_i)

(w, b) live in the space the optimizer sees: after the chosen normalization of x.
Full-data loss, gradient and Hessian come from the data's moments (O(1) per point of the
plane); a mini-batch gradient comes the same way from the batch's own moments, summed over its
points once per batch (batch_means), so a step costs the same whatever the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from engine.limits import NORMALIZATIONS
from engine.surfaces import Minimum

FORMULA = "L(w, b) = 1/(2n) Σᵢ (w·xᵢ + b − yᵢ)²"


def scale_feature(x: np.ndarray, normalization: str) -> tuple[float, float]:
    """(shift, scale) with x' = (x - shift) / scale for the named normalization."""
    if normalization == "none":
        return 0.0, 1.0
    if normalization == "standard":
        shift, scale = float(np.mean(x)), float(np.std(x))
    elif normalization == "minmax":
        shift, scale = float(np.min(x)), float(np.max(x) - np.min(x))
    else:
        raise ValueError(
            f"normalization = {normalization!r} is not allowed: expected one of "
            + ", ".join(NORMALIZATIONS)
        )
    if not scale > 0:
        raise ValueError(
            f"normalization = {normalization!r} cannot scale a constant feature x "
            f"(every x equals {x[0]:g}): choose normalization 'none'"
        )
    return shift, scale


def _gradient(w, b, su, suu, sy, suy):
    """∂L/∂w = w·mean(u²) + b·mean(u) − mean(u·y) and ∂L/∂b = w·mean(u) + b − mean(y), from
    the data's (or a batch's) moments: arrays or Python floats, by the same operations."""
    return w * suu + b * su - suy, w * su + b - sy


def _loss(w, b, su, suu, sy, suy, syy):
    """L(w, b) from the data's moments: arrays or Python floats, by the same operations."""
    return 0.5 * (w * (w * suu + 2 * b * su - 2 * suy) + b * (b - 2 * sy) + syy)


@dataclass(frozen=True, eq=False)
class FitSurface:
    """The data-fit loss over (w, b) for one normalization of the feature."""

    name: str
    title: str
    description: str
    features: np.ndarray  # normalized x
    targets: np.ndarray
    normalization: str
    formula: str = FORMULA
    param_names: tuple[str, str] = ("w", "b")
    _moments: tuple = field(init=False, repr=False)

    def __post_init__(self) -> None:
        u, y = self.features, self.targets
        moments = (u.mean(), (u * u).mean(), y.mean(), (u * y).mean(), (y * y).mean())
        object.__setattr__(self, "_moments", tuple(float(m) for m in moments))

    @property
    def n(self) -> int:
        return len(self.targets)

    def value(self, p) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        return _loss(p[..., 0], p[..., 1], *self._moments)

    def grad(self, p) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        out = np.empty_like(p)
        out[..., 0], out[..., 1] = _gradient(p[..., 0], p[..., 1], *self._moments[:4])
        return out

    def grads_on_floats(self, points: list, means: list | None = None) -> list[tuple[float, float]]:
        """The gradients at a few points given as Python floats, [[w, b], ...]: the full-data
        ones, or with means (a row of batch_means per point, or one row for all) each point's
        batch's. grad's and grad_from_means' operations, so their numbers, without a NumPy
        call per operation (what a step loop of a few runs would pay)."""
        if means is None:
            means = [self._moments[:4]]
        if len(means) == 1:
            means = means * len(points)
        return [_gradient(w, b, *m) for (w, b), m in zip(points, means, strict=True)]

    def losses_on_floats(self, points: list) -> list[float]:
        """value at a few points given as Python floats (the same operations, numbers)."""
        return [_loss(w, b, *self._moments) for w, b in points]

    def hessian(self, p) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        su, suu, *_ = self._moments
        return np.broadcast_to(np.array([[suu, su], [su, 1.0]]), p.shape[:-1] + (2, 2)).copy()

    def batch_grad(self, p: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Gradient on each run's mini-batch: p (R, 2), index (R, B) rows of the data.

        The per-point formula, summed over the batch's own points; the engine steps with the
        same gradient computed from batch moments (batch_means and grad_from_means).
        """
        u, y = self.features[index], self.targets[index]
        residual = p[:, :1] * u + p[:, 1:] - y
        out = np.empty_like(p)
        out[:, 0] = (residual * u).mean(axis=1)
        out[:, 1] = residual.mean(axis=1)
        return out

    def batch_means(self, order: np.ndarray, batch_size: int) -> np.ndarray:
        """The moments (mean u, mean u², mean y, mean u·y) of every batch of an order.

        order (..., n) holds permutations of the data's rows; each is cut into consecutive
        batches of batch_size points, the last one holding what is left. Returns shape
        (..., ceil(n / batch_size), 4). A batch's loss and gradient depend on its points only
        through these four means, so a step costs the same whatever the batch size.
        """
        u, y = self.features, self.targets
        table = np.stack([u, u * u, y, u * y])  # (4, n)
        starts = np.arange(0, self.n, batch_size)
        sums = np.add.reduceat(np.take(table, order, axis=1), starts, axis=-1)  # (4, ..., slots)
        counts = np.minimum(batch_size, self.n - starts)
        return np.moveaxis(sums / counts, 0, -1)

    @staticmethod
    def grad_from_means(p: np.ndarray, means: np.ndarray) -> np.ndarray:
        """The gradient at points p (..., 2) of the loss over points with these moments
        (_gradient's formula); means (..., 4) as from batch_means, broadcast against p's
        leading shape."""
        if means.ndim <= p.ndim and means.shape[:-1] in (p.shape[:-1], (1,) * (means.ndim - 1)):
            out = np.empty(p.shape)  # the engine's case, without the cost of broadcast_shapes
        else:
            out = np.empty(np.broadcast_shapes(p.shape, means.shape[:-1] + (2,)))
        moments = (means[..., 0], means[..., 1], means[..., 2], means[..., 3])
        out[..., 0], out[..., 1] = _gradient(p[..., 0], p[..., 1], *moments)
        return out

    @cached_property
    def minimiser(self) -> tuple[float, float]:
        """The least-squares solution (w*, b*), from the normal equations."""
        su, suu, sy, suy, _ = self._moments
        if np.ptp(self.features) == 0:
            raise ValueError(
                f"every x equals {self.features[0]:g}: a line through constant x has no single "
                "least-squares slope, so this data cannot be fitted"
            )
        w, b = np.linalg.solve(np.array([[suu, su], [su, 1.0]]), np.array([suy, sy]))
        return float(w), float(b)

    @property
    def minima(self) -> tuple[Minimum, ...]:
        w, b = self.minimiser
        residual = w * self.features + b - self.targets
        return (Minimum((w, b), float(0.5 * np.mean(residual**2)), True),)

    @property
    def global_minimum(self) -> Minimum:
        return self.minima[0]

    @property
    def default_start(self) -> tuple[float, float]:
        return (0.0, 0.0)

    @cached_property
    def window(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """A box around the start and the minimiser with room to spare on every side."""
        w, b = self.minimiser
        (sw, sb) = self.default_start
        box = []
        for low, high in ((min(w, sw), max(w, sw)), (min(b, sb), max(b, sb))):
            pad = 0.6 * (high - low) or 1.0
            box.append((low - pad, high + pad))
        return box[0], box[1]

    def surface(self, normalization: str = "none") -> FitSurface:
        if normalization != self.normalization:
            raise ValueError(f"this surface is already scaled with {self.normalization!r}")
        return self


class DataFit:
    """The data-fit problem on one data set: raw data plus a FitSurface per normalization."""

    def __init__(
        self,
        x,
        y,
        *,
        name: str = "linreg",
        title: str = "Fitting a line to data",
        description: str = "Fit price = w·area + b to houses by least squares (the data-fit problem).",
        x_label: str = "x",
        y_label: str = "y",
    ) -> None:
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        if self.x.shape != self.y.shape or self.x.ndim != 1 or len(self.x) < 2:
            raise ValueError("data needs two columns x and y of equal length, with at least 2 rows")
        if not (np.all(np.isfinite(self.x)) and np.all(np.isfinite(self.y))):
            raise ValueError("data must hold finite numbers only")
        self.name, self.title, self.description = name, title, description
        self.x_label, self.y_label = x_label, y_label
        self.formula = FORMULA
        self.param_names = ("w", "b")
        self._surfaces: dict[str, FitSurface] = {}

    @property
    def n(self) -> int:
        return len(self.x)

    def scaling(self, normalization: str) -> tuple[float, float]:
        return scale_feature(self.x, normalization)

    def surface(self, normalization: str = "none") -> FitSurface:
        if normalization not in self._surfaces:
            shift, scale = self.scaling(normalization)
            self._surfaces[normalization] = FitSurface(
                name=self.name,
                title=self.title,
                description=self.description,
                features=(self.x - shift) / scale,
                targets=self.y,
                normalization=normalization,
            )
        return self._surfaces[normalization]

    def value(self, p, normalization: str = "none") -> np.ndarray:
        return self.surface(normalization).value(p)

    def grad(self, p, normalization: str = "none") -> np.ndarray:
        return self.surface(normalization).grad(p)

    def hessian(self, p, normalization: str = "none") -> np.ndarray:
        return self.surface(normalization).hessian(p)

    def line(self, p, normalization: str = "none") -> tuple[float, float]:
        """Slope and intercept in raw units of x, for drawing the fitted line over the data."""
        shift, scale = self.scaling(normalization)
        w, b = float(p[0]), float(p[1])
        return w / scale, b - w * shift / scale


def house_prices(n: int = 100, seed: int = 7) -> DataFit:
    """A synthetic, deterministic data set: floor area (m²) against price.

    Area spans 40-200 m², so raw x is ~100 times the scale of standardized x: the
    loss surface over (w, b) is a ravine with condition number ~10⁵ until x is scaled.
    """
    rng = np.random.default_rng(seed)
    area = np.round(rng.uniform(40.0, 200.0, n), 1)
    price = np.round(0.05 * area + 1.0 + rng.normal(0.0, 0.8, n), 2)
    return DataFit(
        area,
        price,
        name="linreg",
        title="Data fit: house price against area",
        description="Fit price = w·area + b to 100 houses: the loss every network minimises, in 2-D.",
        x_label="area (m²)",
        y_label="price (100k)",
    )
