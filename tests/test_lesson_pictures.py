"""Every lesson shows its claim on screen: the figures the browser receives, read back.

Each preset's page is fetched as the browser fetches it (/_dash-layout?preset=<key>), its main
callback is requested with the page's own values (/_dash-update-component), and the answer is
decoded from the wire (typed arrays included). The assertions are about what is drawn: axis
scales, points on the maps, values on the curves (issue 12). The engine's labels are checked
in tests/test_lessons.py; here they must also be what the picture shows.
"""

from __future__ import annotations

import numpy as np
import pytest

from app import create_app, figures
from app.lessons import LADDER_RATES, LESSONS
from engine import SURFACES, simulate_many
from tests.serving import AppShape, strict_json
from tests.wire_helpers import decode_typed_array

MAIN = "contour.figure"
F4 = 1e-6  # float32 on the wire: relative rounding of a drawn value


@pytest.fixture(scope="module")
def client():
    return create_app().server.test_client()


_DRAWN: dict[str, dict] = {}


def drawn(client, key: str) -> dict:
    """What the page ?preset=<key> shows after the main callback's answer, by output
    ("contour.figure", ...): the layout's value, or the answer's where it sends one (it leaves
    out what the page already shows, app.answers.as_shown)."""
    if key not in _DRAWN:
        shape = AppShape(client.get("/_dash-dependencies").get_json())
        shape._collect(client.get(f"/_dash-layout?preset={key}").get_json())
        response = client.post("/_dash-update-component", json=shape.body(shape.callback(MAIN)))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        answer = strict_json(response.get_data(as_text=True))["response"]  # no NaN, no Infinity
        shown = {f"{cid}.{prop}": value for cid, props in shape.components if isinstance(cid, str) for prop, value in props.items()}
        _DRAWN[key] = {**shown, **{f"{component}.{prop}": value for component, props in answer.items() for prop, value in props.items()}}
    return _DRAWN[key]


def values(trace: dict, key: str) -> np.ndarray:
    return np.asarray(decode_typed_array(trace.get(key, [])), dtype=float)


def runs_of(key: str):
    """The lesson's runs in screen order (current first, then the pins) and their trajectories."""
    lesson = LESSONS[key]
    configs = [lesson.current, *lesson.runs[:-1]]
    return configs, simulate_many(configs)


def panels(figure: dict) -> list[tuple[str, str]]:
    """The (x axis, y axis) layout keys of every map in a contour figure."""
    layout = figure["layout"]
    return [(f"xaxis{n}", f"yaxis{n}") for n in ["", *map(str, range(2, 9))] if f"xaxis{n}" in layout]


def slot_panel(figure: dict, slot: int) -> tuple[str, str]:
    trace = figure["data"][1 + 3 * slot]
    suffix = trace.get("xaxis", "x")[1:]
    return f"xaxis{suffix}", f"yaxis{suffix}"


ALL = list(LESSONS)


# --- Conventions every lesson keeps ---------------------------------------------------------


@pytest.mark.parametrize("key", ALL)
def test_every_map_is_drawn_to_scale(client, key):
    contour = drawn(client, key)[MAIN]
    maps = panels(contour)
    assert maps
    for x_axis, y_axis in maps:
        y = contour["layout"][y_axis]
        assert y["scaleanchor"] == x_axis.replace("axis", "") and y["scaleratio"] == 1
        assert contour["layout"][x_axis].get("constrain", "range") == "range"
    # One map per scaling on screen.
    scalings = {c.normalization for c in runs_of(key)[0]}
    assert len(maps) == len(scalings)
    # The maps themselves are drawn by the layer under the paths (app.figures.layers), to the
    # same axes: same ranges, domains and scale anchors, so both plots cover the same pixels.
    layer = drawn(client, key)["contour-layer.figure"]
    assert sum(trace["type"] == "contour" for trace in contour["data"]) == 0
    assert sum(trace["type"] == "contour" for trace in layer["data"]) == len(scalings)
    assert {t.get("xaxis", "x") for t in layer["data"]} == {x.replace("axis", "") for x, _ in maps}
    for key_ in ("margin", "width", "height"):
        assert layer["layout"].get(key_) == contour["layout"].get(key_)
    for axes in maps:
        for axis in axes:
            drawn_axis, layer_axis = contour["layout"][axis], layer["layout"][axis]
            for attribute in ("range", "domain", "anchor", "scaleanchor", "scaleratio", "constrain"):
                assert layer_axis.get(attribute) == drawn_axis.get(attribute), (axis, attribute)
            assert not drawn_axis.get("automargin") and not layer_axis.get("automargin")


