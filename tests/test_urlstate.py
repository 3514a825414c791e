"""Shareable links: every view round-trips through its query string; no link breaks the page."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.i18n import LANGUAGES
from app.lessons import LESSONS
from app.link_settings import number_text as _number
from app.links import LAST_RESORT, MAX_PAIRS, MAX_QUERY_CHARS, decode, encode
from app.viewstate import MAX_PINNED, Notice, ViewState, canonical, canonical_state
from engine import (
    OPTIMIZER_NAMES,
    OPTIMIZER_PARAMS,
    SCHEDULER_NAMES,
    SCHEDULER_PARAMS,
    SURFACES,
    RunConfig,
    limits,
)

DATA_SURFACES = [name for name, problem in SURFACES.items() if hasattr(problem, "n")]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- Strategies built from the engine's own tables --------------------------------------------


def value_of(spec):
    """Any value the spec allows (the whole range, open ends excluded, subnormals included)."""
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "int":
        return st.integers(int(spec.low), int(spec.high))
    number = st.floats(
        min_value=spec.low,
        max_value=spec.high if spec.high is not None else 1e12,
        exclude_min=spec.low_open,
        exclude_max=spec.high_open,
        allow_nan=False,
        allow_infinity=False,
    )
    if spec.kind == "pair":
        return st.tuples(number, number)
    return number


@st.composite
def params_of(draw, specs):
    """A random subset of the parameters, each with a random allowed value."""
    return {spec.name: draw(value_of(spec)) for spec in specs if draw(st.booleans())}


@st.composite
def run_configs(draw):
    surface = draw(st.sampled_from(list(SURFACES)))
    is_data = surface in DATA_SURFACES
    normalization = draw(st.sampled_from(limits.NORMALIZATIONS)) if is_data else "none"
    batch_size = draw(st.none() | st.integers(1, SURFACES[surface].n)) if is_data else None
    start = None
    if draw(st.booleans()):
        window = SURFACES[surface].surface(normalization).window
        start = tuple(
            draw(st.floats(low - (high - low), high + (high - low), allow_nan=False))
            for low, high in window
        )
    optimizer = draw(st.sampled_from(OPTIMIZER_NAMES))
    scheduler = draw(st.sampled_from(SCHEDULER_NAMES))
    try:
        return RunConfig(
            surface=surface,
            optimizer=optimizer,
            lr=draw(st.floats(limits.LR_MIN, limits.LR_MAX)),
            optimizer_params=draw(params_of(OPTIMIZER_PARAMS[optimizer])),
            scheduler=scheduler,
            scheduler_params=draw(params_of(SCHEDULER_PARAMS[scheduler])),
            batch_size=batch_size,
            normalization=normalization,
            steps=draw(st.integers(limits.STEPS_MIN, limits.STEPS_MAX)),
            start=start,
            seed=draw(st.integers(limits.SEED_MIN, limits.SEED_MAX)),
        )
    except ValueError:  # e.g. a cyclic max_lr below its base_lr
        assume(False)


@st.composite
def view_states(draw):
    return ViewState(
        current=draw(run_configs()),
        pinned=tuple(draw(st.lists(run_configs(), max_size=MAX_PINNED))),
        lang=draw(st.sampled_from(LANGUAGES)),
        embed=draw(st.booleans()),
        preset=draw(st.none() | st.sampled_from(list(LESSONS))),
    )


@st.composite
def lesson_tweaks(draw):
    """A lesson with some of its runs kept: the links a lecturer edits by hand."""
    key = draw(st.sampled_from(list(LESSONS)))
    runs = LESSONS[key].runs
    current = runs[-1] if draw(st.booleans()) else draw(run_configs())
    pinned = (
        runs[:-1]
        if draw(st.booleans())
        else tuple(draw(st.lists(run_configs(), max_size=MAX_PINNED)))
    )
    return ViewState(current=current, pinned=pinned, preset=key)


# --- Round trip --------------------------------------------------------------------------------


def assert_round_trip(state):
    query = encode(state)
    decoded, notices = decode(query)
    assert notices == [], [n.message() for n in notices]
    assert decoded == canonical_state(state)
    assert encode(decoded) == query  # stable: reopening a link and sharing it again
    assert len(query) <= MAX_QUERY_CHARS


@FAST
@given(view_states())
def test_every_view_round_trips_without_notices(state):
    assert_round_trip(state)


@FAST
@given(lesson_tweaks())
def test_lesson_links_with_changes_round_trip(state):
    assert_round_trip(state)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(OPTIMIZER_NAMES)), st.data())
def test_every_optimizer_parameter_round_trips_alone(optimizer, data):
    for spec in OPTIMIZER_PARAMS[optimizer]:
        config = RunConfig(
            optimizer=optimizer, optimizer_params={spec.name: data.draw(value_of(spec))}
        )
        assert_round_trip(ViewState(current=config))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(SCHEDULER_NAMES)), st.data())
def test_every_scheduler_parameter_round_trips_alone(scheduler, data):
    for spec in SCHEDULER_PARAMS[scheduler]:
        try:
            config = RunConfig(
                scheduler=scheduler, scheduler_params={spec.name: data.draw(value_of(spec))}
            )
        except ValueError:
            continue  # cyclic: a max_lr below the default base_lr
        assert_round_trip(ViewState(current=config))


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_short_and_exact(number):
    text = _number(number)
    assert float(text) == number and math.copysign(1, float(text)) == math.copysign(1, number)
    assert "+" not in text and not text.endswith(".0")


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.1, "0.1"),
        (1e-5, "1e-5"),
        (1.0, "1"),
        (1e20, "1e20"),
        (0.999, "0.999"),
        (5e-324, "5e-324"),
    ],
)
def test_number_texts(number, text):
    assert _number(number) == text


def test_default_view_is_an_empty_query():
    assert encode(ViewState(current=RunConfig())) == ""
    assert decode("") == (ViewState(current=RunConfig()), [])
    assert decode("?") == (ViewState(current=RunConfig()), [])


def test_defaults_are_left_out_and_keys_come_in_a_stable_order():
    config = RunConfig(
        surface="linreg",
        optimizer="adam",
        lr=0.05,
        scheduler="onecycle",
        batch_size=16,
        normalization="standard",
        steps=300,
        start=(0.01, 0.5),
        seed=7,
        optimizer_params={"betas": (0.8, 0.999), "eps": 1e-8, "amsgrad": True},
        scheduler_params={"max_lr": 0.3, "pct_start": 0.3},
    )
    assert encode(ViewState(current=config, lang="ko", embed=True)) == (
        "surface=linreg&optimizer=adam&lr=0.05&betas=0.8,0.999&amsgrad=true&scheduler=onecycle&max_lr=0.3"
        "&batch_size=16&normalization=standard&steps=300&start=0.01,0.5&seed=7&lang=ko&embed=1"
    )


def test_a_shared_name_is_qualified_only_when_both_own_it():
    both = RunConfig(
        optimizer="adam",
        optimizer_params={"eps": 1e-6},
        scheduler="plateau",
        scheduler_params={"eps": 1e-9},
    )
    assert (
        encode(ViewState(current=both))
        == "optimizer=adam&eps=1e-6&scheduler=plateau&plateau.eps=1e-9"
    )
    assert_round_trip(ViewState(current=both))
    scheduler_only = RunConfig(scheduler="plateau", scheduler_params={"eps": 1e-9})
    assert encode(ViewState(current=scheduler_only)) == "scheduler=plateau&eps=1e-9"
    assert decode("optimizer=adam&eps=1e-6&scheduler=plateau")[0].current == canonical(
        RunConfig(optimizer="adam", optimizer_params={"eps": 1e-6}, scheduler="plateau")
    )


def test_pins_are_differences_from_the_current_run():
    current = RunConfig(
        surface="bowl", lr=0.1, optimizer="momentum", optimizer_params={"momentum": 0.5}
    )
    pinned = (
        current.replace(lr=0.3),
        current.replace(lr=0.03, optimizer_params={}),
        current.replace(surface="ravine"),
    )
    query = encode(ViewState(current=current, pinned=pinned))
    assert (
        query
        == "optimizer=momentum&momentum=0.5&pin=lr:0.3&pin=lr:0.03;momentum:0.9&pin=surface:ravine"
    )
    assert_round_trip(ViewState(current=current, pinned=pinned))


def test_the_longest_view_fits_the_limit():
    """Four runs that differ in every setting, each number with 17 significant digits."""
    ugly = 0.12345678901234568
    runs = []
    pairs = [
        ("rmsprop", "plateau"),
        ("adam", "onecycle"),
        ("adagrad", "step"),  # adagrad has no momentum to cycle: PyTorch refuses cyclic's cycle_momentum
        ("momentum", "cyclic"),
    ]
    for k, (optimizer, scheduler) in enumerate(pairs):
        params = {}
        for table, name in ((OPTIMIZER_PARAMS, optimizer), (SCHEDULER_PARAMS, scheduler)):
            params[name] = {}
            for spec in table[name]:
                if spec.kind == "bool":
                    value = True
                elif spec.kind == "choice":
                    value = spec.choices[-1]
                elif spec.kind == "int":
                    value = int(spec.high) - 1 - k
                elif spec.kind == "pair":
                    value = (ugly / (k + 1), ugly / (k + 3))
                else:
                    value = max(spec.low or 0, 0) + ugly / (k + 7)
                params[name][spec.name] = value
        if scheduler == "cyclic":
            params[scheduler]["max_lr"] = 99.12345678901234
        runs.append(
            RunConfig(
                surface="linreg",
                optimizer=optimizer,
                lr=ugly * (k + 1),
                optimizer_params=params[optimizer],
                scheduler=scheduler,
                scheduler_params=params[scheduler],
                batch_size=77 + k,
                normalization=("minmax", "standard")[k % 2],
                steps=9999 - k,
                start=(ugly / (11 + k), ugly / (13 + k)),
                seed=limits.SEED_MAX - 1 - k,
            )
        )
    state = ViewState(
        current=runs[0], pinned=tuple(runs[1:]), lang="ko", embed=True, preset="scheduler-escape"
    )
    assert_round_trip(state)


# --- Lesson presets -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(LESSONS))
def test_every_preset_decodes_to_its_runs(key):
    state, notices = decode(f"preset={key}")
    assert notices == []
    assert state.preset == key
    assert (*state.pinned, state.current) == tuple(canonical(run) for run in LESSONS[key].runs)
    assert encode(state) == f"preset={key}"


def test_canonical_lesson_runs_drop_only_default_parameters():
    """canonical() may only drop parameters equal to PyTorch's defaults: the same runs."""
    for lesson in LESSONS.values():
        for run in lesson.runs:
            kept = canonical(run)
            for name in ("optimizer_params", "scheduler_params"):
                dropped = set(getattr(run, name)) - set(getattr(kept, name))
                specs = {
                    s.name: s
                    for s in (OPTIMIZER_PARAMS[run.optimizer] + SCHEDULER_PARAMS[run.scheduler])
                }
                assert all(getattr(run, name)[p] == specs[p].default for p in dropped)


