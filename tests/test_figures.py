"""app.figures: trajectories in, finite Plotly figure dicts out, with the documented slots."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest

from app import figures
from app.figures import MAX_POINTS, MAX_RUNS, PALETTE
from app.i18n import t
from engine import SURFACES, DataFit, RunConfig, simulate, simulate_many

NORMALIZATIONS = ("none", "standard", "minmax")
SURFACE_VARIANTS = [
    (name, norm)
    for name, problem in SURFACES.items()
    for norm in (NORMALIZATIONS if isinstance(problem, DataFit) else ("none",))
]


def window_of(config: RunConfig):
    return figures.surface_of(config).window


def inside(points: np.ndarray, window) -> np.ndarray:
    (x0, x1), (y0, y1) = window
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    return (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)


def on_edge(point, window, tolerance: float = 1e-9) -> bool:
    (x0, x1), (y0, y1) = window
    x, y = point
    within = x0 - tolerance <= x <= x1 + tolerance and y0 - tolerance <= y <= y1 + tolerance
    return within and min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) <= tolerance


def view_of(config: RunConfig, label: str = "run", colour: str = PALETTE[0]):
    trajectory = simulate(config)
    return trajectory, figures.run_view(trajectory, label, colour)


@pytest.fixture(scope="module")
def diverged():
    # The bowl's largest curvature is 3: plain gradient descent diverges for lr > 2/3.
    return view_of(RunConfig(surface="bowl", lr=0.7, steps=100))


# ---------------------------------------------------------------------------------------------
# run_view: cutting and thinning
# ---------------------------------------------------------------------------------------------


def test_a_diverged_run_is_drawn_whole_in_the_curves_and_cut_on_the_map(diverged):
    """Issue 12.2: the curves of a diverged run go on to the step where it diverged; the map
    draws it until one point after it leaves the map's window, so its line runs off the edge."""
    trajectory, view = diverged
    assert trajectory.diverged_at is not None
    kept = len(trajectory.params)
    np.testing.assert_array_equal(view.steps, np.arange(kept))
    np.testing.assert_array_equal(view.loss, trajectory.loss)
    assert np.isfinite(view.loss).all() and np.isfinite(view.grad).all()
    grid = figures.map_window(figures.surface_of(trajectory.config))
    first_out = int(np.argmin(inside(trajectory.params, grid)))
    assert first_out > 0
    shown = figures.on_map(view)
    np.testing.assert_array_equal(shown.steps, np.arange(first_out + 1))
    assert inside(shown.params[:-1], grid).all() and not inside(shown.params[-1], grid)[0]
    # The exit mark is where the path first crossed the surface's window, on its edge.
    window = window_of(trajectory.config)
    leave = int(np.argmin(inside(trajectory.params, window)))
    assert view.exit_point is not None
    assert on_edge(view.exit_point, window)
    a, b = trajectory.params[leave - 1], trajectory.params[leave]
    fraction = np.dot(np.subtract(view.exit_point, a), b - a) / np.dot(b - a, b - a)
    assert 0 <= fraction <= 1
    np.testing.assert_allclose(a + fraction * (b - a), view.exit_point, atol=1e-9)


def test_a_diverged_run_started_off_the_map_is_cut_where_it_leaves_again():
    """A typed start may lie outside the window: the path comes in, then leaves; the cut is
    at the leaving, not at the start."""
    config = RunConfig(surface="bowl", lr=0.7, steps=100, start=(-13.0, 0.5))
    trajectory, view = view_of(config)
    window = window_of(config)
    grid = figures.map_window(figures.surface_of(config))
    assert trajectory.diverged_at is not None and not inside(trajectory.params[0], grid)[0]
    shown = figures.on_map(view)
    assert len(shown.steps) > 3
    assert inside(shown.params[1:-1], grid).all() and not inside(shown.params[-1], grid)[0]
    assert view.exit_point is not None and on_edge(view.exit_point, window)


