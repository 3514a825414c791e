"""The network view's downloads: the CSV holds every run step by step as engine.network.train
trains it again, with the path's place on the map's plane checked against the principal
directions computed here by SVD and the loss there by the network's forward pass; a run that
diverged leaves empty cells, never inf; the offline HTML draws the page's own figures and
fetches nothing; a tampered address or store gives no crash."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import numpy as np
import pytest
from dash import no_update
from serving import strict_json

from app.downloads import html_download, trajectories_csv
from app.export import export_html
from app.links import decode
from app.network_page import drawn_views, third_views
from engine import OUTCOMES
from engine.network import train
from engine.network.mlp import forward

# moons on a small network, a faster pin on the same loss surface, and a pin on other data
# (off the map: its plane columns stay empty)
QUERY = "?surface=network&hidden=4&steps=60&lr=0.05&pin=lr:0.3&pin=dataset:house_prices"
DIVERGING = "?surface=network&dataset=house_prices&optimizer=sgd&lr=0.01&steps=50&pin=lr:1"
STORE = {"surface": "network"}  # the current run's Store: only its surface decides the branch
HEADER = ["run", "label", "dataset", "step", "epoch", "lr", "train_loss", "accuracy", "grad_norm", "alpha", "beta", "slice_loss", "distance_from_plane", "outcome"]
TEXT = ("label", "dataset", "outcome")


def rows_of(text: str) -> list[dict]:
    """The CSV's rows; every number cell is empty or a finite number."""
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        for name, cell in row.items():
            if name not in TEXT:
                assert cell == "" or math.isfinite(float(cell)), (name, cell)
    return rows


def column(rows, run: int, name: str) -> np.ndarray:
    return np.array([float(r[name]) if r[name] != "" else np.nan for r in rows if r["run"] == str(run)])


def loss_of(run, weights) -> float:
    """The run's full-data loss at weights, the loss written out (cross-entropy of logits, ½·MSE)."""
    data = run.data
    z = forward(run.layout, run.config.activation, np.asarray(weights, dtype=float), data.inputs)
    if data.task == "classification":
        return float(np.mean(np.logaddexp(0.0, z) - data.targets * z))
    return float(0.5 * np.mean((z - data.targets) ** 2))


@pytest.fixture(scope="module")
def screen():
    """The CSV of QUERY's view and its runs trained again on their own, current first."""
    view = decode(QUERY)[0].network
    return rows_of(trajectories_csv(STORE, None, QUERY)), [train(config) for config in view.runs]


def test_the_csv_has_a_column_for_each_thing_a_student_plots(screen):
    rows, runs = screen
    assert list(rows[0]) == HEADER
    assert len(rows) == sum(len(run.loss) for run in runs)
    # each run under the name its badge and legend give it, naming what differs
    assert [r["label"] for r in rows if r["step"] == "0"] == ["moons · 2-4-1 tanh · lr 0.05", "moons · 2-4-1 tanh · lr 0.3", "house_prices · 1-4-1 tanh · lr 0.05"]
    assert [r["dataset"] for r in rows if r["step"] == "0"] == ["moons", "moons", "house_prices"]
    regression = trajectories_csv(STORE, None, "?surface=network&dataset=house_prices&steps=5")
    assert regression.splitlines()[0].split(",") == [name for name in HEADER if name != "accuracy"]


def test_the_csvs_training_columns_are_the_engines(screen):
    rows, runs = screen
    for index, run in enumerate(runs, start=1):
        assert column(rows, index, "step").tolist() == list(range(len(run.loss)))
        np.testing.assert_allclose(column(rows, index, "train_loss"), run.loss, rtol=1e-12)
        np.testing.assert_allclose(column(rows, index, "lr")[:-1], run.lr, rtol=1e-12)
        np.testing.assert_allclose(column(rows, index, "grad_norm")[:-1], run.grad_norm, rtol=1e-12)
        assert np.isnan(column(rows, index, "lr")[-1]) and np.isnan(column(rows, index, "grad_norm")[-1])  # no update from the last iterate
        accuracy = column(rows, index, "accuracy")
        assert np.isnan(accuracy).all() if run.accuracy is None else np.allclose(accuracy, run.accuracy, rtol=1e-12)
    # the loss written out at the final weights
    assert column(rows, 1, "train_loss")[-1] == pytest.approx(loss_of(runs[0], runs[0].final_weights), rel=1e-9)


