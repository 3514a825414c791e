"""One main request, counted: a run is described (RunConfig) once and resolved once. And the
requests one typed learning rate makes the browser send, read from the callback graph the page
receives (/_dash-dependencies).

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
from app.layout import FOLLOWERS
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


def _outputs(dependency: dict) -> set[str]:
    # "..a.figure...b.children.." for several outputs, "a.figure" for one
    # (an output another callback writes too ends in "@<hash>")
    parts = dependency["output"].strip(".").split("...") if not dependency["no_output"] else []
    return {part.split("@")[0] for part in parts}


def _inputs(dependency: dict) -> set[str]:
    return {f"{i['id']}.{i['property']}" for i in dependency["inputs"]}


def test_a_typed_rate_sends_its_requests_without_waiting_for_the_slider():
    """The renderer holds back a callback while another one that writes its inputs is pending.
    A typed rate fires the main callback and the rate preview (two requests) and the slider's
    follower, which writes no prop: nothing they read is still to be written, so both requests
    leave at once (the slider used to be moved first, issue 16). The main callback's answer
    then hands the run to the explorers' or the Code view's copy, only while that view is
    shown: they make their requests after the new run is drawn (tests/test_browser_code.py)."""
    from app import create_app

    dependencies = create_app().server.test_client().get("/_dash-dependencies").get_json()
    fired = [d for d in dependencies if "lr.value" in _inputs(d)]
    servers = [d for d in fired if not d["clientside_function"]]
    assert len(servers) == 2
    assert {"contour.figure", "current-config.data"} <= _outputs(servers[0]) | _outputs(servers[1])
    assert "lr-preview.figure" in _outputs(servers[0]) | _outputs(servers[1])
    written = set().union(*(_outputs(d) for d in fired if d["clientside_function"]))
    assert written == set()
    for server in servers:
        assert not (_inputs(server) | {f"{s['id']}.{s['property']}" for s in server["state"]}) & written
    # The main callback itself hands the run drawn on to the lower view on screen (the
    # explorers' or the Code view's copy, app.layout.handed_on): no callback waits on the runs'
    # Store, and under the curves nothing follows.
    assert not [d for d in dependencies if "current-config.data" in _inputs(d)]
    copies = {f"{store}.data" for store in FOLLOWERS.values()}
    main = next(d for d in servers if "contour.figure" in _outputs(d))
    assert copies <= _outputs(main) and "lower-view.value" in {f"{s['id']}.{s['property']}" for s in main["state"]}
    # a switch of the lower view hands it the run at once, in the browser
    switch = [d for d in dependencies if d["clientside_function"] and copies & _outputs(d) and "lower-view.value" in _inputs(d)]
    assert len(switch) == 1
    readers = [_outputs(d) for d in dependencies if _inputs(d) & copies]
    assert len(readers) == 2 and {"explore.hidden", "code-view.children"} <= set().union(*readers)


@pytest.mark.parametrize(
    ("view", "explore", "code"), [("curves", False, False), ("finder", True, False), ("map", True, False), ("code", False, True)]
)
def test_the_main_callback_hands_the_run_to_the_lower_view_on_screen_only(view, explore, code):
    from dash import no_update

    from app.layout import handed_on

    run = {"surface": "bowl", "lr": 0.3}
    assert handed_on(view, run) == (run if explore else no_update, run if code else no_update)
    assert handed_on(view, no_update) == (no_update, no_update)  # a refused change draws no run