@pytest.mark.parametrize("key", ALL)
def test_no_curve_is_a_single_point_and_the_loss_drawn_is_the_engines(client, key):
    answer = drawn(client, key)
    configs, runs = runs_of(key)
    loss = answer["loss-graph.figure"]
    for slot, (config, run) in enumerate(zip(configs, runs, strict=True)):
        curve = loss["data"][slot]
        steps, y = values(curve, "customdata"), values(curve, "y")
        assert len(y) >= 2, (key, slot)
        # The curve runs to the last step kept, diverged or not (never cut at the map's edge).
        assert steps[-1] == len(run.params) - 1
        best = figures.surface_of(config).global_minimum.value
        expected = run.loss[steps.astype(int)] - best
        if loss["layout"]["yaxis"]["type"] == "log":
            floor = max(figures.curves.ROUNDING * abs(best), figures.curves.LOG_FLOOR)
            np.testing.assert_allclose(y, np.maximum(expected, floor), rtol=F4)
            if np.any(expected < floor):
                assert f"{floor:.0e}" in loss["layout"]["yaxis"]["title"]["text"]  # the floor is said
            if best != 0:
                assert "L − L*" in loss["layout"]["title"]["text"]
        else:
            np.testing.assert_allclose(y, run.loss[steps.astype(int)], rtol=F4)
        for other in ("lr-graph.figure", "third-graph.figure"):
            trace = answer[other]["data"][slot]
            assert len(values(trace, "x")) >= 1


# --- What each lesson must show --------------------------------------------------------------


def test_l1_the_gradient_arrow_points_uphill_at_the_current_point_and_the_loss_falls(client):
    answer = drawn(client, "gradient-descent")
    contour = answer[MAIN]
    gradient = contour["data"][figures.ARROW_TRACES[0]]
    (px, tip_x), (py, tip_y) = gradient["x"], gradient["y"]
    path = contour["data"][1]
    assert (px, py) == pytest.approx((values(path, "x")[-1], values(path, "y")[-1]), abs=1e-4)
    _, (run,) = runs_of("gradient-descent")
    uphill = SURFACES["bowl"].surface().grad(run.params[-1])
    arrow = np.array([tip_x - px, tip_y - py])
    if gradient["opacity"]:
        assert np.dot(arrow, uphill) > 0.99 * np.linalg.norm(arrow) * np.linalg.norm(uphill)
    assert np.all(np.diff(values(answer["loss-graph.figure"]["data"][0], "y")) <= 0)


def test_l2_shows_the_half_mse_and_the_fitted_line(client):
    answer = drawn(client, "data-fit")
    assert "1/(2n)" in str(answer["formula.children"])
    line = answer["third-graph.figure"]["data"][1]
    assert len(line["x"]) == 2 and line["y"][0] != line["y"][1]


def test_l3_the_gradient_size_falls(client):
    curve = drawn(client, "shrinking-steps")["third-graph.figure"]["data"][0]
    size = values(curve, "y")
    assert size[-1] < size[0] / 100 and np.all(np.diff(size) <= 0)


def test_l4_zig_zags_across_the_valley(client):
    answer = drawn(client, "overshooting")
    path = answer[MAIN]["data"][1]
    y = values(path, "y")
    assert np.count_nonzero(np.diff(np.sign(y[:20])) != 0) >= 10  # crosses the valley floor
    assert "overshooting" in str(answer["badges.children"])


