"""The view as a URL query string, and back: every setting, the pinned runs, lesson, language.

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

Canonical form. A parameter equal to its PyTorch default runs exactly as if it were
absent, so both decode and encode work on `canonical(config)`, which drops such
parameters (and coerces values to their kinds: betas a tuple, booleans bool). Thus
decode(encode(s)) == canonical_state(s) for every valid s, and equals s itself when s is
canonical; compare views with canonical forms, not raw configs.

Bad values. A value that does not parse or is out of range falls back to what the run has
without it (the RunConfig default, or the preset's value). A combination RunConfig rejects
as a whole (batch_size on an analytic surface, normalization on bowl, a cyclic max_lr
below base_lr) drops the field the error names, keeping the rest (a bounded loop). When
a key is repeated the last value counts, and each earlier one gets a notice.

Limits, so no link is slow or breaks the page: at most MAX_QUERY_CHARS characters are
read (cut at the last `&` before the limit), at most MAX_PAIRS `key=value` pairs, at most
MAX_VALUE_CHARS per value and MAX_PIN_ENTRIES entries per pin. Parsing is split/partition
and float(): no regular expressions, linear in the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from app.i18n import LANGUAGES
from app.lessons import LESSONS, MAX_RUNS
from engine import SURFACES, RunConfig, limits
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZER_PARAMS
from engine.params import ParamSpec
from engine.schedules import SCHEDULER_NAMES, SCHEDULER_PARAMS

MAX_PINNED = MAX_RUNS - 1
# The longest view in the tests (4 runs differing in everything, 17-digit numbers) encodes to
# ~1,650 characters; 4,000 leaves room and stays under gunicorn's 4,094-byte request line.
MAX_QUERY_CHARS = 4000
MAX_PAIRS = 48  # a full view uses at most ~30
MAX_VALUE_CHARS = 1000  # the longest value is a pin that differs in every setting
MAX_PIN_ENTRIES = 32
MAX_REPAIRS = 8  # combination errors dropped one field at a time
SHOWN_VALUE_CHARS = 40  # a notice quotes at most this much of a value

DEFAULT = RunConfig()
# The RunConfig fields in the URL, in the order encode writes them (parameters follow
# their optimizer and scheduler).
FIELDS = (
    "surface",
    "optimizer",
    "lr",
    "scheduler",
    "batch_size",
    "normalization",
    "steps",
    "start",
    "seed",
)
VIEW_KEYS = ("preset", "pin", "lang", "embed")
DATA_SURFACES = tuple(name for name, problem in SURFACES.items() if hasattr(problem, "n"))
AUTO = "auto"  # a value meaning "the engine's default"
NO_PINS = "none"
PIN_SYNTAX = (
    "KEY:VALUE entries, each key once, joined by ';' (e.g. lr:0.3;momentum:0.9)",
    "KEY:VALUE 항목을 ';'로 이은 것, 키마다 한 번 (예: lr:0.3;momentum:0.9)",
)
LAST_RESORT = ("a link this version can read", "이 버전이 읽을 수 있는 링크")

_LR = ParamSpec("lr", "float", DEFAULT.lr, low=limits.LR_MIN, high=limits.LR_MAX)
_STEPS = ParamSpec("steps", "int", DEFAULT.steps, low=limits.STEPS_MIN, high=limits.STEPS_MAX)
_SEED = ParamSpec("seed", "int", DEFAULT.seed, low=limits.SEED_MIN, high=limits.SEED_MAX)
_PARAM_NAMES = frozenset(
    spec.name
    for table in (OPTIMIZER_PARAMS, SCHEDULER_PARAMS)
    for specs in table.values()
    for spec in specs
)
_KNOWN_KEYS = frozenset((*FIELDS, *VIEW_KEYS, *_PARAM_NAMES, *OPTIMIZER_NAMES, *SCHEDULER_NAMES))
_BY_LOWER = {key.lower(): key for key in _KNOWN_KEYS}


# --------------------------------------------------------------------------- the state


@dataclass(frozen=True)
class ViewState:
    """Everything a link reopens: the current run, the pinned runs, language, embed, lesson."""

    current: RunConfig
    pinned: tuple[RunConfig, ...] = ()  # at most MAX_PINNED, in order
    lang: str = "en"
    embed: bool = False
    preset: str | None = None  # the lesson key it came from, if any

    def __post_init__(self) -> None:
        object.__setattr__(self, "pinned", tuple(self.pinned))
        if not isinstance(self.current, RunConfig):
            raise ValueError(f"current = {self.current!r} is not allowed: expected a RunConfig")
        if len(self.pinned) > MAX_PINNED or not all(isinstance(p, RunConfig) for p in self.pinned):
            raise ValueError(f"pinned is not allowed: expected at most {MAX_PINNED} RunConfigs")
        if self.lang not in LANGUAGES:
            raise ValueError(
                f"lang = {self.lang!r} is not allowed: expected one of {', '.join(LANGUAGES)}"
            )
        if not isinstance(self.embed, bool):
            raise ValueError(f"embed = {self.embed!r} is not allowed: expected True or False")
        if self.preset is not None and self.preset not in LESSONS:
            raise ValueError(
                f"preset = {self.preset!r} is not allowed: expected a key of LESSONS or None"
            )


def view_flags(flags: Any) -> dict[str, Any]:
    """The page's view-flags Store ({lang, embed, preset}) as a callback may trust it.

    The page writes it, but a request can carry anything: what is not a known language,
    a lesson key or a flag reads as the default.
    """
    flags = flags if isinstance(flags, dict) else {}
    lang, preset = flags.get("lang"), flags.get("preset")
    return {
        "lang": lang if isinstance(lang, str) and lang in LANGUAGES else "en",
        "embed": flags.get("embed") is True,
        "preset": preset if isinstance(preset, str) and preset in LESSONS else None,
    }


@dataclass(frozen=True)
class Notice:
    """One value of a link that was not used: which key, what value, what would be allowed.

    fallback says what is used instead ("" when the value is just dropped). The Korean
    texts default to a translation of the English ones.
    """

    key: str
    value: str
    allowed: str
    fallback: str = ""
    allowed_ko: str = ""
    fallback_ko: str = ""

    def message(self, lang: str = "en") -> str:
        """One sentence for the page in lang ("en" or "ko").

        "Ignored lr=abc: expected a number in [1e-05, 10]; using 0.1."
        "lr=abc 값을 무시했습니다. 허용: [1e-05, 10] 범위의 숫자. 대신 0.1을 사용합니다."
        """
        if lang == "ko":
            allowed = self.allowed_ko or _korean(self.allowed)
            text = f"{self.key}={self.value} 값을 무시했습니다. 허용: {allowed}."
            if self.fallback:
                fallback = self.fallback_ko or _korean(self.fallback)
                text += f" 대신 {fallback}{_object_particle(fallback)} 사용합니다."
            return text
        text = f"Ignored {self.key}={self.value}: expected {self.allowed}"
        return text + (f"; using {self.fallback}." if self.fallback else ".")


def canonical(config: RunConfig) -> RunConfig:
    """The same run, its parameters coerced to their kinds and those equal to PyTorch's defaults dropped."""
    return config.replace(
        optimizer_params=_canonical_params(
            config.optimizer_params, OPTIMIZER_PARAMS[config.optimizer], config.optimizer
        ),
        scheduler_params=_canonical_params(
            config.scheduler_params, SCHEDULER_PARAMS[config.scheduler], config.scheduler
        ),
    )