def test_preset_with_an_explicit_key_overrides_that_key_only():
    state, notices = decode("preset=overshooting&lr=0.3")
    assert notices == []
    assert state.preset == "overshooting"
    assert state.current == LESSONS["overshooting"].current.replace(lr=0.3)
    assert state.pinned == ()
    assert encode(state) == "preset=overshooting&lr=0.3"


def test_preset_overrides_keep_the_lessons_pins_unless_pins_are_given():
    ladder = LESSONS["lr-ladder"]
    state, _ = decode("preset=lr-ladder&steps=200")
    assert state.current == ladder.current.replace(steps=200) and state.pinned == ladder.runs[:-1]
    state, notices = decode("preset=lr-ladder&pin=none")
    assert notices == [] and state.pinned == () and state.current == ladder.current
    assert encode(state) == "preset=lr-ladder&pin=none"
    state, _ = decode("preset=lr-ladder&pin=lr:0.5")
    assert state.pinned == (ladder.current.replace(lr=0.5),)


def test_changing_the_surface_of_a_preset_resets_what_belongs_to_the_surface():
    state, notices = decode("preset=normalization&surface=bowl")
    assert notices == []
    assert (state.current.surface, state.current.normalization, state.current.batch_size) == (
        "bowl",
        "none",
        None,
    )
    assert state.current.lr == LESSONS["normalization"].current.lr