def test_l5_divergence_plays_growing_zig_zags_and_a_rising_loss(client):
    answer = drawn(client, "divergence")
    configs, runs = runs_of("divergence")
    slot = next(i for i, run in enumerate(runs) if run.outcome == "diverged")
    run = runs[slot]
    contour = answer[MAIN]
    x, y = values(contour["data"][1 + 3 * slot], "x"), values(contour["data"][1 + 3 * slot], "y")
    (x0, x1), (y0, y1) = SURFACES["ravine"].surface().window
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    assert np.count_nonzero(inside) >= 8  # several zig-zags on the map before it leaves
    jumps = np.hypot(np.diff(x), np.diff(y))
    assert jumps[-1] > 2 * jumps[1]  # growing
    loss = values(answer["loss-graph.figure"]["data"][slot], "y")
    assert len(loss) == run.diverged_at and loss[-1] > 1e3 * loss[0]
    assert f"diverged at step {run.diverged_at}" in str(answer["badges.children"])


def test_l6_and_l7_labels_are_on_the_cards(client):
    assert "too slow" in str(drawn(client, "too-slow")["badges.children"])
    assert "stuck in a local minimum" in str(drawn(client, "local-minimum")["badges.children"])


def test_l8_the_ladder_starts_at_the_lectures_rate_and_shows_final_loss_against_rate(client):
    answer = drawn(client, "lr-ladder")
    rate = answer["third-graph.figure"]
    assert rate["layout"]["meta"]["kind"] == "rate" and rate["layout"]["xaxis"]["type"] == "log"
    shown = [trace["x"][0] for trace in rate["data"][: figures.MAX_RUNS] if trace["x"]]
    assert shown == sorted(shown) and shown[0] == LADDER_RATES[0]  # cards and legend by rate
    line = rate["data"][2 * figures.MAX_RUNS]
    assert line["x"] == pytest.approx(list(LADDER_RATES))  # every rung up to the one that diverges
    finals = np.array(line["y"])
    best = int(np.argmin(finals))
    assert 0 < best < len(finals) - 1  # a dip between too slow and diverged
    labels = [trace["name"] for trace in answer[MAIN]["data"][2 : 2 + 3 * len(shown) : 3]]
    assert labels == sorted(labels, key=lambda label: float(label.split()[-1]))


def test_l9_a_fair_race_where_the_plateau_cuts_its_rate_and_stays(client):
    answer = drawn(client, "scheduler-escape")
    configs, runs = runs_of("scheduler-escape")
    contour = answer[MAIN]
    starts = {(values(contour["data"][1 + 3 * s], "x")[0], values(contour["data"][1 + 3 * s], "y")[0]) for s in range(len(runs))}
    assert len(starts) == 1  # all runs start at one point
    plateau = next(s for s, c in enumerate(configs) if c.scheduler == "plateau")
    rates = answer["lr-graph.figure"]
    assert rates["layout"]["yaxis"]["type"] == "log"  # the cuts are visible
    cut = values(rates["data"][plateau], "y")
    assert cut[-1] <= cut[0] / 100
    loss = answer["loss-graph.figure"]
    ends = [values(loss["data"][s], "y")[-1] for s in range(len(runs))]
    escaped = [e for s, e in enumerate(ends) if s != plateau]
    assert ends[plateau] > 1.0 and max(escaped) < 1e-3  # visibly above, on the same axis
    legend = [contour["data"][2 + 3 * s]["name"] for s in range(len(runs))]
    assert any("peak 1" in label for label in legend) and any("lr 0.1" in label for label in legend)


@pytest.mark.parametrize("key", ["normalization", "minmax"])
def test_l10_l11_raw_and_scaled_maps_side_by_side_each_with_its_run(client, key):
    contour = drawn(client, key)[MAIN]
    configs, runs = runs_of(key)
    titles = [a["text"] for a in contour["layout"]["annotations"]]
    for slot, config in enumerate(configs):
        x_axis, y_axis = slot_panel(contour, slot)
        surface = figures.surface_of(config)
        # The run's own scaling titles its map ...
        panel = [k for k, _ in panels(contour)].index(x_axis)
        assert ("raw" if config.normalization == "none" else {"standard": "standardize", "minmax": "min-max"}[config.normalization]) in titles[panel]
        # ... and a run that converged stays on it (issue 12.5: min-max must not run off).
        if runs[slot].outcome != "diverged":
            path = contour["data"][1 + 3 * slot]
            (rx0, rx1), (ry0, ry1) = contour["layout"][x_axis]["range"], contour["layout"][y_axis]["range"]
            x, y = values(path, "x"), values(path, "y")
            assert np.all((x >= rx0) & (x <= rx1) & (y >= ry0) & (y <= ry1)), (key, config.normalization)
        # ... and holds at least the surface's window (Plotly may widen it further, to scale).
        (x0, x1), (y0, y1) = surface.window
        (rx0, rx1), (ry0, ry1) = contour["layout"][x_axis]["range"], contour["layout"][y_axis]["range"]
        assert rx0 <= x0 and x1 <= rx1 and ry0 <= y0 and y1 <= ry1


