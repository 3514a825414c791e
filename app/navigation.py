"""Where the page leads: the link of the view on screen (with the view under the player), a
lesson or language chosen, a pin, a click on the map."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote, unquote, urlencode

from dash import no_update

from app.i18n import LANGUAGES
from app.lessons import LESSONS
from app.links import decode, encode, view_pairs
from app.request import clicked_point, dicts, number, text_of
from app.runs import config_from_dict
from app.viewstate import LOWER_VIEWS, MAX_PINNED, ViewState, canonical, view_flags


def url_search(result: dict, flags: dict, custom: dict | None = None) -> str:
    """The query string for what is on screen, so the link reopens exactly this view.

    A lesson's own runs keep the short ?preset= link; once anything changes, the URL spells
    out the settings (the lesson was the starting point). A formula travels as
    surface=custom&formula=...&x_range=...&y_range=... with the start point; uploaded data
    cannot travel in a link, so its view keeps the last address.
    """
    if custom is not None:
        current = config_from_dict({**result["config"], "surface": "bowl", "start": None})
        query = encode(ViewState(current=current, lang=flags.get("lang", "en"), embed=bool(flags.get("embed"))))
        extra = [("surface", "custom"), *((k, str(custom.get(k) or "")) for k in ("formula", "x_range", "y_range"))]
        if result["config"].get("start") is not None:
            extra.append(("start", ",".join(f"{v:g}" for v in result["config"]["start"])))
        query = "&".join(filter(None, [query, urlencode(extra)]))
        return f"?{query}"
    current = result["run"]
    pinned = tuple(result["pinned_configs"])
    preset = flags.get("preset")
    lesson = LESSONS.get(preset)
    if lesson is None or tuple(map(canonical, lesson.runs)) != tuple(map(canonical, (*pinned, current))):
        preset = None
    state = ViewState(
        current=current,
        pinned=pinned,
        lang=flags.get("lang", "en"),
        embed=bool(flags.get("embed")),
        preset=preset,
    )
    query = encode(state)
    return f"?{query}" if query else ""


def with_view(search, lower_view, second):
    """The address with its view keys (view=, second=) set to the lower view on screen; no
    update when it already says so or the values are not a view (a tampered request).

    The keys go last and the rest of the address is kept as written, so this works on every
    address the page writes (a formula's, a lesson's, one kept for uploaded data).
    """
    if not isinstance(lower_view, str) or lower_view not in LOWER_VIEWS:
        return no_update
    if not (isinstance(second, str) and second.isidentifier() and len(second) <= 40):
        second = None  # the dropdown offers only names; decode checks the name against the run
    search = text_of(search)
    parts = [part for part in search.lstrip("?").split("&") if part and _key(part) not in ("view", "second")]
    parts += [f"{key}={quote(value)}" for key, value in view_pairs(lower_view, second)]
    query = "&".join(parts)
    new = f"?{query}" if query else ""
    return no_update if new == search else new


def keep_view(search, last_search):
    """The main callback's new address with the view keys of the last one, so a run changed
    in the stability map stays in the map (only a view the page offers is carried)."""
    if not isinstance(search, str):
        return search  # no_update: the address stays as it is
    found = {}
    for part in text_of(last_search).lstrip("?").split("&"):
        if _key(part) in ("view", "second"):
            found[_key(part)] = unquote(part.partition("=")[2], errors="replace").strip()
    lower_view = found.get("view", "").lower()
    if lower_view not in LOWER_VIEWS:
        return search
    kept = with_view(search, lower_view, found.get("second"))
    return search if kept is no_update else kept


def _key(part: str) -> str:
    return unquote(part.partition("=")[0], errors="replace").strip().lower()


def navigation_target(trigger, preset, lang, search, flags) -> str:
    """Where a lesson or language choice leads: a fresh page built from its URL."""
    flags = view_flags(flags)
    if trigger == "preset" and isinstance(preset, str) and preset in LESSONS:
        query = {"preset": preset}
        if flags["lang"] != "en":
            query["lang"] = flags["lang"]
        if flags["embed"]:
            query["embed"] = "1"
        return "/?" + urlencode(query)
    if trigger == "lang" and isinstance(lang, str) and lang in LANGUAGES:
        state, _ = decode(text_of(search).lstrip("?"))
        query = encode(dataclasses.replace(state, lang=lang))
        return f"/?{query}" if query else "/"
    return no_update


def clicked_start(click) -> tuple[float | None, float | None]:
    """The start point of a click on the contour map, rounded; (None, None), the surface's
    default start, for a click that names no point with numeric x and y.

    A click on a drawn point names that point; anywhere else on the map, the place under the
    cursor (Plotly's clickanywhere: {"points": [], "xvals": [x], "yvals": [y]}).
    """
    point = clicked_point(click)
    if point is None and isinstance(click, dict) and isinstance(click.get("xvals"), list) and isinstance(click.get("yvals"), list):
        point = {"x": (click["xvals"] or [None])[0], "y": (click["yvals"] or [None])[0]}
    if point is None:
        return None, None
    x, y = number(point.get("x")), number(point.get("y"))
    if x is None or y is None:
        return None, None
    return round(x, 4), round(y, 4)


def pinned_after(current, pinned) -> list[dict]:
    """The pinned runs after pinning the current one: it moves to the end, at most MAX_PINNED
    are kept. Pinned entries that are not runs (dicts) are dropped; no current run clears."""
    if not isinstance(current, dict):
        return []
    kept = [p for p in dicts(pinned) if p != current]
    return [*kept, current][-MAX_PINNED:]
