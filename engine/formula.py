"""A lecturer's own loss surface: a safe parser for f(x, y), exact derivatives and minima.

A lecturer types a formula such as ``(1-x)**2 + 5*(y-x**2)**2`` and a plotting window;
`custom_surface` turns them into a `Surface` like the built-in ones.

Nothing here runs the text as code (no eval, exec, compile or ast). A hand-written tokenizer
and Pratt parser accept a whitelist and build a small expression tree (`Expr`); everything
else is refused with a `FormulaError` naming the problem, its position and a caret line:

- numbers: ``3``, ``0.5``, ``.5``, ``1e-3`` (at most `MAX_NUMBER` in absolute value);
- the variables ``x`` and ``y``, the constants ``pi`` and ``e``;
- ``+ - * /``, powers ``**`` or ``^`` (right-associative, ``-x^2 = -(x^2)``), unary ``-``
  and ``+``, parentheses;
- one-argument functions ``sin cos tan exp log sqrt abs tanh sinh cosh arctan`` (``atan``
  is ``arctan``; ``log`` is the natural logarithm).

Implicit multiplication (``2x``, ``x y``) is refused: write ``2*x``. Powers of anything that
depends on x or y need a constant exponent of at most `MAX_EXPONENT` in absolute value
(``x^2``, ``x^-1``, ``x^0.5``; fractional exponents of negative numbers are undefined, see
the domain rule). A varying exponent is allowed only over a positive constant base, which
is an exponential: ``2^x = exp(x log 2)``, ``e^(-x^2) = exp(-x^2)``; ``x^y`` is refused
(write ``exp(y*log(x))``). A constant exponent over a constant base obeys the same limit,
so ``9**9**9`` is refused before anything is computed. Text, nesting and tree size are
bounded too (`MAX_LENGTH`, `MAX_DEPTH`, `MAX_NODES`), so no input can take real time or
memory, and a formula must mention x or y (a constant surface has nothing to descend).

Derivatives are exact: `derivative` differentiates the tree symbolically, with light
simplification (constant folding, 0·a → 0, 1·a → a, a + 0 → a, −(−a) → a), and the
gradient and Hessian trees are evaluated with NumPy over points of shape (..., 2). The
Hessian's off-diagonal is computed once, so it is exactly symmetric. ``abs`` has
derivative sign(u) (0 at the kink); the gradient of a cone such as ``sqrt(x^2 + y^2)`` is
NaN at its tip, like the formula's own slope.

Domain rule: f must be a finite number at every point of a `GRID_POINTS` × `GRID_POINTS`
grid over the window, or `custom_surface` refuses the formula, naming an offending point
and operation (``log`` of a non-positive number, ``sqrt`` of a negative number, division
by zero, a fractional power of a negative number, an overflowing ``exp``...). Outside the
window, where a diverging run may go, every function evaluates under
``np.errstate(all="ignore")``: undefined values are NaN or ±inf, and nothing warns.

Minima: every grid point no higher than its eight neighbours seeds a damped Newton
polish (Newton's step where the Hessian is positive definite; elsewhere the Hessian's
eigenvalues are replaced by their absolute values, so the step still goes downhill; a
backtracking line search keeps every step inside the window). A polished point is a minimum if
its Hessian is positive definite and the Newton step from it is negligible; duplicates
merge, and minima within `GLOBAL_TOLERANCE` of the lowest are global. Seeding from the
fine grid finds every basin wider than a grid cell, which a coarse seed grid would miss.
When no minimum exists in the window (a plane, a saddle, a flat valley floor) the lowest
point of the grid is listed as the one "global" minimum: the lowest point in the window,
which the outcome labels need as their reference (polished downhill along the edge, so an
edge minimum such as that of log(x) on x ∈ [0.1, 3] is exact).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from numbers import Real
from typing import NamedTuple

import numpy as np

from engine.surfaces import Minimum, Surface

ArrayFn = Callable[[np.ndarray], np.ndarray]
Window = tuple[tuple[float, float], tuple[float, float]]

# --- Limits: each defined once here and quoted in the errors ----------------------------

MAX_LENGTH = 200  # characters of formula text
MAX_NODES = 200  # numbers, names and operations in the parsed tree
MAX_DEPTH = 30  # levels of parentheses, function calls, signs and operator nesting
MAX_NUMBER = 1e6  # largest absolute value of a number literal
MAX_EXPONENT = 10  # largest absolute value of a constant exponent

MAX_WINDOW_BOUND = 1e4  # |window bounds| at most this
MIN_WINDOW_SPAN = 1e-3  # each axis of the window at least this wide...
MAX_WINDOW_SPAN = 1e4  # ...and at most this wide
DEFAULT_WINDOW: Window = ((-3.0, 3.0), (-3.0, 3.0))

# Points per axis of the grid that checks the domain and seeds the minima search. 201 holds
# the 41-point grid engine.simulate scans for the divergence limit (200 = 5 · 40).
GRID_POINTS = 201
MAX_SEEDS = 200  # lowest grid-local minima polished (Rastrigin-like formulas have ~100)
POLISH_ITERATIONS = 100
GLOBAL_TOLERANCE = 1e-9  # relative: minima within this of the lowest are global
START_FRACTION = 0.75  # default start: this far from the lowest minimum to a window corner

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS: dict[str, Callable] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctan": np.arctan,
}
FUNCTION_ALIASES = {"atan": "arctan"}
ALLOWED_NAMES = (*VARIABLES, *CONSTANTS, *FUNCTIONS, *FUNCTION_ALIASES)

# Every operation a tree may hold, as a NumPy ufunc. "sign" never comes from the text: it is
# the derivative of abs.
_UNARY: dict[str, Callable] = {**FUNCTIONS, "neg": np.negative, "sign": np.sign}
_BINARY: dict[str, Callable] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
}
_OPERATOR_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "^": "pow"}
# Pratt binding powers: (left, right). Powers bind right-to-left; a sign binds tighter than
# * and / but looser than a power, as in Python: -x**2 = -(x**2), 2**-x = 2**(-x).
_BINDING = {"add": (10, 10), "sub": (10, 10), "mul": (20, 20), "div": (20, 20), "pow": (30, 29)}
_SIGN_BINDING = 25

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DIGITS = frozenset("0123456789")

_CHARACTER_HINTS = {
    ";": "only one expression is allowed",
    "=": "comparisons, assignments and keyword arguments are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "comparisons are not allowed",
    "#": "comments are not allowed",
    "[": "lists and indexing are not allowed",
    "]": "lists and indexing are not allowed",
    "{": "braces are not allowed: use parentheses",
    "}": "braces are not allowed: use parentheses",
    "'": "text in quotes is not allowed",
    '"': "text in quotes is not allowed",
    "\\": "backslashes are not allowed",
    ".": "a '.' may only appear inside a number such as 0.5",
    ":": "only a formula in x and y is allowed",
    "%": "use only + - * / and ** or ^",
    "\n": "line breaks are not allowed",
    "\r": "line breaks are not allowed",
    "\u2212": "use '-' for minus",
    "\u2013": "use '-' for minus",
    "\u00d7": "use '*' to multiply",
    "\u00b7": "use '*' to multiply",
    "\u22c5": "use '*' to multiply",
    "\u00f7": "use '/' to divide",
    "\u00b2": "write powers as x^2 or x**2",
    "\u00b3": "write powers as x^3 or x**3",
    "\u03c0": "write pi",
}


class FormulaError(ValueError):
    """A formula that is not allowed. str() gives the message, the text and a caret line.

    message is the one-line reason; position is the index in text where the problem is
    (None when it concerns the whole formula).
    """

    def __init__(self, message: str, text: str = "", position: int | None = None):
        self.message = message
        self.text = text
        self.position = position
        full = message
        if position is not None and text:
            shown = "".join(c if c.isprintable() else "?" for c in text)
            full = f"{message}\n  {shown}\n  {' ' * position}^"
        super().__init__(full)


@dataclass(frozen=True, eq=False)
class Expr:
    """One node of a formula's expression tree; trees share subtrees freely.

    op is "num" (value; name "pi" or "e" for a named constant), "var" (name "x" or "y"),
    "neg", "add", "sub", "mul", "div", "pow" (args: base, exponent) or a function name
    (one argument). pos is where the node's token starts in the text (-1 when derived).
    """

    op: str
    args: tuple[Expr, ...] = ()
    value: float = 0.0
    name: str = ""
    pos: int = -1

    def __str__(self) -> str:
        return pretty(self)


# --- Tokens ----------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: str  # "num", "name", "op" or "end"
    text: str
    pos: int
    value: float = 0.0


def _tokens(text: str) -> Iterator[_Token]:
    """The tokens of text, lazily, so errors come in reading order."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            match = _NUMBER.match(text, i)
            assert match is not None  # the first character already matches
            number = match.group()
            value = float(number)  # the regex admits only plain decimal numbers
            if not abs(value) <= MAX_NUMBER:
                raise FormulaError(
                    f"number {number} at position {i} is too large: numbers may be at most "
                    f"{MAX_NUMBER:,.0f} in absolute value",
                    text,
                    i,
                )
            yield _Token("num", number, i, value)
            i = match.end()
        elif c in _NAME_START:
            match = _NAME.match(text, i)
            assert match is not None
            name = match.group()
            if name not in ALLOWED_NAMES:
                raise FormulaError(_unknown_name(name, i), text, i)
            yield _Token("name", name, i)
            i = match.end()
        elif text.startswith("**", i):
            yield _Token("op", "**", i)
            i += 2
        elif c in "+-*/^(),":
            yield _Token("op", c, i)
            i += 1
        else:
            raise FormulaError(_unexpected_character(c, i), text, i)
    yield _Token("end", "", n)


