"""A shared link: the view as a URL query string, and back (settings, pins, lesson, language).

`encode(state)` writes the shortest query that reopens `state`; `decode(query)` reads any
string at all into a valid `ViewState` plus a list of `Notice`s, one per value it could not
use. decode never raises: a bad value falls back to what the view had without it, and its
notice names the key, the value and what is allowed.

Grammar (keys in this order; a key is omitted when its value is the default)

    preset=KEY                 a lesson of app.lessons: its current run, and its others pinned
    surface=NAME               RunConfig fields, under their own names ...
    optimizer=NAME
    lr=NUMBER
    PARAM=VALUE ...            ... the optimizer's parameters under PyTorch's names
    scheduler=NAME
    PARAM=VALUE ...            ... the scheduler's parameters under PyTorch's names
    batch_size=full|INT        full is the whole data set (None)
    normalization=none|standard|minmax
    steps=INT
    start=X,Y | auto           auto: the surface's default start (None)
    seed=INT
    pin=DIFF | none            repeated, one per pinned run (at most 3), in order
    lang=en|ko
    embed=1|0                  true/false also read
    view=curves|finder|map|code  the view under the player (curves, Which rate?, ...)
    second=SETTING             with view=map: the stability map's second setting

    ?surface=ravine&optimizer=momentum&lr=0.02&momentum=0.8&steps=200
    ?optimizer=adam&lr=0.05&betas=0.8,0.99&amsgrad=true&scheduler=onecycle&max_lr=0.3
    ?surface=linreg&batch_size=16&normalization=standard&pin=batch_size:1&pin=batch_size:full
    ?preset=overshooting&lr=0.3&lang=ko

Keys match ignoring case (LR=0.3); keys and values are percent-decoded (betas=0.9%2C0.99).

Values. Numbers are written as Python's shortest round-trip repr, trimmed: 0.1, 1e-5,
1e20, 3 (not 3.0), so decode(encode(x)) gives back the very same float. Integers also read
as 1e3 or 100.0. Booleans are written true (false is every default) and read as
true/false/1/0. Pairs (Adam's betas) are two numbers joined by a comma. A parameter whose
default is derived from the run (T_max, step_size, max_lr, ...) may be written `auto` to
use that default; so may any parameter.

Parameters at top level. A name goes to the chosen optimizer if it has that parameter,
else to the chosen scheduler. The only name both kinds use is `eps` (Adagrad, RMSprop,
Adam and ReduceLROnPlateau), so with one of those optimizers and the plateau scheduler
the scheduler's is written `plateau.eps`. Any parameter may be written qualified by its
owner this way (`adam.betas=...`). A parameter the chosen optimizer and scheduler lack
(momentum=0.9 with plain SGD) is ignored with a notice; so is an unknown key.

Dependent settings. Changing the surface (from a preset's run, or in a pin from the
current run) resets batch_size, normalization and start to their defaults, and changing
the normalization resets start, since these mean something only on one surface and one
scaling; likewise a different optimizer or scheduler starts from its own defaults. A key
given explicitly then sets the value as usual.

Pins. Each `pin=` is the pinned run as its differences from the final current run:
`KEY:VALUE` entries joined by `;`, with the keys and values of the top-level grammar:
`pin=lr:0.3`, `pin=optimizer:adam;lr:0.01;betas:0.8,0.99`. `pin=` (empty) pins a copy of the
current run. Pins are kept whatever their surface (the app decides what to draw). A pin
that is not valid as a whole is dropped with a notice; more than 3 are dropped too.

Presets. `preset=KEY` starts from LESSONS[KEY]: current = its last run, pinned = the
others. The other keys then change the current run only (so a lecturer can tweak a lesson
link: `preset=overshooting&lr=0.3`). Pins given replace the lesson's (unless none of them
is usable); `pin=none` removes them. An unknown preset gives a notice; the other keys then apply to
RunConfig().

Canonical form (app.viewstate): both decode and encode work on canonical runs, so
decode(encode(s)) == canonical_state(s) for every valid s.

Bad values. A value that does not parse or is out of range falls back to what the run has
without it (the RunConfig default, or the preset's value). A combination RunConfig rejects
as a whole (batch_size on an analytic surface, normalization on bowl, a cyclic max_lr
below base_lr) drops the field the error names, keeping the rest (a bounded loop). When
a key is repeated the last value counts, and each earlier one gets a notice.

Limits, so no link is slow or breaks the page: at most MAX_QUERY_CHARS characters are
read (cut at the last `&` before the limit), at most MAX_PAIRS `key=value` pairs, at most
MAX_VALUE_CHARS per value and MAX_PIN_ENTRIES entries per pin. Parsing is split/partition
and float(): no regular expressions, linear in the input. MAX_VALUE_CHARS is app.link_settings's, the others are here.

Modules. Named for what a lecturer shares (the page's "Copy link"). This module reads and
writes the view as a whole: presets, pins, language, embed and the query's limits;
app.link_settings reads and writes each run's settings; app.viewstate is the state itself.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from app.i18n import korean_allowed
from app.lessons import LESSONS
from app.link_reading import page_flags, read_lesson, read_lower_view, read_pins, singles_and_pins
from app.link_settings import (
    MAX_PIN_ENTRIES,
    MAX_VALUE_CHARS,
    NO_PINS,
    PARAM_NAMES,
    differences,
    notice,
    one_of_text,
    read_run,
)
from app.network_links import decode_network, network_query
from app.viewstate import (
    DEFAULT,
    FIELDS,
    LOWER_VIEWS,
    VIEW_KEYS,
    Notice,
    ViewState,
    canonical,
)
from engine import RunConfig
from engine.explore import second_settings
from engine.optimizers import OPTIMIZER_NAMES
from engine.schedules import SCHEDULER_NAMES

# The longest view in the tests (4 runs differing in everything, 17-digit numbers) encodes to
# ~1,650 characters; 4,000 leaves room and stays under gunicorn's 4,094-byte request line.
MAX_QUERY_CHARS = 4000
MAX_PAIRS = 48  # a full view uses at most ~30
PIN_SYNTAX = (
    "KEY:VALUE entries, each key once, joined by ';' (e.g. lr:0.3;momentum:0.9)",
    "KEY:VALUE 항목을 ';'로 이은 것, 키마다 한 번 (예: lr:0.3;momentum:0.9)",
)
LAST_RESORT = ("a link this version can read", "이 버전이 읽을 수 있는 링크")

_KNOWN_KEYS = frozenset((*FIELDS, *VIEW_KEYS, *PARAM_NAMES, *OPTIMIZER_NAMES, *SCHEDULER_NAMES))
_BY_LOWER = {key.lower(): key for key in _KNOWN_KEYS}


# --------------------------------------------------------------------------- encode


def encode(state: ViewState) -> str:
    """The query string (without '?') that decode turns back into canonical_state(state)."""
    if state.network is not None:  # the network view has its own keys
        return query_text(*network_query(state.network), state.lang, state.embed, view_pairs(state.lower_view, None))
    current = canonical(state.current)
    pinned = [canonical(p) for p in state.pinned]
    pairs: list[tuple[str, str]] = []
    base, base_pins = DEFAULT, []
    if state.preset in LESSONS:
        lesson = LESSONS[state.preset]
        pairs.append(("preset", state.preset))
        base = canonical(lesson.current)
        base_pins = [canonical(run) for run in lesson.pinned]
    pairs += differences(base, current)
    lesson_pins = base_pins if state.preset in LESSONS else None
    # a pin is written as its differences from the current run
    return query_text(pairs, pinned, lesson_pins, partial(differences, current), state.lang, state.embed, view_pairs(state.lower_view, state.second))


def query_text(pairs, pinned, lesson_pins, entries, lang: str, embed: bool, tail=()) -> str:
    """The query of a view, 2-D or network: its own pairs, then one pin= per pinned run (entries(pin):
    its KEY:VALUE pairs), lang, embed and tail, percent-quoted. lesson_pins: the lesson's pinned
    runs (None without a lesson): pins equal to them are not written, and none is pin=none."""
    pairs = list(pairs)
    if lesson_pins is not None and pinned == lesson_pins:
        pass  # the lesson's own pins
    elif not pinned and lesson_pins:
        pairs.append(("pin", NO_PINS))
    else:
        pairs += [("pin", ";".join(f"{k}:{v}" for k, v in entries(pin))) for pin in pinned]
    if lang != "en":
        pairs.append(("lang", lang))
    if embed:
        pairs.append(("embed", "1"))
    pairs += tail
    return "&".join(f"{quote(key, safe='.')}={quote(value, safe=',:;')}" for key, value in pairs)


def view_pairs(lower_view: str, second: str | None) -> list[tuple[str, str]]:
    """The lower view's keys, last in the query (app.navigation appends them to any address)."""
    if lower_view == LOWER_VIEWS[0]:
        return []
    return [("view", lower_view)] + ([("second", second)] if lower_view == "map" and second else [])