def canonical_state(state: ViewState) -> ViewState:
    """The state with every run in canonical form."""
    return ViewState(
        current=canonical(state.current),
        pinned=tuple(canonical(p) for p in state.pinned),
        lang=state.lang,
        embed=state.embed,
        preset=state.preset,
    )


def _canonical_params(params, specs: tuple[ParamSpec, ...], owner: str) -> dict[str, Any]:
    out = {}
    for spec in specs:
        value = params.get(spec.name)
        if value is None:
            continue
        value = spec.check(value, owner)
        if spec.default is None or value != spec.default:
            out[spec.name] = value
    return out


# --------------------------------------------------------------------------- encode


def encode(state: ViewState) -> str:
    """The query string (without '?') that decode turns back into canonical_state(state)."""
    current = canonical(state.current)
    pinned = [canonical(p) for p in state.pinned]
    pairs: list[tuple[str, str]] = []
    base, base_pins = DEFAULT, []
    if state.preset in LESSONS:
        lesson = LESSONS[state.preset]
        pairs.append(("preset", state.preset))
        base = canonical(lesson.current)
        base_pins = [canonical(run) for run in lesson.runs[:-1]]
    pairs += _diff(base, current)
    if state.preset in LESSONS and pinned == base_pins:
        pass  # the lesson's own pins
    elif not pinned and base_pins:
        pairs.append(("pin", NO_PINS))
    else:
        pairs += [("pin", ";".join(f"{k}:{v}" for k, v in _diff(current, pin))) for pin in pinned]
    if state.lang != "en":
        pairs.append(("lang", state.lang))
    if state.embed:
        pairs.append(("embed", "1"))
    return "&".join(f"{quote(key, safe='.')}={quote(value, safe=',:;')}" for key, value in pairs)