def test_a_diverged_run_that_never_enters_the_map_keeps_only_its_start():
    config = RunConfig(surface="bowl", lr=5.0, steps=50, start=(-14.0, 11.0))
    trajectory, view = view_of(config)
    assert trajectory.diverged_at is not None
    assert not inside(trajectory.params, window_of(config)).any()
    assert figures.on_map(view).steps.tolist() == [0]
    assert len(view.steps) == len(trajectory.params)  # the curves still show every step
    assert view.exit_point is None


def test_a_run_that_does_not_diverge_is_never_cut():
    config = RunConfig(surface="bowl", lr=0.1, steps=100, start=(-9.0, 0.5))
    trajectory, view = view_of(config)
    assert trajectory.diverged_at is None
    assert view.exit_point is None
    np.testing.assert_array_equal(view.steps, np.arange(101))


def test_run_view_thins_a_long_run_to_max_points_keeping_first_and_last():
    config = RunConfig(surface="bowl", lr=0.01, steps=10_000)
    trajectory, view = view_of(config)
    assert len(trajectory.params) == 10_001
    assert len(view.steps) <= MAX_POINTS
    assert view.steps[0] == 0 and view.steps[-1] == 10_000
    assert np.all(np.diff(view.steps) > 0)
    np.testing.assert_array_equal(view.params, trajectory.params[view.steps])
    np.testing.assert_array_equal(view.loss, trajectory.loss[view.steps])
    assert len(view.lr) == len(view.grad) == len(view.update) == len(view.steps)
    # Thinning is even: one stride between every kept point but the last.
    assert len(set(np.diff(view.steps[:-1]).tolist())) == 1


@pytest.mark.parametrize("points", [1, 2, 1999, 2000, 2001, 3999, 4000, 4001, 6000, 10_001])
def test_thinning_never_shows_more_than_max_points(points):
    config = RunConfig(surface="bowl", steps=1)
    trajectory = SimpleNamespace(
        config=config,
        params=np.zeros((points, 2)),
        loss=np.ones(points),
        lr=np.full(points - 1, 0.1),
        diverged_at=None,
    )
    view = figures.run_view(trajectory, "run", PALETTE[0])
    assert len(view.steps) <= MAX_POINTS
    assert view.steps[0] == 0 and view.steps[-1] == points - 1
    if points <= MAX_POINTS:
        assert len(view.steps) == points
    else:
        assert len(view.steps) > MAX_POINTS // 2  # thinned, not decimated


# ---------------------------------------------------------------------------------------------
# Arrows and the player's data
# ---------------------------------------------------------------------------------------------


def test_arrow_scale_makes_the_largest_gradient_18_percent_of_the_diagonal():
    config = RunConfig(surface="ravine", lr=0.05, steps=60)
    _, view = view_of(config)
    (x0, x1), (y0, y1) = window_of(config)
    diagonal = np.hypot(x1 - x0, y1 - y0)
    scale = figures.arrow_scale(view, figures.surface_of(config))
    lengths = np.hypot(view.grad[:, 0], view.grad[:, 1]) * scale
    assert lengths.max() == pytest.approx(0.18 * diagonal)
    assert np.all(lengths <= 0.18 * diagonal * (1 + 1e-12))


def test_arrow_scale_is_zero_without_any_gradient():
    surface = SURFACES["bowl"].surface("none")
    config = RunConfig(surface="bowl", start=surface.global_minimum.point, steps=5)
    _, view = view_of(config)
    assert figures.arrow_scale(view, surface) == 0.0
    fig = figures.contour_figure(surface, [view])
    json.dumps(fig, allow_nan=False)


