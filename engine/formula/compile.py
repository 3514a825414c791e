"""Compiling a formula to NumPy: its value, gradient and Hessian as functions of points, and
what one call of each costs.

The trees of f, its two partial derivatives and its three distinct second derivatives become
straight lists of NumPy calls over points of shape (..., 2); the Hessian's off-diagonal is
computed once, so it is exactly symmetric. Every call runs under ``np.errstate(all="ignore")``:
where a diverging run leaves the window, undefined values are NaN or ±inf and nothing warns.
The number of NumPy calls one evaluation makes is its cost, which engine.budget charges a
run by.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.formula.derive import differentiate, simplify
from engine.formula.parse import parse_formula
from engine.formula.printed import pretty
from engine.formula.tree import BINARY, UNARY, Expr, postorder

ArrayFn = Callable[[np.ndarray], np.ndarray]


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
        for node in postorder(roots):
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
                    function = UNARY.get(node.op) or BINARY[node.op]
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
    fx, fy = differentiate(f, "x"), differentiate(f, "y")
    value_of = _Evaluator([f])
    grad_of = _Evaluator([fx, fy])
    hessian_of = _Evaluator(
        [differentiate(fx, "x"), differentiate(fx, "y"), differentiate(fy, "y")]
    )

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