def _diff(base: RunConfig, config: RunConfig) -> list[tuple[str, str]]:
    """The (key, text) entries that turn base into config under decode's rules."""
    out: list[tuple[str, str]] = []
    if config.surface != base.surface:
        out.append(("surface", config.surface))
        base = base.replace(
            surface=config.surface, batch_size=None, normalization="none", start=None
        )
    if config.optimizer != base.optimizer:
        out.append(("optimizer", config.optimizer))
    if config.lr != base.lr:
        out.append(("lr", _number(config.lr)))
    same = config.optimizer == base.optimizer
    out += _param_diff(base.optimizer_params if same else {}, config, "optimizer")
    if config.scheduler != base.scheduler:
        out.append(("scheduler", config.scheduler))
    same = config.scheduler == base.scheduler
    out += _param_diff(base.scheduler_params if same else {}, config, "scheduler")
    if config.batch_size != base.batch_size:
        out.append(("batch_size", _field_text("batch_size", config.batch_size)))
    base_start = base.start
    if config.normalization != base.normalization:
        out.append(("normalization", config.normalization))
        base_start = None
    if config.steps != base.steps:
        out.append(("steps", str(config.steps)))
    if config.start != base_start:
        out.append(("start", _field_text("start", config.start)))
    if config.seed != base.seed:
        out.append(("seed", str(config.seed)))
    return out


def _param_diff(base_params, config: RunConfig, kind: str) -> list[tuple[str, str]]:
    if kind == "optimizer":
        owner, params, specs = (
            config.optimizer,
            config.optimizer_params,
            OPTIMIZER_PARAMS[config.optimizer],
        )
        clash: set[str] = set()
    else:
        owner, params, specs = (
            config.scheduler,
            config.scheduler_params,
            SCHEDULER_PARAMS[config.scheduler],
        )
        clash = {spec.name for spec in OPTIMIZER_PARAMS[config.optimizer]}
    out = []
    for spec in specs:
        value, before = params.get(spec.name), base_params.get(spec.name)
        if value == before:
            continue
        key = f"{owner}.{spec.name}" if spec.name in clash else spec.name
        if value is None:
            text = AUTO if spec.default is None else _param_text(spec, spec.default)
        else:
            text = _param_text(spec, value)
        out.append((key, text))
    return out


def _number(value: float) -> str:
    """Shortest text that float() reads back exactly: repr, without '.0' or the exponent's '+'."""
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.removesuffix(".0")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def _param_text(spec: ParamSpec, value: Any) -> str:
    if spec.kind == "bool":
        return "true" if value else "false"
    if spec.kind == "pair":
        return ",".join(_number(v) for v in value)
    if spec.kind == "int":
        return str(int(value))
    if spec.kind == "float":
        return _number(value)
    return str(value)


def _field_text(name: str, value: Any) -> str:
    if name == "batch_size":
        return "full" if value is None else str(value)
    if name == "start":
        return AUTO if value is None else ",".join(_number(v) for v in value)
    if name == "lr":
        return _number(value)
    return str(value)


# --------------------------------------------------------------------------- decode


def decode(query: Any) -> tuple[ViewState, list[Notice]]:
    """Read any query string (with or without '?') into a valid ViewState; never raises."""
    try:
        return _decode(query)
    except Exception:  # a last resort: a link must never break the page
        notice = _notice("query", str(query), LAST_RESORT, ("the default view", "기본 화면"))
        return ViewState(current=DEFAULT), [notice]


