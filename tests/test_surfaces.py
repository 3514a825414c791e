"""The analytic surfaces: derivatives, minima, windows and the lessons each one teaches."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.surfaces import ANALYTIC_SURFACES, Minimum, Surface

SURFACES = list(ANALYTIC_SURFACES.values())
by_name = pytest.mark.parametrize("surface", SURFACES, ids=[s.name for s in SURFACES])
examples = settings(max_examples=100, deadline=None)
unit = st.floats(0.0, 1.0)

H = 1e-6  # finite-difference step: balances truncation (~H²) against rounding (~eps/H)


def in_window(surface: Surface, u: float, v: float) -> np.ndarray:
    """The point a fraction (u, v) of the way across the surface's window."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.window
    return np.array([x_lo + u * (x_hi - x_lo), y_lo + v * (y_hi - y_lo)])


def random_points(surface: Surface, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Uniform random points of the window, shape (*shape, 2)."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.window
    u = np.random.default_rng(seed).random((*shape, 2))
    return np.array([x_lo, y_lo]) + u * np.array([x_hi - x_lo, y_hi - y_lo])


def central_difference(fn, p: np.ndarray) -> np.ndarray:
    """d fn / d p_i by central differences; the last axis of the result is i."""
    columns = []
    for i in range(2):
        up, down = p.copy(), p.copy()
        up[i] += H
        down[i] -= H
        columns.append((fn(up) - fn(down)) / (up[i] - down[i]))  # the step as rounded
    return np.stack(columns, axis=-1)


def descend(surface: Surface, start, learning_rates) -> np.ndarray:
    """Plain gradient descent, p ← p − lr ∇f(p); returns every iterate."""
    p = np.array(start, dtype=float)
    path = [p]
    for lr in learning_rates:
        p = p - lr * surface.grad(p)
        path.append(p)
    return np.array(path)


def triangle(base_lr: float, max_lr: float, step_size_up: int, steps: int) -> np.ndarray:
    """A triangular cyclical learning rate: base → max over step_size_up steps, and back."""
    phase = np.arange(steps) % (2 * step_size_up)
    rise = np.minimum(phase, 2 * step_size_up - phase) / step_size_up
    return base_lr + (max_lr - base_lr) * rise


# --- The registry ----------------------------------------------------------------------


def test_registry_order_names_and_text():
    assert list(ANALYTIC_SURFACES)[:6] == [
        "bowl",
        "ravine",
        "trap",
        "rosenbrock",
        "himmelblau",
        "rastrigin",
    ]
    for name, s in ANALYTIC_SURFACES.items():
        assert s.name == name
        assert s.title and s.formula.startswith("f(x, y) = ")
        assert s.description and "\n" not in s.description
        assert s.param_names == ("x", "y")


@by_name
def test_surface_takes_only_no_normalization(surface):
    assert surface.surface() is surface
    assert surface.surface("none") is surface
    with pytest.raises(ValueError) as err:
        surface.surface("standard")
    assert str(err.value) == (
        f"normalization 'standard' applies to the data-fit problem only; "
        f"{surface.name} takes 'none'"
    )


# --- Derivatives -----------------------------------------------------------------------


@by_name
@examples
@given(u=unit, v=unit)
def test_gradient_matches_finite_differences(surface, u, v):
    p = in_window(surface, u, v)
    grad = surface.grad(p)
    numeric = central_difference(surface.value, p)
    scale = 1.0 + abs(surface.value(p)) + np.max(np.abs(grad))
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7 * scale)


@by_name
@examples
@given(u=unit, v=unit)
def test_hessian_matches_finite_differences_and_is_symmetric(surface, u, v):
    p = in_window(surface, u, v)
    hessian = surface.hessian(p)
    assert hessian[0, 1] == hessian[1, 0]
    numeric = central_difference(surface.grad, p)  # numeric[j, i] = ∂g_j/∂p_i
    scale = 1.0 + np.max(np.abs(surface.grad(p))) + np.max(np.abs(hessian))
    np.testing.assert_allclose(hessian, numeric, rtol=1e-6, atol=1e-7 * scale)


