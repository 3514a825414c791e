"""Every lesson preset shows its lesson: the engine's outcomes are the ones the lecture names."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from app.lessons import LADDER_RATES, LESSONS, MAX_RUNS, MAX_STEPS, Lesson, lesson_text
from engine import OUTCOMES, SURFACES, simulate_many
from engine.surfaces import BOWL_CURVATURES, DEEP_BASIN, POTHOLE, RAVINE_CURVATURES

_CACHE: dict[str, list] = {}


def runs_of(key: str):
    """The lesson's trajectories, simulated once per test session."""
    if key not in _CACHE:
        _CACHE[key] = simulate_many(LESSONS[key].runs)
    return _CACHE[key]


def path_length(params: np.ndarray) -> float:
    return float(np.hypot(*np.diff(params, axis=0).T).sum())


def step_lengths(params: np.ndarray) -> np.ndarray:
    return np.hypot(*np.diff(params, axis=0).T)


# --- Every lesson -----------------------------------------------------------------------


def test_every_lesson_of_the_lecture_has_a_preset_in_order():
    numbers = [lesson.number for lesson in LESSONS.values()]
    assert sorted(set(numbers), key=lambda n: int(n[1:])) == [f"L{i}" for i in range(1, 13)]
    assert numbers == sorted(numbers, key=lambda n: int(n[1:]))


@pytest.mark.parametrize("key", list(LESSONS))
def test_preset_gives_its_expected_outcomes(key):
    lesson = LESSONS[key]
    assert lesson.key == key
    assert 1 <= len(lesson.runs) <= MAX_RUNS
    assert all(run.steps <= MAX_STEPS for run in lesson.runs)
    assert len(lesson.expected) == len(lesson.runs)
    assert set(lesson.expected) <= set(OUTCOMES)
    assert tuple(tr.outcome for tr in runs_of(key)) == lesson.expected


def test_keys_are_unique_and_url_safe():
    keys = [lesson.key for lesson in LESSONS.values()]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key


@pytest.mark.parametrize("key", list(LESSONS))
def test_every_lesson_reads_in_english_and_korean(key):
    lesson = LESSONS[key]
    for lang in ("en", "ko"):
        title, explanation = lesson_text(lesson, lang)
        assert title.strip() and explanation.strip()
        assert title == lesson.title[lang] and explanation == lesson.explanation[lang]
    hangul = re.compile("[\uac00-\ud7a3]")
    assert hangul.search(lesson.title["ko"]) and hangul.search(lesson.explanation["ko"])
    # Two or three sentences, not a page.
    assert 1 <= lesson.explanation["en"].count(". ") + 1 <= 4


def test_lesson_text_falls_back_to_english():
    lesson = LESSONS["overshooting"]
    assert lesson_text(lesson, "fr") == (lesson.title["en"], lesson.explanation["en"])


def test_korean_uses_the_lecture_terms():
    korean = " ".join(lesson.explanation["ko"] + lesson.title["ko"] for lesson in LESSONS.values())
    for term in (
        "학습률",
        "손실",
        "기울기",
        "경사 하강법",
        "배치 크기",
        "정규화",
        "표준화",
        "스케줄러",
        "지역 최소점",
        "발산",
        "오버슈팅",
        "수렴",
    ):
        assert term in korean, term


def test_a_bad_preset_is_refused():
    good = LESSONS["too-slow"]
    fields = {name: getattr(good, name) for name in good.__dataclass_fields__}
    with pytest.raises(ValueError, match="URL"):
        Lesson(**{**fields, "key": "Too Slow"})
    with pytest.raises(ValueError, match="outcomes"):
        Lesson(**{**fields, "expected": ("slow", "slow")})
    with pytest.raises(ValueError, match="runs"):
        Lesson(**{**fields, "runs": good.runs * 5, "expected": good.expected * 5})


# --- What each lesson must show, beyond its labels --------------------------------------


def test_l1_descent_moves_against_the_gradient_and_the_loss_falls():
    (run,) = runs_of("gradient-descent")
    assert np.all(np.diff(run.loss) <= 0)
    moves = np.diff(run.params, axis=0)
    assert np.all(np.einsum("ij,ij->i", moves, run.grad) < 0)  # every step goes downhill