# --------------------------------------------------------------------------- decode


def decode(query: Any) -> tuple[ViewState, list[Notice]]:
    """Read any query string (with or without '?') into a valid ViewState; never raises."""
    try:
        return _decode(query)
    except Exception:  # a last resort: a link must never break the page
        last_resort = notice("query", str(query), LAST_RESORT, ("the default view", "기본 화면"))
        return ViewState(current=DEFAULT), [last_resort]


def _decode(query: Any) -> tuple[ViewState, list[Notice]]:
    notices: list[Notice] = []
    pairs = _split(query, notices)
    network = decode_network(pairs, notices, _known_key)  # surface=network or a network lesson
    if network is not None:
        return network, notices
    singles, pins = singles_and_pins(pairs, _known_key, notices)
    lang, embed = page_flags(singles, notices)
    preset, base, base_pins = read_lesson(singles, LESSONS, canonical, DEFAULT, _bad_preset, notices)
    view_texts = {key: singles.pop(key) for key in ("view", "second") if key in singles}
    current = read_run(base, singles, notices.append, top_level=True)
    pinned = read_pins(pins, lambda text: _pin(current, text, notices), base_pins, notices)
    lower_view = read_lower_view(view_texts, notices)
    second = _second_setting(view_texts.get("second"), lower_view, current, notices)
    state = ViewState(
        current=current, pinned=pinned, lang=lang, embed=embed, preset=preset, lower_view=lower_view, second=second
    )
    return state, notices


