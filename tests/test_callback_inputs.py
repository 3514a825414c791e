"""Every server callback but the main one, and its helpers, with values a tampered request
could carry (the main callback has tests/test_fuzz.py).

The page sends well-formed values, but a request can carry anything: None, True, NaN, 10**400,
"x", [], {}, a click without points. Such a value reads as "no value": the callback leaves its
outputs alone (no_update), shows the default, or says what is wrong where the user looks, and
never raises (Dash would answer a 500). The same values over HTTP: test_http.py.
"""

from __future__ import annotations

import base64
import contextvars
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict, to_json
from dash.exceptions import PreventUpdate

from app.downloads import html_download, trajectories_csv
from app.explorers import clicked_rate, explore_outputs, map_cell_target
from app.factory import create_app
from app.i18n import t
from app.navigation import clicked_start, navigation_target, pinned_after
from app.panels import chosen_params, upload_outputs
from app.runs import config_to_dict, own_problem, stored_configs
from app.viewmodel import lr_preview
from app.viewstate import MAX_PINNED
from engine import OPTIMIZER_PARAMS, SCHEDULER_NAMES, SCHEDULER_PARAMS, RunConfig, limits

# Values of the wrong type or beyond any range. None of them is a click on a point with
# numeric data, a known name, or a list of controls.
ODD_VALUES = (
    None, True, False, 0, -1, 1e300, 10**400, -(10**400), math.nan, math.inf, -math.inf,
    "x", "", "?lang=xx&pin=%%", [], [1, "a"], [None], [{}], [[1]], {}, {"lang": []},
    {"points": 5}, {"points": []}, {"points": [{}]}, {"points": [None]}, {"points": {"0": {}}},
    {"points": [{"x": "a", "y": 1, "customdata": "0.3"}]},
    {"points": [{"x": math.nan, "y": 10**400, "customdata": [10**400, math.inf]}]},
    {"points": [{"x": True, "y": 1, "customdata": [0.3, "x"]}]},
)  # fmt: skip
HIDDEN = {"display": "none"}
FLAGS = {"lang": "en", "embed": False, "preset": None}
CURRENT = config_to_dict(RunConfig(optimizer="momentum", lr=0.05, steps=20))
PINNED = config_to_dict(RunConfig(optimizer="momentum", lr=0.01, steps=20))
MAP_CLICK = {"points": [{"customdata": [0.3, 0.5]}]}  # a stability-map cell: [rate, momentum]
CSV = "data:text/csv;base64," + base64.b64encode(b"size,cost\n1,3\n2,5.2\n3,7.1\n4,8.8\n").decode()
SCHED_IDS = [
    {"type": "sched-param", "owner": o, "name": s.name}
    for o in SCHEDULER_NAMES
    for s in SCHEDULER_PARAMS[o]
]
SCHED_VALUES = [None] * len(SCHED_IDS)
NORMALIZATION_OPTIONS = [{"label": name, "value": name} for name in limits.NORMALIZATIONS]
PREVENTED = "PreventUpdate"


# --------------------------------------------------------------------------- calling callbacks


@pytest.fixture(scope="module")
def registered() -> dict[str, Callable]:
    """The app's Python callbacks by function name (the undecorated functions)."""
    found = {}
    for entry in create_app().callback_map.values():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None:
            found[function.__name__] = function
    return found


def answer(function, args, trigger: str | None = None):
    """function(*args) as Dash calls it after `trigger` (a component id) changed."""

    def run():
        inputs = [{"prop_id": f"{trigger}.value", "value": None}] if trigger else []
        context_value.set(AttributeDict(triggered_inputs=inputs))
        try:
            return function(*args)
        except PreventUpdate:
            return PREVENTED

    return contextvars.copy_context().run(run)


def json_safe(value) -> None:
    """What the browser's JSON.parse accepts: no NaN or Infinity anywhere."""
    json.dumps(value, allow_nan=False)