def _decode(query: Any) -> tuple[ViewState, list[Notice]]:
    notices: list[Notice] = []
    pairs = _split(query, notices)
    singles: dict[str, tuple[str, str]] = {}  # key -> (key as written, value), last one wins
    pins: list[str] = []
    for written, value in pairs:
        key = _known_key(written)
        if key == "pin":
            pins.append(value)
            continue
        if key in singles:
            notices.append(
                _notice(
                    *singles[key],
                    ("one value (the last one counts)", "값 하나 (마지막 값이 적용됨)"),
                )
            )
        singles[key] = (written, value)

    lang = "en"
    if "lang" in singles:
        written, value = singles.pop("lang")
        if value.strip().lower() in LANGUAGES:
            lang = value.strip().lower()
        else:
            notices.append(_notice(written, value, _one_of_text(LANGUAGES), ("en", "en")))
    embed = False
    if "embed" in singles:
        written, value = singles.pop("embed")
        flag = value.strip().lower()
        if flag in ("1", "true", "0", "false"):
            embed = flag in ("1", "true")
        else:
            notices.append(_notice(written, value, ("1 or 0", "1 또는 0"), ("0", "0")))

    preset, base, base_pins = None, DEFAULT, ()
    if "preset" in singles:
        written, value = singles.pop("preset")
        if value.strip().lower() in LESSONS:
            preset = value.strip().lower()
            lesson = LESSONS[preset]
            base, base_pins = (
                canonical(lesson.current),
                tuple(canonical(r) for r in lesson.runs[:-1]),
            )
        else:
            notices.append(_bad_preset(written, value))

    current = _apply(base, singles, notices.append, top_level=True)

    # Pins given replace the lesson's, unless every one of them is unusable.
    pinned, replaced = (), False
    for text in pins:
        if text.strip() == NO_PINS:
            replaced = True
            continue
        if len(pinned) == MAX_PINNED:
            allowed = (f"at most {MAX_PINNED} pinned runs", f"고정된 실행 최대 {MAX_PINNED}개")
            notices.append(_notice("pin", text, allowed))
            continue
        pin = _pin(current, text, notices)
        if pin is not None:
            pinned, replaced = (*pinned, pin), True
    if not replaced:
        pinned = base_pins
    return ViewState(current=current, pinned=pinned, lang=lang, embed=embed, preset=preset), notices


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
        notices.append(_notice("query", query[cut:].lstrip("&"), allowed, fallback))
        query = query[:cut]
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        if len(pairs) == MAX_PAIRS:
            allowed = (f"at most {MAX_PAIRS} settings", f"설정 최대 {MAX_PAIRS}개")
            notices.append(
                _notice("query", part, allowed, (f"the first {MAX_PAIRS}", f"앞의 {MAX_PAIRS}개"))
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
        notices.append(_notice("pin", text, allowed))
        return None
    entries: dict[str, tuple[str, str]] = {}
    for part in parts:
        written, colon, value = part.partition(":")
        key = _known_key(written.strip())
        if not colon or key in VIEW_KEYS or key in entries:
            notices.append(_notice("pin", text, PIN_SYNTAX))
            return None
        entries[key] = (written.strip(), value)
    found: list[Notice] = []
    pin = _apply(current, entries, found.append, top_level=False)
    if not found:
        return pin
    inner = found[0]
    allowed = (
        f"{inner.allowed} for {inner.key}",
        f"{inner.key}: {inner.allowed_ko or _korean(inner.allowed)}",
    )
    notices.append(_notice("pin", text, allowed))
    return None


def _apply(
    base: RunConfig, given: dict[str, tuple[str, str]], report, *, top_level: bool
) -> RunConfig:
    """base changed by the given entries (key -> (key as written, text)); canonical.

    Every value it cannot use is reported as a Notice and left at base's value (after the
    resets that a new surface, scaling, optimizer or scheduler imply).
    """
    given = dict(given)
    values: dict[str, Any] = {name: getattr(base, name) for name in DEFAULT.__dataclass_fields__}
    values["optimizer_params"] = dict(base.optimizer_params)
    values["scheduler_params"] = dict(base.scheduler_params)
    # What was set explicitly, for the repairs: field or "slot:param" -> (written, text).
    texts: dict[str, tuple[str, str]] = {}

    def take(name: str, parse, allowed: tuple[str, str]) -> bool:
        """Set field name from its text if it parses; report it otherwise."""
        if name not in given:
            return False
        written, text = given[name]
        try:
            value = parse(text.strip()) if len(text) <= MAX_VALUE_CHARS else _fail()
        except (ValueError, TypeError, OverflowError):
            report(_notice(written, text, allowed, _describe(name, values[name])))
            return False
        values[name] = value
        texts[name] = given[name]
        return True

    if take("surface", lambda t: _choice(t, SURFACES), _one_of_text(SURFACES)):
        if values["surface"] != base.surface:
            values.update(batch_size=None, normalization="none", start=None)
    problem = SURFACES[values["surface"]]
    is_data = values["surface"] in DATA_SURFACES
    normalization_before = values["normalization"]
    if is_data:
        take(
            "normalization",
            lambda t: _choice(t, limits.NORMALIZATIONS),
            _one_of_text(limits.NORMALIZATIONS),
        )
    else:
        take(
            "normalization",
            lambda t: _choice(t, ("none",)),
            (
                f"none on {values['surface']} (only {', '.join(DATA_SURFACES)} scales its feature)",
                f"{values['surface']}에서는 none (특성 정규화는 {', '.join(DATA_SURFACES)}에만 적용)",
            ),
        )
    if values["normalization"] != normalization_before:
        values["start"] = None
    if is_data:
        n = problem.n
        take(
            "batch_size",
            lambda t: None if t == "full" else _integer(t, 1, n),
            (f"full or an integer in [1, {n}]", f"full 또는 [1, {n}] 범위의 정수"),
        )
    else:
        name = values["surface"]
        take(
            "batch_size",
            lambda t: _choice(t, ("full",)) and None,
            (
                f"full ({name} has no data to split into batches)",
                f"full ({name}에는 배치로 나눌 데이터가 없음)",
            ),
        )
    surface = problem.surface(values["normalization"])
    take("start", lambda t: _start(t, surface), _start_allowed(surface))

    if take("optimizer", lambda t: _choice(t, OPTIMIZER_NAMES), _one_of_text(OPTIMIZER_NAMES)):
        if values["optimizer"] != base.optimizer:
            values["optimizer_params"] = {}
    if take("scheduler", lambda t: _choice(t, SCHEDULER_NAMES), _one_of_text(SCHEDULER_NAMES)):
        if values["scheduler"] != base.scheduler:
            values["scheduler_params"] = {}
    take("lr", lambda t: _LR.check(t, ""), _spec_allowed(_LR))
    take("steps", lambda t: _STEPS.check(t, ""), _spec_allowed(_STEPS))
    take(
        "seed",
        lambda t: _SEED.check(t, ""),
        (
            f"an integer in [{limits.SEED_MIN}, {limits.SEED_MAX}]",
            f"[{limits.SEED_MIN}, {limits.SEED_MAX}] 범위의 정수",
        ),
    )

    optimizer, scheduler = values["optimizer"], values["scheduler"]
    tables = (
        ("optimizer_params", optimizer, {spec.name: spec for spec in OPTIMIZER_PARAMS[optimizer]}),
        ("scheduler_params", scheduler, {spec.name: spec for spec in SCHEDULER_PARAMS[scheduler]}),
    )
    for key in given:
        if key in FIELDS:
            continue
        written, text = given[key]
        owner, dot, name = key.rpartition(".")
        target = next(
            (t for t in tables if name in t[2] and (not dot or owner == t[1])),
            None,
        )
        if target is None:
            report(_not_here(written, text, name, tables, top_level))
            continue
        slot, owner, specs = target
        spec = specs[name]
        params = values[slot]
        try:
            if len(text) > MAX_VALUE_CHARS:
                _fail()
            value = None if text.strip().lower() == AUTO else spec.check(text.strip(), owner)
        except ValueError:
            report(
                _notice(written, text, _spec_allowed(spec), _param_fallback(spec, params.get(name)))
            )
            continue
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
        texts[f"{slot}:{name}"] = (written, text)

    for _ in range(MAX_REPAIRS):
        try:
            return canonical(RunConfig(**values))
        except ValueError as error:
            if not _repair(str(error), values, base, texts, report):
                break
    allowed = ("settings the engine accepts together", "엔진이 함께 받아들이는 설정")
    fallback = ("the run without them", "그 설정을 뺀 실행")
    report(_notice("query", "&".join(f"{w}={t}" for w, t in given.values()), allowed, fallback))
    return canonical(base)


def _repair(message: str, values: dict, base: RunConfig, texts: dict, report) -> bool:
    """Drop the explicitly given setting a RunConfig error names; False if there is none."""
    head = message.split(" = ", 1)[0].split(" ", 1)[0]
    owner, dot, name = head.partition(".")
    tail = message.split(" is not allowed: ", 1)[-1].removeprefix("expected ")
    if dot:
        slot = "optimizer_params" if owner == values["optimizer"] else "scheduler_params"
        given = [key for key in texts if key.startswith(slot + ":")]
        if not given:
            return False
        key = f"{slot}:{name}" if f"{slot}:{name}" in given else given[-1]
        param = key.split(":", 1)[1]
        before = (
            getattr(base, slot).get(param) if getattr(base, slot.split("_")[0]) == owner else None
        )
        if before is None:
            values[slot].pop(param, None)
        else:
            values[slot][param] = before
        table = OPTIMIZER_PARAMS if slot == "optimizer_params" else SCHEDULER_PARAMS
        spec = next(s for s in table[values[slot.split("_")[0]]] if s.name == param)
        written, text = texts.pop(key)
        allowed = (tail, _korean(tail))
        if param != name:  # the error is about a default that depends on this parameter
            allowed = (
                f"a value that keeps {name} valid ({tail})",
                f"{name}도 허용 범위에 들게 하는 값 ({_korean(tail)})",
            )
        report(_notice(written, text, allowed, _param_fallback(spec, before)))
        return True
    if owner in FIELDS and owner in texts:
        default = (
            getattr(base, owner)
            if owner not in ("batch_size", "normalization", "start")
            else getattr(DEFAULT, owner)
        )
        values[owner] = default
        written, text = texts.pop(owner)
        report(_notice(written, text, (tail, _korean(tail)), _describe(owner, default)))
        return True
    return False


# --------------------------------------------------------------------------- parsing


def _fail():
    raise ValueError("too long")


def _choice(text: str, choices) -> str:
    text = text.lower()
    if text not in choices:
        raise ValueError(text)
    return text


def _integer(text: str, low: int, high: int) -> int:
    number = float(text)
    if not (number.is_integer() and low <= number <= high):
        raise ValueError(text)
    return int(number)


def _start(text: str, surface) -> tuple[float, float] | None:
    if text == AUTO:
        return None
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError(text)
    point = tuple(float(part) for part in parts)
    for value, (low, high) in zip(point, _start_window(surface), strict=True):
        if not low <= value <= high:  # also False for nan
            raise ValueError(text)
    return point


def _start_window(surface) -> list[tuple[float, float]]:
    widened = []
    for low, high in surface.window:
        span = (high - low) * limits.START_MARGIN
        widened.append((low - span, high + span))
    return widened


# --------------------------------------------------------------------------- words


def _spec_allowed(spec: ParamSpec) -> tuple[str, str]:
    allowed = spec.allowed()
    if spec.kind == "pair":
        allowed += ", joined by a comma"
        return allowed, _korean(spec.allowed()) + ", 쉼표로 구분"
    if spec.default is None:
        return allowed + " or auto", _korean(allowed) + " 또는 auto"
    return allowed, _korean(allowed)


def _param_fallback(spec: ParamSpec, value: Any) -> tuple[str, str]:
    if value is not None:
        text = _param_text(spec, value)
        return text, text
    if spec.default is None:
        return "the default (derived from the run)", "기본값(실행에 맞춰 정해짐)"
    text = _param_text(spec, spec.default)
    return f"the default ({text})", f"기본값({text})"


def _describe(name: str, value: Any) -> tuple[str, str]:
    """What a field falls back to, in words."""
    if value is None and name == "batch_size":
        return "the full batch", "전체 배치"
    if value is None and name == "start":
        return "the surface's default start", "곡면의 기본 시작점"
    text = _field_text(name, value)
    return text, text


def _one_of_text(choices) -> tuple[str, str]:
    listed = ", ".join(choices)
    return f"one of {listed}", f"{listed} 중 하나"


def _start_allowed(surface) -> tuple[str, str]:
    (x_low, x_high), (y_low, y_high) = _start_window(surface)
    x, y = surface.param_names
    en = f"two numbers {x},{y} with {x} in [{x_low:g}, {x_high:g}] and {y} in [{y_low:g}, {y_high:g}], or auto"
    ko = f"두 숫자 {x},{y} ({x}는 [{x_low:g}, {x_high:g}], {y}는 [{y_low:g}, {y_high:g}] 범위) 또는 auto"
    return en, ko


def _bad_preset(written: str, value: str) -> Notice:
    keys = list(LESSONS)
    shown = ", ".join(keys[:6]) + (", …" if len(keys) > 6 else "")
    allowed = (
        f"a lesson ({len(keys)} in all: {shown})",
        f"강의 주제 {len(keys)}개 중 하나 ({shown})",
    )
    return _notice(written, value, allowed)


def _not_here(written: str, text: str, name: str, tables, top_level: bool) -> Notice:
    """A key that is no setting, or a parameter the chosen optimizer and scheduler lack."""
    owners = [(owner, ", ".join(specs)) for _, owner, specs in tables if specs]
    params_en = " or ".join(f"{owner} ({names})" for owner, names in owners)
    params_ko = " 또는 ".join(f"{owner}({names})" for owner, names in owners)
    if name in _PARAM_NAMES:
        if not owners:
            chosen = [owner for _, owner, _ in tables]
            return _notice(
                written,
                text,
                (
                    f"no parameter ({' and '.join(chosen)} take none)",
                    f"매개변수 없음 ({'와 '.join(chosen)}에는 매개변수가 없음)",
                ),
            )
        return _notice(written, text, (f"a parameter of {params_en}", f"{params_ko}의 매개변수"))
    keys = ", ".join((*FIELDS, *VIEW_KEYS) if top_level else FIELDS)
    if not owners:
        return _notice(written, text, (f"a setting: {keys}", f"설정 {keys} 중 하나"))
    return _notice(
        written,
        text,
        (
            f"a setting ({keys}) or a parameter of {params_en}",
            f"설정({keys}) 또는 {params_ko}의 매개변수",
        ),
    )


def _notice(
    key: str, value: str, allowed: tuple[str, str], fallback: tuple[str, str] | None = None
) -> Notice:
    """A notice from (English, Korean) texts; the value as the notice quotes it."""
    en, ko = fallback or ("", "")
    return Notice(_shown(key), _shown(value), allowed[0], en, allowed[1], ko)


def _shown(text: str) -> str:
    """A value as a notice quotes it: printable, and short."""
    text = "".join(
        c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in text[: SHOWN_VALUE_CHARS + 1]
    )
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS] + "…"