# --- Bad links never break the page ---------------------------------------------------------------


def assert_sound(state, notices):
    assert isinstance(state, ViewState)
    assert isinstance(state.current, RunConfig) and len(state.pinned) <= MAX_PINNED
    assert canonical_state(state) == state
    for notice in notices:
        assert isinstance(notice, Notice)
        assert notice.allowed != LAST_RESORT[0], "the last-resort path was taken"
        assert len(notice.value) <= 41
        for lang in LANGUAGES:
            assert notice.message(lang).isprintable()


@FAST
@given(st.text())
def test_any_text_gives_a_valid_view(query):
    assert_sound(*decode(query))


KEYS = [
    "surface",
    "optimizer",
    "lr",
    "scheduler",
    "batch_size",
    "normalization",
    "steps",
    "start",
    "seed",
    "preset",
    "pin",
    "lang",
    "embed",
    "momentum",
    "betas",
    "eps",
    "plateau.eps",
    "max_lr",
    "T_max",
    "x",
]
VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "1e309",
            "-1",
            "0",
            "1e9",
            "full",
            "auto",
            "none",
            "true",
            "%ZZ",
            "%ff%fe",
            "1,2",
            "a,b",
            "lr:0.3",
            "lr:x;;:",
            "linreg",
            "adam",
            "cyclic",
            "standard",
        ]
    ),
    st.floats().map(repr),
)


