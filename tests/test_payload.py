"""What the main callback sends: typed arrays, Patch answers without the grid, the memo."""

import json

import numpy as np
import pytest

from app import answers, figures, viewmodel
from benchmarks.server import app_and_shape, change_body, heavy_values, load_body, post
from tests.wire_helpers import decode_typed_array


@pytest.fixture(scope="module")
def page():
    _, client, shape = app_and_shape()
    return client, shape


def test_typed_arrays_decode_to_the_same_numbers():
    floats = np.linspace(-3.7, 12.25, 300)
    spec = figures.typed_array(floats.tolist())
    assert spec["dtype"] == "f4"
    assert np.array_equal(decode_typed_array(spec), floats.astype(np.float32))
    steps = list(range(0, 5000, 7))
    spec = figures.typed_array(steps)
    assert spec["dtype"] == "u2" and decode_typed_array(spec).tolist() == steps
    rows = [[i, 0.5 * i, -1e-3 * i] for i in range(40)]
    spec = figures.typed_array(rows)
    assert spec["shape"] == "40,3"
    assert np.allclose(decode_typed_array(spec), rows, rtol=1e-6)
    # Beyond float32's range: float64, not infinity.
    huge = [1e300, 1.0, float("nan")] * 10
    spec = figures.typed_array(huge)
    assert spec["dtype"] == "f8"
    assert np.array_equal(decode_typed_array(spec), huge, equal_nan=True)
    assert figures.typed_array(["a", "b"]) == ["a", "b"]


def test_compact_keeps_short_arrays_and_the_maps_whole_paths_as_lists():
    result = viewmodel.compute_views("bowl", "sgd", 0.1, "constant", "full", "none", 100, 0, None, None, [], [], [], [], [])
    contour = figures.compact(result["contour"], plain=figures.whole_path_slots())
    xs, ys = result["contour"]["data"][0]["x"], result["contour"]["data"][0]["y"]
    assert contour["data"][0]["z"]["dtype"] == "f4" and contour["data"][0]["z"]["shape"] == f"{len(ys)},{len(xs)}"
    whole = contour["data"][1]
    assert isinstance(whole["x"], list) and whole["x"][0] == result["contour"]["data"][1]["x"][0]
    assert whole["customdata"]["shape"].endswith(",5")
    assert contour["data"][2]["customdata"]["dtype"] == "u1"  # the steps of the path so far
    assert isinstance(contour["data"][3]["x"], list)  # one point: not worth encoding


def test_3d_path_is_thinned_and_keeps_its_last_point():
    result = viewmodel.compute_views(
        "linreg", "sgd", 0.01, "constant", 1, "standard", 2000, 0, None, None, [], [], [], [], []
    )
    whole3d = result["surface3d"]["data"][1]
    assert len(whole3d["x"]) <= figures.MAX_POINTS_3D
    assert whole3d["customdata"][-1] == result["contour"]["data"][1]["customdata"][-1][0]
    assert whole3d["x"][-1] == result["contour"]["data"][1]["x"][-1]


def response(client, body):
    status, raw, answer, headers = post(client, body)
    assert status == 200
    return raw, answer["response"], headers


def test_a_control_change_patches_the_paths_without_the_grid(page):
    client, shape = page
    _, loaded, _ = response(client, load_body(shape, {}))
    # whole figures first: the map in the layer under the paths, the paths graph's slot 0 empty
    assert loaded["contour-layer"]["figure"]["data"][0]["type"] == "contour"
    assert loaded["contour"]["figure"]["data"][0] == {**figures.empty_trace(), "name": "loss", "visible": True}
    raw, changed, _ = response(client, change_body(shape, {}, loaded["current-config"]["data"], 0.05))
    assert "contour-layer" not in changed  # the map under the paths is not sent, nor redrawn
    for graph in ("contour", "surface3d"):
        patch = changed[graph]["figure"]
        assert "__dash_patch_update" in patch
        locations = [op["location"] for op in patch["operations"]]
        assert ["data", 0] not in locations and all(loc[:1] in (["data"], ["layout"]) for loc in locations)
        assert "contour" not in json.dumps(patch) or graph == "contour"
        assert '"type": "surface"' not in json.dumps(patch)
    values = [op["params"].get("value") for op in changed["contour"]["figure"]["operations"]]
    assert not any(isinstance(v, dict) and v.get("type") == "contour" for v in values)
    # The path did move: the patch carries the new whole path.
    new_path = next(op["params"]["value"] for op in changed["contour"]["figure"]["operations"] if op["location"] == ["data", 1])
    assert new_path["x"] != loaded["contour"]["figure"]["data"][1]["x"]
    assert len(raw) < 0.5 * len(json.dumps(loaded))


