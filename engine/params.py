"""Checking settings: named, range-checked hyperparameters and the one error a bad setting raises.

Each limit is defined once, here or in `engine.limits`; the engine's checks and the
dashboard's controls both read it, so a slider can never offer what the engine refuses.
Every refused setting raises a `SettingError` that names its field and what is allowed, so a
caller finds the control to mark without reading the message apart. `check_number`,
`check_integer` and `read_only` are the checks a run's plain fields share (engine.config,
engine.network.train).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


class SettingError(ValueError):
    """A setting the engine refuses.

    field: what is refused, as the dashboard names it: "lr", "batch_size", "adam.betas",
    "cyclic.max_lr", "optimizer" (an unknown name), ... allowed: the allowed values in words
    ("a number in [1e-05, 10]"). The message reads "<field> = <value> is not allowed:
    expected <allowed>" (`refused`), or says in other words why the value does not apply.
    """

    def __init__(self, message: str, field: str = "", allowed: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.allowed = allowed


def refused(field: str, value: Any, allowed: str) -> SettingError:
    """The error for field = value, which is not among the allowed values."""
    return SettingError(f"{field} = {value!r} is not allowed: expected {allowed}", field, allowed)


def check_number(value: Any, field: str, low: float, high: float) -> float:
    """value as a float in [low, high] (an int, a NumPy number; never a bool or a string)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float (JSON allows any size)
            number = math.inf
        ok = math.isfinite(number) and low <= number <= high
    if not ok:
        raise refused(field, value, f"a number in [{low:g}, {high:g}]")
    return number


def check_integer(value: Any, field: str, low: int, high: int) -> int:
    """value as an int in [low, high] (a float with an integer value counts)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        ok = True
    if not (ok and low <= value <= high):
        raise refused(field, value, f"an integer in [{low}, {high}]")
    return int(value)


def read_only(mapping: Any, field: str) -> MappingProxyType:
    """A read-only copy of a mapping of names to values (None: empty)."""
    if mapping is None:
        return MappingProxyType({})
    if not isinstance(mapping, dict | MappingProxyType):
        raise refused(field, mapping, "a mapping of names to values")
    return MappingProxyType(dict(mapping))


def hashable(value: Any) -> Any:
    """value with its mappings as sorted item tuples and its lists as tuples, so it hashes."""
    if isinstance(value, dict | MappingProxyType):
        return tuple(sorted((key, hashable(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(hashable(item) for item in value)
    return value


@dataclass(frozen=True)
class ParamSpec:
    """One hyperparameter: its PyTorch name, kind, default and allowed range.

    kind is "float", "int", "bool", "choice" or "pair" (two floats, like Adam's betas).
    default None means "derived from the run" (e.g. T_max defaults to the number of steps).
    low/high bound every number (both ends of a pair); open ends are excluded when
    low_open/high_open is set.
    """

    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    log: bool = False  # UI hint: show on a log scale
    help: str = ""

    def allowed(self) -> str:
        """The allowed values in words, for error messages."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        what = "an integer" if self.kind == "int" else "a number"
        if self.kind == "pair":
            what = "two numbers, each"
        return f"{what} in {lo}{low}, {high}{hi}"

    def check(self, value: Any, owner: str) -> Any:
        """Return value coerced to this kind, or raise SettingError naming owner.name."""
        label = f"{owner}.{self.name}" if owner else self.name

        def fail() -> SettingError:
            return refused(label, value, self.allowed())

        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                return value.lower() in ("true", "1")
            if isinstance(value, int | float) and value in (0, 1):
                return bool(value)
            raise fail()
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise fail()
        if self.kind == "pair":
            if isinstance(value, str):
                value_parts: Any = value.split(",")
            else:
                value_parts = value
            try:
                parts = tuple(self._number(v, fail) for v in value_parts)
            except TypeError:
                raise fail() from None
            if len(parts) != 2:
                raise fail()
            return parts
        return self._number(value, fail)

    def _number(self, value: Any, fail) -> float | int:
        if isinstance(value, bool):
            raise fail()
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond floats
            raise fail() from None
        if not math.isfinite(number):
            raise fail()
        if self.kind == "int":
            if number != int(number):
                raise fail()
            number = int(number)
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            raise fail()
        if self.high is not None and (
            number > self.high or (self.high_open and number == self.high)
        ):
            raise fail()
        return number


def check_params(
    given: dict[str, Any] | None, specs: tuple[ParamSpec, ...], owner: str
) -> dict[str, Any]:
    """Validate a mapping of hyperparameters against specs; unknown names are an error."""
    given = dict(given or {})
    known = {spec.name: spec for spec in specs}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise SettingError(
            f"{owner} has no parameter {unknown[0]!r}: its parameters are {names}",
            f"{owner}.{unknown[0]}",
            f"one of its parameters: {names}",
        )
    return {name: known[name].check(value, owner) for name, value in given.items()}
