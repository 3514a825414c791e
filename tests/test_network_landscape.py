"""The network's loss landscape: directions, the slice, the path on it, the output frames."""

from __future__ import annotations

import numpy as np
import pytest

from engine.network.landscape import (
    filter_normalize,
    loss_slice,
    output_frames,
    path_on_plane,
    path_window,
    pca_directions,
    plane_loss,
    project,
    random_directions,
    random_window,
)
from engine.network.mlp import forward, mean_loss, sigmoid
from engine.network.train import NetworkConfig, train


@pytest.fixture(scope="module")
def moons_run():
    return train(NetworkConfig(dataset="moons", optimizer="adam", lr=0.01, steps=300))


def _path(run):
    return run.weights.astype(float)


def test_pca_directions_are_orthonormal_with_explained_variance_of_the_path(moons_run):
    path = _path(moons_run)
    directions = pca_directions(path)
    m = directions.matrix
    np.testing.assert_allclose(m.T @ m, np.eye(2), atol=1e-12)
    ratio = directions.explained
    assert np.all((ratio >= 0) & (ratio <= 1)) and ratio.sum() <= 1 + 1e-12
    # independently: the singular value decomposition of the centred rows (as scikit-learn)
    diffs = path - path[-1]
    centred = diffs - diffs.mean(axis=0)
    _, singular, rows = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(ratio, singular[:2] ** 2 / np.sum(singular**2), rtol=1e-8)
    for k, direction in enumerate((directions.first, directions.second)):
        assert abs(direction @ rows[k]) == pytest.approx(1.0, abs=1e-8)
        assert diffs[0] @ direction <= 0  # the start lies on the negative side


def test_a_short_path_takes_the_other_gram_matrix(moons_run):
    path = _path(moons_run)[::40]  # 8 iterates of 337 weights
    directions = pca_directions(path)
    diffs = path - path[-1]
    _, singular, rows = np.linalg.svd(diffs - diffs.mean(axis=0), full_matrices=False)
    np.testing.assert_allclose(
        directions.explained, singular[:2] ** 2 / np.sum(singular**2), rtol=1e-8
    )
    np.testing.assert_allclose(directions.matrix.T @ directions.matrix, np.eye(2), atol=1e-12)
    assert abs(directions.first @ rows[0]) == pytest.approx(1.0, abs=1e-8)


def test_path_coordinates_plus_residual_reconstruct_every_iterate(moons_run):
    path = _path(moons_run)
    directions = pca_directions(path)
    for centre in (path[-1], path[120]):
        coords, off = project(path, centre, directions)
        np.testing.assert_allclose(
            centre + coords @ directions.matrix.T + off, path, rtol=0, atol=1e-10
        )
        np.testing.assert_allclose(
            off @ directions.matrix, 0.0, atol=1e-10
        )  # orthogonal to the plane
        # PCA directions are orthonormal: the coordinates are plain dot products
        np.testing.assert_allclose(coords, (path - centre) @ directions.matrix, atol=1e-10)
    on_plane = path_on_plane(
        moons_run.layout, "tanh", moons_run.data, path, path[-1], directions, moons_run.loss
    )
    coords, off = project(path, path[-1], directions)
    np.testing.assert_allclose(on_plane.distance, np.linalg.norm(off, axis=1), rtol=1e-12)
    assert on_plane.distance[-1] == 0.0
    assert on_plane.plane_loss[-1] == pytest.approx(moons_run.loss[-1], rel=1e-6)


def test_a_path_that_spans_one_direction_gets_a_second_orthogonal_one():
    line = np.outer(np.linspace(0, 1, 5), np.arange(1.0, 8.0))
    directions = pca_directions(line)
    np.testing.assert_allclose(directions.matrix.T @ directions.matrix, np.eye(2), atol=1e-12)
    assert directions.explained[0] == pytest.approx(1.0) and directions.explained[1] == 0.0
    still = pca_directions(np.ones((3, 7)))
    np.testing.assert_array_equal(still.explained, [0.0, 0.0])


def test_filter_normalized_rows_have_their_weight_rows_norms_and_no_bias(moons_run):
    layout, centre = moons_run.layout, moons_run.final_weights
    directions = random_directions(layout, centre, seed=3)
    for direction in (directions.first, directions.second):
        for row in layout.rows():
            assert np.linalg.norm(direction[row]) == pytest.approx(
                np.linalg.norm(centre[row]), rel=1e-8
            )
        np.testing.assert_array_equal(direction[~layout.weight_mask()], 0.0)
    again = random_directions(layout, centre, seed=3)
    np.testing.assert_array_equal(again.first, directions.first)
    assert not np.array_equal(random_directions(layout, centre, seed=4).first, directions.first)
    assert not np.allclose(directions.first, directions.second)


def test_filter_normalization_scales_each_row_by_its_own_factor():
    from engine.network.mlp import Layout

    layout = Layout(2, (3,))
    weights = np.arange(1.0, layout.size + 1)
    direction = np.ones(layout.size)
    out = filter_normalize(layout, direction, weights)
    # row 0 of W1 holds weights (1, 2): the direction (1, 1) is scaled to length √5
    np.testing.assert_allclose(out[0:2], np.sqrt(5) / np.sqrt(2), rtol=1e-9)
    np.testing.assert_array_equal(out[6:9], 0.0)  # b1
    np.testing.assert_allclose(
        out[9:12], np.linalg.norm(weights[9:12]) / np.sqrt(3), rtol=1e-9
    )  # W2's one row


