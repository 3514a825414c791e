"""Shared look of every figure: the run slots, colours, font and the base layout."""

from __future__ import annotations

MAX_RUNS = 4
# Okabe–Ito colours: told apart by every common form of colour blindness.
PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7")
# Low loss pale, high loss blue (YlGnBu's lighter three quarters): the dark gradient arrow, the
# white star of the minimum and every run colour stay visible where the runs end, near a minimum.
MAP_COLOURS = [
    [0.0, "#ffffd9"],
    [0.2, "#edf8b1"],
    [0.4, "#c7e9b4"],
    [0.6, "#7fcdbb"],
    [0.8, "#41b6c4"],
    [1.0, "#1d91c0"],
]
CONTOUR_LINES = "rgba(31,41,51,0.22)"
FONT = {"family": "Inter, 'Noto Sans KR', system-ui, sans-serif", "size": 15, "color": "#1f2933"}
EXIT_SYMBOL = "x"
# A white halo behind words drawn on the map, where paths may run through them
TEXT_HALO = "1px 1px 0 #fff, -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 0 0 4px #fff"
GRADIENT_ARROW = "#1f2933"
UPDATE_ARROW = "#E69F00"
BATCH_ARROW = "#CC79A7"
SHORTEST_ARROW = 0.01  # of the window's diagonal: a shorter arrow would be all head


def empty_trace(kind: str = "scatter", **extra) -> dict:
    """A trace that holds a run slot's place and draws nothing. Hidden, so that Plotly skips
    its defaults and its drawing on every redraw (a change redraws ~30 of them, issue 16)."""
    return {"type": kind, "x": [], "y": [], "visible": False, "showlegend": False, "hoverinfo": "skip", **extra}


def base_layout(title: str, lang: str) -> dict:
    return {
        "title": {"text": title, "x": 0.02, "y": 0.98, "font": {"size": 17}},
        "font": FONT,
        "margin": {"l": 60, "r": 16, "t": 40, "b": 48},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
        # The player reads the run slots from here (assets/player.js), not from a copy.
        "meta": {"lang": lang, "runs": MAX_RUNS},
    }

