"""SURFACES: every loss surface by name, in the order a lecture meets them."""

from engine.datafit import DataFit, house_prices
from engine.surfaces import ANALYTIC_SURFACES, Surface

SURFACES: dict[str, Surface | DataFit] = {
    **{name: ANALYTIC_SURFACES[name] for name in ("bowl", "ravine", "trap")},
    "linreg": house_prices(),
    **ANALYTIC_SURFACES,
}


def has_data(problem: Surface | DataFit) -> bool:
    """Whether a problem learns from data, so that mini-batches and input scaling apply: the
    one test of "is this a data problem?" (the built-in fit, uploaded data)."""
    return isinstance(problem, DataFit)


# The built-in problems that learn from data, in menu order.
DATA_SURFACES = tuple(name for name, problem in SURFACES.items() if has_data(problem))


def problem_of(surface: str | Surface | DataFit) -> Surface | DataFit:
    """The problem a run descends: a registry name, or a Surface / DataFit built elsewhere
    (a lecturer's formula, uploaded data)."""
    if isinstance(surface, str):
        return SURFACES[surface]
    return surface


def surface_name(surface: str | Surface | DataFit) -> str:
    return surface if isinstance(surface, str) else surface.name
