"""Analytic loss surfaces: closed-form value, gradient and Hessian on the plane.

Every surface takes points as an array of shape (..., 2) (lists and tuples work too) and
is vectorized over the leading shape, so one call moves a whole batch of runs one step.
Gradients and Hessians are written out by hand; nothing here takes finite differences.

Minimisers that are not round numbers are refined by Newton's method on the analytic
gradient and Hessian when this module is imported, so every listed minimum is exact to
double precision (its gradient vanishes there) rather than copied from a table: published
minimisers are rounded, and a benchmark's metadata can disagree with its own formula. The
tests evaluate each displayed formula and compare it with the code for the same reason.

Length: a catalogue of surfaces (formula, gradient, Hessian, window, minima) in SciPy's
test-function style; each entry is short, and they are listed together to be compared.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]
Window = tuple[tuple[float, float], tuple[float, float]]
ArrayFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Minimum:
    """One minimiser of a surface: where it is, how low it goes, and whether it is the best."""

    point: tuple[float, float]
    value: float
    is_global: bool


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface f(x, y) with its gradient, Hessian and what a lecture needs to show it.

    value_fn, grad_fn and hessian_fn take a float array p of shape (..., 2) and return
    shapes (...), (..., 2) and (..., 2, 2). Call them through value(), grad() and hessian(),
    which also accept lists and tuples. value_grad_fn, where the two share their terms, gives
    (value_fn(p), grad_fn(p)), the same numbers, from one evaluation of those terms (a step
    loop that reads the loss at every iterate, as ReduceLROnPlateau does, pays them once).
    """

    name: str
    title: str
    description: str
    formula: str
    window: Window
    minima: tuple[Minimum, ...]
    default_start: tuple[float, float]
    value_fn: ArrayFn
    grad_fn: ArrayFn
    hessian_fn: ArrayFn
    param_names: tuple[str, str] = ("x", "y")
    value_grad_fn: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None

    def __post_init__(self) -> None:
        (x_lo, x_hi), (y_lo, y_hi) = self.window
        if not (x_lo < x_hi and y_lo < y_hi):
            raise ValueError(f"{self.name}: window {self.window} is empty")
        if not _inside(self.default_start, self.window):
            raise ValueError(f"{self.name}: default_start {self.default_start} is off the window")
        for m in self.minima:
            if not _inside(m.point, self.window):
                raise ValueError(f"{self.name}: minimum {m.point} is off the window")
        if not any(m.is_global for m in self.minima):
            raise ValueError(f"{self.name}: no global minimum listed")

    def value(self, p) -> np.ndarray:
        """f at points p of shape (..., 2); returns shape (...)."""
        return self.value_fn(_points(p))

    def grad(self, p) -> np.ndarray:
        """∇f at points p of shape (..., 2); returns shape (..., 2)."""
        return self.grad_fn(_points(p))

    def hessian(self, p) -> np.ndarray:
        """∇²f at points p of shape (..., 2); returns shape (..., 2, 2), symmetric."""
        return self.hessian_fn(_points(p))

    @property
    def global_minimum(self) -> Minimum:
        """The first listed global minimum (some surfaces have several of equal depth)."""
        return next(m for m in self.minima if m.is_global)

    def surface(self, normalization: str = "none") -> Surface:
        """This surface itself: feature normalization only changes the data-fit problem."""
        if normalization != "none":
            raise ValueError(
                f"normalization {normalization!r} applies to the data-fit problem only; "
                f"{self.name} takes 'none'"
            )
        return self


