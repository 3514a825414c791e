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
from hypothesis import HealthCheck, event, given, settings
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

from app.downloads import trajectories_csv
from app.i18n import t
from app.links import decode
from app.navigation import url_search
from app.runs import config_from_dict, config_to_dict
from app.viewmodel import ERROR_SLOTS, compute_views
from app.viewstate import canonical
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
PINNED_STEPS = 12
FIGURES = ("contour", "surface3d", "loss", "lr", "third")  # pinned runs are small: the current run carries the large step counts

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


def one_in(n: int):
    """True about once in n draws (st.one_of has no weights, and merges equal branches)."""
    return st.integers(0, n - 1).map(lambda k: k == n - 1)


# --------------------------------------------------------------------------- from the ParamSpecs


def _edges(spec) -> tuple[list, list]:
    """Values on and just beyond a numeric spec's ends, split into (accepted, refused)."""
    out = []
    if spec.low is not None:
        out += [spec.low, spec.low - 1, np.nextafter(spec.low, -math.inf), np.nextafter(spec.low, math.inf)]
    if spec.high is not None:
        out += [spec.high, spec.high + 1, np.nextafter(spec.high, -math.inf), spec.high * 10 + 1]
    if spec.kind == "int":
        out = [int(v) if float(v).is_integer() else float(v) for v in out]
    good, bad = [], []
    for value in (float(v) if spec.kind != "int" else v for v in out):
        try:
            spec.check(value if spec.kind != "pair" else (value, value), "x")
            good.append(value)
        except ValueError:
            bad.append(value)
    return good, bad


def _inside(spec):
    if spec.kind == "int":
        return st.integers(int(spec.low), int(spec.high) if spec.high is not None else 10**6)
    high = spec.high if spec.high is not None else 1e6
    return st.floats(spec.low, high, exclude_min=spec.low_open, exclude_max=spec.high_open, allow_nan=False)


def spec_values(spec):
    """(accepted, refused) strategies for one hyperparameter, from its ParamSpec."""
    if spec.kind == "bool":
        return st.sampled_from(["true", "false", True, False]), st.one_of(st.sampled_from(["yes", "TRUE ", 2]), GARBAGE)
    if spec.kind == "choice":
        return st.sampled_from(spec.choices), st.one_of(st.sampled_from([spec.choices[0].upper(), ""]), GARBAGE)
    good_edges, bad_edges = _edges(spec)
    number = st.one_of(_inside(spec), st.sampled_from(good_edges)) if good_edges else _inside(spec)
    if spec.kind == "pair":
        wrong = st.one_of(st.sampled_from(bad_edges), GARBAGE)
        return (
            st.one_of(st.tuples(number, number).map(lambda p: f"{p[0]!r}, {p[1]!r}"), st.tuples(number, number)),
            st.one_of(
                number.map(repr),  # one number: not a pair
                st.tuples(number, number, number).map(lambda p: ",".join(map(repr, p))),
                st.tuples(number, wrong).map(list),
                GARBAGE,
            ),
        )
    typed = [number.map(repr)]  # typed as text
    if spec.kind == "int":
        typed.append(number.map(float))  # 30.0 for 30
    return st.one_of(number, *typed), st.one_of(st.sampled_from(bad_edges), GARBAGE)


OPT_SPECS = {name: [(s, *spec_values(s)) for s in specs] for name, specs in OPTIMIZER_PARAMS.items()}
SCHED_SPECS = {name: [(s, *spec_values(s)) for s in specs] for name, specs in SCHEDULER_PARAMS.items()}

# --------------------------------------------------------------------------- every setting


def _names(names):
    wrong = st.one_of(st.sampled_from(["", names[0].upper(), "custom", "upload", "none"]), GARBAGE)
    return st.sampled_from(names), wrong


LR = (
    st.one_of(
        st.floats(math.log10(limits.LR_MIN), math.log10(limits.LR_MAX)).map(lambda e: 10**e),
        st.sampled_from([limits.LR_MIN, limits.LR_MAX, 1, 3]),
    ),
    st.one_of(st.sampled_from([0, -0.1, 9.99e-6, 10.000001, 11, 1e9, "0.1"]), GARBAGE),
)
SEED = (
    st.one_of(st.integers(limits.SEED_MIN, 100), st.sampled_from([limits.SEED_MAX, 2**31, 7.0])),
    st.one_of(st.sampled_from([-1, limits.SEED_MAX + 1, 1.5]), GARBAGE),
)
BAD_STEPS = st.one_of(st.sampled_from([0, -1, limits.STEPS_MAX + 1, 2.5, "30", 10**12]), GARBAGE)
FIELDS_FUZZED = (
    "surface", "optimizer", "scheduler", "lr", "batch_size", "normalization", "steps", "seed", "start",
    "optimizer_params", "scheduler_params", "pinned",
)  # fmt: skip


