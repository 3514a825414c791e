"""Property-based fuzz over the whole control space: `simulate` and the main callback.

Every surface, optimizer and scheduler with its parameters (drawn from the ParamSpecs
themselves: inside the range, on its edges, just outside, and garbage like strings, None,
NaN, inf and huge integers), batch size, normalization, start, seed, extreme rates and step
counts. Each example either gives a clean result (finite figures, Stores, URL and CSV, an
outcome label that agrees with the run) or a clear validation message naming the field.

Most examples run a few dozen steps; about one in a hundred runs thousands (kept rare so the
module stays well under a minute). The issue's extreme-but-valid cases are pinned down below
with their expected labels and a CPU-time bound.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_callbacks import (
    DATA_SURFACES,
    OPT_IDS,
    OPT_VALUES,
    SCHED_IDS,
    SCHED_VALUES,
    SURFACE_NAMES,
    check_figures,
    views,
)

from app.callbacks import ERROR_SLOTS, compute_views, trajectories_csv, url_search
from app.i18n import t
from app.runs import config_from_dict, config_to_dict
from app.urlstate import canonical, decode
from engine import (
    OPTIMIZER_NAMES,
    OPTIMIZER_PARAMS,
    OUTCOMES,
    SCHEDULER_NAMES,
    SCHEDULER_PARAMS,
    SURFACES,
    RunConfig,
    limits,
    simulate,
    simulate_many,
)

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SIMULATE_EXAMPLES = 2500
CALLBACK_EXAMPLES = 1500
PINNED_STEPS = 12  # pinned runs are small: the current run carries the large step counts

# --------------------------------------------------------------------------- garbage

HUGE = 10**400  # a valid JSON integer that no float can hold
GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "1e400", "0x10", "full", "auto", "true", "1,2,3", "é", "\x00"]),
    st.text(max_size=8),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, -1e308]),
    st.sampled_from([HUGE, -HUGE, 2**63, -(2**63), 2**64 + 1]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.sampled_from(["a", "x", "lr"]), st.integers(-2, 2), max_size=2),
)


def weighted(common, rare, one_in: int = 4):
    """common most of the time, rare about once in one_in draws (one_of has no weights)."""
    return st.integers(0, one_in - 1).flatmap(lambda k: rare if k == one_in - 1 else common)


# --------------------------------------------------------------------------- from the ParamSpecs


def _edges(spec) -> list:
    """Values on and just beyond a numeric spec's ends (some valid, some not)."""
    out = []
    if spec.low is not None:
        out += [spec.low, spec.low - 1, np.nextafter(spec.low, -math.inf), np.nextafter(spec.low, math.inf)]
    if spec.high is not None:
        out += [spec.high, spec.high + 1, np.nextafter(spec.high, -math.inf), spec.high * 10 + 1]
    return [float(v) for v in out] if spec.kind != "int" else [int(v) if float(v).is_integer() else float(v) for v in out]


def _inside(spec):
    if spec.kind == "int":
        return st.integers(int(spec.low), int(spec.high) if spec.high is not None else 10**6)
    high = spec.high if spec.high is not None else 1e6
    return st.floats(
        spec.low, high, exclude_min=spec.low_open, exclude_max=spec.high_open, allow_nan=False
    )


def spec_values(spec):
    """Values a control for this spec might hold: mostly plausible, some out of range, some junk."""
    if spec.kind == "bool":
        good = st.sampled_from(["true", "false", True, False, 0, 1])
    elif spec.kind == "choice":
        good = st.sampled_from(spec.choices)
    elif spec.kind == "pair":
        number = st.one_of(_inside(spec), st.sampled_from(_edges(spec)))
        good = st.one_of(
            st.tuples(number, number).map(lambda p: f"{p[0]!r}, {p[1]!r}"),
            st.tuples(number, number).map(list),
            number.map(repr),  # one number: not a pair
            st.tuples(number, number, number).map(lambda p: ",".join(map(repr, p))),
        )
    else:
        good = st.one_of(
            _inside(spec),
            st.sampled_from(_edges(spec)),
            _inside(spec).map(repr),  # typed as text
            _inside(spec).map(float) if spec.kind == "int" else _inside(spec).map(lambda v: v * 1.5 + 1),
        )
    return weighted(good, GARBAGE)


