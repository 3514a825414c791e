"""Export a view as one self-contained HTML file that plays offline (no server, no network).

    python -m app.export "preset=overshooting&lang=ko" -o lesson.html

The file inlines the page's plotly.js (app/vendor), its CSS and the same player
(assets/player.js) the app uses, with the figures the server would send: opened from disk it
animates the same synchronized runs, driven by the same buttons and keys. A formula's link
exports its formula, a network view's link the network's figures (its output stepped by the
player); the page's download also passes the runs drawn and any uploaded data (export_view).
"""

from __future__ import annotations

import argparse
import html as html_text
import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl

from app.assets import ASSETS
from app.i18n import t
from app.lessons import LESSONS, NETWORK_LESSONS, lesson_text
from app.links import MAX_QUERY_CHARS, decode, split_formula
from app.network_page import badges, drawn_views, summary, third_views
from app.runs import config_from_dict, own_problem, stored_configs
from app.vendor import plotly_js
from app.viewmodel import page_views
from app.viewstate import MAX_PINNED

GRAPHS = (("contour", "contour"), ("surface3d", "surface3d"), ("loss-graph", "loss"), ("lr-graph", "lr"), ("third-graph", "third"))
# The network view's figures (app.network_view's keys) in the same elements; the third graph
# shows the page's default choice (app.network_page.third_views).
NETWORK_GRAPHS = (("contour", "map"), ("surface3d", "surface3d"), ("network-output", "output"), ("loss-graph", "loss"), ("lr-graph", "lr"))
MAP_GRAPHS = ("contour", "surface3d")
MAPS_ROW = (*MAP_GRAPHS, "network-output")  # above the player; the curves go below it


