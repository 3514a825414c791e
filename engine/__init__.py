"""Descent Lab engine: gradient descent on 2-D loss surfaces, in NumPy only (no Dash).

    from engine import RunConfig, simulate
    run = simulate(RunConfig(surface="bowl", lr=0.6, steps=50))
    run.outcome, run.overshoots, run.to_frame()
"""

from engine.catalog import SURFACES
from engine.config import RunConfig
from engine.datafit import DataFit, house_prices
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZER_PARAMS, OPTIMIZERS
from engine.outcome import OUTCOMES
from engine.params import SettingError
from engine.schedules import SCHEDULER_NAMES, SCHEDULER_PARAMS, learning_rates
from engine.simulate import simulate, simulate_many
from engine.surfaces import Minimum, Surface
from engine.trajectory import Trajectory

__all__ = [
    "OPTIMIZERS",
    "OPTIMIZER_NAMES",
    "OPTIMIZER_PARAMS",
    "OUTCOMES",
    "SCHEDULER_NAMES",
    "SCHEDULER_PARAMS",
    "SURFACES",
    "DataFit",
    "Minimum",
    "RunConfig",
    "SettingError",
    "Surface",
    "Trajectory",
    "house_prices",
    "learning_rates",
    "simulate",
    "simulate_many",
]
