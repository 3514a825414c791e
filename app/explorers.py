"""The explorers under the curves: the learning-rate finder and the stability map for the run on
screen, and what a click on either loads."""

from __future__ import annotations

from dash import no_update

from app import explore_figures
from app.i18n import t
from app.links import encode
from app.network_page import NETWORK, network_cell_link, network_explore_outputs
from app.request import clicked_point, number, page_lang
from app.runs import config_from_dict, own_problem, stored_configs
from app.viewstate import MAX_PINNED, ViewState, view_flags
from engine.explore import (
    at_rate,
    current_setting,
    lr_finder,
    second_settings,
    stability_map,
    with_second,
)


def explore_outputs(view, current, second, surface, custom, upload, lang):
    """The learning-rate finder or the stability map for the run on screen."""
    hide, show = {"display": "none"}, {}
    lang = page_lang(lang)
    if view not in ("finder", "map") or not current or not isinstance(current, dict):
        return False, True, no_update, hide, no_update, hide, no_update, no_update, ""
    if current.get("surface") == NETWORK:  # a real network: engine.network.explore
        return network_explore_outputs(view, current, second, lang)
    try:
        problem = own_problem(surface, custom, upload)
        config = config_from_dict(current, {surface: problem} if problem is not None else None)
    except (ValueError, TypeError):
        return False, True, no_update, hide, no_update, hide, no_update, no_update, ""
    if view == "finder":
        sweep = lr_finder(config)
        figure = explore_figures.lr_finder_figure(sweep, config.lr, lang)
        return True, False, figure, show, no_update, hide, no_update, no_update, ""
    choices = second_settings(config)
    options = [{"label": explore_figures.second_label(c, config.scheduler, lang), "value": c} for c in choices]
    if not choices:
        return True, False, no_update, hide, no_update, hide, [], None, t("no_second", lang)
    second = second if second in choices else choices[0]
    smap = stability_map(config, second)
    figure = explore_figures.stability_map_figure(smap, config.lr, current_setting(config, second), lang)
    return True, False, no_update, hide, figure, show, options, second, ""


def map_cell_target(click, current, pinned, second, flags):
    """The link of a clicked stability-map cell: the same view at that rate and setting.

    A point's customdata is [learning rate, value of the second setting]. dcc.Graph passes
    customdata on only for points numbered by one index, so a heatmap cell (numbered [row,
    column]) arrives without it: its x and y are the rate and the value. The second setting
    must be one the run on screen offers.
    """
    point = clicked_point(click)
    if point is None:
        return no_update
    cell = point.get("customdata") if "customdata" in point else [point.get("x"), point.get("y")]
    if not isinstance(cell, list) or len(cell) != 2:
        return no_update
    rate, value = map(number, cell)
    if rate is None or value is None:
        return no_update
    if isinstance(current, dict) and current.get("surface") == NETWORK:
        return network_cell_link(rate, value, current, pinned, second, flags) or no_update
    try:
        config = config_from_dict(current)
    except (TypeError, ValueError):
        return no_update  # own formulas and data cannot travel in a link
    if second not in second_settings(config):
        return no_update
    try:
        config = with_second(at_rate(config, rate), second, value)
    except ValueError:  # e.g. a rate or value outside what a run allows
        return no_update
    flags = view_flags(flags)
    pins = stored_configs(pinned)
    # The new page opens on the same map, against the same second setting.
    state = ViewState(
        current=config, pinned=tuple(pins[:MAX_PINNED]), lang=flags["lang"], embed=flags["embed"],
        lower_view="map", second=second,
    )  # fmt: skip
    query = encode(state)
    return f"/?{query}" if query else "/"


def clicked_rate(click):
    """The learning rate of a clicked learning-rate-finder point (its customdata), or no update."""
    point = clicked_point(click)
    rate = number(point.get("customdata")) if point is not None else None
    return no_update if rate is None else rate