def test_contour_arrows_and_player_rows_agree():
    """The server draws the arrows at the last point; the player redraws them from the
    whole path's customdata rows (assets/player.js): tail at the point, tip at point + row."""
    config = RunConfig(surface="himmelblau", optimizer="adam", lr=0.1, steps=12)  # still far from a minimum
    _, view = view_of(config)
    surface = figures.surface_of(config)
    fig = figures.contour_figure(surface, [view])
    rows = fig["data"][1]["customdata"]
    scale = figures.arrow_scale(view, surface)
    assert scale > 0
    assert [row[0] for row in rows] == view.steps.tolist()
    np.testing.assert_allclose([row[1:3] for row in rows], view.grad * scale)
    np.testing.assert_allclose([row[3:5] for row in rows], view.update)
    gradient, update, batch = (fig["data"][i] for i in figures.ARROW_TRACES)
    assert [gradient["name"], update["name"], batch["name"]] == [t(k, "en") for k in ("gradient", "update", "batch_gradient")]
    assert batch["x"] == [] and batch["y"] == []  # full batch: no batch gradient to show
    x, y = fig["data"][1]["x"][-1], fig["data"][1]["y"][-1]
    last = rows[-1]
    assert (gradient["x"][0], gradient["y"][0]) == (x, y)
    assert gradient["x"][1] == pytest.approx(x + last[1])
    assert gradient["y"][1] == pytest.approx(y + last[2])
    # Uphill: the gradient arrow points where the loss grows.
    tip = np.array([gradient["x"][1], gradient["y"][1]])
    step_back = np.array([x, y]) + 1e-3 * (tip - [x, y])
    assert surface.value(step_back) > surface.value([x, y])
    assert gradient["opacity"] == 1
    # The last point has no update after it: the update arrow is there for the player to
    # move, but transparent.
    assert last[3:5] == [0.0, 0.0] and update["opacity"] == 0 and len(update["x"]) == 2
    # Earlier points do: the player draws it from the row; it reaches the next point.
    middle = len(rows) // 2
    np.testing.assert_allclose(
        np.array(view.params[middle]) + rows[middle][3:5], view.params[middle + 1], atol=1e-12
    )
    # A mini-batch run also carries its batch gradient, on the gradient's scale.
    batch_config = RunConfig(surface="linreg", normalization="standard", batch_size=4, steps=40)
    trajectory, batch_view = view_of(batch_config)
    batch_surface = figures.surface_of(batch_config)
    batch_fig = figures.contour_figure(batch_surface, [batch_view])
    batch_rows = batch_fig["data"][1]["customdata"]
    batch_scale = figures.arrow_scale(batch_view, batch_surface)
    np.testing.assert_allclose(
        [row[5:7] for row in batch_rows[:-1]], trajectory.grad[batch_view.steps[:-1]] * batch_scale
    )
    arrow = batch_fig["data"][figures.ARROW_TRACES[2]]
    assert arrow["line"]["color"] == figures.BATCH_ARROW
    assert batch_rows[-1][5:7] == [0.0, 0.0] and arrow["opacity"] == 0  # no batch after the last point
    assert len(arrow["x"]) == 2
    # The so-far trace keeps plain step numbers for its hover text.
    assert fig["data"][2]["customdata"] == view.steps.tolist()


def test_arrows_are_drawn_without_annotations():
    """Annotations make plotly redraw the whole map when they move; traces do not."""
    config = RunConfig(surface="ravine", optimizer="momentum", lr=0.02, steps=50)
    _, view = view_of(config)
    fig = figures.contour_figure(figures.surface_of(config), [view])
    assert not fig["layout"].get("annotations")
    for index in figures.ARROW_TRACES:
        assert fig["data"][index]["type"] == "scatter"
        assert fig["data"][index]["marker"]["symbol"] == "arrow"


