"""The downloads export what is on screen: a formula's view and uploaded data's view, their
runs step by step (checked against descent steps computed here by hand), with text cells a
spreadsheet will not run, and runs that reached infinity written as strict JSON and plain
numbers."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from serving import strict_json
from test_hardening_compute import FORMULAS, PROPERTY, WINDOWS, formula_views

from app.downloads import FORMULA_TRIGGERS, html_download, spreadsheet_text, trajectories_csv
from app.export import export_html
from app.navigation import url_search
from app.panels import upload_outputs
from app.viewmodel import compute_views
from tests.test_callbacks import OPT_IDS, OPT_VALUES, SCHED_IDS, SCHED_VALUES

FORMULA = {"formula": "x**2 + 3*sin(y)", "x_range": "-3, 3", "y_range": "-2, 2"}
FLAGS = {"lang": "en", "embed": False, "preset": None}
INJECTION = "=cmd|' /C calc'!A0"
NUMERIC = ("run", "step", "x", "y", "w", "b", "loss", "lr", "grad_x", "grad_y", "grad_w", "grad_b", "epoch")


def own_views(surface, custom=None, upload=None, lr=0.05, steps=30, pinned=(), start=(1.0, 1.0)):
    return compute_views(
        surface, "sgd", lr, "constant", "full", "none", steps, 0, *start,
        OPT_VALUES, OPT_IDS, SCHED_VALUES, SCHED_IDS, list(pinned), "en", custom=custom, upload=upload,
    )  # fmt: skip


def figures_in(document: str) -> dict:
    """The figures an exported document draws, read strictly (no NaN, no Infinity)."""
    found = re.search(r"var figures = (\{.*?\});\n", document, re.S)
    assert found, "no figures in the document"
    return strict_json(found.group(1))


def rows_of(text: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        for name, cell in row.items():
            if name in NUMERIC:
                assert cell == "" or math.isfinite(float(cell)), (name, cell)  # a number stays a number
            else:
                assert not cell.startswith(FORMULA_TRIGGERS), (name, cell)
    return rows


def sgd_step(point, gradient, lr):
    return tuple(p - lr * g for p, g in zip(point, gradient, strict=True))


def formula_gradient(x, y):  # of x² + 3 sin(y), by hand
    return (2 * x, 3 * math.cos(y))


@pytest.fixture(scope="module")
def formula_screen():
    """A formula view as the page holds it: its address, the drawn run and one pinned run."""
    pinned = own_views("custom", FORMULA, lr=0.2, start=(-2.0, 1.5))["config"]
    result = own_views("custom", FORMULA, pinned=[pinned])
    assert result["ok"], result["notice"]
    return url_search(result, FLAGS, FORMULA), result["config"], [pinned]


def test_the_offline_html_of_a_formula_view_draws_the_formula_and_both_runs(formula_screen):
    search, current, pinned = formula_screen
    download = html_download(search, current, pinned, None, FLAGS)
    document = download["content"]
    assert "f(x, y) = x² + 3 sin(y)" in document and "Bowl" not in document
    contour = figures_in(document)["contour"]
    whole = contour["data"][1]  # slot 0: the current run's whole path
    first = (whole["x"][0], whole["y"][0])
    assert first == pytest.approx((1.0, 1.0))
    assert (whole["x"][1], whole["y"][1]) == pytest.approx(sgd_step(first, formula_gradient(*first), 0.05))
    pin = contour["data"][4]  # slot 1: the pinned run, from its own start at its own rate
    assert (pin["x"][1], pin["y"][1]) == pytest.approx(sgd_step((-2.0, 1.5), formula_gradient(-2.0, 1.5), 0.2))


def test_a_formula_link_exports_the_formula_not_the_bowl(formula_screen):
    search, _, _ = formula_screen
    document = export_html(search.lstrip("?"))
    assert "f(x, y) = x² + 3 sin(y)" in document
    whole = figures_in(document)["contour"]["data"][1]
    assert (whole["x"][0], whole["y"][0]) == pytest.approx((1.0, 1.0))  # the link's start


def test_the_csv_of_a_formula_view_holds_its_runs_step_by_step(formula_screen):
    search, current, pinned = formula_screen
    rows = rows_of(trajectories_csv(current, pinned, search))
    assert {r["run"] for r in rows} == {"1", "2"} and len(rows) == 2 * 31
    assert {r["surface"] for r in rows} == {"f(x, y) = x² + 3 sin(y)"}
    drawn = [r for r in rows if r["run"] == "2"]  # pinned runs first, the current run last
    point = (float(drawn[0]["x"]), float(drawn[0]["y"]))
    assert point == (1.0, 1.0)
    for row in drawn[1:6]:
        point = sgd_step(point, formula_gradient(*point), 0.05)
        assert (float(row["x"]), float(row["y"])) == pytest.approx(point, rel=1e-12)
    assert trajectories_csv(current, pinned, "?lr=0.3") is None  # no formula named: no file


@pytest.fixture(scope="module")
def upload_screen():
    text = f"size,{INJECTION}\n1,3\n2,5.2\n3,7.1\n4,8.8\n"
    contents = "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
    table, _, x, _, y, _, error = upload_outputs(contents, "=shop.csv")
    assert error == "" and (x, y) == ("size", INJECTION)
    upload = {"table": table, "x": x, "y": y}
    result = own_views("upload", upload=upload, lr=0.01, steps=20, start=(0.0, 0.0))
    assert result["ok"], result["notice"]
    return result["config"], upload


def fit_gradient(w, b, xs=(1, 2, 3, 4), ys=(3, 5.2, 7.1, 8.8)):
    """∂L/∂w, ∂L/∂b of L = 1/(2n) Σ (w·x + b − y)², by hand."""
    residuals = [w * x + b - y for x, y in zip(xs, ys, strict=True)]
    return sum(r * x for r, x in zip(residuals, xs, strict=True)) / len(xs), sum(residuals) / len(xs)


def test_the_offline_html_of_an_upload_view_draws_the_uploaded_data(upload_screen):
    current, upload = upload_screen
    document = html_download("?lr=0.3", current, [], upload, FLAGS)["content"]
    data = figures_in(document)["third-graph"]["data"][0]
    assert data["x"] == [1, 2, 3, 4] and data["y"] == [3, 5.2, 7.1, 8.8]
    path = figures_in(document)["contour"]["data"][1]
    assert (path["x"][1], path["y"][1]) == pytest.approx(sgd_step((0.0, 0.0), fit_gradient(0.0, 0.0), 0.01))


def test_the_csv_of_an_upload_view_holds_its_runs_and_escapes_the_column_name(upload_screen):
    current, upload = upload_screen
    text = trajectories_csv(current, [], "", upload)
    rows = rows_of(text)
    assert len(rows) == 21
    assert rows[0]["surface"] == "'" + INJECTION + " ≈ w·size + b"  # read as text, never run
    point = (float(rows[0]["w"]), float(rows[0]["b"]))
    for row in rows[1:6]:
        point = sgd_step(point, fit_gradient(*point), 0.01)
        assert (float(row["w"]), float(row["b"])) == pytest.approx(point, rel=1e-12)
    assert trajectories_csv(current, [], "", None) is None  # the data is gone: no file


def test_text_that_a_spreadsheet_would_run_gets_a_quote():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", INJECTION):
        assert spreadsheet_text(text) == "'" + text
    for text in ("lr 0.1", "converged", "f(x, y) = x²", "", "1e-3"):
        assert spreadsheet_text(text) == text


@pytest.mark.parametrize("text", ["x*y", "x^2 - y^2", "sinh(x)+y^2"])
def test_runs_to_infinity_export_as_strict_json_and_plain_numbers(text):
    custom = {"formula": text, "x_range": "-3, 3", "y_range": "-3, 3"}
    result = formula_views(text, steps=10_000)
    assert result["ok"], result["notice"]
    search = url_search(result, FLAGS, custom)
    figures_in(html_download(search, result["config"], [], None, FLAGS)["content"])
    csv_text = trajectories_csv(result["config"], [], search)
    assert "nan" not in csv_text.lower() and "inf" not in csv_text.lower()
    rows_of(csv_text)


@settings(PROPERTY, max_examples=25)
@given(FORMULAS, WINDOWS, st.sampled_from([1, 50, 2000]))
# Found by hypothesis: gradients near 1e300 over the window, whose squares overflowed.
@example("-(-(.001**(x)))", {"x_range": "-100, 100", "y_range": "-1, 1"}, 1)
def test_random_formulas_export_to_strict_json_and_plain_numbers(text, window, steps):
    result = formula_views(text, lr=0.5, steps=steps, window=window)
    if not result["ok"]:
        return
    custom = {"formula": text, **window}
    search = url_search(result, FLAGS, custom)
    download = html_download(search, result["config"], [], None, FLAGS)
    assert isinstance(download, dict), "the view on screen could not be exported"
    json.dumps(figures_in(download["content"]), allow_nan=False)
    rows = rows_of(trajectories_csv(result["config"], [], search))
    assert len(rows) == result["trajectories"][0].steps_taken + 1


def test_the_csv_right_after_a_view_reads_the_views_runs_instead_of_running_them_again(monkeypatch):
    """The heaviest view's CSV costs its formatting, not a second simulation (issue 16)."""
    import app.runs as runs
    from app.viewmodel import page_views
    from engine import RunConfig

    runs.forget_recent_runs()
    pins = [RunConfig(surface="linreg", lr=0.05, batch_size=b, steps=300) for b in (None, 4)]
    current = RunConfig(surface="linreg", optimizer="adam", lr=0.1, steps=300)
    cold = trajectories_csv(runs.config_to_dict(current), [runs.config_to_dict(p) for p in pins])
    runs.forget_recent_runs()
    assert page_views(current, pins)["ok"]
    asked = []
    monkeypatch.setattr(runs, "simulate_many", lambda configs: asked.append(configs) or [])
    after = trajectories_csv(runs.config_to_dict(current), [runs.config_to_dict(p) for p in pins])
    assert asked == [] and after == cold  # nothing run again, the same file


