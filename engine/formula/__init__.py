"""A lecturer's own loss surface: a safe parser for f(x, y), exact derivatives and minima.

A lecturer types a formula such as ``(1-x)**2 + 5*(y-x**2)**2`` and a plotting window;
`custom_surface` turns them into a `Surface` like the built-in ones. Nothing runs the text as
code, and the formula's size and depth are bounded. One job per module, each importing only
those above it:

- printed: the printed form, as a lecture writes it (`pretty`);
- tree: the expression tree (`Expr`), its operations and `FormulaError`;
- parse: the tokenizer, the parser and the limits on text, nesting, tree size, numbers and
  exponents (`parse_formula`, `MAX_LENGTH`, `MAX_DEPTH`, `MAX_NODES`, ...);
- derive: symbolic derivatives with light simplification (`derivative`, `simplify`);
- compile: value, gradient and Hessian as NumPy functions, with their operation counts for
  engine.budget (`build_formula`, `Formula`);
- window: the plotting window's limits and checks (`DEFAULT_WINDOW`, ...);
- minima: the minima in the window, by damped Newton's method;
- surface: the `Surface` itself, refusing a formula undefined on its window (`custom_surface`).

Import from here: ``from engine.formula import custom_surface``. The limits are read where
they are defined, so a test that patches one patches it in its own module (e.g.
engine.formula.parse.MAX_NODES).
"""

from engine.formula.compile import ArrayFn, Formula, build_formula
from engine.formula.derive import ONE, ZERO, derivative, simplify
from engine.formula.minima import GLOBAL_TOLERANCE, MAX_SEEDS, POLISH_ITERATIONS
from engine.formula.parse import (
    ALLOWED_NAMES,
    FUNCTION_ALIASES,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NODES,
    MAX_NUMBER,
    parse_formula,
)
from engine.formula.printed import pretty
from engine.formula.surface import GRID_POINTS, START_FRACTION, custom_surface
from engine.formula.tree import CONSTANTS, FUNCTIONS, VARIABLES, Expr, FormulaError
from engine.formula.window import (
    DEFAULT_WINDOW,
    MAX_WINDOW_BOUND,
    MAX_WINDOW_SPAN,
    MIN_WINDOW_SPAN,
    Window,
)

__all__ = [
    "ALLOWED_NAMES",
    "CONSTANTS",
    "DEFAULT_WINDOW",
    "FUNCTIONS",
    "FUNCTION_ALIASES",
    "GLOBAL_TOLERANCE",
    "GRID_POINTS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_NUMBER",
    "MAX_SEEDS",
    "MAX_WINDOW_BOUND",
    "MAX_WINDOW_SPAN",
    "MIN_WINDOW_SPAN",
    "ONE",
    "POLISH_ITERATIONS",
    "START_FRACTION",
    "VARIABLES",
    "ZERO",
    "ArrayFn",
    "Expr",
    "Formula",
    "FormulaError",
    "Window",
    "build_formula",
    "custom_surface",
    "derivative",
    "parse_formula",
    "pretty",
    "simplify",
]
