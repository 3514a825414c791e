"""The network view's link: `NetworkView` (what a link of the network view holds, in
ViewState.network), and its URL keys both ways.

app.links hands a link's pairs to `decode_network`, which reads
surface=network&dataset=moons&hidden=16,16&activation=tanh&directions=pca&direction_seed=0 (plus
the shared settings optimizer, lr, parameters, scheduler, batch_size, normalization, steps,
seed, pins, lang, embed; or preset=<network lesson>), repairing a bad value with a Notice as
app.links does. `network_query(view)` gives app.links.encode the view's own pairs and pins,
which app.links.query_text writes as the 2-D view's. The shared settings are read and written
by app.link_settings on a stand-in RunConfig (app.network_runs.shared_run), so both views spell
them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from app.lessons import NETWORK_LESSONS
from app.link_reading import (
    page_flags,
    read_choice,
    read_lesson,
    read_lower_view,
    read_pins,
    singles_and_pins,
)
from app.link_settings import (
    MAX_PIN_ENTRIES,
    MAX_VALUE_CHARS,
    differences,
    notice,
    one_of_text,
    read_run,
)
from app.network_runs import (
    DEFAULT_NETWORK,
    HIDDEN_ALLOWED,
    HIDDEN_ALLOWED_KO,
    NETWORK,
    canonical_network,
    hidden_text,
    parse_hidden,
    shared_run,
)
from app.network_view import DIRECTIONS
from app.viewstate import MAX_PINNED, Notice, ViewState, canonical, view_flags
from app.viewstate import VIEW_KEYS as LINK_VIEW_KEYS
from engine import limits
from engine.network import (
    ACTIVATIONS,
    DATASETS,
    NETWORK_NORMALIZATIONS,
    NetworkConfig,
    make_dataset,
)
from engine.params import check_integer, refused

# URL keys of a network run (beside the shared ones) and of the network view.
RUN_KEYS = ("dataset", "normalization", "hidden", "activation", "batch_size")
VIEW_KEYS = ("directions", "direction_seed")
# A network pin's keys differ from a 2-D pin's, so its syntax names its own.
PIN_SYNTAX = (
    "KEY:VALUE entries, each key once, joined by ';' (e.g. lr:0.3;hidden:8)",
    "KEY:VALUE 항목을 ';'로 이은 것, 키마다 한 번 (예: lr:0.3;hidden:8)",
)


@dataclass(frozen=True)
class NetworkView:
    """What a link of the network view holds beside the language and embed: the current run,
    the pinned runs, the map's directions and their seed, the network lesson it came from."""

    current: NetworkConfig = DEFAULT_NETWORK
    pinned: tuple[NetworkConfig, ...] = ()
    directions: str = "pca"
    direction_seed: int = 0
    preset: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pinned", tuple(self.pinned))
        if not isinstance(self.current, NetworkConfig) or not all(isinstance(p, NetworkConfig) for p in self.pinned):
            raise ValueError("network runs are not allowed: expected NetworkConfigs")
        if len(self.pinned) > MAX_PINNED:
            raise ValueError(f"pinned is not allowed: expected at most {MAX_PINNED} runs")
        if self.directions not in DIRECTIONS:
            raise refused("directions", self.directions, "one of " + ", ".join(DIRECTIONS))
        check_integer(self.direction_seed, "direction_seed", limits.SEED_MIN, limits.SEED_MAX)
        if self.preset is not None and self.preset not in NETWORK_LESSONS:
            raise refused("preset", self.preset, "a key of NETWORK_LESSONS or None")

    @property
    def runs(self) -> tuple[NetworkConfig, ...]:
        """The current run first, as app.network_view draws them."""
        return (self.current, *self.pinned)


def run_differences(base: NetworkConfig | None, config: NetworkConfig) -> list[tuple[str, str]]:
    """The entries that turn base into config; base None writes the network's own settings
    out (dataset, hidden, activation), and the rest against the defaults."""
    out = []
    if base is None or config.dataset != base.dataset:
        out.append(("dataset", config.dataset))
    reference = base or DEFAULT_NETWORK
    if config.normalization != reference.normalization:
        out.append(("normalization", config.normalization))
    if base is None or config.hidden != base.hidden:
        out.append(("hidden", hidden_text(config.hidden)))
    if base is None or config.activation != base.activation:
        out.append(("activation", config.activation))
    batch_before = None if base is not None and config.dataset != base.dataset else reference.batch_size
    if config.batch_size != batch_before:
        out.append(("batch_size", "full" if config.batch_size is None else str(config.batch_size)))
    return out + differences(canonical(shared_run(reference)), canonical(shared_run(config)))


