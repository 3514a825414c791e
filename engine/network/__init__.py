"""A small real network for Descent Lab: toy data, an MLP in NumPy, training with the engine's
optimizers and schedules, its loss landscape and outcome labels. NumPy only (no Dash).

    from engine.network import NetworkConfig, train, pca_directions, loss_slice, path_window
    run = train(NetworkConfig(dataset="moons", hidden=(16, 16), optimizer="adam", lr=0.01))
    run.loss[-1], run.accuracy[-1], run.outcome
    path = run.weights.astype(float)
    directions = pca_directions(path)            # directions.explained: [PC1, PC2] ratios
"""

from engine.network.data import DATASETS, NETWORK_NORMALIZATIONS, Dataset, make_dataset
from engine.network.landscape import (
    Directions,
    loss_slice,
    output_frames,
    path_on_plane,
    path_window,
    pca_directions,
    random_directions,
    random_window,
)
from engine.network.mlp import ACTIVATIONS, Layout, forward, init_params, loss_and_grad
from engine.network.train import NetworkConfig, NetworkRun, reference_loss, train, train_many

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "NETWORK_NORMALIZATIONS",
    "Dataset",
    "Directions",
    "Layout",
    "NetworkConfig",
    "NetworkRun",
    "forward",
    "init_params",
    "loss_and_grad",
    "loss_slice",
    "make_dataset",
    "output_frames",
    "path_on_plane",
    "path_window",
    "pca_directions",
    "random_directions",
    "random_window",
    "reference_loss",
    "train",
    "train_many",
]