def test_a_new_surface_or_a_stale_page_gets_whole_figures(page):
    client, shape = page
    _, loaded, _ = response(client, load_body(shape, {}))
    dependency = shape.callback("contour.figure")
    body = shape.body(dependency, {"surface": "ravine", "current-config": loaded["current-config"]["data"]}, changed=["surface.value"])
    _, changed, _ = response(client, body)
    assert changed["contour-layer"]["figure"]["data"][0]["type"] == "contour"
    assert changed["contour-layer"]["figure"]["layout"]["uirevision"] == changed["contour"]["figure"]["layout"]["uirevision"]
    # The browser still shows another surface's map (e.g. after an error): whole figures.
    stale = {**loaded["current-config"]["data"], "surface": "ravine"}
    _, changed, _ = response(client, change_body(shape, {}, stale, 0.05))
    assert changed["surface3d"]["figure"]["data"][0]["type"] == "surface"
    assert changed["contour-layer"]["figure"]["data"][0]["type"] == "contour"


def test_a_repeated_request_is_answered_from_the_memo_with_identical_bytes(page, monkeypatch):
    monkeypatch.setenv("DESCENT_LAB_DEBUG_HEADERS", "1")  # the counts are sent only when asked for
    client, shape = page
    values = heavy_values()
    body = load_body(shape, {**values, "lr": 0.0123})
    first, _, headers = response(client, body)
    second, _, again = response(client, body)
    assert headers[answers.CACHE_HEADER] == "miss" and again[answers.CACHE_HEADER] == "hit"
    assert first == second
    stats = answers.cache_stats()
    assert stats["hits"] >= 1 and stats["misses"] >= 1
    assert "hits=" in again[answers.CACHE_HEADER + "-Stats"]


def test_paths_only_needs_the_same_map():
    config = {"surface": "bowl", "normalization": "none"}
    assert answers.paths_only({"lr.value": "lr"}, config, config, "bowl")
    assert not answers.paths_only({}, config, config, "bowl")  # first load
    assert not answers.paths_only({"surface.value": "surface"}, config, config, "bowl")
    assert not answers.paths_only({"lr.value": "lr"}, None, config, "bowl")
    assert not answers.paths_only({"lr.value": "lr"}, {**config, "normalization": "standard"}, config, "bowl")
    assert not answers.paths_only({"lr.value": "lr"}, config, config, "custom")


def test_the_server_benchmark_calls_the_main_callback_as_dash_does():
    """benchmarks.server times the undecorated callback called with a request's arguments
    (recompute_function, answer_once): its answer is the one the app sends over HTTP."""
    from benchmarks.server import answer_once, drawn_config, recompute_function

    app, client, shape = app_and_shape()
    _, _, loaded, _ = post(client, load_body(shape, {}))
    body = change_body(shape, {}, drawn_config(loaded), 0.07)
    direct = json.loads(answer_once(recompute_function(app), body))
    _, _, sent, _ = post(client, body)
    assert direct[0] == sent["response"]["contour"]["figure"]  # the map's paths
    assert direct[shape_index(shape, "current-config.data")]["lr"] == 0.07


def shape_index(shape, output: str) -> int:
    from benchmarks.server import main_dependency

    return main_dependency(shape)["output"].strip(".").split("...").index(output)
