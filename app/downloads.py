"""The downloads: the view on screen as one offline HTML file, and every run as CSV (a network
view's too: its address names it whole, so both downloads read it from there)."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pandas as pd
from dash import no_update

from app.figures.network import kept_indices
from app.figures.views import MAX_POINTS
from app.links import decode, split_formula
from app.network_runs import NETWORK
from app.network_runs import run_labels as network_labels
from app.network_view import landscape_plane
from app.request import listed, text_of
from app.runs import config_to_dict, own_problem, run_labels, simulated, stored_configs
from app.viewstate import MAX_PINNED, view_flags
from engine import budget
from engine.catalog import DATA_SURFACES, has_data, problem_of
from engine.network import train_many
from engine.network.landscape import plane_loss, project

# Text cells a spreadsheet would read as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def html_download(search, current=None, pinned=None, upload=None, flags=None):
    """The view on screen as one offline HTML file; nothing when there is none.

    The address names a built-in view or a formula (surface=custom&formula=...) with its
    current run; the runs drawn (current-config, pinned) and, for uploaded data, the table and
    its columns come as the page's Stores, since neither pins of a formula nor data travel in
    a link.
    """
    # Imported here: app.export reads plotly.js's 4.8 MB text, only when asked.
    from app.export import export_html, export_view

    if not isinstance(search, str):
        return no_update
    try:
        surface = current.get("surface") if isinstance(current, dict) else None
        if surface in ("custom", "upload"):
            document = export_view(current, pinned, view_flags(flags)["lang"], formula_of(search), upload)
        else:
            document = export_html(search.lstrip("?"))
    except ValueError:
        return no_update
    return {"content": document, "filename": "descent-lab.html", "type": "text/html"}


def formula_of(search) -> dict | None:
    """The formula a view's address names (surface=custom&formula=...&x_range=...&y_range=...),
    as own_problem reads it; None when it names none."""
    return split_formula(text_of(search).lstrip("?"))[1]


def trajectories_csv(current, pinned, search=None, upload=None) -> str | None:
    """Every run on screen, one row per step, as CSV text.

    A formula's runs need the address that names it, uploaded data's the upload Store
    ({"table", "x", "y"}), a network view's the address alone (network_csv). Text cells are
    spreadsheet-safe (spreadsheet_text); a value a run cannot write as a number (it ran to
    infinity) is an empty cell.
    """
    if not current or not isinstance(current, dict):
        return None
    surface, problems = current.get("surface"), None
    if surface == NETWORK:
        return network_csv(search)
    if surface in ("custom", "upload"):
        try:
            problems = {surface: own_problem(surface, formula_of(search), upload)}
        except ValueError:
            return None
    pins, shown = stored_configs(listed(pinned)[:MAX_PINNED], problems), stored_configs([current], problems)
    if shown:  # the screen shows the pins on the current run's surface only
        pins = [c for c in pins if c.surface == shown[0].surface]
    configs = [*pins, *shown]
    if not configs:  # e.g. a stale current run from an older version: nothing to download
        return None
    try:
        budget.check(configs)
    except ValueError:  # never drawn: the main callback refuses the same runs
        return None
    labels = run_labels([config_to_dict(c) for c in configs])
    runs = [
        (
            [index + 1, spreadsheet_text(label), spreadsheet_text(_surface_words(problem_of(trajectory.config.surface)))],
            trajectory.to_frame(),
            [spreadsheet_text(trajectory.outcome)],
        )
        for index, (trajectory, label) in enumerate(zip(simulated(configs), labels, strict=True))
    ]
    return _csv_text(["run", "label", "surface"], runs, ["outcome"])


def network_csv(search) -> str | None:
    """The runs of the network view an address names, one row per run and iterate, as CSV text;
    None when it names none.

    Columns: run, label, dataset, step, epoch, lr and grad_norm (of the update from that
    iterate; empty on the last), train_loss and accuracy (classification only) at the iterate,
    and on the map's plane (app.network_view.landscape_plane) its coordinates alpha, beta, the
    slice's loss there (slice_loss) and the distance from the plane (empty for a run on another
    loss surface), then the outcome. A diverged run gets one more row, at the step it diverged
    at, with its numbers empty. The slice's loss is computed at the steps the map draws (all
    of them up to MAX_POINTS), so the CSV trains and evaluates no more than the view does.
    """
    state, _ = decode(text_of(search))
    view = state.network
    if view is None:
        return None
    runs = train_many(view.runs)
    centre, plane, shares = landscape_plane(runs, view.directions, view.direction_seed)
    labels = network_labels(list(view.runs))
    classify = any(run.accuracy is not None for run in runs)
    blocks = []
    for index, (run, label, shared) in enumerate(zip(runs, labels, shares, strict=True)):
        k = run.steps_taken
        rows = k + 1 + (run.diverged_at is not None)
        columns = {
            "step": np.arange(rows) if run.diverged_at is None else np.append(np.arange(k + 1), run.diverged_at),
            "epoch": _padded(run.epoch, rows),
            "lr": _padded(run.lr, rows),
            "train_loss": _padded(run.loss, rows),
            **({"accuracy": _padded([] if run.accuracy is None else run.accuracy, rows)} if classify else {}),
            "grad_norm": _padded(run.grad_norm, rows),
        }
        alpha = beta = height = distance = np.array([])
        if shared:
            coords, off = project(run.weights.astype(float), centre, plane)
            alpha, beta, distance = coords[:, 0], coords[:, 1], np.linalg.norm(off, axis=1)
            keep = kept_indices(len(coords), MAX_POINTS)
            # float32, as the map's slice (app.network_view): the same numbers it draws
            height = np.full(len(coords), np.nan)
            height[keep] = plane_loss(run.layout, run.config.activation, run.data, centre, plane, coords[keep], dtype=np.float32)
        columns |= {"alpha": _padded(alpha, rows), "beta": _padded(beta, rows), "slice_loss": _padded(height, rows), "distance_from_plane": _padded(distance, rows)}
        frame = pd.DataFrame(columns)
        frame["epoch"] = frame["epoch"].astype("Int64")
        blocks.append(([index + 1, spreadsheet_text(label), run.config.dataset], frame, [spreadsheet_text(run.outcome)]))
    return _csv_text(["run", "label", "dataset"], blocks, ["outcome"])


def _csv_text(leading: list[str], runs, trailing: list[str]) -> str:
    """CSV text of runs given as (leading text cells, frame of numbers, trailing text cells):
    the header, then one line per row of each frame. The text cells, the same on each of a
    run's rows, are written once per run, around its numbers (as pandas' to_csv would write
    the whole table, byte for byte)."""
    lines = []
    for before, frame, after in runs:
        if not lines:
            lines.append(_csv_cells([*leading, *frame.columns, *trailing]))
        head, tail = _csv_cells(before), _csv_cells(after)
        lines.extend(f"{head},{numbers},{tail}" for numbers in _number_lines(frame))
    return "".join(f"{line}\n" for line in lines)


def _number_lines(frame: pd.DataFrame):
    """The rows of a frame of numbers as CSV cells: each number as Python writes it (repr: the
    shortest text that reads back the same float, as pandas writes it), an integer column's
    as integers, and what is missing or not finite an empty cell.

    Written here rather than by pandas' to_csv, which formats through a string array per
    column: that took half the CPU of the heaviest download (40,005 rows, its runs kept)."""
    columns = []
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=float, na_value=np.nan)
        whole = pd.api.types.is_integer_dtype(frame[name].dtype)
        cell = (lambda v: str(int(v))) if whole else repr
        columns.append([cell(v) if math.isfinite(v) else "" for v in values.tolist()])
    return map(",".join, zip(*columns, strict=True))


def _csv_cells(cells) -> str:
    """Cells as one CSV line without its newline, quoted as pandas quotes them."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


def _padded(values, rows: int) -> pd.array:
    """values in the first cells of a column of rows, the rest empty; a number that is not
    finite is empty too (a spreadsheet reads no inf)."""
    out = np.full(rows, np.nan)
    values = np.asarray(values, dtype=float)[:rows]
    out[: len(values)] = values
    column = pd.array(out, dtype="Float64")
    column[~np.isfinite(out)] = pd.NA
    return column


def _surface_words(problem) -> str:
    """The surface a run descends, in a CSV cell: a built-in's name, an own formula as shown,
    uploaded data as the fit of its two columns."""
    if problem.name == "custom":
        return problem.formula
    if has_data(problem) and problem.name not in DATA_SURFACES:  # uploaded data
        return f"{problem.y_label} ≈ w·{problem.x_label} + b"
    return problem.name


def spreadsheet_text(text: str) -> str:
    """text as a CSV cell no spreadsheet runs: one starting like a formula (=, +, -, @, tab,
    CR) gets a leading single quote (OWASP's advice on CSV injection)."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