@by_name
def test_vectorized_over_any_leading_shape(surface):
    p = random_points(surface, (3, 4))
    assert p.shape == (3, 4, 2)
    value, grad, hessian = surface.value(p), surface.grad(p), surface.hessian(p)
    assert value.shape == (3, 4) and grad.shape == (3, 4, 2) and hessian.shape == (3, 4, 2, 2)
    for i in range(3):
        for j in range(4):
            np.testing.assert_allclose(value[i, j], surface.value(p[i, j]), rtol=1e-14)
            np.testing.assert_allclose(grad[i, j], surface.grad(p[i, j]), rtol=1e-14)
            np.testing.assert_allclose(hessian[i, j], surface.hessian(p[i, j]), rtol=1e-14)
    flat = p.reshape(-1, 2)
    np.testing.assert_allclose(surface.grad(flat), grad.reshape(-1, 2), rtol=1e-14)


SHARED = [s for s in SURFACES if s.value_grad_fn is not None]


@pytest.mark.parametrize("surface", SHARED, ids=[s.name for s in SHARED])
def test_value_and_gradient_together_are_the_two_alone(surface):
    """value_grad_fn gives value_fn's and grad_fn's numbers, bit for bit, in and far out of
    the window (where a diverging run goes), so a run is the same whichever the loop calls."""
    assert {"trap", "beale", "himmelblau"} <= {s.name for s in SHARED}
    rng = np.random.default_rng(3)
    p = np.concatenate([random_points(surface, (50,)), rng.normal(size=(50, 2)) * 10.0 ** rng.uniform(0, 200, (50, 1))])
    p[:3] = [[np.inf, 0.0], [np.nan, 1.0], [-1e300, 1e300]]
    for points in (p, p[:4], p[7], p.reshape(5, 20, 2)):
        with np.errstate(all="ignore"):
            value, grad = surface.value_grad_fn(points)
            np.testing.assert_array_equal(value, surface.value_fn(points))
            np.testing.assert_array_equal(grad, surface.grad_fn(points))


@by_name
def test_accepts_lists_tuples_and_integers(surface):
    x, y = surface.default_start
    expected = surface.value(np.array([x, y]))
    assert surface.value([x, y]) == expected
    assert surface.value((x, y)) == expected
    np.testing.assert_array_equal(surface.grad([[x, y]]), surface.grad(np.array([[x, y]])))
    np.testing.assert_array_equal(surface.value([0, 0]), surface.value([0.0, 0.0]))
    with pytest.raises(ValueError, match="shape"):
        surface.value([1.0, 2.0, 3.0])


# --- Formulas, pinned independently ----------------------------------------------------


@examples
@given(u=unit, v=unit)
def test_rosenbrock_formula(u, v):
    s = ANALYTIC_SURFACES["rosenbrock"]
    x, y = in_window(s, u, v)
    assert s.value([x, y]) == pytest.approx(
        (1 - x) ** 2 + 100 * (y - x**2) ** 2, rel=1e-13, abs=1e-13
    )