_KO_PREFIXES = (
    ("two numbers, each in ", "각각 {} 범위의 숫자 두 개"),
    ("a number in ", "{} 범위의 숫자"),
    ("an integer in ", "{} 범위의 정수"),
    ("a number >= ", "{} 이상의 숫자"),
    ("one of ", "{} 중 하나"),
)


def _korean(text: str) -> str:
    """The Korean for the engine's phrases of what is allowed; other text unchanged."""
    if text == "true or false":
        return "true 또는 false"
    for prefix, template in _KO_PREFIXES:
        if text.startswith(prefix):
            return template.format(text.removeprefix(prefix))
    return text


# The reading of a digit in Sino-Korean decides the particle after a number: 을 after a
# final consonant (0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔), 를 after a vowel.
_DIGIT_HAS_FINAL = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}


def _object_particle(word: str) -> str:
    """을 or 를 after word (을(를) when its reading is unclear, as for Latin letters)."""
    stem = word.rsplit("(", 1)[0].rstrip() if word.endswith(")") else word
    last = stem[-1:] or " "
    if "가" <= last <= "힣":
        return "을" if (ord(last) - ord("가")) % 28 else "를"
    if last in _DIGIT_HAS_FINAL:
        return "을" if _DIGIT_HAS_FINAL[last] else "를"
    return "을(를)"