def test_l2_explains_the_mse_with_its_half():
    lesson = LESSONS["data-fit"]
    for lang in ("en", "ko"):
        assert "1/(2n) Σ (w·x + b − y)²" in lesson.explanation[lang]
        assert "½" in lesson.explanation[lang]
    (run,) = runs_of("data-fit")
    w, b = SURFACES["linreg"].surface("standard").minimiser
    assert np.allclose(run.params[-1], (w, b), atol=1e-3)


def test_l3_steps_shrink_with_the_gradient():
    (run,) = runs_of("shrinking-steps")
    steps = step_lengths(run.params)
    grad_norm = np.hypot(*run.grad.T)
    assert np.all(np.diff(steps) <= 0) and steps[-1] < steps[0] / 100
    assert np.all(np.diff(grad_norm) <= 0) and grad_norm[-1] < grad_norm[0] / 100
    assert np.allclose(steps, run.config.lr * grad_norm)  # constant rate: the gradient does it


def test_l4_zig_zags_just_below_the_divergence_limit():
    (run,) = runs_of("overshooting")
    assert run.outcome in ("overshooting", "converged")
    assert run.overshoots >= 10
    steepest = max(BOWL_CURVATURES)
    assert 1 / steepest < run.config.lr < 2 / steepest


def test_l5_diverges_past_two_over_lambda_and_zig_zags_first():
    """Just below 2/λ of the ravine's walls the zig-zag dies out; just above it grows for a
    dozen visible steps, then the loss climbs until the run is stopped."""
    below, above = runs_of("divergence")
    steepest = max(RAVINE_CURVATURES)
    assert below.config.lr < 2 / steepest < above.config.lr
    assert below.config.resolved_start == above.config.resolved_start
    assert below.diverged_at is None and below.overshoots >= 3  # a zig-zag that dies out
    assert above.diverged_at is not None and 20 < above.diverged_at < above.config.steps
    assert np.all(np.diff(above.loss[5:]) > 0)  # the loss only climbs once the zig-zag grows
    assert above.overshoots >= 10


def test_l6_barely_moves():
    (run,) = runs_of("too-slow")
    assert run.config.lr == pytest.approx(1e-3)
    assert 0.25 < run.final_loss / run.loss[0] < 0.45  # about a third of the loss is left


def test_l7_settles_in_the_pothole():
    (run,) = runs_of("local-minimum")
    assert math.dist(run.params[-1], POTHOLE.centre) < POTHOLE.width
    trap = SURFACES["trap"].surface()
    assert run.final_loss > trap.global_minimum.value + 0.5  # not the lowest


def test_l8_ladder_starts_where_the_lecture_says_and_climbs_by_three_until_it_diverges():
    """The lecture: start at 1e-3 and go up ×3. The ladder's rungs are 1e-3·3^k up to the first
    that diverges; the shown runs are rungs of it, the smallest 'slow', the largest 'diverged',
    and final loss against rate dips in between."""
    lesson = LESSONS["lr-ladder"]
    assert LADDER_RATES[0] == pytest.approx(1e-3)
    assert np.allclose(np.array(LADDER_RATES[1:]) / LADDER_RATES[:-1], 3.0)
    ladder = simulate_many([lesson.current.replace(lr=rate) for rate in LADDER_RATES])
    outcomes = [run.outcome for run in ladder]
    assert outcomes[-1] == "diverged" and "diverged" not in outcomes[:-1]  # climb until it diverges
    shown = sorted(run.lr for run in lesson.runs)
    assert shown[0] == LADDER_RATES[0] and set(shown) <= set(LADDER_RATES)
    base = {name: getattr(lesson.runs[0], name) for name in ("surface", "steps", "start", "seed")}
    assert all({name: getattr(run, name) for name in base} == base for run in lesson.runs)
    runs = sorted(runs_of("lr-ladder"), key=lambda run: run.config.lr)
    assert runs[0].outcome == "slow" and runs[-1].outcome == "diverged"
    final = np.array([run.final_loss for run in runs])
    best = int(np.argmin(final))
    assert 0 < best < len(runs) - 1
    assert final[0] > final[best] and final[-1] > final[best]
    # On screen the current run comes first, then the pins in order: sorted by rate.
    on_screen = [lesson.current, *lesson.runs[:-1]]
    assert [run.lr for run in on_screen] == shown


def test_l9_scheduler_curves_differ():
    runs = runs_of("schedulers")
    curves = [run.lr for run in runs]
    assert len({run.config.scheduler for run in runs}) == len(runs)
    for i, a in enumerate(curves):
        assert np.ptp(a) > 0  # the rate really changes during training
        for b in curves[i + 1 :]:
            assert not np.allclose(a, b)