OPT_SPEC_VALUES = {name: [spec_values(s) for s in specs] for name, specs in OPTIMIZER_PARAMS.items()}
SCHED_SPEC_VALUES = {name: [spec_values(s) for s in specs] for name, specs in SCHEDULER_PARAMS.items()}

# --------------------------------------------------------------------------- the other controls

LR = weighted(
    st.one_of(
        st.floats(math.log10(limits.LR_MIN), math.log10(limits.LR_MAX)).map(lambda e: 10**e),
        st.sampled_from([limits.LR_MIN, limits.LR_MAX, 1, 3, 10]),
    ),
    st.one_of(st.sampled_from([0, -0.1, 1e-6, 10.000001, 11, 1e9, "0.1"]), GARBAGE),
)
SMALL_STEPS = st.integers(limits.STEPS_MIN, 40)
LARGE_STEPS = st.sampled_from([2000, 5000, limits.STEPS_MAX])
BAD_STEPS = st.one_of(st.sampled_from([0, -1, limits.STEPS_MAX + 1, 2.5, 30.0, "30", 10**12]), GARBAGE)
SEED = weighted(
    st.one_of(st.integers(limits.SEED_MIN, 100), st.sampled_from([limits.SEED_MAX, 2**31])),
    st.one_of(st.sampled_from([-1, limits.SEED_MAX + 1, 1.5]), GARBAGE),
    one_in=8,
)
NORMALIZATION = weighted(st.sampled_from(limits.NORMALIZATIONS), GARBAGE, one_in=10)


def choose(names, one_in: int = 12):
    return weighted(st.sampled_from(names), st.one_of(st.sampled_from(["", "SGD", "custom", "upload"]), GARBAGE), one_in)


@st.composite
def steps_strategy(draw):
    roll = draw(st.integers(0, 199))
    if roll == 101:  # ~0.5%: thousands of steps
        return draw(LARGE_STEPS)
    if roll < 12:
        return draw(BAD_STEPS)
    return draw(SMALL_STEPS)


@st.composite
def start_strategy(draw, surface, normalization):
    """(start_x, start_y): mostly blank, else inside, near or beyond the allowed window."""
    kind = draw(st.integers(0, 9))
    if kind < 5:
        return None, None
    if kind == 9:
        return draw(GARBAGE), draw(GARBAGE)
    try:
        window = SURFACES[surface].surface(normalization).window
    except (KeyError, TypeError, ValueError):
        window = ((-1.0, 1.0), (-1.0, 1.0))
    point = []
    for low, high in window:
        # fraction -1 .. 2 is the window widened by START_MARGIN on each side; beyond is invalid
        fraction = draw(st.floats(-1.3, 2.3))
        point.append(low + fraction * (high - low))
    if kind == 8:
        point[draw(st.integers(0, 1))] = None  # only one coordinate
    return point[0], point[1]


