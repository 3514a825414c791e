"""The learning-rate finder and stability map as the page shows them, and their clicks."""

import json
from urllib.parse import parse_qs, urlsplit

from app.explorers import explore_outputs, map_cell_target
from app.runs import config_to_dict
from engine import RunConfig
from engine.explore import lr_finder


def test_finder_shows_for_the_run_on_screen_and_hides_the_curves():
    current = config_to_dict(RunConfig(surface="bowl", lr=0.1))
    curves_hidden, explore_hidden, figure, style, *_ = explore_outputs("finder", current, None, "bowl", {}, {}, "en")
    assert curves_hidden and not explore_hidden and style == {}
    json.dumps(figure, allow_nan=False)
    rates = [p for trace in figure["data"] for p in (trace.get("customdata") or [])]
    assert len(rates) >= 60  # one point per rate, each carrying its rate for a click


def test_curves_view_computes_nothing():
    current = config_to_dict(RunConfig())
    out = explore_outputs("curves", current, None, "bowl", {}, {}, "en")
    assert out[0] is False and out[1] is True


def test_map_offers_only_settings_that_apply_and_says_so_otherwise():
    plain = config_to_dict(RunConfig(surface="bowl", optimizer="sgd"))
    *_, options, value, note = explore_outputs("map", plain, None, "bowl", {}, {}, "en")
    assert options == [] and value is None and "momentum" in note.lower()
    heavy = config_to_dict(RunConfig(surface="bowl", optimizer="momentum", lr=0.05))
    out = explore_outputs("map", heavy, None, "bowl", {}, {}, "en")
    figure, options, value = out[4], out[6], out[7]
    assert value == "momentum" and "momentum" in [o["value"] for o in options]
    json.dumps(figure, allow_nan=False)


def test_clicking_a_map_cell_opens_that_rate_and_momentum():
    current = config_to_dict(RunConfig(surface="bowl", optimizer="momentum", lr=0.05))
    click = {"points": [{"customdata": [0.3, 0.5]}]}
    target = map_cell_target(click, current, [], "momentum", {"lang": "ko"})
    query = parse_qs(urlsplit(target).query)
    assert query["lr"] == ["0.3"] and query["momentum"] == ["0.5"] and query["lang"] == ["ko"]


def test_finder_suggests_a_stable_rate_on_the_bowl():
    sweep = lr_finder(RunConfig(surface="bowl"))
    assert sweep.suggested_rate is not None and sweep.suggested_rate < sweep.stability_limit


def test_offline_html_download_is_the_export_of_the_link_on_screen():
    from app.downloads import html_download
    from app.export import export_html

    download = html_download("?preset=divergence&lang=ko")
    assert download["filename"].endswith(".html")
    assert download["content"] == export_html("preset=divergence&lang=ko")
    assert "발산" in download["content"] and "Plotly" in download["content"]
