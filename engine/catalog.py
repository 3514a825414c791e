"""SURFACES: every loss surface by name, in the order a lecture meets them."""

from engine.datafit import DataFit, house_prices
from engine.surfaces import ANALYTIC_SURFACES, Surface

SURFACES: dict[str, Surface | DataFit] = {
    **{name: ANALYTIC_SURFACES[name] for name in ("bowl", "ravine", "trap")},
    "linreg": house_prices(),
    **ANALYTIC_SURFACES,
}
