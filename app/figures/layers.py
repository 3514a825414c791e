"""The map drawn in two graphs: the contour alone in a layer under the paths.

A change of rate or optimizer moves the paths, not the map; but Plotly redraws every trace of
a graph it is given, and the filled contour is the dearest of them (about half of the map's
redraw). So the page holds two graphs in one place (app.layout, assets/maps.js): the layer,
which draws only the map's contour traces and is sent only with a new map, and over it the
paths graph (still id "contour": the player and the patches address its slots), whose
contour traces are empty stand-ins at the same indices and whose plot is transparent.

Both get the same layout, so both plots cover the same pixels with the same ranges: the
layer's tick labels and titles are switched off (with automargin off they take no room), and
assets/maps.js gives the layer the paths graph's ranges after each zoom or redraw. A click
on the map names its point through Plotly's clickanywhere (the contour under the cursor no
longer catches it).
"""

from __future__ import annotations

from app.figures.style import empty_trace

# The plot's white ground moves to the layer; the paths graph lets it show through.
CLEAR = "rgba(0,0,0,0)"


def is_map_trace(trace: dict) -> bool:
    return trace.get("type") == "contour"


def map_layers(figure: dict) -> tuple[dict, dict]:
    """(paths, layer): the figure with its contour traces as empty stand-ins, and a figure of
    those contour traces alone with the same plot geometry."""
    data = figure["data"]
    paths_data = [_stand_in(trace) if is_map_trace(trace) else trace for trace in data]
    layout = figure["layout"]
    paths_layout = {**layout, "plot_bgcolor": CLEAR, "clickanywhere": True}
    return {"data": paths_data, "layout": paths_layout}, {
        "data": [trace for trace in data if is_map_trace(trace)],
        "layout": _layer_layout(layout),
    }


def empty_layer() -> dict:
    """The layer under a map that draws its own contour: the network's landscape, a new slice
    with every run (so nothing to keep), whose hover reads the loss at the cursor."""
    hidden = {"visible": False}
    return {"data": [], "layout": {"xaxis": hidden, "yaxis": hidden, "paper_bgcolor": CLEAR, "plot_bgcolor": CLEAR}}


def _stand_in(trace: dict) -> dict:
    axes = {key: trace[key] for key in ("xaxis", "yaxis") if key in trace}
    # shown, though empty: it keeps its subplot's axes in the paths graph
    return empty_trace(name=trace.get("name", ""), visible=True, **axes)


def _layer_layout(layout: dict) -> dict:
    """The paths graph's layout without what the paths graph draws over it (titles, tick
    labels, panel labels) and without interaction: the layer only shows."""
    quiet = {key: value for key, value in layout.items() if key not in ("title", "annotations", "shapes", "images")}
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            quiet[key] = {**axis, "title": {"text": ""}, "showticklabels": False, "automargin": False}
    return {**quiet, "hovermode": False, "dragmode": False, "showlegend": False}
