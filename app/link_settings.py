"""One run's settings as the key=value texts of a link, both ways, and the words of each notice.

`differences(base, config)` writes a run as the entries that turn base into it;
`read_run(base, given, report)` reads such entries back onto base: a value it cannot use is
left at base's value (after the resets a new surface, scaling, optimizer or scheduler imply) and
reported as a Notice naming what is allowed, and a combination RunConfig refuses is repaired by
dropping the setting its error names. The grammar and the view as a whole are app.links (and
app.network_links), the parts both read alike (presets, pins, language) app.link_reading; this
module is what they do for each run, the current one and every pin.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from app.i18n import korean_allowed
from app.viewstate import DEFAULT, FIELDS, VIEW_KEYS, Notice, canonical
from engine import SURFACES, RunConfig, limits
from engine.catalog import DATA_SURFACES
from engine.optimizers import OPTIMIZER_NAMES, OPTIMIZER_PARAMS
from engine.params import ParamSpec, SettingError
from engine.schedules import SCHEDULER_NAMES, SCHEDULER_PARAMS

MAX_VALUE_CHARS = 1000  # the longest value is a pin that differs in every setting
# The pin grammar both link readers share (app.links, app.network_links): a pin holds at most
# MAX_PIN_ENTRIES KEY:VALUE entries, and pin=none means "no pins" (not a lesson's).
MAX_PIN_ENTRIES = 32
NO_PINS = "none"
MAX_REPAIRS = 8  # combination errors dropped one field at a time
SHOWN_VALUE_CHARS = 40  # a notice quotes at most this much of a value

AUTO = "auto"  # a value meaning "the engine's default"

_LR = ParamSpec("lr", "float", DEFAULT.lr, low=limits.LR_MIN, high=limits.LR_MAX)
_STEPS = ParamSpec("steps", "int", DEFAULT.steps, low=limits.STEPS_MIN, high=limits.STEPS_MAX)
_SEED = ParamSpec("seed", "int", DEFAULT.seed, low=limits.SEED_MIN, high=limits.SEED_MAX)
PARAM_NAMES = frozenset(
    spec.name
    for table in (OPTIMIZER_PARAMS, SCHEDULER_PARAMS)
    for specs in table.values()
    for spec in specs
)


# --------------------------------------------------------------------------- write


@lru_cache(maxsize=64)
def surface_default(base: RunConfig, surface: str) -> RunConfig:
    """base moved to another surface at its defaults (full batch, raw inputs, default start):
    what a link's surface= key alone means. The same few per process, so kept."""
    return base.replace(surface=surface, batch_size=None, normalization="none", start=None)


def differences(base: RunConfig, config: RunConfig) -> list[tuple[str, str]]:
    """The (key, text) entries that turn base into config under decode's rules."""
    out: list[tuple[str, str]] = []
    if config.surface != base.surface:
        out.append(("surface", config.surface))
        base = surface_default(base, config.surface)
    if config.optimizer != base.optimizer:
        out.append(("optimizer", config.optimizer))
    if config.lr != base.lr:
        out.append(("lr", number_text(config.lr)))
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


def number_text(value: float) -> str:
    """Shortest text that float() reads back exactly: repr, without '.0' or the exponent's '+'."""
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.removesuffix(".0")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def _param_text(spec: ParamSpec, value: Any) -> str:
    if spec.kind == "bool":
        return "true" if value else "false"
    if spec.kind == "pair":
        return ",".join(number_text(v) for v in value)
    if spec.kind == "int":
        return str(int(value))
    if spec.kind == "float":
        return number_text(value)
    return str(value)


def _field_text(name: str, value: Any) -> str:
    if name == "batch_size":
        return "full" if value is None else str(value)
    if name == "start":
        return AUTO if value is None else ",".join(number_text(v) for v in value)
    if name == "lr":
        return number_text(value)
    return str(value)


# --------------------------------------------------------------------------- read