def _second_setting(text: tuple[str, str] | None, lower_view: str, current: RunConfig, notices: list[Notice]) -> str | None:
    """The stability map's second setting (second=, as written and its value); None, with a
    notice, for a value the run cannot use."""
    if text is None:
        return None
    written, value = text
    offered = second_settings(current)
    if lower_view != "map":
        notices.append(notice(written, value, ("a setting of the stability map, with view=map", "view=map과 함께 안정성 지도의 설정")))
    elif value.strip() in offered:
        return value.strip()
    elif offered:
        notices.append(notice(written, value, one_of_text(offered), (offered[0], offered[0])))
    else:
        notices.append(notice(written, value, ("no second setting (this run's stability map has none)", "두 번째 설정 없음 (이 실행의 안정성 지도에는 없음)")))
    return None


def _split(query: Any, notices: list[Notice]) -> list[tuple[str, str]]:
    """(key, value) pairs, percent-decoded, within the limits."""
    if isinstance(query, bytes | bytearray):
        query = bytes(query).decode("utf-8", "replace")
    if not isinstance(query, str):
        return []
    query = query.removeprefix("?")
    if len(query) > MAX_QUERY_CHARS:
        cut = query.rfind("&", 0, MAX_QUERY_CHARS + 1)
        cut = cut if cut > 0 else MAX_QUERY_CHARS
        allowed = (f"at most {MAX_QUERY_CHARS} characters", f"최대 {MAX_QUERY_CHARS}자")
        fallback = (f"the first {cut} characters", f"앞의 {cut}자")
        notices.append(notice("query", query[cut:].lstrip("&"), allowed, fallback))
        query = query[:cut]
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        if len(pairs) == MAX_PAIRS:
            allowed = (f"at most {MAX_PAIRS} settings", f"설정 최대 {MAX_PAIRS}개")
            notices.append(
                notice("query", part, allowed, (f"the first {MAX_PAIRS}", f"앞의 {MAX_PAIRS}개"))
            )
            break
        key, _, value = part.partition("=")
        key = unquote(key, errors="replace").strip()
        value = unquote(value, errors="replace")
        pairs.append((key, value))
    return pairs


