"""engine.config.RunConfig: every field checked up front, errors that name the field and range."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from engine import limits
from engine.catalog import SURFACES
from engine.config import RunConfig

LIN = {"surface": "linreg"}
N = SURFACES["linreg"].n


@pytest.mark.parametrize(
    "fields, message",
    [
        # unknown names, each listing what is allowed
        ({"surface": "sphere"}, r"surface = 'sphere'.*bowl, ravine, trap, linreg"),
        ({"surface": None}, r"surface = None.*bowl"),
        ({"optimizer": "lbfgs"}, r"optimizer 'lbfgs'.*sgd, momentum, nesterov, adagrad"),
        ({"scheduler": "linear"}, r"scheduler 'linear'.*constant, step, exponential, plateau"),
        ({"optimizer_params": {"momentum": 0.9}}, r"sgd has no parameter 'momentum'"),
        (
            {"optimizer": "adam", "optimizer_params": {"beta1": 0.9}},
            r"adam has no parameter 'beta1'.*betas, eps, amsgrad",
        ),
        (
            {"scheduler": "step", "scheduler_params": {"gama": 0.5}},
            r"step has no parameter 'gama'.*step_size, gamma",
        ),
        ({"optimizer_params": [("momentum", 0.9)]}, r"optimizer_params = .*a mapping"),
        # the learning rate
        ({"lr": 0}, r"lr = 0 .*\[1e-05, 10\]"),
        ({"lr": -0.1}, r"lr = -0.1 .*\[1e-05, 10\]"),
        ({"lr": math.nan}, r"lr = nan .*\[1e-05, 10\]"),
        ({"lr": math.inf}, r"lr = inf .*\[1e-05, 10\]"),
        ({"lr": 10.01}, r"lr = 10.01 .*\[1e-05, 10\]"),
        ({"lr": "0.1"}, r"lr = '0.1' .*\[1e-05, 10\]"),
        ({"lr": True}, r"lr = True .*\[1e-05, 10\]"),
        # steps
        ({"steps": 0}, r"steps = 0 .*\[1, 10000\]"),
        ({"steps": 10_001}, r"steps = 10001 .*\[1, 10000\]"),
        ({"steps": 2.5}, r"steps = 2.5 .*\[1, 10000\]"),
        ({"steps": "100"}, r"steps = '100' .*\[1, 10000\]"),
        # batch size
        ({**LIN, "batch_size": 0}, rf"batch_size = 0 .*\[1, {N}\]"),
        ({**LIN, "batch_size": N + 1}, rf"batch_size = {N + 1} .*\[1, {N}\]"),
        ({**LIN, "batch_size": 8.5}, rf"batch_size = 8.5 .*\[1, {N}\]"),
        ({"surface": "bowl", "batch_size": 8}, r"batch_size = 8 .*bowl has no data.*None"),
        # normalization
        (
            {"surface": "bowl", "normalization": "standard"},
            r"normalization 'standard' applies to the data-fit problem only; bowl takes 'none'",
        ),
        ({**LIN, "normalization": "zscore"}, r"normalization = 'zscore'.*none, standard, minmax"),
        # optimizer and scheduler settings
        (
            {"optimizer": "momentum", "optimizer_params": {"momentum": -0.1}},
            r"momentum.momentum = -0.1 .*\[0, 1\)",
        ),
        (
            {"optimizer": "momentum", "optimizer_params": {"momentum": 1.0}},
            r"momentum.momentum = 1.0 .*\[0, 1\)",
        ),
        ({"optimizer": "adam", "optimizer_params": {"betas": (0.9, 1.0)}}, r"adam.betas"),
        ({"optimizer": "adam", "optimizer_params": {"eps": 0}}, r"adam.eps = 0 .*\(0, 1\]"),
        (
            {"scheduler": "plateau", "scheduler_params": {"patience": -1}},
            r"plateau.patience = -1 .*\[0, 10000\]",
        ),
        (
            {"scheduler": "cyclic", "scheduler_params": {"base_lr": 0.5, "max_lr": 0.1}},
            r"cyclic.max_lr = 0.1 .*>= base_lr",
        ),
        # the start
        ({"start": ("a", 1.0)}, r"start x = 'a' .*\[-15, 15\]"),
        ({"start": "xy"}, r"start x = 'x'"),
        ({"start": 3.0}, r"start = 3.0 .*two numbers"),
        ({"start": (1.0, 2.0, 3.0)}, r"start = \(1.0, 2.0, 3.0\) .*two numbers"),
        ({"start": (math.nan, 0.0)}, r"start x = nan"),
        ({"start": (0.0, 100.0)}, r"start y = 100.0 .*\[-12, 12\]"),
        ({"start": (-15.01, 0.0)}, r"start x = -15.01 .*\[-15, 15\]"),
        ({**LIN, "start": (1e6, 0.0)}, r"start w = 1000000.0 .*a number in \["),
        # the seed
        ({"seed": -1}, r"seed = -1 .*\[0, 4294967295\]"),
        ({"seed": 2**32}, r"seed = 4294967296 .*\[0, 4294967295\]"),
    ],
)
def test_bad_values_name_the_field_and_what_is_allowed(fields, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"lr": limits.LR_MIN},
        {"lr": limits.LR_MAX},
        {"lr": np.float32(0.5)},
        {"steps": limits.STEPS_MIN},
        {"steps": limits.STEPS_MAX},
        {"steps": 100.0},
        {"steps": np.int64(7)},
        {**LIN, "batch_size": 1},
        {**LIN, "batch_size": N},
        {**LIN, "normalization": "minmax", "batch_size": 16},
        {"start": (-15.0, 12.0)},  # the bowl's window widened by its own size
        {"start": [1, 2]},
        {"seed": 2**32 - 1},
        {"optimizer": "adam", "optimizer_params": {"betas": [0.8, 0.99], "amsgrad": True}},
        {"scheduler": "plateau", "scheduler_params": {"patience": 0, "threshold_mode": "abs"}},
    ],
)
def test_edge_values_are_allowed(fields):
    RunConfig(**fields)


def test_numbers_are_stored_as_plain_python_numbers():
    config = RunConfig(lr=np.float32(0.5), steps=np.int64(7), start=[1, 2], seed=np.uint8(3))
    assert type(config.lr) is float and type(config.steps) is int and type(config.seed) is int
    assert config.start == (1.0, 2.0)


def test_resolved_start_defaults_to_the_surface_start():
    assert RunConfig(surface="trap").resolved_start == SURFACES["trap"].default_start
    assert RunConfig(surface="trap", start=(1, 1)).resolved_start == (1.0, 1.0)
    linreg = RunConfig(surface="linreg", normalization="standard")
    assert linreg.resolved_start == SURFACES["linreg"].surface("standard").default_start


def test_a_config_is_frozen_and_its_mappings_read_only():
    config = RunConfig(optimizer="momentum", optimizer_params={"momentum": 0.5})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 1.0
    with pytest.raises(TypeError):
        config.optimizer_params["momentum"] = 0.9
    given = {"momentum": 0.5}
    config = RunConfig(optimizer="momentum", optimizer_params=given)
    given["momentum"] = 0.99  # changing the caller's dict afterwards changes nothing
    assert config.optimizer_params["momentum"] == 0.5


def test_equal_configs_are_equal_and_hash_equal():
    a = RunConfig(optimizer="adam", optimizer_params={"betas": [0.9, 0.99]}, lr=0.01)
    b = RunConfig(optimizer="adam", optimizer_params={"betas": [0.9, 0.99]}, lr=0.01)
    assert a == b and hash(a) == hash(b)
    assert {a: "run"}[b] == "run"
    assert a != a.replace(lr=0.02)


def test_replace_checks_again():
    config = RunConfig(surface="linreg", batch_size=8)
    assert config.replace(batch_size=16).batch_size == 16
    with pytest.raises(ValueError, match="batch_size"):
        config.replace(surface="bowl")
    with pytest.raises(ValueError, match="lr"):
        config.replace(lr=0)