def read_run(
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
            report(notice(written, text, allowed, _describe(name, values[name])))
            return False
        values[name] = value
        texts[name] = given[name]
        return True

    if take("surface", lambda t: _choice(t, SURFACES), one_of_text(SURFACES)):
        if values["surface"] != base.surface:
            values.update(batch_size=None, normalization="none", start=None)
    problem = SURFACES[values["surface"]]
    is_data = values["surface"] in DATA_SURFACES
    normalization_before = values["normalization"]
    if is_data:
        take(
            "normalization",
            lambda t: _choice(t, limits.NORMALIZATIONS),
            one_of_text(limits.NORMALIZATIONS),
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

    if take("optimizer", lambda t: _choice(t, OPTIMIZER_NAMES), one_of_text(OPTIMIZER_NAMES)):
        if values["optimizer"] != base.optimizer:
            values["optimizer_params"] = {}
    if take("scheduler", lambda t: _choice(t, SCHEDULER_NAMES), one_of_text(SCHEDULER_NAMES)):
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
                notice(written, text, _spec_allowed(spec), _param_fallback(spec, params.get(name)))
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
            if not _repair(error, values, base, texts, report):
                break
    allowed = ("settings the engine accepts together", "엔진이 함께 받아들이는 설정")
    fallback = ("the run without them", "그 설정을 뺀 실행")
    report(notice("query", "&".join(f"{w}={t}" for w, t in given.values()), allowed, fallback))
    return canonical(base)


def _repair(error: ValueError, values: dict, base: RunConfig, texts: dict, report) -> bool:
    """Drop the explicitly given setting a RunConfig error names; False if there is none."""
    field = error.field if isinstance(error, SettingError) else ""
    owner, dot, name = field.partition(".")
    # The notice quotes the engine's reason as its message words it.
    tail = str(error).split(" is not allowed: ", 1)[-1].removeprefix("expected ")
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
        allowed = (tail, korean_allowed(tail))
        if param != name:  # the error is about a default that depends on this parameter
            allowed = (
                f"a value that keeps {name} valid ({tail})",
                f"{name}도 허용 범위에 들게 하는 값 ({korean_allowed(tail)})",
            )
        report(notice(written, text, allowed, _param_fallback(spec, before)))
        return True
    if owner in FIELDS and owner in texts:
        default = (
            getattr(base, owner)
            if owner not in ("batch_size", "normalization", "start")
            else getattr(DEFAULT, owner)
        )
        values[owner] = default
        written, text = texts.pop(owner)
        report(notice(written, text, (tail, korean_allowed(tail)), _describe(owner, default)))
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
        return allowed, korean_allowed(spec.allowed()) + ", 쉼표로 구분"
    if spec.default is None:
        return allowed + " or auto", korean_allowed(allowed) + " 또는 auto"
    return allowed, korean_allowed(allowed)


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


def one_of_text(choices) -> tuple[str, str]:
    """(English, Korean) for "one of" the choices."""
    listed = ", ".join(choices)
    return f"one of {listed}", f"{listed} 중 하나"


def _start_allowed(surface) -> tuple[str, str]:
    (x_low, x_high), (y_low, y_high) = _start_window(surface)
    x, y = surface.param_names
    en = f"two numbers {x},{y} with {x} in [{x_low:g}, {x_high:g}] and {y} in [{y_low:g}, {y_high:g}], or auto"
    ko = f"두 숫자 {x},{y} ({x}는 [{x_low:g}, {x_high:g}], {y}는 [{y_low:g}, {y_high:g}] 범위) 또는 auto"
    return en, ko


def _not_here(written: str, text: str, name: str, tables, top_level: bool) -> Notice:
    """A key that is no setting, or a parameter the chosen optimizer and scheduler lack."""
    owners = [(owner, ", ".join(specs)) for _, owner, specs in tables if specs]
    params_en = " or ".join(f"{owner} ({names})" for owner, names in owners)
    params_ko = " 또는 ".join(f"{owner}({names})" for owner, names in owners)
    if name in PARAM_NAMES:
        if not owners:
            chosen = [owner for _, owner, _ in tables]
            return notice(
                written,
                text,
                (
                    f"no parameter ({' and '.join(chosen)} take none)",
                    f"매개변수 없음 ({'와 '.join(chosen)}에는 매개변수가 없음)",
                ),
            )
        return notice(written, text, (f"a parameter of {params_en}", f"{params_ko}의 매개변수"))
    keys = ", ".join((*FIELDS, *VIEW_KEYS) if top_level else FIELDS)
    if not owners:
        return notice(written, text, (f"a setting: {keys}", f"설정 {keys} 중 하나"))
    return notice(
        written,
        text,
        (
            f"a setting ({keys}) or a parameter of {params_en}",
            f"설정({keys}) 또는 {params_ko}의 매개변수",
        ),
    )


def notice(
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
