"""The network view: from the runs' NetworkConfigs to every figure the page shows of a real
network, and the small facts beside them (no Dash imports, nothing cached).

`network_views(configs)` trains every run at once (engine.network.train_many), takes the plane
of the landscape from the current run (configs[0]): the principal directions of its path
w_t − w_final (loss-landscape's setup_PCA_directions) or two seeded filter-normalized random
directions; slices the loss over that plane around the centre (the final weights); projects
every run that shares the current run's loss surface onto the plane (same data, scaling and
architecture: any other run has another loss over other weights, so it stays off the map and a
note says so); and records along the current run's path the true loss beside the slice's loss
at the projected point and the distance from the plane, which the map cannot show. The
network's output (decision boundary or fitted curve) is kept at up to MAX_FRAMES steps for
playback. `wire_views` puts the figures into their wire form.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.figures.maps import whole_path_slots
from app.figures.network import (
    CurveSeries,
    PlanePath,
    compact_figure,
    honesty_figure,
    kept_indices,
    landscape_map_figure,
    landscape_surface_figure,
    network_curve_figure,
    output_figure,
)
from app.figures.style import MAX_RUNS, PALETTE
from app.figures.views import MAX_POINTS
from app.i18n import t
from engine.network import (
    NetworkConfig,
    loss_slice,
    output_frames,
    path_window,
    pca_directions,
    random_directions,
    reference_loss,
    train_many,
)
from engine.network.landscape import (
    RANDOM_SPAN,
    SLICE_POINTS,
    PathOnPlane,
    plane_loss,
    project,
    random_window,
)

# Playback frames of the network's output: enough for smooth playback, few enough to send.
MAX_FRAMES = 60
# Grid points per side of a decision-boundary frame: a third of the engine's 60 x 60 work per
# frame, and still several points across the spiral's narrowest gap between arms.
OUTPUT_POINTS = 40
DIRECTIONS = ("pca", "random")
FIGURES = ("map", "surface3d", "output", "loss", "accuracy", "lr", "grad_norm", "honesty")


def network_views(
    configs: Sequence[NetworkConfig],
    *,
    directions: str = "pca",
    direction_seed: int = 0,
    centre: str | int = "final",
    lang: str = "en",
    labels: Sequence[str] | None = None,
    x_axis: str = "iteration",
) -> dict:
    """Every figure of the network view (module docstring) and what the page says beside them.

    configs: up to MAX_RUNS runs, the current one first. directions: "pca" or "random" (seeded
    by direction_seed). centre: "final" (the final weights) or a step of the current run.
    labels: each run's name (default: optimizer and rate). x_axis: the curves' (curves.X_AXES).

    Returns {"map", "surface3d", "output", "loss", "accuracy" (None for regression), "lr",
    "grad_norm", "honesty": figure dicts; "runs": per run {"label", "colour", "outcome",
    "diverged_at", "steps_taken", "final_loss", "final_accuracy", "on_map"}; "notes": sentences
    for the page; "directions": {"kind", "explained"}; "frame_steps"; "task"}.
    """
    configs = list(configs)
    if not 1 <= len(configs) <= MAX_RUNS:
        raise ValueError(f"configs: expected 1 to {MAX_RUNS} runs, got {len(configs)}")
    if directions not in DIRECTIONS:
        raise ValueError(f"directions = {directions!r} is not allowed: expected one of {', '.join(DIRECTIONS)}")
    labels = list(labels) if labels is not None else [f"{c.optimizer}, lr {c.lr:g}" for c in configs]
    colours = list(PALETTE[: len(configs)])
    runs = train_many(configs)
    current = runs[0]
    layout, activation, data = current.layout, current.config.activation, current.data
    centre_weights, plane, shares = landscape_plane(runs, directions, direction_seed, centre)

    # Each run on the plane, thinned to what a screen shows (the current run's honesty figure too).
    kept = {i: kept_indices(len(run.weights), MAX_POINTS) for i, run in enumerate(runs) if shares[i]}
    projected = {i: project(runs[i].weights[kept[i]].astype(float), centre_weights, plane) for i in kept}
    window = _window(
        [projected[i][0] for i in kept if i == 0 or runs[i].diverged_at is None], plane.kind
    )
    slice_ = loss_slice(layout, activation, data, centre_weights, plane, window)
    plane_paths: list[PlanePath | None] = []
    honest = None
    for i in range(len(runs)):
        if i not in kept:
            plane_paths.append(None)
            continue
        coords, off = projected[i]
        steps = kept[i]
        if i > 0 and runs[i].diverged_at is not None:
            steps, coords = _cut_at_exit(steps, coords, window)
        # float32, as the slice itself: the two losses the honesty figure sets side by side
        height = plane_loss(layout, activation, data, centre_weights, plane, coords, dtype=np.float32)
        plane_paths.append(PlanePath(labels[i], colours[i], steps, coords, height))
        if i == 0:
            honest = PathOnPlane(coords, np.linalg.norm(off, axis=1), current.loss[steps], height)

    frame_steps, outputs = _output_frames(runs)
    series = {kind: [_series(run, kind, labels[i], colours[i]) for i, run in enumerate(runs)] for kind in ("loss", "lr", "grad_norm")}
    classify = data.task == "classification"
    reference = reference_loss(current.config.dataset, current.config.data_seed, current.config.hidden, activation)
    views = {
        "map": landscape_map_figure(slice_, plane_paths, lang),
        "surface3d": landscape_surface_figure(slice_, plane_paths, lang),
        "output": output_figure(data, frame_steps, outputs, colours, labels, lang),
        "loss": network_curve_figure("loss", series["loss"], lang, x_axis, reference=reference),
        "accuracy": (
            network_curve_figure(
                "accuracy",
                [_series(run, "accuracy", labels[i], colours[i]) for i, run in enumerate(runs) if run.accuracy is not None],
                lang,
                x_axis,
            )
            if classify
            else None
        ),
        "lr": network_curve_figure("lr", series["lr"], lang, x_axis),
        "grad_norm": network_curve_figure("grad_norm", series["grad_norm"], lang, x_axis),
        "honesty": honesty_figure(plane_paths[0].steps, honest, colours[0], lang),
    }
    views["runs"] = [
        {
            "label": labels[i],
            "colour": colours[i],
            "outcome": run.outcome,
            "diverged_at": run.diverged_at,
            "steps_taken": run.steps_taken,
            "final_loss": run.final_loss,
            "final_accuracy": None if run.accuracy is None else float(run.accuracy[-1]),
            "on_map": shares[i],
        }
        for i, run in enumerate(runs)
    ]
    views["notes"] = _notes(runs, labels, shares, honest, lang)
    views["directions"] = {
        "kind": plane.kind,
        "explained": None if plane.explained is None else [float(share) for share in plane.explained],
    }
    views["frame_steps"] = frame_steps
    views["task"] = data.task
    return views


def landscape_plane(runs, directions: str = "pca", direction_seed: int = 0, centre: str | int = "final"):
    """The plane of the landscape, from the current run (runs[0]): (the centre weights, the two
    directions, per run whether it shares the current run's loss surface and so lies on it).
    app.downloads' CSV reads the same plane as the map."""
    current = runs[0]
    centre_weights = _centre_weights(current, centre)
    plane = (
        pca_directions(current.weights.astype(float))
        if directions == "pca"
        else random_directions(current.layout, centre_weights, direction_seed)
    )
    return centre_weights, plane, [_same_surface(current.config, run.config) for run in runs]


def wire_views(views: dict) -> dict:
    """The views with every figure in its wire form (typed arrays, strict JSON); the map's whole
    paths stay lists, as the surfaces' maps (the player and tests read them from gd.data)."""
    out = dict(views)
    for key in FIGURES:
        if views.get(key) is not None:
            out[key] = compact_figure(views[key], plain=whole_path_slots() if key == "map" else ())
    return out


def _centre_weights(run, centre: str | int) -> np.ndarray:
    if centre == "final":
        return run.final_weights
    if isinstance(centre, bool) or not isinstance(centre, int | np.integer) or not 0 <= centre < len(run.weights):
        raise ValueError(
            f"centre = {centre!r} is not allowed: expected 'final' or a step from 0 to {len(run.weights) - 1}"
        )
    return run.weights[int(centre)].astype(float)


def _same_surface(current: NetworkConfig, other: NetworkConfig) -> bool:
    """Whether other's loss is the same function of the same weights as current's: same data,
    input scaling and architecture (the optimizer, rate, batches and seed may differ)."""
    return (other.dataset, other.data_seed, other.normalization, other.hidden, other.activation) == (
        current.dataset,
        current.data_seed,
        current.normalization,
        current.hidden,
        current.activation,
    )


def _window(point_sets: list[np.ndarray], kind: str):
    """The slice's window: around the paths (PCA), or loss-landscape's [−1, 1]² for random
    directions (widened, still centred, if a path reaches beyond it); with the centre (0, 0)
    on a grid node, so the map's value there is the loss at the centre weights."""
    points = np.vstack(point_sets)
    if kind == "random":
        reach = float(np.max(np.abs(points))) * 1.25 if len(points) else 0.0
        return random_window(max(RANDOM_SPAN, reach))
    return tuple(_through_zero(low, high, SLICE_POINTS) for low, high in path_window(points))


def _through_zero(low: float, high: float, points: int) -> tuple[float, float]:
    """low..high shifted by under half a grid step so that 0 is one of its grid nodes."""
    step = (high - low) / (points - 1)
    start = -step * round(-low / step)
    return start, start + (points - 1) * step


def _cut_at_exit(steps: np.ndarray, coords: np.ndarray, window) -> tuple[np.ndarray, np.ndarray]:
    """A diverged run's path up to the first point outside the window (so it runs off the edge)."""
    (a0, a1), (b0, b1) = window
    outside = (coords[:, 0] < a0) | (coords[:, 0] > a1) | (coords[:, 1] < b0) | (coords[:, 1] > b1)
    if not outside.any():
        return steps, coords
    end = int(np.argmax(outside)) + 1
    return steps[:end], coords[:end]


def _output_frames(runs) -> tuple[list[int], list]:
    """Frame steps (at most MAX_FRAMES, evenly spread to the last step of any run) and per run
    its output there: the current run's decision boundary, or every house-price run's fitted
    curve (drawn in raw units, so runs of any scaling or architecture share the picture)."""
    current = runs[0]
    data = current.data
    if data.task == "classification":
        chosen = [0]
    else:
        chosen = [i for i, run in enumerate(runs) if (run.config.dataset, run.config.data_seed) == (current.config.dataset, current.config.data_seed)]
    last = max(len(runs[i].weights) - 1 for i in chosen)
    frame_steps = np.unique(np.rint(np.linspace(0, last, min(MAX_FRAMES, last + 1))).astype(int))
    outputs = [None] * len(runs)
    for i in chosen:
        run = runs[i]
        # a run that stopped early holds its last iterate
        steps = np.minimum(frame_steps, len(run.weights) - 1)
        points = OUTPUT_POINTS if data.task == "classification" else None
        outputs[i] = output_frames(run.layout, run.config.activation, run.data, run.weights, steps, points=points)
    return [int(s) for s in frame_steps], outputs


def _series(run, kind: str, label: str, colour: str) -> CurveSeries:
    """One run's curve of kind: loss and accuracy at each iterate, rate and gradient size at
    each update; thinned to MAX_POINTS."""
    values = {"loss": run.loss, "accuracy": run.accuracy, "lr": run.lr, "grad_norm": run.grad_norm}[kind]
    keep = kept_indices(len(values), MAX_POINTS)
    n = run.data.n
    return CurveSeries(
        label,
        colour,
        keep,
        np.asarray(values, dtype=float)[keep],
        steps_per_epoch=run.steps_per_epoch,
        batch_size=n if run.config.full_batch else int(run.config.batch_size),
        examples=n,
    )


def _notes(runs, labels, shares, honest: PathOnPlane, lang: str) -> list[str]:
    notes = []
    for label, run, shared in zip(labels, runs, shares, strict=True):
        if not shared:
            notes.append(t("network_off_map", lang, label=label))
        if run.diverged_at is not None:
            notes.append(t("network_diverged_note", lang, label=label, step=run.diverged_at))
    notes.append(t("network_plane_note", lang, distance=float(np.max(honest.distance))))
    return notes