@FAST
@given(st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=12))
def test_any_mix_of_settings_gives_a_valid_view(pairs):
    query = "&".join(f"{key}={value}" for key, value in pairs)
    assert_sound(*decode(query))


@FAST
@given(view_states(), st.sampled_from(KEYS), VALUES)
def test_one_bad_value_leaves_the_rest_of_a_view(state, key, value):
    query = encode(state)
    decoded, notices = decode(f"{query}&{key}={value}" if query else f"{key}={value}")
    assert_sound(decoded, notices)
    present = {pair.partition("=")[0] for pair in query.split("&")} - {"pin"}
    if notices and key not in present and all(n.key == key for n in notices):
        assert decoded == canonical_state(state)  # the bad value changed nothing else


# Appended to each bad query: it must still apply.
REST = "&steps=42"


@pytest.mark.parametrize(
    ("query", "key", "allowed"),
    [
        ("lr=abc", "lr", "a number in [1e-05, 10]"),
        ("lr=-0.1", "lr", "a number in [1e-05, 10]"),
        ("lr=nan", "lr", "a number in [1e-05, 10]"),
        ("lr=inf", "lr", "a number in [1e-05, 10]"),
        ("lr=1e309", "lr", "a number in [1e-05, 10]"),
        ("lr=" + "9" * 1500, "lr", "a number in [1e-05, 10]"),
        ("seed=-1", "seed", "an integer in [0, 4294967295]"),
        ("seed=1.5", "seed", "an integer in [0, 4294967295]"),
        ("surface=moon", "surface", "one of bowl, ravine, trap, linreg"),
        ("optimizer=lbfgs", "optimizer", "one of sgd, momentum"),
        ("scheduler=linear", "scheduler", "one of constant, step"),
        ("start=1", "start", "two numbers x,y with x in [-15, 15] and y in [-12, 12]"),
        ("start=a,b", "start", "two numbers x,y"),
        ("start=1e9,0", "start", "two numbers x,y"),
        ("start=nan,0", "start", "two numbers x,y"),
        ("surface=linreg&start=5,5", "start", "two numbers w,b"),
        ("batch_size=16", "batch_size", "full (bowl has no data"),
        ("surface=linreg&batch_size=0", "batch_size", "full or an integer in [1, 100]"),
        ("surface=linreg&batch_size=101", "batch_size", "full or an integer in [1, 100]"),
        ("normalization=standard", "normalization", "none on bowl"),
        ("surface=linreg&normalization=zscore", "normalization", "one of none, standard, minmax"),
        ("momentum=0.5", "momentum", "a parameter of sgd (weight_decay)"),
        ("optimizer=adam&momentum=0.5", "momentum", "a parameter of adam (betas, eps, amsgrad, weight_decay)"),
        ("optimizer=momentum&momentum=1", "momentum", "a number in [0, 1)"),
        ("optimizer=adam&betas=0.9", "betas", "two numbers, each in [0, 1)"),
        ("optimizer=adam&amsgrad=maybe", "amsgrad", "true or false"),
        ("scheduler=plateau&threshold_mode=foo", "threshold_mode", "one of rel, abs"),
        ("scheduler=cosine&T_max=0", "T_max", "an integer in [1, 10000] or auto"),
        ("scheduler=cyclic&max_lr=0.01", "max_lr", "a number >= base_lr"),
        ("scheduler=cyclic&base_lr=50", "base_lr", "a value that keeps max_lr valid"),
        ("plateau.eps=1e-9", "plateau.eps", "a parameter of sgd (weight_decay)"),
        ("foo=bar", "foo", "a setting (surface, optimizer"),
        ("%ZZ=1", "%ZZ", "a setting"),
        ("lang=fr", "lang", "one of en, ko"),
        ("embed=yes", "embed", "1 or 0"),
        ("preset=nope", "preset", "a lesson (13 in all: gradient-descent"),
        ("pin=garbage", "pin", "KEY:VALUE entries"),
        ("pin=lr:abc", "pin", "a number in [1e-05, 10] for lr"),
        ("pin=lang:ko", "pin", "KEY:VALUE entries"),
        ("pin=lr:0.1;lr:0.2", "pin", "each key once"),
        ("lr=0.2&lr=0.3", "lr", "one value (the last one counts)"),
    ],
)
def test_a_bad_value_is_named_with_what_is_allowed_and_the_rest_loads(query, key, allowed):
    state, notices = decode(query + REST)
    assert_sound(state, notices)
    assert state.current.steps == 42
    assert [n.key for n in notices] == [key], [n.message() for n in notices]
    assert allowed in notices[0].allowed


