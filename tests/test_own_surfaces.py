"""A lecturer's own formula and own data, through the same callback logic the page uses."""

import base64
import json
from urllib.parse import parse_qs

from app.links import split_formula
from app.navigation import url_search
from app.panels import upload_outputs
from app.viewmodel import compute_views
from tests.test_callbacks import OPT_IDS, OPT_VALUES, SCHED_IDS, SCHED_VALUES


def views(surface, custom=None, upload=None, lr=0.1, steps=60, batch_size="full", normalization="none"):
    return compute_views(
        surface, "sgd", lr, "constant", batch_size, normalization, steps, 0, None, None,
        OPT_VALUES, OPT_IDS, SCHED_VALUES, SCHED_IDS, [], "en", custom=custom, upload=upload,
    )


def csv_url(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def test_a_typed_formula_is_descended_on_its_own_window():
    custom = {"formula": "(x-1)**2 + 2*(y+0.5)**2", "x_range": "-2, 3", "y_range": "-3, 2"}
    result = views("custom", custom)
    assert result["ok"], result["notice"]
    layout = result["contour"]["layout"]
    assert layout["xaxis"]["range"] == [-2.0, 3.0] and layout["yaxis"]["range"] == [-3.0, 2.0]
    assert result["trajectories"][0].outcome == "converged"
    end = result["trajectories"][0].params[-1]
    assert abs(end[0] - 1) < 1e-3 and abs(end[1] + 0.5) < 1e-3
    json.dumps(result["contour"], allow_nan=False)
    json.dumps(result["surface3d"], allow_nan=False)


def test_a_hostile_formula_is_refused_next_to_its_field_and_keeps_the_view():
    for text in ("__import__('os').system('ls')", "x.__class__", "9**9**9", "2x"):
        result = views("custom", {"formula": text, "x_range": "-3, 3", "y_range": "-3, 3"})
        assert not result["ok"]
        assert result["errors"]["formula"], text
        assert "contour" not in result  # the last good view stays on screen


def test_a_bad_window_is_named():
    result = views("custom", {"formula": "x**2 + y**2", "x_range": "3, -3", "y_range": "-3, 3"})
    assert not result["ok"] and "window" in result["errors"]["formula"]
    result = views("custom", {"formula": "x**2 + y**2", "x_range": "left", "y_range": "-3, 3"})
    assert not result["ok"] and "x range" in result["errors"]["formula"]


def test_a_formula_link_reopens_the_formula():
    custom = {"formula": "x**2 + 3*sin(y)", "x_range": "-3, 3", "y_range": "-2, 2"}
    result = views("custom", custom, lr=0.05)
    search = url_search(result, {"lang": "ko"}, custom)
    query = parse_qs(search.lstrip("?"))
    assert query["surface"] == ["custom"] and query["formula"] == ["x**2 + 3*sin(y)"]
    assert query["lr"] == ["0.05"] and query["lang"] == ["ko"]
    rest, reopened = split_formula(search.lstrip("?"))
    assert reopened == custom
    assert "formula" not in rest and "lr=0.05" in rest


def test_uploaded_data_drives_the_data_fit_problem():
    rows = "\n".join(f"{x},{2 * x + 1 + (x % 3) * 0.1}" for x in range(1, 41))
    store, x_options, x, y_options, y, notes, error = upload_outputs(csv_url("size,cost\n" + rows), "shop.csv")
    assert error == "" and (x, y) == ("size", "cost")
    result = views("upload", upload={"table": store, "x": x, "y": y}, normalization="standard", batch_size=8)
    assert result["ok"], result["notice"]
    third = result["third"]
    assert third["data"][0]["name"] == "data" and len(third["data"][0]["x"]) == 40
    assert third["layout"]["xaxis"]["title"]["text"] == "size"
    assert result["trajectories"][0].steps_per_epoch == 5


def test_bad_uploads_say_why():
    *_, error = upload_outputs(csv_url("name,city\nann,seoul\nbo,busan\ncy,daegu\n"), "people.csv")
    assert "numeric" in error
    *_, error = upload_outputs("not a data url", "x.csv")
    assert error
    result = views("upload", upload={"table": None, "x": None, "y": None})
    assert not result["ok"] and "CSV" in result["errors"]["upload"]


def test_an_equally_deep_minimum_outside_the_window_counts_as_converged():
    """sin(y) is lowest at every -π/2 + 2πk: a run that reaches one outside the window has
    reached the lowest loss there is, even though the window lists only y = -π/2."""
    result = views("custom", {"formula": "x**2 + 3*sin(y)", "x_range": "-3, 3", "y_range": "-3, 3"}, steps=200)
    run = result["trajectories"][0]
    assert run.params[-1][1] > 3  # it left the window upwards, towards y = 3π/2
    assert abs(run.final_loss + 3) < 1e-6
    assert run.outcome == "converged"
