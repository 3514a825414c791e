"""The page's wiring: which control feeds which callback. Each callback's body is a plain function
of the module named for its job (app.answers, app.viewmodel, app.navigation, app.explorers,
app.downloads, app.panels); nothing here computes.
"""

from __future__ import annotations

import json

import flask
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update

from app.answers import CACHE_HEADER, as_shown, cache_stats, main_outputs, path_patch, paths_only
from app.code_view import code_children
from app.downloads import html_download, trajectories_csv
from app.explorers import clicked_rate, explore_outputs, map_cell_target
from app.i18n import t
from app.layout import FOLLOWER_OF, FOLLOWERS, handed_on
from app.navigation import clicked_start, keep_view, navigation_target, pinned_after, with_view
from app.network_links import navigation_target as network_target
from app.network_page import (
    NETWORK,
    NETWORK_OUTPUTS,
    THIRD_VIEW_SWITCH,
    normalization_choices,
    panel_outputs,
)
from app.panels import chosen_params, upload_outputs
from app.request import PageRequest, dicts, request_fields
from app.security import debug_headers
from app.viewmodel import ERROR_SLOTS, lr_preview
from app.viewstate import view_flags
from engine import SURFACES
from engine.catalog import has_data

ERROR_IDS = {slot: f"{slot.split('_')[0]}-error" for slot in ERROR_SLOTS}

# The main callback's outputs, in the order app.answers computes them.
MAIN_OUTPUTS = (
    ("contour", "figure"),
    ("surface3d", "figure"),
    ("loss-graph", "figure"),
    ("lr-graph", "figure"),
    ("third-graph", "figure"),
    ("badges", "children"),
    ("formula", "children"),
    ("summary", "children"),
    ("current-config", "data"),
    ("url", "search"),
    ("notice", "children"),
    *((ERROR_IDS[slot], "children") for slot in ERROR_SLOTS),
    *NETWORK_OUTPUTS,
    ("contour-layer", "figure"),  # the map under the paths (app.figures.layers)
)
URL_SLOT = MAIN_OUTPUTS.index(("url", "search"))
LAYER_SLOT = MAIN_OUTPUTS.index(("contour-layer", "figure"))
# The texts a run seldom changes (the formula, the notice, the fields' messages): the main
# callback reads what the page holds and leaves an equal one as it is (app.answers.as_shown).
SHOWN_TEXTS = tuple(out for out in MAIN_OUTPUTS if out[1] == "children" and out[0] not in ("badges", "summary"))
CONFIG_SLOT = MAIN_OUTPUTS.index(("current-config", "data"))

FOLLOW_VIEW = (
    "function (view, config) {\n"
    f"  var to = {json.dumps(FOLLOWER_OF)}[view], skip = window.dash_clientside.no_update;\n"
    f"  return {json.dumps(list(FOLLOWERS))}.map(function (copy) {{ return copy === to ? config : skip; }});\n"
    "}"
)


# What the explorers and the Code view need besides the run: the surface, a lecturer's formula
# or uploaded data (own_problem_of reads them), and the page's language.
own_problem_states = (
    State("surface", "value"),
    State("formula-text", "value"),
    State("formula-x-range", "value"),
    State("formula-y-range", "value"),
    State("upload-data", "data"),
    State("upload-x", "value"),
    State("upload-y", "value"),
    State("view-flags", "data"),
)


def own_problem_of(surface, formula, x_range, y_range, table, upload_x, upload_y, flags) -> tuple:
    """(surface, formula fields, upload fields, language) from own_problem_states' values."""
    custom = {"formula": formula, "x_range": x_range, "y_range": y_range}
    upload = {"table": table, "x": upload_x, "y": upload_y}
    return surface, custom, upload, view_flags(flags)["lang"]


IN_LAYOUT = "answered_in_layout"  # the mark of a callback body whose first answer the layout holds


def answered_in_layout(app, *dependencies):
    """app.callback for a callback Dash would call as the page loads: the layout holds that
    first answer instead (app.factory.layout_answers), so it is prevent_initial_call and the
    first picture waits for no request and no re-render."""
    register = app.callback(*dependencies, prevent_initial_call=True)

    def mark(body):
        setattr(body, IN_LAYOUT, True)
        return register(body)

    return mark