def test_l9_plateau_stays_trapped_and_cyclical_rates_reach_the_deep_basin():
    plateau, *risers = runs_of("scheduler-escape")
    assert plateau.config.scheduler == "plateau"
    assert math.dist(plateau.params[-1], POTHOLE.centre) < POTHOLE.width
    assert np.all(np.diff(plateau.lr) <= 0)  # it only ever lowers the rate
    deep = SURFACES["trap"].surface().global_minimum.point
    assert {run.config.scheduler for run in risers} == {"cyclic", "cosine_restarts"}
    for run in risers:
        assert math.dist(run.params[-1], deep) < 0.1 * DEEP_BASIN.width
        assert np.any(np.diff(run.lr) > 0)  # the rate rises again


def test_l9_race_is_fair_and_the_plateau_visibly_cuts_its_rate():
    """Same start for all; the plateau and the cyclical rate start at the same rate, and both
    risers peak at the same rate; ReduceLROnPlateau cuts its rate (several times) once the
    loss stops falling, and ends far above the escaping runs' loss."""
    plateau, cyclic, restarts = runs_of("scheduler-escape")
    starts = {run.config.resolved_start for run in (plateau, cyclic, restarts)}
    assert len(starts) == 1
    assert plateau.lr[0] == pytest.approx(cyclic.lr[0])
    assert cyclic.lr.max() == pytest.approx(restarts.lr.max(), rel=1e-6)
    cuts = np.flatnonzero(np.diff(plateau.lr) < 0)
    assert len(cuts) >= 2 and cuts[0] < 100
    assert plateau.lr[-1] <= plateau.lr[0] / 100
    # It cut because the loss stopped falling: little change over the patience before a cut.
    first = cuts[0] + 1
    assert abs(plateau.loss[first] - plateau.loss[first - 10]) < 1e-3
    assert plateau.final_loss > max(cyclic.final_loss, restarts.final_loss) + 1.0


def test_l9_pytorch_relative_threshold_never_cuts_with_a_negative_loss():
    """Why the lesson sets threshold_mode='abs': with the default relative threshold, a loss
    at or just above a negative best counts as better, a < best·(1 − 1e-4), so the run in the
    pothole never has a bad epoch."""
    plateau = LESSONS["scheduler-escape"].runs[0]
    default = simulate_many([plateau.replace(scheduler_params={})])[0]
    assert default.final_loss < 0
    assert np.all(default.lr == default.lr[0])


def test_l10_standardizing_turns_divergence_into_convergence_at_the_same_rate():
    *raw, standard = runs_of("normalization")
    assert standard.config.normalization == "standard"
    assert all(run.config.normalization == "none" for run in raw)
    fast_raw = next(run for run in raw if run.config.lr == standard.config.lr)
    assert fast_raw.outcome == "diverged" and standard.outcome == "converged"
    # The small rate that does not diverge gets nowhere near the fit.
    slow_raw = next(run for run in raw if run.config.lr < standard.config.lr)
    assert slow_raw.outcome == "slow"


def test_l11_minmax_converges_but_needs_more_steps_than_standardizing():
    runs = {run.config.normalization: run for run in runs_of("minmax")}
    assert len({run.config.lr for run in runs.values()}) == 1
    assert runs["none"].outcome == "diverged"

    def steps_to_fit(run) -> int:
        gap = run.loss - run.loss.min()
        return int(np.argmax(gap <= 1e-3 * gap[0]))

    assert steps_to_fit(runs["standard"]) < steps_to_fit(runs["minmax"])


def test_l12_batch_of_one_is_noisier_than_the_full_batch():
    lesson = LESSONS["batch-size"]
    assert len({(run.seed, run.resolved_start, run.lr, run.steps) for run in lesson.runs}) == 1
    runs = runs_of("batch-size")
    n = SURFACES["linreg"].n
    for run in runs:
        size = run.config.batch_size or n
        assert run.steps_per_epoch == math.ceil(n / size)

    def wander(run) -> float:  # path length over net displacement: 1 for a straight line
        return path_length(run.params) / math.dist(run.params[0], run.params[-1])

    one, mini, full = runs
    assert (one.config.batch_size, full.config.batch_size) == (1, None)
    assert wander(one) > wander(mini) > wander(full)
    assert wander(one) > 1.5 * wander(full)
