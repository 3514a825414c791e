"""The printed form of a formula, as a lecture writes it: x² + 3 sin(y),
(1 − x)² + 5 (y − x²)².

Works on the tree as parsed (engine.formula.tree), so the lecturer sees their own formula
back, with superscript powers, π, |x|, √(x), a space for a number times a term and "·"
between other factors, and only the parentheses the precedence needs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: the tree's str() calls pretty, so no import back
    from engine.formula.tree import Expr

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_SHOWN_NAMES = {"pi": "π", "e": "e"}
# Precedence for display: sums 1, products 2, signs 3, powers 4, atoms 5.


def format_number(v: float) -> str:
    """v as typed: 3 for 3.0, 0.5 as is (the parser's errors quote numbers this way too)."""
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
            return "−" + format_number(-e.value), 3
        return format_number(e.value), 5
    if op == "var":
        return e.name, 5
    if len(e.args) == 1 and op != "neg":  # a function: sin, sqrt, abs, ... (or sign)
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
