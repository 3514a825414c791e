"""Named, range-checked hyperparameters shared by optimizers, schedulers and the UI.

Each limit is defined once, here or in `engine.limits`; the engine's checks and the
dashboard's controls both read it, so a slider can never offer what the engine refuses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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
        """Return value coerced to this kind, or raise ValueError naming owner.name."""
        label = f"{owner}.{self.name}" if owner else self.name

        def fail() -> ValueError:
            return ValueError(f"{label} = {value!r} is not allowed: expected {self.allowed()}")

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
        raise ValueError(f"{owner} has no parameter {unknown[0]!r}: its parameters are {names}")
    return {name: known[name].check(value, owner) for name, value in given.items()}