def _unknown_name(name: str, pos: int) -> str:
    message = (
        f"unknown name {name!r} at position {pos}: allowed names are {', '.join(ALLOWED_NAMES)}"
    )
    if name.lower() in ALLOWED_NAMES:
        return f"{message} (names are case-sensitive: did you mean {name.lower()!r}?)"
    if name == "ln":
        return f"{message} (log is the natural logarithm)"
    if set(name) <= set(VARIABLES):
        return f"{message} (to multiply, write {'*'.join(name)})"
    return message


def _unexpected_character(c: str, pos: int) -> str:
    if c in _CHARACTER_HINTS:
        return f"unexpected character {c!r} at position {pos}: {_CHARACTER_HINTS[c]}"
    if not c.isascii():
        return (
            f"unexpected character {c!r} (U+{ord(c):04X}) at position {pos}: only plain ASCII "
            "letters, digits, spaces and + - * / ^ ( ) are allowed"
        )
    if not c.isprintable():
        return f"unexpected control character {c!r} at position {pos}"
    return f"unexpected character {c!r} at position {pos}: use only + - * / ** ^ ( )"


# --- Parsing ---------------------------------------------------------------------------


class _Parser:
    """A Pratt parser over the token stream; checks every limit as it builds the tree."""

    def __init__(self, text: str):
        self.text = text
        self.stream = _tokens(text)
        self.token = next(self.stream)
        self.previous: _Token | None = None
        self.depth = 0
        self.nodes = 0
        self.uses_variable = False
        # The value of every node that does not depend on x or y, by id(node).
        self.constants: dict[int, float] = {}

    def error(self, message: str, pos: int | None) -> FormulaError:
        return FormulaError(message, self.text, pos)

    def advance(self) -> _Token:
        self.previous, self.token = self.token, next(self.stream)
        return self.previous

    def parse(self) -> Expr:
        if self.token.kind == "end":
            raise self.error("the formula is empty: type f(x, y), for example x^2 + 3*y^2", None)
        tree = self.expression(0)
        token = self.token
        if token.text == ")":
            raise self.error(f"unexpected ')' at position {token.pos}: no '(' is open", token.pos)
        if token.text == ",":
            raise self.error(
                f"unexpected ',' at position {token.pos}: the formula is a single expression",
                token.pos,
            )
        if not self.uses_variable:
            raise self.error(
                "the formula does not mention x or y: a constant surface has nothing to descend",
                None,
            )
        return tree

    def expression(self, min_binding: int) -> Expr:
        start = self.token.pos
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"the formula is nested too deeply at position {start}: at most {MAX_DEPTH} "
                "levels of parentheses, functions, signs and operators",
                start,
            )
        left = self.operand()
        while True:
            token = self.token
            if token.kind == "end" or token.text in (")", ","):
                break
            if token.kind != "op" or token.text == "(":
                before = self.previous.text if self.previous else ""
                raise self.error(
                    f"missing operator before {token.text!r} at position {token.pos}: "
                    f"implicit multiplication is not supported, write {before}*{token.text}",
                    token.pos,
                )
            op = _OPERATOR_NAMES[token.text]
            left_binding, right_binding = _BINDING[op]
            if left_binding <= min_binding:
                break
            self.advance()
            right_start = self.token.pos
            right = self.expression(right_binding)
            if op == "pow":
                self.check_power(left, right, right_start)
            left = self.node(op, (left, right), token.pos)
        self.depth -= 1
        return left

    def operand(self) -> Expr:
        token = self.token
        if token.kind == "num":
            self.advance()
            return self.node("num", (), token.pos, value=token.value)
        if token.kind == "name":
            self.advance()
            if token.text in VARIABLES:
                self.uses_variable = True
                return self.node("var", (), token.pos, name=token.text)
            if token.text in CONSTANTS:
                return self.node("num", (), token.pos, value=CONSTANTS[token.text], name=token.text)
            return self.call(token)
        if token.text in ("-", "+"):
            self.advance()
            inner = self.expression(_SIGN_BINDING)
            return self.node("neg", (inner,), token.pos) if token.text == "-" else inner
        if token.text == "(":
            self.advance()
            if self.token.text == ")":
                raise self.error(
                    f"empty parentheses at position {token.pos}: put an expression inside",
                    token.pos,
                )
            inner = self.expression(0)
            self.close(token, "'('")
            return inner
        if token.kind == "end":
            after = repr(self.previous.text) if self.previous else "the start"
            raise self.error(
                f"the formula ends too early after {after} at position {token.pos}: expected "
                "a number, x, y, a function or '('",
                token.pos,
            )
        raise self.error(
            f"unexpected {token.text!r} at position {token.pos}: expected a number, x, y, "
            "a function or '('",
            token.pos,
        )

    def call(self, name: _Token) -> Expr:
        function = FUNCTION_ALIASES.get(name.text, name.text)
        opening = self.token
        if opening.text != "(":
            raise self.error(
                f"function {name.text!r} at position {name.pos} needs its argument in "
                f"parentheses, e.g. {name.text}(x)",
                name.pos,
            )
        self.advance()
        if self.token.text == ")":
            raise self.error(
                f"{name.text}() at position {name.pos} has no argument: write e.g. {name.text}(x)",
                name.pos,
            )
        argument = self.expression(0)
        self.close(opening, f"'{name.text}('")
        return self.node(function, (argument,), name.pos)

    def close(self, opening: _Token, what: str) -> None:
        token = self.token
        if token.text == ",":
            raise self.error(
                f"unexpected ',' at position {token.pos}: every function takes exactly one "
                "argument",
                token.pos,
            )
        if token.kind == "end":
            raise self.error(
                f"missing ')' for the {what} opened at position {opening.pos}", opening.pos
            )
        self.advance()  # the ')': expression() stops only at ')', ',' or the end

    def check_power(self, base: Expr, exponent: Expr, exponent_pos: int) -> None:
        base_value = self.constants.get(id(base))
        exponent_value = self.constants.get(id(exponent))
        if exponent_value is None:
            if base_value is None:
                raise self.error(
                    f"the exponent at position {exponent_pos} depends on x or y: a power of x "
                    "or y needs a constant exponent (for a varying one, write exp(...): "
                    "x^y = exp(y*log(x)))",
                    exponent_pos,
                )
            if not base_value > 0:
                raise self.error(
                    f"a varying exponent needs a positive constant base, not "
                    f"{_format_number(base_value)} (at position {base.pos})",
                    base.pos,
                )
        elif not abs(exponent_value) <= MAX_EXPONENT:
            raise self.error(
                f"exponent {_format_number(exponent_value)} at position {exponent_pos} is too "
                f"large: constant exponents may be at most {MAX_EXPONENT} in absolute value",
                exponent_pos,
            )

    def node(
        self, op: str, args: tuple[Expr, ...], pos: int, value: float = 0.0, name: str = ""
    ) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(
                f"the formula is too long at position {pos}: at most {MAX_NODES} numbers, "
                "names and operations",
                pos,
            )
        node = Expr(op, args, value, name, pos)
        if op == "num":
            self.constants[id(node)] = value
        elif args and all(id(a) in self.constants for a in args):
            inputs = [self.constants[id(a)] for a in args]
            result = _apply(op, inputs)
            if not math.isfinite(result):
                raise self.error(f"{_failure(op, inputs)} at position {pos}", pos)
            self.constants[id(node)] = result
        return node


