"""What a link holds: the current run, the pinned runs, the lesson, the language, embed, and
the lower view (curves, Which rate?, stability map with its second setting, code).

`ViewState` is that view, checked on construction; `canonical` and `canonical_state` are its
canonical form; `Notice` is one value of a link that could not be used. How a view is written
as a query string and read back is app.links.

Canonical form. A parameter equal to its PyTorch default runs exactly as if it were
absent, so both decode and encode work on `canonical(config)`, which drops such
parameters (and coerces values to their kinds: betas a tuple, booleans bool). Thus
decode(encode(s)) == canonical_state(s) for every valid s, and equals s itself when s is
canonical; compare views with canonical forms, not raw configs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.figures.style import MAX_RUNS
from app.i18n import LANGUAGES, korean_allowed, object_particle
from app.lessons import EVERY_LESSON, LESSONS
from engine import RunConfig
from engine.explore import second_settings
from engine.optimizers import OPTIMIZER_PARAMS
from engine.params import ParamSpec
from engine.schedules import SCHEDULER_PARAMS

# The figures draw MAX_RUNS paths: the current run and the pinned ones.
MAX_PINNED = MAX_RUNS - 1

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
VIEW_KEYS = ("preset", "pin", "lang", "embed", "view", "second")
# The views under the player, as the link names them (view=...); the first is the default.
LOWER_VIEWS = ("curves", "finder", "map", "code")


@dataclass(frozen=True)
class ViewState:
    """Everything a link reopens: the current run, the pinned runs, language, embed, lesson."""

    current: RunConfig
    pinned: tuple[RunConfig, ...] = ()  # at most MAX_PINNED, in order
    lang: str = "en"
    embed: bool = False
    preset: str | None = None  # the lesson key it came from, if any
    # The network view (app.network_links.NetworkView), or None; current then holds its
    # shared settings (optimizer, rate, scheduler, steps, seed) for the page's controls.
    network: Any = None
    # The view under the player (LOWER_VIEWS), and the stability map's second setting (one
    # that second_settings offers for current; None: the map's first).
    lower_view: str = "curves"
    second: str | None = None

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
        if self.lower_view not in LOWER_VIEWS:
            raise ValueError(
                f"lower_view = {self.lower_view!r} is not allowed: expected one of {', '.join(LOWER_VIEWS)}"
            )
        if self.second is not None and (self.lower_view != "map" or self.second not in second_settings(self.current)):
            raise ValueError(
                f"second = {self.second!r} is not allowed: expected None or, with the stability map, a setting it offers"
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
        "preset": preset if isinstance(preset, str) and preset in EVERY_LESSON else None,
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
            allowed = self.allowed_ko or korean_allowed(self.allowed)
            text = f"{self.key}={self.value} 값을 무시했습니다. 허용: {allowed}."
            if self.fallback:
                fallback = self.fallback_ko or korean_allowed(self.fallback)
                text += f" 대신 {fallback}{object_particle(fallback)} 사용합니다."
            return text
        text = f"Ignored {self.key}={self.value}: expected {self.allowed}"
        return text + (f"; using {self.fallback}." if self.fallback else ".")


def canonical(config: RunConfig) -> RunConfig:
    """The same run with the parameters equal to PyTorch's defaults dropped (the config itself
    when it names none: its values are already checked, so nothing is built again)."""
    optimizer_params = _canonical_params(config.optimizer_params, OPTIMIZER_PARAMS[config.optimizer])
    scheduler_params = _canonical_params(config.scheduler_params, SCHEDULER_PARAMS[config.scheduler])
    if optimizer_params == config.optimizer_params and scheduler_params == config.scheduler_params:
        return config
    return config.replace(optimizer_params=optimizer_params, scheduler_params=scheduler_params)


def canonical_state(state: ViewState) -> ViewState:
    """The state with every run in canonical form."""
    return ViewState(
        current=canonical(state.current),
        pinned=tuple(canonical(p) for p in state.pinned),
        lang=state.lang,
        embed=state.embed,
        preset=state.preset,
        network=state.network,
        lower_view=state.lower_view,
        second=state.second,
    )


def _canonical_params(params, specs: tuple[ParamSpec, ...]) -> dict[str, Any]:
    """A run's given parameters (checked by RunConfig) without those equal to their default."""
    defaults = {spec.name: spec.default for spec in specs}
    return {name: value for name, value in params.items() if defaults.get(name) is None or value != defaults[name]}