@pytest.mark.parametrize("kind", ["pca", "random"])
def test_the_slice_at_its_centre_is_the_networks_loss(moons_run, kind):
    layout, data, centre = moons_run.layout, moons_run.data, moons_run.final_weights
    directions = (
        pca_directions(_path(moons_run)) if kind == "pca" else random_directions(layout, centre, 0)
    )
    window = random_window()
    exact = float(mean_loss(forward(layout, "tanh", centre, data.inputs), data.targets, data.loss))
    fine = loss_slice(layout, "tanh", data, centre, directions, window, dtype=np.float64)
    assert fine.alphas[20] == 0.0 and fine.betas[20] == 0.0
    assert fine.loss[20, 20] == pytest.approx(exact, rel=1e-12)
    quick = loss_slice(layout, "tanh", data, centre, directions, window)
    assert quick.loss.shape == (41, 41)
    np.testing.assert_allclose(
        quick.loss, fine.loss, rtol=1e-4, atol=1e-6
    )  # float32 against float64
    # every grid point: the network's own loss at c + α d₁ + β d₂
    for i, j in ((0, 0), (3, 37), (40, 12)):
        theta = centre + fine.alphas[j] * directions.first + fine.betas[i] * directions.second
        value = mean_loss(forward(layout, "tanh", theta, data.inputs), data.targets, data.loss)
        assert fine.loss[i, j] == pytest.approx(float(value), rel=1e-12)


def test_the_slice_under_the_path_and_the_true_loss_along_it(moons_run):
    path = _path(moons_run)
    layout, data = moons_run.layout, moons_run.data
    directions = pca_directions(path)
    centre = path[150]
    on_plane = path_on_plane(layout, "tanh", data, path, centre, directions)
    np.testing.assert_allclose(
        on_plane.true_loss, moons_run.loss, rtol=1e-5
    )  # weights kept as float32
    assert on_plane.distance[150] == 0.0
    assert on_plane.plane_loss[150] == pytest.approx(on_plane.true_loss[150], rel=1e-12)
    expected = plane_loss(layout, "tanh", data, centre, directions, on_plane.coords)
    np.testing.assert_array_equal(on_plane.plane_loss, expected)
    assert np.max(on_plane.distance) > 0  # a 337-D path does not lie in a plane


def test_path_window_holds_the_path_and_is_square(moons_run):
    path = _path(moons_run)
    coords, _ = project(path, path[-1], pca_directions(path))
    (a0, a1), (b0, b1) = path_window(coords)
    assert a1 - a0 == pytest.approx(b1 - b0)
    assert a0 < coords[:, 0].min() and coords[:, 0].max() < a1
    assert b0 < coords[:, 1].min() and coords[:, 1].max() < b1


def test_decision_boundary_frames_are_the_networks_output_over_the_input_plane(moons_run):
    layout, data = moons_run.layout, moons_run.data
    frames = output_frames(layout, "tanh", data, moons_run.weights, [0, 100, 300], points=25)
    assert frames.values.shape == (3, 25, 25)
    assert np.all((frames.values >= 0) & (frames.values <= 1))
    assert (
        frames.xs.min() < data.raw_inputs[:, 0].min()
        and frames.xs.max() > data.raw_inputs[:, 0].max()
    )
    i, j = 7, 19
    point = data.scale_inputs(np.array([[frames.xs[j], frames.ys[i]]]))
    for s, step in enumerate((0, 100, 300)):
        z = forward(layout, "tanh", moons_run.weights[step].astype(float), point)
        assert frames.values[s, i, j] == pytest.approx(float(sigmoid(z)[0]), rel=1e-12)


def test_the_regression_curve_is_the_networks_prediction_in_raw_units():
    run = train(NetworkConfig(dataset="house_prices", optimizer="adam", lr=0.01, steps=200))
    frames = output_frames(run.layout, "tanh", run.data, run.weights, [200])
    assert frames.ys is None and frames.values.shape == (1, 100)
    raw = run.data.raw_inputs[:5]
    expected = forward(run.layout, "tanh", run.weights[200].astype(float), run.data.inputs[:5])
    got = np.interp(raw[:, 0], frames.xs, frames.values[0])
    np.testing.assert_allclose(got, expected, rtol=0.05)  # linear interpolation of a smooth curve
    exact = output_frames(run.layout, "tanh", run.data, run.weights, [200], points=2, margin=0.0)
    low = run.data.raw_inputs[:, 0].min()
    z = forward(run.layout, "tanh", run.weights[200].astype(float), run.data.scale_inputs([[low]]))
    assert exact.values[0, 0] == pytest.approx(float(z[0]), rel=1e-12)


def test_a_diverged_run_projects_without_nan():
    run = train(NetworkConfig(dataset="house_prices", optimizer="sgd", lr=1.0))
    assert run.outcome == "diverged"
    path = _path(run)
    directions = pca_directions(path)
    on_plane = path_on_plane(run.layout, "tanh", run.data, path, path[-1], directions, run.loss)
    for array in (
        directions.first,
        directions.second,
        directions.explained,
        on_plane.coords,
        on_plane.distance,
    ):
        assert np.all(np.isfinite(array))
    piece = loss_slice(
        run.layout, "tanh", run.data, path[-1], directions, path_window(on_plane.coords), points=9
    )
    assert not np.any(np.isnan(piece.loss))