def parse_formula(text: str) -> Expr:
    """The expression tree of a formula in x and y, or FormulaError saying what is wrong.

    The tree keeps the text's structure (for `pretty`); constants are checked, not folded.
    Leading and trailing whitespace is ignored. Trees are cached by text.
    """
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the formula is {len(text)} characters long: at most {MAX_LENGTH} are allowed"
        )
    return _parse(text)


@lru_cache(maxsize=512)
def _parse(text: str) -> Expr:
    return _Parser(text.strip()).parse()


# --- Trees: traversal, simplification, derivatives -------------------------------------


def _postorder(roots: Sequence[Expr]) -> list[Expr]:
    """Every distinct node under roots, children before parents (no recursion: trees from
    derivatives can be deeper than Python's stack likes)."""
    seen: set[int] = set()
    order: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.args))
    return order


def _apply(op: str, inputs: Sequence[float]) -> float:
    """op on plain numbers, IEEE-style: inf or NaN instead of exceptions or warnings."""
    function = _UNARY.get(op) or _BINARY[op]
    with np.errstate(all="ignore"):
        return float(function(*(np.float64(v) for v in inputs)))


def _num(value: float) -> Expr:
    return Expr("num", value=float(value))


ZERO = _num(0.0)
ONE = _num(1.0)


