"""Reading a formula's text into its expression tree, safely: the tokenizer, the parser and
the limits on a formula's size.

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
the domain rule in engine.formula.surface). A varying exponent is allowed only over a
positive constant base, which is an exponential: ``2^x = exp(x log 2)``,
``e^(-x^2) = exp(-x^2)``; ``x^y`` is refused (write ``exp(y*log(x))``). A constant exponent
over a constant base obeys the same limit, so ``9**9**9`` is refused before anything is
computed. Text, nesting and tree size are bounded too (`MAX_LENGTH`, `MAX_DEPTH`,
`MAX_NODES`), so no input can take real time or memory, and a formula must mention x or y
(a constant surface has nothing to descend).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from engine.formula.printed import format_number
from engine.formula.tree import (
    CONSTANTS,
    FUNCTIONS,
    VARIABLES,
    Expr,
    FormulaError,
    apply_op,
    why_not_finite,
)

# --- Limits: each defined once here and quoted in the errors ----------------------------

MAX_LENGTH = 200  # characters of formula text
MAX_NODES = 200  # numbers, names and operations in the parsed tree
MAX_DEPTH = 30  # levels of parentheses, function calls, signs and operator nesting
MAX_NUMBER = 1e6  # largest absolute value of a number literal
MAX_EXPONENT = 10  # largest absolute value of a constant exponent

FUNCTION_ALIASES = {"atan": "arctan"}
ALLOWED_NAMES = (*VARIABLES, *CONSTANTS, *FUNCTIONS, *FUNCTION_ALIASES)

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
                    f"{format_number(base_value)} (at position {base.pos})",
                    base.pos,
                )
        elif not abs(exponent_value) <= MAX_EXPONENT:
            raise self.error(
                f"exponent {format_number(exponent_value)} at position {exponent_pos} is too "
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
            result = apply_op(op, inputs)
            if not math.isfinite(result):
                raise self.error(f"{why_not_finite(op, inputs)} at position {pos}", pos)
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