def _known_key(written: str) -> str:
    """A key in its canonical spelling (keys are matched ignoring case), or as written."""
    if written in _KNOWN_KEYS:
        return written
    owner, dot, name = written.partition(".")
    if dot:
        owner, name = _BY_LOWER.get(owner.lower(), owner), _BY_LOWER.get(name.lower(), name)
        return f"{owner}.{name}"
    return _BY_LOWER.get(written.lower(), written)


def _pin(current: RunConfig, text: str, notices: list[Notice]) -> RunConfig | None:
    """The run a pin describes, or None (with one notice) when any part of it is unusable."""
    parts = [part for part in text.split(";", MAX_PIN_ENTRIES) if part.strip()]
    if len(text) > MAX_VALUE_CHARS or len(parts) > MAX_PIN_ENTRIES:
        allowed = (
            f"at most {MAX_PIN_ENTRIES} entries and {MAX_VALUE_CHARS} characters",
            f"항목 최대 {MAX_PIN_ENTRIES}개, 최대 {MAX_VALUE_CHARS}자",
        )
        notices.append(notice("pin", text, allowed))
        return None
    entries: dict[str, tuple[str, str]] = {}
    for part in parts:
        written, colon, value = part.partition(":")
        key = _known_key(written.strip())
        if not colon or key in VIEW_KEYS or key in entries:
            notices.append(notice("pin", text, PIN_SYNTAX))
            return None
        entries[key] = (written.strip(), value)
    found: list[Notice] = []
    pin = read_run(current, entries, found.append, top_level=False)
    if not found:
        return pin
    inner = found[0]
    allowed = (
        f"{inner.allowed} for {inner.key}",
        f"{inner.key}: {inner.allowed_ko or korean_allowed(inner.allowed)}",
    )
    notices.append(notice("pin", text, allowed))
    return None


def _bad_preset(written: str, value: str) -> Notice:
    keys = list(LESSONS)
    shown = ", ".join(keys[:6]) + (", …" if len(keys) > 6 else "")
    allowed = (
        f"a lesson ({len(keys)} in all: {shown})",
        f"강의 주제 {len(keys)}개 중 하나 ({shown})",
    )
    return notice(written, value, allowed)


FORMULA_KEYS = ("formula", "x_range", "y_range")


def split_formula(query: str) -> tuple[str, dict | None]:
    """Take a lecturer's formula (surface=custom&formula=...) out of the query.

    The formula is checked when the page computes (a bad one shows its error next to the
    field); the rest of the query goes to the ordinary URL state. A start point belongs to the
    formula's own window, so it stays with the formula.
    """
    pairs = parse_qsl(query[:MAX_QUERY_CHARS], keep_blank_values=True)
    values = dict(pairs)
    if values.get("surface") != "custom":
        return query, None
    custom = {key: values.get(key, default)[:200] for key, default in zip(FORMULA_KEYS, ("x**2 + 3*sin(y)", "-3, 3", "-3, 3"), strict=True)}
    rest = [(k, v) for k, v in pairs if k not in (*FORMULA_KEYS, "surface", "start", "pin")]
    return urlencode(rest), custom