def register(app) -> None:
    @app.server.after_request
    def cache_header(response):
        """Name whether the main callback's answer came from the memo: benchmarks/load.py counts
        the hit rate from it. The counts and the worker's pid only when debug headers are on."""
        state = flask.g.get("descent_cache")
        if state:
            response.headers[CACHE_HEADER] = state
            if debug_headers(app.server):
                stats = cache_stats()
                response.headers[CACHE_HEADER + "-Stats"] = f"hits={stats['hits']}; misses={stats['misses']}; pid={stats['pid']}"
        return response

    # The rate box and the log slider keep each other in step in the browser (assets/player.js,
    # syncRate). Sliding sets the rate: the main callback waits for that one. A typed rate moves
    # the slider from a callback without outputs, once the new run is drawn: had it an output,
    # every callback reading the rate would wait for it (~50-90 ms of a change, issue 16).
    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="slideRate"),
        Output("lr", "value"),
        Input("lr-slider", "value"),
        State("lr", "value"),
        State("lr-slider", "min"),
        State("lr-slider", "max"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="followRate"),
        Input("lr", "value"),
        State("lr-slider", "value"),
        State("lr-slider", "min"),
        State("lr-slider", "max"),
        prevent_initial_call=True,
    )

    # The page holds the chosen optimizer's and scheduler's parameter controls only: a new
    # choice builds its block. The main callback reads whichever controls are there (ALL).
    opt_param = {"type": "opt-param", "owner": ALL, "name": ALL}
    sched_param = {"type": "sched-param", "owner": ALL, "name": ALL}

    @answered_in_layout(
        app,
        Output("opt-params", "children"),
        Input("optimizer", "value"),
        State(opt_param, "value"),
        State(opt_param, "id"),
    )
    def show_optimizer_params(optimizer, values, ids):
        return chosen_params("opt-param", optimizer, values, ids)

    @answered_in_layout(
        app,
        Output("sched-params", "children"),
        Input("scheduler", "value"),
        State(sched_param, "value"),
        State(sched_param, "id"),
    )
    def show_scheduler_params(scheduler, values, ids):
        return chosen_params("sched-param", scheduler, values, ids)

    @answered_in_layout(
        app,
        Output("batch-size", "disabled"),
        Output("normalization", "options"),
        Output("data-only-reason", "children"),
        Output("curve-x-box", "hidden"),
        Input("surface", "value"),
        State("normalization", "options"),
        State("view-flags", "data"),
    )
    def data_controls(surface, options, flags=None):
        """Batch size, normalization and the curves' x axis (epochs, examples, time) apply to
        data only."""
        is_data = surface in ("upload", NETWORK) or (isinstance(surface, str) and has_data(SURFACES.get(surface)))
        lang = view_flags(flags)["lang"]
        # raw inputs x100 is the network's scaling only
        given = dicts(options)
        options = [{**o, "disabled": not is_data} for o in normalization_choices(surface, given, lang)] if given else no_update
        return not is_data, options, "" if is_data else t("only_data_fit", lang), not is_data

    # A lower view switched to gets the run drawn at once, in the browser (the main callback
    # hands each new run on to the view on screen: handed_on, FOLLOW_VIEW the same rule in JS).
    app.clientside_callback(
        FOLLOW_VIEW,
        *[Output(store, "data") for store in FOLLOWERS.values()],
        Input("lower-view", "value"),
        State("current-config", "data"),
        prevent_initial_call=True,
    )

    @answered_in_layout(
        app,
        Output("curves", "hidden"),
        Output("explore", "hidden"),
        Output("finder-graph", "figure"),
        Output("finder-graph", "style"),
        Output("map-graph", "figure"),
        Output("map-graph", "style"),
        Output("explore-second", "options"),
        Output("explore-second", "value"),
        Output("explore-note", "children"),
        Output("explore-bar", "style"),
        Input("lower-view", "value"),
        Input(FOLLOWERS["explore"], "data"),
        Input("explore-second", "value"),
        *own_problem_states,
    )
    def explore(view, current, second, *own):
        surface, custom, upload, lang = own_problem_of(*own)
        outputs = explore_outputs(view, current, second, surface, custom, upload, lang)
        # The "against" choice belongs to the stability map only; the Code view hides the curves too.
        return (outputs[0] or view == "code", *outputs[1:], {} if view == "map" else {"visibility": "hidden"})

    @answered_in_layout(
        app,
        Output("code-view", "children"),
        Output("code-view", "hidden"),
        Input("lower-view", "value"),
        Input(FOLLOWERS["code"], "data"),
        *own_problem_states,
    )
    def show_code(view, current, *own):
        """The Code view: written only while it is shown (a run changed elsewhere costs nothing)."""
        if view != "code":
            return no_update, True
        return code_children(current, *own_problem_of(*own)), False

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("lower-view", "value"),
        Input("explore-second", "value"),
        State("url", "search"),
        State("surface", "value"),
        prevent_initial_call=True,
    )
    def view_address(view, second, search, surface):
        """The view under the player travels in the link (view=, second=). The main callback
        writes the address from the run alone, so this writes the view's keys when the switch
        changes, and the main callback carries them over from the last address (keep_view).
        The network's address carries the view only: its map picks the second setting on the page."""
        return with_view(search, view, None if surface == NETWORK else second)

    @app.callback(
        Output("lr", "value", allow_duplicate=True),
        Input("finder-graph", "clickData"),
        prevent_initial_call=True,
    )
    def load_clicked_rate(click):
        """A point of the learning-rate finder loads its rate (its customdata)."""
        return clicked_rate(click)

    @app.callback(
        Output("navigate", "data", allow_duplicate=True),
        Input("map-graph", "clickData"),
        State("current-config", "data"),
        State("pinned", "data"),
        State("explore-second", "value"),
        State("view-flags", "data"),
        prevent_initial_call=True,
    )
    def load_clicked_cell(click, current, pinned, second, flags):
        """A cell of the stability map opens that rate and setting (a new link)."""
        return map_cell_target(click, current, pinned, second, flags)

    @answered_in_layout(
        app,
        Output("formula-controls", "hidden"),
        Output("upload-controls", "hidden"),
        Input("surface", "value"),
    )
    def own_surface_panels(surface):
        return surface != "custom", surface != "upload"

    @answered_in_layout(
        app,
        Output("network-controls", "hidden"),
        Output("network-output-box", "hidden"),
        Output("start-box", "hidden"),
        Output("batch-size", "options"),
        Input("surface", "value"),
        Input("dataset", "value"),
        State("view-flags", "data"),
    )
    def network_panels(surface, dataset, flags):
        return panel_outputs(surface, dataset, view_flags(flags)["lang"])

    # The third graph's switch on the network: in the browser, from the figures the main
    # callback sent (so a click costs no request).
    app.clientside_callback(
        THIRD_VIEW_SWITCH,
        Output("third-graph", "figure", allow_duplicate=True),
        Output("third-view", "value"),
        Output("third-view-hint", "hidden"),
        Output("third-view", "options"),
        Output("third-view-box", "hidden"),
        Input("network-third", "data"),
        Input("third-view", "value"),
        prevent_initial_call="initial_duplicate",
    )

    @app.callback(
        Output("upload-data", "data"),
        Output("upload-x", "options"),
        Output("upload-x", "value"),
        Output("upload-y", "options"),
        Output("upload-y", "value"),
        Output("upload-notes", "children"),
        Output("upload-error", "children", allow_duplicate=True),
        Input("upload-file", "contents"),
        State("upload-file", "filename"),
        prevent_initial_call=True,
    )
    def receive_upload(contents, filename):
        return upload_outputs(contents, filename)

    @app.callback(
        Output("start-x", "value"),
        Output("start-y", "value"),
        Input("contour", "clickData"),
        Input("surface", "value"),
        Input("normalization", "value"),
        prevent_initial_call=True,
    )
    def start_from_click(click, _surface, _normalization):
        """A click on the map starts the descent there; a new surface starts at its default."""
        if ctx.triggered_id != "contour":
            return None, None
        return clicked_start(click)

    @app.callback(
        Output("pinned", "data"),
        Input("pin", "n_clicks"),
        Input("clear-pins", "n_clicks"),
        State("current-config", "data"),
        State("pinned", "data"),
        prevent_initial_call=True,
    )
    def pin_run(_pin, _clear, current, pinned):
        if ctx.triggered_id == "clear-pins":
            return []
        return pinned_after(current, pinned)

    @answered_in_layout(
        app,
        Output("lr-preview", "figure"),
        Input("scheduler", "value"),
        Input("lr", "value"),
        Input("steps", "value"),
        Input({"type": "sched-param", "owner": ALL, "name": ALL}, "value"),
        State({"type": "sched-param", "owner": ALL, "name": ALL}, "id"),
    )
    def preview(scheduler, lr, steps, sched_values, sched_ids):
        return lr_preview(scheduler, lr, steps, sched_values, sched_ids)

    @app.callback(
        Output("navigate", "data"),
        Input("preset", "value"),
        Input("lang", "value"),
        State("url", "search"),
        State("view-flags", "data"),
        prevent_initial_call=True,
    )
    def navigate(preset, lang, search, flags):
        """A lesson or a language is a new page: reload it from its URL."""
        network = network_target(ctx.triggered_id, preset, lang, search, flags)
        return network if network is not None else navigation_target(ctx.triggered_id, preset, lang, search, flags)

    # A new map figure (the page's first, a change's): the player takes its runs (assets/player.js)
    # and the maps row its width (assets/maps.js; several maps side by side take more of it). One
    # callback for both: each callback a change sets off costs the renderer several updates of
    # its whole store (issue 16).
    app.clientside_callback(
        "function (figure) { window.dash_clientside.player.load(figure); return window.dash_clientside.maps.rowClass(figure); }",
        Output("maps", "className"),
        Input("contour", "figure"),
    )

    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="go"),
        Output("navigated", "data"),
        Input("navigate", "data"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ClientsideFunction(namespace="player", function_name="href"),
        Output("copy-link", "content"),
        Input("copy-link", "n_clicks"),
        prevent_initial_call=True,
    )

    # Both downloads export the runs drawn: the address names a built-in view or a formula;
    # the Stores hold the runs and uploaded data, which no link carries.
    download_states = (
        State("url", "search"),
        State("current-config", "data"),
        State("pinned", "data"),
        State("upload-data", "data"),
        State("upload-x", "value"),
        State("upload-y", "value"),
        State("view-flags", "data"),
    )

    @app.callback(
        Output("html-download", "data"),
        Input("html-button", "n_clicks"),
        *download_states,
        prevent_initial_call=True,
    )
    def download_html(_clicks, search, current, pinned, table, upload_x, upload_y, flags):
        """The view on screen as one self-contained HTML file (the same as `python -m app.export`)."""
        return html_download(search, current, pinned, {"table": table, "x": upload_x, "y": upload_y}, flags)

    @app.callback(
        Output("csv-download", "data"),
        Input("csv-button", "n_clicks"),
        *download_states,
        prevent_initial_call=True,
    )
    def download_csv(_clicks, search, current, pinned, table, upload_x, upload_y, _flags):
        text = trajectories_csv(current, pinned, search, {"table": table, "x": upload_x, "y": upload_y})
        if text is None:
            return no_update
        return {"content": text, "filename": "descent-lab-runs.csv", "type": "text/csv"}

    # The main callback: every run setting in, every view out. Each input is named for the
    # PageRequest field it fills, so the list is written here only.
    request_inputs = {
        "surface": Input("surface", "value"),
        "optimizer": Input("optimizer", "value"),
        "lr": Input("lr", "value"),
        "scheduler": Input("scheduler", "value"),
        "batch_size": Input("batch-size", "value"),
        "normalization": Input("normalization", "value"),
        "steps": Input("steps", "value"),
        "seed": Input("seed", "value"),
        "start_x": Input("start-x", "value"),
        "start_y": Input("start-y", "value"),
        "opt_values": Input(opt_param, "value"),
        "sched_values": Input(sched_param, "value"),
        "pinned": Input("pinned", "data"),
        "formula": Input("formula-text", "value"),
        "x_range": Input("formula-x-range", "value"),
        "y_range": Input("formula-y-range", "value"),
        "table": Input("upload-data", "data"),
        "upload_x": Input("upload-x", "value"),
        "upload_y": Input("upload-y", "value"),
        "curve_x": Input("curve-x", "value"),
        "dataset": Input("dataset", "value"),
        "hidden": Input("hidden", "value"),
        "activation": Input("activation", "value"),
        "directions": Input("directions", "value"),
        "direction_seed": Input("direction-seed", "value"),
    }
    request_states = {
        "opt_ids": State(opt_param, "id"),
        "sched_ids": State(sched_param, "id"),
        "flags": State("view-flags", "data"),
    }
    assert set(request_inputs) | set(request_states) == set(request_fields())

    @app.callback(
        output=[
            *[Output(component, prop) for component, prop in MAIN_OUTPUTS],
            # the run drawn, to the lower view on screen (handed_on; FOLLOW_VIEW on a switch)
            *[Output(store, "data", allow_duplicate=True) for store in FOLLOWERS.values()],
        ],
        inputs=request_inputs,
        state={
            **request_states,
            # what the page shows: the run drawn, the address, the texts (app.answers.as_shown)
            "last_config": State("current-config", "data"),
            "last_search": State("url", "search"),
            "shown": [State(component, prop) for component, prop in SHOWN_TEXTS],
            "view": State("lower-view", "value"),
        },
        # The page arrives with this callback's first answer in it (app.factory.first_answer).
        prevent_initial_call=True,
    )
    def recompute(last_config=None, last_search=None, shown=None, view=None, **values):
        answer, hit = main_outputs.answer(PageRequest(**values))
        if flask.has_request_context():
            flask.g.descent_cache = "hit" if hit else "miss"
        outputs, config = answer
        outputs = list(outputs)  # the memo's answer stays as it is
        if values["surface"] != NETWORK:  # the lower view stays in the address (view_address)
            outputs[URL_SLOT] = keep_view(outputs[URL_SLOT], last_search)
        if config is not None and paths_only(ctx.triggered_prop_ids, last_config, config, values["surface"]):
            # the map under the paths stays as drawn
            outputs[0], outputs[1] = path_patch(outputs[0], contour=True), path_patch(outputs[1], contour=False)
            outputs[LAYER_SLOT] = no_update
        outputs = as_shown(outputs, MAIN_OUTPUTS, dict(zip(SHOWN_TEXTS, shown or (), strict=False)), last_config, values)
        return (*outputs, *handed_on(view, outputs[CONFIG_SLOT]))
