"""docs/notebook.ipynb runs top to bottom in a fresh kernel and shows what its text says (issue 17).

The notebook is executed once (nbclient, the venv's python3 kernel, a timeout per cell) with
DESCENT_LAB_NOTEBOOK_TEST=1, which makes its last cell build the dashboard without starting a
server. The tests read the executed cells' outputs: the printed outcomes and the Plotly figures
(application/vnd.plotly.v1+json) a student sees inline.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebook.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"
CELL_TIMEOUT = 60  # seconds; the slowest cell (imports, or the dashboard's build) takes about 1


@pytest.fixture(scope="module")
def executed():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        # Run where Jupyter would: in the notebook's own folder.
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute(env={**os.environ, "DESCENT_LAB_NOTEBOOK_TEST": "1"})
    return notebook


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def cell_with(notebook, text: str):
    """The one code cell whose source contains text."""
    [cell] = [cell for cell in code_cells(notebook) if text in cell.source]
    return cell


def stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def figures(cell) -> list[dict]:
    return [o.data[PLOTLY] for o in cell.outputs if PLOTLY in o.get("data", {})]


def named(figure: dict) -> dict[str, dict]:
    return {trace["name"]: trace for trace in figure["data"] if trace.get("name")}


def test_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_every_cell_runs_without_errors_or_warnings(executed):
    for cell in code_cells(executed):
        assert cell.execution_count is not None
        bad = [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"]
        assert not bad, (cell.source[:60], bad)


def test_one_run_prints_its_outcome_and_final_loss(executed):
    text = stdout(cell_with(executed, "[run] = simulate_many"))
    assert "outcome: converged" in text
    final = float(re.search(r"final loss: (\S+) after 60 steps", text).group(1))
    assert 0 <= final < 1e-6  # the bowl's minimum is 0


def test_the_ladder_runs_from_too_slow_to_diverged(executed):
    cell = cell_with(executed, 'curve_figure("loss"')
    assert stdout(cell).split("\n")[:4] == [
        "lr 0.001: slow",
        "lr 0.081: converged",
        "lr 0.243: converged",
        "lr 0.729: diverged",
    ]
    [figure] = figures(cell)
    curves = named(figure)
    assert list(curves) == ["lr 0.001", "lr 0.081", "lr 0.243", "lr 0.729"]
    assert figure["layout"]["yaxis"]["type"] == "log"
    # Every converging run's curve covers all 80 steps; the diverged one stops early.
    for name in ("lr 0.001", "lr 0.081", "lr 0.243"):
        assert curves[name]["customdata"][-1] == 80
    assert 0 < curves["lr 0.729"]["customdata"][-1] < 80
    # The good rates end far below the slow one.
    assert curves["lr 0.243"]["y"][-1] < curves["lr 0.081"]["y"][-1] < curves["lr 0.001"]["y"][-1]


def test_the_map_draws_every_path_and_marks_the_diverged_exit(executed):
    [figure] = figures(cell_with(executed, "contour_figure("))
    assert figure["data"][0]["type"] == "contour"
    paths = named(figure)
    for name in ("lr 0.001", "lr 0.081", "lr 0.243"):
        assert len(paths[name]["x"]) == 81  # the start and 80 steps, all on the map
    assert 1 < len(paths["lr 0.729"]["x"]) < 10  # zig-zags outward and leaves within a few steps
    assert len(paths["exits"]["x"]) == 1


def test_the_lr_finder_suggests_a_rate_below_the_stability_limit(executed):
    cell = cell_with(executed, "lr_finder_figure(")
    found = re.search(r"suggested rate: (\S+)\nstability limit 2/λmax: (\S+)", stdout(cell))
    suggested, limit = float(found.group(1)), float(found.group(2))
    assert limit == pytest.approx(2 / 3, rel=1e-2)  # the bowl's λmax is 3
    assert 0 < suggested < limit
    [figure] = figures(cell)
    traces = named(figure)
    [star] = [t for name, t in traces.items() if name.startswith("suggested")]
    assert star["x"][0] == pytest.approx(suggested, rel=1e-2)
    # Below 2/λmax plain descent never diverges: every ×'s rate lies above it.
    assert traces["diverged"]["x"] and min(traces["diverged"]["x"]) > 2 / 3
    assert traces["converged"]["x"]


def test_the_torch_code_is_the_ladders_rate(executed):
    text = stdout(cell_with(executed, "torch_code("))
    assert "import torch" in text
    assert "torch.optim.SGD([params], lr=0.081)" in text
    compile(text, "run.py", "exec")  # a script a student can save and run


def test_the_dashboard_is_built_but_not_served_under_the_test(executed):
    cell = cell_with(executed, "create_app()")
    assert "dashboard built:" in stdout(cell)
    assert "server not started" in stdout(cell)
    assert not [o for o in cell.outputs if "text/html" in o.get("data", {})]  # no iframe