@st.composite
def settings_drawn(draw):
    """One example's settings: all accepted, or with one (sometimes several) refused fields.

    Half the examples are valid through and through; the rest break one field, or each
    field with a chance of one in three. About one example in a hundred runs thousands of
    steps. Returns the fields under RunConfig's names (plus "pinned", the Store of pins).
    """
    mode = draw(st.integers(0, 19))
    if mode < 10:
        bad = set()
    elif mode < 17:
        bad = {draw(st.sampled_from(FIELDS_FUZZED))}
    else:
        bad = {name for name in FIELDS_FUZZED if draw(one_in(3))}

    def pick(name, strategies):
        return draw(strategies[1] if name in bad else strategies[0])

    surface = pick("surface", _names(SURFACE_NAMES))
    problem = SURFACES.get(surface) if isinstance(surface, str) else None
    n = getattr(problem, "n", None)
    optimizer = pick("optimizer", _names(OPTIMIZER_NAMES))
    scheduler = pick("scheduler", _names(SCHEDULER_NAMES))
    values = {"surface": surface, "optimizer": optimizer, "scheduler": scheduler}
    values["lr"] = pick("lr", LR)
    good_steps = st.integers(limits.STEPS_MIN, 40)
    if draw(one_in(100)):
        good_steps = st.sampled_from([2000, 5000, limits.STEPS_MAX])
    values["steps"] = pick("steps", (good_steps, BAD_STEPS))
    values["seed"] = pick("seed", SEED)
    if n is not None:
        batch = st.one_of(st.none(), st.integers(1, n), st.sampled_from([1, n]))
        wrong_batch = st.one_of(st.sampled_from([0, -1, n + 1, 2.5, "8"]), GARBAGE)
        normalization = st.sampled_from(limits.NORMALIZATIONS)
    else:
        batch, wrong_batch = st.none(), st.one_of(st.sampled_from([1, 8]), GARBAGE)
        normalization = st.just("none")
    values["batch_size"] = pick("batch_size", (batch, wrong_batch))
    values["normalization"] = pick(
        "normalization", (normalization, st.one_of(st.sampled_from(["standard", "Standard", ""]), GARBAGE))
    )
    values["start"] = draw(start_strategy(problem, values["normalization"], "start" in bad))
    for key, name, table in (("optimizer_params", optimizer, OPT_SPECS), ("scheduler_params", scheduler, SCHED_SPECS)):
        specs = table.get(name, ()) if isinstance(name, str) else ()
        chosen = {}
        typed = [entry for entry in specs if draw(st.booleans())]
        spoilt = draw(st.sampled_from(typed)) if key in bad and typed else None
        for entry in typed:
            spec, good, wrong = entry
            chosen[spec.name] = draw(wrong if entry is spoilt else good)
        if key in bad and spoilt is None:
            if draw(st.booleans()):
                chosen[draw(st.sampled_from(["nope", "lr", "momentum", "gamma"]))] = 0.5  # unknown name
            else:
                chosen = draw(GARBAGE)
        values[key] = chosen
    values["pinned"] = draw(pins_strategy(surface, "pinned" in bad))
    values["lang"] = draw(st.sampled_from(["en", "ko"]))
    return values


@st.composite
def start_strategy(draw, problem, normalization, refused: bool):
    """None (the default) or a point in the window widened by START_MARGIN, or one beyond it."""
    if not refused and draw(st.booleans()):
        return None
    try:
        window = problem.surface(normalization).window
    except (AttributeError, TypeError, ValueError):
        window = ((-1.0, 1.0), (-1.0, 1.0))
    # fraction -1 .. 2 of the window is the widened window, both ends included
    inside = st.floats(-1.0, 2.0)
    outside = st.one_of(st.floats(-1.5, -1.0, exclude_max=True), st.floats(2.0, 2.5, exclude_min=True))
    fractions = [draw(inside), draw(inside)]
    if refused:
        kind = draw(st.integers(0, 2))
        if kind == 0:
            return draw(GARBAGE), draw(GARBAGE)
        if kind == 1:
            point = [low + f * (high - low) for (low, high), f in zip(window, fractions, strict=True)]
            point[draw(st.integers(0, 1))] = None  # only one coordinate
            return tuple(point)
        fractions[draw(st.integers(0, 1))] = draw(outside)
    return tuple(low + f * (high - low) for (low, high), f in zip(window, fractions, strict=True))


@st.composite
def pins_strategy(draw, surface, refused: bool):
    """The pinned Store: valid pins of this surface and others, or tampered ones, or junk."""
    if refused and draw(one_in(3)):
        return draw(st.one_of(GARBAGE, st.lists(GARBAGE, max_size=4)))
    pins = []
    for _ in range(draw(st.integers(0, 4))):
        same = isinstance(surface, str) and surface in SURFACES and draw(st.integers(0, 3)) > 0
        pin_surface = surface if same else draw(st.sampled_from(SURFACE_NAMES))
        data = pin_surface in DATA_SURFACES
        config = RunConfig(
            surface=pin_surface,
            optimizer=draw(st.sampled_from(OPTIMIZER_NAMES)),
            scheduler=draw(st.sampled_from(SCHEDULER_NAMES)),
            lr=draw(st.sampled_from([0.001, 0.05, 0.5, 5.0])),
            steps=PINNED_STEPS,
            normalization=draw(st.sampled_from(limits.NORMALIZATIONS)) if data else "none",
            batch_size=draw(st.sampled_from([None, 1, 7])) if data else None,
        )
        pin = config_to_dict(config)
        if refused:  # a stale or tampered pin
            pin[draw(st.sampled_from(sorted(pin)))] = draw(GARBAGE)
        pins.append(pin)
    return pins