def test_the_kept_runs_stay_few():
    import app.runs as runs
    from engine import RunConfig

    runs.forget_recent_runs()
    configs = [RunConfig(lr=0.01 + 0.001 * i, steps=20) for i in range(3 * runs.RECENT_RUNS)]
    first = [runs.simulated([config])[0] for config in configs]
    kept = runs.RECENT_RUNS
    assert len(runs._recent) == kept  # memory stays bounded, however many views were asked
    again = runs.simulated(configs[-kept:])  # the latest are read back, not run again
    assert all(a is b for a, b in zip(again, first[-kept:], strict=True))
    old = runs.simulated([configs[0]])[0]  # the oldest was let go: run again, the same run
    assert old is not first[0] and np.array_equal(old.params, first[0].params)


def pandas_csv(trajectories, labels, surfaces) -> str:
    """The runs as pandas writes them (the reference the download's own writer must match)."""
    import pandas as pd

    frames = []
    for index, (trajectory, label, surface) in enumerate(zip(trajectories, labels, surfaces, strict=True)):
        frame = trajectory.to_frame()
        numbers = frame.columns[1:]
        frame[numbers] = frame[numbers].where(np.isfinite(frame[numbers].astype(float)))
        frame.insert(0, "run", index + 1)
        frame.insert(1, "label", spreadsheet_text(label))
        frame.insert(2, "surface", spreadsheet_text(surface))
        frame["outcome"] = spreadsheet_text(trajectory.outcome)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).to_csv(index=False)