# ---------------------------------------------------------------------------------------------
# Grids and heights
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "normalization"), SURFACE_VARIANTS)
def test_surface_grid_puts_the_global_minimum_at_zero(name, normalization):
    surface = SURFACES[name].surface(normalization)
    xs, ys, excess = figures.surface_grid(SURFACES[name].surface(normalization), figures.CONTOUR_GRID)
    # The map is computed over the window widened for equal scale, which holds the window.
    (x0, x1), (y0, y1) = figures.map_window(surface)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == pytest.approx((x0, x1, y0, y1))
    (wx0, wx1), (wy0, wy1) = surface.window
    assert x0 <= wx0 and wx1 <= x1 and y0 <= wy0 and wy1 <= y1
    assert excess.shape == (len(ys), len(xs))
    assert np.isfinite(excess).all() and excess.min() >= 0
    # Nothing in the window lies below the listed global minimum (the clip hides nothing) ...
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    best = surface.global_minimum.value
    raw = surface.value(grid) - best
    assert raw.min() >= -1e-9 * max(raw.max(), 1.0)
    # ... and the minimum itself sits at height 0.
    assert float(surface.value(np.array(surface.global_minimum.point))) == pytest.approx(
        best, abs=1e-9
    )
    fine = figures.surface_grid(SURFACES[name].surface(normalization), 201)[2]
    assert fine.min() <= 1e-2 * fine.max()


def test_height_scale_logs_cliffs_and_keeps_gentle_surfaces_linear():
    def scale(name):
        return figures.height_scale(figures.surface_grid(SURFACES[name].surface("none"), figures.SURFACE_GRID)[2])

    assert scale("rosenbrock") == "log"
    assert scale("beale") == "log"
    assert scale("bowl") == "linear"
    assert scale("rastrigin") == "linear"
    excess = np.array([0.0, 1.0, 99.0])
    np.testing.assert_allclose(figures.heights(excess, "log"), np.log1p(excess))
    np.testing.assert_array_equal(figures.heights(excess, "linear"), excess)


def test_surface3d_uses_log_heights_on_rosenbrock_and_keeps_the_path_in_the_box():
    config = RunConfig(surface="rosenbrock", optimizer="adam", lr=0.05, steps=200)
    _, view = view_of(config)
    fig = figures.surface3d_figure(figures.surface_of(config), [view])
    z_axis = fig["layout"]["scene"]["zaxis"]
    assert z_axis["title"]["text"].startswith("log(1 + ")
    top = z_axis["range"][1]
    path_z = np.array(fig["data"][1]["z"])
    assert np.all(path_z >= 0) and np.all(path_z <= top)
    assert fig["data"][1]["z"] == fig["data"][2]["z"]


# ---------------------------------------------------------------------------------------------
# Whole figures
# ---------------------------------------------------------------------------------------------


def _assert_clean(fig: dict) -> None:
    json.dumps(fig, allow_nan=False)
    go.Figure(fig)


def test_figures_without_runs_have_every_slot_empty():
    bowl = SURFACES["bowl"].surface("none")
    contour = figures.contour_figure(bowl, [])
    surface3d = figures.surface3d_figure(bowl, [])
    curves = [figures.curve_figure(kind, []) for kind in ("loss", "lr", "grad_norm")]
    problem = SURFACES["linreg"]
    fit = figures.data_fit_figure(problem, [], [])
    for fig in (contour, surface3d, *curves, fit):
        _assert_clean(fig)
    assert len(contour["data"]) == 1 + 3 * MAX_RUNS + 2 + 3
    assert all(len(trace["x"]) == 0 for trace in contour["data"][1 : 1 + 3 * MAX_RUNS])
    assert all(contour["data"][i]["x"] == [] for i in figures.ARROW_TRACES)
    assert len(surface3d["data"]) == 1 + 3 * MAX_RUNS
    for fig in curves:
        assert len(fig["data"]) == 2 * MAX_RUNS and all(len(t["x"]) == 0 for t in fig["data"])
    assert len(fit["data"]) == 1 + MAX_RUNS and len(fit["data"][0]["x"]) == problem.n


