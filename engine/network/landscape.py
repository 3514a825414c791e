"""A network's loss landscape: a 2-D slice through weight space, the path on it, and the
network's output over its input plane.

Directions (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets", and their code,
tomgoldstein/loss-landscape):

- `pca_directions` (their projection.setup_PCA_directions): the rows w_t − w_final of the path
  (t = 0..k), centred on their mean as scikit-learn's PCA does, give by SVD the two principal
  directions (unit vectors, orthogonal) and the explained variance ratios
  σ_i² / Σ_j σ_j² (σ the singular values): each in [0, 1], together at most 1. Each direction's
  sign is chosen so that the start w_0 has a coordinate <= 0 along it (the path comes in from
  the left and from below).
- `random_directions` (their net_plotter.create_random_direction with norm='filter',
  ignore='biasbn'): Gaussian directions, seeded, in which each neuron's row of incoming
  weights is rescaled to the norm of that row in the given weights,
  d_row ← d_row · |w_row| / (|d_row| + 1e-10), and every bias entry is zeroed.

A slice is L(c + α d₁ + β d₂) over a grid of (α, β) around a centre c (the final weights, or
those of any step). Every grid point goes through the network in one batched pass.

What a projection hides: the path w_t is projected onto the plane by least squares,
w_t − c = α_t d₁ + β_t d₂ + r_t with r_t orthogonal to the plane (for PCA directions, α_t and
β_t are plain dot products); |r_t| is how far the path runs from the plane, and the slice's
loss at (α_t, β_t) may differ from the true loss L(w_t). `path_on_plane` returns both so the
picture can say so. (And PCA of any long random walk already looks smooth and curved:
Antognini & Sohl-Dickstein, NeurIPS 2018, so do not over-read the shape of the path.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.network.data import Dataset
from engine.network.mlp import Layout, forward, mean_loss, sigmoid

# Points per side of a slice's grid, and the grid of a decision boundary frame.
SLICE_POINTS = 41
BOUNDARY_POINTS = 60
CURVE_POINTS = 100
# Room left around the projected path in a slice's window, as a share of its span.
PATH_MARGIN = 0.25
# The window of filter-normalized random directions: α, β in [−RANDOM_SPAN, RANDOM_SPAN]
# (loss-landscape's default plot range [−1, 1]).
RANDOM_SPAN = 1.0
# Room around the data in a decision-boundary frame, as a share of the data's span.
INPUT_MARGIN = 0.15
# Grid points per batched pass of a slice: bounds the activations' memory (~13 MB in float32
# for 2-16-16-1 on 200 points).
_SLICE_CHUNK = 1024
# loss-landscape's guard against dividing by a zero-norm row.
_FILTER_EPS = 1e-10


@dataclass(frozen=True, eq=False)
class Directions:
    """Two directions in weight space, each (d,). explained: PCA's explained variance ratios
    (2,), None for random directions."""

    first: np.ndarray
    second: np.ndarray
    kind: str  # "pca" or "random"
    explained: np.ndarray | None = None
    seed: int | None = None

    @property
    def matrix(self) -> np.ndarray:
        """(d, 2): the directions as columns."""
        return np.stack([self.first, self.second], axis=1)


def pca_directions(path: np.ndarray) -> Directions:
    """The two principal directions of w_t − w_final over the path (k+1, d) (module docstring).

    The eigenvectors of the smaller of the two Gram matrices, XᵀX (d × d) or XXᵀ, X the
    centred rows: the right singular vectors of X, three times faster than its SVD. A path
    that spans fewer than two directions (too short, or not moving) gets unit directions
    orthogonal to the ones it has, with an explained variance ratio of 0.
    """
    path = np.asarray(path, dtype=float)
    diffs = path - path[-1]
    centred = diffs - diffs.mean(axis=0)
    total = float(np.sum(centred * centred))  # Σ σ_j²
    if len(centred) >= centred.shape[1]:
        values, vectors = np.linalg.eigh(centred.T @ centred)
        top = [(values[-1 - i], vectors[:, -1 - i]) for i in range(min(2, len(values)))]
    else:
        values, vectors = np.linalg.eigh(centred @ centred.T)
        top = []
        for i in range(min(2, len(values))):
            image = centred.T @ vectors[:, -1 - i]  # X u = σ v
            top.append((values[-1 - i], image / max(np.linalg.norm(image), 1e-300)))
    largest = max(top[0][0], 0.0) if top else 0.0
    found: list[np.ndarray] = []
    explained = np.zeros(2)
    for value, direction in top:
        if value > 1e-12 * largest and largest > 0:
            for earlier in found:  # keep them orthonormal to the last bit
                direction = direction - (direction @ earlier) * earlier
            explained[len(found)] = value / total
            found.append(direction / np.linalg.norm(direction))
    basis = _complete(found, path.shape[1])
    oriented = []
    for direction in basis:
        start = float(diffs[0] @ direction)
        oriented.append(-direction if start > 0 else direction)
    return Directions(oriented[0], oriented[1], "pca", np.clip(explained, 0.0, 1.0))


def _complete(found: list[np.ndarray], d: int) -> list[np.ndarray]:
    """found (orthonormal) plus unit vectors orthogonal to them, two in all."""
    basis = list(found)
    axis = 0
    while len(basis) < 2:
        candidate = np.zeros(d)
        candidate[axis] = 1.0
        for b in basis:
            candidate -= (candidate @ b) * b
        norm = np.linalg.norm(candidate)
        if norm > 1e-6:
            basis.append(candidate / norm)
        axis += 1
    return basis


def filter_normalize(layout: Layout, direction: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """direction (d,) with each neuron's row rescaled to its row's norm in weights, biases 0
    (loss-landscape's normalize_directions_for_weights, norm='filter', ignore='biasbn')."""
    out = np.array(direction, dtype=float)
    weights = np.asarray(weights, dtype=float)
    for row in layout.rows():
        out[row] *= np.linalg.norm(weights[row]) / (np.linalg.norm(out[row]) + _FILTER_EPS)
    out[~layout.weight_mask()] = 0.0
    return out


def random_directions(layout: Layout, weights: np.ndarray, seed: int = 0) -> Directions:
    """Two filter-normalized Gaussian directions (module docstring) drawn from
    default_rng(seed), normalized to weights (d,): usually the slice's centre."""
    rng = np.random.default_rng(seed)
    first, second = (
        filter_normalize(layout, rng.standard_normal(layout.size), weights) for _ in range(2)
    )
    return Directions(first, second, "random", None, seed)


@dataclass(frozen=True, eq=False)
class Slice:
    """The loss over a plane: loss[i, j] at centre + alphas[j] d₁ + betas[i] d₂."""

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    centre: np.ndarray
    directions: Directions


def plane_points(centre: np.ndarray, directions: Directions, coords: np.ndarray) -> np.ndarray:
    """Weights c + α d₁ + β d₂ for coords (..., 2) -> (..., d)."""
    coords = np.asarray(coords, dtype=float)
    return centre + coords @ directions.matrix.T


def plane_loss(
    layout: Layout,
    activation: str,
    data: Dataset,
    centre: np.ndarray,
    directions: Directions,
    coords: np.ndarray,
    *,
    dtype=np.float64,
) -> np.ndarray:
    """The full-data loss at c + α d₁ + β d₂ for coords (..., 2) -> (...), in chunks of
    grid points passed through the network at once; dtype float32 halves the work."""
    coords = np.asarray(coords, dtype=float)
    flat = coords.reshape(-1, 2)
    x = data.inputs.astype(dtype)
    out = np.empty(len(flat))
    with np.errstate(over="ignore", invalid="ignore"):  # far corners of a slice may overflow
        for start in range(0, len(flat), _SLICE_CHUNK):
            theta = plane_points(centre, directions, flat[start : start + _SLICE_CHUNK]).astype(
                dtype
            )
            z = forward(layout, activation, theta, x)
            out[start : start + _SLICE_CHUNK] = mean_loss(z.astype(float), data.targets, data.loss)
    return out.reshape(coords.shape[:-1])


def loss_slice(
    layout: Layout,
    activation: str,
    data: Dataset,
    centre: np.ndarray,
    directions: Directions,
    window: tuple[tuple[float, float], tuple[float, float]],
    *,
    points: int = SLICE_POINTS,
    dtype=np.float32,
) -> Slice:
    """The loss over a points × points grid of the window ((α0, α1), (β0, β1)).

    float32 by default (the map's colours need no more; tests check it against float64).
    A value that overflows is inf, never NaN (a far corner where the loss blew up).
    """
    (a0, a1), (b0, b1) = window
    alphas, betas = np.linspace(a0, a1, points), np.linspace(b0, b1, points)
    grid = np.stack(np.meshgrid(alphas, betas), axis=-1)
    loss = plane_loss(layout, activation, data, centre, directions, grid, dtype=dtype)
    loss = np.where(np.isnan(loss), np.inf, loss)
    return Slice(alphas, betas, loss, np.asarray(centre, dtype=float), directions)


@dataclass(frozen=True, eq=False)
class PathOnPlane:
    """The path projected onto a plane. coords (k+1, 2): (α_t, β_t); distance (k+1,): |r_t|,
    how far w_t lies off the plane; true_loss (k+1,): L(w_t); plane_loss (k+1,): the slice's
    loss at (α_t, β_t), i.e. L(c + α_t d₁ + β_t d₂)."""

    coords: np.ndarray
    distance: np.ndarray
    true_loss: np.ndarray
    plane_loss: np.ndarray


def project(
    path: np.ndarray, centre: np.ndarray, directions: Directions
) -> tuple[np.ndarray, np.ndarray]:
    """(coords (k+1, 2), off-plane vectors r_t (k+1, d)): least squares, so that
    w_t = c + α_t d₁ + β_t d₂ + r_t with r_t orthogonal to both directions."""
    offsets = np.asarray(path, dtype=float) - np.asarray(centre, dtype=float)
    coords = np.linalg.lstsq(directions.matrix, offsets.T, rcond=None)[0].T
    return coords, offsets - coords @ directions.matrix.T


def path_on_plane(
    layout: Layout,
    activation: str,
    data: Dataset,
    path: np.ndarray,
    centre: np.ndarray,
    directions: Directions,
    true_loss: np.ndarray | None = None,
) -> PathOnPlane:
    """Project the path (k+1, d) and evaluate the loss both on and off the plane (module
    docstring). true_loss: the run's recorded loss, if at hand (else computed)."""
    coords, off = project(path, centre, directions)
    on_plane = plane_loss(layout, activation, data, centre, directions, coords)
    if true_loss is None:
        with np.errstate(over="ignore", invalid="ignore"):
            z = forward(layout, activation, np.asarray(path, dtype=float), data.inputs)
            true_loss = mean_loss(z, data.targets, data.loss)
    return PathOnPlane(
        coords, np.linalg.norm(off, axis=1), np.asarray(true_loss, dtype=float), on_plane
    )


def path_window(coords: np.ndarray, *, margin: float = PATH_MARGIN, square: bool = True):
    """A window ((α0, α1), (β0, β1)) holding every projected point and the centre (0, 0),
    with margin of its span on each side; square (equal spans, for a map drawn to scale)."""
    coords = np.vstack([np.asarray(coords, dtype=float).reshape(-1, 2), np.zeros((1, 2))])
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.maximum(high - low, 1e-12)
    if square:
        span = np.full(2, span.max())
    middle = (low + high) / 2
    half = span * (0.5 + margin)
    return (float(middle[0] - half[0]), float(middle[0] + half[0])), (
        float(middle[1] - half[1]),
        float(middle[1] + half[1]),
    )


def random_window(span: float = RANDOM_SPAN):
    """loss-landscape's plotting window for filter-normalized directions: [−span, span]²."""
    return (-span, span), (-span, span)


@dataclass(frozen=True, eq=False)
class OutputFrames:
    """The network's output over its input plane at some steps.

    classification: xs (P,), ys (P,) in raw input units, probability (S, P, P) of class 1,
    probability[s, i, j] at (xs[j], ys[i]). regression: xs (P,) raw inputs, prediction (S, P).
    """

    steps: np.ndarray
    xs: np.ndarray
    ys: np.ndarray | None
    values: np.ndarray


def _input_range(raw: np.ndarray, margin: float) -> tuple[float, float]:
    low, high = float(raw.min()), float(raw.max())
    pad = margin * (high - low or 1.0)
    return low - pad, high + pad


def output_frames(
    layout: Layout,
    activation: str,
    data: Dataset,
    weights: np.ndarray,
    steps: Sequence[int],
    *,
    points: int | None = None,
    margin: float = INPUT_MARGIN,
) -> OutputFrames:
    """The network's output at the weights of each of steps (indices into weights (k+1, d)):
    σ(z) over a points × points grid of the raw input plane (classification, the decision
    boundary is where it crosses ½), or z along the raw input (regression, the fitted curve)."""
    steps = np.asarray(steps, dtype=int)
    theta = np.asarray(weights, dtype=float)[steps]
    with np.errstate(over="ignore", invalid="ignore"):
        if data.task == "classification":
            points = points or BOUNDARY_POINTS
            xs = np.linspace(*_input_range(data.raw_inputs[:, 0], margin), points)
            ys = np.linspace(*_input_range(data.raw_inputs[:, 1], margin), points)
            grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
            z = forward(layout, activation, theta, data.scale_inputs(grid))
            return OutputFrames(steps, xs, ys, sigmoid(z).reshape(len(steps), points, points))
        points = points or CURVE_POINTS
        xs = np.linspace(*_input_range(data.raw_inputs[:, 0], margin), points)
        z = forward(layout, activation, theta, data.scale_inputs(xs[:, None]))
        return OutputFrames(steps, xs, None, z)