@examples
@given(u=unit, v=unit)
def test_himmelblau_formula(u, v):
    s = ANALYTIC_SURFACES["himmelblau"]
    x, y = in_window(s, u, v)
    expected = (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    assert s.value([x, y]) == pytest.approx(expected, rel=1e-13, abs=1e-12)


@examples
@given(u=unit, v=unit)
def test_rastrigin_formula(u, v):
    s = ANALYTIC_SURFACES["rastrigin"]
    p = in_window(s, u, v)
    expected = 20 + sum(t**2 - 10 * math.cos(2 * math.pi * t) for t in p)
    assert s.value(p) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_other_formulas_at_random_points():
    expected = {
        "bowl": lambda x, y: 0.5 * (x**2 + 3 * y**2),
        "beale": lambda x, y: (
            (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
        ),
        "six_hump_camel": lambda x, y: (
            (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2
        ),
    }
    for name, formula in expected.items():
        s = ANALYTIC_SURFACES[name]
        p = random_points(s, (200,))
        np.testing.assert_allclose(s.value(p), formula(p[:, 0], p[:, 1]), rtol=1e-12, atol=1e-12)


_SUPERSCRIPT = {"²": "**2", "³": "**3", "⁴": "**4", "⁶": "**6"}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?|½)|(?P<fn>cos|sin|exp)|(?P<var>[a-zπ])"
    r"|(?P<sup>[²³⁴⁶°])|(?P<open>\()|(?P<close>\))|(?P<op>[-−+·/]))"
)


def _python(expression: str) -> str:
    """Turn a display formula like '100 (y − x²)²' or '10 cos(2πx)' into Python."""
    out, previous, pos = [], None, 0
    expression = expression.strip()
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        assert match and match.end() > pos, f"cannot read {expression[pos:]!r}"
        pos = match.end()
        kind, text = match.lastgroup, match.group(match.lastgroup)
        # Juxtaposition is multiplication: '2πx', 'xy', '3 y²', '0.05 (x² + y²)'.
        if previous in ("num", "var", "sup", "close") and kind in ("num", "var", "fn", "open"):
            out.append("*")
        if kind == "num":
            text = "0.5" if text == "½" else text
        elif kind == "var":
            text = "pi" if text == "π" else text
        elif kind == "sup":
            text = "*(pi/180)" if text == "°" else _SUPERSCRIPT[text]
        elif kind == "op":
            text = {"−": "-", "·": "*"}.get(text, text)
        out.append(text)
        previous = kind
    return "".join(out)


def evaluate_display_formula(formula: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """f from the formula a student reads: 'f(x, y) = main[, u = ..., v = ...]'."""
    body = formula.removeprefix("f(x, y) = ")
    main, *definitions = re.split(r",\s*(?=[a-z] = )", body)
    names = {"x": x, "y": y, "pi": math.pi, "cos": np.cos, "sin": np.sin, "exp": np.exp}
    for definition in definitions:
        name, expression = definition.split(" = ")
        names[name.strip()] = eval(_python(expression), {"__builtins__": {}}, names)
    return eval(_python(main), {"__builtins__": {}}, names)


@by_name
def test_display_formula_is_the_function_computed(surface):
    # A docstring that disagrees with its code is a classic benchmark-suite bug: the formula
    # students read must be the function the optimizer descends.
    p = random_points(surface, (500,), seed=1)
    shown = evaluate_display_formula(surface.formula, p[:, 0], p[:, 1])
    np.testing.assert_allclose(surface.value(p), shown, rtol=1e-9, atol=1e-9)


def test_display_formula_reader_reads_juxtaposition():
    assert _python("½ (x² + 3 y²)") == "0.5*(x**2+3*y**2)"
    assert _python("20 + x² − 10 cos(2πx)") == "20+x**2-10*cos(2*pi*x)"
    assert _python("(2.625 − x + xy³)²") == "(2.625-x+x*y**3)**2"


# --- Minima ----------------------------------------------------------------------------


@by_name
def test_listed_minima_are_minima_with_their_values(surface):
    points = np.array([m.point for m in surface.minima])
    listed = np.array([m.value for m in surface.minima])
    np.testing.assert_allclose(surface.value(points), listed, rtol=1e-13, atol=1e-13)
    assert np.all(np.abs(surface.grad(points)) < 1e-8), "the gradient must vanish"
    hessian = surface.hessian(points)
    assert np.all(np.linalg.eigvalsh(hessian)[:, 0] > 1e-3), "the Hessian must be positive there"
    gaps = np.abs(points[:, None, :] - points[None, :, :]).max(axis=-1)
    assert np.all(gaps[~np.eye(len(points), dtype=bool)] > 1e-3), "no minimum twice"


@by_name
def test_global_flags_mark_exactly_the_lowest(surface):
    lowest = min(m.value for m in surface.minima)
    for m in surface.minima:
        assert isinstance(m, Minimum)
        if m.is_global:
            assert m.value == pytest.approx(lowest, abs=1e-12)
        else:
            assert m.value > lowest + 1e-6
    assert surface.global_minimum is next(m for m in surface.minima if m.is_global)
    assert surface.global_minimum.value == pytest.approx(lowest, abs=1e-12)


@by_name
def test_minima_and_start_lie_in_the_window(surface):
    (x_lo, x_hi), (y_lo, y_hi) = surface.window
    assert x_lo < x_hi and y_lo < y_hi
    for x, y in [m.point for m in surface.minima] + [surface.default_start]:
        assert x_lo <= x <= x_hi and y_lo <= y <= y_hi


def _newton_from_grid(surface: Surface, n: int = 101, iterations: int = 40) -> np.ndarray:
    """Every minimiser Newton's method reaches from an n × n grid over the window."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.window
    xs, ys = np.meshgrid(np.linspace(x_lo, x_hi, n), np.linspace(y_lo, y_hi, n))
    p = np.stack([xs.ravel(), ys.ravel()], axis=-1)
    with np.errstate(all="ignore"):  # starts near a singular Hessian fly off; drop them
        for _ in range(iterations):
            h, g = surface.hessian(p), surface.grad(p)
            det = h[:, 0, 0] * h[:, 1, 1] - h[:, 0, 1] * h[:, 1, 0]
            step_x = (h[:, 1, 1] * g[:, 0] - h[:, 0, 1] * g[:, 1]) / det
            step_y = (h[:, 0, 0] * g[:, 1] - h[:, 1, 0] * g[:, 0]) / det
            p = p - np.stack([step_x, step_y], axis=-1)
        finite = np.all(np.isfinite(p), axis=-1)
        p = p[finite]
        inside = (x_lo <= p[:, 0]) & (p[:, 0] <= x_hi) & (y_lo <= p[:, 1]) & (p[:, 1] <= y_hi)
        p = p[inside & (np.max(np.abs(surface.grad(p)), axis=-1) < 1e-8)]
    p = p[np.linalg.eigvalsh(surface.hessian(p))[:, 0] > 0]
    return p


@by_name
def test_every_minimum_in_the_window_is_listed(surface):
    found = _newton_from_grid(surface)
    listed = np.array([m.point for m in surface.minima])
    distance = np.abs(found[:, None, :] - listed[None, :, :]).max(axis=-1).min(axis=1)
    assert np.all(distance < 1e-6), f"unlisted minima near {found[distance >= 1e-6][:5]}"
    reached = np.abs(found[:, None, :] - listed[None, :, :]).max(axis=-1).min(axis=0) < 1e-6
    assert np.all(reached), "the grid search should also find every listed minimum"


def test_known_minima_of_the_classics():
    assert ANALYTIC_SURFACES["rosenbrock"].global_minimum == Minimum((1.0, 1.0), 0.0, True)
    assert ANALYTIC_SURFACES["beale"].global_minimum == Minimum((3.0, 0.5), 0.0, True)
    for name in ("bowl", "ravine", "rastrigin"):
        assert ANALYTIC_SURFACES[name].global_minimum == Minimum((0.0, 0.0), 0.0, True)

    himmelblau = ANALYTIC_SURFACES["himmelblau"].minima
    assert len(himmelblau) == 4 and all(m.is_global and m.value == 0.0 for m in himmelblau)
    assert himmelblau[0].point == (3.0, 2.0)
    # Published to 6 decimals; ours are Newton-polished to full precision.
    published = [(-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    for m, point in zip(himmelblau[1:], published, strict=True):
        assert m.point == pytest.approx(point, abs=1e-6)

    rastrigin = ANALYTIC_SURFACES["rastrigin"].minima
    assert len(rastrigin) == 121 and sum(m.is_global for m in rastrigin) == 1
    ticks = sorted({m.point[0] for m in rastrigin})
    assert len(ticks) == 11
    assert ticks == pytest.approx(np.arange(-5, 6) * (1 - 1 / (1 + 20 * math.pi**2)), abs=1e-3)

    camel = ANALYTIC_SURFACES["six_hump_camel"].minima
    assert len(camel) == 6 and sum(m.is_global for m in camel) == 2
    assert camel[0].point == pytest.approx((0.0898, -0.7126), abs=1e-4)
    assert camel[0].value == pytest.approx(-1.0316, abs=1e-4)


# --- Lessons ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bowl", "ravine"])
def test_quadratic_hessians_are_constant(name):
    s = ANALYTIC_SURFACES[name]
    hessians = s.hessian(random_points(s, (50,)))
    np.testing.assert_array_equal(hessians, np.broadcast_to(hessians[0], hessians.shape))


def test_bowl_learning_rate_lesson():
    bowl = ANALYTIC_SURFACES["bowl"]
    curvatures = np.linalg.eigvalsh(bowl.hessian([0.0, 0.0]))
    np.testing.assert_allclose(curvatures, [1.0, 3.0])
    edge = 2.0 / curvatures.max()
    start = bowl.default_start

    calm = descend(bowl, start, [0.1] * 100)
    assert np.all(np.diff(bowl.value(calm)) < 0) and bowl.value(calm[-1]) < 1e-6
    zigzag = descend(bowl, start, [0.95 * edge] * 100)
    assert np.all(zigzag[1:, 1] * zigzag[:-1, 1] < 0), "y should flip sign every step"
    assert bowl.value(zigzag[-1]) < 1e-3
    diverge = descend(bowl, start, [1.05 * edge] * 100)
    assert bowl.value(diverge[-1]) > 1e3 * bowl.value(start)


def test_ravine_is_ill_conditioned_and_tilted():
    ravine = ANALYTIC_SURFACES["ravine"]
    curvatures, axes = np.linalg.eigh(ravine.hessian([0.0, 0.0]))
    assert curvatures[1] / curvatures[0] >= 25
    floor = axes[:, 0] * np.sign(axes[0, 0])
    assert np.degrees(np.arctan2(floor[1], floor[0])) == pytest.approx(30.0)
    # Just below the stability limit, the run zig-zags across the floor yet still converges.
    path = descend(ravine, ravine.default_start, [0.95 * 2 / curvatures[1]] * 300)
    across = path @ axes[:, 1]
    assert np.all(across[1:] * across[:-1] < 0)
    assert ravine.value(path[-1]) < 1e-3 * ravine.value(path[0])


def test_trap_has_a_shallow_sharp_pothole_and_a_deep_wide_basin():
    trap = ANALYTIC_SURFACES["trap"]
    assert len(trap.minima) == 2
    deep, shallow = trap.global_minimum, next(m for m in trap.minima if not m.is_global)
    assert shallow.value - deep.value >= 0.5
    sharp = np.linalg.eigvalsh(trap.hessian(shallow.point)).max()
    flat = np.linalg.eigvalsh(trap.hessian(deep.point)).max()
    assert sharp > 4 * flat

    # The pothole is obvious: leaving it means climbing over a real pass (a saddle point).
    a, b = np.array(shallow.point), np.array(deep.point)
    ridge = a + np.linspace(0, 1, 401)[:, None] * (b - a)
    p = ridge[np.argmax(trap.value(ridge))]
    for _ in range(30):
        p = p - np.linalg.solve(trap.hessian(p), trap.grad(p))
    assert np.max(np.abs(trap.grad(p))) < 1e-10
    assert np.linalg.eigvalsh(trap.hessian(p))[0] < 0 < np.linalg.eigvalsh(trap.hessian(p))[1]
    assert trap.value(p) - shallow.value > 0.3


@pytest.mark.parametrize("lr", [0.01, 0.02, 0.05])
def test_trap_small_steps_stay_in_the_pothole(lr):
    trap = ANALYTIC_SURFACES["trap"]
    end = descend(trap, trap.default_start, [lr] * 2000)[-1]
    nearest = min(trap.minima, key=lambda m: np.hypot(*(end - m.point)))
    assert not nearest.is_global
    assert end == pytest.approx(nearest.point, abs=1e-6)


@pytest.mark.parametrize(
    ("base_lr", "max_lr", "step_size_up", "steps"),
    [
        (0.02, 1.0, 50, 400),
        (0.01, 0.8, 25, 200),
        (0.05, 1.2, 100, 800),
    ],
)
def test_trap_cyclical_rate_escapes_into_the_basin(base_lr, max_lr, step_size_up, steps):
    trap = ANALYTIC_SURFACES["trap"]
    deep, shallow = trap.global_minimum, next(m for m in trap.minima if not m.is_global)
    # The peak rate is unstable in the pothole (lr·curvature > 2) but stable in the basin.
    assert max_lr * np.linalg.eigvalsh(trap.hessian(shallow.point)).max() > 2
    assert max_lr * np.linalg.eigvalsh(trap.hessian(deep.point)).max() < 2
    end = descend(trap, trap.default_start, triangle(base_lr, max_lr, step_size_up, steps))[-1]
    assert end == pytest.approx(deep.point, abs=1e-6)