def finite_number(value) -> bool:
    """The odd values that are real, finite numbers (0, -1, 1e300; not True or 10**400)."""
    return type(value) in (int, float) and any(value == v for v in (0, -1, 1e300))


# --------------------------------------------------------------------------- what harmless means


def param_controls_of(block) -> list:
    """The parameter controls in a block (those with an id), in order."""
    return [c for c in block._traverse() if isinstance(getattr(c, "id", None), dict)]


def block_ok(kind: str) -> Callable:
    """A parameter block of one owner at most, each control holding a value an input can show."""

    def ok(out) -> bool:
        controls = param_controls_of(out)
        return (
            out.className == "param-block"
            and len({c.id["owner"] for c in controls}) <= 1
            and all(c.id["type"] == kind for c in controls)
            and all(getattr(c, "value", None) is None or type(c.value) in (str, int, float) for c in controls)
        )

    return ok


def shows_defaults_of(table: dict, owner: str) -> Callable:
    """The owner's block with each parameter at its default: blank inputs, menus at the default."""

    def ok(out) -> bool:
        controls = param_controls_of(out)
        names = [c.id["name"] for c in controls]
        return (
            names == [s.name for s in table[owner]]
            and {c.id["owner"] for c in controls} == {owner}
            and all(c.value in (None, s.default, str(s.default).lower()) for c, s in zip(controls, table[owner], strict=True))
        )

    return ok


def data_controls_ok(out) -> bool:
    disabled, options, reason, no_curve_axis = out
    return (
        isinstance(disabled, bool)
        and no_curve_axis is disabled
        and (options is no_update or all(isinstance(o["disabled"], bool) for o in options))
        and isinstance(reason, str)
    )


def explore_ok(out) -> bool:
    curves_hidden, explore_hidden, finder, finder_style, smap, map_style, options, _, note, bar = (
        out
    )
    return (
        len(out) == 10
        and isinstance(curves_hidden, bool)
        and explore_hidden is not curves_hidden
        and all(f is no_update or isinstance(f, dict) for f in (finder, smap))
        and all(isinstance(s, dict) for s in (finder_style, map_style, bar))
        and (options is no_update or isinstance(options, list))
        and isinstance(note, str)
    )


def rate_ok(out) -> bool:
    return out is no_update or (isinstance(out, float) and math.isfinite(out))


def link_ok(out) -> bool:
    return out is no_update or (isinstance(out, str) and out.startswith("/"))


def panels_ok(out) -> bool:
    return (
        len(out) == 2 and all(isinstance(hidden, bool) for hidden in out) and out.count(False) <= 1
    )


def upload_ok(out) -> bool:
    table, x_options, x, y_options, y, notes, error = out
    if table is no_update:  # nothing read: the reason shows under the upload
        return (
            all(v is no_update for v in (x_options, x, y_options, y))
            and notes == ""
            and error != ""
        )
    return isinstance(table, dict) and {x, y} <= set(table["columns"]) and error == ""


def start_ok(out) -> bool:
    return out == (None, None) or all(isinstance(v, float) and math.isfinite(v) for v in out)


def pins_ok(out) -> bool:
    return (
        isinstance(out, list) and len(out) <= MAX_PINNED and all(isinstance(p, dict) for p in out)
    )


def preview_ok(out) -> bool:
    return out is no_update or (isinstance(out, dict) and len(out["data"][0]["y"]) >= 1)


def download_ok(kind: str) -> Callable:
    return lambda out: out is no_update or (isinstance(out["content"], str) and out["type"] == kind)


@dataclass(frozen=True)
class Case:
    args: tuple  # valid values, as the page sends them
    triggers: tuple  # the inputs whose change calls it (the callback may branch on which)
    harmless: Callable  # any answer: of the right shape and nothing the browser would refuse
    real: Callable  # the answer to the valid values: a real update, not a harmless default


