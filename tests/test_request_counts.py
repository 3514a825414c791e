"""One main request, counted: a run is described (RunConfig) once and resolved once.

The page's main callback reads the controls into a run description, simulates it, draws it and
writes the link; each of those reads what the description already resolved (the optimizer's and
the scheduler's parameters with their defaults, the normalized surface), so nothing is checked
or resolved twice (issue: a setting is checked once and resolved once).
"""

from __future__ import annotations

from collections import Counter

import pytest
from test_registry import calls  # noqa: F401  (the counting fixture)

from app import answers
from app.request import PageRequest

OPT = [{"type": "opt-param", "owner": "adam", "name": "betas"}]
SCHED = [{"type": "sched-param", "owner": "cyclic", "name": "max_lr"}]
CHECKS_PER_RUN = 5


def request(**changes) -> PageRequest:
    values = dict(
        surface="linreg", optimizer="adam", lr=0.05, scheduler="cyclic", batch_size=8, normalization="standard",
        steps=60, seed=0, start_x=None, start_y=None, opt_values=["0.8, 0.99"], sched_values=[0.5], pinned=[],
        opt_ids=OPT, sched_ids=SCHED, flags={"lang": "en"},
    )  # fmt: skip
    values.update(changes)
    return PageRequest(**values)


@pytest.mark.parametrize("surface", ["linreg", "bowl"])
def test_one_main_request_for_one_run_describes_and_resolves_it_once(calls, surface):  # noqa: F811
    changes = {"batch_size": "full", "normalization": "none"} if surface == "bowl" else {}
    answers.main_outputs.__wrapped__(request(surface=surface, **changes))  # per-process tables built once
    calls.clear()
    outputs, drawn = answers.main_outputs.__wrapped__(request(surface=surface, **changes))
    assert drawn is not None and drawn["surface"] == surface  # it really drew the run
    assert outputs[9].startswith("?")  # ...and wrote its link
    assert calls["made"] == 1
    assert calls["resolve_optimizer"] == 1 and calls["resolve_schedule"] == 1
    # adam.betas and cyclic.max_lr given, cyclic's base_lr and step sizes derived: checked once each
    assert calls["check"] == CHECKS_PER_RUN


def test_each_pinned_run_is_described_once_too(calls):  # noqa: F811
    pinned = [dict(_drawn(request()), lr=lr) for lr in (0.01, 0.02)]
    calls.clear()
    answers.main_outputs.__wrapped__(request(pinned=pinned))
    runs = 1 + len(pinned)
    assert calls == Counter(made=runs, resolve_optimizer=runs, resolve_schedule=runs, check=runs * CHECKS_PER_RUN)


def _drawn(req: PageRequest) -> dict:
    return answers.main_outputs.__wrapped__(req)[1]