def _points(p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape[-1:] != (2,):
        raise ValueError(f"points must have shape (..., 2), got {p.shape}")
    return p


def _inside(point: Sequence[float], window: Window) -> bool:
    (x_lo, x_hi), (y_lo, y_hi) = window
    return x_lo <= point[0] <= x_hi and y_lo <= point[1] <= y_hi


def _empty_hessian(p: np.ndarray) -> np.ndarray:
    return np.empty(p.shape + (2,), dtype=float)


# --- Finding minima exactly ------------------------------------------------------------


def _newton(grad_fn: ArrayFn, hessian_fn: ArrayFn, seed: Sequence[float]) -> Point:
    """Polish a rough minimiser with Newton's method until the gradient vanishes."""
    p = np.array(seed, dtype=float)
    for _ in range(100):
        step = np.linalg.solve(hessian_fn(p), grad_fn(p))
        p = p - step
        if np.max(np.abs(step)) <= 1e-15 * (1.0 + np.max(np.abs(p))):
            break
    # A failure here is a bad seed or a wrong derivative: refuse to import a wrong table.
    if not np.max(np.abs(grad_fn(p))) < 1e-10:
        raise RuntimeError(f"Newton from {tuple(seed)} did not reach a stationary point")
    return (float(p[0]), float(p[1]))


def _minima(
    value_fn: ArrayFn,
    points: Iterable[Sequence[float]],
    values: Sequence[float] | None = None,
) -> tuple[Minimum, ...]:
    """Minimum records for exact minimisers, deepest (global) ones first.

    values defaults to f at each point; pass the exact values when rounding the point
    leaves f a hair above its true minimum. Minima within 1e-12 of the lowest are global.
    """
    points = [(float(x), float(y)) for x, y in points]
    if values is None:
        values = [float(value_fn(np.array(pt))) for pt in points]
    lowest = min(values)
    tolerance = 1e-12 * (1.0 + abs(lowest))
    minima = [
        Minimum(pt, float(v), v <= lowest + tolerance) for pt, v in zip(points, values, strict=True)
    ]
    return tuple(sorted(minima, key=lambda m: not m.is_global))  # stable: keeps given order


def _times(coefficient: float, term: str) -> str:
    """'3 y²' for a display formula, or just 'y²' when the coefficient is 1."""
    return term if coefficient == 1 else f"{coefficient:g} {term}"


def _from_terms(terms, value_of, grad_of) -> tuple[ArrayFn, ArrayFn, Callable]:
    """value_fn, grad_fn and value_grad_fn of a surface whose loss and gradient share terms:
    terms(p), then value_of(terms) and grad_of(p, terms), so the three give the same numbers."""

    def value(p: np.ndarray) -> np.ndarray:
        return value_of(terms(p))

    def grad(p: np.ndarray) -> np.ndarray:
        return grad_of(p, terms(p))

    def value_grad(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shared = terms(p)
        return value_of(shared), grad_of(p, shared)

    return value, grad, value_grad


# --- Quadratic bowls -------------------------------------------------------------------


def _quadratic(matrix: np.ndarray) -> tuple[ArrayFn, ArrayFn, ArrayFn]:
    """f(p) = ½ pᵀAp for a symmetric positive-definite A: ∇f = Ap, ∇²f = A everywhere."""
    a = np.array(matrix, dtype=float)
    a.setflags(write=False)
    half_xx, cross, half_yy = 0.5 * a[0, 0], a[0, 1], 0.5 * a[1, 1]
    (a_xx, a_xy), (a_yx, a_yy) = a.tolist()

    def value(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        return (half_xx * x) * x + (cross * x) * y + (half_yy * y) * y

    def grad(p: np.ndarray) -> np.ndarray:
        # Ap written out, not p @ A: a matrix product takes another BLAS kernel (fused or not)
        # for one row than for many, so a run would differ in its last bit alone and in company
        x, y = p[..., 0], p[..., 1]
        out = np.empty_like(p)  # not np.stack, which costs more than the arithmetic here
        out[..., 0] = a_xx * x + a_xy * y
        out[..., 1] = a_yx * x + a_yy * y
        return out

    def hessian(p: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, p.shape + (2,)).copy()

    return value, grad, hessian


# The bowl's curvatures λ along x and y. Plain gradient descent overshoots along an axis
# once lr > 1/λ and diverges once lr > 2/λ, so the steep y axis goes first: lr = 0.1 glides
# in, 0.6 zig-zags in y (still converging), 0.7 > 2/3 flies off.
BOWL_CURVATURES = (1.0, 3.0)
BOWL_MATRIX = np.diag(BOWL_CURVATURES)

# The ravine: curvature 1 along the valley floor, 40 across it (condition number 40), the
# floor turned 30° so the zig-zag runs diagonally across the plot. A step small enough for
# the walls (lr < 2/40) shrinks the distance along the floor only by (1 − lr) per step.
RAVINE_CURVATURES = (1.0, 40.0)  # (along the floor, across it)
RAVINE_ANGLE_DEGREES = 30.0


def _ravine_matrix() -> np.ndarray:
    angle = math.radians(RAVINE_ANGLE_DEGREES)
    c, s = math.cos(angle), math.sin(angle)
    axes = np.array([[c, -s], [s, c]])  # columns: along the floor, across it
    m = axes @ np.diag(RAVINE_CURVATURES) @ axes.T
    return 0.5 * (m + m.T)  # exactly symmetric despite rounding


RAVINE_MATRIX = _ravine_matrix()


def _make_bowl() -> Surface:
    value, grad, hessian = _quadratic(BOWL_MATRIX)
    lx, ly = BOWL_CURVATURES
    return Surface(
        name="bowl",
        title="Oval bowl",
        description="One smooth oval bowl: the learning rate alone decides whether you glide "
        "in, zig-zag across the steep side, or fly out.",
        formula=f"f(x, y) = ½ ({_times(lx, 'x²')} + {_times(ly, 'y²')})",
        window=((-5.0, 5.0), (-4.0, 4.0)),
        minima=_minima(value, [(0.0, 0.0)]),
        default_start=(-4.0, 3.0),
        value_fn=value,
        grad_fn=grad,
        hessian_fn=hessian,
    )


def _make_ravine() -> Surface:
    value, grad, hessian = _quadratic(RAVINE_MATRIX)
    along, across = RAVINE_CURVATURES
    angle = f"{RAVINE_ANGLE_DEGREES:g}°"
    return Surface(
        name="ravine",
        title="Narrow ravine",
        description="A long, narrow, tilted valley: a step that suits the steep walls crawls "
        "along the floor, which is the problem momentum and Adam solve.",
        formula=f"f(x, y) = ½ ({_times(along, 'u²')} + {_times(across, 'v²')}), "
        f"u = x cos({angle}) + y sin({angle}), v = y cos({angle}) − x sin({angle})",
        window=((-5.0, 5.0), (-4.0, 4.0)),
        minima=_minima(value, [(0.0, 0.0)]),
        # Far along the floor and a little up the wall, so the run zig-zags then crawls.
        default_start=(-4.0, -1.0),
        value_fn=value,
        grad_fn=grad,
        hessian_fn=hessian,
    )


# --- The local-minimum trap ------------------------------------------------------------


@dataclass(frozen=True)
class Well:
    """A Gaussian dip, depth · exp(−|p − centre|² / (2 width²)).

    Its curvature at the centre is depth / width²: narrow wells are sharp.
    """

    centre: tuple[float, float]
    depth: float
    width: float


# A gentle bowl under both wells, so points far away slide back toward them.
TRAP_BOWL = 0.05
# The shallow well is a pothole: narrow and sharp (curvature ≈ 8 at its floor). Plain steps
# with lr < 2/8 settle in it; steps with lr well above that bounce out of it.
POTHOLE = Well(centre=(-2.0, 1.5), depth=1.0, width=0.35)
# The deep basin is wide and flat (curvature ≈ 1), so it still holds steps up to lr ≈ 2:
# a cyclical rate peaking near 1 escapes the pothole and settles here.
DEEP_BASIN = Well(centre=(1.0, -0.5), depth=2.0, width=1.5)
TRAP_WELLS = (DEEP_BASIN, POTHOLE)


def _trap_terms(p: np.ndarray):
    """x, y and, for each well, (dx, dy, its Gaussian exp(−r²/2w²)): what value and gradient share."""
    x, y = p[..., 0], p[..., 1]
    wells = []
    for w in TRAP_WELLS:
        dx, dy = x - w.centre[0], y - w.centre[1]
        wells.append((dx, dy, np.exp((dx * dx + dy * dy) / (-2.0 * w.width**2))))
    return x, y, wells


def _trap_value_of(terms) -> np.ndarray:
    x, y, wells = terms
    f = TRAP_BOWL * (x * x + y * y)
    for w, (_, _, gauss) in zip(TRAP_WELLS, wells, strict=True):
        f = f - w.depth * gauss
    return f


def _trap_grad_of(p: np.ndarray, terms) -> np.ndarray:
    x, y, wells = terms
    gx, gy = 2.0 * TRAP_BOWL * x, 2.0 * TRAP_BOWL * y
    for w, (dx, dy, gauss) in zip(TRAP_WELLS, wells, strict=True):
        e = (w.depth / w.width**2) * gauss
        gx = gx + e * dx
        gy = gy + e * dy
    out = np.empty_like(p)
    out[..., 0] = gx
    out[..., 1] = gy
    return out


_trap_value, _trap_grad, _trap_value_grad = _from_terms(_trap_terms, _trap_value_of, _trap_grad_of)


def _trap_hessian(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    hxx = np.full(x.shape, 2.0 * TRAP_BOWL)
    hyy = hxx.copy()
    hxy = np.zeros(x.shape)
    for w in TRAP_WELLS:
        dx, dy = x - w.centre[0], y - w.centre[1]
        e = (w.depth / w.width**2) * np.exp((dx * dx + dy * dy) / (-2.0 * w.width**2))
        k = 1.0 / w.width**2
        hxx += e * (1.0 - k * dx * dx)
        hyy += e * (1.0 - k * dy * dy)
        hxy -= e * k * dx * dy
    out = _empty_hessian(p)
    out[..., 0, 0] = hxx
    out[..., 1, 1] = hyy
    out[..., 0, 1] = hxy
    out[..., 1, 0] = hxy
    return out


def _well_term(w: Well) -> str:
    cx, cy = w.centre
    dx = f"x − {cx:g}" if cx >= 0 else f"x + {-cx:g}"
    dy = f"y − {cy:g}" if cy >= 0 else f"y + {-cy:g}"
    return f"{_times(w.depth, '')}exp(−(({dx})² + ({dy})²)/{2 * w.width**2:g})"


def _make_trap() -> Surface:
    return Surface(
        name="trap",
        title="Pothole and basin",
        description="A narrow pothole beside a wide, deeper basin: small steps settle in the "
        "pothole, while steps too big for its sharp walls throw you out into the basin.",
        formula=f"f(x, y) = {TRAP_BOWL:g} (x² + y²) − "
        + " − ".join(_well_term(w) for w in (POTHOLE, DEEP_BASIN)),
        window=((-4.0, 4.0), (-4.0, 4.0)),
        # The wells' centres are only seeds: the bowl and the other well shift each floor.
        minima=_minima(
            _trap_value,
            [_newton(_trap_grad, _trap_hessian, w.centre) for w in TRAP_WELLS],
        ),
        # On the pothole's far wall: plain descent from here ends in the pothole.
        default_start=(-2.4, 1.9),
        value_fn=_trap_value,
        grad_fn=_trap_grad,
        hessian_fn=_trap_hessian,
        value_grad_fn=_trap_value_grad,
    )


# --- Rosenbrock ------------------------------------------------------------------------

ROSENBROCK_A = 1.0  # the minimum sits at (a, a²)
ROSENBROCK_B = 100.0  # steepness of the valley walls


def _rosenbrock_value(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    return (ROSENBROCK_A - x) ** 2 + ROSENBROCK_B * (y - x * x) ** 2


def _rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    wall = (2.0 * ROSENBROCK_B) * (y - x * x)
    out = np.empty_like(p)
    out[..., 0] = 2.0 * (x - ROSENBROCK_A) - 2.0 * x * wall
    out[..., 1] = wall
    return out


def _rosenbrock_hessian(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    out = _empty_hessian(p)
    out[..., 0, 0] = 2.0 + (4.0 * ROSENBROCK_B) * (3.0 * x * x - y)
    out[..., 0, 1] = out[..., 1, 0] = (-4.0 * ROSENBROCK_B) * x
    out[..., 1, 1] = 2.0 * ROSENBROCK_B
    return out


def _make_rosenbrock() -> Surface:
    a, b = ROSENBROCK_A, ROSENBROCK_B
    return Surface(
        name="rosenbrock",
        title="Rosenbrock's banana valley",
        description="A curved banana-shaped valley: reaching the valley floor is quick, "
        "following its bend to the minimum is slow.",
        formula=f"f(x, y) = ({a:g} − x)² + {b:g} (y − x²)²",
        window=((-2.0, 2.0), (-1.0, 3.0)),
        minima=_minima(_rosenbrock_value, [(a, a * a)]),
        default_start=(-1.5, 2.0),
        value_fn=_rosenbrock_value,
        grad_fn=_rosenbrock_grad,
        hessian_fn=_rosenbrock_hessian,
    )


# --- Himmelblau ------------------------------------------------------------------------

HIMMELBLAU_A = 11.0  # f = (x² + y − a)² + (x + y² − b)²
HIMMELBLAU_B = 7.0
# Rough positions of the four minima, polished by Newton below. Only (3, 2) is rational.
_HIMMELBLAU_SEEDS = ((3.0, 2.0), (-2.805, 3.131), (-3.779, -3.283), (3.584, -1.848))


def _himmelblau_terms(p: np.ndarray):
    """x, y and the two squared terms' insides, u = x² + y − a and v = x + y² − b."""
    x, y = p[..., 0], p[..., 1]
    return x, y, x * x + y - HIMMELBLAU_A, x + y * y - HIMMELBLAU_B


def _himmelblau_value_of(terms) -> np.ndarray:
    *_, u, v = terms
    return u**2 + v**2


def _himmelblau_grad_of(p: np.ndarray, terms) -> np.ndarray:
    x, y, u, v = terms
    out = np.empty_like(p)
    out[..., 0] = 4.0 * x * u + 2.0 * v
    out[..., 1] = 2.0 * u + 4.0 * y * v
    return out


_himmelblau_value, _himmelblau_grad, _himmelblau_value_grad = _from_terms(_himmelblau_terms, _himmelblau_value_of, _himmelblau_grad_of)


def _himmelblau_hessian(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    out = _empty_hessian(p)
    out[..., 0, 0] = 12.0 * x * x + 4.0 * y + (2.0 - 4.0 * HIMMELBLAU_A)
    out[..., 0, 1] = out[..., 1, 0] = 4.0 * (x + y)
    out[..., 1, 1] = 12.0 * y * y + 4.0 * x + (2.0 - 4.0 * HIMMELBLAU_B)
    return out


def _make_himmelblau() -> Surface:
    points = [_newton(_himmelblau_grad, _himmelblau_hessian, s) for s in _HIMMELBLAU_SEEDS]
    return Surface(
        name="himmelblau",
        title="Himmelblau's four valleys",
        description="Four equally deep minima: where you start, not how you step, decides "
        "which one you reach.",
        formula=f"f(x, y) = (x² + y − {HIMMELBLAU_A:g})² + (x + y² − {HIMMELBLAU_B:g})²",
        window=((-5.0, 5.0), (-5.0, 5.0)),
        # Each minimiser is a common root of both squares, so each value is exactly 0; the
        # formula at the rounded point would give ~1e-28 instead.
        minima=_minima(_himmelblau_value, points, values=[0.0] * len(points)),
        default_start=(0.0, 0.0),
        value_fn=_himmelblau_value,
        grad_fn=_himmelblau_grad,
        hessian_fn=_himmelblau_hessian,
        value_grad_fn=_himmelblau_value_grad,
    )


# --- Rastrigin -------------------------------------------------------------------------

RASTRIGIN_A = 10.0  # height of the ripples: f = 2a + Σ (xᵢ² − a cos 2πxᵢ)
RASTRIGIN_HALF_WIDTH = 5.12  # the conventional window, [−5.12, 5.12]²
_TWO_PI = 2.0 * math.pi


def _rastrigin_value(p: np.ndarray) -> np.ndarray:
    return 2.0 * RASTRIGIN_A + (p * p - RASTRIGIN_A * np.cos(_TWO_PI * p)).sum(axis=-1)


def _rastrigin_grad(p: np.ndarray) -> np.ndarray:
    return 2.0 * p + (_TWO_PI * RASTRIGIN_A) * np.sin(_TWO_PI * p)


def _rastrigin_curvature(t: np.ndarray) -> np.ndarray:
    """Second derivative of the one-axis term t² − a cos 2πt."""
    return 2.0 + (_TWO_PI**2 * RASTRIGIN_A) * np.cos(_TWO_PI * t)


def _rastrigin_hessian(p: np.ndarray) -> np.ndarray:
    out = np.zeros(p.shape + (2,), dtype=float)  # separable: no cross term
    curvature = _rastrigin_curvature(p)
    out[..., 0, 0] = curvature[..., 0]
    out[..., 1, 1] = curvature[..., 1]
    return out


def _rastrigin_axis_minima() -> np.ndarray:
    """The one-axis minimisers: one just inside each integer k, where 2t + 2πa sin 2πt = 0."""
    k = np.arange(-math.floor(RASTRIGIN_HALF_WIDTH), math.floor(RASTRIGIN_HALF_WIDTH) + 1)
    t = k.astype(float)
    for _ in range(50):
        t = t - (2.0 * t + _TWO_PI * RASTRIGIN_A * np.sin(_TWO_PI * t)) / _rastrigin_curvature(t)
    slope = 2.0 * t + _TWO_PI * RASTRIGIN_A * np.sin(_TWO_PI * t)
    if not (np.all(np.abs(slope) < 1e-10) and np.all(np.abs(t - k) < 0.5)):
        raise RuntimeError("Rastrigin: Newton did not find the minimiser near every integer")
    return t


def _make_rastrigin() -> Surface:
    ticks = _rastrigin_axis_minima()
    a2 = 2.0 * RASTRIGIN_A
    h = RASTRIGIN_HALF_WIDTH
    return Surface(
        name="rastrigin",
        title="Rastrigin's egg crate",
        description="An egg crate of 121 dimples on a bowl: plain gradient descent stops in "
        "the nearest dimple, far from the bottom.",
        formula=f"f(x, y) = {a2:g} + x² − {RASTRIGIN_A:g} cos(2πx) + y² − {RASTRIGIN_A:g} cos(2πy)",
        window=((-h, h), (-h, h)),
        # Separable, so its minima are every pair of one-axis minima: 11 × 11 of them.
        minima=_minima(_rastrigin_value, itertools.product(ticks, ticks)),
        default_start=(-3.3, 2.6),
        value_fn=_rastrigin_value,
        grad_fn=_rastrigin_grad,
        hessian_fn=_rastrigin_hessian,
    )


# --- Beale -----------------------------------------------------------------------------

# f = Σₖ (cₖ − x + x yᵏ)² for k = 1, 2, 3; all three vanish at (3, ½).
BEALE_C = (1.5, 2.25, 2.625)


def _beale_terms(p: np.ndarray):
    x, y = p[..., 0], p[..., 1]
    y2 = y * y
    y3 = y2 * y
    c1, c2, c3 = BEALE_C
    return x, y, y2, y3, c1 - x + x * y, c2 - x + x * y2, c3 - x + x * y3


def _beale_value_of(terms) -> np.ndarray:
    *_, t1, t2, t3 = terms
    return t1 * t1 + t2 * t2 + t3 * t3


def _beale_grad_of(p: np.ndarray, terms) -> np.ndarray:
    x, y, y2, y3, t1, t2, t3 = terms
    out = np.empty_like(p)
    out[..., 0] = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
    out[..., 1] = 2.0 * x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
    return out


_beale_value, _beale_grad, _beale_value_grad = _from_terms(_beale_terms, _beale_value_of, _beale_grad_of)


def _beale_hessian(p: np.ndarray) -> np.ndarray:
    x, y, y2, y3, t1, t2, t3 = _beale_terms(p)
    d1, d2, d3 = y - 1.0, y2 - 1.0, y3 - 1.0  # ∂tₖ/∂x
    e1, e2, e3 = x, 2.0 * x * y, 3.0 * x * y2  # ∂tₖ/∂y
    out = _empty_hessian(p)
    out[..., 0, 0] = 2.0 * (d1 * d1 + d2 * d2 + d3 * d3)
    out[..., 0, 1] = out[..., 1, 0] = 2.0 * (
        d1 * e1 + d2 * e2 + d3 * e3 + t1 + 2.0 * y * t2 + 3.0 * y2 * t3
    )
    out[..., 1, 1] = 2.0 * (e1 * e1 + e2 * e2 + e3 * e3 + x * (2.0 * t2 + 6.0 * y * t3))
    return out


def _make_beale() -> Surface:
    c1, c2, c3 = BEALE_C
    return Surface(
        name="beale",
        title="Beale's plateau",
        description="A flat plateau walled by steep ridges: gradients are tiny in the middle "
        "and huge at the edges, so one fixed step size cannot suit both.",
        formula=f"f(x, y) = ({c1:g} − x + xy)² + ({c2:g} − x + xy²)² + ({c3:g} − x + xy³)²",
        window=((-4.5, 4.5), (-4.5, 4.5)),
        minima=_minima(_beale_value, [(3.0, 0.5)]),
        default_start=(-1.0, -1.5),
        value_fn=_beale_value,
        grad_fn=_beale_grad,
        hessian_fn=_beale_hessian,
        value_grad_fn=_beale_value_grad,
    )


# --- Six-hump camel --------------------------------------------------------------------

# f = (a − b x² + x⁴/c) x² + xy + (−d + d y²) y²
CAMEL_A, CAMEL_B, CAMEL_C, CAMEL_D = 4.0, 2.1, 3.0, 4.0
# Rough positions of the six minima (two global, four local), polished by Newton below.
_CAMEL_SEEDS = (
    (0.0898, -0.7127),
    (-0.0898, 0.7127),
    (-1.7036, 0.7961),
    (1.7036, -0.7961),
    (1.6071, 0.5687),
    (-1.6071, -0.5687),
)


def _camel_value(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    x2, y2 = x * x, y * y
    return (CAMEL_A - CAMEL_B * x2 + x2 * x2 / CAMEL_C) * x2 + x * y + CAMEL_D * (y2 - 1.0) * y2


def _camel_grad(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    x2 = x * x
    out = np.empty_like(p)
    out[..., 0] = x * (2.0 * CAMEL_A - 4.0 * CAMEL_B * x2 + (6.0 / CAMEL_C) * x2 * x2) + y
    out[..., 1] = x + (2.0 * CAMEL_D) * y * (2.0 * y * y - 1.0)
    return out


def _camel_hessian(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    x2 = x * x
    out = _empty_hessian(p)
    out[..., 0, 0] = 2.0 * CAMEL_A - 12.0 * CAMEL_B * x2 + (30.0 / CAMEL_C) * x2 * x2
    out[..., 0, 1] = out[..., 1, 0] = 1.0
    out[..., 1, 1] = (2.0 * CAMEL_D) * (6.0 * y * y - 1.0)
    return out


def _make_six_hump_camel() -> Surface:
    a, b, c, d = CAMEL_A, CAMEL_B, CAMEL_C, CAMEL_D
    points = [_newton(_camel_grad, _camel_hessian, s) for s in _CAMEL_SEEDS]
    return Surface(
        name="six_hump_camel",
        title="Six-hump camel",
        description="Two equally good minima and four worse ones on a saddle-shaped back: "
        "the start point and the step size pick the outcome.",
        formula=f"f(x, y) = ({a:g} − {b:g} x² + x⁴/{c:g}) x² + xy + (−{d:g} + {d:g} y²) y²",
        window=((-2.0, 2.0), (-1.0, 1.0)),
        minima=_minima(_camel_value, points),
        default_start=(-1.2, -0.9),
        value_fn=_camel_value,
        grad_fn=_camel_grad,
        hessian_fn=_camel_hessian,
    )


ANALYTIC_SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        _make_bowl(),
        _make_ravine(),
        _make_trap(),
        _make_rosenbrock(),
        _make_himmelblau(),
        _make_rastrigin(),
        _make_beale(),
        _make_six_hump_camel(),
    )
}