def test_the_csv_is_the_file_pandas_writes_of_the_same_runs():
    """Quoted cells (a column named with a comma and quotes), a run that ran to infinity, a
    mini-batch run: byte for byte what pandas' to_csv writes of the same rows."""
    import app.runs as runs
    from engine import RunConfig

    text = 'size,"cost, ""eur"""\n1,3\n2,5.2\n3,7.1\n4,8.8\n'
    contents = "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
    table, _, x, _, y, _, error = upload_outputs(contents, "shop.csv")
    assert error == "" and y == 'cost, "eur"'
    upload = {"table": table, "x": x, "y": y}
    current = own_views("upload", upload=upload, lr=0.01, steps=20, start=(0.0, 0.0))["config"]
    pinned = [own_views("upload", upload=upload, lr=0.6, steps=400, start=(0.0, 0.0))["config"]]
    written = trajectories_csv(current, pinned, "", upload)
    problem = runs.own_problem("upload", None, upload)
    configs = runs.stored_configs([*pinned, current], {"upload": problem})
    trajectories = runs.simulated(configs)
    assert trajectories[0].diverged_at is not None  # the pinned run's numbers ran to infinity
    labels = runs.run_labels([runs.config_to_dict(c) for c in configs])
    assert written == pandas_csv(trajectories, labels, [f"{y} ≈ w·size + b"] * 2)
    assert '"cost, ""eur"" ≈ w·size + b"' in written  # one cell, quoted

    others = [RunConfig(surface="linreg", lr=0.05, batch_size=3, steps=50), RunConfig(surface="bowl", lr=1.5, steps=60)]
    for config in others:
        written = trajectories_csv(runs.config_to_dict(config), [])
        trajectory = runs.simulated([config])[0]
        label = runs.run_labels([runs.config_to_dict(config)])
        assert written == pandas_csv([trajectory], label, [config.surface])