def _is(e: Expr, value: float) -> bool:
    return e.op == "num" and e.value == value


def _fold(op: str, *args: Expr) -> Expr | None:
    if all(a.op == "num" for a in args):
        return _num(_apply(op, [a.value for a in args]))
    return None


def _add(a: Expr, b: Expr) -> Expr:
    if (folded := _fold("add", a, b)) is not None:
        return folded
    if _is(a, 0):
        return b
    if _is(b, 0):
        return a
    if b.op == "neg":
        return _sub(a, b.args[0])
    return Expr("add", (a, b))


def _sub(a: Expr, b: Expr) -> Expr:
    if (folded := _fold("sub", a, b)) is not None:
        return folded
    if _is(b, 0):
        return a
    if _is(a, 0):
        return _neg(b)
    if b.op == "neg":
        return _add(a, b.args[0])
    return Expr("sub", (a, b))


def _neg(a: Expr) -> Expr:
    if (folded := _fold("neg", a)) is not None:
        return folded
    if a.op == "neg":
        return a.args[0]
    return Expr("neg", (a,))


def _mul(a: Expr, b: Expr) -> Expr:
    if (folded := _fold("mul", a, b)) is not None:
        return folded
    if b.op == "num":  # constants first
        a, b = b, a
    if _is(a, 0):
        return ZERO
    if _is(a, 1):
        return b
    if _is(a, -1):
        return _neg(b)
    if a.op == "num" and b.op == "neg":
        return _mul(_num(-a.value), b.args[0])
    if a.op == "num" and b.op == "mul" and b.args[0].op == "num":
        return _mul(_num(a.value * b.args[0].value), b.args[1])
    return Expr("mul", (a, b))


def _div(a: Expr, b: Expr) -> Expr:
    if (folded := _fold("div", a, b)) is not None:
        return folded
    if _is(a, 0):
        return ZERO
    if _is(b, 1):
        return a
    return Expr("div", (a, b))


def _pow(base: Expr, exponent: float) -> Expr:
    if exponent == 0:
        return ONE
    if exponent == 1:
        return base
    if (folded := _fold("pow", base, _num(exponent))) is not None:
        return folded
    return Expr("pow", (base, _num(exponent)))


def _call(function: str, argument: Expr) -> Expr:
    if (folded := _fold(function, argument)) is not None:
        return folded
    return Expr(function, (argument,))


_BUILD: dict[str, Callable[..., Expr]] = {
    "add": _add,
    "sub": _sub,
    "mul": _mul,
    "div": _div,
    "neg": _neg,
}


def _canonical(node: Expr, args: tuple[Expr, ...]) -> Expr:
    """node rebuilt over already simplified args: constant exponents become numbers and a
    varying exponent over a constant base becomes an exponential."""
    op = node.op
    if op in ("num", "var"):
        return node
    if op == "pow":
        base, exponent = args
        if exponent.op == "num":
            return _pow(base, exponent.value)
        if base.op == "num" and base.value > 0:
            return _call("exp", _mul(_num(math.log(base.value)), exponent))
        raise FormulaError("a power of x or y needs a constant exponent", "", None)
    if op in _BUILD:
        return _BUILD[op](*args)
    if op in _UNARY:
        return _call(op, args[0])
    raise FormulaError(f"unknown operation {op!r}")


def simplify(expr: Expr) -> Expr:
    """expr with constants folded and trivial terms dropped (0·a, 1·a, a + 0, −(−a))."""
    done: dict[int, Expr] = {}
    for node in _postorder([expr]):
        done[id(node)] = _canonical(node, tuple(done[id(a)] for a in node.args))
    return done[id(expr)]


