"""What both kinds of link (a 2-D view's, app.links; a network's, app.network_links) read
alike: the key=value pairs as single values and pins, the language and embed flags, the lesson,
the view under the player, and the pins given. Each reader takes its values out of `singles`
(key -> (key as written, value)) and appends a Notice for a value it cannot use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.i18n import LANGUAGES
from app.link_settings import NO_PINS, notice, one_of_text
from app.viewstate import LOWER_VIEWS, MAX_PINNED, Notice

Singles = dict[str, tuple[str, str]]


def page_flags(singles: Singles, notices: list[Notice]) -> tuple[str, bool]:
    """The language and embed flag of a link, taken out of singles (key -> (key as written,
    value)); a value that is neither gets a notice and the default (en, not embedded)."""
    lang, embed = read_choice(singles, "lang", LANGUAGES, notices), False
    if "embed" in singles:
        written, value = singles.pop("embed")
        flag = value.strip().lower()
        if flag in ("1", "true", "0", "false"):
            embed = flag in ("1", "true")
        else:
            notices.append(notice(written, value, ("1 or 0", "1 또는 0"), ("0", "0")))
    return lang, embed


def singles_and_pins(pairs, spelled, notices: list[Notice]) -> tuple[Singles, list[str]]:
    """A link's (key, value) pairs as {key: (key as written, value)} and its pin= values in
    order; spelled(key as written) gives the key's own spelling. A key given twice gets a
    notice, and the last value counts."""
    singles: Singles = {}
    pins: list[str] = []
    for written, value in pairs:
        key = spelled(written)
        if key == "pin":
            pins.append(value)
            continue
        if key in singles:
            notices.append(notice(*singles[key], ("one value (the last one counts)", "값 하나 (마지막 값이 적용됨)")))
        singles[key] = (written, value)
    return singles, pins


def read_lesson(singles: Singles, lessons: Mapping[str, Any], canonical_of, default, refused, notices: list[Notice]):
    """(preset, current run, pinned runs) of the lesson a link names, each run through
    canonical_of; (None, default, ()) without one, or with a name not in lessons (then
    refused(key as written, value) is the notice)."""
    if "preset" not in singles:
        return None, default, ()
    written, value = singles.pop("preset")
    preset = value.strip().lower()
    if preset not in lessons:
        notices.append(refused(written, value))
        return None, default, ()
    lesson = lessons[preset]
    return preset, canonical_of(lesson.current), tuple(canonical_of(run) for run in lesson.pinned)


def read_choice(singles: Singles, key: str, choices, notices: list[Notice]) -> str:
    """One of choices (matched ignoring case and spaces around it), the first when the link
    gives none or one not among them (with a notice)."""
    if key not in singles:
        return choices[0]
    written, value = singles.pop(key)
    if value.strip().lower() in choices:
        return value.strip().lower()
    notices.append(notice(written, value, one_of_text(choices), (choices[0], choices[0])))
    return choices[0]


def read_lower_view(singles: Singles, notices: list[Notice]) -> str:
    """The view under the player (view=); the curves for a value that names none."""
    return read_choice(singles, "view", LOWER_VIEWS, notices)


def read_pins(pins: list[str], pin_of: Callable[[str], Any], lesson_pins: tuple, notices: list[Notice]) -> tuple:
    """The runs pinned by a link's pin= values (pin_of(text): the run, or None after its own
    notice), at most MAX_PINNED; pins given replace the lesson's unless every one is unusable,
    and pin=none alone clears them."""
    pinned, replaced = (), False
    for text in pins:
        if text.strip() == NO_PINS:
            replaced = True
            continue
        if len(pinned) == MAX_PINNED:
            notices.append(notice("pin", text, (f"at most {MAX_PINNED} pinned runs", f"고정된 실행 최대 {MAX_PINNED}개")))
            continue
        pin = pin_of(text)
        if pin is not None:
            pinned, replaced = (*pinned, pin), True
    return pinned if replaced else lesson_pins