def test_curves_floor_zero_on_log_axes_and_follow_the_schedule():
    config = RunConfig(surface="bowl", lr=0.1, steps=40, scheduler="step", start=(0.0, 0.0))
    _, view = view_of(config)
    loss = figures.curve_figure("loss", [view])
    assert loss["layout"]["yaxis"]["type"] == "log"
    assert min(loss["data"][0]["y"]) == 1e-16  # loss 0 at the minimum, drawn at the floor
    assert "floor 1e-16" in loss["layout"]["yaxis"]["title"]["text"]  # ... and said so
    lr = figures.curve_figure("lr", [view])
    # The step schedule cuts the rate 1000-fold: a linear axis would hide the last cuts.
    assert lr["layout"]["yaxis"]["type"] == "log"
    constant = figures.curve_figure("lr", [view_of(RunConfig(surface="bowl", lr=0.1, steps=40))[1]])
    assert constant["layout"]["yaxis"]["type"] == "linear"
    rates = lr["data"][0]["y"]
    assert rates[0] == pytest.approx(0.1) and rates[-1] == pytest.approx(0.1 * 0.1**3)
    assert lr["data"][MAX_RUNS]["x"] == [40] and lr["data"][MAX_RUNS]["y"] == [rates[-1]]
    for fig in (loss, lr):
        _assert_clean(fig)


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_data_fit_lines_are_the_fitted_line_in_raw_units(normalization):
    problem = SURFACES["linreg"]
    config = RunConfig(surface="linreg", normalization=normalization, lr=0.05, steps=50)
    _, view = view_of(config)
    fig = figures.data_fit_figure(problem, [view], [normalization])
    _assert_clean(fig)
    line = fig["data"][1]
    slope, intercept = problem.line(view.params[-1], normalization)
    x = np.array(line["x"])
    np.testing.assert_allclose(line["y"], slope * x + intercept)
    # The player's formula (assets/player.js) gives the same line from (w, b) and the meta.
    w, b = view.params[-1]
    shift, scale = line["meta"]["shift"], line["meta"]["scale"]
    np.testing.assert_allclose(line["y"], (w / scale) * x + (b - w * shift / scale))


def test_four_runs_fill_four_slots_in_four_colours():
    bowl = SURFACES["bowl"].surface("none")
    views = [
        view_of(RunConfig(surface="bowl", lr=lr, steps=30), f"lr {lr}", PALETTE[i])[1]
        for i, lr in enumerate((0.1, 0.2, 0.3, 0.7))
    ]
    contour = figures.contour_figure(bowl, views)
    _assert_clean(contour)
    names = [contour["data"][2 + 3 * s]["name"] for s in range(MAX_RUNS)]
    assert names == ["lr 0.1", "lr 0.2", "lr 0.3", "lr 0.7"]
    colours = [contour["data"][2 + 3 * s]["line"]["color"] for s in range(MAX_RUNS)]
    assert colours == list(PALETTE)


def test_korean_titles():
    bowl = SURFACES["bowl"].surface("none")
    fig = figures.contour_figure(bowl, [], lang="ko")
    assert fig["layout"]["title"]["text"].startswith("등고선 지도")
    assert "이동" in fig["layout"]["title"]["text"]  # the arrows' key, in Korean too
    assert fig["layout"]["meta"]["lang"] == "ko"


# ---------------------------------------------------------------------------------------------
# Issue 12: what the figures draw
# ---------------------------------------------------------------------------------------------


def test_the_3d_view_of_the_data_fit_problem_fits_its_height_to_the_path():
    """The data-fit bowl's corners tower over the path: the 3D view's height range fits the
    part the run visits (the path's start sits in the upper part of the box), on a square
    floor, to scale like the map."""
    config = RunConfig(surface="linreg", normalization="standard", lr=0.1, steps=100)
    _, view = view_of(config)
    surface = figures.surface_of(config)
    fig = figures.surface3d_figure(surface, [view])
    scene = fig["layout"]["scene"]
    (x0, x1), (y0, y1) = scene["xaxis"]["range"], scene["yaxis"]["range"]
    assert x1 - x0 == pytest.approx(y1 - y0)  # square floor
    top = scene["zaxis"]["range"][1]
    path_top = max(fig["data"][1]["z"])
    assert 0.5 * top < path_top <= top  # the path spans most of the height, not a short stick
    z = np.array(fig["data"][0]["z"])
    assert z.max() <= top  # the surface is cut at the top of the box, not drawn through it
    _, _, excess = figures.surface_grid(surface, figures.SURFACE_GRID, "square")
    assert excess.max() > 1.5 * top  # ... where the window's own corners would have squashed it