CASES = {
    # The block of the optimizer just chosen, while the previous one's controls are shown.
    "show_optimizer_params": Case(
        ("momentum", [0.5, "0.9,0.99"], [{"type": "opt-param", "owner": "sgd", "name": "momentum"},
                                        {"type": "opt-param", "owner": "adam", "name": "betas"}]),
        ("optimizer",), block_ok("opt-param"), shows_defaults_of(OPTIMIZER_PARAMS, "momentum"),
    ),
    "show_scheduler_params": Case(
        ("cyclic", [0.3], [{"type": "sched-param", "owner": "step", "name": "gamma"}]),
        ("scheduler",), block_ok("sched-param"), shows_defaults_of(SCHEDULER_PARAMS, "cyclic"),
    ),
    "data_controls": Case(
        ("linreg", NORMALIZATION_OPTIONS, FLAGS), ("surface",), data_controls_ok,
        lambda out: out[0] is False and not any(o["disabled"] for o in out[1]),
    ),
    "explore": Case(
        ("finder", CURRENT, "momentum", "bowl", "x**2", "-3, 3", "-3, 3", None, None, None, FLAGS),
        ("lower-view",), explore_ok, lambda out: out[1] is False and isinstance(out[2], dict),
    ),
    "load_clicked_rate": Case(({"points": [{"customdata": 0.3}]},), ("finder-graph",), rate_ok, lambda out: out == 0.3),
    "load_clicked_cell": Case(
        (MAP_CLICK, CURRENT, [PINNED], "momentum", FLAGS), ("map-graph",), link_ok,
        lambda out: "lr=0.3" in out and "momentum=0.5" in out and "pin=" in out and "view=map&second=momentum" in out,
    ),
    "own_surface_panels": Case(("custom",), ("surface",), panels_ok, lambda out: out == (False, True)),
    "receive_upload": Case((CSV, "shop.csv"), ("upload-file",), upload_ok, lambda out: out[2:7:2] == ("size", "cost", "")),
    "start_from_click": Case(
        ({"points": [{"x": 1.234567, "y": -2.0}]}, "bowl", "none"), ("contour", "surface", "normalization"),
        start_ok, lambda out: out == (1.2346, -2.0),
    ),
    "pin_run": Case((1, 0, CURRENT, [PINNED]), ("pin", "clear-pins"), pins_ok, lambda out: out == [PINNED, CURRENT]),
    "preview": Case(
        ("cyclic", 0.1, 100, SCHED_VALUES, SCHED_IDS), ("scheduler", "lr", "steps"), preview_ok,
        lambda out: len(out["data"][0]["y"]) == 100,
    ),
    "navigate": Case(
        ("overshooting", "ko", "?lr=0.3", FLAGS), ("preset", "lang"), link_ok,
        lambda out: out == "/?preset=overshooting",
    ),
    "download_html": Case(
        (1, "?lr=0.3", CURRENT, [PINNED], None, None, None, FLAGS), ("html-button",), download_ok("text/html"),
        lambda out: "Plotly" in out["content"],
    ),
    "download_csv": Case(
        (1, "?lr=0.3", CURRENT, [PINNED], None, None, None, FLAGS), ("csv-button",), download_ok("text/csv"),
        lambda out: out["content"].startswith("run,label,") and out["content"].count("\n") > 2 * 20,
    ),
    "network_panels": Case(
        ("network", "moons", FLAGS), ("surface", "dataset"),
        lambda out: len(out) == 4 and all(isinstance(v, bool) for v in out[:3]) and isinstance(out[3], list),
        lambda out: out[:3] == (False, False, True) and [o["value"] for o in out[3]][::8] == [1, "full"],
    ),
    "show_code": Case(
        ("code", CURRENT, "bowl", "x**2", "-3, 3", "-3, 3", None, None, None, FLAGS), ("lower-view", "current-config"),
        lambda out: len(out) == 2 and isinstance(out[1], bool) and (out[0] is no_update) is out[1],
        lambda out: out[1] is False and "torch.optim.SGD" in str(out[0]),
    ),
    "view_address": Case(
        ("map", "momentum", "?lr=0.3", "bowl"), ("lower-view", "explore-second"),
        lambda out: out is no_update or (isinstance(out, str) and (out == "" or out.startswith("?"))),
        lambda out: out == "?lr=0.3&view=map&second=momentum",
    ),
}  # fmt: skip