def _control_values(ids, initial, owner, params) -> list:
    """The page's parameter controls with `params` typed into `owner`'s."""
    values = list(initial)
    if isinstance(params, dict):
        for index, control_id in enumerate(ids):
            if control_id["owner"] == owner and control_id["name"] in params:
                values[index] = params[control_id["name"]]
    return values


@st.composite
def controls(draw):
    """The main callback's inputs, as Dash hands them over."""
    v = draw(settings_drawn())
    start = v["start"] if isinstance(v["start"], tuple) else (None, None)
    return {
        **{k: v[k] for k in ("surface", "optimizer", "lr", "scheduler", "normalization", "steps", "seed", "pinned", "lang")},
        "batch_size": "full" if v["batch_size"] is None else v["batch_size"],
        "start_x": start[0],
        "start_y": start[1],
        "opt_values": _control_values(OPT_IDS, OPT_VALUES, v["optimizer"], v["optimizer_params"]),
        "sched_values": _control_values(SCHED_IDS, SCHED_VALUES, v["scheduler"], v["scheduler_params"]),
    }


@st.composite
def config_kwargs(draw):
    """RunConfig's keyword arguments, straight (the engine's own door)."""
    v = draw(settings_drawn())
    return {name: v[name] for name in RunConfig.__dataclass_fields__}


# --------------------------------------------------------------------------- checks

FIELD_HEADS = frozenset(
    {*RunConfig.__dataclass_fields__, "start", "unknown", *OPTIMIZER_NAMES, *SCHEDULER_NAMES}
    | {"window", "formula", "upload"}
)
OWN_SURFACE_HEADS = {"window", "formula", "upload"}  # a lecturer's own formula or CSV, left blank


def assert_clear(message: str) -> None:
    """A validation message names the field and what is allowed (issue: Hardening)."""
    assert message and len(message) < 2000, message[:300]
    head = message.split(" = ", 1)[0].split(" ", 1)[0].split(".", 1)[0].rstrip(":")
    assert head in FIELD_HEADS, message
    if head in OWN_SURFACE_HEADS:  # "upload: choose a CSV file first" and the like
        return
    if head == "unknown":  # an optimizer or scheduler by a name the engine lacks
        kind = message.split(" ", 2)[1]
        names = OPTIMIZER_NAMES if kind == "optimizer" else SCHEDULER_NAMES
        assert kind in ("optimizer", "scheduler") and ", ".join(names) in message, message
        return
    allowed = (" is not allowed: ", " is not allowed with ", "has no parameter", "needs both x and y", "data-fit problem only")
    assert any(words in message for words in allowed), message


def _json_default(value):
    if hasattr(value, "to_plotly_json"):  # a Dash component
        return value.to_plotly_json()
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON")


def assert_finite(value, what: str = "result") -> None:
    """No NaN or inf anywhere in a JSON-bound value (figures, Stores, Dash components)."""
    try:
        json.dumps(value, allow_nan=False, default=_json_default)
    except ValueError as error:
        raise AssertionError(f"{what}: {error}") from None


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
        event("refused")  # --hypothesis-show-statistics shows the mix
        assert_clear(str(error))
        return
    event(f"ran {'1,000+' if config.steps >= 1000 else 'a few'} steps")
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
    event("refused" if not result["ok"] else f"drew {len(result['trajectories'])} run(s)")
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
    assert 1 <= runs <= 4 and len(result["badges"]) == runs
    assert result["contour"]["data"][0]["type"] == "contour"
    for key in (*FIGURES, "badges", "formula", "summary", "config"):
        assert_finite(result[key], key)
    current = config_from_dict(result["config"])
    for trajectory in result["trajectories"]:
        check_trajectory(trajectory, trajectory.config)
    assert canonical(result["trajectories"][0].config) == canonical(current)
    outcomes = [badge.to_plotly_json()["props"]["data-outcome"] for badge in result["badges"]]
    assert outcomes == [run.outcome for run in result["trajectories"]]
    # The URL reopens this run, and says nothing a browser could not read back.
    flags = {"lang": c["lang"], "embed": False, "preset": None}
    search = url_search(result, flags)
    assert "nan" not in search.lower() and "inf" not in search.lower()
    state, notices = decode(search.lstrip("?"))
    assert notices == [], [n.message() for n in notices]
    assert state.current == canonical(current)
    if current.steps <= 50 and c["lang"] == "ko":  # half the examples: pandas is slow-ish
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