def test_steps_out_of_range_falls_back_to_the_default():
    state, notices = decode("steps=1e9&lr=0.3")
    assert state.current == RunConfig(lr=0.3)
    assert (
        notices[0].message() == "Ignored steps=1e9: expected an integer in [1, 10000]; using 100."
    )


def test_a_preset_value_is_what_a_bad_override_falls_back_to():
    state, notices = decode("preset=overshooting&lr=abc")
    assert state.current == LESSONS["overshooting"].current
    assert notices[0].message() == "Ignored lr=abc: expected a number in [1e-05, 10]; using 0.65."


def test_notice_messages_in_both_languages():
    _, (notice,) = decode("lr=abc")
    assert notice == Notice(
        "lr", "abc", "a number in [1e-05, 10]", "0.1", "[1e-05, 10] 범위의 숫자", "0.1"
    )
    assert notice.message("en") == "Ignored lr=abc: expected a number in [1e-05, 10]; using 0.1."
    assert (
        notice.message("ko")
        == "lr=abc 값을 무시했습니다. 허용: [1e-05, 10] 범위의 숫자. 대신 0.1을 사용합니다."
    )
    _, (notice,) = decode("surface=linreg&batch_size=0")
    assert notice.message("ko").endswith("대신 전체 배치를 사용합니다.")
    assert (
        Notice("x", "1", "one of a, b").message("ko")
        == "x=1 값을 무시했습니다. 허용: a, b 중 하나."
    )


def test_repeated_keys_keep_the_last_value():
    state, notices = decode("lr=0.2&lr=0.3")
    assert state.current.lr == 0.3
    assert notices[0].value == "0.2"


def test_too_many_pins_are_dropped():
    state, notices = decode("&".join(f"pin=lr:0.{k}" for k in range(1, 6)))
    assert [p.lr for p in state.pinned] == [0.1, 0.2, 0.3]
    assert [n.key for n in notices] == ["pin", "pin"]


def test_percent_escapes_and_case_are_forgiven():
    state, notices = decode(
        "LR=0.3&optimizer=Adam&Betas=0.8%2C0.99&pin=lr%3A0.5%3Bbetas%3A0.7%2C0.9"
    )
    assert notices == []
    assert state.current.lr == 0.3 and state.current.optimizer_params["betas"] == (0.8, 0.99)
    assert state.pinned[0].optimizer_params["betas"] == (0.7, 0.9)


@pytest.mark.parametrize(
    "query", ["%C3%28", "lr=%C3", "%ff=%fe", "lr=%", "%", "=", "&&&", "==&=", "pin=%00"]
)
def test_broken_percent_escapes_never_raise(query):
    assert_sound(*decode(query))


@pytest.mark.parametrize("query", [None, b"lr=0.3", b"\xff\xfe", 42])
def test_not_even_a_string(query):
    assert_sound(*decode(query))


def test_huge_links_are_cut_quickly():
    cases = [
        "a" * 1_000_000,
        "&" * 1_000_000,
        "lr=0.3&" + "x=1&" * 250_000,
        "lr=0.3&pin=" + "lr:0.1;" * 100_000,
        "lr=0.3&start=" + "1," * 200_000,
        "lr=0.3&" + "%" * 1_000_000,
    ]
    started = time.perf_counter()
    for query in cases:
        state, notices = decode(query)
        assert_sound(state, notices)
        assert notices and notices[0].key == "query"
        assert len(notices) <= MAX_PAIRS + 2
    assert state.current.lr == 0.3
    assert time.perf_counter() - started < 2.0


def test_view_state_refuses_what_a_link_cannot_hold():
    with pytest.raises(ValueError, match="lang"):
        ViewState(current=RunConfig(), lang="fr")
    with pytest.raises(ValueError, match="pinned"):
        ViewState(current=RunConfig(), pinned=(RunConfig(),) * (MAX_PINNED + 1))
    with pytest.raises(ValueError, match="preset"):
        ViewState(current=RunConfig(), preset="nope")