@st.composite
def batch_strategy(draw, surface):
    n = getattr(SURFACES.get(surface) if isinstance(surface, str) else None, "n", 100)
    return draw(
        weighted(
            st.one_of(st.just("full"), st.none(), st.integers(1, n), st.sampled_from([1, n, n // 2])),
            st.one_of(st.sampled_from([0, -1, n + 1, 2.5, "8", 8.0]), GARBAGE),
        )
    )


def _place(ids, initial, owner, strategies, draw) -> list:
    """The page's control values, with some of `owner`'s parameters typed into."""
    values = list(initial)
    slots = [i for i, cid in enumerate(ids) if cid["owner"] == owner]
    for slot, strategy in zip(slots, strategies, strict=True):
        if draw(st.booleans()):
            values[slot] = draw(strategy)
    return values


@st.composite
def pins_strategy(draw, surface, normalization):
    """The pinned Store: valid pins of this surface, pins of others, stale junk, or junk."""
    kind = draw(st.integers(0, 9))
    if kind < 5:
        return []
    if kind == 9:
        return draw(st.one_of(GARBAGE, st.lists(GARBAGE, max_size=4)))
    pins = []
    for _ in range(draw(st.integers(1, 4))):
        pin_surface = surface if (isinstance(surface, str) and surface in SURFACES and draw(st.booleans())) else draw(st.sampled_from(SURFACE_NAMES))
        optimizer = draw(st.sampled_from(OPTIMIZER_NAMES))
        scheduler = draw(st.sampled_from(SCHEDULER_NAMES))
        data = pin_surface in DATA_SURFACES
        config = RunConfig(
            surface=pin_surface,
            optimizer=optimizer,
            scheduler=scheduler,
            lr=draw(st.sampled_from([0.001, 0.05, 0.5, 5.0])),
            steps=PINNED_STEPS,
            normalization=draw(st.sampled_from(limits.NORMALIZATIONS)) if data else "none",
            batch_size=draw(st.sampled_from([None, 1, 7])) if data else None,
        )
        pin = config_to_dict(config)
        if draw(st.integers(0, 5)) == 0:  # a stale or tampered pin
            pin[draw(st.sampled_from(sorted(pin)))] = draw(GARBAGE)
        pins.append(pin)
    return pins


@st.composite
def controls(draw):
    surface = draw(choose(SURFACE_NAMES))
    optimizer = draw(choose(OPTIMIZER_NAMES))
    scheduler = draw(choose(SCHEDULER_NAMES))
    normalization = draw(NORMALIZATION)
    opt_specs = OPT_SPEC_VALUES.get(optimizer, ()) if isinstance(optimizer, str) else ()
    sched_specs = SCHED_SPEC_VALUES.get(scheduler, ()) if isinstance(scheduler, str) else ()
    start_x, start_y = draw(start_strategy(surface, normalization))
    return {
        "surface": surface,
        "optimizer": optimizer,
        "lr": draw(LR),
        "scheduler": scheduler,
        "batch_size": draw(batch_strategy(surface)),
        "normalization": normalization,
        "steps": draw(steps_strategy()),
        "seed": draw(SEED),
        "start_x": start_x,
        "start_y": start_y,
        "opt_values": _place(OPT_IDS, OPT_VALUES, optimizer, opt_specs, draw),
        "sched_values": _place(SCHED_IDS, SCHED_VALUES, scheduler, sched_specs, draw),
        "pinned": draw(pins_strategy(surface, normalization)),
        "lang": draw(st.sampled_from(["en", "ko"])),
    }


@st.composite
def config_kwargs(draw):
    """RunConfig keyword arguments straight from the fuzzed controls (as the engine sees them)."""
    c = draw(controls())
    opt_specs = OPTIMIZER_PARAMS.get(c["optimizer"], ()) if isinstance(c["optimizer"], str) else ()
    sched_specs = SCHEDULER_PARAMS.get(c["scheduler"], ()) if isinstance(c["scheduler"], str) else ()
    params = {}
    for specs, strategies, key in ((opt_specs, OPT_SPEC_VALUES, "optimizer"), (sched_specs, SCHED_SPEC_VALUES, "scheduler")):
        chosen = {}
        for spec, strategy in zip(specs, strategies.get(c[key], ()) if specs else (), strict=True):
            if draw(st.booleans()):
                chosen[spec.name] = draw(strategy)
        if draw(st.integers(0, 19)) == 0:
            chosen[draw(st.sampled_from(["nope", "lr", "momentum", "gamma"]))] = 0.5  # unknown names
        params[key] = chosen if draw(st.integers(0, 29)) else draw(GARBAGE)
    start = None if c["start_x"] is None and c["start_y"] is None else (c["start_x"], c["start_y"])
    if draw(st.integers(0, 29)) == 0:
        start = draw(GARBAGE)
    batch = c["batch_size"]
    return {
        "surface": c["surface"],
        "optimizer": c["optimizer"],
        "lr": c["lr"],
        "optimizer_params": params["optimizer"],
        "scheduler": c["scheduler"],
        "scheduler_params": params["scheduler"],
        "batch_size": None if batch == "full" else batch,
        "normalization": c["normalization"],
        "steps": c["steps"],
        "start": start,
        "seed": c["seed"],
    }


# --------------------------------------------------------------------------- checks

FIELD_HEADS = frozenset(
    {*RunConfig.__dataclass_fields__, "start", "unknown", *OPTIMIZER_NAMES, *SCHEDULER_NAMES}
    | {"window", "formula", "upload"}  # a lecturer's own surface (formula, CSV), when chosen blank
)


def assert_clear(message: str) -> None:
    """A validation message names the field and what is allowed (issue: Hardening)."""
    assert message and len(message) < 2000, message[:300]
    head = message.split(" = ", 1)[0].split(" ", 1)[0].split(".", 1)[0]
    assert head in FIELD_HEADS, message
    if head == "unknown":  # an optimizer or scheduler by a name the engine lacks
        kind = message.split(" ", 2)[1]
        names = OPTIMIZER_NAMES if kind == "optimizer" else SCHEDULER_NAMES
        assert kind in ("optimizer", "scheduler") and ", ".join(names) in message, message
        return
    allowed = (" is not allowed: ", "has no parameter", "needs both x and y", "data-fit problem only")
    assert any(words in message for words in allowed), message


def assert_finite(value, path: str = "result") -> None:
    """No NaN or inf anywhere in a JSON-bound value (figures, Stores, Dash components)."""
    if hasattr(value, "to_plotly_json"):
        value = value.to_plotly_json()
    if isinstance(value, dict):
        for key, item in value.items():
            assert_finite(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            assert_finite(item, f"{path}[{index}]")
    elif isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            assert np.all(np.isfinite(value)), path
        elif value.dtype == object:
            assert_finite(value.tolist(), path)
    elif isinstance(value, float | np.floating):
        assert math.isfinite(value), path


def check_trajectory(trajectory, config: RunConfig) -> None:
    k = trajectory.steps_taken
    assert trajectory.outcome in OUTCOMES
    for name in ("params", "loss", "lr", "grad"):
        assert np.all(np.isfinite(getattr(trajectory, name))), name
    assert trajectory.params.shape == (k + 1, 2) and trajectory.loss.shape == (k + 1,)
    assert trajectory.grad.shape == (k, 2) and trajectory.epoch.shape == (k,)
    assert np.all(trajectory.lr >= 0)  # a schedule may decay the rate to 0 (gamma 5e-324)
    if trajectory.outcome == "diverged":
        assert isinstance(trajectory.diverged_at, int) and trajectory.diverged_at == k + 1
    else:
        assert trajectory.diverged_at is None and k == config.steps
    assert 0 <= trajectory.overshoots <= k
    json.dumps(trajectory.to_dict(), allow_nan=False)


def check_csv(text: str) -> None:
    lowered = text.lower()
    assert "nan" not in lowered and "inf" not in lowered


# --------------------------------------------------------------------------- the fuzz


@settings(FUZZ, max_examples=SIMULATE_EXAMPLES)
@given(config_kwargs())
def test_simulate_gives_a_finite_run_or_a_clear_error(kwargs):
    try:
        config = RunConfig(**kwargs)
    except ValueError as error:
        assert_clear(str(error))
        return
    trajectory = simulate(config)
    assert trajectory.config is config
    check_trajectory(trajectory, config)
    if trajectory.steps_taken <= 50:
        check_csv(trajectory.to_frame().to_csv(index=False))


@settings(FUZZ, max_examples=CALLBACK_EXAMPLES)
@given(controls())
def test_main_callback_gives_finite_views_or_a_clear_message(c):
    result = compute_views(
        c["surface"], c["optimizer"], c["lr"], c["scheduler"], c["batch_size"], c["normalization"],
        c["steps"], c["seed"], c["start_x"], c["start_y"], c["opt_values"], OPT_IDS,
        c["sched_values"], SCHED_IDS, c["pinned"], c["lang"],
    )  # fmt: skip
    assert set(result["errors"]) == set(ERROR_SLOTS)
    if not result["ok"]:
        shown = [text for text in result["errors"].values() if text]
        assert len(shown) <= 1
        notice = result["notice"]
        assert notice.startswith(t("invalid", c["lang"])), notice
        message = notice.split(": ", 1)[1].rsplit(" — ", 1)[0]
        assert_clear(message)
        assert all(text == message for text in shown)
        return
    runs = len(result["trajectories"])
    assert 1 <= runs <= 4
    check_figures(result, runs=runs)
    for key in ("contour", "surface3d", "loss", "lr", "third", "badges", "formula", "summary", "config"):
        assert_finite(result[key], key)
    json.dumps(result["config"], allow_nan=False)
    current = config_from_dict(result["config"])
    for trajectory in result["trajectories"]:
        check_trajectory(trajectory, trajectory.config)
    assert result["trajectories"][0].config == current
    for label in result["badges"]:
        assert label.children[1].className.split("outcome-")[1] in OUTCOMES
    # The URL reopens this run, and says nothing a browser could not read back.
    flags = {"lang": c["lang"], "embed": False, "preset": None}
    search = url_search(result, flags)
    assert "nan" not in search.lower() and "inf" not in search.lower()
    state, notices = decode(search.lstrip("?"))
    assert notices == [], [n.message() for n in notices]
    assert state.current == canonical(current)
    if current.steps <= 50:
        pinned = [config_to_dict(p) for p in result["pinned_configs"]]
        check_csv(trajectories_csv(result["config"], pinned))


# --------------------------------------------------------------------------- extreme but valid

EXTREMES = [
    pytest.param(RunConfig(surface="rosenbrock", lr=10, steps=limits.STEPS_MAX), "diverged", id="lr 10 rosenbrock"),
    pytest.param(
        RunConfig(surface="rosenbrock", optimizer="adam", lr=10, steps=limits.STEPS_MAX),
        None,
        id="lr 10 rosenbrock adam",
    ),
    pytest.param(
        RunConfig(surface="linreg", batch_size=1, normalization="standard", lr=0.01, steps=limits.STEPS_MAX),
        "converged",
        id="10000 steps batch 1",
    ),
    pytest.param(
        RunConfig(surface="linreg", batch_size=1, lr=0.01, steps=limits.STEPS_MAX), "diverged", id="batch 1 raw"
    ),
    pytest.param(
        RunConfig(surface="bowl", optimizer="momentum", optimizer_params={"momentum": 0.999}, lr=0.01, steps=300),
        "overshooting",
        id="momentum 0.999 zig-zags",
    ),
    pytest.param(
        RunConfig(
            surface="bowl", optimizer="momentum", optimizer_params={"momentum": 0.999}, lr=0.01, steps=limits.STEPS_MAX
        ),
        "converged",
        id="momentum 0.999 settles",
    ),
    pytest.param(
        RunConfig(surface="bowl", optimizer="adam", optimizer_params={"eps": 5e-324}, lr=0.1, steps=limits.STEPS_MAX),
        "converged",
        id="adam eps tiny",
    ),
    pytest.param(
        RunConfig(
            surface="bowl", optimizer="adam", optimizer_params={"eps": 5e-324, "amsgrad": True}, lr=0.1, steps=200,
            start=(0.0, 0.0),
        ),
        "converged",
        id="adam eps tiny from the minimum",
    ),
    pytest.param(
        RunConfig(
            surface="ravine", optimizer="rmsprop", optimizer_params={"eps": 5e-324, "centered": True}, lr=10, steps=2000
        ),
        None,
        id="rmsprop centered eps tiny lr 10",
    ),
    pytest.param(
        RunConfig(surface="beale", optimizer="adagrad", optimizer_params={"eps": 5e-324}, lr=limits.LR_MIN, steps=limits.STEPS_MAX),
        "slow",
        id="lr at its minimum crawls",
    ),
]


@pytest.mark.parametrize(("config", "expected"), EXTREMES)
def test_extreme_valid_inputs_finish_quickly_with_the_right_label(config, expected):
    start = time.process_time()
    trajectory = simulate(config)
    elapsed = time.process_time() - start
    check_trajectory(trajectory, config)
    assert elapsed < 1.0, f"{elapsed:.2f} s of CPU"
    if expected is not None:
        assert trajectory.outcome == expected, trajectory.outcome
    if trajectory.outcome == "diverged":
        assert trajectory.diverged_at <= 5  # found within a few steps, not after 10,000
    # The same run drawn by the main callback is clean too.
    view = views(
        surface=config.surface, optimizer=config.optimizer, lr=config.lr, steps=config.steps,
        batch_size=config.batch_size or "full", normalization=config.normalization,
        start_x=None if config.start is None else config.start[0],
        start_y=None if config.start is None else config.start[1],
        opt_typed={(config.optimizer, k): (", ".join(map(repr, v)) if isinstance(v, tuple) else str(v).lower() if isinstance(v, bool) else v)
                   for k, v in config.optimizer_params.items()},
    )  # fmt: skip
    check_figures(view, runs=1)
    assert view["trajectories"][0].outcome == trajectory.outcome


def test_a_group_of_runs_matches_each_run_alone_at_the_extremes():
    """simulate_many advances runs together; extreme company must not change a run."""
    configs = [p.values[0] for p in EXTREMES if p.values[0].steps <= 2000]
    together = simulate_many(configs)
    for config, run in zip(configs, together, strict=True):
        alone = simulate(config)
        assert run.outcome == alone.outcome
        np.testing.assert_array_equal(run.params, alone.params)