def render_component(component) -> str:
    """Dash html components (badges, formula) as static HTML."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return html_text.escape(str(component))
    if isinstance(component, list | tuple):
        return "".join(render_component(c) for c in component)
    data = component.to_plotly_json()
    props = dict(data["props"])
    children = props.pop("children", None)
    tag = data["type"].lower()
    attributes = []
    for name, value in props.items():
        if name == "className":
            name = "class"
        if name == "style":
            value = ";".join(f"{_css_name(k)}:{v}" for k, v in value.items())
        attributes.append(f' {name}="{html_text.escape(str(value), quote=True)}"')
    return f"<{tag}{''.join(attributes)}>{render_component(children)}</{tag}>"


def _css_name(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name)


def export_html(query: str) -> str:
    """The HTML document for a URL query (the same state the app would show), a lecturer's
    formula (surface=custom&formula=...&x_range=...&y_range=...&start=x,y) and the network
    view (surface=network&..., or a network lesson) too."""
    rest, custom = split_formula(query)
    state, _ = decode(rest)
    if state.network is not None:
        return network_document(state.network, state.lang)
    if custom is None:
        return _document(state.current, state.pinned, state.lang, state.preset)
    start = dict(parse_qsl(query[:MAX_QUERY_CHARS])).get("start", "")
    try:
        x, y = (float(v) for v in start.split(","))
    except ValueError:  # no start, or not two numbers: the formula's default start
        x = y = None
    problem = own_problem("custom", custom, None)
    current = state.current.replace(surface=problem, start=None if x is None else (x, y))
    return _document(current, (), state.lang, None)


def export_view(current: dict, pinned, lang: str, custom: dict | None = None, upload: dict | None = None) -> str:
    """The HTML document for the runs drawn on a lecturer's own surface: current and pinned
    runs as stored by the page, with the formula ({"formula", "x_range", "y_range"}) or the
    uploaded data ({"table", "x", "y"}) they ran on. ValueError if they do not build."""
    surface = current.get("surface") if isinstance(current, dict) else None
    problem = own_problem(surface, custom, upload)
    problems = {surface: problem} if problem is not None else None
    config = config_from_dict(current, problems)
    pins = [c for c in stored_configs(pinned, problems) if c.surface == config.surface]
    return _document(config, pins[-MAX_PINNED:], lang, None)


def _document(config, pinned, lang: str, preset) -> str:
    result = page_views(config, pinned, lang)
    if not result["ok"]:
        raise ValueError(result["notice"])
    figures = {element: result[key] for element, key in GRAPHS}
    lesson = _lesson_head(LESSONS.get(preset) if isinstance(preset, str) else None, lang)
    return _page(figures, result["summary"], lesson + f'<div class="formula">{render_component(result["formula"])}</div>', render_component(result["badges"]), lang)


def network_document(view, lang: str) -> str:
    """The HTML document of a network view (app.network_links.NetworkView): the page's own
    figures of it (app.network_page.drawn_views), the output stepped by the same player."""
    views = drawn_views(view, lang)
    third = third_views(views, lang)
    figures = {element: views[key] for element, key in NETWORK_GRAPHS} | {"third-graph": third["figures"][third["default"]]}
    lesson = _lesson_head(NETWORK_LESSONS.get(view.preset) if view.preset else None, lang)
    return _page(figures, summary(view.current, len(view.runs), lang), lesson, render_component(badges(views, lang)), lang)


def _lesson_head(lesson, lang: str) -> str:
    if lesson is None:
        return ""
    title, explanation = lesson_text(lesson, lang)
    return f'<div class="lesson"><strong>{html_text.escape(lesson.number)} · {html_text.escape(title)}</strong><span>{html_text.escape(explanation)}</span></div>'


def _graph(element: str) -> str:
    if element == "network-output":  # in its box, as app.layout puts it (the maps' three columns)
        return '<div class="network-output-box"><div id="network-output" class="graph network-output"></div></div>'
    return f'<div id="{element}" class="graph {"map" if element in MAP_GRAPHS else "curve"}"></div>'


def _page(figures: dict, summary_text: str, head: str, badges_html: str, lang: str) -> str:
    """The document: figures by element id (maps first, then curves), the view's head (lesson,
    formula) and badges as HTML."""
    css = (ASSETS / "style.css").read_text(encoding="utf-8")
    player = (ASSETS / "player.js").read_text(encoding="utf-8")
    maps = "".join(_graph(e) for e in figures if e in MAPS_ROW)
    curves = "".join(_graph(e) for e in figures if e not in MAPS_ROW)
    # json.dumps with allow_nan=False: a NaN would break the page, so refuse to write one.
    payload = json.dumps(figures, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Descent Lab · {html_text.escape(summary_text)}</title>
<style>{css}
.page.offline .workspace {{ grid-template-columns: 1fr; }}
</style>
<script>{plotly_js()}</script>
</head>
<body>
<div id="page" class="page offline">
  <header class="topbar"><h1>Descent Lab</h1><span class="tagline">{html_text.escape(summary_text)}</span></header>
  <div class="workspace">
    <section class="views">
      <div class="view-head">{head}</div>
      <div class="maps">{maps}</div>
      <div class="player" id="player">
        <button id="player-start" class="icon-button" title="Home">|◀</button>
        <button id="player-back" class="icon-button" title="←">◀</button>
        <button id="player-play" class="icon-button play" title="{html_text.escape(t('play', lang))} (space)">▶</button>
        <button id="player-forward" class="icon-button" title="→">▶|</button>
        <input id="player-scrubber" class="scrubber" type="range" min="0" max="100" step="1" value="100">
        <span class="step-label"><span>{html_text.escape(t('step', lang))} </span><span id="player-step">0</span><span> / </span><span id="player-total">0</span></span>
        <label class="speed-label" for="player-speed">{html_text.escape(t('speed', lang))}</label>
        <select id="player-speed" class="speed">{"".join(f'<option value="{s}"{" selected" if s == 1 else ""}>{s}×</option>' for s in (0.25, 0.5, 1, 2, 4))}</select>
      </div>
      <div id="badges" class="badges">{badges_html}</div>
      <div class="curves">{curves}</div>
    </section>
  </div>
</div>
<script>{player}</script>
<script>
(function () {{
  var figures = {payload};
  var config = {{displaylogo: false, responsive: true, displayModeBar: false}};
  var drawn = Object.keys(figures).map(function (id) {{
    // the network's output steps through its frames (assets/player.js puts each in)
    var frames = figures[id].frames;
    return Plotly.newPlot(id, figures[id].data, figures[id].layout, config).then(function () {{
      return frames ? Plotly.addFrames(id, frames) : null;
    }});
  }});
  Promise.all(drawn).then(function () {{
    window.dash_clientside.player.load(figures.contour);
  }});
  document.getElementById("player-speed").addEventListener("change", function (event) {{
    window.descentLab.setSpeed(Number(event.target.value) || 1);
  }});
}})();
</script>
</body>
</html>
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.export", description=__doc__.splitlines()[0])
    parser.add_argument("query", help='the URL query of the view, e.g. "preset=overshooting"')
    parser.add_argument("-o", "--output", default="descent-lab.html", help="the HTML file to write")
    args = parser.parse_args(argv)
    try:
        document = export_html(args.query.lstrip("?"))
    except ValueError as error:
        sys.exit(f"cannot export: {error}")
    Path(args.output).write_text(document, encoding="utf-8")
    print(f"wrote {args.output} ({len(document.encode()) / 1e6:.1f} MB): open it in any browser, no network needed")


if __name__ == "__main__":
    main()