def test_the_csvs_plane_is_the_current_paths_principal_directions(screen):
    rows, runs = screen
    current = runs[0]
    centre = current.final_weights
    offsets = current.weights.astype(float) - centre
    # the two principal directions of w_t − w_final, by SVD of the centred rows
    directions = np.linalg.svd(offsets - offsets.mean(axis=0), full_matrices=False)[2][:2]
    for index in (1, 2):  # both runs on moons lie on the plane
        run = runs[index - 1]
        alpha, beta = column(rows, index, "alpha"), column(rows, index, "beta")
        distance, height = column(rows, index, "distance_from_plane"), column(rows, index, "slice_loss")
        mine = (run.weights.astype(float) - centre) @ directions.T
        signs = np.sign(np.sum(mine * np.c_[alpha, beta], axis=0))  # a direction's sign is free
        np.testing.assert_allclose(np.c_[alpha, beta], mine * signs, atol=1e-6)
        # what lies off the plane: Pythagoras
        whole = np.sum((run.weights.astype(float) - centre) ** 2, axis=1)
        np.testing.assert_allclose(alpha**2 + beta**2 + distance**2, whole, rtol=1e-6, atol=1e-9)
        for step in (0, len(alpha) // 2, len(alpha) - 1):
            point = centre + (mine[step] * signs) @ directions
            assert height[step] == pytest.approx(loss_of(run, point), rel=1e-4)  # float32 as the map's slice
    assert column(rows, 1, "distance_from_plane")[-1] == pytest.approx(0, abs=1e-6)  # the centre is the final weights
    off_map = column(rows, 3, "alpha")
    assert np.isnan(off_map).all() and np.isnan(column(rows, 3, "slice_loss")).all()


def test_a_diverging_run_ends_in_an_empty_row_not_inf():
    text = trajectories_csv(STORE, None, DIVERGING)
    assert not re.search(r"inf|nan", text, re.I)
    rows = rows_of(text)
    fast = train(decode(DIVERGING)[0].network.pinned[0])
    assert fast.diverged_at is not None
    steps = column(rows, 2, "step")
    assert steps.tolist() == [*range(len(fast.loss)), fast.diverged_at]
    last = [r for r in rows if r["run"] == "2"][-1]
    assert last["outcome"] == "diverged"
    assert all(last[name] == "" for name in HEADER if name not in ("run", "label", "dataset", "step", "outcome") and name in last)
    np.testing.assert_allclose(column(rows, 2, "train_loss")[:-1], fast.loss, rtol=1e-12)


def figures_in(document: str) -> dict:
    found = re.search(r"var figures = (\{.*?\});\n", document, re.S)
    assert found, "no figures in the document"
    return strict_json(found.group(1))


def test_the_offline_html_draws_the_pages_own_figures_of_the_network():
    download = html_download(QUERY, STORE, None, None, None)
    document = download["content"]
    assert download["filename"].endswith(".html") and document.startswith("<!DOCTYPE html>")
    views = drawn_views(decode(QUERY)[0].network, "en")
    third = third_views(views, "en")
    drawn = figures_in(document)
    expected = {"contour": "map", "surface3d": "surface3d", "network-output": "output", "loss-graph": "loss", "lr-graph": "lr"}
    assert set(drawn) == {*expected, "third-graph"}
    for element, key in expected.items():
        assert drawn[element] == strict_json(json.dumps(views[key])), element
    assert drawn["third-graph"] == strict_json(json.dumps(third["figures"]["accuracy"]))
    assert len(drawn["network-output"]["frames"]) == len(views["frame_steps"]) > 1  # the output steps with the player
    assert 'id="network-output"' in document and "Plotly.addFrames" in document
    for run in views["runs"]:
        assert run["label"] in document  # the badges


def test_the_offline_html_fetches_no_more_than_the_two_d_export():
    network = html_download(DIVERGING, STORE, None, None, None)["content"]
    two_d = export_html("preset=overshooting")
    sources = re.compile(r"""<(?:script|link|img|iframe)[^>]*\b(?:src|href)\s*=""", re.I)
    assert sources.findall(network) == sources.findall(two_d) == []
    assert "Descent Lab · " in network and "house_prices" in network


@pytest.mark.parametrize(
    ("search", "current", "pinned"),
    [
        ("?surface=network&lr=abc&hidden=99,x&steps=40&pin=lr:zz&pin=hidden:4;lr:9e9", STORE, [{"surface": "network", "hidden": "x"}, 5]),
        ("?surface=network&steps=40", {"surface": "network", "lr": "boom", "steps": 1e12}, "not a list"),
        ("?surface=network&steps=40&directions=sideways&direction_seed=-1", {"surface": "network", "hidden": [1e9]}, None),
    ],
)
def test_a_tampered_address_or_store_downloads_the_repaired_view(search, current, pinned):
    text = trajectories_csv(current, pinned, search)
    rows = rows_of(text)
    assert rows and {r["outcome"] for r in rows} <= set(OUTCOMES)
    assert int(max(float(r["step"]) for r in rows)) <= 40
    document = html_download(search, current, pinned, None, {"lang": "xx"})["content"]
    assert set(figures_in(document)) >= {"contour", "network-output", "loss-graph"}


@pytest.mark.parametrize("search", [None, 5, "?" + "x" * 9000, "?surface=bowl"])
def test_a_network_store_without_a_network_address_downloads_no_network(search):
    assert trajectories_csv(STORE, None, search) is None
    result = html_download(search, STORE, None, None, None)
    assert result is no_update or "network-output" not in figures_in(result["content"])