def network_query(view: NetworkView) -> tuple[list[tuple[str, str]], list[NetworkConfig], list[NetworkConfig] | None, Callable]:
    """What app.links.query_text writes for the network view: its own pairs, the pinned runs,
    the lesson's pinned runs (None without a lesson) and a pin's entries (its differences from
    the current run), all on canonical runs, so decode_network reads the query back into view."""
    current = canonical_network(view.current)
    pinned = [canonical_network(p) for p in view.pinned]
    lesson = NETWORK_LESSONS.get(view.preset) if view.preset else None
    pairs: list[tuple[str, str]] = []
    if lesson is not None:
        pairs.append(("preset", view.preset))
        base, base_pins = canonical_network(lesson.current), [canonical_network(r) for r in lesson.pinned]
        pairs += run_differences(base, current)
    else:
        base_pins = None
        pairs += [("surface", NETWORK), *run_differences(None, current)]
    if lesson is None or view.directions != "pca":
        pairs.append(("directions", view.directions))
    if lesson is None or view.direction_seed != 0:
        pairs.append(("direction_seed", str(view.direction_seed)))
    return pairs, pinned, base_pins, partial(run_differences, current)


def decode_network(pairs, notices: list[Notice], known_key) -> ViewState | None:
    """The network view a link's (key, value) pairs name (surface=network or a network lesson),
    its notices appended to notices; None for any other link (app.links reads it).
    known_key: app.links' spelling of a key (keys match ignoring case)."""
    keys = {known_key(k): v.strip().lower() for k, v in pairs}
    if keys.get("surface") != NETWORK and keys.get("preset") not in NETWORK_LESSONS:
        return None

    def spelled(written: str) -> str:
        return written.lower() if written.lower() in (*RUN_KEYS, *VIEW_KEYS) else known_key(written)

    singles, pins = singles_and_pins(pairs, spelled, notices)
    lang, embed = page_flags(singles, notices)
    preset, base, base_pins = read_lesson(singles, NETWORK_LESSONS, canonical_network, DEFAULT_NETWORK, _bad_lesson, notices)
    if "surface" in singles:
        written, value = singles.pop("surface")
        if value.strip().lower() != NETWORK:
            notices.append(notice(written, value, (f"{NETWORK} with a network lesson", f"신경망 강의 주제와 함께 {NETWORK}"), (NETWORK, NETWORK)))
    if "start" in singles:
        written, value = singles.pop("start")
        notices.append(notice(written, value, ("no start point (a network starts from its seed's weights)", "시작점 없음 (신경망은 시드의 가중치에서 시작)")))
    lower_view = read_lower_view(singles, notices)  # the network's map picks its second setting on the page
    directions, direction_seed = read_choice(singles, "directions", DIRECTIONS, notices), 0
    if "direction_seed" in singles:
        written, value = singles.pop("direction_seed")
        try:
            direction_seed = check_integer(float(value), "direction_seed", limits.SEED_MIN, limits.SEED_MAX)
        except (ValueError, OverflowError):
            seeds = f"[{limits.SEED_MIN}, {limits.SEED_MAX}]"
            notices.append(notice(written, value, (f"an integer in {seeds}", f"{seeds} 범위의 정수"), ("0", "0")))
    current = read_network(base, singles, notices.append, top_level=True)

    def pin_of(text: str) -> NetworkConfig | None:
        parts = [part.partition(":") for part in text.split(";", MAX_PIN_ENTRIES) if part.strip()]
        entries = [(spelled(w.strip()), w.strip(), colon, value) for w, colon, value in parts]
        return _pin(current, text, entries, notices)

    pinned = read_pins(pins, pin_of, base_pins, notices)
    view = NetworkView(current, pinned, directions, direction_seed, preset)
    return ViewState(current=shared_run(current), lang=lang, embed=embed, network=view, lower_view=lower_view)


def _bad_lesson(written: str, value: str) -> Notice:
    keys = ", ".join(NETWORK_LESSONS)
    return notice(written, value, (f"a network lesson ({keys}) with surface=network", f"surface=network와 함께 신경망 강의 주제 ({keys})"))


