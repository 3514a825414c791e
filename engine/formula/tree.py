"""The expression tree of a formula: its nodes, the operations they may hold, and what each
operation does to plain numbers.

The parser (engine.formula.parse) builds these trees, derive differentiates them, compile
turns them into NumPy calls and pretty prints them; `FormulaError` is how each of them
refuses a formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.formula.printed import pretty

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

# Every operation a tree may hold, as a NumPy ufunc. "sign" never comes from the text: it is
# the derivative of abs.
UNARY: dict[str, Callable] = {**FUNCTIONS, "neg": np.negative, "sign": np.sign}
BINARY: dict[str, Callable] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
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


def postorder(roots: Sequence[Expr]) -> list[Expr]:
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


def apply_op(op: str, inputs: Sequence[float]) -> float:
    """op on plain numbers, IEEE-style: inf or NaN instead of exceptions or warnings."""
    function = UNARY.get(op) or BINARY[op]
    with np.errstate(all="ignore"):
        return float(function(*(np.float64(v) for v in inputs)))


def why_not_finite(op: str, inputs: Sequence[float]) -> str:
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