def _rule(node: Expr, d: Sequence[Expr], var: str) -> Expr:
    """d node / d var from the derivatives d of its arguments (chain rule)."""
    op = node.op
    if op == "num":
        return ZERO
    if op == "var":
        return ONE if node.name == var else ZERO
    if op == "neg":
        return _neg(d[0])
    if op == "add":
        return _add(d[0], d[1])
    if op == "sub":
        return _sub(d[0], d[1])
    if op == "mul":
        a, b = node.args
        return _add(_mul(d[0], b), _mul(a, d[1]))
    if op == "div":
        a, b = node.args
        return _sub(_div(d[0], b), _div(_mul(a, d[1]), _pow(b, 2)))
    u = node.args[0]
    du = d[0]
    if _is(du, 0):
        return ZERO
    if op == "pow":
        p = node.args[1].value
        return _mul(_mul(_num(p), _pow(u, p - 1)), du)
    if op == "log":
        return _div(du, u)
    if op == "sqrt":
        return _div(du, _mul(_num(2.0), node))
    if op == "arctan":
        return _div(du, _add(ONE, _pow(u, 2)))
    if op == "sin":
        outer = _call("cos", u)
    elif op == "cos":
        outer = _neg(_call("sin", u))
    elif op == "tan":
        outer = _add(ONE, _pow(node, 2))
    elif op == "exp":
        outer = node
    elif op == "abs":
        outer = _call("sign", u)
    elif op == "tanh":
        outer = _sub(ONE, _pow(node, 2))
    elif op == "sinh":
        outer = _call("cosh", u)
    elif op == "cosh":
        outer = _call("sinh", u)
    elif op == "sign":
        return ZERO
    else:
        raise FormulaError(f"unknown operation {op!r}")
    return _mul(outer, du)


def _derivative(expr: Expr, var: str) -> Expr:
    d: dict[int, Expr] = {}
    for node in _postorder([expr]):
        d[id(node)] = _rule(node, [d[id(a)] for a in node.args], var)
    return d[id(expr)]


def derivative(expr: Expr, var: str) -> Expr:
    """The exact partial derivative d expr / d var (var "x" or "y"), simplified."""
    if var not in VARIABLES:
        raise ValueError(f"var must be 'x' or 'y', not {var!r}")
    return _derivative(simplify(expr), var)


# --- Evaluation ------------------------------------------------------------------------


class _Evaluator:
    """Evaluates several trees at once over points of shape (..., 2).

    The trees become a straight list of NumPy calls: identical subtrees (common between f,
    its derivatives and each other) are computed once, and intermediate arrays reuse a few
    registers, so a big grid never holds one array per node.
    """

    def __init__(self, roots: Sequence[Expr]):
        slot_of: dict[int, int] = {}  # id(node) -> value slot
        key_slot: dict[tuple, int] = {}
        constants: dict[int, float] = {}  # slot -> value
        instructions: list[tuple[int, Callable, tuple[int, ...]]] = []
        variables = {"x": 0, "y": 1}
        slots = 2
        for node in _postorder(roots):
            if node.op == "var":
                slot_of[id(node)] = variables[node.name]
                continue
            args = tuple(slot_of[id(a)] for a in node.args)
            key = (node.op, node.value) if node.op == "num" else (node.op, *args)
            if key not in key_slot:
                key_slot[key] = slots
                if node.op == "num":
                    constants[slots] = node.value
                else:
                    function = _UNARY.get(node.op) or _BINARY[node.op]
                    instructions.append((slots, function, args))
                slots += 1
            slot_of[id(node)] = key_slot[key]
        root_slots = [slot_of[id(r)] for r in roots]

        # Register allocation: x, y and constants keep theirs; a temporary's register is free
        # again after its last reader.
        last_use: dict[int, int] = {}
        for i, (_, _, args) in enumerate(instructions):
            for s in args:
                last_use[s] = i
        for s in root_slots:
            last_use[s] = len(instructions)
        register = {0: 0, 1: 1}
        for s in constants:
            register[s] = len(register)
        template: list = [None] * len(register)
        for s, v in constants.items():
            template[register[s]] = v
        free: list[int] = []
        steps = []
        for i, (slot, function, args) in enumerate(instructions):
            a = register[args[0]]
            b = register[args[1]] if len(args) > 1 else -1
            for s in set(args):
                if last_use[s] == i and s not in constants and s > 1:
                    free.append(register[s])
            if free:
                out = free.pop()
            else:
                out = len(template)
                template.append(None)
            register[slot] = out
            steps.append((function, out, a, b))
        self.template = template
        self.steps = steps
        self.outputs = [register[s] for s in root_slots]

    def __call__(self, p: np.ndarray) -> list:
        r = self.template.copy()
        r[0] = p[..., 0]
        r[1] = p[..., 1]
        for function, out, a, b in self.steps:
            r[out] = function(r[a]) if b < 0 else function(r[a], r[b])
        return [r[i] for i in self.outputs]