def check(name: str, out, args, trigger) -> None:
    described = f"{name}{tuple(args)!r:.300} after {trigger}"
    if out == PREVENTED:
        return
    assert CASES[name].harmless(out), f"{described} gave {out!r:.300}"
    to_json(
        [o for o in (out if isinstance(out, tuple | list) else [out]) if o is not no_update]
    )  # Dash can send it


# --------------------------------------------------------------------------- every callback


def test_the_cases_are_every_callback_but_the_main_one(registered):
    assert set(CASES) == set(registered) - {"recompute"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_valid_values_give_a_real_answer(registered, name):
    """The valid values of each case are a real request: the odd ones below replace them."""
    case = CASES[name]
    out = answer(registered[name], case.args, case.triggers[0])
    check(name, out, case.args, case.triggers[0])
    assert case.real(out), out


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_value_odd_in_turn_gives_a_harmless_answer(registered, name):
    case = CASES[name]
    for trigger in case.triggers:
        for index in range(len(case.args)):
            for odd in ODD_VALUES:
                args = (*case.args[:index], odd, *case.args[index + 1 :])
                check(name, answer(registered[name], args, trigger), args, trigger)


@pytest.mark.parametrize("name", sorted(CASES))
def test_many_values_odd_at_once_give_a_harmless_answer(registered, name):
    rng = random.Random(name)
    case = CASES[name]
    for _ in range(20):
        args = tuple(rng.choice(ODD_VALUES) if rng.random() < 0.5 else value for value in case.args)
        trigger = rng.choice((*case.triggers, "something-else"))
        check(name, answer(registered[name], args, trigger), args, trigger)


# --------------------------------------------------------------------------- each value, exactly


def test_clicks_without_a_numeric_point_load_nothing():
    for odd in ODD_VALUES:
        assert clicked_rate(odd) is no_update, odd
        assert clicked_start(odd) == (None, None), odd  # the surface's default start
        assert map_cell_target(odd, CURRENT, [], "momentum", FLAGS) is no_update, odd
    assert clicked_rate({"points": [{"customdata": 0.3}]}) == 0.3
    assert clicked_rate({"points": [{"customdata": 10**400}]}) is no_update
    assert clicked_start({"points": [{"x": 1e300, "y": 0}]}) == (
        1e300,
        0.0,
    )  # the start's own check says why


def test_a_map_cell_link_needs_a_run_and_a_setting_it_offers():
    link = map_cell_target(MAP_CLICK, CURRENT, [], "momentum", FLAGS)
    query = parse_qs(urlsplit(link).query)
    assert query["lr"] == ["0.3"] and query["momentum"] == ["0.5"]
    for odd in ODD_VALUES:
        assert map_cell_target(MAP_CLICK, odd, [], "momentum", FLAGS) is no_update, odd
        assert map_cell_target(MAP_CLICK, CURRENT, [], odd, FLAGS) is no_update, odd
        assert map_cell_target(MAP_CLICK, CURRENT, [], "momentum", odd) == link, (
            odd
        )  # English, not embedded
        pinned = map_cell_target(MAP_CLICK, CURRENT, odd, "momentum", FLAGS)
        assert parse_qs(urlsplit(pinned).query)["lr"] == ["0.3"], odd
    # Beyond what a run allows: no link (a rate of 1e300, a momentum of 5).
    assert (
        map_cell_target({"points": [{"customdata": [1e300, 0.5]}]}, CURRENT, [], "momentum", FLAGS)
        is no_update
    )
    assert (
        map_cell_target({"points": [{"customdata": [0.3, 5]}]}, CURRENT, [], "momentum", FLAGS)
        is no_update
    )


def test_navigation_needs_a_lesson_or_a_language():
    for odd in ODD_VALUES:
        assert navigation_target("preset", odd, "ko", "", FLAGS) is no_update, odd
        assert navigation_target("lang", "overshooting", odd, "", FLAGS) is no_update, odd
        assert navigation_target(odd, "overshooting", "ko", "", FLAGS) is no_update, odd
        # Odd view flags read as the defaults (English, not embedded).
        assert (
            navigation_target("preset", "overshooting", None, None, odd) == "/?preset=overshooting"
        ), odd
        target = navigation_target("lang", None, "ko", odd, FLAGS)
        assert "lang=ko" in target, odd
        if not isinstance(odd, str):  # no address: the default view in Korean
            assert target == "/?lang=ko", odd
    assert navigation_target("lang", None, "ko", "?lr=0.3", {"lang": "en"}) == "/?lr=0.3&lang=ko"


def test_explore_shows_nothing_without_a_run_on_screen():
    hidden = (False, True, no_update, HIDDEN, no_update, HIDDEN, no_update, no_update, "")
    for odd in ODD_VALUES:
        assert explore_outputs(odd, CURRENT, None, "bowl", {}, {}, "en") == hidden, odd
        assert explore_outputs("finder", odd, None, "bowl", {}, {}, "en") == hidden, odd
        # An own formula or data the request garbled: nothing to explore.
        assert (
            explore_outputs(
                "finder", {**CURRENT, "surface": "custom"}, None, "custom", odd, odd, "en"
            )
            == hidden
        ), odd
        assert (
            explore_outputs(
                "finder", {**CURRENT, "surface": "upload"}, None, "upload", odd, odd, "en"
            )
            == hidden
        ), odd
        # What the finder does not read (the second setting, an unused formula) or an odd
        # language (English) changes nothing.
        shown = explore_outputs("finder", CURRENT, odd, "bowl", odd, odd, odd)
        assert shown[1] is False and shown[2]["data"], odd


def test_an_odd_second_setting_maps_the_first_one_offered():
    for odd in (None, [], {}, 10**400, "x", "batch_size"):
        out = explore_outputs("map", CURRENT, odd, "bowl", {}, {}, "en")
        assert out[7] == "momentum" and out[4]["data"], odd


def test_an_odd_upload_says_what_is_wrong():
    for odd in ODD_VALUES:
        *outputs, notes, error = upload_outputs(odd, "shop.csv")
        assert outputs == [no_update] * 5 and notes == "", odd
        assert "upload it again" in error, odd  # shown under the upload
        table, _, x, _, y, _, error = upload_outputs(CSV, odd)  # the filename is only a label
        assert (table["columns"], x, y, error) == (["size", "cost"], "size", "cost", ""), odd


def test_own_surfaces_from_odd_values_fail_with_a_message():
    for odd in ODD_VALUES:
        with pytest.raises(ValueError, match="window x range"):
            own_problem("custom", odd, None)
        with pytest.raises(ValueError, match="choose a CSV file"):
            own_problem("upload", None, odd)


def test_downloads_need_an_address_and_a_run():
    for odd in ODD_VALUES:
        download = html_download(odd)
        if isinstance(odd, str):  # any text is an address: the view it names, with notices
            assert "Plotly" in download["content"], odd
        else:
            assert download is no_update, odd
        text = trajectories_csv(odd, [PINNED])
        if not odd or not isinstance(odd, dict):
            assert text is None, odd  # no run on screen, no file
        else:  # a current run that does not build is left out, the pinned one stays
            assert text == trajectories_csv(PINNED, []), odd
        text = trajectories_csv(CURRENT, odd)  # odd pins are left out ([{}] is the default run)
        runs = {line.split(",")[0] for line in text.splitlines()[1:]}
        assert text.startswith("run,label,") and runs == ({"1", "2"} if odd == [{}] else {"1"}), odd


def test_stored_configs_keep_only_runs_that_build():
    for odd in ODD_VALUES:
        assert all(isinstance(c, RunConfig) for c in stored_configs(odd)), odd
        assert stored_configs(odd) == ([RunConfig()] if odd == [{}] else []), odd
    assert stored_configs([PINNED, "x", {"lr": 10**400}, None, CURRENT]) == [
        RunConfig(optimizer="momentum", lr=0.01, steps=20),
        RunConfig(optimizer="momentum", lr=0.05, steps=20),
    ]


def test_pinning_keeps_only_runs():
    for odd in ODD_VALUES:
        if not isinstance(odd, dict):
            assert pinned_after(odd, [PINNED]) == [], odd  # no run on screen: nothing pinned
        if odd != [{}]:
            assert pinned_after(CURRENT, odd) == [CURRENT], odd
    assert pinned_after(CURRENT, [PINNED, "x", None, 5, [PINNED]]) == [PINNED, CURRENT]


def test_the_rate_preview_keeps_the_last_picture_on_odd_values():
    good = lr_preview("cyclic", 0.1, 100, SCHED_VALUES, SCHED_IDS)
    assert len(good["data"][0]["y"]) == 100
    for odd in ODD_VALUES:
        assert lr_preview(odd, 0.1, 100, SCHED_VALUES, SCHED_IDS) is no_update, odd
        assert lr_preview("cyclic", 0.1, 100, odd, SCHED_IDS) is no_update, odd
        assert lr_preview("cyclic", 0.1, 100, SCHED_VALUES, odd) is no_update, odd
        for out in (
            lr_preview("cyclic", odd, 100, SCHED_VALUES, SCHED_IDS),
            lr_preview("cyclic", 0.1, odd, SCHED_VALUES, SCHED_IDS),
        ):
            if finite_number(odd):  # a schedule only if the engine accepts the number
                assert preview_ok(out), odd
                if out is not no_update:
                    json_safe(out)
            else:
                assert out is no_update, odd
    misnamed = [{"owner": "cyclic"}] * len(SCHED_IDS)  # ids that name no parameter
    assert lr_preview("cyclic", 0.1, 100, SCHED_VALUES, misnamed) is no_update
    assert lr_preview("cyclic", 0.1, 100, SCHED_VALUES[:-1], SCHED_IDS) is no_update


def test_a_parameter_block_is_built_for_a_known_owner_only():
    ids = [{"type": "opt-param", "owner": "adam", "name": "betas"}, {"type": "opt-param", "owner": "adam", "name": "eps"}]
    kept = chosen_params("opt-param", "adam", ["0.8,0.9", 1e-6], ids)  # the shown block is Adam's
    assert [c.value for c in param_controls_of(kept)][:2] == ["0.8,0.9", 1e-6]
    for odd in ODD_VALUES:
        assert param_controls_of(chosen_params("opt-param", odd, [None], ids[:1])) == [], odd
        # Odd typed values are dropped (the control shows its default), the controls stay.
        block = chosen_params("opt-param", "adam", [odd, 1e-6], ids)
        assert param_controls_of(block)[0].value in (None, odd) and block_ok("opt-param")(block), odd


def test_data_controls_with_odd_values(registered):
    data_controls = registered["data_controls"]
    reason = t("only_data_fit", "en")
    for odd in ODD_VALUES:
        disabled, options, text, no_curve_axis = answer(data_controls, (odd, NORMALIZATION_OPTIONS, FLAGS))
        assert disabled is True and text == reason and all(o["disabled"] for o in options), odd
        assert no_curve_axis is True, odd
        if not (isinstance(odd, list) and any(isinstance(o, dict) for o in odd)):
            assert answer(data_controls, ("linreg", odd, FLAGS))[1] is no_update, odd
        assert answer(data_controls, ("bowl", NORMALIZATION_OPTIONS, odd))[2] == reason, odd