def _pin(current: NetworkConfig, text: str, parts, notices: list[Notice]) -> NetworkConfig | None:
    """The network run a pin describes (differences from the current run), or None with a notice.
    parts: its entries as (key, key as written, ":" or "", value)."""
    entries: dict[str, tuple[str, str]] = {}
    if len(text) > MAX_VALUE_CHARS or len(parts) > MAX_PIN_ENTRIES:
        notices.append(notice("pin", text, (f"at most {MAX_PIN_ENTRIES} entries", f"항목 최대 {MAX_PIN_ENTRIES}개")))
        return None
    for key, written, colon, value in parts:
        if not colon or key in entries or key in (*VIEW_KEYS, *LINK_VIEW_KEYS, "surface", "start"):
            notices.append(notice("pin", text, PIN_SYNTAX))
            return None
        entries[key] = (written, value)
    found: list[Notice] = []
    pin = read_network(current, entries, found.append, top_level=False)
    if not found:
        return pin
    notices.append(notice("pin", text, (f"{found[0].allowed} for {found[0].key}", f"{found[0].key}: {found[0].allowed_ko}")))
    return None


def read_network(base: NetworkConfig, given: dict[str, tuple[str, str]], report, *, top_level: bool) -> NetworkConfig:
    """base changed by the given entries (key -> (key as written, text)); a value it cannot use
    is reported and left at base's (a new data set resets the batch size, as a new surface does)."""
    given = dict(given)
    values = {name: getattr(base, name) for name in base.__dataclass_fields__}

    def take(name, parse, allowed, fallback):
        if name not in given:
            return
        written, text = given.pop(name)
        try:
            values[name] = parse(text.strip()) if len(text) <= MAX_VALUE_CHARS else parse("\0")
        except (ValueError, TypeError, OverflowError):
            report(notice(written, text, allowed, fallback))

    def choice(options):
        def parse(text):
            if text.lower() not in options:
                raise ValueError(text)
            return text.lower()

        return parse

    take("dataset", choice(DATASETS), one_of_text(DATASETS), (base.dataset, base.dataset))
    if values["dataset"] != base.dataset:
        values["batch_size"] = None
    take("normalization", choice(NETWORK_NORMALIZATIONS), one_of_text(NETWORK_NORMALIZATIONS), (base.normalization, base.normalization))
    take("hidden", parse_hidden, (HIDDEN_ALLOWED, HIDDEN_ALLOWED_KO), (hidden_text(base.hidden), hidden_text(base.hidden)))
    take("activation", choice(ACTIVATIONS), one_of_text(ACTIVATIONS), (base.activation, base.activation))
    n = make_dataset(values["dataset"]).n

    def batch(text):
        if text == "full":
            return None
        size = float(text)
        if not (size.is_integer() and 1 <= size <= n):
            raise ValueError(text)
        return int(size)

    full = ("the full batch", "전체 배치")
    take("batch_size", batch, (f"full or an integer in [1, {n}]", f"full 또는 [1, {n}] 범위의 정수"), full)
    shared = read_run(canonical(shared_run(base)), given, report, top_level=top_level)
    for name in ("optimizer", "lr", "optimizer_params", "scheduler", "scheduler_params", "steps", "seed"):
        values[name] = getattr(shared, name)
    try:
        return canonical_network(NetworkConfig(**values))
    except ValueError as error:  # the data set's batch sizes were checked: a last resort
        report(notice("query", "&".join(f"{w}={t}" for w, t in given.values()) or str(error)[:40], ("settings the engine accepts together", "엔진이 함께 받아들이는 설정"), ("the run without them", "그 설정을 뺀 실행")))
        return base


def navigation_target(trigger, preset, lang, search, flags) -> str | None:
    """Where a network lesson, or a language chosen on the network view, leads; None when
    app.navigation decides (a 2-D lesson or view)."""
    flags = view_flags(flags)
    if trigger == "preset" and isinstance(preset, str) and preset in NETWORK_LESSONS:
        query = {"preset": preset, **({"lang": flags["lang"]} if flags["lang"] != "en" else {}), **({"embed": "1"} if flags["embed"] else {})}
        return "/?" + urlencode(query)
    return None  # a language: app.navigation decodes the link (app.links reads a network one)