def _points(p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape[-1:] != (2,):
        raise ValueError(f"points must have shape (..., 2), got {p.shape}")
    return p


@dataclass(frozen=True, eq=False)
class Formula:
    """A parsed formula with its exact value, gradient and Hessian over points (..., 2).

    value_fn, grad_fn and hessian_fn return shapes (...), (..., 2) and (..., 2, 2); they
    never warn: undefined or overflowing results are NaN or ±inf. value_fn.operations and
    grad_fn.operations count the NumPy calls one evaluation makes (engine.budget).
    """

    text: str
    expr: Expr  # as parsed, in the text's own structure
    pretty: str
    value_fn: ArrayFn
    grad_fn: ArrayFn
    hessian_fn: ArrayFn


def build_formula(text: str) -> Formula:
    """Parse text (FormulaError if not allowed) and derive its gradient and Hessian.

    Cached by text: the same text gives the same Formula.
    """
    parse_formula(text)  # checks the type and length before the cache hashes text
    return _build(text)


@lru_cache(maxsize=256)
def _build(text: str) -> Formula:
    expr = parse_formula(text)
    f = simplify(expr)
    fx, fy = _derivative(f, "x"), _derivative(f, "y")
    value_of = _Evaluator([f])
    grad_of = _Evaluator([fx, fy])
    hessian_of = _Evaluator([_derivative(fx, "x"), _derivative(fx, "y"), _derivative(fy, "y")])

    def value_fn(p) -> np.ndarray:
        p = _points(p)
        with np.errstate(all="ignore"):
            (v,) = value_of(p)
        return np.array(np.broadcast_to(v, p.shape[:-1]), dtype=float)

    def grad_fn(p) -> np.ndarray:
        p = _points(p)
        out = np.empty(p.shape)
        with np.errstate(all="ignore"):
            out[..., 0], out[..., 1] = grad_of(p)
        return out

    def hessian_fn(p) -> np.ndarray:
        p = _points(p)
        out = np.empty(p.shape + (2,))
        with np.errstate(all="ignore"):
            hxx, hxy, hyy = hessian_of(p)
        out[..., 0, 0] = hxx
        out[..., 0, 1] = out[..., 1, 0] = hxy
        out[..., 1, 1] = hyy
        return out

    # What one call costs, in NumPy operations: engine.budget charges a run's steps by it.
    value_fn.operations = len(value_of.steps)
    grad_fn.operations = len(grad_of.steps)
    return Formula(text, expr, pretty(expr), value_fn, grad_fn, hessian_fn)


# --- Display ---------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_SHOWN_NAMES = {"pi": "π", "e": "e"}
# Precedence for display: sums 1, products 2, signs 3, powers 4, atoms 5.


def _format_number(v: float) -> str:
    if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _integer_exponent(e: Expr) -> int | None:
    sign = 1
    if e.op == "neg":
        sign, e = -1, e.args[0]
    if e.op == "num" and not e.name and e.value == int(e.value) and abs(e.value) <= 99:
        return sign * int(e.value)
    return None


def _number_like(e: Expr) -> bool:
    return e.op == "num" or (e.op == "neg" and e.args[0].op == "num")


def _show(e: Expr) -> tuple[str, int]:
    op = e.op
    if op == "num":
        if e.name:
            return _SHOWN_NAMES[e.name], 5
        if e.value < 0:
            return "−" + _format_number(-e.value), 3
        return _format_number(e.value), 5
    if op == "var":
        return e.name, 5
    if op in _UNARY and op != "neg":
        inner = _show(e.args[0])[0]
        if op == "abs":
            return f"|{inner}|", 5
        if op == "sqrt":
            return f"√({inner})", 5
        return f"{op}({inner})", 5
    if op == "neg":
        text, level = _show(e.args[0])
        return "−" + (f"({text})" if level < 2 or level == 3 else text), 3
    if op == "pow":
        base, level = _show(e.args[0])
        if level < 5:
            base = f"({base})"
        n = _integer_exponent(e.args[1])
        if n is not None:
            return base + str(n).translate(_SUPERSCRIPT), 4
        exponent, level = _show(e.args[1])
        return f"{base}^{exponent if level == 5 else f'({exponent})'}", 4
    a, b = e.args
    left, left_level = _show(a)
    right, right_level = _show(b)
    if op in ("add", "sub"):
        if right_level == 3 or (op == "sub" and right_level <= 1):
            right = f"({right})"
        return f"{left} {'+' if op == 'add' else '−'} {right}", 1
    if left_level < 2:
        left = f"({left})"
    if op == "div":
        if right_level < 4:
            right = f"({right})"
        return f"{left}/{right}", 2
    if right_level < 2 or right_level == 3:
        right = f"({right})"
    joint = " " if _number_like(a) and not _number_like(b) and right_level != 3 else "·"
    return f"{left}{joint}{right}", 2


def pretty(expr: Expr) -> str:
    """The formula as a lecture writes it: x² + 3 sin(y), (1 − x)² + 5 (y − x²)²."""
    return _show(expr)[0]


# --- The custom surface ----------------------------------------------------------------


def _failure(op: str, inputs: Sequence[float]) -> str:
    """Why op on these finite inputs gave inf or NaN, in words."""
    if op == "log":
        return "log of zero" if inputs[0] == 0 else "log of a negative number"
    if op == "sqrt":
        return "square root of a negative number"
    if op == "div":
        return "division by zero" if inputs[1] == 0 else "a quotient too large for floating point"
    if op == "pow":
        base, exponent = inputs
        if base == 0 and exponent < 0:
            return "zero to a negative power"
        if base < 0 and exponent != int(exponent):
            return "a negative number to a fractional power"
        return "a power too large for floating point"
    if op in ("exp", "sinh", "cosh"):
        return f"{op} of a number too large for floating point"
    return "a value too large for floating point"


def _explain_undefined(formula: Formula, point: np.ndarray) -> FormulaError:
    """The error for a formula that is not finite at point: which operation fails there."""
    x, y = float(point[0]), float(point[1])
    where = f"x={x:.6g}, y={y:.6g}"
    values: dict[int, float] = {}
    for node in _postorder([formula.expr]):
        if node.op == "num":
            values[id(node)] = node.value
            continue
        if node.op == "var":
            values[id(node)] = x if node.name == "x" else y
            continue
        inputs = [values[id(a)] for a in node.args]
        result = _apply(node.op, inputs)
        if not math.isfinite(result):  # its inputs are finite: children come first
            return FormulaError(
                f"f is not defined everywhere on the window (e.g. {_failure(node.op, inputs)} "
                f"at {where}): change the window or the formula",
                formula.text.strip(),
                node.pos,
            )
        values[id(node)] = result
    return FormulaError(f"f is not a finite number at {where}: change the window or the formula")


def _check_window(window) -> Window:
    try:
        (x_lo, x_hi), (y_lo, y_hi) = window
    except (TypeError, ValueError):
        raise ValueError(
            f"window must be ((x_low, x_high), (y_low, y_high)), got {window!r}"
        ) from None
    checked = []
    for axis, (lo, hi) in zip(VARIABLES, ((x_lo, x_hi), (y_lo, y_hi)), strict=True):
        label = f"window {axis} range ({lo!r}, {hi!r})"
        if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (lo, hi)):
            raise ValueError(f"{label} must be two numbers")
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{label} must be finite")
        if max(abs(lo), abs(hi)) > MAX_WINDOW_BOUND:
            raise ValueError(f"{label} must lie within ±{MAX_WINDOW_BOUND:g}")
        if not lo < hi:
            raise ValueError(f"{label} is empty: its low end must be below its high end")
        if not MIN_WINDOW_SPAN <= hi - lo <= MAX_WINDOW_SPAN:
            raise ValueError(
                f"{label} must be between {MIN_WINDOW_SPAN:g} and {MAX_WINDOW_SPAN:g} wide"
            )
        checked.append((lo, hi))
    return (checked[0], checked[1])


