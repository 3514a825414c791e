"""Exact derivatives of a formula: symbolic differentiation of its tree, with light
simplification.

`derivative` differentiates the tree by the chain rule, node by node, and simplifies as it
builds (constant folding, 0·a → 0, 1·a → a, a + 0 → a, −(−a) → a), so the gradient and
Hessian trees stay small. ``abs`` has derivative sign(u) (0 at the kink); the gradient of a
cone such as ``sqrt(x^2 + y^2)`` is NaN at its tip, like the formula's own slope.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from engine.formula.tree import UNARY, VARIABLES, Expr, FormulaError, apply_op, postorder


def _num(value: float) -> Expr:
    return Expr("num", value=float(value))


ZERO = _num(0.0)
ONE = _num(1.0)


def _is(e: Expr, value: float) -> bool:
    return e.op == "num" and e.value == value


def _fold(op: str, *args: Expr) -> Expr | None:
    if all(a.op == "num" for a in args):
        return _num(apply_op(op, [a.value for a in args]))
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
    if op in UNARY:
        return _call(op, args[0])
    raise FormulaError(f"unknown operation {op!r}")


def simplify(expr: Expr) -> Expr:
    """expr with constants folded and trivial terms dropped (0·a, 1·a, a + 0, −(−a))."""
    done: dict[int, Expr] = {}
    for node in postorder([expr]):
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


def differentiate(expr: Expr, var: str) -> Expr:
    """d expr / d var of an already simplified tree (derivative without simplifying again)."""
    d: dict[int, Expr] = {}
    for node in postorder([expr]):
        d[id(node)] = _rule(node, [d[id(a)] for a in node.args], var)
    return d[id(expr)]


def derivative(expr: Expr, var: str) -> Expr:
    """The exact partial derivative d expr / d var (var "x" or "y"), simplified."""
    if var not in VARIABLES:
        raise ValueError(f"var must be 'x' or 'y', not {var!r}")
    return differentiate(simplify(expr), var)