def test_l10_the_standardized_contours_are_round_and_the_raw_ones_a_ravine(client):
    """At equal scale, the standardized loss's level sets are circles; the raw ones are a
    ravine hundreds of times longer than wide (the condition numbers of the two Hessians)."""
    for normalization, low, high in (("standard", 1.0, 1.2), ("none", 1e4, 1e6)):
        surface = SURFACES["linreg"].surface(normalization)
        eigen = np.linalg.eigvalsh(surface.hessian(np.array(surface.global_minimum.point)))
        assert low <= eigen.max() / eigen.min() <= high, normalization


def test_l12_batch_sizes_show_their_noise_and_their_cost(client):
    answer = drawn(client, "batch-size")
    contour = answer[MAIN]
    wander = []
    for slot in range(3):
        x, y = values(contour["data"][1 + 3 * slot], "x"), values(contour["data"][1 + 3 * slot], "y")
        length = np.hypot(np.diff(x), np.diff(y)).sum()
        wander.append(length / np.hypot(x[-1] - x[0], y[-1] - y[0]))
    batch_one, _, full = [wander[i] for i in (1, 2, 0)]  # screen order: full (current), 1, 16
    assert batch_one > 1.5 * full
    cards = str(answer["badges.children"])
    assert "steps/epoch" in cards and "µs per step (model)" in cards


def test_l12_opens_with_the_curves_against_modelled_time_which_the_axis_states(client):
    """Issue 12.10: the cost is drawn, not only said. L12 opens with the curves against the
    modelled time (a fixed cost per update plus a cost per example, written on the axis); the
    time of each run is counted here step by step, independently of engine.cost."""
    from engine.cost import PER_EXAMPLE_US, STEP_OVERHEAD_US

    answer = drawn(client, "batch-size")
    loss = answer["loss-graph.figure"]
    title = loss["layout"]["xaxis"]["title"]["text"]
    assert f"{STEP_OVERHEAD_US:g} µs/step" in title and f"{PER_EXAMPLE_US:g} µs/example" in title
    configs, runs = runs_of("batch-size")
    n = SURFACES["linreg"].n
    ends = []
    for slot, config in enumerate(configs):
        batch = config.batch_size or n
        elapsed, seen_in_epoch = 0.0, 0
        for _ in range(config.steps):
            size = min(batch, n - seen_in_epoch)
            elapsed += STEP_OVERHEAD_US + PER_EXAMPLE_US * size
            seen_in_epoch = (seen_in_epoch + size) % n
        x = values(loss["data"][slot], "x")
        assert x[-1] == pytest.approx(elapsed / 1000, rel=F4)
        ends.append((batch, elapsed))
    # The bigger the batch, the more a step costs: the same number of steps takes longer.
    times = [elapsed for _, elapsed in sorted(ends)]
    assert times == sorted(times) and times[-1] > 1.5 * times[0]


@pytest.mark.parametrize("x_axis", ["epoch", "examples"])
def test_the_curves_can_be_drawn_against_epochs_or_examples(x_axis):
    from app.figures.curves import curve_x

    configs, runs = runs_of("batch-size")
    views = [figures.run_view(run, "run", figures.PALETTE[i]) for i, run in enumerate(runs)]
    for view, config in zip(views, configs, strict=True):
        x = curve_x(view, x_axis)
        per_epoch = -(-SURFACES["linreg"].n // (config.batch_size or SURFACES["linreg"].n))
        if x_axis == "epoch":
            np.testing.assert_allclose(x, view.steps / per_epoch)
        else:
            assert x[-1] <= view.steps[-1] * (config.batch_size or SURFACES["linreg"].n)
            assert np.all(np.diff(x) > 0)