@pytest.mark.parametrize("lesson", ["divergence", "lr-ladder", "scheduler-escape", "normalization"])
def test_log_curves_carry_a_few_decade_labels(lesson):
    """A curve is ~130 px tall at 1280x720: its log axis gets whole decades, at most about
    LOG_LABELS + 1 of them, so the superscripts do not overlap."""
    from app.lessons import LESSONS

    configs = LESSONS[lesson].runs
    views = [figures.run_view(tr, "run", PALETTE[i]) for i, tr in enumerate(simulate_many(configs))]
    for kind in ("loss", "grad_norm"):
        fig = figures.curve_figure(kind, views)
        axis = fig["layout"]["yaxis"]
        ys = np.concatenate([np.asarray(tr["y"], dtype=float) for tr in fig["data"] if len(tr["y"])])
        decades = np.log10(ys.max()) - np.log10(ys.min())
        if "dtick" in axis:
            assert decades / axis["dtick"] <= figures.curves.LOG_LABELS + 1
        else:
            assert decades < 2


@pytest.mark.parametrize("x_axis", figures.curves.X_AXES)
def test_the_networks_curves_share_the_surfaces_axes(x_axis):
    """The lower row's graphs line up whichever page: a network loss curve over the same
    values as a surface's loss curve has the same margins, x axis and log y axis (decades)."""
    from app.figures.network import CurveSeries, network_curve_figure

    _, view = view_of(RunConfig(surface="bowl", lr=0.1, steps=200))
    surface = figures.curve_figure("loss", [view], x_axis=x_axis)["layout"]
    # the surface's curve plots L - L* (here L* = 0, so L itself): the network plots L
    series = CurveSeries("run", PALETTE[0], view.steps, np.asarray(view.loss, dtype=float), view.steps_per_epoch, view.batch_size, view.examples)
    network = network_curve_figure("loss", [series], x_axis=x_axis)["layout"]
    assert view.best == 0
    assert network["margin"] == surface["margin"] and network["xaxis"] == surface["xaxis"]
    assert network["yaxis"]["type"] == surface["yaxis"]["type"] == "log"
    assert network["yaxis"].get("dtick") == surface["yaxis"].get("dtick")
    assert network["xaxis"]["title"]["text"] == figures.curves.curve_x_title(x_axis, "en")


@pytest.mark.parametrize("seed", range(200))
def test_a_short_log_axis_gets_a_few_round_labels_spread_over_it(seed):
    """Under two decades Plotly labelled 6, 8, ... 22 crowded at the top of a 85 px axis."""
    from app.figures.curves import short_log_ticks

    rng = np.random.default_rng(seed)
    # at float's ends too: a run to overflow or a loss of 5e-324 (the fuzz test found one)
    low = 10.0 ** rng.uniform(-320, 305) if seed % 4 == 0 else 10.0 ** rng.uniform(-8, 8)
    high = low * 10.0 ** rng.uniform(0.05, 1.99)
    ticks = short_log_ticks([{"y": [low, (low + high) / 2, high]}])
    span = np.log10(high / low)
    if span > 0.15:  # any range over ~40 % has round values to label
        assert ticks is not None, (low, high)
    if ticks is not None:
        assert 2 <= len(ticks) <= 9 and low <= ticks[0] and ticks[-1] <= high
        assert np.min(np.diff(np.log10(ticks))) >= span / 5 - 1e-9
        # round: steps of 1, 2, 2.5 or 5 (75, 100, 125) need three significant digits at most
        if low > 1e-300:  # a subnormal number has no short decimal form
            assert all(float(f"{v:.3g}") == v for v in ticks), ticks