def _check_start(start, window: Window) -> tuple[float, float]:
    try:
        x, y = start
    except (TypeError, ValueError):
        raise ValueError(f"start must be a point (x, y), got {start!r}") from None
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (x, y)):
        raise ValueError(f"start {start!r} must be two numbers")
    x, y = float(x), float(y)
    (x_lo, x_hi), (y_lo, y_hi) = window
    if not (x_lo <= x <= x_hi and y_lo <= y <= y_hi):
        raise ValueError(f"start ({x:g}, {y:g}) is off the window {window}")
    return (x, y)


def _eigenvalues(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest eigenvalue of symmetric 2×2 matrices h (..., 2, 2)."""
    a, b, c = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
    mean, radius = 0.5 * (a + c), np.hypot(0.5 * (a - c), b)
    return mean - radius, mean + radius


def _solve(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """h⁻¹ g for 2×2 matrices, row by row (inf or NaN where h is singular)."""
    a, b, c = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
    det = a * c - b * b
    out = np.empty_like(g)
    out[..., 0] = (c * g[..., 0] - b * g[..., 1]) / det
    out[..., 1] = (a * g[..., 1] - b * g[..., 0]) / det
    return out


def _descent_step(g: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newton's step −H⁻¹g for each row, with H's eigenvalues made positive (|λ|, at least a
    hair) where it is not positive definite, so the step always goes downhill and each
    direction keeps its own curvature; also whether the step is Newton's own."""
    usable = np.all(np.isfinite(h), axis=(-2, -1)) & np.all(np.isfinite(g), axis=-1)
    h = np.where(usable[:, None, None], h, np.eye(2))
    curvatures, axes = np.linalg.eigh(h)
    floor = 1e-10 * np.max(np.abs(curvatures), axis=-1, keepdims=True) + 1e-300
    along = np.einsum("kji,kj->ki", axes, np.where(usable[:, None], g, 0.0))
    step = -np.einsum("kij,kj->ki", axes, along / np.maximum(np.abs(curvatures), floor))
    step[~np.isfinite(step)] = 0.0
    return step, usable & (curvatures[:, 0] > 0)


def _polish(formula: Formula, seeds: np.ndarray, window: Window) -> np.ndarray:
    """Damped Newton from every seed at once, each kept inside the window."""
    low = np.array([window[0][0], window[1][0]])
    high = np.array([window[0][1], window[1][1]])
    span = high - low
    trials = 0.5 ** np.arange(40)  # backtracking step fractions 1, ½, ¼, ...
    p = seeds.copy()
    if len(p) == 0:
        return p
    rows = np.arange(len(p))
    with np.errstate(all="ignore"):
        for _ in range(POLISH_ITERATIONS):
            f0, g, h = formula.value_fn(p), formula.grad_fn(p), formula.hessian_fn(p)
            step, newton = _descent_step(g, h)
            # At most a quarter of the window per iteration.
            scale = np.minimum(1.0, np.min(0.25 * span / np.maximum(np.abs(step), 1e-300), axis=-1))
            step *= scale[:, None]
            candidates = np.clip(p + trials[:, None, None] * step, low, high)
            f1 = formula.value_fn(candidates)
            slope = np.sum(g * (candidates - p), axis=-1)
            accept = np.isfinite(f1) & (slope < 0) & (f1 <= f0 + 1e-4 * slope)
            # Beside a minimum rounding hides the decrease: take the full Newton step.
            near = newton & (scale == 1.0) & (np.max(np.abs(step) / span, axis=-1) < 1e-6)
            accept[0] |= near
            moves = accept.any(axis=0)
            first = np.argmax(accept, axis=0)
            new = np.where(moves[:, None], candidates[first, rows], p)
            moved = np.max(np.abs(new - p) / span)
            p = new
            if not moved > 1e-15:
                break
    return p


def _local_minima(
    formula: Formula, window: Window, grid: np.ndarray, values: np.ndarray
) -> list[tuple[tuple[float, float], float]]:
    """(point, value) of each minimum in the window, lowest first."""
    rows, cols = values.shape
    padded = np.pad(values, 1, constant_values=np.inf)
    lowest_around = np.ones(values.shape, dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                lowest_around &= values <= padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]
    candidates = np.flatnonzero(lowest_around)
    candidates = candidates[np.argsort(values.ravel()[candidates], kind="stable")[:MAX_SEEDS]]
    p = _polish(formula, grid.reshape(-1, 2)[candidates], window)

    span = np.array([window[0][1] - window[0][0], window[1][1] - window[1][0]])
    f, g, h = formula.value_fn(p), formula.grad_fn(p), formula.hessian_fn(p)
    lowest, _ = _eigenvalues(h)
    with np.errstate(all="ignore"):
        newton_step = np.max(np.abs(_solve(h, g)) / span, axis=-1)
    is_minimum = np.isfinite(f) & (lowest > 0) & (newton_step < 1e-8)

    found: list[tuple[tuple[float, float], float]] = []
    for i in np.argsort(np.where(is_minimum, f, np.inf), kind="stable"):
        if not is_minimum[i]:
            break
        point = p[i]
        if all(np.max(np.abs(point - q) / span) > 1e-6 for q, _ in found):
            found.append(((float(point[0]), float(point[1])), float(f[i])))
    return found


def _lowest_grid_point(grid: np.ndarray, values: np.ndarray, window: Window) -> tuple[float, float]:
    """The lowest grid point; among ties (a flat valley floor), the one nearest the centre."""
    flat_values, points = values.ravel(), grid.reshape(-1, 2)
    best = flat_values.min()
    ties = np.flatnonzero(flat_values <= best + GLOBAL_TOLERANCE * (1 + abs(best)))
    centre = np.array([sum(window[0]) / 2, sum(window[1]) / 2])
    span = np.array([window[0][1] - window[0][0], window[1][1] - window[1][0]])
    nearest = ties[np.argmin(np.sum(((points[ties] - centre) / span) ** 2, axis=-1))]
    return (float(points[nearest, 0]), float(points[nearest, 1]))


def _default_start(formula: Formula, window: Window, target: tuple[float, float]):
    """START_FRACTION of the way from target to the farthest window corner where f is finite,
    rounded to a hundredth of the window."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    span = max(x_hi - x_lo, y_hi - y_lo)
    digits = -math.floor(math.log10(span / 100))
    corners = [(x, y) for x in (x_lo, x_hi) for y in (y_lo, y_hi)]
    corners.sort(key=lambda c: -math.hypot((c[0] - target[0]) / span, (c[1] - target[1]) / span))
    for corner in [*corners, target]:
        start = [t + START_FRACTION * (c - t) for t, c in zip(target, corner, strict=True)]
        start = [
            min(max(round(v, digits), lo), hi) for v, (lo, hi) in zip(start, window, strict=True)
        ]
        if np.isfinite(formula.value_fn(start)):
            return (float(start[0]), float(start[1]))
    return target


def custom_surface(
    text: str,
    window=DEFAULT_WINDOW,
    start: tuple[float, float] | None = None,
) -> Surface:
    """A `Surface` for the lecturer's formula f(x, y) on window ((x_lo, x_hi), (y_lo, y_hi)).

    Raises FormulaError (a ValueError) for a formula that is not allowed or not defined
    everywhere on the window, and ValueError naming the window or start when those are bad.
    Results are cached: the same arguments give the same Surface object.
    """
    parse_formula(text)  # the formula's own errors first
    window = _check_window(window)
    if start is not None:
        start = _check_start(start, window)
    return _custom_surface(text, window, start)


@lru_cache(maxsize=64)
def _custom_surface(text: str, window: Window, start: tuple[float, float] | None) -> Surface:
    formula = build_formula(text)
    (x_lo, x_hi), (y_lo, y_hi) = window
    xs = np.linspace(x_lo, x_hi, GRID_POINTS)
    ys = np.linspace(y_lo, y_hi, GRID_POINTS)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    values = formula.value_fn(grid)
    undefined = ~np.isfinite(values)
    if undefined.any():
        raise _explain_undefined(formula, grid.reshape(-1, 2)[np.argmax(undefined.ravel())])

    found = _local_minima(formula, window, grid, values)
    where = f"x ∈ [{x_lo:g}, {x_hi:g}], y ∈ [{y_lo:g}, {y_hi:g}]"
    if found:
        best = found[0][1]
        tolerance = GLOBAL_TOLERANCE * (1.0 + abs(best))
        minima = tuple(Minimum(point, value, value <= best + tolerance) for point, value in found)
        count = f"{len(minima)} minim{'um' if len(minima) == 1 else 'a'}"
        description = f"Your own surface on {where}: {count} found by Newton's method."
        if values.min() < best - tolerance:
            description += " The window's edge lies lower than any minimum inside it."
    else:
        point = _lowest_grid_point(grid, values, window)
        # Slide it to the lowest point nearby (along an edge, say), never uphill.
        polished = _polish(formula, np.array([point]), window)[0]
        if formula.value_fn(polished) <= formula.value_fn(point):
            point = (float(polished[0]), float(polished[1]))
        minima = (Minimum(point, float(formula.value_fn(point)), True),)
        description = (
            f"Your own surface on {where}: it has no minimum inside the window, so the marked "
            "point is the lowest point in the window."
        )
    if start is None:
        start = _default_start(formula, window, minima[0].point)
    return Surface(
        name="custom",
        title="Your formula",
        description=description,
        formula=f"f(x, y) = {formula.pretty}",
        window=window,
        minima=minima,
        default_start=start,
        value_fn=formula.value_fn,
        grad_fn=formula.grad_fn,
        hessian_fn=formula.hessian_fn,
    )