def test_the_map_layer_takes_every_contour_and_the_paths_keep_their_slots():
    """Two scalings side by side: the layer holds both maps on their own axes; the paths
    figure keeps every other trace at its index (the player and the patches address slots)."""
    raw, scaled = RunConfig(surface="linreg", lr=0.01), RunConfig(surface="linreg", lr=0.1, normalization="standard")
    views = [view_of(raw)[1], view_of(scaled, colour=PALETTE[1])[1]]
    panels = [figures.surface_of(c) for c in (raw, scaled)]
    whole = figures.contour_figure(panels[0], views, panels=panels)
    paths, layer = figures.map_layers(whole)
    maps = [i for i, trace in enumerate(whole["data"]) if trace["type"] == "contour"]
    assert len(maps) == 2 and maps[0] == 0
    assert layer["data"] == [whole["data"][i] for i in maps]
    assert len(paths["data"]) == len(whole["data"])
    for i, (drawn, given) in enumerate(zip(paths["data"], whole["data"], strict=True)):
        if i in maps:  # an empty stand-in on the same axes
            assert drawn["x"] == [] and drawn["type"] == "scatter"
            assert drawn.get("xaxis", "x") == given.get("xaxis", "x") and drawn.get("yaxis", "y") == given.get("yaxis", "y")
        else:
            assert drawn is given
    # The same plot geometry; the layer neither labels nor answers the pointer, the paths
    # graph's plot is clear so the map shows through, and a click anywhere names its point.
    for key in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        for attribute in ("range", "domain", "anchor", "scaleanchor", "scaleratio"):
            assert layer["layout"][key].get(attribute) == paths["layout"][key].get(attribute)
        assert layer["layout"][key]["showticklabels"] is False
    assert layer["layout"]["margin"] == paths["layout"]["margin"] and "annotations" not in layer["layout"]
    assert layer["layout"]["hovermode"] is False and paths["layout"]["clickanywhere"] is True
    assert paths["layout"]["plot_bgcolor"] == "rgba(0,0,0,0)" and whole["layout"]["plot_bgcolor"] == "#ffffff"


# ------------------------------------------------------------ the words "left the map"


def test_a_segment_crosses_a_box_however_far_apart_its_ends():
    """Segments clipped exactly: a long jump straight through the box counts although neither
    end (nor any point a coarse sampling would take) lies in it; one that passes by, one
    along an edge outside it, and one with an infinite end do not."""
    from app.figures.exits import crossings

    box = (0.0, 1.0, 3.0, 3.5)
    segments = [
        ((0.5, 100.0), (0.5, -100.0), 1),  # a jump of 200 through a box 0.5 high
        ((0.2, 3.2), (5.0, 9.0), 1),  # starts inside
        ((-3.0, 0.0), (3.0, 6.5), 1),  # in through its left edge at y = 3.25, out through its top
        ((2.0, -10.0), (2.0, 10.0), 0),  # to its right
        ((-1.0, 4.0), (5.0, 4.0), 0),  # parallel above it
        ((0.5, 10.0), (np.inf, -10.0), 0),  # blown up
    ]
    for start, end, expected in segments:
        assert crossings(np.array([start]), np.array([end]), box) == expected, (start, end)
    starts, ends = np.array([s for s, _, _ in segments]), np.array([e for _, e, _ in segments])
    assert crossings(starts, ends, box) == sum(e for _, _, e in segments)


def test_the_ladders_last_rung_gets_words_no_jump_runs_through():
    """L8's last rung leaves the bowl at the top edge between two of its own jumps, which a
    sampling of each jump stepped over: its words go below the exit, beside the marker (the
    browser test measures on screen that no line runs through them)."""
    from app.figures.exits import SIDES, clear_side, crossings
    from app.figures.views import run_view

    run = simulate(RunConfig(surface="bowl", lr=0.729, steps=80))
    view = run_view(run, "lr 0.729", PALETTE[0])
    side = clear_side(view, run.config.loss_surface.window)
    assert side.startswith("bottom") and side in SIDES
    path = view.params[: view.map_points]
    assert crossings(path[:-1], path[1:], (-5.0, 5.0, 3.0, 4.0)) >= 2  # the jumps meet at the exit
